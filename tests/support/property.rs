//! The property test of issue 12: random schema pairs with random sample data, planned **with
//! rehearsal**, then applied to a **second database holding the same data** while both
//! application versions write, contracted and rolled back.
//!
//! One direction `(name, current, desired)`:
//!
//! 1. a fresh database B; `current` planned (rehearsed) and applied: v1;
//! 2. `desired` planned and rehearsed ([`migrator_core::ops::prepare_plan`] then
//!    [`PlanDraft::rehearse`]) with seeded sample data ([`sample_params`]: how many rows, where
//!    the rows start). A plan the planner or the rehearsal refuses is a **refusal with its
//!    cause**, counted and printed, never run on B;
//! 3. otherwise the files are written, and B gets the rehearsal's very sample rows
//!    ([`migrator_core::rehearse::fill_sample`]);
//! 4. an **old-shape writer** (v1's tables and columns: INSERT + UPDATE per table, parents
//!    first) runs from before expand, expand + backfill are applied, a **new-shape writer**
//!    (v2's tables and columns) starts, the old one stops, contract is applied, the new one
//!    stops ([`crate::online::start`] / [`crate::online::finish`]). Neither may see an error;
//! 5. B must then be the declared schema, no table may have lost rows, and rolling every v2
//!    file back (irreversible downs forced) must give v1's schema again, with the rows of every
//!    table v2 kept.
//!
//! Anything going wrong in 4-5 after a rehearsal passed is a **failure**: the rehearsal's
//! promise is that what it passes works on the same data with both applications running.

use crate::convergence::{compare_catalogs, Run};
use crate::online::{finish, start, App, Engine};
use migrator_core::ops::{prepare_plan, PlanDraft};
use migrator_core::plan::PlanOptions;
use migrator_core::rehearse::{fill_sample, RehearseOptions};
use migrator_core::runner::{ApplyOptions, RollbackTarget};
use migrator_core::schema::{Column, Database, Table};
use migrator_core::{DatabaseUrl, Dialect, Error, Migrator};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// First row id of the old-shape writer (and of its calibration row, one below).
const OLD_FIRST_ID: u64 = 1_000_000;
/// First row id of the new-shape writer.
const NEW_FIRST_ID: u64 = 2_000_000;

/// How one direction ended, when it did not fail.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Planned, rehearsed, applied with both writers, contracted, rolled back.
    Passed,
    /// Nothing to plan (the edits cancelled out).
    NoChange,
    /// The planner refused, saying why.
    RefusedByPlanner(String),
    /// The rehearsal refused, with its report (stage, step, statement, server message).
    RefusedByRehearsal(String),
}

/// The sample data of a direction, from its name (seeded): rows per table and the index the
/// rows start after. The same name gives the same data.
pub fn sample_params(name: &str) -> (u64, u64) {
    // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let mut rng = StdRng::seed_from_u64(h);
    (rng.gen_range(1..=40), rng.gen_range(0..3000))
}

fn dialect(engine: Engine) -> Dialect {
    match engine {
        Engine::Postgres => Dialect::Postgres,
        Engine::Mysql => Dialect::Mysql,
    }
}

