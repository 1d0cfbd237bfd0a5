//! A backfill that yields to the workload (`migrator_core::runner::throttle`), end to end: the
//! `migrator` binary against real Postgres and MariaDB servers, with a synthetic load of
//! sessions sleeping in a query (`pg_sleep` / `SLEEP`). Each case runs on both servers.

use migrator_tests::cli::*;
use migrator_tests::on_both;
use std::time::{Duration, Instant};

on_both!(
    max_load_waits_until_the_load_is_gone,
    critical_load_stops_and_apply_resumes,
    operator_pause_and_resume_from_another_process,
    adaptive_batches_shrink_when_rows_are_slow,
    unknown_metric_is_refused_naming_it,
    max_load_wait_stops_a_long_wait,
);

/// The metric a load of sleeping sessions raises, with a limit below it.
fn load_limit(e: Engine) -> &'static str {
    match e {
        Engine::Postgres => "active=6",
        Engine::Mariadb => "Threads_running=6",
    }
}

/// `n` sessions each running a `secs`-second sleep, started now; ready after a short wait.
async fn synthetic_load(
    e: Engine,
    url: &str,
    n: usize,
    secs: f64,
) -> Vec<tokio::task::JoinHandle<()>> {
    let tasks = (0..n)
        .map(|_| {
            let url = url.to_string();
            tokio::spawn(async move { exec(e, &url, &e.sleep_sql(secs)).await })
        })
        .collect();
    // Ready once every session runs its sleep (connecting 10 sessions can take a while).
    let running = match e {
        Engine::Postgres => "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep%'",
        Engine::Mariadb => "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT SLEEP%'",
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while scalar(e, url, running).await.parse::<usize>().unwrap_or(0) < n {
        assert!(
            Instant::now() < deadline,
            "the synthetic load did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tasks
}

async fn progress(e: Engine, url: &str, column: &str) -> Option<String> {
    let cast = match e {
        Engine::Postgres => format!("{column}::text"),
        Engine::Mariadb => format!("CAST({column} AS CHAR)"),
    };
    try_scalar(
        e,
        url,
        &format!("SELECT {cast} FROM migrator_backfill WHERE version = {BACKFILL_VERSION}"),
    )
    .await
}

async fn batches(e: Engine, url: &str) -> u64 {
    progress(e, url, "batches")
        .await
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Every row backfilled exactly once.
async fn assert_all_rows_right(e: Engine, url: &str) {
    assert_eq!(
        scalar(
            e,
            url,
            "SELECT count(*) FROM items WHERE total IS NULL OR total <> a * 10 + b OR touched <> 1"
        )
        .await,
        "0"
    );
}

async fn max_load_waits_until_the_load_is_gone(e: Engine) {
    let Some(db) = fresh(e, "thr_maxload").await else {
        return;
    };
    let dir = items_project(e, &db.url, 2000, 500).await;
    let load = synthetic_load(e, &db.url, 10, 6.0).await;
    let started = Instant::now();
    let child = spawn(&dir, &db.url, &["apply", "--max-load", load_limit(e)]);
    // While the load lasts the backfill does not advance past its first batch, and says why.
    let mut state = String::new();
    while !state.starts_with("waiting on load: ") {
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "the backfill did not wait on the load: state {state:?}, {} batch(es)",
            batches(e, &db.url).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        state = progress(e, &db.url, "state").await.unwrap_or_default();
    }
    assert_eq!(
        batches(e, &db.url).await,
        1,
        "the backfill advanced under load"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        batches(e, &db.url).await,
        1,
        "the backfill advanced under load"
    );
    for t in load {
        t.await.unwrap();
    }
    let o = output_within(child, Duration::from_secs(60))
        .await
        .expect("the backfill went on once the load was gone");
    let out = ok(o);
    let metric = load_limit(e).split('=').next().unwrap();
    assert!(
        out.contains(&format!("waiting on load: {metric}=")) && out.contains("goes on after"),
        "{out}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "it did not wait"
    );
    assert_all_rows_right(e, &db.url).await;
    assert_eq!(batches(e, &db.url).await, 4);
    let status = ok(migrator(&dir, &db.url, &["backfill", "status"]));
    assert!(
        status.contains("items  done  rows 2000  batches 4"),
        "{status}"
    );
    db.drop_db().await;
}

async fn critical_load_stops_and_apply_resumes(e: Engine) {
    let Some(db) = fresh(e, "thr_critical").await else {
        return;
    };
    let dir = items_project(e, &db.url, 2000, 500).await;
    let load = synthetic_load(e, &db.url, 10, 6.0).await;
    let limit = load_limit(e);
    let out = fails(
        migrator(&dir, &db.url, &["apply", "--critical-load", limit]),
        75,
    );
    let metric = limit.split('=').next().unwrap();
    assert!(
        out.contains("backfill stopped by the load throttle")
            && out.contains(&format!("critical load: {metric}="))
            && out.contains(&format!("is above --critical-load {limit}"))
            && out.contains("`migrator apply` resumes after key 500"),
        "{out}"
    );
    assert_eq!(batches(e, &db.url).await, 1);
    let status = ok(migrator(&dir, &db.url, &["backfill", "status"]));
    assert!(
        status.contains("items  stopped  rows 500  batches 1"),
        "{status}"
    );
    for t in load {
        t.await.unwrap();
    }
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(
        out.contains("resuming the backfill of items after key 500"),
        "{out}"
    );
    assert_all_rows_right(e, &db.url).await;
    db.drop_db().await;
}

async fn operator_pause_and_resume_from_another_process(e: Engine) {
    let Some(db) = fresh(e, "thr_pause").await else {
        return;
    };
    let dir = items_project(e, &db.url, 20_000, 500).await;
    let child = spawn(&dir, &db.url, &["apply", "--pause", "0.1"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while batches(e, &db.url).await < 2 {
        assert!(Instant::now() < deadline, "the backfill did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = ok(migrator(&dir, &db.url, &["backfill", "pause"]));
    assert!(
        out.contains("paused") && out.contains(BACKFILL_VERSION),
        "{out}"
    );
    let at_pause = batches(e, &db.url).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let held = batches(e, &db.url).await;
    assert!(
        held <= at_pause + 1,
        "{held} batches after pausing at {at_pause}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(batches(e, &db.url).await, held, "it advanced while paused");
    let status = ok(migrator(&dir, &db.url, &["backfill", "status"]));
    assert!(status.contains("items  paused  rows"), "{status}");
    assert!(status.contains("paused by an operator"), "{status}");
    ok(migrator(
        &dir,
        &db.url,
        &["backfill", "resume", BACKFILL_VERSION],
    ));
    let o = output_within(child, Duration::from_secs(60))
        .await
        .expect("the backfill went on after resume");
    let out = ok(o);
    assert!(out.contains("paused by an operator"), "{out}");
    assert_all_rows_right(e, &db.url).await;
    assert_eq!(batches(e, &db.url).await, 40);
    // Nothing left to pause.
    let out = fails(migrator(&dir, &db.url, &["backfill", "pause"]), 1);
    assert!(out.contains("no unfinished backfill"), "{out}");
    db.drop_db().await;
}

async fn adaptive_batches_shrink_when_rows_are_slow(e: Engine) {
    let Some(db) = fresh(e, "thr_adaptive").await else {
        return;
    };
    let dir = items_project(e, &db.url, 600, 100).await;
    // Every updated row costs some 2 ms: a batch of 100 takes 200 ms, four times the target.
    match e {
        Engine::Postgres => {
            exec(e, &db.url, "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$").await;
            exec(e, &db.url, "CREATE TRIGGER slow_row BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION slow_row()").await;
        }
        Engine::Mariadb => {
            exec(e, &db.url, "CREATE TRIGGER slow_row BEFORE UPDATE ON items FOR EACH ROW SET @slept = SLEEP(0.002)").await;
        }
    }
    let out = ok(migrator(
        &dir,
        &db.url,
        &["apply", "-vv", "--batch-target", "50ms", "--batch-min", "5"],
    ));
    assert!(out.contains("batch size 100 -> 50 rows"), "{out}");
    assert_all_rows_right(e, &db.url).await;
    // Fixed batches would be 6.
    let n = batches(e, &db.url).await;
    assert!(n >= 10, "{n} batches: the batch did not shrink\n{out}");
    db.drop_db().await;
}

async fn unknown_metric_is_refused_naming_it(e: Engine) {
    let Some(db) = fresh(e, "thr_metric").await else {
        return;
    };
    let dir = items_project(e, &db.url, 1000, 500).await;
    // A bad value is reported against the flag or the key, before anything runs.
    let out = fails(
        migrator(&dir, &db.url, &["apply", "--max-load", "Threads_running"]),
        1,
    );
    assert!(
        out.contains("--max-load: \"Threads_running\" is not valid"),
        "{out}"
    );
    dir.write("migrator.toml", "backfill-critical-load = \"x=y\"\n");
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("migrator.toml: backfill-critical-load = \"x=y\""),
        "{out}"
    );
    dir.write("migrator.toml", "");
    // A metric the server does not have is named, before the first batch: nothing ran.
    let out = fails(
        migrator(&dir, &db.url, &["apply", "--max-load", "no_such_metric=5"]),
        1,
    );
    assert!(
        out.contains("load metric no_such_metric") && out.contains("nothing of the backfill ran"),
        "{out}"
    );
    let touched = "SELECT count(*) FROM items WHERE touched > 0";
    assert_eq!(scalar(e, &db.url, touched).await, "0", "{out}");
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(!out.contains("resuming the backfill"), "{out}");
    assert_all_rows_right(e, &db.url).await;
    db.drop_db().await;
}

async fn max_load_wait_stops_a_long_wait(e: Engine) {
    let Some(db) = fresh(e, "thr_maxwait").await else {
        return;
    };
    let dir = items_project(e, &db.url, 2000, 500).await;
    let load = synthetic_load(e, &db.url, 10, 6.0).await;
    let limit = load_limit(e);
    let out = fails(
        migrator(
            &dir,
            &db.url,
            &["apply", "--max-load", limit, "--max-load-wait", "1s"],
        ),
        75,
    );
    assert!(
        out.contains(&format!("stayed above --max-load {limit}"))
            && out.contains("longer than --max-load-wait 1s")
            && out.contains("`migrator apply` resumes after key 500"),
        "{out}"
    );
    for t in load {
        t.await.unwrap();
    }
    ok(migrator(&dir, &db.url, &["apply"]));
    assert_all_rows_right(e, &db.url).await;
    db.drop_db().await;
}
