//! The batched backfill executor (`-- migrator:backfill table=T key=K batch=N`), end to end: the
//! `migrator` binary against real Postgres and MariaDB servers. Each case runs on both servers
//! (`postgres::` / `mariadb::`).

use migrator_tests::cli::*;
use migrator_tests::on_both;
use migrator_tests::*;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// `migrator apply --format json ARGS`, successful; returns the report.
#[track_caller]
fn apply_json(dir: &TempDir, url: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["apply", "--format", "json"];
    all.extend_from_slice(args);
    let o = migrator(dir, url, &all);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)))
}

on_both!(
    twenty_thousand_rows_in_twenty_batches,
    kill_9_resumes_after_the_stored_key,
    table_without_usable_key_is_refused,
    text_primary_key,
    concurrent_writer_sees_no_errors,
    locked_batch_is_retried_not_skipped,
    lost_connection_before_the_first_batch_says_rerun,
);

async fn twenty_thousand_rows_in_twenty_batches(e: Engine) {
    let Some(db) = fresh(e, "bf_twenty").await else {
        return;
    };
    let dir = items_project(e, &db.url, 20_000, 1000).await;
    let report = apply_json(&dir, &db.url, &[]);
    let applied = report["applied"].as_array().expect("applied list");
    assert_eq!(applied.len(), 2, "{report}");
    let bf = &applied[1];
    assert_eq!(bf["phase"], "backfill", "{report}");
    assert_eq!(bf["rows"], 20_000, "{report}");
    assert_eq!(bf["batches"], 20, "{report}");
    assert!(bf.get("resumed_after_key").is_none(), "{report}");
    assert!(applied[0].get("rows").is_none(), "{report}");

    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM items WHERE total IS NULL OR total <> a * 10 + b OR touched <> 1"
        )
        .await,
        "0"
    );
    assert_eq!(
        scalar(
            e,
            &db.url,
            &format!("SELECT status FROM migrator_history WHERE version = {BACKFILL_VERSION}")
        )
        .await,
        "applied"
    );
    let progress = scalar(
        e,
        &db.url,
        &format!("SELECT concat(rows_done, ' ', batches, ' ', last_key, ' ', CASE WHEN finished_at IS NULL THEN 'running' ELSE 'finished' END) FROM migrator_backfill WHERE version = {BACKFILL_VERSION}"),
    )
    .await;
    assert_eq!(progress, "20000 20 20000 finished");
    // The text output says it too; and a second apply has nothing to do.
    let out = ok(migrator(&dir, &db.url, &["status"]));
    assert!(out.contains("2 applied, 0 pending"), "{out}");
    let out = ok(migrator(&dir, &db.url, &["apply"]));
    assert!(out.contains("nothing to apply"), "{out}");

    // --batch-size overrides the file: roll back, apply again with 4000 rows per batch.
    ok(migrator(&dir, &db.url, &["rollback"]));
    exec(e, &db.url, "UPDATE items SET touched = 0").await;
    let report = apply_json(&dir, &db.url, &["--batch-size", "4000"]);
    assert_eq!(report["applied"][0]["batches"], 5, "{report}");
    assert_eq!(report["applied"][0]["rows"], 20_000, "{report}");
    assert_eq!(
        scalar(e, &db.url, "SELECT count(*) FROM items WHERE touched <> 1").await,
        "0"
    );
    db.drop_db().await;
}

