//! End-to-end runner tests: the `migrator` binary against real Postgres and MariaDB servers.
//! Each case runs on both servers (`_postgres` / `_mariadb` suffixes) unless it is about one
//! engine's behaviour.

use migrator_tests::cli::*;
use migrator_tests::on_both;
use migrator_tests::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn three_migrations(dir: &TempDir) {
    add(dir, "20260101000001", "create_a", "CREATE TABLE a (id BIGINT PRIMARY KEY, v VARCHAR(20));\nINSERT INTO a VALUES (1, 'one');\n", "DROP TABLE a;\n");
    add(dir, "20260101000002", "create_b", "CREATE TABLE b (id BIGINT PRIMARY KEY, a_id BIGINT NOT NULL REFERENCES a (id));\nCREATE INDEX b_a_id ON b (a_id);\n", "DROP TABLE b;\n");
    add(
        dir,
        "20260101000003",
        "add_a_note",
        "ALTER TABLE a ADD COLUMN note VARCHAR(100);\n",
        "ALTER TABLE a DROP COLUMN note;\n",
    );
    rehash(dir);
}

on_both!(
    round_trip_apply_status_rollback_apply,
    edited_applied_file_is_refused,
    older_file_than_last_applied_is_refused,
    tampered_sum_is_refused_before_any_sql,
    kill_9_mid_file_recovers,
    kill_9_during_ddl_and_dml_statements_recovers,
    lock_timeout_gives_up_retries_and_does_not_block_others,
    baseline_and_repair,
    apply_refuses_to_run_on_top_of_a_half_rolled_back_migration,
    many_inserts_failing_mid_group_resume_at_the_failed_statement,
    kill_9_mid_group_of_inserts_loses_the_group_only,
    a_statement_waiting_on_a_transaction_says_what_it_waits_for,
);

/// An application transaction left open is the classic reason a migration seems to hang: the
/// index build waits for it without a word. The runner says every `--progress-every` that the
/// statement still runs and what the server says it waits for (Postgres: the lock and the
/// session holding it; MariaDB: the metadata lock), then finishes once the transaction ends.
async fn a_statement_waiting_on_a_transaction_says_what_it_waits_for(e: Engine) {
    use mysql_async::prelude::Queryable;
    let Some(db) = fresh(e, "watched").await else {
        return;
    };
    create_items(e, &db.url, 1000, "").await;
    let dir = TempDir::new();
    let (up, down) = match e {
        Engine::Postgres => (
            "CREATE INDEX CONCURRENTLY items_a ON items (a);\n",
            "DROP INDEX CONCURRENTLY items_a;\n",
        ),
        Engine::Mariadb => (
            "ALTER TABLE items ADD INDEX items_a (a), ALGORITHM=INPLACE, LOCK=NONE;\n",
            "ALTER TABLE items DROP INDEX items_a;\n",
        ),
    };
    add(&dir, "20260101000001", "index_a", up, down);
    rehash(&dir);

    // The application's transaction: it read `items` and stays open.
    let read = "SELECT count(*) FROM items";
    let (pg_blocker, mut my_blocker, blocker_id) = match e {
        Engine::Postgres => {
            let c = pg_connect(&db.url).await;
            c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                .await
                .unwrap();
            c.query_one(read, &[]).await.unwrap();
            let pid: i32 = c
                .query_one("SELECT pg_backend_pid()", &[])
                .await
                .unwrap()
                .get(0);
            (Some(c), None, pid.to_string())
        }
        Engine::Mariadb => {
            let mut c = mysql_connect(&db.url).await;
            c.query_drop("START TRANSACTION").await.unwrap();
            c.query_drop(read).await.unwrap();
            let id: u64 = c
                .query_first("SELECT CONNECTION_ID()")
                .await
                .unwrap()
                .unwrap();
            (None, Some(c), id.to_string())
        }
    };
    let child = spawn(
        &dir,
        &db.url,
        &["apply", "--lock-timeout", "60", "--progress-every", "1s"],
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    // Still waiting: the index is not there yet (on Postgres: not valid yet).
    let exists = match e {
        Engine::Postgres => "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_a' AND i.indisvalid",
        Engine::Mariadb => "SELECT count(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'items_a'",
    };
    assert_eq!(scalar(e, &db.url, exists).await, "0");
    match (&pg_blocker, &mut my_blocker) {
        (Some(c), _) => c.batch_execute("COMMIT").await.unwrap(),
        (_, Some(c)) => c.query_drop("COMMIT").await.unwrap(),
        _ => unreachable!(),
    }
    let out = output_within(child, Duration::from_secs(60))
        .await
        .expect("apply finished once the transaction ended");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert_eq!(scalar(e, &db.url, exists).await, "1");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            l.contains("20260101000001_index_a.up.sql: statement 1 (line 1): still running after")
        })
        .collect();
    assert!(lines.len() >= 2, "no progress lines every second: {stderr}");
    match e {
        Engine::Postgres => assert!(
            lines.iter().any(|l| l
                .contains("waiting for transactions that started before it to end")
                && l.contains(&format!("blocked by session {blocker_id} ("))),
            "the lines do not name the lock and its holder {blocker_id}: {stderr}"
        ),
        Engine::Mariadb => assert!(
            lines
                .iter()
                .any(|l| l.contains("Waiting for table metadata lock")),
            "the lines do not say what the ALTER waits for (blocker {blocker_id}): {stderr}"
        ),
    }
    db.drop_db().await;
}

