//! The old-app / new-app harness for expand / contract with live traffic, on either server: an
//! "old app" that only knows the old shape runs from before expand until just before contract,
//! a "new app" that only knows the new shape runs from after expand until after contract (as in
//! a real deploy). Both must see zero errors, every row either wrote must be present and
//! consistent, the result must be the declared schema, and every generated down file must work.

use crate::{
    fresh_mysql_db, fresh_pg_db, mysql_exec, mysql_query_strings, pg_exec, pg_query_strings,
    TempDir,
};
use migrator_core::ops::plan_directory;
use migrator_core::plan::PlanOptions;
use migrator_core::runner::{ApplyOptions, RollbackTarget};
use migrator_core::{DatabaseUrl, Migrator};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Which server a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
}

/// One application connection: runs statements with the text protocol, as an app would.
enum Client {
    Pg(tokio_postgres::Client),
    My(mysql_async::Conn),
}

impl Client {
    async fn connect(engine: Engine, url: &str) -> Client {
        match engine {
            Engine::Postgres => Client::Pg(crate::pg_connect(url).await),
            Engine::Mysql => Client::My(crate::mysql_connect(url).await),
        }
    }

    async fn run(&mut self, sql: &str) -> Result<(), String> {
        use mysql_async::prelude::Queryable;
        match self {
            Client::Pg(c) => c
                .simple_query(sql)
                .await
                .map(drop)
                .map_err(|e| migrator_core::connect::pg_error_text(&e)),
            Client::My(c) => c.query_drop(sql).await.map_err(|e| e.to_string()),
        }
    }
}

async fn exec(engine: Engine, url: &str, sql: &str) {
    match engine {
        Engine::Postgres => pg_exec(url, sql).await,
        Engine::Mysql => {
            let statements =
                migrator_core::migrations::split("seed.sql", sql, migrator_core::Dialect::Mysql)
                    .unwrap_or_else(|e| panic!("seed SQL: {e}"));
            for s in &statements {
                mysql_exec(url, &s.sql).await
            }
        }
    }
}

/// Every row of `sql`, each column as text (`None` for NULL).
pub async fn query(engine: Engine, url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    match engine {
        Engine::Postgres => pg_query_strings(url, sql).await,
        Engine::Mysql => mysql_query_strings(url, sql).await,
    }
}

/// An application: statement templates run in a loop, `{id}` replaced by a fresh id of its own.
pub struct App {
    name: &'static str,
    ops: Vec<String>,
}

impl App {
    pub fn new(name: &'static str, ops: Vec<String>) -> App {
        App { name, ops }
    }
}

pub struct Running {
    stop: Arc<AtomicBool>,
    /// Statements that succeeded so far.
    done: Arc<AtomicU64>,
    handle: tokio::task::JoinHandle<(u64, Vec<String>)>,
}

