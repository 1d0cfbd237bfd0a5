//! Crash safety: `kill -9` of the `migrator` process at a random moment of `apply`, of a batched
//! backfill, of `apply --contract` and of `rollback`, on Postgres and MariaDB; then the same
//! command again, with no manual step in between. Every trial must end with the command exiting
//! 0, no row lost and the database equal to one migrated without kills: same catalog (the
//! inspector of `migrator diff`, compared as in the convergence suites), same history, same data
//! (count and checksum of every row of the seeded table and of the audit table the migrations
//! write to, so a statement or a batch run twice shows).
//!
//! The kill comes after a delay drawn from a seeded RNG, spread over the time the same command
//! took on a reference database (`MIGRATOR_CRASH_SEED` reproduces a run; the seed is printed).
//! `MIGRATOR_CRASH_TRIALS` sets the number of trials per database (25). The test prints a table:
//! trials, killed mid-run (the process was still running when killed), left partial (the database
//! was caught between the state before and the state after the command), in-flight done (the
//! rerun found that the statement the killed runner had sent was completed by the server, see
//! `runner::execute::IN_FLIGHT`), recovered without manual action, rows lost, final schema /
//! history / data equal.

use migrator_core::schema::Database;
use migrator_core::source::inspect_live;
use migrator_core::DatabaseUrl;
use migrator_tests::cli::*;
use migrator_tests::convergence::compare_catalogs;
use migrator_tests::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rows of the seeded table `items` (it exists before the migrations and must keep every row);
/// the backfill runs over all of them in batches of `BATCH`.
const ROWS: u64 = 20_000;
const BATCH: u64 = 500;
const PAUSE: &str = "0.01";
const LAST_EXPAND: &str = "20260101000007";
/// How long the command after a kill may take before the trial counts as hung.
const RERUN_LIMIT: Duration = Duration::from_secs(120);

/// The four commands a trial kills, each run from the state the one before leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    /// `apply --to LAST_EXPAND`: seven expand files, transactional and not.
    Apply,
    /// `apply --pause …`: the backfill file, 40 batches.
    Backfill,
    /// `apply --contract`: two contract files.
    Contract,
    /// `rollback --to 0`: every down file, the backfill's undo included.
    Rollback,
}

impl Op {
    const ALL: [Op; 4] = [Op::Apply, Op::Backfill, Op::Contract, Op::Rollback];

    fn name(self) -> &'static str {
        match self {
            Op::Apply => "apply",
            Op::Backfill => "backfill",
            Op::Contract => "contract",
            Op::Rollback => "rollback",
        }
    }

    fn args(self) -> Vec<&'static str> {
        match self {
            Op::Apply => vec!["apply", "--to", LAST_EXPAND],
            Op::Backfill => vec!["apply", "--pause", PAUSE],
            Op::Contract => vec!["apply", "--contract"],
            Op::Rollback => vec!["rollback", "--to", "0"],
        }
    }

    /// The same command as a trial's set-up runs it, without kills: the backfill in big
    /// batches without pauses (same result, less time).
    fn setup_args(self) -> Vec<&'static str> {
        match self {
            Op::Backfill => vec!["apply", "--batch-size", "5000"],
            other => other.args(),
        }
    }

    fn index(self) -> usize {
        Op::ALL.iter().position(|&o| o == self).unwrap()
    }
}