/// The SQL expression a writer puts into `column` for row `{id}` (`update`: the UPDATE's
/// value, different from the INSERT's); `None` when it cannot make a value that is valid and
/// unique where it must be.
fn value(d: Dialect, c: &Column, unique: bool, update: bool) -> Option<String> {
    let ty = c.data_type.name.to_ascii_lowercase();
    let pg = d == Dialect::Postgres;
    let bump = if update { " + 500000" } else { "" };
    if ty == "boolean" || ty == "bool" || ty.starts_with("tinyint(1)") {
        if unique {
            return None;
        }
        return Some(if pg {
            format!("({{id}}{bump}) % 2 = 0")
        } else {
            format!("({{id}}{bump}) % 2")
        });
    }
    let int = ["integer", "int", "bigint", "mediumint"]
        .iter()
        .any(|p| ty == *p || ty.starts_with(&format!("{p}(")) || ty.starts_with(&format!("{p} ")));
    let num = ty.starts_with("numeric")
        || ty.starts_with("decimal")
        || ty.starts_with("real")
        || ty.starts_with("double");
    if int || num {
        return Some(format!("{{id}}{bump}"));
    }
    if ty.starts_with("text")
        || ty.starts_with("varchar")
        || ty.starts_with("character varying")
        || ty.starts_with("longtext")
        || ty.starts_with("mediumtext")
    {
        return Some(if update {
            "'u{id}'".into()
        } else {
            "'w{id}'".into()
        });
    }
    if ty == "json" || ty == "jsonb" {
        return (!unique).then(|| "'{}'".into());
    }
    if ty == "date" {
        return Some(if pg {
            format!("(DATE '2100-01-01' + ({{id}}{bump} - 900000)::int)")
        } else {
            format!("DATE_ADD('1100-01-01', INTERVAL ({{id}}{bump} - 900000) DAY)")
        });
    }
    if ty.starts_with("timestamp") || ty.starts_with("datetime") {
        return Some(if pg {
            format!("(TIMESTAMP '2100-01-01' + ({{id}}{bump}) * INTERVAL '1 second')")
        } else {
            format!("TIMESTAMPADD(SECOND, {{id}}{bump}, '2100-01-01')")
        });
    }
    if let Some(rest) = ty.strip_prefix("enum(") {
        if unique {
            return None;
        }
        let first = rest.split(',').next()?.trim_end_matches(')');
        return Some(first.to_string());
    }
    None
}

/// Whether a writer's value differs from row to row (a boolean's `{id} % 2` does not).
fn distinct(value: &str) -> bool {
    value.contains("{id}") && !value.contains("% 2")
}

/// Column names of the single-column unique keys (primary key included) of `t`.
fn unique_columns(t: &Table) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut keys: Vec<&Vec<String>> = t.uniques.iter().map(|u| &u.columns).collect();
    if let Some(pk) = &t.primary_key {
        keys.push(&pk.columns);
    }
    for k in keys {
        if k.len() == 1 {
            out.insert(k[0].clone());
        }
    }
    for i in &t.indexes {
        if i.unique && i.parts.len() == 1 {
            if let Some(c) = i.parts[0].key.column() {
                out.insert(c.to_string());
            }
        }
    }
    out
}

/// Tables of `db` (its only schema), parents first.
fn tables_parents_first(db: &Database) -> Vec<&Table> {
    let all: Vec<&Table> = db.schemas.iter().flat_map(|s| s.tables.iter()).collect();
    let mut out: Vec<&Table> = Vec::new();
    let mut left = all.clone();
    while !left.is_empty() {
        let ready = left
            .iter()
            .position(|t| {
                t.foreign_keys
                    .iter()
                    .all(|f| f.ref_table == t.name || !left.iter().any(|o| o.name == f.ref_table))
            })
            .unwrap_or(0);
        out.push(left.remove(ready));
    }
    out
}

