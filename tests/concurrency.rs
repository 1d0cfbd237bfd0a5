//! Many runners at once against one database, on Postgres and MariaDB: 16 `migrator apply`
//! processes started together, and rounds of `apply` processes racing `rollback` ones. Every
//! process is bounded in time (a hang fails the test) and its output is kept for the messages.

use migrator_tests::cli::*;
use migrator_tests::on_both;
use migrator_tests::*;
use rand::Rng;
use std::collections::BTreeSet;
use std::process::Output;
use std::time::Duration;

/// Longer than any run here needs, short enough to fail a deadlock quickly.
const LIMIT: Duration = Duration::from_secs(120);

on_both!(
    sixteen_processes_apply_each_migration_once,
    applies_racing_rollbacks_keep_history_and_database_consistent,
);

/// Starts every `args` at once (in order), waits for all of them; fails on any hang. Returns
/// each process's pid and output.
async fn run_together(dir: &TempDir, url: &str, runs: &[Vec<&str>]) -> Vec<(u32, Output)> {
    let children: Vec<_> = runs.iter().map(|args| spawn(dir, url, args)).collect();
    let mut outputs = Vec::new();
    for (child, args) in children.into_iter().zip(runs) {
        let pid = child.id().expect("running child has a pid");
        let out = output_within(child, LIMIT).await;
        let out = out.unwrap_or_else(|| panic!("`migrator {}` hung for {LIMIT:?}", args.join(" ")));
        outputs.push((pid, out));
    }
    outputs
}

async fn sixteen_processes_apply_each_migration_once(e: Engine) {
    let Some(db) = fresh(e, "sixteen").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "counter",
        "CREATE TABLE applied_counter (id INT PRIMARY KEY, n INT NOT NULL);\n\
         INSERT INTO applied_counter VALUES (1, 1);\n\
         CREATE TABLE applied_log (version BIGINT NOT NULL);\n\
         INSERT INTO applied_log VALUES (20260101000001);\n",
        "DROP TABLE applied_log;\nDROP TABLE applied_counter;\n",
    );
    // A slow migration first, so that the runners really overlap; then quick ones.
    for step in 2..=8 {
        let version = format!("2026010100000{step}");
        let sleep = if step == 2 {
            format!("{};\n", e.sleep_sql(1.0))
        } else {
            String::new()
        };
        add(
            &dir,
            &version,
            &format!("step{step}"),
            &format!(
                "{sleep}UPDATE applied_counter SET n = n + 1 WHERE id = 1;\n\
                 INSERT INTO applied_log VALUES ({version});\n"
            ),
            &format!(
                "DELETE FROM applied_log WHERE version = {version};\n\
                 UPDATE applied_counter SET n = n - 1 WHERE id = 1;\n"
            ),
        );
    }
    rehash(&dir);

    let outputs = run_together(&dir, &db.url, &vec![vec!["apply"]; 16]).await;
    let mut applied_lines = 0;
    let mut holders = Vec::new();
    for (_, o) in &outputs {
        let t = ok(o.clone());
        applied_lines += t.matches("\napplied 2026").count();
        // "waiting for the migration lock, held by migrator HOST (pid N) […]"
        for line in t.lines() {
            if let Some((_, held)) = line.split_once("waiting for the migration lock, held by ") {
                holders.push(held.to_string());
            }
        }
    }
    assert_eq!(
        applied_lines, 8,
        "each migration reported applied exactly once across 16 runners"
    );
    // The effect of every migration, once: the counter went up once per migration.
    assert_eq!(
        scalar(e, &db.url, "SELECT n FROM applied_counter").await,
        "8"
    );
    let log = query(
        e,
        &db.url,
        "SELECT version FROM applied_log ORDER BY version",
    )
    .await;
    assert_eq!(log.len(), 8, "{log:?}");
    let history = query(
        e,
        &db.url,
        "SELECT version, status, host FROM migrator_history ORDER BY version",
    )
    .await;
    assert_eq!(history.len(), 8, "{history:?}");
    for (h, l) in history.iter().zip(&log) {
        assert_eq!(h[0], l[0], "history and log name the same versions");
        assert_eq!(h[1].as_deref(), Some("applied"), "{history:?}");
    }
    // A waiting runner named the holder by host and pid: one of the 16 processes, on the
    // host the history records ("HOST (pid N)").
    let pids: BTreeSet<String> = outputs.iter().map(|(pid, _)| pid.to_string()).collect();
    let recorded_host = history[0][2].clone().unwrap();
    let host = recorded_host.split(" (pid ").next().unwrap().to_string();
    let prefix = format!("migrator {host} (pid ");
    let named = holders.iter().any(|h| {
        h.strip_prefix(&prefix)
            .and_then(|rest| rest.split(')').next())
            .is_some_and(|pid| pids.contains(pid))
    });
    assert!(
        named,
        "no waiting runner named the lock holder as `{prefix}N)` with N one of the runners {pids:?}: {holders:?}"
    );
    db.drop_db().await;
}