async fn round_trip_apply_status_rollback_apply(e: Engine) {
    let Some(db) = fresh(e, "roundtrip").await else {
        return;
    };
    let dir = TempDir::new();
    three_migrations(&dir);

    let out = ok(migrator(&dir, &db.url, &["status"]));
    assert!(out.contains("0 applied, 3 pending"), "{out}");
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert_eq!(out.matches("applied 2026").count(), 3, "{out}");
    let out = ok(migrator(&dir, &db.url, &["status"]));
    assert!(out.contains("3 applied, 0 pending"), "{out}");
    assert!(table_exists(e, &db.url, "b").await);
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM migrator_history WHERE status = 'applied'"
        )
        .await,
        "3"
    );

    let out = ok(migrator(&dir, &db.url, &["rollback"]));
    assert!(
        out.contains("rolled back 20260101000003_add_a_note"),
        "{out}"
    );
    let out = ok(migrator(&dir, &db.url, &["status", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(
        out.split("--- stdout\n")
            .nth(1)
            .unwrap()
            .split("--- stderr")
            .next()
            .unwrap(),
    )
    .unwrap();
    let states: Vec<&str> = json["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["applied", "applied", "pending"]);

    ok(migrator(&dir, &db.url, &["rollback", "--to", "0"]));
    assert!(!table_exists(e, &db.url, "a").await && !table_exists(e, &db.url, "b").await);
    let out = ok(migrator(&dir, &db.url, &["status"]));
    assert!(out.contains("0 applied, 3 pending"), "{out}");

    ok(migrator(&dir, &db.url, &["apply"]));
    let out = ok(migrator(&dir, &db.url, &["status"]));
    assert!(out.contains("3 applied, 0 pending"), "{out}");
    assert_eq!(scalar(e, &db.url, "SELECT count(*) FROM a").await, "1");
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(out.contains("nothing to apply (3 applied)"), "{out}");
    db.drop_db().await;
}

async fn edited_applied_file_is_refused(e: Engine) {
    let Some(db) = fresh(e, "edited").await else {
        return;
    };
    let dir = TempDir::new();
    three_migrations(&dir);
    ok(migrator(&dir, &db.url, &["apply"]));
    dir.write(
        "migrations/20260101000002_create_b.up.sql",
        "CREATE TABLE b (id BIGINT PRIMARY KEY);\n",
    );
    rehash(&dir);
    add(
        &dir,
        "20260101000004",
        "more",
        "CREATE TABLE c (id INT);\n",
        "DROP TABLE c;\n",
    );
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("20260101000002_create_b.up.sql: edited after it was applied"),
        "{out}"
    );
    assert!(!table_exists(e, &db.url, "c").await, "nothing ran");
    let out = fails(migrator(&dir, &db.url, &["verify"]), 2);
    assert!(
        out.contains("20260101000002_create_b.up.sql: edited after apply"),
        "{out}"
    );
    let out = fails(migrator(&dir, &db.url, &["status"]), 2);
    assert!(out.contains("edited after apply"), "{out}");
    db.drop_db().await;
}

async fn older_file_than_last_applied_is_refused(e: Engine) {
    let Some(db) = fresh(e, "older").await else {
        return;
    };
    let dir = TempDir::new();
    three_migrations(&dir);
    ok(migrator(&dir, &db.url, &["apply"]));
    add(
        &dir,
        "20251231000000",
        "late_branch",
        "CREATE TABLE late (id INT);\n",
        "DROP TABLE late;\n",
    );
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(out.contains("20251231000000_late_branch.up.sql: not applied, but older than the newest applied migration 20260101000003"), "{out}");
    assert!(!table_exists(e, &db.url, "late").await);
    db.drop_db().await;
}

async fn tampered_sum_is_refused_before_any_sql(e: Engine) {
    let Some(db) = fresh(e, "tampered").await else {
        return;
    };
    let dir = TempDir::new();
    three_migrations(&dir);
    let sum_path = dir.path().join("migrations/migrator.sum");
    let sum = std::fs::read_to_string(&sum_path).unwrap();
    // Replace one file's checksum by another's: the total line no longer matches.
    let lines: Vec<&str> = sum.lines().collect();
    let other = lines[2].split(' ').nth(1).unwrap();
    let tampered = sum.replace(lines[1].split(' ').nth(1).unwrap(), other);
    std::fs::write(&sum_path, tampered).unwrap();
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("migrator.sum: line 1: the total checksum does not match"),
        "{out}"
    );
    assert!(
        !table_exists(e, &db.url, "a").await && !table_exists(e, &db.url, "migrator_history").await,
        "no SQL ran"
    );
    fails(migrator(&dir, &db.url, &["verify"]), 2);

    // A file edited without rehash is named too.
    rehash(&dir);
    dir.write(
        "migrations/20260101000003_add_a_note.up.sql",
        "ALTER TABLE a ADD COLUMN other INT;\n",
    );
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("20260101000003_add_a_note.up.sql: changed since migrator.sum was written"),
        "{out}"
    );
    // And a file dropped in by hand.
    rehash(&dir);
    add(&dir, "20260101000009", "sneaky", "DROP TABLE a;\n", "\n");
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("20260101000009_sneaky.down.sql: not in migrator.sum"),
        "{out}"
    );
    assert!(!table_exists(e, &db.url, "a").await);
    db.drop_db().await;
}