/// The migrations: an expand phase of many DDL statements, inserts into an audit table (a
/// statement run twice leaves a duplicate row), index builds outside a transaction on Postgres;
/// a batched backfill; two contract files; a down file for each.
fn project(e: Engine) -> TempDir {
    let dir = TempDir::new();
    let sleep = e.sleep_sql(0.05);
    add(
        &dir,
        "20260101000001",
        "audit",
        "CREATE TABLE audit (id INT PRIMARY KEY, step INT NOT NULL, note VARCHAR(40));\n\
         INSERT INTO audit VALUES (1, 1, 'audit created');\n",
        "DROP TABLE audit;\n",
    );
    // Four files of two side tables each: 10 statements a file.
    for f in 0..4 {
        let (mut up, mut down) = (String::new(), String::new());
        for k in [2 * f + 1, 2 * f + 2] {
            up += &side_table(k);
            up += &format!("INSERT INTO audit VALUES ({}, 2, 'side_{k}');\n", 100 + k);
            down = format!("DROP TABLE side_{k};\n") + &down;
        }
        up += &format!("{sleep};\n");
        down += &format!(
            "DELETE FROM audit WHERE id IN ({}, {});\n",
            101 + 2 * f,
            102 + 2 * f
        );
        add(
            &dir,
            &format!("2026010100000{}", f + 2),
            &format!("side_tables_{f}"),
            &up,
            &down,
        );
    }
    add(
        &dir,
        "20260101000006",
        "items_columns",
        "ALTER TABLE items ADD COLUMN total BIGINT NULL;\n\
         ALTER TABLE items ADD COLUMN touched INT NOT NULL DEFAULT 0;\n\
         ALTER TABLE items ADD COLUMN legacy VARCHAR(20) NULL;\n\
         INSERT INTO audit VALUES (6, 6, 'items columns');\n",
        "ALTER TABLE items DROP COLUMN legacy;\nALTER TABLE items DROP COLUMN touched;\n\
         ALTER TABLE items DROP COLUMN total;\nDELETE FROM audit WHERE id = 6;\n",
    );
    let (index_up, index_down) = match e {
        // CONCURRENTLY: this file runs statement by statement, outside a transaction.
        Engine::Postgres => (
            "CREATE INDEX CONCURRENTLY items_a_idx ON items (a);\n\
             CREATE INDEX CONCURRENTLY items_b_idx ON items (b);\n",
            "DROP INDEX CONCURRENTLY items_b_idx;\nDROP INDEX CONCURRENTLY items_a_idx;\n",
        ),
        Engine::Mariadb => (
            "CREATE INDEX items_a_idx ON items (a) ALGORITHM=INPLACE LOCK=NONE;\n\
             CREATE INDEX items_b_idx ON items (b) ALGORITHM=INPLACE LOCK=NONE;\n",
            "DROP INDEX items_b_idx ON items;\nDROP INDEX items_a_idx ON items;\n",
        ),
    };
    add(&dir, LAST_EXPAND, "items_indexes", index_up, index_down);
    add(
        &dir,
        "20260101000008",
        "backfill_total",
        &format!(
            "-- migrator:phase backfill\n-- migrator:backfill table=items key=id batch={BATCH}\n\
             UPDATE items SET total = a * 10 + b, touched = touched + 1;\n"
        ),
        "UPDATE items SET total = NULL, touched = 0;\n",
    );
    let (not_null_up, not_null_down) = match e {
        Engine::Postgres => (
            "-- migrator:phase contract\n\
             ALTER TABLE items ADD CONSTRAINT items_total_nn CHECK (total IS NOT NULL) NOT VALID;\n\
             ALTER TABLE items VALIDATE CONSTRAINT items_total_nn;\n\
             ALTER TABLE items ALTER COLUMN total SET NOT NULL;\n\
             ALTER TABLE items DROP CONSTRAINT items_total_nn;\n",
            "-- migrator:phase contract\nALTER TABLE items ALTER COLUMN total DROP NOT NULL;\n",
        ),
        Engine::Mariadb => (
            "-- migrator:phase contract\nALTER TABLE items MODIFY total BIGINT NOT NULL;\n",
            "-- migrator:phase contract\nALTER TABLE items MODIFY total BIGINT NULL;\n",
        ),
    };
    add(
        &dir,
        "20260101000009",
        "total_not_null",
        not_null_up,
        not_null_down,
    );
    let mut drop_up =
        "-- migrator:phase contract\nALTER TABLE items DROP COLUMN legacy;\n".to_string();
    let mut drop_down =
        "-- migrator:phase contract\nALTER TABLE items ADD COLUMN legacy VARCHAR(20) NULL;\n"
            .to_string();
    for k in 5..=8 {
        drop_up += &format!("DROP TABLE side_{k};\n");
        drop_down += &side_table(k);
    }
    drop_up += "INSERT INTO audit VALUES (10, 10, 'contract');\n";
    drop_down += "DELETE FROM audit WHERE id = 10;\n";
    add(&dir, "20260101000010", "drop_legacy", &drop_up, &drop_down);
    rehash(&dir);
    dir
}

