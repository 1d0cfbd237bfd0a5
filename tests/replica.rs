//! Backfills that wait on replica lag (`migrator apply --max-replica-lag … [--replica-url …]`),
//! against the replicas `scripts/test-servers.sh` starts: a Postgres streaming standby and a
//! MariaDB replica. Replay is paused on the replica (`pg_wal_replay_pause()` / `STOP SLAVE
//! SQL_THREAD`) to make it lag; an independent heartbeat of the test's own (written on the
//! primary, read on the replica) measures the lag the replica really has.
//!
//! The cases of one engine share its replica (pausing it would disturb the others), so they
//! take a lock; every case starts by resuming replay, in case an earlier one failed with it
//! paused.

use migrator_tests::cli::*;
use migrator_tests::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

static PG_REPLICA: Mutex<()> = Mutex::const_new(());
static MARIADB_REPLICA: Mutex<()> = Mutex::const_new(());

const BACKFILL_VERSION: &str = "20260101000002";

fn replica_lock(e: Engine) -> &'static Mutex<()> {
    match e {
        Engine::Postgres => &PG_REPLICA,
        Engine::Mariadb => &MARIADB_REPLICA,
    }
}

/// A fresh database on the primary the engine's replica replicates: for Postgres, the
/// standby's own primary; for MariaDB, the test server.
async fn fresh_replicated(e: Engine, prefix: &str) -> Option<TestDb> {
    match e {
        Engine::Postgres => fresh_pg_db_on(pg_replica_primary_url()?, prefix).await,
        Engine::Mariadb => fresh(e, prefix).await,
    }
}

/// The replica server of the engine (its maintenance database), or `None` (skip; CI fails).
fn replica_server(e: Engine) -> Option<String> {
    match e {
        Engine::Postgres => pg_replica_url(),
        Engine::Mariadb => mysql_replica_url(),
    }
}

async fn pause_replay(e: Engine, replica: &str) {
    match e {
        Engine::Postgres => exec(e, replica, "SELECT pg_wal_replay_pause()").await,
        Engine::Mariadb => exec(e, replica, "STOP SLAVE SQL_THREAD").await,
    }
}

async fn resume_replay(e: Engine, replica: &str) {
    match e {
        Engine::Postgres => exec(e, replica, "SELECT pg_wal_replay_resume()").await,
        Engine::Mariadb => exec(e, replica, "START SLAVE SQL_THREAD").await,
    }
}

/// The password in `scheme://user:password@host…`.
fn password_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let userinfo = rest.rsplit_once('@').map_or("", |(u, _)| u);
    userinfo.split_once(':').map_or("", |(_, p)| p).to_string()
}

/// What the replica server says of its replication, for a failure message (a replica that
/// stopped receiving looks, from a test, like one that is only slow).
async fn replication_state(e: Engine) -> String {
    let Some(server) = replica_server(e) else {
        return "no replica URL".into();
    };
    let sql = match e {
        Engine::Postgres => {
            "SELECT concat_ws(' ', 'wal receiver:', coalesce((SELECT status || ', last message ' \
             || coalesce(last_msg_receipt_time::text, 'never') FROM pg_stat_wal_receiver), \
             'not running'), '; received up to', coalesce(pg_last_wal_receive_lsn()::text, '-'), \
             '; replayed up to', coalesce(pg_last_wal_replay_lsn()::text, '-'), \
             '; replay paused:', pg_is_wal_replay_paused()::text)"
        }
        Engine::Mariadb => "SELECT CONCAT('gtid_slave_pos ', @@gtid_slave_pos)",
    };
    try_scalar(e, &server, sql)
        .await
        .unwrap_or_else(|| "the replica server did not answer".into())
}