async fn kill_9_mid_file_recovers(e: Engine) {
    let Some(db) = fresh(e, "kill9").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "slow",
        &format!(
            "CREATE TABLE first_half (id INT);\n{};\nCREATE TABLE second_half (id INT);\n",
            e.sleep_sql(3.0)
        ),
        "DROP TABLE second_half;\nDROP TABLE first_half;\n",
    );
    rehash(&dir);
    let mut child = command(&dir, &db.url, &["apply"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the sleep statement is running, then kill the runner outright.
    kill_while(
        e,
        &db.url,
        &mut child,
        "wait_event = 'PgSleep'",
        "SELECT SLEEP%",
    )
    .await;

    match e {
        Engine::Postgres => {
            // The transaction dies with the session: no table, no history row.
            tokio::time::sleep(Duration::from_millis(3500)).await;
            assert!(!table_exists(e, &db.url, "first_half").await);
            assert_eq!(
                scalar(e, &db.url, "SELECT count(*) FROM migrator_history").await,
                "0"
            );
        }
        Engine::Mariadb => {
            let out = fails(migrator(&dir, &db.url, &["status"]), 2);
            assert!(
                out.contains("partial") && out.contains("(1/3 statements applied"),
                "{out}"
            );
        }
    }
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    if e == Engine::Mariadb {
        assert!(out.contains("resumed at statement 2"), "{out}");
    }
    assert!(
        table_exists(e, &db.url, "first_half").await
            && table_exists(e, &db.url, "second_half").await
    );
    assert!(ok(migrator(&dir, &db.url, &["status"]))
        .contains("1 applied, 0 pending, 0 awaiting contract, 0 partial/failed"));
    db.drop_db().await;
}

/// Waits (20 s at most) until a statement matching the `LIKE` pattern (`pg` on Postgres, `my` on
/// MariaDB) runs in the test database, then kills `child` with SIGKILL.
async fn kill_while_running(
    e: Engine,
    url: &str,
    child: &mut std::process::Child,
    pg: &str,
    my: &str,
) {
    kill_while(e, url, child, &format!("query LIKE '{pg}'"), my).await
}

/// [`kill_while_running`] with a condition on `pg_stat_activity` on Postgres (statements of a
/// file travel in batches there: a batch's text is truncated, and starts with its first
/// statement).
async fn kill_while(
    e: Engine,
    url: &str,
    child: &mut std::process::Child,
    pg_condition: &str,
    my: &str,
) {
    let pg = pg_condition;
    let activity = match e {
        Engine::Postgres => format!("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND {pg}"),
        Engine::Mariadb => format!("SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE '{my}'"),
    };
    // One connection polls every 5 ms: a statement that runs for a fraction of a second must
    // not slip between two polls (a new connection per poll is slow on a loaded machine).
    let pg_poll = match e {
        Engine::Postgres => Some(pg_connect(url).await),
        Engine::Mariadb => None,
    };
    let my_poll = tokio::sync::Mutex::new(match e {
        Engine::Postgres => None,
        Engine::Mariadb => Some(mysql_connect(url).await),
    });
    let (pg_poll, my_poll, activity) = (&pg_poll, &my_poll, &activity);
    kill_when(
        child,
        &format!("the runner reaching a statement like {pg} / {my}"),
        (Duration::from_secs(20), Duration::from_millis(5)),
        || async move {
            let running: i64 = match pg_poll {
                Some(c) => c.query_one(activity.as_str(), &[]).await.unwrap().get(0),
                None => {
                    use mysql_async::prelude::Queryable;
                    let mut conn = my_poll.lock().await;
                    let conn = conn.as_mut().expect("a MariaDB poll connection");
                    conn.query_first(activity.as_str())
                        .await
                        .unwrap()
                        .unwrap_or(0)
                }
            };
            running > 0
        },
    )
    .await;
}

/// The server finishes a statement whose runner was killed while it ran; nobody records it.
/// The next run must neither stop on "already exists" (DDL, which cannot share a transaction
/// with its progress row) nor run a data change twice (DML, which does).
async fn kill_9_during_ddl_and_dml_statements_recovers(e: Engine) {
    let Some(db) = fresh(e, "inflight").await else {
        return;
    };
    let rows = 300_000;
    exec(
        e,
        &db.url,
        "CREATE TABLE big (id BIGINT PRIMARY KEY, v INT NOT NULL)",
    )
    .await;
    exec(
        e,
        &db.url,
        "CREATE TABLE copied (id BIGINT NOT NULL, v INT NOT NULL)",
    )
    .await;
    let fill = match e {
        Engine::Postgres => {
            format!("INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, {rows}) g")
        }
        Engine::Mariadb => format!("INSERT INTO big SELECT seq, seq % 1000 FROM seq_1_to_{rows}"),
    };
    exec(e, &db.url, &fill).await;
    let dir = TempDir::new();
    // A slow DDL statement, then (in a file run statement by statement on both servers) a slow
    // data change after a quick one.
    let (ddl, ddl_down, ddl_like) = match e {
        Engine::Postgres => (
            "CREATE INDEX CONCURRENTLY big_v_idx ON big (v, id);\n",
            "DROP INDEX CONCURRENTLY big_v_idx;\n",
            "CREATE INDEX CONCURRENTLY%",
        ),
        Engine::Mariadb => (
            "ALTER TABLE big ADD COLUMN w INT NULL, ALGORITHM=COPY;\n",
            "ALTER TABLE big DROP COLUMN w;\n",
            "ALTER TABLE big%",
        ),
    };
    add(&dir, "20260101000001", "slow_ddl", ddl, ddl_down);
    add(
        &dir,
        "20260101000002",
        "slow_dml",
        "-- migrator:no-transaction\nCREATE TABLE marker (id INT);\n\
         INSERT INTO copied SELECT id, v FROM big;\n",
        "DELETE FROM copied;\nDROP TABLE marker;\n",
    );
    rehash(&dir);

    let spawn = || {
        command(&dir, &db.url, &["apply"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut child = spawn();
    kill_while_running(e, &db.url, &mut child, ddl_like, ddl_like).await;
    // Partial: `status` says so with exit 2.
    let out = fails(migrator(&dir, &db.url, &["status"]), 2);
    assert!(
        out.contains("the runner stopped while this statement was running"),
        "{out}"
    );
    // The next runner waits for the dead one's statement, finds its work done, and goes on to
    // the data change: killed there too.
    let mut child = spawn();
    kill_while_running(
        e,
        &db.url,
        &mut child,
        "INSERT INTO copied%",
        "INSERT INTO copied%",
    )
    .await;
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(out.contains("resumed at statement 2"), "{out}");
    // The data change ran exactly once, the DDL once.
    assert_eq!(
        scalar(e, &db.url, "SELECT count(*) FROM copied").await,
        rows.to_string()
    );
    let ddl_done = match e {
        Engine::Postgres => "SELECT count(*) FROM pg_indexes WHERE indexname = 'big_v_idx'",
        Engine::Mariadb => "SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'big' AND COLUMN_NAME = 'w'",
    };
    assert_eq!(scalar(e, &db.url, ddl_done).await, "1");
    assert!(ok(migrator(&dir, &db.url, &["status"]))
        .contains("2 applied, 0 pending, 0 awaiting contract, 0 partial/failed"));
    db.drop_db().await;
}

async fn lock_timeout_gives_up_retries_and_does_not_block_others(e: Engine) {
    let Some(db) = fresh(e, "locktimeout").await else {
        return;
    };
    match e {
        Engine::Postgres => {
            pg_exec(
                &db.url,
                "CREATE TABLE busy (id INT PRIMARY KEY); INSERT INTO busy VALUES (1)",
            )
            .await
        }
        Engine::Mariadb => {
            mysql_exec(&db.url, "CREATE TABLE busy (id INT PRIMARY KEY)").await;
            mysql_exec(&db.url, "INSERT INTO busy VALUES (1)").await;
        }
    }
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "alter_busy",
        "ALTER TABLE busy ADD COLUMN extra INT;\n",
        "ALTER TABLE busy DROP COLUMN extra;\n",
    );
    rehash(&dir);

    // A long transaction that has read the table holds a lock the ALTER needs, for 4 s.
    let holder_url = db.url.clone();
    let holder = tokio::spawn(async move {
        match e {
            Engine::Postgres => {
                let c = pg_connect(&holder_url).await;
                c.batch_execute("BEGIN; SELECT * FROM busy; SELECT pg_sleep(4); COMMIT")
                    .await
                    .unwrap();
            }
            Engine::Mariadb => {
                use mysql_async::prelude::*;
                let mut c = mysql_connect(&holder_url).await;
                c.query_drop("START TRANSACTION").await.unwrap();
                c.query_drop("SELECT * FROM busy").await.unwrap();
                c.query_drop("DO SLEEP(4)").await.unwrap();
                c.query_drop("COMMIT").await.unwrap();
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Other sessions keep reading the table while the migration waits and retries.
    let reader_url = db.url.clone();
    let reader = tokio::spawn(async move {
        let mut worst = Duration::ZERO;
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            let t = Instant::now();
            assert_eq!(
                scalar(e, &reader_url, "SELECT count(*) FROM busy").await,
                "1"
            );
            worst = worst.max(t.elapsed());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        worst
    });
    let dir_path = dir.path().to_path_buf();
    let url = db.url.clone();
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        migrator(
            &dir_path,
            &url,
            &["apply", "--lock-timeout", "0.5", "--lock-retries", "20"],
        )
    })
    .await
    .unwrap();
    let out = ok(out);
    let took = started.elapsed();
    holder.await.unwrap();
    let worst = reader.await.unwrap();
    assert!(
        out.contains("could not get its lock within"),
        "the ALTER gave up and retried:\n{out}"
    );
    assert!(out.contains("lock-timeout retr"), "{out}");
    assert!(
        took >= Duration::from_secs(3),
        "it waited for the long transaction ({took:?})"
    );
    // A reader can queue behind the waiting ALTER, but never longer than one lock timeout
    // (MariaDB's lock_wait_timeout has whole-second granularity) plus scheduling slack.
    let bound = match e {
        Engine::Postgres => Duration::from_millis(1500),
        Engine::Mariadb => Duration::from_millis(2500),
    };
    assert!(worst < bound, "readers were blocked for {worst:?}");
    let column = match e {
        Engine::Postgres => "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'extra'",
        Engine::Mariadb => "SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'busy' AND COLUMN_NAME = 'extra'",
    };
    assert_eq!(scalar(e, &db.url, column).await, "1");
    db.drop_db().await;
}

async fn baseline_and_repair(e: Engine) {
    let Some(db) = fresh(e, "baseline").await else {
        return;
    };
    let dir = TempDir::new();
    three_migrations(&dir);
    // The database already has the first two migrations' schema, made by another tool.
    for sql in [
        "CREATE TABLE a (id BIGINT PRIMARY KEY, v VARCHAR(20))",
        "CREATE TABLE b (id BIGINT PRIMARY KEY, a_id BIGINT NOT NULL REFERENCES a (id))",
    ] {
        match e {
            Engine::Postgres => pg_exec(&db.url, sql).await,
            Engine::Mariadb => mysql_exec(&db.url, sql).await,
        }
    }
    let out = ok(migrator(&dir, &db.url, &["baseline", "20260101000002"]));
    assert!(out.contains("recorded 2 migration(s)"), "{out}");
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(
        out.contains("applied 20260101000003_add_a_note") && !out.contains("create_a"),
        "{out}"
    );
    let out = fails(migrator(&dir, &db.url, &["baseline", "20260101000002"]), 1);
    assert!(
        out.contains("baseline only adopts a database that migrator never touched"),
        "{out}"
    );
    let out = fails(migrator(&dir, &db.url, &["repair", "20260101000003"]), 1);
    assert!(out.contains("is applied, not partial"), "{out}");
    db.drop_db().await;
}

/// A down file that stopped half-way leaves a schema that is neither version: `apply` must not
/// run later migrations on top of it, and must say how to finish (rollback / repair).
async fn apply_refuses_to_run_on_top_of_a_half_rolled_back_migration(e: Engine) {
    let Some(db) = fresh(e, "rbpartial").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "create_a",
        "CREATE TABLE a (id BIGINT PRIMARY KEY);\n",
        "DROP TABLE a;\n",
    );
    // Statement by statement on both servers: the second down statement fails after the first.
    add(
        &dir,
        "20260101000002",
        "add_note",
        "ALTER TABLE a ADD COLUMN note VARCHAR(10);\nALTER TABLE a ADD COLUMN tag VARCHAR(10);\n",
        "-- migrator:no-transaction\nALTER TABLE a DROP COLUMN tag;\nALTER TABLE no_such_table DROP COLUMN note;\n",
    );
    rehash(&dir);
    ok(migrator(&dir, &db.url, &["apply"]));
    let out = fails(migrator(&dir, &db.url, &["rollback"]), 1);
    assert!(out.contains("rollback-partial"), "{out}");
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT status FROM migrator_history WHERE version = 20260101000002"
        )
        .await,
        "rollback-partial"
    );
    // A later migration arrives; apply must refuse before running anything.
    add(
        &dir,
        "20260101000003",
        "create_c",
        "CREATE TABLE c (id BIGINT PRIMARY KEY);\n",
        "DROP TABLE c;\n",
    );
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("20260101000002_add_note.down.sql")
            && out.contains("its rollback stopped after 1 of the down file's statements")
            && out.contains("migrator rollback")
            && out.contains("migrator repair 20260101000002"),
        "{out}"
    );
    assert!(
        !table_exists(e, &db.url, "c").await,
        "apply ran a migration on top of a half-rolled-back one"
    );
    db.drop_db().await;
}

/// MariaDB commits DDL statement by statement: a failure in the middle leaves a partial file
/// that the next run resumes after proving the applied statements are unchanged.
#[tokio::test(flavor = "multi_thread")]
async fn mariadb_partial_file_resumes_at_the_failed_statement() {
    let e = Engine::Mariadb;
    let Some(db) = fresh(e, "partial").await else {
        return;
    };
    let dir = TempDir::new();
    let good = "CREATE TABLE p1 (id INT PRIMARY KEY);\nCREATE TABLE p2 (id INT PRIMARY KEY);\n";
    let tail = "CREATE TABLE p4 (id INT PRIMARY KEY);\nCREATE TABLE p5 (id INT PRIMARY KEY);\n";
    let file = "migrations/20260101000001_five.up.sql";
    add(
        &dir,
        "20260101000001",
        "five",
        &format!("{good}ALTER TABLE missing_table ADD COLUMN x INT;\n{tail}"),
        "DROP TABLE p5;\nDROP TABLE p4;\nDROP TABLE p3;\nDROP TABLE p2;\nDROP TABLE p1;\n",
    );
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("20260101000001_five.up.sql: statement 3 of 5 (line 3) failed"),
        "{out}"
    );
    assert!(
        out.contains("missing_table") && out.contains("error 1146"),
        "server message shown: {out}"
    );
    assert!(out.contains("resumes at statement 3"), "{out}");
    let out = fails(migrator(&dir, &db.url, &["status"]), 2);
    assert!(
        out.contains("partial") && out.contains("(2/5 statements applied"),
        "{out}"
    );
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT concat(status, ' ', statements_applied) FROM migrator_history"
        )
        .await,
        "partial 2"
    );

    // Editing an applied statement is refused, naming it.
    dir.write(file, &format!("CREATE TABLE p1 (id BIGINT PRIMARY KEY);\nCREATE TABLE p2 (id INT PRIMARY KEY);\nCREATE TABLE p3 (id INT PRIMARY KEY);\n{tail}"));
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(out.contains("statement 1 (line 1) was changed"), "{out}");
    assert!(
        out.contains("migrator repair 20260101000001"),
        "says what to do: {out}"
    );

    // The fix of statement 3 alone resumes there.
    dir.write(
        file,
        &format!("{good}CREATE TABLE p3 (id INT PRIMARY KEY);\n{tail}"),
    );
    rehash(&dir);
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(out.contains("resumed at statement 3"), "{out}");
    for t in ["p1", "p2", "p3", "p4", "p5"] {
        assert!(table_exists(e, &db.url, t).await, "{t}");
    }
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT concat(status, ' ', statements_applied) FROM migrator_history"
        )
        .await,
        "applied 5"
    );
    db.drop_db().await;
}