async fn kill_9_resumes_after_the_stored_key(e: Engine) {
    let Some(db) = fresh(e, "bf_kill9").await else {
        return;
    };
    let dir = items_project(e, &db.url, 20_000, 1000).await;
    let mut child = command(&dir, &db.url, &["apply", "--pause", "0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let batches_sql = format!(
        "SELECT CAST(batches AS CHAR) FROM migrator_backfill WHERE version = {BACKFILL_VERSION}"
    );
    let batches_sql = match e {
        Engine::Postgres => batches_sql.replace("CAST(batches AS CHAR)", "batches::text"),
        Engine::Mariadb => batches_sql,
    };
    let (url, sql) = (&db.url, &batches_sql);
    kill_when(
        &mut child,
        "the backfill reaching 3 batches",
        (Duration::from_secs(30), Duration::from_millis(20)),
        || async move {
            let n: Option<u64> = try_scalar(e, url, sql).await.and_then(|s| s.parse().ok());
            n.unwrap_or(0) >= 3
        },
    )
    .await;
    // Let the server notice the dead session (a statement in flight commits or rolls back).
    tokio::time::sleep(Duration::from_millis(500)).await;

    let last_key = scalar(
        e,
        &db.url,
        &format!("SELECT last_key FROM migrator_backfill WHERE version = {BACKFILL_VERSION}"),
    )
    .await;
    let done_before: u64 = last_key.parse().unwrap();
    assert!(
        (3000..20_000).contains(&done_before),
        "killed after {done_before} rows"
    );
    // Exactly the rows up to the stored key are done, each once.
    assert_eq!(
        scalar(e, &db.url, "SELECT count(*) FROM items WHERE touched = 1").await,
        done_before.to_string()
    );
    let out = fails(migrator(&dir, &db.url, &["status"]), 2);
    assert!(out.contains("partial"), "{out}");

    // An edited UPDATE is refused before anything runs; restored, the backfill resumes.
    let file = format!("migrations/{BACKFILL_VERSION}_backfill_total.up.sql");
    let original = std::fs::read_to_string(dir.path().join(&file)).unwrap();
    dir.write(&file, &original.replace("a * 10 + b", "a * 10 + b + 1"));
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("was changed after its backfill started") && out.contains("migrator repair"),
        "{out}"
    );
    dir.write(&file, &original);
    rehash(&dir);

    let report = apply_json(&dir, &db.url, &[]);
    let bf = &report["applied"][0];
    assert_eq!(bf["version"], BACKFILL_VERSION, "{report}");
    assert_eq!(bf["resumed_after_key"], last_key.as_str(), "{report}");
    assert_eq!(bf["rows"], 20_000, "{report}");
    assert_eq!(bf["batches"], 20, "{report}");
    // Every row updated exactly once: the batches done before the kill were not re-run.
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM items WHERE touched <> 1 OR total <> a * 10 + b"
        )
        .await,
        "0"
    );
    assert_eq!(
        scalar(
            e,
            &db.url,
            &format!("SELECT status FROM migrator_history WHERE version = {BACKFILL_VERSION}")
        )
        .await,
        "applied"
    );
    db.drop_db().await;
}

async fn table_without_usable_key_is_refused(e: Engine) {
    let Some(db) = fresh(e, "bf_nokey").await else {
        return;
    };
    exec(
        e,
        &db.url,
        "CREATE TABLE nokey (a INT NOT NULL, b INT NOT NULL, total INT NULL)",
    )
    .await;
    exec(
        e,
        &db.url,
        "INSERT INTO nokey (a, b) VALUES (1, 2), (3, 4), (5, 6)",
    )
    .await;
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "backfill_nokey",
        "-- migrator:phase backfill\n-- migrator:backfill table=nokey key=a\nUPDATE nokey SET total = a + b;\n",
        "UPDATE nokey SET total = NULL;\n",
    );
    rehash(&dir);
    let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
    assert!(
        out.contains("cannot backfill table") && out.contains("nokey") && out.contains("key=a"),
        "{out}"
    );
    assert!(
        out.contains("no primary key") && out.contains("add a primary key"),
        "{out}"
    );
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM nokey WHERE total IS NOT NULL"
        )
        .await,
        "0"
    );
    assert_eq!(
        scalar(e, &db.url, "SELECT count(*) FROM migrator_history").await,
        "0"
    );
    let out = ok(migrator(&dir, &db.url, &["status"]));
    assert!(out.contains("0 applied, 1 pending"), "{out}");

    // A composite primary key's later column, a missing column and a nullable unique key are
    // refused too, naming the usable key when there is one.
    exec(e, &db.url, "CREATE TABLE pairs (x INT NOT NULL, y INT NOT NULL, u INT NULL UNIQUE, total INT NULL, PRIMARY KEY (x, y))").await;
    exec(e, &db.url, "INSERT INTO pairs (x, y) VALUES (1, 1), (1, 2)").await;
    for (key, needle) in [
        ("y", "not its first column"),
        ("nope", "no column nope"),
        ("u", "unique but nullable"),
    ] {
        let dir = TempDir::new();
        add(
            &dir,
            "20260101000001",
            "backfill_pairs",
            &format!("-- migrator:phase backfill\n-- migrator:backfill table=pairs key={key}\nUPDATE pairs SET total = x + y;\n"),
            "UPDATE pairs SET total = NULL;\n",
        );
        rehash(&dir);
        let out = fails(migrator(&dir, &db.url, &["apply"]), 1);
        assert!(
            out.contains("cannot backfill table") && out.contains("pairs") && out.contains(needle),
            "{out}"
        );
    }
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM pairs WHERE total IS NOT NULL"
        )
        .await,
        "0"
    );

    // The composite key's first column is walked in ranges: batches of one key value (two
    // rows each here) still reach every row once.
    exec(
        e,
        &db.url,
        "INSERT INTO pairs (x, y) VALUES (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)",
    )
    .await;
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "backfill_pairs",
        "-- migrator:phase backfill\n-- migrator:backfill table=pairs key=x batch=1\nUPDATE pairs SET total = x + y;\n",
        "UPDATE pairs SET total = NULL;\n",
    );
    rehash(&dir);
    ok(migrator(&dir, &db.url, &["apply"]));
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM pairs WHERE total IS NULL OR total <> x + y"
        )
        .await,
        "0"
    );
    db.drop_db().await;
}