/// The name of the schema of `db` that holds `t`.
fn t_schema(db: &Database, t: &Table) -> String {
    db.schemas
        .iter()
        .find(|s| s.tables.iter().any(|x| std::ptr::eq(x, t)))
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// One table's statements for a writer of the shape `db`.
struct TableOps {
    table: String,
    ops: Vec<String>,
}

/// The writer of the shape `db` (`other`: the other shape, whose unique keys its rows must
/// suit too): per table, an INSERT of every column and an UPDATE of one.
/// Tables it cannot write are left out and said in `notes`. `has_rows`: tables holding rows
/// before the writer starts (a NOT NULL reference needs a parent row).
fn writer(
    d: Dialect,
    db: &Database,
    other: &Database,
    has_rows: &BTreeSet<String>,
    notes: &mut Vec<String>,
) -> Vec<TableOps> {
    let mut out: Vec<TableOps> = Vec::new();
    for t in tables_parents_first(db) {
        let uniques = unique_columns(t);
        let fk: BTreeMap<&str, &str> = t
            .foreign_keys
            .iter()
            .filter(|f| f.columns.len() == 1)
            .map(|f| (f.columns[0].as_str(), f.ref_table.as_str()))
            .collect();
        let mut cols = Vec::new();
        let mut vals = Vec::new();
        let mut update = None;
        let mut skip = None;
        for c in &t.columns {
            if c.generated.is_some() || c.identity.is_some() {
                continue;
            }
            let v = if c.name == "id" {
                Some("{id}".to_string())
            } else if let Some(parent) = fk.get(c.name.as_str()) {
                let written = out.iter().any(|o| o.table == *parent);
                if !c.nullable && !written && !has_rows.contains(*parent) {
                    skip = Some(format!("{}: its parent {parent} has no rows", c.name));
                    break;
                }
                Some(format!("(SELECT MAX(id) FROM {})", d.ident(parent)))
            } else {
                let unique = uniques.contains(&c.name);
                let v = value(d, c, unique, false);
                if update.is_none() {
                    if let Some(u) = value(d, c, unique, true) {
                        if u.contains("{id}") {
                            update = Some((c.name.clone(), u));
                        }
                    }
                }
                v
            };
            match v {
                Some(v) => {
                    cols.push(d.ident(&c.name));
                    vals.push(v);
                }
                // A unique column takes NULL (never a clash) or nothing: its default would
                // clash from the second row on.
                // A NULL where the other version requires a value is the plan's stated hazard
                // ("rolling back fails if NULLs were written meanwhile"), not a finding; a
                // default there does not help, the NULL is written explicitly.
                None if c.nullable
                    && other
                        .table(&t_schema(db, t), &t.name)
                        .and_then(|o| o.column(&c.name))
                        .is_some_and(|o| !o.nullable) =>
                {
                    skip = Some(format!(
                        "{}: no value but NULL, which the other version refuses",
                        c.name
                    ));
                    break;
                }
                None if c.nullable => {
                    cols.push(d.ident(&c.name));
                    vals.push("NULL".into());
                }
                None if c.default.is_some() && !uniques.contains(&c.name) => {}
                None => {
                    skip = Some(format!(
                        "{}: no value for type {}",
                        c.name, c.data_type.name
                    ));
                    break;
                }
            }
        }
        // A unique key of several columns needs one written with a value of its own per row.
        if skip.is_none() {
            let varies = |c: &String| {
                cols.iter()
                    .position(|x| *x == d.ident(c))
                    .is_some_and(|k| distinct(&vals[k]) || vals[k] == "NULL")
            };
            // The other shape's keys too: while both exist, a row must suit both.
            let twin = other
                .schemas
                .iter()
                .flat_map(|s| s.tables.iter())
                .find(|x| x.name == t.name);
            let keys: Vec<Vec<String>> = [Some(t), twin]
                .into_iter()
                .flatten()
                .flat_map(|t| {
                    t.uniques
                        .iter()
                        .map(|u| u.columns.clone())
                        .chain(t.indexes.iter().filter(|i| i.unique).map(|i| {
                            i.parts
                                .iter()
                                .filter_map(|p| p.key.column().map(String::from))
                                .collect::<Vec<String>>()
                        }))
                        .collect::<Vec<_>>()
                })
                .collect();
            for k in keys {
                if !k.is_empty() && !k.iter().any(varies) {
                    skip = Some(format!(
                        "no value of its own per row for unique key ({})",
                        k.join(", ")
                    ));
                    break;
                }
            }
        }
        if let Some(why) = skip {
            notes.push(format!("writer leaves out {}: {why}", t.name));
            continue;
        }
        let name = d.ident(&t.name);
        let mut ops = vec![format!(
            "INSERT INTO {name} ({}) VALUES ({})",
            cols.join(", "),
            vals.join(", ")
        )];
        if let Some((c, v)) = update {
            ops.push(format!(
                "UPDATE {name} SET {} = {v} WHERE {} = {{id}}",
                d.ident(&c),
                d.ident("id")
            ));
        }
        out.push(TableOps {
            table: t.name.clone(),
            ops,
        });
    }
    out
}

/// One connection of the test's own (calibration, counts).
enum Conn {
    Pg(tokio_postgres::Client),
    My(mysql_async::Conn),
}

impl Conn {
    async fn open(engine: Engine, url: &str) -> Conn {
        match engine {
            Engine::Postgres => Conn::Pg(crate::pg_connect(url).await),
            Engine::Mysql => Conn::My(crate::mysql_connect(url).await),
        }
    }

    async fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
        match self {
            Conn::Pg(c) => {
                let rows = c
                    .simple_query(sql)
                    .await
                    .map_err(|e| migrator_core::connect::pg_error_text(&e))?;
                Ok(rows
                    .into_iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(r) => {
                            Some((0..r.len()).map(|i| r.get(i).map(String::from)).collect())
                        }
                        _ => None,
                    })
                    .collect())
            }
            Conn::My(c) => {
                use mysql_async::prelude::Queryable;
                let rows: Vec<mysql_async::Row> = c.query(sql).await.map_err(|e| e.to_string())?;
                Ok(rows
                    .into_iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| match r.as_ref(i) {
                                Some(mysql_async::Value::NULL) | None => None,
                                Some(mysql_async::Value::Bytes(b)) => {
                                    Some(String::from_utf8_lossy(b).into_owned())
                                }
                                Some(v) => Some(v.as_sql(true)),
                            })
                            .collect()
                    })
                    .collect())
            }
        }
    }

    async fn close(self) {
        if let Conn::My(c) = self {
            let _ = c.disconnect().await;
        }
    }
}