/// Applies `20260101000001_ok` (`CREATE TABLE kept (id INT)` then `kept_extra`) and
/// `20260101000002_<name>` (`up`, undone by `down`) to a fresh Postgres database; the second file
/// must fail. Returns the database and the command's output.
async fn pg_apply_failing_second_file(
    db_name: &str,
    kept_extra: &str,
    name: &str,
    up: &str,
    down: &str,
) -> Option<(TestDb, String)> {
    let db = fresh(Engine::Postgres, db_name).await?;
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "ok",
        &format!("CREATE TABLE kept (id INT);\n{kept_extra}"),
        "DROP TABLE kept;\n",
    );
    add(&dir, "20260101000002", name, up, down);
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    Some((db, out))
}

/// Nothing of the failed second file is left: `table` (which it created) is absent, `kept`
/// holds `kept_rows` rows, and the history lists the first file only.
async fn assert_second_file_left_nothing(url: &str, table: &str, kept_rows: &str) {
    let e = Engine::Postgres;
    assert!(!table_exists(e, url, table).await, "{table} exists");
    assert_eq!(scalar(e, url, "SELECT count(*) FROM kept").await, kept_rows);
    assert_eq!(
        scalar(
            e,
            url,
            "SELECT string_agg(version::text, ',') FROM migrator_history"
        )
        .await,
        "20260101000001"
    );
}

