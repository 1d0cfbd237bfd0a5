//! The dialect-independent half of the convergence suites (`convergence_postgres`,
//! `convergence_mysql`): running many directions at once and collecting every failure, seeded
//! random pairs, and comparing two catalogs column order aside.

use crate::online::Engine;
use migrator_core::schema::Database;
use std::future::Future;
use std::sync::Arc;

/// One direction of one case: (name, current SQL, desired SQL).
pub type Run = (String, String, String);

/// Column order is not part of the comparison (a column added by a diff lands at the end).
pub fn without_column_order(mut db: Database) -> Database {
    for s in &mut db.schemas {
        for t in &mut s.tables {
            t.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
    db
}

/// `Ok` when the catalogs are equal column order aside; otherwise the first differing line of
/// their JSON forms.
pub fn compare_catalogs(applied: Database, desired: Database) -> Result<(), String> {
    let (a, b) = (without_column_order(applied), without_column_order(desired));
    if a == b {
        return Ok(());
    }
    let ja = serde_json::to_string_pretty(&a).unwrap();
    let jb = serde_json::to_string_pretty(&b).unwrap();
    let first = ja
        .lines()
        .zip(jb.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(0);
    Err(format!(
        "catalogs differ near line {first}:\n  applied: {}\n  desired: {}",
        ja.lines().nth(first).unwrap_or(""),
        jb.lines().nth(first).unwrap_or("")
    ))
}

/// Runs `converge` on every run, 4 at a time, and fails once listing every failed direction.
pub async fn run_all<F, Fut>(runs: Vec<Run>, converge: F)
where
    F: Fn(Run) -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let sem = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = Vec::new();
    for run in runs {
        let name = run.0.clone();
        let work = converge(run);
        let sem = sem.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await.unwrap();
            work.await.map_err(|e| format!("{name}: {e}"))
        }));
    }
    let total = tasks.len();
    let mut failures = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} convergence directions failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{total} convergence directions passed");
}

/// Both directions of seeded random pairs. `MIGRATOR_PROPTEST_SEED` reproduces a run (a new
/// base seed otherwise, printed); `MIGRATOR_PROPTEST_CASES` sets the number of pairs (30).
pub fn seeded_runs(pair: impl Fn(u64) -> (String, String)) -> Vec<Run> {
    seeded_runs_or(pair, 30)
}

