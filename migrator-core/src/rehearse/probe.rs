//! The application probes: what the old and the new application version write while a plan is
//! half done, and whether each sees what the other wrote.
//!
//! - the **old-application probe** knows only the old shape ([`Shapes::from`]): old table and
//!   column names, none of the new columns. It INSERTs a row into each table the plan touches,
//!   then UPDATEs it (every column it may write but the keys and foreign keys);
//! - the **new-application probe** knows only the new shape ([`Shapes::to`]): new names, new
//!   columns, none of the columns the new version no longer has. Until contract, a column whose
//!   type the plan changes still has its old type under its name, so the new application writes
//!   values of the old type into it (its shadow column takes the new type at contract).
//!
//! Each row is read back through the shape that wrote it and, while both exist, through the
//! other one: columns that keep their type must read the same (a renamed column through its
//! sync trigger, a renamed table through its compatibility view).
//!
//! Rows are made by [`RowGen`] with indexes no sample row uses, so keys never clash; a row the
//! server refuses is retried once check-friendly, like sample rows.

use super::report::{Failure, Probe, ProbeRun, Stage};
use super::sample::{checks_of, unique_keys, Kind, Mode, Other, ParentRef, RowGen};
use super::session::{self, Session};
use super::{Kept, Rehearsal, When};
use crate::diff::Change;
use crate::schema::Database;
use std::collections::{BTreeMap, BTreeSet};

/// The old and the new shape of the schema, and how names map between them.
pub(crate) struct Shapes<'a> {
    pub from: &'a Database,
    pub to: &'a Database,
    /// `(schema, old table)` → new table.
    tables: BTreeMap<(String, String), String>,
    /// `(schema, new table, old column)` → new column.
    columns: BTreeMap<(String, String, String), String>,
}

impl<'a> Shapes<'a> {
    pub fn new(from: &'a Database, to: &'a Database, changes: &[Change]) -> Shapes<'a> {
        let mut tables = BTreeMap::new();
        let mut columns = BTreeMap::new();
        for c in changes {
            match c {
                Change::RenameTable { schema, from, to } => {
                    tables.insert((schema.clone(), from.clone()), to.clone());
                }
                Change::RenameColumn {
                    schema,
                    table,
                    from,
                    to,
                } => {
                    columns.insert((schema.clone(), table.clone(), from.clone()), to.clone());
                }
                _ => {}
            }
        }
        Shapes {
            from,
            to,
            tables,
            columns,
        }
    }

    /// The new name of old table `old`, when the new shape has it.
    pub fn new_table(&self, schema: &str, old: &str) -> Option<String> {
        self.from.table(schema, old)?;
        let new = self
            .tables
            .get(&(schema.to_string(), old.to_string()))
            .cloned()
            .unwrap_or_else(|| old.to_string());
        self.to.table(schema, &new).map(|_| new)
    }

    /// The old name of new table `new`, when the old shape has it.
    pub fn old_table(&self, schema: &str, new: &str) -> Option<String> {
        self.to.table(schema, new)?;
        let old = self
            .tables
            .iter()
            .find(|((s, _), n)| s == schema && n.as_str() == new)
            .map(|((_, o), _)| o.clone())
            .unwrap_or_else(|| new.to_string());
        let renamed_away =
            self.tables.contains_key(&(schema.to_string(), old.clone())) && old == new;
        if renamed_away {
            return None;
        }
        self.from.table(schema, &old).map(|_| old)
    }

    /// The new name of column `old` of old table `table`, when the new shape has it.
    pub fn new_column(&self, schema: &str, table: &str, old: &str) -> Option<String> {
        let new_table = self.new_table(schema, table)?;
        let new = self
            .columns
            .get(&(schema.to_string(), new_table.clone(), old.to_string()))
            .cloned()
            .unwrap_or_else(|| old.to_string());
        let renamed_away = new == old
            && self
                .columns
                .keys()
                .any(|(s, t, o)| s == schema && *t == new_table && o == old);
        if renamed_away {
            return None;
        }
        self.to.table(schema, &new_table)?.column(&new).map(|_| new)
    }

    /// The old name of column `new` of new table `table`, when the old shape has it.
    pub fn old_column(&self, schema: &str, table: &str, new: &str) -> Option<String> {
        let old_table = self.old_table(schema, table)?;
        let old = self
            .columns
            .iter()
            .find(|((s, t, _), n)| s == schema && t == table && n.as_str() == new)
            .map(|((_, _, o), _)| o.clone())
            .unwrap_or_else(|| new.to_string());
        let t = self.from.table(schema, &old_table)?;
        t.column(&old)?;
        // A column that kept its name must map back to itself only if it was not renamed away.
        if self.new_column(schema, &old_table, &old).as_deref() != Some(new) {
            return None;
        }
        Some(old)
    }

    /// Whether column `old` of old table `table` has another type in the new shape (or is not
    /// in it).
    pub fn type_changed(&self, schema: &str, table: &str, old: &str) -> bool {
        let Some(before) = self.from.table(schema, table).and_then(|t| t.column(old)) else {
            return true;
        };
        let Some(new_table) = self.new_table(schema, table) else {
            return true;
        };
        let Some(new) = self.new_column(schema, table, old) else {
            return true;
        };
        match self
            .to
            .table(schema, &new_table)
            .and_then(|t| t.column(&new))
        {
            Some(after) => after.data_type != before.data_type,
            None => true,
        }
    }
}

