//! `migrator diff` as a user runs it: exit codes, psql-runnable output, errors that point at
//! the file and line, refusal of destructive changes.

use migrator_tests::*;
use std::process::{Command, Output};

fn migrator(args: &[&str]) -> Output {
    Command::new(migrator_bin())
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATOR_DEV_URL")
        .output()
        .expect("run migrator")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_prints_sql_that_psql_runs_and_exits_by_outcome() {
    let Some(db) = fresh_pg_db("diffcli").await else {
        return;
    };
    let dir = TempDir::new();
    dir.write(
        "schema.sql",
        "CREATE TABLE t (\n  id bigint PRIMARY KEY,\n  name text NOT NULL\n);\nCREATE INDEX t_name ON t (name);\n",
    );
    let schema = dir.path().join("schema.sql");
    let schema = schema.to_str().unwrap();

    let o = migrator(&["diff", "--from", &db.url, "--to", schema]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let sql = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(sql.contains("CREATE TABLE \"public\".\"t\""), "{sql}");
    // Runnable as printed (psql would run it the same way: one statement at a time).
    pg_exec(&db.url, &sql).await;

    let o = migrator(&["diff", "--from", &db.url, "--to", schema]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(o.stdout.is_empty());

    // An index on an existing table is built without blocking writes, marked as such.
    dir.write(
        "schema.sql",
        "CREATE TABLE t (\n  id bigint PRIMARY KEY,\n  name text NOT NULL\n);\nCREATE INDEX t_name ON t (name);\nCREATE INDEX t_lower ON t (lower(name));\n",
    );
    let o = migrator(&["diff", "--from", &db.url, "--to", schema]);
    let out = text(&o);
    assert!(
        out.contains("-- runs outside a transaction block\nCREATE INDEX CONCURRENTLY \"t_lower\""),
        "{out}"
    );

    // JSON output lists the changes.
    let o = migrator(&[
        "diff", "--from", &db.url, "--to", schema, "--format", "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["changes"][0]["change"], "create_index");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn destructive_changes_need_the_flag() {
    let Some(db) = fresh_pg_db("diffdestr").await else {
        return;
    };
    pg_exec(
        &db.url,
        "CREATE TABLE t (id int, old text); CREATE TABLE gone (id int);",
    )
    .await;
    let dir = TempDir::new();
    dir.write("schema.sql", "CREATE TABLE t (id int);\n");
    let schema = dir.path().join("schema.sql");
    let o = migrator(&["diff", "--from", &db.url, "--to", schema.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("drops table public.gone") && out.contains("drops column public.t.old"),
        "{out}"
    );
    assert!(out.contains("--allow-destructive"), "{out}");
    let o = migrator(&[
        "diff",
        "--from",
        &db.url,
        "--to",
        schema.to_str().unwrap(),
        "--allow-destructive",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("DROP TABLE \"public\".\"gone\""));
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_schema_file_is_reported_at_its_line() {
    let Some(db) = fresh_pg_db("diffbad").await else {
        return;
    };
    let dir = TempDir::new();
    dir.write("schema/01_tables.sql", "CREATE TABLE a (id int);\n");
    dir.write(
        "schema/02_more.sql",
        "CREATE TABLE b (id int);\n\nCREATE TABLE c (id nosuchtype);\n",
    );
    let schema = dir.path().join("schema");
    let o = migrator(&["diff", "--from", &db.url, "--to", schema.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "02_more.sql:3: the declared schema does not load: type \"nosuchtype\" does not exist"
        ),
        "{out}"
    );
    dir.write("schema/02_more.sql", "CREATE TABLE b (id int) -- unterminated $$ quote is fine in a comment\n;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1");
    let o = migrator(&["diff", "--from", &db.url, "--to", schema.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("02_more.sql:3:") && out.contains("$$"),
        "{out}"
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_migrations_directory_is_replayed() {
    let Some(db) = fresh_pg_db("diffdir").await else {
        return;
    };
    let dir = TempDir::new();
    dir.write(
        "migrations/20260101000001_a.up.sql",
        "CREATE TABLE a (id int);\n",
    );
    dir.write("migrations/20260101000001_a.down.sql", "DROP TABLE a;\n");
    dir.write(
        "migrations/20260101000002_b.up.sql",
        "-- migrator:phase contract\nALTER TABLE a ADD COLUMN b int;\n",
    );
    dir.write(
        "migrations/20260101000002_b.down.sql",
        "ALTER TABLE a DROP COLUMN b;\n",
    );
    let migrations = dir.path().join("migrations");
    let o = Command::new(migrator_bin())
        .args(["rehash", "--dir", migrations.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success());
    dir.write("schema.sql", "CREATE TABLE a (id int, b int, c text);\n");
    let o = migrator(&[
        "diff",
        "--from",
        migrations.to_str().unwrap(),
        "--to",
        dir.path().join("schema.sql").to_str().unwrap(),
        "--dev-url",
        &db.url,
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("ALTER TABLE \"public\".\"a\" ADD COLUMN \"c\" text")
            && !out.contains("\"b\""),
        "{out}"
    );
    db.drop_db().await;
}

/// Runs every statement of a printed MySQL script (split as the `mysql` client would).
async fn mysql_run_script(url: &str, script: &str) {
    use mysql_async::prelude::Queryable;
    let statements =
        migrator_core::migrations::split("diff.sql", script, migrator_core::Dialect::Mysql)
            .unwrap();
    let mut conn = mysql_connect(url).await;
    for s in &statements {
        conn.query_drop(&s.sql)
            .await
            .unwrap_or_else(|e| panic!("`{}`: {e}\nscript:\n{script}", s.sql));
    }
    let _ = conn.disconnect().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_against_mysql_prints_runnable_sql_and_exits_by_outcome() {
    let Some(db) = fresh_mysql_db("diffcli_my").await else {
        return;
    };
    let password = db
        .url
        .split_once("://")
        .and_then(|(_, r)| r.split_once('@'))
        .and_then(|(auth, _)| auth.split_once(':'))
        .map(|(_, p)| p.to_string())
        .unwrap_or_default();
    let dir = TempDir::new();
    dir.write(
        "schema.sql",
        "CREATE TABLE customers (\n  id bigint AUTO_INCREMENT PRIMARY KEY,\n  email varchar(255) NOT NULL,\n  UNIQUE KEY customers_email (email)\n) COMMENT 'people';\n\
         CREATE TABLE orders (\n  id bigint AUTO_INCREMENT PRIMARY KEY,\n  customer_id bigint NOT NULL,\n  status enum('new','paid') NOT NULL DEFAULT 'new',\n  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)\n);\n\
         CREATE VIEW paid AS SELECT id, customer_id FROM orders WHERE status = 'paid';\n",
    );
    let schema = dir.path().join("schema.sql");
    let schema = schema.to_str().unwrap();

    let o = migrator(&["diff", "--from", &db.url, "--to", schema]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(password.is_empty() || !out.contains(&password), "{out}");
    let sql = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(sql.contains("CREATE TABLE `customers`"), "{sql}");
    assert!(
        sql.contains("ALTER TABLE `orders` ADD CONSTRAINT `orders_customer` FOREIGN KEY"),
        "{sql}"
    );
    assert!(sql.contains("CREATE OR REPLACE VIEW `paid`"), "{sql}");
    // Nothing names the database: the script runs in whatever database it is applied to.
    assert!(!sql.contains(&db.name), "{sql}");
    mysql_run_script(&db.url, &sql).await;

    let o = migrator(&["diff", "--from", &db.url, "--to", schema]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(o.stdout.is_empty());

    // A new column and index on an existing table: instant, and in place without locks.
    dir.write(
        "schema.sql",
        "CREATE TABLE customers (\n  id bigint AUTO_INCREMENT PRIMARY KEY,\n  email varchar(255) NOT NULL,\n  name varchar(100),\n  UNIQUE KEY customers_email (email),\n  KEY customers_name (name)\n) COMMENT 'people';\n\
         CREATE TABLE orders (\n  id bigint AUTO_INCREMENT PRIMARY KEY,\n  customer_id bigint NOT NULL,\n  status enum('new','paid') NOT NULL DEFAULT 'new',\n  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)\n);\n\
         CREATE VIEW paid AS SELECT id, customer_id FROM orders WHERE status = 'paid';\n",
    );
    let o = migrator(&["diff", "--from", &db.url, "--to", schema]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("ALTER TABLE `customers` ADD COLUMN `name` varchar(100)")
            && out.contains("ALGORITHM=INSTANT"),
        "{out}"
    );
    assert!(
        out.contains(
            "ALTER TABLE `customers` ADD INDEX `customers_name` (`name`), ALGORITHM=INPLACE, LOCK=NONE"
        ),
        "{out}"
    );
    let o = migrator(&[
        "diff", "--from", &db.url, "--to", schema, "--format", "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["changes"][0]["change"], "add_column");
    assert_eq!(json["changes"][1]["change"], "create_index");

    // Dropping a table needs the flag.
    dir.write(
        "schema.sql",
        "CREATE TABLE customers (\n  id bigint AUTO_INCREMENT PRIMARY KEY,\n  email varchar(255) NOT NULL,\n  UNIQUE KEY customers_email (email)\n) COMMENT 'people';\n",
    );
    let o = migrator(&["diff", "--from", &db.url, "--to", schema]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!("drops table {}.orders", db.name))
            && out.contains("--allow-destructive"),
        "{out}"
    );

    // Two live databases of different names compare as the same schema.
    let Some(other) = fresh_mysql_db("diffcli_my2").await else {
        return;
    };
    let o = migrator(&["diff", "--from", &db.url, "--to", &other.url]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}"); // would drop both tables
    let o = migrator(&["diff", "--from", &other.url, "--to", &db.url]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    mysql_run_script(&other.url, &String::from_utf8(o.stdout.clone()).unwrap()).await;
    let o = migrator(&["diff", "--from", &other.url, "--to", &db.url]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    other.drop_db().await;
    db.drop_db().await;
}