fn side_table(k: u32) -> String {
    format!(
        "CREATE TABLE side_{k} (id BIGINT PRIMARY KEY, item_id BIGINT NOT NULL, label VARCHAR(30));\n\
         CREATE INDEX side_{k}_item ON side_{k} (item_id);\n"
    )
}

/// What a database looks like after a command: catalog, history, data.
struct Snapshot {
    catalog: Database,
    history: Vec<String>,
    /// `table: rows N, checksum C` for `items` and `audit` (when it exists).
    data: Vec<String>,
    items: i64,
}

async fn snapshot(e: Engine, url: &str) -> Snapshot {
    let mut catalog = inspect_live(&DatabaseUrl::parse(url).unwrap())
        .await
        .unwrap_or_else(|err| panic!("inspecting {}: {err}", redact_url(url)));
    if e == Engine::Mariadb {
        // A MySQL schema is the database, named differently in every trial.
        for schema in &mut catalog.schemas {
            schema.name = "db".into();
        }
    }
    let history_sql =
        "SELECT concat(version, ' ', status, ' ', statements_applied, '/', statements_total) \
                       FROM migrator_history ORDER BY version";
    let history = query(e, url, history_sql)
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect();
    let mut data = Vec::new();
    let mut items = 0;
    for table in ["items", "audit"] {
        if !table_exists(e, url, table).await {
            continue;
        }
        let (rows, sum) = checksum(e, url, table).await;
        if table == "items" {
            items = rows;
        }
        data.push(format!("{table}: rows {rows}, checksum {sum}"));
    }
    Snapshot {
        catalog,
        history,
        data,
        items,
    }
}

/// Row count and a checksum over every column of every row (a sum, so a duplicate shows).
async fn checksum(e: Engine, url: &str, table: &str) -> (i64, String) {
    let sql = match e {
        Engine::Postgres => format!(
            "SELECT count(*)::text, coalesce(sum(hashtext(t::text)::bigint), 0)::text FROM {table} t"
        ),
        Engine::Mariadb => {
            let columns = query(
                e,
                url,
                &format!("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' ORDER BY ORDINAL_POSITION"),
            )
            .await;
            let cols: Vec<String> = columns
                .into_iter()
                .map(|r| format!("COALESCE(`{}`, '~')", r[0].clone().unwrap()))
                .collect();
            format!(
                "SELECT count(*), COALESCE(SUM(CRC32(CONCAT_WS('|', {}))), 0) FROM {table}",
                cols.join(", ")
            )
        }
    };
    let row = query(e, url, &sql).await.remove(0);
    (
        row[0].clone().unwrap().parse().unwrap(),
        row[1].clone().unwrap(),
    )
}

/// The bookkeeping state: history rows with their progress, backfill progress. Compared before
/// the command, after the kill and at the end, it tells whether the kill left work half done.
async fn progress(e: Engine, url: &str) -> String {
    let (history, backfill) = match e {
        Engine::Postgres => (
            "SELECT string_agg(concat_ws(' ', version, status, statements_applied, down_statements_applied), ',' ORDER BY version) FROM migrator_history",
            "SELECT string_agg(concat_ws(' ', version, batches, finished_at IS NULL), ',') FROM migrator_backfill",
        ),
        Engine::Mariadb => (
            "SELECT GROUP_CONCAT(CONCAT_WS(' ', version, status, statements_applied, down_statements_applied) ORDER BY version SEPARATOR ',') FROM migrator_history",
            "SELECT GROUP_CONCAT(CONCAT_WS(' ', version, batches, finished_at IS NULL) SEPARATOR ',') FROM migrator_backfill",
        ),
    };
    format!(
        "{:?} | {:?}",
        try_scalar(e, url, history).await,
        try_scalar(e, url, backfill).await
    )
}

/// Runs the command to its end (`RERUN_LIMIT` at most: `None` when it hung).
async fn run(project: &Path, url: &str, args: &[&str]) -> Option<Output> {
    output_within(spawn(project, url, args), RERUN_LIMIT).await
}

#[track_caller]
fn done(out: Option<Output>) -> String {
    ok(out.unwrap_or_else(|| panic!("migrator hung for {RERUN_LIMIT:?}")))
}

/// The database migrated without kills: the snapshot after each command and how long it took.
struct Reference {
    after: BTreeMap<Op, Snapshot>,
    took: BTreeMap<Op, Duration>,
}