async fn text_primary_key(e: Engine) {
    let Some(db) = fresh(e, "bf_text").await else {
        return;
    };
    let (create, fill) = match e {
        Engine::Postgres => (
            "CREATE TABLE words (w TEXT PRIMARY KEY, n INT NOT NULL, len INT NULL, touched INT NOT NULL DEFAULT 0)",
            "INSERT INTO words (w, n) SELECT md5(g::text) || ' ''x''', g FROM generate_series(1, 3000) g",
        ),
        Engine::Mariadb => (
            "CREATE TABLE words (w VARCHAR(64) PRIMARY KEY, n INT NOT NULL, len INT NULL, touched INT NOT NULL DEFAULT 0)",
            "INSERT INTO words (w, n) SELECT concat(left(sha2(seq, 256), 32), ' ''x'''), seq FROM seq_1_to_3000",
        ),
    };
    exec(e, &db.url, create).await;
    exec(e, &db.url, fill).await;
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "backfill_len",
        "-- migrator:phase backfill\n-- migrator:backfill table=words key=w batch=100\n\
         UPDATE words AS x SET len = length(x.w) + n, touched = touched + 1 WHERE n > 0;\n",
        "UPDATE words SET len = NULL;\n",
    );
    rehash(&dir);
    let report = apply_json(&dir, &db.url, &[]);
    assert_eq!(report["applied"][0]["rows"], 3000, "{report}");
    assert_eq!(report["applied"][0]["batches"], 30, "{report}");
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM words WHERE touched <> 1 OR len IS NULL OR len <> length(w) + n"
        )
        .await,
        "0"
    );
    db.drop_db().await;
}