/// Postgres runs a file in one transaction: a failure leaves nothing behind.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_failing_file_leaves_no_trace() {
    let Some((db, out)) = pg_apply_failing_second_file("notrace", "", "broken", "CREATE TABLE t1 (id INT);\nINSERT INTO kept VALUES (1);\n\nALTER TABLE no_such_table ADD COLUMN x INT;\n", "DROP TABLE t1;\n").await else {
        return;
    };
    assert!(
        out.contains("20260101000002_broken.up.sql: statement 3 of 3 (line 4) failed"),
        "{out}"
    );
    assert!(
        out.contains("relation \"no_such_table\" does not exist (SQLSTATE 42P01)"),
        "{out}"
    );
    assert!(out.contains("nothing of it was applied"), "{out}");
    assert_second_file_left_nothing(&db.url, "t1", "0").await;
    db.drop_db().await;
}

/// The history row is written in the file's transaction, in the same round trip as its COMMIT:
/// when the row cannot be written, the COMMIT rolls the whole file back.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_history_row_failure_rolls_the_file_back() {
    // Its own history row violates the check it adds (NOT VALID: earlier rows are not checked).
    let Some((db, out)) = pg_apply_failing_second_file("historyfail", "", "rejects_its_row", "CREATE TABLE t2 (id INT);\nINSERT INTO kept VALUES (1);\nALTER TABLE migrator_history ADD CONSTRAINT no_more CHECK (version < 20260101000002) NOT VALID;\n", "DROP TABLE t2;\n").await else {
        return;
    };
    assert!(out.contains("writing migrator_history"), "{out}");
    assert!(out.contains("no_more"), "{out}");
    assert_second_file_left_nothing(&db.url, "t2", "0").await;
    let check = "SELECT count(*) FROM pg_constraint WHERE conname = 'no_more'";
    assert_eq!(scalar(Engine::Postgres, &db.url, check).await, "0");
    db.drop_db().await;
}

