//! Expand / contract on Postgres with live traffic (the harness: `tests/support/online.rs`):
//! the old and the new application version both write and read from expand until contract with
//! zero errors, every row either wrote is present and consistent, and every down file works.

use migrator_core::runner::ApplyOptions;
use migrator_core::DatabaseUrl;
use migrator_tests::online::{migrator, scenario, Engine};
use migrator_tests::*;

const USERS_V1: &str =
    "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\n";
const SEED: &str =
    "INSERT INTO users SELECT g, 'u' || g || '@x', 'n' || g FROM generate_series(1, 5000) g";

#[tokio::test(flavor = "multi_thread")]
async fn add_not_null_column_computed_from_others() {
    scenario(
        Engine::Postgres,
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
        Engine::Postgres,
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
        Engine::Postgres,
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

/// The column's plain indexes (a key part, an INCLUDE column of a unique index) are built again
/// on the shadow column before the swap and keep their names; the rollback builds them again on
/// the old-type column.
#[tokio::test(flavor = "multi_thread")]
async fn change_type_of_an_indexed_column_rebuilds_its_indexes() {
    let indexes = "CREATE INDEX items_qty ON items (qty);\nCREATE UNIQUE INDEX items_sku ON items (sku) INCLUDE (qty);\n";
    scenario(
        Engine::Postgres,
        "online_type_indexed",
        &format!("CREATE TABLE items (id bigint PRIMARY KEY, qty integer NOT NULL DEFAULT 0, sku text);\n{indexes}"),
        "INSERT INTO items SELECT g, g % 100, 's' || g FROM generate_series(1, 5000) g",
        &format!("CREATE TABLE items (id bigint PRIMARY KEY, qty bigint NOT NULL DEFAULT 0, sku text);\n{indexes}"),
        vec![
            "INSERT INTO items (id, qty, sku) VALUES ({id}, 7, 'o{id}')",
            "UPDATE items SET qty = qty + 1 WHERE id = {id}",
            "SELECT qty FROM items WHERE qty = 8 AND id = {id}",
        ],
        vec![
            "INSERT INTO items (id, qty, sku) VALUES ({id}, 9, 'n{id}')",
            "UPDATE items SET qty = qty + 1 WHERE id = {id}",
            "SELECT qty FROM items WHERE sku = 'n{id}'",
        ],
        vec![
            ("SELECT count(*) FROM items WHERE id BETWEEN 1 AND 5000 AND qty <> id % 100", "0"),
            ("SELECT count(*) FROM items WHERE id >= 1000000 AND id < 2000000 AND qty <> 8", "0"),
            ("SELECT count(*) FROM items WHERE id >= 2000000 AND qty <> 10", "0"),
            ("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'items'", "items_pkey,items_qty,items_sku"),
            ("SELECT count(*) FROM pg_index WHERE indrelid = 'items'::regclass AND NOT indisvalid", "0"),
        ],
    )
    .await;
}

/// A renamed column's plain indexes are built again on the new column before contract drops
/// the old one, and keep their names.
#[tokio::test(flavor = "multi_thread")]
async fn rename_of_an_indexed_column_rebuilds_its_indexes() {
    scenario(
        Engine::Postgres,
        "online_rename_indexed",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\nCREATE INDEX users_name ON users (name);\nCREATE UNIQUE INDEX users_email ON users (email) INCLUDE (name);\n",
        SEED,
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL,\n  full_name text -- migrator:renamed-from name\n);\nCREATE INDEX users_name ON users (full_name);\nCREATE UNIQUE INDEX users_email ON users (email) INCLUDE (full_name);\n",
        vec![
            "INSERT INTO users (id, email, name) VALUES ({id}, 'o{id}', 'old-{id}')",
            "UPDATE users SET name = 'old-upd-{id}' WHERE id = {id}",
            "SELECT name FROM users WHERE name = 'old-upd-{id}'",
        ],
        vec![
            "INSERT INTO users (id, email, full_name) VALUES ({id}, 'n{id}', 'new-{id}')",
            "UPDATE users SET full_name = 'new-upd-{id}' WHERE id = {id}",
            "SELECT full_name FROM users WHERE full_name = 'new-upd-{id}'",
        ],
        vec![
            ("SELECT count(*) FROM users WHERE id >= 1000000 AND id < 2000000 AND full_name <> 'old-upd-' || id", "0"),
            ("SELECT count(*) FROM users WHERE id >= 2000000 AND full_name <> 'new-upd-' || id", "0"),
            ("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'users'", "users_email,users_name,users_pkey"),
            ("SELECT count(*) FROM pg_index WHERE indrelid = 'users'::regclass AND NOT indisvalid", "0"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_table_behind_a_view() {
    scenario(
        Engine::Postgres,
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
        Engine::Postgres,
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
        Engine::Postgres,
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

/// A tenant policy added to a busy table, with row-level security turned on after it (issue
/// 14): the old and the new version keep writing and reading through expand and contract with
/// zero errors (CREATE POLICY and ENABLE take a short ACCESS EXCLUSIVE lock, under the runner's
/// lock timeout and retries). The writers connect as the test server's superuser, which
/// row-level security does not filter: this proves the steps run online, not the policy's
/// effect on a subject role (the convergence and rehearsal suites cover the definitions).
#[tokio::test(flavor = "multi_thread")]
async fn policy_added_to_a_busy_table() {
    scenario(
        Engine::Postgres,
        "online_policy",
        "CREATE TABLE notes (id bigint PRIMARY KEY, tenant_id int NOT NULL, body text);\n",
        "INSERT INTO notes SELECT g, g % 10, 'b' || g FROM generate_series(1, 5000) g",
        "CREATE TABLE notes (id bigint PRIMARY KEY, tenant_id int NOT NULL, body text);\n\
         ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n\
         CREATE POLICY notes_tenant ON notes USING (tenant_id = current_setting('app.tenant_id', true)::int) WITH CHECK (tenant_id = current_setting('app.tenant_id', true)::int);\n",
        vec![
            "INSERT INTO notes (id, tenant_id, body) VALUES ({id}, 1, 'old')",
            "UPDATE notes SET body = 'old2' WHERE id = {id}",
            "SELECT id, tenant_id, body FROM notes WHERE id = {id}",
        ],
        vec![
            "INSERT INTO notes (id, tenant_id, body) VALUES ({id}, 2, 'new')",
            "SELECT body FROM notes WHERE id = {id}",
        ],
        vec![
            ("SELECT count(*) FROM pg_policy WHERE polrelid = 'notes'::regclass AND polname = 'notes_tenant'", "1"),
            ("SELECT relrowsecurity::text FROM pg_class WHERE oid = 'notes'::regclass", "true"),
            ("SELECT count(*) > 0 FROM notes WHERE id >= 1000000 AND id < 2000000", "t"),
        ],
    )
    .await;
}

/// Issue 14: a new partition attached to a busy partitioned table (created plain, a CHECK
/// matching its bound validated, `ATTACH PARTITION` under SHARE UPDATE EXCLUSIVE): the old
/// version keeps writing its partition, the new one writes the new partition from expand on.
#[tokio::test(flavor = "multi_thread")]
async fn new_partition_attached_to_a_busy_partitioned_table() {
    const EVENTS: &str = "CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text CHECK (kind <> ''),\n  PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n\
         CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n";
    scenario(
        Engine::Postgres,
        "online_partition",
        EVENTS,
        "INSERT INTO events SELECT g, date '2024-01-01' + g % 300, 'seed' FROM generate_series(1, 5000) g",
        &format!("{EVENTS}CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"),
        vec![
            "INSERT INTO events (id, at, kind) VALUES ({id}, '2024-06-01', 'old')",
            "UPDATE events SET kind = 'old2' WHERE id = {id} AND at = '2024-06-01'",
            "SELECT count(*) FROM events WHERE at >= '2024-06-01'",
        ],
        vec![
            "INSERT INTO events (id, at, kind) VALUES ({id}, '2025-06-01', 'new')",
            "SELECT kind FROM events WHERE id = {id} AND at = '2025-06-01'",
        ],
        vec![
            ("SELECT (count(*) > 0)::text FROM events_2025 WHERE id >= 2000000 AND kind = 'new'", "true"),
            ("SELECT count(*) FROM events_2024 WHERE id >= 1000000 AND id < 2000000 AND kind <> 'old2'", "0"),
            ("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass", "2"),
            ("SELECT count(*) FROM pg_constraint WHERE conname LIKE 'migrator_bound%'", "0"),
        ],
    )
    .await;
}
