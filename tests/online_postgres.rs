//! Expand / contract on Postgres with live traffic: an "old app" that only knows the old shape
//! runs from before expand until just before contract, a "new app" that only knows the new shape
//! runs from after expand until after contract (as in a real deploy). Both must see zero errors,
//! and afterwards every row either wrote must be present and consistent. Every generated down
//! file must also work: rolling the whole change back restores the old schema.

use migrator_core::plan::{plan_directory, PlanOptions};
use migrator_core::runner::{ApplyOptions, RollbackTarget};
use migrator_core::{DatabaseUrl, Migrator};
use migrator_tests::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// An application: statement templates run in a loop, `{id}` replaced by a fresh id of its own.
struct App {
    name: &'static str,
    ops: Vec<String>,
}

struct Running {
    stop: Arc<AtomicBool>,
    handle: tokio::task::JoinHandle<(u64, Vec<String>)>,
}

fn start(url: &str, app: App, first_id: u64) -> Running {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let url = url.to_string();
    let handle = tokio::spawn(async move {
        let client = pg_connect(&url).await;
        let next = AtomicU64::new(first_id);
        let mut ok = 0;
        let mut errors = Vec::new();
        while !flag.load(Ordering::Relaxed) {
            let id = next.fetch_add(1, Ordering::Relaxed);
            for op in &app.ops {
                let sql = op.replace("{id}", &id.to_string());
                match client.simple_query(&sql).await {
                    Ok(_) => ok += 1,
                    Err(e) => errors.push(format!(
                        "{}: `{sql}`: {}",
                        app.name,
                        migrator_core::connect::pg_error_text(&e)
                    )),
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        (ok, errors)
    });
    Running { stop, handle }
}

async fn finish(r: Running) -> (u64, Vec<String>) {
    r.stop.store(true, Ordering::Relaxed);
    r.handle.await.unwrap()
}

fn migrator(dir: &std::path::Path) -> Migrator {
    Migrator::from_dir(dir).unwrap()
}

/// Runs one scenario: v1 applied and seeded, old app running, plan + apply v2 (expand and
/// backfill), new app started, old app stopped, contract, new app stopped; then checks, and a
/// full rollback back to v1.
async fn scenario(
    name: &str,
    v1: &str,
    seed: &str,
    v2: &str,
    old: Vec<&str>,
    new: Vec<&str>,
    checks: Vec<(&str, &str)>,
) {
    let Some(db) = fresh_pg_db(name).await else {
        return;
    };
    let url = DatabaseUrl::parse(&db.url).unwrap();
    let dir = TempDir::new();
    let mig = dir.path().join("migrations");
    let schema = dir.path().join("schema.sql");
    let opts = PlanOptions {
        allow_destructive: false,
        batch_size: 500,
    };
    std::fs::write(&schema, v1).unwrap();
    plan_directory(&mig, &schema, &url, "v1", opts, false)
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
    pg_exec(&db.url, seed).await;

    let old_app = start(
        &db.url,
        App {
            name: "old app",
            ops: old.iter().map(|s| s.to_string()).collect(),
        },
        1_000_000,
    );
    tokio::time::sleep(Duration::from_millis(200)).await;

    std::fs::write(&schema, v2).unwrap();
    let report = plan_directory(&mig, &schema, &url, "v2", opts, false)
        .await
        .unwrap_or_else(|e| panic!("{name}: plan: {e}"));
    assert!(!report.files.is_empty(), "{name}: nothing planned");
    let applied = migrator(&mig)
        .apply_with(&url, &ApplyOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{name}: expand: {e}"));
    assert!(!applied.applied.is_empty());

    // The new version is deployed next to the old one.
    let new_app = start(
        &db.url,
        App {
            name: "new app",
            ops: new.iter().map(|s| s.to_string()).collect(),
        },
        2_000_000,
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
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
        let got = pg_query_strings(&db.url, sql).await[0][0]
            .clone()
            .unwrap_or_default();
        assert_eq!(got, want, "{name}: {sql}");
    }
    // Nothing left to do: the database is the declared schema.
    let (want, _) = migrator_core::source::inspect_declared(&url, &schema)
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
    let (want, _) = migrator_core::source::inspect_declared(&url, &dir.path().join("v1.sql"))
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

const USERS_V1: &str =
    "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\n";
const SEED: &str =
    "INSERT INTO users SELECT g, 'u' || g || '@x', 'n' || g FROM generate_series(1, 5000) g";

#[tokio::test(flavor = "multi_thread")]
async fn add_not_null_column_computed_from_others() {
    scenario(
        "online_notnull",
        USERS_V1,
        SEED,
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text,\n  email_domain text NOT NULL -- migrator:backfill split_part(email, '@', 2)\n);\n",
        vec![
            "INSERT INTO users (id, email, name) VALUES ({id}, 'old{id}@old.example', 'o')",
            "UPDATE users SET name = 'o2' WHERE id = {id}",
            "SELECT id, email, name FROM users WHERE id = {id}",
        ],
        vec![
            "INSERT INTO users (id, email, name, email_domain) VALUES ({id}, 'new{id}@new.example', 'n', 'new.example')",
            "SELECT email_domain FROM users WHERE id = {id}",
        ],
        vec![
            ("SELECT count(*) FROM users WHERE email_domain IS NULL", "0"),
            ("SELECT count(*) FROM users WHERE email_domain <> split_part(email, '@', 2)", "0"),
            ("SELECT count(*) > 0 FROM users WHERE id >= 1000000 AND id < 2000000", "t"),
            ("SELECT attnotnull::text FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email_domain'", "true"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_column_with_both_versions_writing() {
    scenario(
        "online_rename",
        USERS_V1,
        SEED,
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL,\n  full_name text -- migrator:renamed-from name\n);\n",
        vec![
            "INSERT INTO users (id, email, name) VALUES ({id}, 'o{id}', 'old-{id}')",
            "UPDATE users SET name = 'old-upd-{id}' WHERE id = {id}",
            "UPDATE users SET name = 'old-touch' WHERE id = 1",
            "SELECT name FROM users WHERE id = {id}",
        ],
        vec![
            "INSERT INTO users (id, email, full_name) VALUES ({id}, 'n{id}', 'new-{id}')",
            "UPDATE users SET full_name = 'new-upd-{id}' WHERE id = {id}",
            "UPDATE users SET full_name = 'new-touch' WHERE id = 2",
            "SELECT full_name FROM users WHERE id = {id}",
        ],
        vec![
            // Every row written by the old app carries its last value under the new name.
            ("SELECT count(*) FROM users WHERE id >= 1000000 AND id < 2000000 AND full_name <> 'old-upd-' || id", "0"),
            ("SELECT count(*) FROM users WHERE id >= 2000000 AND full_name <> 'new-upd-' || id", "0"),
            ("SELECT count(*) FROM users WHERE id BETWEEN 3 AND 5000 AND full_name <> 'n' || id", "0"),
            ("SELECT full_name FROM users WHERE id = 2", "new-touch"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn change_column_type_with_both_versions_writing() {
    scenario(
        "online_type",
        "CREATE TABLE items (id bigint PRIMARY KEY, qty integer NOT NULL DEFAULT 0);\n",
        "INSERT INTO items SELECT g, g % 100 FROM generate_series(1, 5000) g",
        "CREATE TABLE items (id bigint PRIMARY KEY, qty bigint NOT NULL DEFAULT 0);\n",
        vec![
            "INSERT INTO items (id, qty) VALUES ({id}, 7)",
            "UPDATE items SET qty = qty + 1 WHERE id = {id}",
            "SELECT qty FROM items WHERE id = {id}",
        ],
        vec![
            "INSERT INTO items (id, qty) VALUES ({id}, 9)",
            "UPDATE items SET qty = qty + 1 WHERE id = {id}",
            "SELECT qty FROM items WHERE id = {id}",
        ],
        vec![
            ("SELECT count(*) FROM items WHERE id BETWEEN 1 AND 5000 AND qty <> id % 100", "0"),
            ("SELECT count(*) FROM items WHERE id >= 1000000 AND id < 2000000 AND qty <> 8", "0"),
            ("SELECT count(*) FROM items WHERE id >= 2000000 AND qty <> 10", "0"),
            ("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'qty'", "bigint"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_table_behind_a_view() {
    scenario(
        "online_rename_table",
        "CREATE TABLE clients (id bigint PRIMARY KEY, name text);\n",
        "INSERT INTO clients SELECT g, 'c' || g FROM generate_series(1, 2000) g",
        "CREATE TABLE customers ( -- migrator:renamed-from clients\n  id bigint PRIMARY KEY, name text);\n",
        vec![
            "INSERT INTO clients (id, name) VALUES ({id}, 'old')",
            "UPDATE clients SET name = 'old2' WHERE id = {id}",
            "SELECT name FROM clients WHERE id = {id}",
        ],
        vec![
            "INSERT INTO customers (id, name) VALUES ({id}, 'new')",
            "SELECT name FROM customers WHERE id = {id}",
        ],
        vec![
            ("SELECT count(*) FROM customers WHERE id >= 1000000 AND id < 2000000 AND name <> 'old2'", "0"),
            ("SELECT count(*) FROM customers WHERE id BETWEEN 1 AND 2000", "2000"),
            ("SELECT count(*) FROM pg_views WHERE viewname = 'clients'", "0"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn index_unique_fk_and_check_online() {
    scenario(
        "online_constraints",
        "CREATE TABLE p (id bigint PRIMARY KEY);\nCREATE TABLE c (id bigint PRIMARY KEY, p_id bigint, code text, qty int);\n",
        "INSERT INTO p SELECT generate_series(1, 100); INSERT INTO c SELECT g, g % 100 + 1, 'code' || g, g % 7 FROM generate_series(1, 5000) g",
        "CREATE TABLE p (id bigint PRIMARY KEY);\nCREATE TABLE c (id bigint PRIMARY KEY, p_id bigint REFERENCES p, code text UNIQUE, qty int CHECK (qty >= 0));\nCREATE INDEX c_p_id ON c (p_id);\n",
        vec![
            "INSERT INTO c (id, p_id, code, qty) VALUES ({id}, 1, 'old{id}', 1)",
            "SELECT * FROM c WHERE p_id = 1 LIMIT 5",
        ],
        vec![
            "INSERT INTO c (id, p_id, code, qty) VALUES ({id}, 2, 'new{id}', 2)",
            "SELECT * FROM c WHERE code = 'new{id}'",
        ],
        vec![
            ("SELECT count(*) FROM pg_constraint WHERE conrelid = 'c'::regclass AND NOT convalidated", "0"),
            ("SELECT count(*) FROM pg_index WHERE indrelid = 'c'::regclass AND NOT indisvalid", "0"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn existing_column_becomes_not_null() {
    scenario(
        "online_set_not_null",
        USERS_V1,
        "INSERT INTO users SELECT g, 'u' || g || '@x', CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 5000) g",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL,\n  name text NOT NULL -- migrator:backfill 'anonymous'\n);\n",
        vec![
            "INSERT INTO users (id, email) VALUES ({id}, 'o{id}')",
            "SELECT name FROM users WHERE id = {id}",
        ],
        vec![
            "INSERT INTO users (id, email, name) VALUES ({id}, 'n{id}', 'new')",
            "SELECT name FROM users WHERE id = {id}",
        ],
        vec![
            ("SELECT count(*) FROM users WHERE name IS NULL", "0"),
            ("SELECT count(*) FROM users WHERE id % 3 = 0 AND id <= 5000 AND name <> 'anonymous'", "0"),
            ("SELECT count(*) FROM users WHERE id >= 1000000 AND id < 2000000 AND name <> 'anonymous'", "0"),
        ],
    )
    .await;
}

/// A concurrent index build that failed (a duplicate) leaves an INVALID index; once the data is
/// fixed, the resumed run drops it and builds it again.
#[tokio::test(flavor = "multi_thread")]
async fn invalid_index_from_a_failed_build_is_rebuilt() {
    let Some(db) = fresh_pg_db("invalid_index").await else {
        return;
    };
    let url = DatabaseUrl::parse(&db.url).unwrap();
    pg_exec(
        &db.url,
        "CREATE TABLE t (id int PRIMARY KEY, code text); INSERT INTO t VALUES (1, 'a'), (2, 'a');",
    )
    .await;
    let dir = TempDir::new();
    dir.write(
        "m/20260101000001_idx.up.sql",
        "CREATE UNIQUE INDEX CONCURRENTLY t_code ON t (code);\n",
    );
    dir.write(
        "m/20260101000001_idx.down.sql",
        "DROP INDEX CONCURRENTLY t_code;\n",
    );
    let m = dir.path().join("m");
    migrator_core::migrations::rehash(&m).unwrap();
    let err = migrator(&m)
        .apply_with(&url, &ApplyOptions::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("could not create unique index"),
        "{err}"
    );
    assert_eq!(
        pg_query_strings(
            &db.url,
            "SELECT count(*) FROM pg_index WHERE NOT indisvalid"
        )
        .await[0][0]
            .as_deref(),
        Some("1")
    );
    pg_exec(&db.url, "UPDATE t SET code = 'b' WHERE id = 2").await;
    migrator(&m)
        .apply_with(&url, &ApplyOptions::default())
        .await
        .unwrap();
    assert_eq!(pg_query_strings(&db.url, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 't_code' AND i.indisvalid").await[0][0].as_deref(), Some("1"));
    db.drop_db().await;
}