/// A file whose first statement is a validation (run with a long statement timeout, so not
/// sent together with BEGIN) still runs in the file's transaction.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_validate_first_still_runs_in_the_transaction() {
    let Some((db, out)) = pg_apply_failing_second_file("validatefirst", "INSERT INTO kept VALUES (1);\nALTER TABLE kept ADD CONSTRAINT kept_pos CHECK (id > 0) NOT VALID;\n", "validate_then_fail", "ALTER TABLE kept VALIDATE CONSTRAINT kept_pos;\nCREATE TABLE t3 (id INT);\nALTER TABLE no_such_table ADD COLUMN x INT;\n", "DROP TABLE t3;\n").await else {
        return;
    };
    assert!(out.contains("statement 3 of 3"), "{out}");
    assert_second_file_left_nothing(&db.url, "t3", "1").await;
    // The validation was rolled back with the rest of the file.
    let validated = "SELECT convalidated::text FROM pg_constraint WHERE conname = 'kept_pos'";
    assert_eq!(scalar(Engine::Postgres, &db.url, validated).await, "false");
    db.drop_db().await;
}

/// `CONCURRENTLY` cannot run in a transaction: such a file runs statement by statement.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_concurrently_runs_outside_a_transaction() {
    let e = Engine::Postgres;
    let Some(db) = fresh(e, "concurrently").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "t",
        "CREATE TABLE t (id INT, v TEXT);\n",
        "DROP TABLE t;\n",
    );
    add(
        &dir,
        "20260101000002",
        "idx",
        "CREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n",
        "DROP INDEX CONCURRENTLY t_v_idx;\n",
    );
    rehash(&dir);
    ok(migrator(&dir, &db.url, &["apply"]));
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 't_v_idx'"
        )
        .await,
        "1"
    );
    ok(migrator(&dir, &db.url, &["rollback"]));
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 't_v_idx'"
        )
        .await,
        "0"
    );
    db.drop_db().await;
}

/// Contract migrations wait for `--contract`.
#[tokio::test(flavor = "multi_thread")]
async fn contract_waits_for_the_flag() {
    let e = Engine::Postgres;
    let Some(db) = fresh(e, "contract").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "expand",
        "CREATE TABLE t (id INT, old_col INT, new_col INT);\n",
        "DROP TABLE t;\n",
    );
    add(
        &dir,
        "20260101000002",
        "contract",
        "-- migrator:phase contract\nALTER TABLE t DROP COLUMN old_col;\n",
        "-- migrator:phase contract\nALTER TABLE t ADD COLUMN old_col INT;\n",
    );
    rehash(&dir);
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(
        out.contains("stopped before contract migration 20260101000002_contract"),
        "{out}"
    );
    let out = ok(migrator(&dir, &db.url, &["status"]));
    assert!(
        out.contains("awaiting contract") && out.contains("1 awaiting contract"),
        "{out}"
    );
    let out = ok(migrator(&dir, &db.url, &["apply", "--contract"]));
    assert!(
        out.contains("applied 20260101000002_contract [contract]"),
        "{out}"
    );
    db.drop_db().await;
}

