//! `migrator drift` as CI runs it: every kind of drift gives exit 2 with a message naming it; a
//! clean database gives exit 0.

use migrator_tests::*;
use std::process::{Command, Output};

fn run(dir: &TempDir, url: &str, args: &[&str]) -> Output {
    Command::new(migrator_bin())
        .args(args)
        .arg("--dir")
        .arg(dir.path().join("migrations"))
        .arg("--config")
        .arg(dir.path().join("migrator.toml"))
        .current_dir(dir.path())
        .env("DATABASE_URL", url)
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

#[track_caller]
fn expect(o: Output, code: i32, needles: &[&str]) -> String {
    let t = text(&o);
    assert_eq!(o.status.code(), Some(code), "{t}");
    for n in needles {
        assert!(t.contains(n), "expected `{n}` in:\n{t}");
    }
    t
}

fn project(dir: &TempDir) {
    dir.write(
        "migrations/20260101000001_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n",
    );
    dir.write(
        "migrations/20260101000001_users.down.sql",
        "DROP TABLE users;\n",
    );
    dir.write("migrations/20260101000002_orders.up.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);\nCREATE INDEX orders_user ON orders (user_id);\n");
    dir.write(
        "migrations/20260101000002_orders.down.sql",
        "DROP TABLE orders;\n",
    );
    dir.write("schema.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);\nCREATE INDEX orders_user ON orders (user_id);\n");
}

async fn fresh_project(name: &str) -> Option<(TestDb, TempDir)> {
    let db = fresh_pg_db(name).await?;
    let dir = TempDir::new();
    project(&dir);
    expect(run(&dir, &db.url, &["rehash"]), 0, &[]);
    expect(run(&dir, &db.url, &["apply"]), 0, &[]);
    Some((db, dir))
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_database_has_no_drift() {
    let Some((db, dir)) = fresh_project("drift_clean").await else {
        return;
    };
    expect(run(&dir, &db.url, &["drift"]), 0, &["no drift"]);
    let o = run(&dir, &db.url, &["drift", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn manual_alter_is_drift() {
    let Some((db, dir)) = fresh_project("drift_alter").await else {
        return;
    };
    pg_exec(&db.url, "ALTER TABLE users ADD COLUMN nickname text").await;
    let t = expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[schema]",
            "public.users (nickname)",
            "DROP COLUMN \"nickname\"",
        ],
    );
    assert!(
        t.contains("[declared]"),
        "the declared schema sees it too: {t}"
    );
    let o = run(&dir, &db.url, &["drift", "--format", "github"]);
    let gh = expect(o, 2, &["::error file=", "title=migrator drift: schema::"]);
    assert!(!gh.contains("\n  "), "one line per annotation: {gh}");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn extra_index_is_drift() {
    let Some((db, dir)) = fresh_project("drift_index").await else {
        return;
    };
    pg_exec(&db.url, "CREATE INDEX users_email_hack ON users (email)").await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &["users_email_hack", "DROP INDEX"],
    );
    db.drop_db().await;
}

/// Objects migrator does not model yet are compared too: a trigger added by hand is drift.
#[tokio::test(flavor = "multi_thread")]
async fn trigger_added_by_hand_is_drift() {
    let Some((db, dir)) = fresh_project("drift_trigger").await else {
        return;
    };
    pg_exec(
        &db.url,
        "CREATE FUNCTION keep_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER users_keep_email BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep_email();",
    )
    .await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[schema]",
            "trigger users_keep_email on public.users",
            "function public.keep_email()",
        ],
    );
    db.drop_db().await;
}

/// A trigger the migrations create by hand (the declared schema may not declare it: migrator
/// does not model triggers yet) is not drift: the live database has what the migrations made.
#[tokio::test(flavor = "multi_thread")]
async fn trigger_from_a_hand_written_migration_is_not_drift() {
    let Some((db, dir)) = fresh_project("drift_trigger_file").await else {
        return;
    };
    dir.write(
        "migrations/20260101000003_touch.up.sql",
        "CREATE FUNCTION keep_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
         CREATE TRIGGER users_keep_email BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep_email();\n",
    );
    dir.write(
        "migrations/20260101000003_touch.down.sql",
        "DROP TRIGGER users_keep_email ON users;\nDROP FUNCTION keep_email();\n",
    );
    expect(run(&dir, &db.url, &["rehash"]), 0, &[]);
    expect(run(&dir, &db.url, &["apply"]), 0, &[]);
    expect(run(&dir, &db.url, &["drift"]), 0, &["no drift"]);
    // Declaring it instead is refused at its line.
    dir.write(
        "schema.sql",
        &(std::fs::read_to_string(dir.path().join("schema.sql")).unwrap()
            + "CREATE FUNCTION keep_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"),
    );
    expect(
        run(&dir, &db.url, &["drift"]),
        1,
        &[
            "schema.sql:4: declares function public.keep_email()",
            "migrator new",
        ],
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn edited_applied_file_is_drift() {
    let Some((db, dir)) = fresh_project("drift_edited").await else {
        return;
    };
    dir.write(
        "migrations/20260101000001_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, x int);\n",
    );
    expect(run(&dir, &db.url, &["rehash"]), 0, &[]);
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &["[edited]", "20260101000001_users.up.sql", "edited since"],
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_applied_file_is_drift() {
    let Some((db, dir)) = fresh_project("drift_deleted").await else {
        return;
    };
    std::fs::remove_file(dir.path().join("migrations/20260101000002_orders.up.sql")).unwrap();
    std::fs::remove_file(dir.path().join("migrations/20260101000002_orders.down.sql")).unwrap();
    // Without rehash: the sum file names them too.
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[integrity]",
            "20260101000002_orders.up.sql",
            "[missing-file]",
        ],
    );
    expect(run(&dir, &db.url, &["rehash"]), 0, &[]);
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[missing-file]",
            "20260101000002_orders.up.sql",
            "file is gone",
        ],
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unapplied_file_is_drift() {
    let Some((db, dir)) = fresh_project("drift_pending").await else {
        return;
    };
    dir.write(
        "migrations/20260101000003_more.up.sql",
        "ALTER TABLE users ADD COLUMN name text;\n",
    );
    dir.write(
        "migrations/20260101000003_more.down.sql",
        "ALTER TABLE users DROP COLUMN name;\n",
    );
    expect(run(&dir, &db.url, &["rehash"]), 0, &[]);
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &["[pending]", "20260101000003_more.up.sql", "not applied yet"],
    );
    // A file dropped in without rehash is an integrity problem.
    dir.write(
        "migrations/20260101000004_sneaky.up.sql",
        "DROP TABLE orders;\n",
    );
    dir.write("migrations/20260101000004_sneaky.down.sql", "\n");
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[integrity]",
            "20260101000004_sneaky.up.sql",
            "not in migrator.sum",
        ],
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_url_is_an_error_not_drift() {
    let dir = TempDir::new();
    project(&dir);
    expect(
        run(&dir, "postgres://nobody:secret@127.0.0.1:1/x", &["drift"]),
        1,
        &["cannot connect"],
    );
}

fn mysql_project(dir: &TempDir) {
    dir.write(
        "migrations/20260101000001_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(200) NOT NULL);\n",
    );
    dir.write(
        "migrations/20260101000001_users.down.sql",
        "DROP TABLE users;\n",
    );
    dir.write("migrations/20260101000002_orders.up.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id));\n");
    dir.write(
        "migrations/20260101000002_orders.down.sql",
        "DROP TABLE orders;\n",
    );
    dir.write("schema.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(200) NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id));\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_drift_clean_then_manual_alter_and_extra_index() {
    let Some(db) = fresh_mysql_db("drift_my").await else {
        return;
    };
    let dir = TempDir::new();
    mysql_project(&dir);
    expect(run(&dir, &db.url, &["rehash"]), 0, &[]);
    expect(run(&dir, &db.url, &["apply"]), 0, &[]);
    expect(run(&dir, &db.url, &["drift"]), 0, &["no drift"]);
    mysql_exec(&db.url, "ALTER TABLE users ADD COLUMN nickname varchar(20)").await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &["[schema]", "nickname", "[declared]"],
    );
    mysql_exec(&db.url, "ALTER TABLE users DROP COLUMN nickname").await;
    mysql_exec(&db.url, "CREATE INDEX users_email_hack ON users (email)").await;
    expect(run(&dir, &db.url, &["drift"]), 2, &["users_email_hack"]);
    mysql_exec(&db.url, "DROP INDEX users_email_hack ON users").await;
    expect(run(&dir, &db.url, &["drift"]), 0, &["no drift"]);
    // A trigger added by hand: not modelled yet, still drift.
    mysql_exec(
        &db.url,
        "CREATE TRIGGER users_keep_email BEFORE UPDATE ON users FOR EACH ROW SET NEW.email = NEW.email",
    )
    .await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &["[schema]", "trigger users_keep_email on"],
    );
    db.drop_db().await;
}