async fn reference(e: Engine, project: &Path) -> Reference {
    let db = fresh(e, "crash_ref").await.expect("server configured");
    create_items(e, &db.url, ROWS, "").await;
    let mut after = BTreeMap::new();
    let mut took = BTreeMap::new();
    for op in Op::ALL {
        let started = Instant::now();
        let out = run(project, &db.url, &op.args()).await;
        took.insert(op, started.elapsed());
        done(out);
        after.insert(op, snapshot(e, &db.url).await);
    }
    db.drop_db().await;
    Reference { after, took }
}

#[derive(Clone, Copy, Debug)]
struct Trial {
    engine: Engine,
    number: usize,
    op: Op,
    /// The kill comes after this fraction of the time the command took on the reference
    /// database (when the command is done sooner, the trial checks that a rerun is harmless).
    fraction: f64,
}

#[derive(Debug)]
struct Outcome {
    trial: Trial,
    delay: Duration,
    killed: bool,
    left_partial: bool,
    /// The rerun found the statement the killed runner had in flight already done by the server.
    found_done: bool,
    recovered: bool,
    rows_lost: i64,
    schema_equal: bool,
    history_equal: bool,
    data_equal: bool,
    problems: Vec<String>,
}

impl Outcome {
    fn passed(&self) -> bool {
        self.recovered
            && self.rows_lost == 0
            && self.schema_equal
            && self.history_equal
            && self.data_equal
    }
}

async fn run_trial(t: Trial, project: &Path, reference: &Reference) -> Outcome {
    let e = t.engine;
    let db = fresh(e, &format!("crash_{}_{}", t.op.name(), t.number))
        .await
        .expect("server configured");
    create_items(e, &db.url, ROWS, "").await;
    for before in &Op::ALL[..t.op.index()] {
        done(run(project, &db.url, &before.setup_args()).await);
    }
    let before = progress(e, &db.url).await;

    let delay = reference.took[&t.op].mul_f64(t.fraction);
    // (Its output, a few lines, fits in the pipes unread.)
    let mut child = spawn(project, &db.url, &t.op.args());
    let killed = tokio::select! {
        status = child.wait() => {
            status.expect("wait for migrator");
            false
        }
        _ = tokio::time::sleep(delay) => {
            child.start_kill().expect("kill -9"); // SIGKILL
            child.wait().await.expect("wait for the killed migrator");
            true
        }
    };
    let after_kill = progress(e, &db.url).await;

    let mut problems = Vec::new();
    // The same command again, with nothing done by hand in between.
    let rerun = run(project, &db.url, &t.op.args()).await;
    let recovered = match &rerun {
        Some(out) if out.status.success() => true,
        Some(out) => {
            problems.push(format!("the command after the kill failed:\n{}", text(out)));
            false
        }
        None => {
            problems.push(format!(
                "the command after the kill hung for {RERUN_LIMIT:?}"
            ));
            false
        }
    };
    let found_done = rerun.as_ref().is_some_and(|out| {
        String::from_utf8_lossy(&out.stderr).contains("the server says its work is already there")
    });
    let end = progress(e, &db.url).await;
    let left_partial = killed && after_kill != before && after_kill != end;

    let got = snapshot(e, &db.url).await;
    let want = &reference.after[&t.op];
    let schema_equal = match compare_catalogs(got.catalog, want.catalog.clone()) {
        Ok(()) => true,
        Err(diff) => {
            problems.push(format!("schema differs from the reference: {diff}"));
            false
        }
    };
    let history_equal = got.history == want.history;
    if !history_equal {
        problems.push(format!(
            "history {:?}, reference {:?}",
            got.history, want.history
        ));
    }
    let data_equal = got.data == want.data;
    if !data_equal {
        problems.push(format!("data {:?}, reference {:?}", got.data, want.data));
    }
    let outcome = Outcome {
        trial: t,
        delay,
        killed,
        left_partial,
        found_done,
        recovered,
        rows_lost: want.items - got.items,
        schema_equal,
        history_equal,
        data_equal,
        problems,
    };
    if !outcome.passed() {
        eprintln!(
            "FAILED {} trial {} ({}, kill after {:?}): after the kill: {after_kill}\n{}",
            e.name(),
            t.number,
            t.op.name(),
            delay,
            outcome.problems.join("\n")
        );
    }
    db.drop_db().await;
    outcome
}