pub fn start(engine: Engine, url: &str, app: App, first_id: u64) -> Running {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let done = Arc::new(AtomicU64::new(0));
    let counter = done.clone();
    let url = url.to_string();
    let handle = tokio::spawn(async move {
        let mut client = Client::connect(engine, &url).await;
        let next = AtomicU64::new(first_id);
        let mut ok = 0;
        let mut errors = Vec::new();
        while !flag.load(Ordering::Relaxed) {
            let id = next.fetch_add(1, Ordering::Relaxed);
            for op in &app.ops {
                let sql = op.replace("{id}", &id.to_string());
                match client.run(&sql).await {
                    Ok(()) => {
                        ok += 1;
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => errors.push(format!("{}: `{sql}`: {e}", app.name)),
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        (ok, errors)
    });
    Running { stop, done, handle }
}

impl Running {
    /// Waits until the writer has done `n` statements or `max` has passed (a loaded machine
    /// may need much longer than an idle one for the same number).
    pub async fn until(&self, n: u64, max: Duration) {
        let start = std::time::Instant::now();
        while self.done.load(Ordering::Relaxed) < n && start.elapsed() < max {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub async fn finish(r: Running) -> (u64, Vec<String>) {
    r.stop.store(true, Ordering::Relaxed);
    r.handle.await.unwrap()
}

pub fn migrator(dir: &std::path::Path) -> Migrator {
    Migrator::from_dir(dir).unwrap()
}

/// Runs one scenario on `engine`: v1 applied and seeded, old app running, plan + apply v2
/// (expand and backfill), new app started, old app stopped, contract, new app stopped; then
/// checks (each query's first value), and a full rollback back to v1.
#[allow(clippy::too_many_arguments)]
pub async fn scenario(
    engine: Engine,
    name: &str,
    v1: &str,
    seed: &str,
    v2: &str,
    old: Vec<&str>,
    new: Vec<&str>,
    checks: Vec<(&str, &str)>,
) {
    let db = match engine {
        Engine::Postgres => fresh_pg_db(name).await,
        Engine::Mysql => fresh_mysql_db(name).await,
    };
    let Some(db) = db else {
        return;
    };
    let url = DatabaseUrl::parse(&db.url).unwrap();
    let dir = TempDir::new();
    let mig = dir.path().join("migrations");
    let schema = dir.path().join("schema.sql");
    let opts = PlanOptions {
        allow_destructive: false,
        batch_size: 500,
        ignore: migrator_core::source::Ignore::NONE,
    };
    let rehearsal = crate::test_rehearsal();
    let rehearse = rehearsal.as_ref();
    std::fs::write(&schema, v1).unwrap();
    plan_directory(&mig, &schema, &url, "v1", opts, false, rehearse)
        .await
        .unwrap();
    migrator(&mig)
        .apply_with(
            &url,
            &ApplyOptions {
                to: None,
                contract: true,
            },
        )
        .await
        .unwrap();
    let v1_version = migrator(&mig).set.last_version().unwrap();
    exec(engine, &db.url, seed).await;

    let old_app = start(
        engine,
        &db.url,
        App {
            name: "old app",
            ops: old.iter().map(|s| s.to_string()).collect(),
        },
        1_000_000,
    );
    old_app.until(20, Duration::from_secs(20)).await;

    std::fs::write(&schema, v2).unwrap();
    let report = plan_directory(&mig, &schema, &url, "v2", opts, false, rehearse)
        .await
        .unwrap_or_else(|e| panic!("{name}: plan: {e}"));
    assert!(!report.files.is_empty(), "{name}: nothing planned");
    // Everything plan writes passes lint (warnings allowed: they are the hazards it printed).
    let dialect = match engine {
        Engine::Postgres => migrator_core::Dialect::Postgres,
        Engine::Mysql => migrator_core::Dialect::Mysql,
    };
    let lint = migrator_core::lint::Linter::new(migrator_core::lint::LintOptions::new(dialect))
        .lint_dir(&mig)
        .unwrap_or_else(|e| panic!("{name}: lint: {e}"));
    assert_eq!(
        lint.exit_code(),
        0,
        "{name}: the plan does not pass lint:\n{lint}"
    );
    let applied = migrator(&mig)
        .apply_with(&url, &ApplyOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{name}: expand: {e}"));
    assert!(!applied.applied.is_empty());

    // The new version is deployed next to the old one.
    let new_app = start(
        engine,
        &db.url,
        App {
            name: "new app",
            ops: new.iter().map(|s| s.to_string()).collect(),
        },
        2_000_000,
    );
    new_app.until(20, Duration::from_secs(20)).await;
    let (old_ok, old_errors) = finish(old_app).await;

    migrator(&mig)
        .apply_with(
            &url,
            &ApplyOptions {
                to: None,
                contract: true,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: contract: {e}"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (new_ok, new_errors) = finish(new_app).await;

    assert!(
        old_errors.is_empty(),
        "{name}: {} old-app errors, first: {}",
        old_errors.len(),
        old_errors[0]
    );
    assert!(
        new_errors.is_empty(),
        "{name}: {} new-app errors, first: {}",
        new_errors.len(),
        new_errors[0]
    );
    assert!(
        old_ok > 10 && new_ok > 10,
        "{name}: both apps ran ({old_ok} / {new_ok} statements)"
    );
    for (sql, want) in checks {
        let got = query(engine, &db.url, sql).await[0][0]
            .clone()
            .unwrap_or_default();
        assert_eq!(got, want, "{name}: {sql}");
    }
    // Nothing left to do: the database is the declared schema.
    let (want, _) =
        migrator_core::source::inspect_declared(&url, &schema, migrator_core::source::Ignore::NONE)
            .await
            .unwrap();
    let have = migrator_core::source::inspect_live(&url).await.unwrap();
    let left = migrator_core::diff::diff_unchecked(&have, &want, &Default::default());
    assert!(
        left.is_empty(),
        "{name}: after contract the schema differs: {left:#?}"
    );

    // Every down works: back to v1.
    migrator(&mig)
        .rollback(&url, &RollbackTarget::To(v1_version), false)
        .await
        .unwrap_or_else(|e| panic!("{name}: rollback: {e}"));
    std::fs::write(dir.path().join("v1.sql"), v1).unwrap();
    let (want, _) = migrator_core::source::inspect_declared(
        &url,
        &dir.path().join("v1.sql"),
        migrator_core::source::Ignore::NONE,
    )
    .await
    .unwrap();
    let have = migrator_core::source::inspect_live(&url).await.unwrap();
    let left = migrator_core::diff::diff_unchecked(&have, &want, &Default::default());
    assert!(
        left.is_empty(),
        "{name}: after rollback the schema is not v1: {left:#?}"
    );
    db.drop_db().await;
}

/// What a [`Steady`] writer did: statements that succeeded in each shape, the failures (each
/// with its statement and error), how many ticks it ran behind, and its slowest statement.
#[derive(Debug, Default)]
pub struct SteadyReport {
    pub old_ok: u64,
    pub new_ok: u64,
    pub errors: Vec<String>,
    pub max_latency: Duration,
}

/// A writer at a steady rate (one statement per tick, like `pgbench -R`): the statements of
/// `old` (the old application's shape) in turn until [`Steady::switch_to_new`], then those of
/// `new`; `{id}` is replaced by an id that moves on after each full round of statements. A
/// tick missed while a statement was blocked is caught up at once (so a stall shows as a burst,
/// not as fewer writes).
pub struct Steady {
    stop: Arc<AtomicBool>,
    new_shape: Arc<AtomicBool>,
    handle: tokio::task::JoinHandle<SteadyReport>,
}

pub fn start_steady(
    engine: Engine,
    url: &str,
    old: Vec<String>,
    new: Vec<String>,
    per_second: u32,
    first_id: u64,
) -> Steady {
    let stop = Arc::new(AtomicBool::new(false));
    let new_shape = Arc::new(AtomicBool::new(false));
    let (flag, shape) = (stop.clone(), new_shape.clone());
    let url = url.to_string();
    let handle = tokio::spawn(async move {
        let mut client = Client::connect(engine, &url).await;
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second as f64));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut report = SteadyReport::default();
        let (mut id, mut at, mut was_new) = (first_id, 0usize, false);
        while !flag.load(Ordering::Relaxed) {
            tick.tick().await;
            let is_new = shape.load(Ordering::Relaxed);
            if is_new != was_new {
                // A new application version starts with fresh rows of its own.
                (id, at, was_new) = (id + 1, 0, is_new);
            }
            let ops = if is_new { &new } else { &old };
            let sql = ops[at].replace("{id}", &id.to_string());
            let started = std::time::Instant::now();
            match client.run(&sql).await {
                Ok(()) if is_new => report.new_ok += 1,
                Ok(()) => report.old_ok += 1,
                Err(e) => report.errors.push(format!("`{sql}`: {e}")),
            }
            report.max_latency = report.max_latency.max(started.elapsed());
            at += 1;
            if at == ops.len() {
                (id, at) = (id + 1, 0);
            }
        }
        report
    });
    Steady {
        stop,
        new_shape,
        handle,
    }
}

impl Steady {
    /// From the next tick on, the writer writes in the new shape.
    pub fn switch_to_new(&self) {
        self.new_shape.store(true, Ordering::Relaxed);
    }

    pub async fn finish(self) -> SteadyReport {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.await.unwrap()
    }
}