/// A statement of a probe that failed.
#[derive(Debug, Clone)]
pub(crate) struct ProbeError {
    pub statement: String,
    pub message: String,
    /// `message` is the server's (a refused statement), not a finding of the read-back.
    pub server: bool,
}

/// A row a probe wrote, as it read it back through its own shape.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub schema: String,
    /// `(column, SQL literal)` pairs that find the row, in the writer's shape.
    pub locator: Vec<(String, String)>,
    /// Every column of the writer's shape, as text, after the UPDATE.
    pub values: BTreeMap<String, Option<String>>,
}

/// The WHERE clause of a locator.
pub(crate) fn where_clause(dialect: crate::Dialect, locator: &[(String, String)]) -> String {
    locator
        .iter()
        .map(|(c, v)| format!("{} = {v}", dialect.ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Reads `columns` of the rows `locator` finds, as text.
pub(crate) async fn read(
    session: &mut dyn Session,
    schema: &str,
    table: &str,
    columns: &[String],
    locator: &[(String, String)],
) -> Result<Vec<Vec<Option<String>>>, ProbeError> {
    let d = session.dialect();
    let cols: Vec<String> = columns
        .iter()
        .map(|c| session.as_text(&d.ident(c)))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {}",
        if cols.is_empty() {
            "1".to_string()
        } else {
            cols.join(", ")
        },
        session.table(schema, table),
        where_clause(d, locator)
    );
    session.query(&sql).await.map_err(|message| ProbeError {
        statement: sql,
        message,
        server: true,
    })
}

/// Writes one row with `gen` (index `i`, updated with index `i + 5`) and reads it back.
/// `all_columns` are the table's columns in this shape (read back). `None`: the row was
/// written, but the table has no key and other rows hold the same values (a partitioned
/// table's sample rows share their partition's values), so it cannot be told apart.
pub(crate) async fn write(
    session: &mut dyn Session,
    gen: &RowGen,
    i: u64,
    parents: &[Vec<Vec<Option<String>>>],
    all_columns: &[String],
) -> Result<Option<Written>, ProbeError> {
    let d = gen.dialect();
    // INSERT, retried once check-friendly.
    let mut row = gen.row(i, Mode::Probe, false, parents);
    let sql = gen.insert(session, std::slice::from_ref(&row));
    let generated = match session.insert_returning(&sql, &gen.generated_key).await {
        Ok(g) => g,
        Err(first) => {
            let friendly = gen.row(i, Mode::Probe, true, parents);
            let retry = gen.insert(session, std::slice::from_ref(&friendly));
            match session.insert_returning(&retry, &gen.generated_key).await {
                Ok(g) => {
                    row = friendly;
                    g
                }
                Err(_) => {
                    return Err(ProbeError {
                        statement: sql,
                        message: first,
                        server: true,
                    })
                }
            }
        }
    };
    let value_of = |name: &str| -> Option<String> {
        gen.columns
            .iter()
            .position(|c| c.name == name)
            .map(|k| row[k].clone())
            .filter(|v| v != "NULL" && v != "DEFAULT")
    };
    // A locator: the primary key, else a unique key, else every plainly comparable value.
    let mut locator: Vec<(String, String)> = Vec::new();
    if !gen.primary_key.is_empty() {
        for c in &gen.primary_key {
            let quoted = d.ident(c);
            let v = match gen.generated_key.iter().position(|g| *g == quoted) {
                Some(k) => generated.get(k).cloned().flatten().map(|v| d.literal(&v)),
                None => value_of(c),
            };
            match v {
                Some(v) => locator.push((c.clone(), v)),
                None => {
                    locator.clear();
                    break;
                }
            }
        }
    }
    if locator.is_empty() {
        for u in &gen.uniques {
            let vals: Option<Vec<(String, String)>> = u
                .iter()
                .map(|c| value_of(c).map(|v| (c.clone(), v)))
                .collect();
            if let Some(vals) = vals {
                locator = vals;
                break;
            }
        }
    }
    if locator.is_empty() {
        for c in &gen.columns {
            if c.kind.locatable() && c.fk.is_none() {
                if let Some(v) = value_of(&c.name) {
                    locator.push((c.name.clone(), v));
                }
            }
        }
        let found = read(session, &gen.schema, &gen.table, &[], &locator).await?;
        if found.len() > 1 {
            return Ok(None);
        }
    }
    if locator.is_empty() {
        return Err(ProbeError {
            statement: sql,
            message:
                "the rehearsal cannot find the row it wrote again (no key, no comparable column)"
                    .into(),
            server: false,
        });
    }
    // UPDATE every column the application may change, retried once check-friendly.
    let keys: BTreeSet<&str> = locator.iter().map(|(c, _)| c.as_str()).collect();
    let settable: Vec<usize> = (0..gen.columns.len())
        .filter(|&k| {
            let c = &gen.columns[k];
            !c.key && c.fk.is_none() && !keys.contains(c.name.as_str())
        })
        .collect();
    if !settable.is_empty() {
        let mut first: Option<ProbeError> = None;
        for friendly in [false, true] {
            let sets: Vec<String> = settable
                .iter()
                .map(|&k| {
                    let c = &gen.columns[k];
                    format!(
                        "{} = {}",
                        d.ident(&c.name),
                        gen.value(c, i + 5, Mode::Probe, friendly, parents)
                    )
                })
                .collect();
            let sql = format!(
                "UPDATE {} SET {} WHERE {}",
                session.table(&gen.schema, &gen.table),
                sets.join(", "),
                where_clause(d, &locator)
            );
            match session.execute(&sql).await {
                Ok(1) => {
                    first = None;
                    break;
                }
                Ok(n) => {
                    first.get_or_insert(ProbeError {
                        statement: sql,
                        message: format!(
                            "the UPDATE found {n} row(s) by the key it was written with, not 1"
                        ),
                        server: false,
                    });
                    break;
                }
                Err(message) => {
                    first.get_or_insert(ProbeError {
                        statement: sql,
                        message,
                        server: true,
                    });
                }
            }
        }
        if let Some(e) = first {
            return Err(e);
        }
    }
    // Read back through the writer's own shape.
    let rows = read(session, &gen.schema, &gen.table, all_columns, &locator).await?;
    if rows.len() != 1 {
        return Err(ProbeError {
            statement: format!(
                "SELECT … FROM {} WHERE {}",
                session.table(&gen.schema, &gen.table),
                where_clause(d, &locator)
            ),
            message: format!("{} row(s) found where the probe wrote one", rows.len()),
            server: false,
        });
    }
    let values = all_columns
        .iter()
        .cloned()
        .zip(rows.into_iter().next().expect("one row"))
        .collect();
    Ok(Some(Written {
        schema: gen.schema.clone(),
        locator,
        values,
    }))
}

// ------------------------------------------------------------------------------ the probes of a rehearsal

impl Rehearsal<'_> {
    /// What the new shape adds to old table `table`: its foreign keys (columns and parents
    /// under their old names) and, with `checks`, its CHECKs.
    pub(super) fn new_side(&self, schema: &str, table: &str, checks: bool) -> Other {
        let sh = &self.shapes;
        let (Some(old_t), Some(new_name)) = (
            self.plan.from.table(schema, table),
            sh.new_table(schema, table),
        ) else {
            return Other::default();
        };
        let Some(new_t) = self.plan.to.table(schema, &new_name) else {
            return Other::default();
        };
        let names: BTreeMap<String, String> = old_t
            .columns
            .iter()
            .filter_map(|c| {
                sh.new_column(schema, table, &c.name)
                    .map(|n| (c.name.clone(), n))
            })
            .collect();
        let foreign_keys = translated_foreign_keys(
            &new_t.foreign_keys,
            (schema, &new_name),
            |s, t, c| sh.old_column(s, t, c),
            |s, t| sh.old_table(s, t),
        );
        Other {
            checks: if checks { checks_of(new_t) } else { Vec::new() },
            names,
            foreign_keys,
            unique: unique_keys(new_t).into_iter().flatten().collect(),
        }
    }

    /// What the old shape adds to new table `table` while it exists (until contract): its
    /// CHECKs and foreign keys, under the new names.
    pub(super) fn old_side(&self, schema: &str, table: &str) -> Other {
        let sh = &self.shapes;
        let Some(old_name) = sh.old_table(schema, table) else {
            return Other::default();
        };
        let (Some(old_t), Some(new_t)) = (
            self.plan.from.table(schema, &old_name),
            self.plan.to.table(schema, table),
        ) else {
            return Other::default();
        };
        let names: BTreeMap<String, String> = new_t
            .columns
            .iter()
            .filter_map(|c| {
                sh.old_column(schema, table, &c.name)
                    .map(|o| (c.name.clone(), o))
            })
            .collect();
        let foreign_keys = translated_foreign_keys(
            &old_t.foreign_keys,
            (schema, &old_name),
            |s, t, c| sh.new_column(s, t, c),
            |s, t| sh.new_table(s, t),
        );
        Other {
            checks: checks_of(old_t),
            names,
            foreign_keys,
            unique: unique_keys(old_t).into_iter().flatten().collect(),
        }
    }

    // ---------------------------------------------------------------- probes

    pub(super) fn probe_failure(
        &self,
        probe: Probe,
        when: When,
        schema: &str,
        table: &str,
        e: ProbeError,
    ) -> Failure {
        let d = self.dev.dialect();
        let mut names = vec![session::table_name(d, schema, table)];
        let other = match probe {
            Probe::OldApp => self.shapes.new_table(schema, table),
            Probe::NewApp => self.shapes.old_table(schema, table),
        };
        names.extend(other.map(|o| session::table_name(d, schema, &o)));
        let (step, file) = self.steps_on(&names);
        let hint = match (probe, e.server) {
            (_, false) => "the two application versions do not see the same data while the plan is half applied: the sync trigger of a renamed column (or the view of a renamed table) is missing or wrong, so what one version writes is missing or stale for the other",
            (Probe::OldApp, true) => "while this plan is half applied the old application version cannot write this table the way it always has: a trigger, constraint or column the expand step added refuses it (e.g. a `-- migrator:backfill` expression naming a column that does not exist); deploying the plan would break the running application",
            (Probe::NewApp, true) => "the new application version cannot write its own shape of this table while the plan is applied: it would fail from its deploy until contract (or after it)",
        };
        Failure {
            server: e.server,
            stage: match probe {
                Probe::OldApp => Stage::OldAppProbe,
                Probe::NewApp => Stage::NewAppProbe,
            },
            step,
            file,
            statement: Some(e.statement),
            message: e.message,
            probe: Some(format!("{probe} {} on {schema}.{table}", when.text())),
            hint: hint.into(),
        }
    }

    /// Counts a probe's outcome; `Ok(false)`: its row could not be told apart from the sample
    /// rows (a keyless table), which is noted and counted neither way.
    fn record_probe(
        &mut self,
        probe: Probe,
        when: When,
        schema: &str,
        table: &str,
        result: &Result<bool, ProbeError>,
    ) {
        if let Ok(false) = result {
            self.note(format!(
                "{probe} {} on {schema}.{table} not checked: the table has no key and its row cannot be told apart from the sample rows holding the same values",
                when.text()
            ));
            return;
        }
        self.report.probes.push(ProbeRun {
            probe,
            when: when.text(),
            table: format!("{schema}.{table}"),
            ok: result.is_ok(),
        });
    }

    /// The old application writes (schema.)`table` in the old shape, and reads it back through
    /// both shapes.
    pub(super) async fn old_probe(
        &mut self,
        session: &mut dyn Session,
        schema: &str,
        table: &str,
        when: When,
    ) -> Result<(), ProbeError> {
        let result = self.old_probe_inner(session, schema, table, when).await;
        self.record_probe(Probe::OldApp, when, schema, table, &result);
        result.map(|_| ())
    }

    async fn old_probe_inner(
        &mut self,
        session: &mut dyn Session,
        schema: &str,
        table: &str,
        when: When,
    ) -> Result<bool, ProbeError> {
        let from = self.plan.from;
        // A partition is written through its parent (probed as a table of the plan too).
        let Some(t) = from
            .table(schema, table)
            .filter(|t| t.partition_of().is_none())
        else {
            return Ok(true);
        };
        let new_table = self.shapes.new_table(schema, table);
        // Before expand the row is one more existing row: like sample rows, it respects the
        // new shape's foreign keys but not its CHECKs.
        let other = self.new_side(schema, table, when != When::BeforeExpand);
        // An enum whose values are renamed (or removed): the old application writes only
        // values the new type has too, so that its rows read back the same on both sides.
        let mut kinds = BTreeMap::new();
        if let Some(n) = &new_table {
            for c in &t.columns {
                let new_col = self
                    .shapes
                    .new_column(schema, table, &c.name)
                    .and_then(|nc| {
                        self.plan
                            .to
                            .table(schema, n)
                            .and_then(|x| x.column(&nc))
                            .cloned()
                    });
                let Some(new_col) = new_col else { continue };
                if let (Kind::Choice(old_values), Kind::Choice(new_values)) = (
                    self.values.kind(c, from),
                    self.values.kind(&new_col, self.plan.to),
                ) {
                    let kept: Vec<String> = old_values
                        .iter()
                        .filter(|v| new_values.contains(v))
                        .cloned()
                        .collect();
                    if !kept.is_empty() && kept.len() < old_values.len() {
                        kinds.insert(c.name.clone(), Kind::Choice(kept));
                    }
                }
            }
        }
        let gen = RowGen::new(self.values, from, schema, t, &kinds, &other);
        let parents = gen.parent_rows(session).await;
        let all: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let Some(w) = write(
            session,
            &gen,
            when.index(Probe::OldApp, self.offset + self.rows),
            &parents,
            &all,
        )
        .await?
        else {
            return Ok(false);
        };
        if when == When::AfterExpand {
            if let Some(new_table) = new_table {
                let pairs: Vec<(String, String)> = all
                    .iter()
                    .filter(|c| !self.shapes.type_changed(schema, table, c))
                    .filter_map(|c| {
                        self.shapes
                            .new_column(schema, table, c)
                            .map(|n| (c.clone(), n))
                    })
                    .collect();
                self.cross_read(session, &w, &new_table, &pairs, "new", "old")
                    .await?;
            }
        }
        self.kept.push(Kept {
            who: format!("old-application probe {}", when.text()),
            schema: schema.into(),
            table: table.into(),
            locator: w.locator.clone(),
            expected: w.values.clone(),
        });
        Ok(true)
    }

    /// The new application writes `table` in the new shape, and reads it back through both
    /// shapes while the old one exists.
    pub(super) async fn new_probe(
        &mut self,
        session: &mut dyn Session,
        schema: &str,
        table: &str,
        when: When,
    ) -> Result<(), ProbeError> {
        let result = self.new_probe_inner(session, schema, table, when).await;
        self.record_probe(Probe::NewApp, when, schema, table, &result);
        result.map(|_| ())
    }

    async fn new_probe_inner(
        &mut self,
        session: &mut dyn Session,
        schema: &str,
        table: &str,
        when: When,
    ) -> Result<bool, ProbeError> {
        let (from, to) = (self.plan.from, self.plan.to);
        let Some(t) = to
            .table(schema, table)
            .filter(|t| t.partition_of().is_none())
        else {
            return Ok(true);
        };
        let old_table = self.shapes.old_table(schema, table);
        // Until contract, a column whose type changes keeps its old type under its name.
        let mut kinds = BTreeMap::new();
        if when == When::AfterExpand {
            if let Some(o) = &old_table {
                for c in &t.columns {
                    if let Some(oc) = self.shapes.old_column(schema, table, &c.name) {
                        if self.shapes.type_changed(schema, o, &oc) {
                            if let Some(col) = from.table(schema, o).and_then(|x| x.column(&oc)) {
                                kinds.insert(c.name.clone(), self.values.kind(col, from));
                            }
                        }
                    }
                }
            }
        }
        // An enum / set that gains values: the probe writes only values the old type has too.
        // Rolling back takes the new values out again, which the server refuses while a row
        // holds one (a hazard the plan states); a probe row holding one would make the
        // rehearsal's rollback fail or not depending on how many rows came before it.
        if let Some(o) = &old_table {
            for c in &t.columns {
                let old_col = self
                    .shapes
                    .old_column(schema, table, &c.name)
                    .and_then(|oc| from.table(schema, o).and_then(|x| x.column(&oc)).cloned());
                let Some(old_col) = old_col else { continue };
                if let (Kind::Choice(new_values), Kind::Choice(old_values)) =
                    (self.values.kind(c, to), self.values.kind(&old_col, from))
                {
                    let kept: Vec<String> = new_values
                        .iter()
                        .filter(|v| old_values.contains(v))
                        .cloned()
                        .collect();
                    if !kept.is_empty() && kept.len() < new_values.len() {
                        kinds.entry(c.name.clone()).or_insert(Kind::Choice(kept));
                    }
                }
            }
        }
        let other = match when {
            When::AfterExpand => self.old_side(schema, table),
            // The old CHECKs too, for the values only (as for enums above): where a listed value
            // both versions accept exists, the probe writes it, since rolling back a CHECK on
            // MySQL proper fails while a row breaks it (a hazard the plan states).
            When::AfterContract => {
                let old = self.old_side(schema, table);
                Other {
                    checks: old.checks,
                    names: old.names,
                    ..Other::default()
                }
            }
            When::BeforeExpand => Other::default(),
        };
        let gen = RowGen::new(self.values, to, schema, t, &kinds, &other);
        let parents = gen.parent_rows(session).await;
        let all: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let Some(w) = write(
            session,
            &gen,
            when.index(Probe::NewApp, self.offset + self.rows),
            &parents,
            &all,
        )
        .await?
        else {
            return Ok(false);
        };
        let Some(old_table) = old_table else {
            return Ok(true);
        };
        // New column → old column, for columns that keep their type.
        let pairs: Vec<(String, String)> = all
            .iter()
            .filter_map(|c| {
                self.shapes
                    .old_column(schema, table, c)
                    .filter(|o| !self.shapes.type_changed(schema, &old_table, o))
                    .map(|o| (c.clone(), o))
            })
            .collect();
        if when == When::AfterExpand {
            self.cross_read(session, &w, &old_table, &pairs, "old", "new")
                .await?;
        }
        let locator: Option<Vec<(String, String)>> = w
            .locator
            .iter()
            .map(|(c, v)| {
                self.shapes
                    .old_column(schema, table, c)
                    .map(|o| (o, v.clone()))
            })
            .collect();
        if let Some(locator) = locator {
            self.kept.push(Kept {
                who: format!("new-application probe {}", when.text()),
                schema: schema.into(),
                table: old_table,
                locator,
                expected: pairs
                    .iter()
                    .map(|(n, o)| (o.clone(), w.values.get(n).cloned().flatten()))
                    .collect(),
            });
        }
        Ok(true)
    }

    /// Reads the row `w` wrote through the other shape (`table`, columns `pairs`: writer's →
    /// other's) and compares the values.
    async fn cross_read(
        &self,
        session: &mut dyn Session,
        w: &Written,
        table: &str,
        pairs: &[(String, String)],
        other: &str,
        writer: &str,
    ) -> Result<(), ProbeError> {
        let map: BTreeMap<&str, &str> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let locator: Option<Vec<(String, String)>> = w
            .locator
            .iter()
            .map(|(c, v)| map.get(c.as_str()).map(|o| (o.to_string(), v.clone())))
            .collect();
        let Some(locator) = locator else {
            return Ok(());
        };
        let cols: Vec<String> = pairs.iter().map(|(_, b)| b.clone()).collect();
        let rows = read(session, &w.schema, table, &cols, &locator).await?;
        let d = session.dialect();
        let select = format!(
            "SELECT … FROM {} WHERE {}",
            session.table(&w.schema, table),
            where_clause(d, &locator)
        );
        if rows.len() != 1 {
            return Err(ProbeError {
                statement: select,
                message: format!(
                    "the {other} shape finds {} row(s) where the {writer} application wrote one",
                    rows.len()
                ),
                server: false,
            });
        }
        for ((mine, theirs), got) in pairs.iter().zip(&rows[0]) {
            let wrote = w.values.get(mine).cloned().flatten();
            if wrote != *got {
                return Err(ProbeError {
                    statement: select,
                    message: format!(
                        "the {other} shape reads {theirs} = {} where the {writer} application's {mine} holds {}",
                        show(got),
                        show(&wrote)
                    ),
                    server: false,
                });
            }
        }
        Ok(())
    }

    /// Every probe row, after rollback, in the old shape.
    pub(super) async fn check_kept(&mut self, session: &mut dyn Session) {
        let gone = self.dropped_tables();
        let dropped = self.dropped_columns();
        let kept = std::mem::take(&mut self.kept);
        let mut skipped = 0;
        for k in &kept {
            if gone.contains(&(k.schema.clone(), k.table.clone())) {
                skipped += 1;
                continue;
            }
            // A column the plan drops (or converts) comes back empty (or converted): it is
            // neither compared nor used to find the row.
            let kept_as_is = |c: &str| {
                !dropped.contains(&(k.schema.clone(), k.table.clone(), c.to_string()))
                    && !self.shapes.type_changed(&k.schema, &k.table, c)
            };
            let cols: Vec<String> = k
                .expected
                .keys()
                .filter(|c| kept_as_is(c))
                .cloned()
                .collect();
            let failure = |statement: String, message: String, server: bool| Failure {
                server,
                stage: Stage::ProbeRows,
                step: None,
                file: None,
                statement: Some(statement),
                message,
                probe: Some(format!("{} on {}.{}", k.who, k.schema, k.table)),
                hint: "a row written while the plan was applied is lost or changed by its rollback"
                    .into(),
            };
            let locator: Vec<(String, String)> = k
                .locator
                .iter()
                .filter(|(c, _)| kept_as_is(c))
                .cloned()
                .collect();
            if locator.is_empty() {
                skipped += 1;
                continue;
            }
            match read(session, &k.schema, &k.table, &cols, &locator).await {
                Err(e) => self.fail(failure(e.statement, e.message, e.server)),
                Ok(rows) if rows.len() != 1 => {
                    let statement = format!(
                        "SELECT … FROM {} WHERE {}",
                        session.table(&k.schema, &k.table),
                        where_clause(session.dialect(), &locator)
                    );
                    self.fail(failure(
                        statement,
                        format!("{} row(s) found after rollback, 1 expected", rows.len()),
                        false,
                    ));
                }
                Ok(rows) => {
                    for (c, got) in cols.iter().zip(&rows[0]) {
                        let want = k.expected.get(c).cloned().flatten();
                        if want != *got {
                            let statement = format!(
                                "SELECT {c} FROM {} WHERE {}",
                                session.table(&k.schema, &k.table),
                                where_clause(session.dialect(), &k.locator)
                            );
                            self.fail(failure(
                                statement,
                                format!(
                                    "after rollback {c} = {} where {} was written",
                                    show(got),
                                    show(&want)
                                ),
                                false,
                            ));
                            break;
                        }
                    }
                }
            }
        }
        if skipped > 0 {
            self.note(format!(
                "{skipped} probe row(s) not checked after rollback: their table, or every column that finds them, is dropped by the plan and comes back empty"
            ));
        }
    }
}

fn show(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("'{s}'"),
        None => "NULL".into(),
    }
}