async fn concurrent_writer_sees_no_errors(e: Engine) {
    let Some(db) = fresh(e, "bf_writer").await else {
        return;
    };
    let dir = items_project(e, &db.url, 20_000, 500).await;
    // The expand step first (it adds `total`), then the new application version writes while
    // the backfill runs.
    ok(migrator(
        &dir,
        &db.url,
        &["apply", "--to", "20260101000001"],
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (url, stop) = (db.url.clone(), stop.clone());
        tokio::spawn(async move { write_while_backfilling(e, &url, &stop).await })
    };
    let mut child = command(&dir, &db.url, &["apply", "--pause", "0.02"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let out = child.wait_with_output().unwrap();
    stop.store(true, Ordering::SeqCst);
    let (ops, errors) = writer.await.unwrap();
    assert!(status.success(), "{}", text(&out));
    assert!(errors.is_empty(), "the writer saw errors: {errors:?}");
    assert!(ops > 20, "the writer ran only {ops} operations");
    // The application keeps `total` right for the rows it writes; the backfill did the rest.
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM items WHERE total IS NULL OR total <> a * 10 + b"
        )
        .await,
        "0"
    );
    db.drop_db().await;
}

/// The new application version at work: inserts rows and updates existing ones (keeping
/// `total` right itself), one short transaction each. Returns (operations, errors).
async fn write_while_backfilling(e: Engine, url: &str, stop: &AtomicBool) -> (usize, Vec<String>) {
    let mut errors = Vec::new();
    let mut ops = 0;
    let mut next_id = 1_000_000u64;
    let mut pg = None;
    let mut my = None;
    match e {
        Engine::Postgres => pg = Some(pg_connect(url).await),
        Engine::Mariadb => my = Some(mysql_connect(url).await),
    }
    while !stop.load(Ordering::SeqCst) {
        let id = 1 + rand::random::<u64>() % 20_000;
        let insert = format!("INSERT INTO items (id, a, b, total) VALUES ({next_id}, 5, 3, 53)");
        // `total` first: MySQL evaluates single-table assignments left to right.
        let update =
            format!("UPDATE items SET total = (a + 1) * 10 + b, a = a + 1 WHERE id = {id}");
        next_id += 1;
        for sql in [insert, update] {
            let result = match e {
                Engine::Postgres => pg
                    .as_ref()
                    .unwrap()
                    .batch_execute(&sql)
                    .await
                    .map_err(|e| format!("{sql}: {e:?}")),
                Engine::Mariadb => {
                    use mysql_async::prelude::Queryable;
                    my.as_mut()
                        .unwrap()
                        .query_drop(&sql)
                        .await
                        .map_err(|e| format!("{sql}: {e}"))
                }
            };
            ops += 1;
            if let Err(err) = result {
                errors.push(err);
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if let Some(c) = my {
        let _ = c.disconnect().await;
    }
    (ops, errors)
}

async fn locked_batch_is_retried_not_skipped(e: Engine) {
    let Some(db) = fresh(e, "bf_locked").await else {
        return;
    };
    let dir = items_project(e, &db.url, 5000, 1000).await;
    ok(migrator(
        &dir,
        &db.url,
        &["apply", "--to", "20260101000001"],
    ));
    // Another session holds a row of the third batch for 2.5 s.
    let hold = "UPDATE items SET b = b WHERE id = 2500";
    let mut pg = None;
    let mut my = None;
    match e {
        Engine::Postgres => {
            let c = pg_connect(&db.url).await;
            c.batch_execute(&format!("BEGIN; {hold}")).await.unwrap();
            pg = Some(c);
        }
        Engine::Mariadb => {
            use mysql_async::prelude::Queryable;
            let mut c = mysql_connect(&db.url).await;
            c.query_drop("START TRANSACTION").await.unwrap();
            c.query_drop(hold).await.unwrap();
            my = Some(c);
        }
    }
    let child = command(
        &dir,
        &db.url,
        &["apply", "--format", "json", "--lock-timeout", "0.5"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    if let Some(c) = &pg {
        c.batch_execute("COMMIT").await.unwrap();
    }
    if let Some(mut c) = my {
        use mysql_async::prelude::Queryable;
        c.query_drop("COMMIT").await.unwrap();
        let _ = c.disconnect().await;
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bf = &report["applied"][0];
    assert!(bf["retries"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(bf["rows"], 5000, "{report}");
    assert_eq!(bf["batches"], 5, "{report}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("batch 3 could not get its locks"),
        "{stderr}"
    );
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM items WHERE touched <> 1 OR total <> a * 10 + b"
        )
        .await,
        "0"
    );
    db.drop_db().await;
}

/// The runner's session is killed while its first batch waits for a lock: the message must say
/// the connection was lost and a plain re-run resumes (nothing to fix, nothing to rehash), and
/// the re-run must finish with every row updated exactly once.
async fn lost_connection_before_the_first_batch_says_rerun(e: Engine) {
    let Some(db) = fresh(e, "bf_lost").await else {
        return;
    };
    let dir = items_project(e, &db.url, 3000, 1000).await;
    ok(migrator(
        &dir,
        &db.url,
        &["apply", "--to", "20260101000001"],
    ));
    // Another session holds a row of the first batch, so the batch waits (long lock timeout).
    let hold = "UPDATE items SET b = b WHERE id = 10";
    let mut pg = None;
    let mut my = None;
    match e {
        Engine::Postgres => {
            let c = pg_connect(&db.url).await;
            c.batch_execute(&format!("BEGIN; {hold}")).await.unwrap();
            pg = Some(c);
        }
        Engine::Mariadb => {
            use mysql_async::prelude::Queryable;
            let mut c = mysql_connect(&db.url).await;
            c.query_drop("START TRANSACTION").await.unwrap();
            c.query_drop(hold).await.unwrap();
            my = Some(c);
        }
    }
    let child = command(&dir, &db.url, &["apply", "--lock-timeout", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the session running the batch once it waits on the lock.
    let waiting = match e {
        Engine::Postgres => "SELECT pid::text FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE%items%' AND datname = current_database()",
        // This database's session only: other tests run the same UPDATE at the same time.
        Engine::Mariadb => "SELECT CAST(id AS CHAR) FROM information_schema.processlist WHERE info LIKE 'UPDATE items SET total%' AND time >= 1 AND db = DATABASE()",
    };
    let mut killed = false;
    for _ in 0..200 {
        if let Some(id) = try_scalar(e, &db.url, waiting).await {
            let kill = match e {
                Engine::Postgres => format!("SELECT pg_terminate_backend({id})"),
                Engine::Mariadb => format!("KILL {id}"),
            };
            exec(e, &db.url, &kill).await;
            killed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(killed, "the backfill never waited on the held row");
    let out = child.wait_with_output().unwrap();
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("connection to the database was lost") && msg.contains("nothing needs fixing"),
        "{msg}"
    );
    assert!(
        !msg.contains("rehash"),
        "a lost connection is not the statement's fault: {msg}"
    );
    if let Some(c) = &pg {
        c.batch_execute("COMMIT").await.unwrap();
    }
    if let Some(mut c) = my {
        use mysql_async::prelude::Queryable;
        c.query_drop("COMMIT").await.unwrap();
        let _ = c.disconnect().await;
    }
    // The plain re-run finishes the backfill.
    ok(migrator(&dir, &db.url, &["apply"]));
    assert_eq!(
        scalar(
            e,
            &db.url,
            "SELECT count(*) FROM items WHERE touched <> 1 OR total <> a * 10 + b"
        )
        .await,
        "0"
    );
    db.drop_db().await;
}