/// No output of any command contains the password of the URL, errors included.
#[tokio::test(flavor = "multi_thread")]
async fn password_never_printed() {
    let Some(url) = pg_url() else { return };
    let password = url
        .split("://")
        .nth(1)
        .unwrap()
        .split('@')
        .next()
        .unwrap()
        .split(':')
        .nth(1)
        .unwrap_or("")
        .to_string();
    assert!(password.len() >= 4, "the test server URL has a password");
    let dir = TempDir::new();
    three_migrations(&dir);
    let bad_db = url_with_database(&url, "no_such_database_here");
    let wrong_pw = url.replacen(&format!(":{password}@"), ":wrong-password@", 1);
    let unreachable = url
        .replacen("127.0.0.1", "127.0.0.1:1", 1)
        .replacen(":1:", ":", 1);
    for u in [&url, &bad_db, &wrong_pw, &unreachable] {
        for args in [
            &["status"][..],
            &["apply"],
            &["status", "--format", "json"],
            &["apply", "-vv"],
        ] {
            let o = migrator(&dir, u, args);
            let t = text(&o);
            assert!(!t.contains(&password), "password printed by {args:?}:\n{t}");
        }
    }
    let out = fails(migrator(&dir, &bad_db, &["status"]), 1);
    assert!(
        out.contains("cannot connect to postgres://") && out.contains(":***@"),
        "{out}"
    );
}

/// A deploy user without CREATE / ALTER privileges: once the bookkeeping tables exist, its
/// failure names the migration's own statement (not the history table).
#[tokio::test(flavor = "multi_thread")]
async fn mariadb_restricted_user_fails_on_its_own_statement() {
    let e = Engine::Mariadb;
    let Some(db) = fresh(e, "restricted").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "a",
        "CREATE TABLE a (id INT PRIMARY KEY);\n",
        "DROP TABLE a;\n",
    );
    rehash(&dir);
    ok(migrator(&dir, &db.url, &["apply"]));
    let user = format!("r{}", std::process::id());
    mysql_exec(
        &db.url,
        &format!("CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY 'restricted-pw'"),
    )
    .await;
    mysql_exec(
        &db.url,
        &format!("CREATE USER '{user}'@'localhost' IDENTIFIED BY 'restricted-pw'"),
    )
    .await;
    for host in ["127.0.0.1", "localhost"] {
        mysql_exec(
            &db.url,
            &format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON `{}`.* TO '{user}'@'{host}'",
                db.name
            ),
        )
        .await;
    }
    let (_, path) = db.url.rsplit_once('@').unwrap();
    let restricted = format!("mysql://{user}:restricted-pw@{path}");
    add(
        &dir,
        "20260101000002",
        "b",
        "CREATE TABLE b (id INT PRIMARY KEY);\n",
        "DROP TABLE b;\n",
    );
    rehash(&dir);
    let out = fails(migrator(&dir, &restricted, &["apply"]), 1);
    assert!(
        out.contains("20260101000002_b.up.sql: statement 1 of 1 (line 1) failed"),
        "{out}"
    );
    assert!(out.contains("denied"), "{out}");
    assert!(!out.contains("restricted-pw"), "{out}");
    for host in ["127.0.0.1", "localhost"] {
        mysql_exec(&db.url, &format!("DROP USER '{user}'@'{host}'")).await;
    }
    db.drop_db().await;
}

/// `20260101000001_create_big`: the table the files of many `INSERT`s fill, applied; then a
/// counter of `migrator_history` writes (a trigger per write, in the writer's transaction): a
/// file of many data changes records its progress once per group of statements, not per
/// statement.
async fn big_table_with_history_counter(e: Engine, dir: &TempDir, url: &str) {
    add(
        dir,
        "20260101000001",
        "create_big",
        "CREATE TABLE big (id INT PRIMARY KEY, v INT NOT NULL);\n",
        "DROP TABLE big;\n",
    );
    rehash(dir);
    ok(migrator(dir, url, &["apply"]));
    exec(e, url, "CREATE TABLE history_writes (n INT NOT NULL)").await;
    match e {
        Engine::Postgres => {
            exec(e, url, "CREATE FUNCTION count_history_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO history_writes VALUES (1); RETURN NULL; END $$").await;
            exec(e, url, "CREATE TRIGGER count_history_writes AFTER INSERT OR UPDATE ON migrator_history FOR EACH ROW EXECUTE FUNCTION count_history_write()").await;
        }
        Engine::Mariadb => {
            exec(e, url, "CREATE TRIGGER history_inserts AFTER INSERT ON migrator_history FOR EACH ROW INSERT INTO history_writes VALUES (1)").await;
            exec(e, url, "CREATE TRIGGER history_updates AFTER UPDATE ON migrator_history FOR EACH ROW INSERT INTO history_writes VALUES (1)").await;
        }
    }
}