/// Row counts of every table of `db`.
async fn counts(c: &mut Conn, d: Dialect, db: &Database) -> Result<BTreeMap<String, u64>, String> {
    let mut out = BTreeMap::new();
    for t in db.schemas.iter().flat_map(|s| s.tables.iter()) {
        let rows = c
            .query(&format!("SELECT COUNT(*) FROM {}", d.ident(&t.name)))
            .await?;
        let n = rows[0][0].as_deref().unwrap_or("0").parse().unwrap_or(0);
        out.insert(t.name.clone(), n);
    }
    Ok(out)
}

/// `Err` naming every table of `want` whose count dropped below `before`.
fn no_rows_lost(
    when: &str,
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
    tables: impl Iterator<Item = String>,
) -> Result<(), String> {
    let mut lost = Vec::new();
    for t in tables {
        if let (Some(b), Some(a)) = (before.get(&t), after.get(&t)) {
            if a < b {
                lost.push(format!("{t}: {b} rows before, {a} {when}"));
            }
        }
    }
    if lost.is_empty() {
        Ok(())
    } else {
        Err(format!("rows lost {when}: {}", lost.join("; ")))
    }
}

fn files_of(mig: &std::path::Path, label: &str) -> String {
    let mut names: Vec<_> = std::fs::read_dir(mig)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.retain(|p: &std::path::PathBuf| p.to_string_lossy().contains(&format!("_{label}_")));
    names.sort();
    names
        .iter()
        .map(|p| {
            format!(
                "== {}\n{}",
                p.file_name().unwrap_or_default().to_string_lossy(),
                std::fs::read_to_string(p).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a planner refusal is one of the clear ones of its contract (see
/// [`crate::convergence`]).
fn clear_refusal(why: &str) -> bool {
    why.contains("needs a value for existing rows") || why.contains("not supported yet")
}

/// Plans `label` and rehearses it; `Ok(Err(outcome))` for a refusal.
async fn plan_rehearsed(
    mig: &std::path::Path,
    schema: &std::path::Path,
    url: &DatabaseUrl,
    label: &str,
    ro: Option<&RehearseOptions>,
) -> Result<Result<Option<PlanDraft>, Outcome>, String> {
    let opts = PlanOptions {
        allow_destructive: true,
        batch_size: 100,
        ignore: migrator_core::source::Ignore::NONE,
    };
    let draft = match prepare_plan(mig, schema, url, label, opts).await {
        Ok(d) => d,
        Err(Error::Refused(why)) if clear_refusal(&why) => {
            return Ok(Err(Outcome::RefusedByPlanner(format!("{label}: {why}"))))
        }
        Err(e) => return Err(format!("planning {label}: {e}")),
    };
    if draft.steps.is_empty() {
        return Ok(Ok(None));
    }
    let Some(ro) = ro else {
        draft.write().map_err(|e| format!("writing {label}: {e}"))?;
        return Ok(Ok(Some(draft)));
    };
    match draft.rehearse(url, ro).await {
        Ok(_) => {}
        Err(Error::Rehearsal(report)) => {
            let causes: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
            return Ok(Err(Outcome::RefusedByRehearsal(format!(
                "{label}:\n{}",
                causes.join("")
            ))));
        }
        Err(e) => return Err(format!("rehearsing {label}: {e}")),
    }
    draft.write().map_err(|e| format!("writing {label}: {e}"))?;
    Ok(Ok(Some(draft)))
}

/// One direction (see the module documentation). `Err`: a failure.
pub async fn direction(
    engine: Engine,
    name: &str,
    current: &str,
    desired: &str,
) -> Result<Outcome, String> {
    let prefix = format!("pp_{}", &name[..name.len().min(20)]);
    let db = match engine {
        Engine::Postgres => crate::fresh_pg_db(&prefix).await,
        Engine::Mysql => crate::fresh_mysql_db(&prefix).await,
    }
    .expect("server");
    let result = direction_on(engine, name, &db.url, current, desired).await;
    db.drop_db().await;
    result
}

async fn direction_on(
    engine: Engine,
    name: &str,
    raw_url: &str,
    current: &str,
    desired: &str,
) -> Result<Outcome, String> {
    let d = dialect(engine);
    let url = DatabaseUrl::parse(raw_url).unwrap();
    let dir = crate::TempDir::new();
    let mig = dir.path().join("migrations");
    let schema = dir.path().join("schema.sql");
    let (rows, offset) = sample_params(name);
    let ro = RehearseOptions {
        rows,
        sample_offset: offset,
        ..Default::default()
    };
    let contract = ApplyOptions {
        to: None,
        contract: true,
    };
    let verbose = std::env::var_os("MIGRATOR_PROPTEST_VERBOSE").is_some();
    let mut clock = Instant::now();
    let mut lap = |what: &str| {
        if verbose {
            eprintln!("{name}: {what} {} ms", clock.elapsed().as_millis());
        }
        clock = Instant::now();
    };

    // v1.
    // v1 is the setup, from an empty directory: planned without rehearsal (v2 is the plan
    // under test).
    std::fs::write(&schema, current).unwrap();
    if let Err(refused) = plan_rehearsed(&mig, &schema, &url, "v1", None).await? {
        return Ok(refused);
    }
    let m = Migrator::from_dir(&mig).map_err(|e| e.to_string())?;
    m.apply_with(&url, &contract)
        .await
        .map_err(|e| format!("applying v1: {e}"))?;
    let v1 = m.set.last_version();
    lap("v1 planned+applied");

    // v2, rehearsed.
    std::fs::write(&schema, desired).unwrap();
    let draft = match plan_rehearsed(&mig, &schema, &url, "v2", Some(&ro)).await? {
        Err(refused) => return Ok(refused),
        Ok(None) => return Ok(Outcome::NoChange),
        Ok(Some(draft)) => draft,
    };
    let v2_files = || files_of(&mig, "v2");
    lap("v2 planned+rehearsed");

    // The rehearsal's data in B.
    let filled = fill_sample(&url, &draft.under_test(), &ro)
        .await
        .map_err(|e| format!("filling B: {e}"))?;
    let has_rows: BTreeSet<String> = filled
        .iter()
        .filter(|t| t.rows > 0)
        .map(|t| t.table.rsplit('.').next().unwrap_or("").to_string())
        .collect();
    let mut notes = Vec::new();
    let mut old_ops = writer(d, &draft.from, &draft.to, &has_rows, &mut notes);
    // Calibration: a table the old writer cannot write before expand is the generator's
    // limit, not the plan's.
    let mut conn = Conn::open(engine, raw_url).await;
    let mut calibrated = Vec::new();
    for t in old_ops.drain(..) {
        let mut ok = true;
        for op in &t.ops {
            let sql = op.replace("{id}", &(OLD_FIRST_ID - 1).to_string());
            if let Err(e) = conn.query(&sql).await {
                notes.push(format!(
                    "old writer leaves out {} (fails before expand: {e})",
                    t.table
                ));
                ok = false;
                break;
            }
        }
        if ok {
            calibrated.push(t);
        }
    }
    let before = counts(&mut conn, d, &draft.from).await?;
    lap("filled+calibrated");
    let old_tables: BTreeSet<String> = calibrated.iter().map(|t| t.table.clone()).collect();
    let new_ops = writer(
        d,
        &draft.to,
        &draft.from,
        &has_rows.union(&old_tables).cloned().collect(),
        &mut notes,
    );
    for n in &notes {
        eprintln!("{name}: note: {n}");
    }
    let old_app = start(
        engine,
        raw_url,
        App::new(
            "old app",
            calibrated.into_iter().flat_map(|t| t.ops).collect(),
        ),
        OLD_FIRST_ID,
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let m = Migrator::from_dir(&mig).map_err(|e| e.to_string())?;
    let expand = m.apply_with(&url, &ApplyOptions::default()).await;
    let new_app = start(
        engine,
        raw_url,
        App::new("new app", new_ops.into_iter().flat_map(|t| t.ops).collect()),
        NEW_FIRST_ID,
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_old_ok, old_errors) = finish(old_app).await;
    let contracted = match &expand {
        Ok(_) => Some(m.apply_with(&url, &contract).await),
        Err(_) => None,
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_new_ok, new_errors) = finish(new_app).await;
    lap("expand+writers+contract");
    expand.map_err(|e| format!("expand on B: {e}\nv2 files:\n{}", v2_files()))?;
    if let Some(Err(e)) = contracted {
        return Err(format!("contract on B: {e}\nv2 files:\n{}", v2_files()));
    }
    for (who, errors) in [("old", &old_errors), ("new", &new_errors)] {
        if !errors.is_empty() {
            return Err(format!(
                "{} {who}-shape writer error(s), first: {}\nv2 files:\n{}",
                errors.len(),
                errors[0],
                v2_files()
            ));
        }
    }

    // The declared schema (as `plan` inspected it), no rows lost.
    let have = migrator_core::source::inspect_live(&url)
        .await
        .map_err(|e| e.to_string())?;
    compare_catalogs(have, draft.to.clone())
        .map_err(|e| format!("after contract on B: {e}\nv2 files:\n{}", v2_files()))?;
    let kept: Vec<String> = draft
        .to
        .schemas
        .iter()
        .flat_map(|s| s.tables.iter().map(|t| t.name.clone()))
        .collect();
    let after = counts(&mut conn, d, &draft.to).await?;
    no_rows_lost("after contract", &before, &after, kept.iter().cloned())?;
    lap("checked contract");

    // Rolled back: v1 again, the rows of the tables v2 kept still there.
    let target = RollbackTarget::To(v1.unwrap_or(migrator_core::migrations::Version(0)));
    m.rollback(&url, &target, true)
        .await
        .map_err(|e| format!("rolling v2 back on B: {e}\nv2 files:\n{}", v2_files()))?;
    // v1 as the migrations directory produces it (`plan`'s replay).
    let mut want_v1 = draft.from.clone();
    // A column v2 dropped (from a table it kept) comes back empty: NOT NULL only if a default
    // fills it. Dropped tables come back whole.
    for s in &mut want_v1.schemas {
        for t in &mut s.tables {
            for c in &mut t.columns {
                let dropped = draft
                    .to
                    .table(&s.name, &t.name)
                    .is_some_and(|x| x.column(&c.name).is_none());
                if dropped && c.default.is_none() {
                    c.nullable = true;
                }
            }
        }
    }
    let have = migrator_core::source::inspect_live(&url)
        .await
        .map_err(|e| e.to_string())?;
    // A CHECK or foreign key v2 dropped comes back NOT VALID when the rows written meanwhile
    // break it (a parent table that comes back empty, the new writer's values): only then.
    for s in &mut want_v1.schemas {
        for t in &mut s.tables {
            let (Some(kept), Some(back)) = (
                draft.to.table(&s.name, &t.name),
                have.table(&s.name, &t.name),
            ) else {
                continue;
            };
            let mut left: Vec<String> = Vec::new();
            for k in &mut t.checks {
                if kept.check(&k.name).is_none()
                    && back.check(&k.name).is_some_and(|b| !b.validated)
                {
                    k.validated = false;
                    left.push(k.name.clone());
                }
            }
            for k in &mut t.foreign_keys {
                if kept.foreign_key(&k.name).is_none()
                    && back.foreign_key(&k.name).is_some_and(|b| !b.validated)
                {
                    k.validated = false;
                    left.push(k.name.clone());
                }
            }
            for name in left {
                let sql = format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                    d.table_ref(&s.name, &t.name),
                    d.ident(&name)
                );
                if conn.query(&sql).await.is_ok() {
                    return Err(format!(
                        "after rolling v2 back on B: {}.{name} was left NOT VALID although every row fits it\nv2 files:\n{}",
                        t.name,
                        v2_files()
                    ));
                }
            }
        }
    }
    compare_catalogs(have, want_v1)
        .map_err(|e| format!("after rolling v2 back on B: {e}\nv2 files:\n{}", v2_files()))?;
    let back = counts(&mut conn, d, &draft.from).await?;
    no_rows_lost("after rollback", &before, &back, kept.into_iter())?;
    conn.close().await;
    lap("rolled back+checked");
    Ok(Outcome::Passed)
}

/// A direction's name and how it ended (`Err`: a failure).
type Named = (String, Result<Outcome, String>);

/// Runs every direction (4 at a time), prints each refusal with its cause and one summary
/// line, and fails listing every failure.
pub async fn rehearsed_pairs(engine: Engine, runs: Vec<Run>) {
    let started = Instant::now();
    let total = runs.len();
    let sem = Arc::new(tokio::sync::Semaphore::new(4));
    let outcomes: Arc<Mutex<Vec<Named>>> = Arc::default();
    let mut tasks = Vec::new();
    for (name, a, b) in runs {
        let sem = sem.clone();
        let outcomes = outcomes.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await.unwrap();
            let r = direction(engine, &name, &a, &b).await;
            outcomes.lock().unwrap().push((name, r));
        }));
    }
    let mut panics = Vec::new();
    for t in tasks {
        if let Err(e) = t.await {
            panics.push(format!("a direction panicked: {e}"));
        }
    }
    let mut outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    let (mut passed, mut unchanged, mut planner, mut rehearsal) = (0, 0, 0, 0);
    let mut failures = panics;
    for (name, r) in &outcomes {
        match r {
            Ok(Outcome::Passed) => passed += 1,
            Ok(Outcome::NoChange) => unchanged += 1,
            Ok(Outcome::RefusedByPlanner(why)) => {
                planner += 1;
                eprintln!("{name}: refused by the planner: {why}");
            }
            Ok(Outcome::RefusedByRehearsal(why)) => {
                rehearsal += 1;
                eprintln!("{name}: refused by the rehearsal: {why}");
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    let server = match engine {
        Engine::Postgres => "postgres",
        Engine::Mysql => "mysql",
    };
    eprintln!(
        "PROPTEST {server}: directions {total}, passed {}, refused-with-cause {} (planner {planner}, rehearsal {rehearsal}), failed {} ({:.0} s)",
        passed + unchanged,
        planner + rehearsal,
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} directions failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