/// The foreign keys `fks` of `schema.table` in one shape, their columns and parents translated
/// into the other shape by `column` and `table`; those without a counterpart are left out.
fn translated_foreign_keys(
    fks: &[crate::schema::ForeignKey],
    (schema, table): (&str, &str),
    column: impl Fn(&str, &str, &str) -> Option<String>,
    parent_table: impl Fn(&str, &str) -> Option<String>,
) -> Vec<(Vec<String>, ParentRef)> {
    fks.iter()
        .filter_map(|f| {
            let cols: Vec<String> = f
                .columns
                .iter()
                .map(|c| column(schema, table, c))
                .collect::<Option<_>>()?;
            let parent = parent_table(&f.ref_schema, &f.ref_table)?;
            let ref_cols: Vec<String> = f
                .ref_columns
                .iter()
                .map(|c| column(&f.ref_schema, &f.ref_table, c))
                .collect::<Option<_>>()?;
            Some((
                cols,
                ParentRef {
                    schema: f.ref_schema.clone(),
                    table: parent,
                    columns: ref_cols,
                    own: false,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType, Schema, Table};
    use crate::Dialect;

    fn table(name: &str, columns: &[(&str, &str)]) -> Table {
        let mut t = Table::new(name);
        for (c, ty) in columns {
            t.columns.push(Column {
                name: c.to_string(),
                data_type: ColumnType::builtin(*ty),
                nullable: true,
                default: None,
                identity: None,
                generated: None,
                collation: None,
                comment: None,
                options: Default::default(),
            });
        }
        t
    }

    fn db(tables: Vec<Table>) -> Database {
        let mut s = Schema::new("public");
        s.tables = tables;
        let mut d = Database::new(Dialect::Postgres);
        d.schemas = vec![s];
        d
    }

    #[test]
    fn names_map_both_ways_through_renames() {
        let from = db(vec![
            table(
                "clients",
                &[("id", "bigint"), ("name", "text"), ("qty", "integer")],
            ),
            table("a", &[("id", "bigint")]),
        ]);
        let to = db(vec![
            table(
                "customers",
                &[
                    ("id", "bigint"),
                    ("full_name", "text"),
                    ("qty", "bigint"),
                    ("name", "text"),
                ],
            ),
            table("b", &[("id", "bigint")]),
        ]);
        let changes = vec![
            Change::RenameTable {
                schema: "public".into(),
                from: "clients".into(),
                to: "customers".into(),
            },
            Change::RenameColumn {
                schema: "public".into(),
                table: "customers".into(),
                from: "name".into(),
                to: "full_name".into(),
            },
        ];
        let s = Shapes::new(&from, &to, &changes);
        assert_eq!(
            s.new_table("public", "clients").as_deref(),
            Some("customers")
        );
        assert_eq!(
            s.old_table("public", "customers").as_deref(),
            Some("clients")
        );
        assert_eq!(s.new_table("public", "a"), None, "dropped");
        assert_eq!(s.old_table("public", "b"), None, "created");
        assert_eq!(
            s.new_column("public", "clients", "name").as_deref(),
            Some("full_name")
        );
        assert_eq!(
            s.old_column("public", "customers", "full_name").as_deref(),
            Some("name")
        );
        // A new column that took a renamed column's old name is not that column.
        assert_eq!(s.old_column("public", "customers", "name"), None);
        assert!(s.type_changed("public", "clients", "qty"));
        assert!(!s.type_changed("public", "clients", "name"));
    }
}