/// [`seeded_runs`] with `default` pairs when `MIGRATOR_PROPTEST_CASES` is not set.
pub fn seeded_runs_or(pair: impl Fn(u64) -> (String, String), default: u64) -> Vec<Run> {
    let base: u64 = std::env::var("MIGRATOR_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::random::<u32>() as u64);
    let count: u64 = std::env::var("MIGRATOR_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("random convergence: base seed {base} (MIGRATOR_PROPTEST_SEED={base} reproduces), {count} pairs");
    let mut runs = Vec::new();
    for i in 0..count {
        let seed = base + i;
        let (a, b) = pair(seed);
        runs.push((format!("seed{seed}>"), a.clone(), b.clone()));
        runs.push((format!("seed{seed}<"), b, a));
    }
    runs
}

/// One direction through `migrator plan` instead of the bare diff: `current` planned and applied
/// (v1), then `desired` planned (expand / backfill / contract files) and applied with contract;
/// the database must be the declared schema, and rolling every v2 file back must give v1 again.
/// Returns `Ok(Some(reason))` when the planner refused with a clear message (a new NOT NULL
/// column without a value, a shadow-column change of an indexed column): that is its contract
/// for what it cannot do online.
///
/// Plans are rehearsed ([`crate::test_rehearsal`]). A plan the rehearsal refuses is a finding
/// about the planner, not about convergence: it is pushed to `rehearsal` and planned again
/// without rehearsal, so that the convergence checks still run.
async fn plan_converge(
    engine: Engine,
    name: &str,
    current: &str,
    desired: &str,
    rehearsal_refusals: &mut Vec<String>,
) -> Result<Option<String>, String> {
    plan_converge_checked(engine, name, current, desired, rehearsal_refusals, false).await
}

/// [`plan_converge`]; `drift_checked`: after v2 is applied with contract, `migrator drift`
/// (against the directory and the declared schema) must find nothing.
async fn plan_converge_checked(
    engine: Engine,
    name: &str,
    current: &str,
    desired: &str,
    rehearsal_refusals: &mut Vec<String>,
    drift_checked: bool,
) -> Result<Option<String>, String> {
    use migrator_core::ops::plan_directory;
    use migrator_core::plan::PlanOptions;
    use migrator_core::runner::{ApplyOptions, RollbackTarget};
    use migrator_core::Migrator;
    let prefix = format!("pl_{}", &name[..name.len().min(20)]);
    let db = match engine {
        Engine::Postgres => crate::fresh_pg_db(&prefix).await,
        Engine::Mysql => crate::fresh_mysql_db(&prefix).await,
    }
    .expect("server");
    let url = migrator_core::DatabaseUrl::parse(&db.url).unwrap();
    let dir = crate::TempDir::new();
    let mig = dir.path().join("migrations");
    let schema = dir.path().join("schema.sql");
    let opts = PlanOptions {
        allow_destructive: true,
        batch_size: 100,
        ignore: migrator_core::source::Ignore::NONE,
    };
    let rehearsal = crate::test_rehearsal();
    let rehearse = rehearsal.as_ref();
    let refusals = std::sync::Mutex::new(Vec::new());
    let plan = |version: &'static str| {
        let (mig, schema, url, refusals) = (&mig, &schema, &url, &refusals);
        async move {
            match plan_directory(mig, schema, url, version, opts, false, rehearse).await {
                Err(migrator_core::Error::Rehearsal(report)) => {
                    refusals
                        .lock()
                        .unwrap()
                        .push(format!("{name} {version}: {report}"));
                    plan_directory(mig, schema, url, version, opts, false, None).await
                }
                other => other,
            }
        }
    };
    let contract = ApplyOptions {
        to: None,
        contract: true,
    };
    let result = async {
        std::fs::write(&schema, current).unwrap();
        plan("v1").await.map_err(|e| format!("planning v1: {e}"))?;
        let m = Migrator::from_dir(&mig).map_err(|e| e.to_string())?;
        m.apply_with(&url, &contract)
            .await
            .map_err(|e| format!("applying v1: {e}"))?;
        let v1 = m.set.last_version();
        std::fs::write(&schema, desired).unwrap();
        match plan("v2").await {
            Err(migrator_core::Error::Refused(why))
                if why.contains("needs a value for existing rows")
                    || why.contains("not supported yet") =>
            {
                return Ok(Some(why));
            }
            Err(e) => return Err(format!("planning v2: {e}")),
            Ok(_) => {}
        }
        let m = Migrator::from_dir(&mig).map_err(|e| e.to_string())?;
        m.apply_with(&url, &contract)
            .await
            .map_err(|e| format!("applying v2: {e}"))?;
        let (want, _) = migrator_core::source::inspect_declared(
            &url,
            &schema,
            migrator_core::source::Ignore::NONE,
        )
        .await
        .map_err(|e| e.to_string())?;
        let have = migrator_core::source::inspect_live(&url)
            .await
            .map_err(|e| e.to_string())?;
        compare_catalogs(have, want).map_err(|e| format!("after v2: {e}"))?;
        if drift_checked {
            let report = migrator_core::ops::drift(
                &url,
                &mig,
                Some(&schema),
                None,
                migrator_core::source::Ignore::NONE,
            )
            .await
            .map_err(|e| format!("drift after v2: {e}"))?;
            if !report.clean() {
                return Err(format!("drift after v2:\n{report}"));
            }
        }
        let target = match v1 {
            Some(v) => RollbackTarget::To(v),
            None => RollbackTarget::To(migrator_core::migrations::Version(0)),
        };
        m.rollback(&url, &target, true)
            .await
            .map_err(|e| format!("rolling v2 back: {e}\nv2 files:\n{}", v2_files(&mig)))?;
        let (desired_model, _) = migrator_core::source::inspect_declared(
            &url,
            &schema,
            migrator_core::source::Ignore::NONE,
        )
        .await
        .map_err(|e| e.to_string())?;
        std::fs::write(&schema, current).unwrap();
        let (mut want, _) = migrator_core::source::inspect_declared(
            &url,
            &schema,
            migrator_core::source::Ignore::NONE,
        )
        .await
        .map_err(|e| e.to_string())?;
        // A column v2 dropped (from a table it kept) comes back empty: NOT NULL only if a
        // default fills it. Dropped tables come back whole.
        for s in &mut want.schemas {
            for t in &mut s.tables {
                for c in &mut t.columns {
                    let dropped = desired_model
                        .table(&s.name, &t.name)
                        .is_some_and(|d| d.column(&c.name).is_none());
                    if dropped && c.default.is_none() {
                        c.nullable = true;
                    }
                }
            }
        }
        let have = migrator_core::source::inspect_live(&url)
            .await
            .map_err(|e| e.to_string())?;
        compare_catalogs(have, want)
            .map_err(|e| format!("after rolling v2 back: {e}\nv2 files:\n{}", v2_files(&mig)))?;
        Ok(None)
    }
    .await;
    db.drop_db().await;
    rehearsal_refusals.extend(refusals.into_inner().unwrap());
    result
}

/// The up and down files `plan` wrote for v2, for failure messages.
fn v2_files(mig: &std::path::Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(mig)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains("_v2_"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            format!(
                "== {}\n{}",
                p.display(),
                std::fs::read_to_string(p).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Hand-written cases through `migrator plan`, both directions, with nothing refused: each
/// direction is planned with rehearsal (a rehearsal refusal fails), applied with contract,
/// equal to the declared schema and free of drift, then rolled back to v1.
///
/// `known`: `(direction, words)` of rehearsal findings not fixed yet: that direction must be
/// refused by the rehearsal with a report containing `words` (so the test notices the fix), and
/// still converge, free of drift, when planned without it.
pub async fn plan_cases_strictly(
    engine: Engine,
    runs: Vec<Run>,
    known: &'static [(&'static str, &'static str)],
) {
    run_all(runs, move |(name, a, b)| async move {
        let mut refused_by_rehearsal = Vec::new();
        let outcome =
            plan_converge_checked(engine, &name, &a, &b, &mut refused_by_rehearsal, true).await?;
        if let Some(why) = outcome {
            return Err(format!("refused by the planner: {why}"));
        }
        if let Some((_, words)) = known.iter().find(|(n, _)| *n == name) {
            let report = refused_by_rehearsal.join("\n");
            if !report.contains(words) {
                return Err(format!(
                    "expected the rehearsal's known finding `{words}`, got: {report}"
                ));
            }
            eprintln!("{name}: known rehearsal finding (`{words}`); converges without it");
            return Ok(());
        }
        if !refused_by_rehearsal.is_empty() {
            return Err(format!(
                "refused by the rehearsal: {}",
                refused_by_rehearsal.join("\n")
            ));
        }
        Ok(())
    })
    .await;
}

/// Random pairs through `migrator plan`, both directions: planned, applied with contract, equal
/// to the declared schema, and rolled back to v1. At most a third of the directions may be
/// refused (clearly) by the planner. Plans the rehearsal refuses are listed (they are planner
/// findings; see [`plan_converge`]).
pub async fn plan_random_pairs(engine: Engine, runs: Vec<Run>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let total = runs.len();
    let refused = Arc::new(AtomicUsize::new(0));
    let rehearsal: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let counter = refused.clone();
    let rehearsal_refusals = rehearsal.clone();
    run_all(runs, move |(name, a, b)| {
        let counter = counter.clone();
        let rehearsal_refusals = rehearsal_refusals.clone();
        async move {
            let mut found = Vec::new();
            let outcome = plan_converge(engine, &name, &a, &b, &mut found).await;
            rehearsal_refusals.lock().unwrap().extend(found);
            match outcome? {
                Some(why) => {
                    eprintln!("{name}: refused by the planner: {why}");
                    counter.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                None => Ok(()),
            }
        }
    })
    .await;
    let refused = refused.load(Ordering::Relaxed);
    let rehearsal = rehearsal.lock().unwrap();
    for r in rehearsal.iter() {
        eprintln!("refused by the rehearsal (planned again without it): {r}");
    }
    eprintln!(
        "{} of {total} directions planned, applied and rolled back; {refused} refused by the planner; {} plan(s) refused by the rehearsal",
        total - refused,
        rehearsal.len()
    );
    assert!(
        refused * 3 <= total,
        "{refused} of {total} directions refused by the planner"
    );
}

/// Hand-written cases through `migrator plan`, both as [`plan_random_pairs`] runs them, but
/// strict: every direction must be planned **and rehearsed** (a rehearsal refusal or a planner
/// refusal fails the test), applied with contract, equal to the declared schema (no drift) and
/// rolled back to v1.
pub async fn plan_cases_strict(engine: Engine, runs: Vec<Run>) {
    let rehearsal: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let rehearsal_refusals = rehearsal.clone();
    run_all(runs, move |(name, a, b)| {
        let rehearsal_refusals = rehearsal_refusals.clone();
        async move {
            let mut found = Vec::new();
            let outcome = plan_converge(engine, &name, &a, &b, &mut found).await;
            rehearsal_refusals.lock().unwrap().extend(found);
            match outcome? {
                Some(why) => Err(format!("{name}: refused by the planner: {why}")),
                None => Ok(()),
            }
        }
    })
    .await;
    let rehearsal = rehearsal.lock().unwrap();
    assert!(
        rehearsal.is_empty(),
        "plans refused by the rehearsal:\n{}",
        rehearsal.join("\n")
    );
}
