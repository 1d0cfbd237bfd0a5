//! The dialect-independent half of the convergence suites (`convergence_postgres`,
//! `convergence_mysql`): running many directions at once and collecting every failure, seeded
//! random pairs, and comparing two catalogs column order aside.

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
    let base: u64 = std::env::var("MIGRATOR_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::random::<u32>() as u64);
    let count: u64 = std::env::var("MIGRATOR_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
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