fn env_number(var: &str) -> Option<u64> {
    std::env::var(var).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{var}={v} is not a number"))
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_random_points_then_rerun_recovers() {
    let (Some(_), Some(_)) = (pg_url(), mysql_url()) else {
        return;
    };
    let seed = env_number("MIGRATOR_CRASH_SEED").unwrap_or_else(|| rand::random::<u32>() as u64);
    let per_engine = env_number("MIGRATOR_CRASH_TRIALS").unwrap_or(25) as usize;
    eprintln!(
        "crash trials: seed {seed} (MIGRATOR_CRASH_SEED={seed} reproduces), {per_engine} per database (MIGRATOR_CRASH_TRIALS)"
    );
    let started = Instant::now();

    let mut projects = BTreeMap::new();
    let mut references = BTreeMap::new();
    for e in Engine::BOTH {
        let dir = project(e);
        let r = reference(e, dir.path()).await;
        eprintln!(
            "{}: reference durations {}",
            e.name(),
            Op::ALL
                .iter()
                .map(|op| format!("{} {:.2}s", op.name(), r.took[op].as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        references.insert(e.name(), Arc::new(r));
        projects.insert(e.name(), dir);
    }

    // The plan is drawn before anything runs, so the seed alone decides it.
    let mut trials = Vec::new();
    for (i, e) in Engine::BOTH.into_iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(i as u64));
        for number in 0..per_engine {
            trials.push(Trial {
                engine: e,
                number,
                op: Op::ALL[number % Op::ALL.len()],
                fraction: rng.gen_range(0.0..1.0),
            });
        }
    }
    // Three trials at a time: the machine has two cores, and the servers need them too.
    let sem = Arc::new(tokio::sync::Semaphore::new(3));
    let mut tasks = Vec::new();
    for t in trials {
        let project: PathBuf = projects[t.engine.name()].path().to_path_buf();
        let reference = references[t.engine.name()].clone();
        let sem = sem.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await.unwrap();
            run_trial(t, &project, &reference).await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("trial task"));
    }

    print_summary(&outcomes);
    eprintln!("crash trials took {:.1}s", started.elapsed().as_secs_f64());
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed())
        .map(|o| {
            format!(
                "{} trial {} ({}, kill after {:?}): {}",
                o.trial.engine.name(),
                o.trial.number,
                o.trial.op.name(),
                o.delay,
                o.problems.join("; ")
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} crash trials failed (seed {seed}):\n{}",
        failed.len(),
        outcomes.len(),
        failed.join("\n")
    );
}

fn print_summary(outcomes: &[Outcome]) {
    let mut lines = vec![format!(
        "{:<9} {:<9} {:>6} {:>14} {:>12} {:>14} {:>10} {:>9} {:>13} {:>14} {:>11}",
        "database",
        "command",
        "trials",
        "killed mid-run",
        "left partial",
        "in-flight done",
        "recovered",
        "rows lost",
        "schema equal",
        "history equal",
        "data equal"
    )];
    let mut row = |label: (&str, &str), group: Vec<&Outcome>| {
        let count = |f: &dyn Fn(&Outcome) -> bool| group.iter().filter(|o| f(o)).count();
        lines.push(format!(
            "{:<9} {:<9} {:>6} {:>14} {:>12} {:>14} {:>10} {:>9} {:>13} {:>14} {:>11}",
            label.0,
            label.1,
            group.len(),
            count(&|o| o.killed),
            count(&|o| o.left_partial),
            count(&|o| o.found_done),
            count(&|o| o.recovered),
            group.iter().map(|o| o.rows_lost).sum::<i64>(),
            count(&|o| o.schema_equal),
            count(&|o| o.history_equal),
            count(&|o| o.data_equal),
        ));
    };
    for e in Engine::BOTH {
        for op in Op::ALL {
            row(
                (e.name(), op.name()),
                outcomes
                    .iter()
                    .filter(|o| o.trial.engine == e && o.trial.op == op)
                    .collect(),
            );
        }
        row(
            (e.name(), "all"),
            outcomes.iter().filter(|o| o.trial.engine == e).collect(),
        );
    }
    row(("both", "all"), outcomes.iter().collect());
    eprintln!("{}", lines.join("\n"));
}
