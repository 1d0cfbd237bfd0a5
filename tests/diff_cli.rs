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