/// `n` single-row `INSERT`s into `big` (ids 1..=n), statement `i` (1-based) replaced by
/// `replace(i)` when it says so. On Postgres the file says `no-transaction`, so it runs statement
/// by statement there too.
fn many_inserts(e: Engine, n: usize, replace: impl Fn(usize) -> Option<String>) -> String {
    let mut sql = String::new();
    if e == Engine::Postgres {
        sql.push_str("-- migrator:no-transaction\n");
    }
    for i in 1..=n {
        match replace(i) {
            Some(s) => sql.push_str(&s),
            None => sql.push_str(&format!("INSERT INTO big (id, v) VALUES ({i}, {i})")),
        }
        sql.push_str(";\n");
    }
    sql
}

/// Status and statements applied of the fill file's history row, and the rows of `big` as
/// `count distinct-ids max-id`.
async fn fill_state(e: Engine, url: &str) -> (String, String) {
    let history = scalar(
        e,
        url,
        "SELECT concat(status, ' ', statements_applied) FROM migrator_history WHERE name = 'fill_big'",
    )
    .await;
    let rows = scalar(
        e,
        url,
        "SELECT concat(count(*), ' ', count(DISTINCT id), ' ', coalesce(max(id), 0)) FROM big",
    )
    .await;
    (history, rows)
}

/// A file of 3,000 `INSERT`s runs in groups of data changes, each committed with its progress
/// row. Statement 1,700 (in the middle of a group) fails: the group is rolled back and run again
/// up to it, so the history records exactly statements 1-1,699, the table holds exactly their
/// rows, and after the fix `apply` resumes at statement 1,700 and ends with every row once.
async fn many_inserts_failing_mid_group_resume_at_the_failed_statement(e: Engine) {
    let Some(db) = fresh(e, "bigfail").await else {
        return;
    };
    let dir = TempDir::new();
    big_table_with_history_counter(e, &dir, &db.url).await;
    let (n, bad) = (3000, 1700);
    // A duplicate key: the server refuses it, whatever runs before it in the group.
    add(
        &dir,
        "20260101000002",
        "fill_big",
        &many_inserts(e, n, |i| {
            (i == bad).then(|| "INSERT INTO big (id, v) VALUES (5, 0)".to_string())
        }),
        "DELETE FROM big;\n",
    );
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains(&format!(
            "20260101000002_fill_big.up.sql: statement {bad} of {n}"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("statements 1-{} ran and are recorded", bad - 1))
            && out.contains(&format!("resumes at statement {bad}")),
        "{out}"
    );
    assert_eq!(
        fill_state(e, &db.url).await,
        (
            format!("partial {}", bad - 1),
            format!("{0} {0} {0}", bad - 1)
        )
    );
    // Progress was recorded per group, not per statement (which wrote it 1,700 times or more).
    let writes: usize = scalar(e, &db.url, "SELECT count(*) FROM history_writes")
        .await
        .parse()
        .unwrap();
    assert!(writes < 100, "{writes} history writes for {bad} statements");

    let file = "migrations/20260101000002_fill_big.up.sql";
    dir.write(file, &many_inserts(e, n, |_| None));
    rehash(&dir);
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(
        out.contains(&format!("resumed at statement {bad}")),
        "{out}"
    );
    assert_eq!(
        fill_state(e, &db.url).await,
        (format!("applied {n}"), format!("{n} {n} {n}"))
    );
    db.drop_db().await;
}

/// A runner killed with SIGKILL in the middle of a group of data changes: the server rolls the
/// group back, the history records exactly the statements committed before it, and the next run
/// resumes there, ending with every row once.
async fn kill_9_mid_group_of_inserts_loses_the_group_only(e: Engine) {
    let Some(db) = fresh(e, "bigkill").await else {
        return;
    };
    let dir = TempDir::new();
    big_table_with_history_counter(e, &dir, &db.url).await;
    let (n, slow) = (4000, 1500);
    // A data change that takes 3 s, in a group: the runner is killed while it runs.
    let sleeper = match e {
        Engine::Postgres => format!("INSERT INTO big (id, v) SELECT {slow}, 0 FROM pg_sleep(3)"),
        Engine::Mariadb => format!("INSERT INTO big (id, v) SELECT {slow}, SLEEP(3)"),
    };
    add(
        &dir,
        "20260101000002",
        "fill_big",
        &many_inserts(e, n, |i| (i == slow).then(|| sleeper.clone())),
        "DELETE FROM big;\n",
    );
    rehash(&dir);
    let mut child = command(&dir, &db.url, &["apply"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Anchored so that the polling query (whose text holds the pattern) never matches.
    kill_while(
        e,
        &db.url,
        &mut child,
        "wait_event = 'PgSleep'",
        "INSERT INTO big%SLEEP(3)",
    )
    .await;
    // The dead session's statement finishes, then its open transaction is rolled back.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let (history, rows) = fill_state(e, &db.url).await;
    let applied: usize = history
        .strip_prefix("partial ")
        .unwrap_or_else(|| panic!("{history}"))
        .parse()
        .unwrap();
    assert!(applied < slow, "{history}");
    assert_eq!(rows, format!("{applied} {applied} {applied}"), "{history}");
    let writes: usize = scalar(e, &db.url, "SELECT count(*) FROM history_writes")
        .await
        .parse()
        .unwrap();
    assert!(
        writes < 100,
        "{writes} history writes for {applied} statements"
    );

    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(
        out.contains(&format!("resumed at statement {}", applied + 1)),
        "{out}"
    );
    assert_eq!(
        fill_state(e, &db.url).await,
        (format!("applied {n}"), format!("{n} {n} {n}"))
    );
    db.drop_db().await;
}