/// Polls `sql` (one text value) on `url` (a replica's database) until it is `want`; panics
/// after `limit`, with the replica's replication state.
async fn wait_for(e: Engine, url: &str, sql: &str, want: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let got = try_scalar(e, url, sql).await;
        if got.as_deref() == Some(want) {
            return;
        }
        if Instant::now() >= deadline {
            panic!(
                "{sql} on {} is {got:?}, not {want}, after {limit:?} (replica: {})",
                redact_url(url),
                replication_state(e).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Text of a count, for [`wait_for`] / [`try_scalar`] (which read text columns).
fn count_sql(e: Engine, condition: &str) -> String {
    match e {
        Engine::Postgres => format!("SELECT count(*)::text FROM items WHERE {condition}"),
        Engine::Mariadb => format!("SELECT CAST(count(*) AS CHAR) FROM items WHERE {condition}"),
    }
}

/// Rows the backfill has committed so far (0 before it starts).
async fn rows_done(e: Engine, url: &str) -> u64 {
    let sql = match e {
        Engine::Postgres => format!(
            "SELECT rows_done::text FROM migrator_backfill WHERE version = {BACKFILL_VERSION}"
        ),
        Engine::Mariadb => format!(
            "SELECT CAST(rows_done AS CHAR) FROM migrator_backfill WHERE version = {BACKFILL_VERSION}"
        ),
    };
    try_scalar(e, url, &sql)
        .await
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `items` with `rows` rows, on the primary and (waited for) on the replica, and a project that
/// adds `total` and backfills it in batches of `batch`.
async fn project(e: Engine, db: &TestDb, replica_db: &str, rows: u64, batch: u64) -> TempDir {
    create_items(e, &db.url, rows, ", touched INT NOT NULL DEFAULT 0").await;
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "add_total",
        "ALTER TABLE items ADD COLUMN total BIGINT NULL;\n",
        "ALTER TABLE items DROP COLUMN total;\n",
    );
    add(
        &dir,
        BACKFILL_VERSION,
        "backfill_total",
        &format!(
            "-- migrator:phase backfill\n-- migrator:backfill table=items key=id batch={batch}\n\
             UPDATE items SET total = a * 10 + b, touched = touched + 1;\n"
        ),
        "UPDATE items SET total = NULL;\n",
    );
    rehash(&dir);
    wait_for(
        e,
        replica_db,
        &count_sql(e, "true"),
        &rows.to_string(),
        Duration::from_secs(60),
    )
    .await;
    dir
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn paused_replay_stops_the_backfill_until_it_resumes() {
        paused_replay(Engine::Postgres, true).await
    }

    /// Without --replica-url: the standbys of pg_stat_replication on the primary.
    #[tokio::test(flavor = "multi_thread")]
    async fn paused_standby_of_pg_stat_replication_stops_the_backfill() {
        paused_replay(Engine::Postgres, false).await
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn lag_stays_within_one_batch_of_the_limit() {
        lag_within_limit(Engine::Postgres).await
    }
}

mod mariadb {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn paused_replay_stops_the_backfill_until_it_resumes() {
        paused_replay(Engine::Mariadb, true).await
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_replica_urls_the_backfill_stops_naming_the_flag() {
        let e = Engine::Mariadb;
        let Some(db) = fresh_replicated(e, "rep_nourl").await else {
            return;
        };
        let Some(_replica) = replica_server(e) else {
            return;
        };
        create_items(e, &db.url, 100, ", touched INT NOT NULL DEFAULT 0").await;
        let dir = TempDir::new();
        add(
            &dir,
            BACKFILL_VERSION,
            "backfill_touched",
            "-- migrator:phase backfill\n-- migrator:backfill table=items key=id batch=10\n\
             UPDATE items SET touched = touched + 1;\n",
            "UPDATE items SET touched = 0;\n",
        );
        rehash(&dir);
        let out = fails(
            migrator(&dir, &db.url, &["apply", "--max-replica-lag", "2s"]),
            1,
        );
        // Refused before the first batch: nothing ran.
        assert!(out.contains("--replica-url"), "{out}");
        assert!(out.contains("Nothing of the backfill ran"), "{out}");
        assert_eq!(
            scalar(e, &db.url, "SELECT count(*) FROM items WHERE touched > 0").await,
            "0",
            "{out}"
        );
        assert!(
            !out.contains(&password_of(&db.url)),
            "password printed: {out}"
        );
        db.drop_db().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn lag_stays_within_one_batch_of_the_limit() {
        lag_within_limit(Engine::Mariadb).await
    }
}

/// Replay paused before the run: the backfill goes on while the replica's lag is within 1 s,
/// then stops (within one batch) and says why; replay resumed, it goes on within 2 s and
/// finishes with every row right on the primary and the replica.
async fn paused_replay(e: Engine, with_url: bool) {
    let _serial = replica_lock(e).lock().await;
    let Some(db) = fresh_replicated(e, "rep_pause").await else {
        return;
    };
    let Some(server) = replica_server(e) else {
        return;
    };
    resume_replay(e, &server).await;
    let replica_db = url_with_database(&server, &db.name);
    let rows = 40_000u64;
    let dir = project(e, &db, &replica_db, rows, 500).await;

    pause_replay(e, &server).await;
    let mut args = vec!["apply", "--max-replica-lag", "1s", "--pause", "0.05"];
    if with_url {
        args.extend(["--replica-url", replica_db.as_str()]);
    }
    let child = spawn(&dir, &db.url, &args);
    let started = Instant::now();

    // Progress as the primary records it: (when, rows) at each change.
    let mut timeline: Vec<(Instant, u64)> = Vec::new();
    let stalled_for = Duration::from_secs(3);
    loop {
        let done = rows_done(e, &db.url).await;
        if timeline.last().map_or(done > 0, |&(_, last)| done != last) {
            timeline.push((Instant::now(), done));
        }
        if let Some(&(at, _)) = timeline.last() {
            if at.elapsed() >= stalled_for {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the backfill never stalled with replay paused: {:?}",
            timeline.iter().map(|t| t.1).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (first_at, _) = timeline[0];
    let (stall_at, stalled_rows) = *timeline.last().expect("progress seen");
    assert!(
        stalled_rows < rows,
        "the backfill finished although replay was paused"
    );
    // Replay was paused before the first batch, so the lag passed 1 s one second after the
    // first batch: the batches stop then, give or take one (each takes ~50 ms and a pause).
    let ran = stall_at - first_at;
    let batch_time = ran.as_secs_f64() / timeline.len().max(1) as f64;
    println!(
        "{}: replay paused; backfill stopped after {:.2}s at {stalled_rows} rows ({} batches, {:.0} ms each)",
        e.name(),
        ran.as_secs_f64(),
        timeline.len(),
        batch_time * 1000.0
    );
    assert!(
        ran.as_secs_f64() <= 1.0 + 2.0 * batch_time + 0.5,
        "batches went on for {ran:?} after the first one with replay paused (limit 1 s)"
    );

    resume_replay(e, &server).await;
    let resumed = Instant::now();
    loop {
        if rows_done(e, &db.url).await > stalled_rows {
            break;
        }
        assert!(
            resumed.elapsed() < Duration::from_secs(2),
            "the backfill did not go on within 2 s of replay resuming"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "{}: replay resumed; backfill went on after {:.2}s",
        e.name(),
        resumed.elapsed().as_secs_f64()
    );
    let out = output_within(child, Duration::from_secs(120))
        .await
        .expect("apply finished");
    let out_text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{out_text}");
    assert!(
        out_text.contains("waiting on replica lag"),
        "no word of the wait: {out_text}"
    );
    if with_url {
        assert!(
            out_text.contains(&redact_url(&replica_db)),
            "the replica is not named: {out_text}"
        );
        if e == Engine::Postgres {
            assert!(out_text.contains("WAL replay paused"), "{out_text}");
        }
    } else {
        assert!(out_text.contains("standby "), "{out_text}");
    }
    assert!(
        !out_text.contains(&password_of(&replica_db)),
        "password printed: {out_text}"
    );

    let right = count_sql(e, "total = a * 10 + b AND touched = 1");
    assert_eq!(
        try_scalar(e, &db.url, &right).await.as_deref(),
        Some(rows.to_string().as_str())
    );
    wait_for(
        e,
        &replica_db,
        &right,
        &rows.to_string(),
        Duration::from_secs(60),
    )
    .await;
    db.drop_db().await;
}

/// The test's own heartbeat: every 50 ms the primary's `hb` row gets the time (ms since the
/// epoch, this process's clock); the replica's copy is read every 50 ms and its age is the
/// replica's lag then (to ~50 ms). Returns the greatest lag seen until `stop` is set.
fn heartbeat(
    e: Engine,
    primary: String,
    replica: String,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Duration> {
    let max_ms = Arc::new(AtomicU64::new(0));
    let now_ms = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    };
    let writer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                exec(e, &primary, &format!("UPDATE hb SET ms = {}", now_ms())).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let sql = match e {
        Engine::Postgres => "SELECT ms::text FROM hb",
        Engine::Mariadb => "SELECT CAST(ms AS CHAR) FROM hb",
    };
    tokio::spawn(async move {
        while !stop.load(Ordering::SeqCst) {
            // 0: the first beat has not reached the replica yet (the run has not started).
            if let Some(seen) = try_scalar(e, &replica, sql)
                .await
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|&ms| ms > 0)
            {
                max_ms.fetch_max(now_ms().saturating_sub(seen), Ordering::SeqCst);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = writer.await;
        Duration::from_millis(max_ms.load(Ordering::SeqCst))
    })
}

/// One backfill of `rows` rows (batches of 5000), with `args`; returns (max replica lag seen
/// by the test's heartbeat, seconds the run took, batches).
async fn measured_run(e: Engine, server: &str, rows: u64, args: &[&str]) -> (Duration, f64, u64) {
    let Some(db) = fresh_replicated(e, "rep_lag").await else {
        unreachable!("checked by the caller");
    };
    let replica_db = url_with_database(server, &db.name);
    exec(
        e,
        &db.url,
        "CREATE TABLE hb (id INT PRIMARY KEY, ms BIGINT NOT NULL)",
    )
    .await;
    exec(e, &db.url, "INSERT INTO hb VALUES (1, 0)").await;
    let dir = project(e, &db, &replica_db, rows, 5000).await;
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = heartbeat(e, db.url.clone(), replica_db.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut all = vec!["apply", "--format", "json"];
    all.extend_from_slice(args);
    let all_owned: Vec<String> = all
        .iter()
        .map(|a| a.replace("{replica}", &replica_db))
        .collect();
    let all_refs: Vec<&str> = all_owned.iter().map(String::as_str).collect();
    let started = Instant::now();
    let out = output_within(spawn(&dir, &db.url, &all_refs), Duration::from_secs(300))
        .await
        .expect("apply finished");
    let took = started.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|err| panic!("{err}: {}", text(&out)));
    let batches = report["applied"][1]["batches"].as_u64().unwrap_or(0);
    // Until the replica has every row: its lag after the last batch counts too.
    let right = count_sql(e, "total = a * 10 + b AND touched = 1");
    wait_for(
        e,
        &replica_db,
        &right,
        &rows.to_string(),
        Duration::from_secs(120),
    )
    .await;
    stop.store(true, Ordering::SeqCst);
    let max_lag = sampler.await.expect("heartbeat task");
    db.drop_db().await;
    (max_lag, took, batches)
}

/// A backfill of 200,000 rows, without a limit and with `--max-replica-lag 0.5s`: with the
/// limit, the lag the replica really has (the test's heartbeat) stays within the limit plus
/// one batch. Prints both maxima (the figures of issue 16's note).
async fn lag_within_limit(e: Engine) {
    let _serial = replica_lock(e).lock().await;
    let Some(server) = replica_server(e) else {
        return;
    };
    if pg_url().is_none() && e == Engine::Postgres || mysql_url().is_none() && e == Engine::Mariadb
    {
        return;
    }
    resume_replay(e, &server).await;
    let rows = 200_000;
    let (free_lag, free_s, free_batches) = measured_run(e, &server, rows, &[]).await;
    let (lag, took, batches) = measured_run(
        e,
        &server,
        rows,
        &["--max-replica-lag", "0.5s", "--replica-url", "{replica}"],
    )
    .await;
    let batch_s = took / batches.max(1) as f64;
    println!(
        "{}: backfill of {rows} rows in batches of 5000: max replica lag {:.2}s without a limit ({free_s:.1}s, {free_batches} batches); \
         {:.2}s with --max-replica-lag 0.5s ({took:.1}s, {batches} batches, {:.0} ms per batch)",
        e.name(),
        free_lag.as_secs_f64(),
        lag.as_secs_f64(),
        batch_s * 1000.0
    );
    // The lag is checked between batches, so the batch after a check that just passed adds
    // its own time (and batch times vary on a loaded machine: twice the mean); the test's
    // heartbeat adds up to 50 ms (writes) + 50 ms (reads) + its queries' latency.
    let allowed = 0.5 + 2.0 * batch_s + 0.25;
    assert!(
        lag.as_secs_f64() <= allowed,
        "replica lag reached {lag:?} with --max-replica-lag 0.5s (allowed {allowed:.2}s)"
    );
}