async fn applies_racing_rollbacks_keep_history_and_database_consistent(e: Engine) {
    let Some(db) = fresh(e, "race").await else {
        return;
    };
    // The effects live in tables the migrations do not create, so they outlive every rollback:
    // `effects` has one row per applied migration, `counts` how often each one ran up and down.
    exec(e, &db.url, "CREATE TABLE effects (version BIGINT NOT NULL)").await;
    exec(
        e,
        &db.url,
        "CREATE TABLE counts (version BIGINT PRIMARY KEY, ups INT NOT NULL, downs INT NOT NULL)",
    )
    .await;
    let dir = TempDir::new();
    let versions: Vec<String> = (1..=6).map(|i| format!("2026010100000{i}")).collect();
    for (i, v) in versions.iter().enumerate() {
        exec(
            e,
            &db.url,
            &format!("INSERT INTO counts VALUES ({v}, 0, 0)"),
        )
        .await;
        let sleep = if i % 2 == 0 {
            format!("{};\n", e.sleep_sql(0.2))
        } else {
            String::new()
        };
        add(
            &dir,
            v,
            &format!("m{i}"),
            &format!(
                "CREATE TABLE t_{v} (id INT PRIMARY KEY);\n{sleep}\
                 INSERT INTO effects VALUES ({v});\n\
                 UPDATE counts SET ups = ups + 1 WHERE version = {v};\n"
            ),
            &format!(
                "UPDATE counts SET downs = downs + 1 WHERE version = {v};\n\
                 DELETE FROM effects WHERE version = {v};\n{sleep}DROP TABLE t_{v};\n"
            ),
        );
    }
    rehash(&dir);

    // Everything applied first, so that a rollback has work whichever runner goes first.
    ok(migrator(&dir, &db.url, &["apply"]));
    assert_consistent(e, &db.url, &versions, 0).await;
    let mut rng = rand::thread_rng();
    let mut exits = Vec::new();
    let (mut ups, mut downs) = (0, 0);
    for round in 0..3 {
        // 8 applies and 2 rollbacks, in a random order, started within a few milliseconds.
        let mut runs: Vec<Vec<&str>> = vec![vec!["apply"]; 8];
        let steps = ["2", "3", "1"][round];
        runs.insert(
            rng.gen_range(0..=runs.len()),
            vec!["rollback", "--steps", steps],
        );
        runs.insert(rng.gen_range(0..=runs.len()), vec!["rollback", "--to", "0"]);
        let outputs = run_together(&dir, &db.url, &runs).await;
        for (args, (_, o)) in runs.iter().zip(&outputs) {
            let t = text(o);
            assert!(
                !t.contains("panicked"),
                "`migrator {}` panicked:\n{t}",
                args.join(" ")
            );
            match o.status.code() {
                Some(0) => {}
                // A refusal must say what it is about: the lock or the state of a migration.
                Some(1) => assert!(
                    t.contains("error:") && (t.contains("lock") || t.contains("partial")),
                    "`migrator {}` failed without a clear lock/state error:\n{t}",
                    args.join(" ")
                ),
                other => panic!("`migrator {}` exited {other:?}:\n{t}", args.join(" ")),
            }
            exits.push((args.join(" "), o.status.code()));
            ups += t.matches("\napplied 2026").count();
            downs += t.matches("\nrolled back 2026").count();
        }
        assert_consistent(e, &db.url, &versions, round + 1).await;
    }
    assert!(
        ups > 0 && downs > 0,
        "the runners raced: {ups} migrations applied and {downs} rolled back over the rounds"
    );
    let refused = exits.iter().filter(|(_, c)| *c != Some(0)).count();
    eprintln!(
        "{}: {} processes, {ups} migrations applied, {downs} rolled back, {refused} refused with a lock/state error",
        e.name(),
        exits.len()
    );
    db.drop_db().await;
}

/// Each migration's effects are there exactly when the history says it is applied, and it ran
/// up once more than down (applied) or as often (not applied): never twice in a row.
async fn assert_consistent(e: Engine, url: &str, versions: &[String], round: usize) {
    let applied: BTreeSet<String> = query(
        e,
        url,
        "SELECT version FROM migrator_history WHERE status = 'applied'",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone().unwrap())
    .collect();
    let others = query(
        e,
        url,
        "SELECT version, status FROM migrator_history WHERE status <> 'applied'",
    )
    .await;
    assert!(
        others.is_empty(),
        "round {round}: unfinished history rows {others:?}"
    );
    let effects: Vec<String> = query(e, url, "SELECT version FROM effects ORDER BY version")
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    let effect_set: BTreeSet<String> = effects.iter().cloned().collect();
    assert_eq!(
        effects.len(),
        effect_set.len(),
        "round {round}: an effect twice: {effects:?}"
    );
    assert_eq!(effect_set, applied, "round {round}: effects vs history");
    for v in versions {
        let is_applied = applied.contains(v);
        assert_eq!(
            table_exists(e, url, &format!("t_{v}")).await,
            is_applied,
            "round {round}: table t_{v} vs history"
        );
        let row = query(
            e,
            url,
            &format!("SELECT ups, downs FROM counts WHERE version = {v}"),
        )
        .await;
        let ups: i64 = row[0][0].clone().unwrap().parse().unwrap();
        let downs: i64 = row[0][1].clone().unwrap().parse().unwrap();
        assert_eq!(
            ups - downs,
            i64::from(is_applied),
            "round {round}: {v} ran up {ups} and down {downs} times, applied: {is_applied}"
        );
    }
    eprintln!(
        "{}: round {round}: {} of {} applied, consistent",
        e.name(),
        applied.len(),
        versions.len()
    );
}
