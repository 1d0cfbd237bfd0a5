//! `migrator drift` as CI runs it: every kind of drift gives exit 2 with a message naming it; a
//! clean database gives exit 0.

use migrator_tests::*;
use std::process::{Command, Output};

fn run(dir: &TempDir, url: &str, args: &[&str]) -> Output {
    Command::new(migrator_bin())
        .args(args)
        .arg("--dir")
        .arg(dir.path().join("migrations"))
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

/// A declared domain missing from the database is drift (domains are modelled: issue 14), and so
/// is a domain CHECK changed by hand.
#[tokio::test(flavor = "multi_thread")]
async fn missing_declared_domain_is_drift() {
    let Some(db) = fresh_pg_db("drift_domain").await else {
        return;
    };
    let dir = TempDir::new();
    project(&dir);
    let domains = "CREATE DOMAIN email_address AS text CONSTRAINT has_at CHECK (VALUE LIKE '%@%');\nCREATE DOMAIN qty AS integer NOT NULL CONSTRAINT positive CHECK (VALUE > 0);\n";
    dir.write("migrations/20260101000003_domains.up.sql", domains);
    dir.write(
        "migrations/20260101000003_domains.down.sql",
        "DROP DOMAIN qty;\nDROP DOMAIN email_address;\n",
    );
    let schema = std::fs::read_to_string(dir.path().join("schema.sql")).unwrap();
    dir.write("schema.sql", &format!("{schema}{domains}"));
    expect(run(&dir, &db.url, &["rehash"]), 0, &[]);
    expect(run(&dir, &db.url, &["apply"]), 0, &[]);
    expect(run(&dir, &db.url, &["drift"]), 0, &["no drift"]);
    pg_exec(
        &db.url,
        "DROP DOMAIN email_address; ALTER DOMAIN qty DROP CONSTRAINT positive;",
    )
    .await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[schema]",
            "CREATE DOMAIN \"public\".\"email_address\" AS text CONSTRAINT \"has_at\" CHECK",
            "ALTER DOMAIN \"public\".\"qty\" ADD CONSTRAINT \"positive\" CHECK ((VALUE > 0))",
        ],
    );
    db.drop_db().await;
}

/// A trigger and its function added by hand are drift, with the SQL that removes them.
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
            "[declared]",
            "needs `drop trigger` public.users (users_keep_email)",
            "DROP TRIGGER \"users_keep_email\" ON \"public\".\"users\"",
            "needs `drop routine` public.keep_email",
            "DROP FUNCTION \"public\".\"keep_email\"()",
        ],
    );
    db.drop_db().await;
}

/// A trigger the declared schema has and the database lacks is drift (it used to be refused,
/// and before that ignored: "no drift" with the trigger missing).
#[tokio::test(flavor = "multi_thread")]
async fn declared_trigger_missing_from_the_database_is_drift() {
    let Some((db, dir)) = fresh_project("drift_trigger_missing").await else {
        return;
    };
    dir.write(
        "schema.sql",
        &(std::fs::read_to_string(dir.path().join("schema.sql")).unwrap()
            + "CREATE FUNCTION keep_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email := OLD.email; RETURN NEW; END $$;\n\
               CREATE TRIGGER users_keep_email BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep_email();\n"),
    );
    let t = expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[declared]",
            "needs `create trigger` public.users (users_keep_email)",
            "CREATE TRIGGER users_keep_email BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.keep_email()",
            "needs `create routine` public.keep_email",
        ],
    );
    assert!(!t.contains("no drift"), "{t}");
    // Created by hand as declared: no declared drift left (the migrations still lack them).
    pg_exec(
        &db.url,
        "CREATE FUNCTION keep_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email := OLD.email; RETURN NEW; END $$;
         CREATE TRIGGER users_keep_email BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep_email();",
    )
    .await;
    let t = expect(run(&dir, &db.url, &["drift"]), 2, &["[schema]"]);
    assert!(!t.contains("[declared]"), "{t}");
    // A changed WHEN is drift too.
    pg_exec(
        &db.url,
        "DROP TRIGGER users_keep_email ON users;
         CREATE TRIGGER users_keep_email BEFORE UPDATE ON users FOR EACH ROW WHEN (OLD.email IS NOT NULL) EXECUTE FUNCTION keep_email();",
    )
    .await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[declared]",
            "needs `replace trigger` public.users (users_keep_email)",
        ],
    );
    db.drop_db().await;
}

/// A declared policy the database lacks is drift (it used to be refused as unmanaged); so is
/// one whose USING differs, and one added by hand.
#[tokio::test(flavor = "multi_thread")]
async fn missing_or_changed_policy_is_drift() {
    let Some((db, dir)) = fresh_project("drift_policy").await else {
        return;
    };
    let declared = std::fs::read_to_string(dir.path().join("schema.sql")).unwrap();
    dir.write(
        "schema.sql",
        &(declared.clone()
            + "ALTER TABLE users ENABLE ROW LEVEL SECURITY;\n\
               CREATE POLICY users_own ON users USING (email = current_user);\n"),
    );
    let t = expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[declared]",
            "needs `create policy` public.users (users_own)",
            "CREATE POLICY \"users_own\" ON \"public\".\"users\" AS PERMISSIVE FOR ALL TO PUBLIC USING ((email = CURRENT_USER))",
            "ENABLE ROW LEVEL SECURITY",
        ],
    );
    assert!(!t.contains("no drift"), "{t}");
    // Made by hand as declared: no declared drift left.
    pg_exec(
        &db.url,
        "ALTER TABLE users ENABLE ROW LEVEL SECURITY;
         CREATE POLICY users_own ON users USING (email = current_user);",
    )
    .await;
    let t = expect(run(&dir, &db.url, &["drift"]), 2, &["[schema]"]);
    assert!(!t.contains("[declared]"), "{t}");
    // A changed USING is drift.
    pg_exec(&db.url, "ALTER POLICY users_own ON users USING (true);").await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[declared]",
            "needs `alter policy` public.users (users_own)",
            "ALTER POLICY \"users_own\" ON \"public\".\"users\" TO PUBLIC USING ((email = CURRENT_USER))",
        ],
    );
    // One added by hand, with the schema as first declared: drift, with the SQL dropping it.
    dir.write("schema.sql", &declared);
    pg_exec(
        &db.url,
        "CREATE POLICY orders_all ON orders FOR SELECT USING (true);",
    )
    .await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "needs `drop policy` public.orders (orders_all)",
            "DROP POLICY \"orders_all\" ON \"public\".\"orders\"",
        ],
    );
    db.drop_db().await;
}

/// A trigger the migrations create by hand is not drift: the live database has what the
/// migrations made; an object kind migrator does not manage (a rule) is refused when declared.
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
    // The declared schema does not have them (yet): declared drift only.
    let t = expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[declared]",
            "needs `drop trigger` public.users (users_keep_email)",
        ],
    );
    assert!(!t.contains("[schema]"), "{t}");
    // Declared as the migration made them: no drift.
    dir.write(
        "schema.sql",
        &(std::fs::read_to_string(dir.path().join("schema.sql")).unwrap()
            + "CREATE FUNCTION keep_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
               CREATE TRIGGER users_keep_email BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep_email();\n"),
    );
    expect(run(&dir, &db.url, &["drift"]), 0, &["no drift"]);
    // A kind migrator does not manage, declared, is refused at its line.
    dir.write(
        "schema.sql",
        &(std::fs::read_to_string(dir.path().join("schema.sql")).unwrap()
            + "CREATE RULE users_keep AS ON DELETE TO users DO INSTEAD NOTHING;\n"),
    );
    expect(
        run(&dir, &db.url, &["drift"]),
        1,
        &[
            "schema.sql:6: declares rule users_keep on public.users",
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
    // A trigger added by hand: drift, with the SQL that removes it.
    mysql_exec(
        &db.url,
        "CREATE TRIGGER users_keep_email BEFORE UPDATE ON users FOR EACH ROW SET NEW.email = NEW.email",
    )
    .await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[schema]",
            "[declared]",
            "(users_keep_email)",
            "DROP TRIGGER `users_keep_email`",
        ],
    );
    db.drop_db().await;
}

/// Events (issue 15) on the MySQL-family server: one created by a migration (implicit STARTS,
/// read as implicit on both sides) shows no drift; disabled by hand, or dropped by hand, it is
/// drift, with the SQL that puts it back.
#[tokio::test(flavor = "multi_thread")]
async fn mysql_drift_of_events() {
    let Some(db) = fresh_mysql_db("drift_ev").await else {
        return;
    };
    let dir = TempDir::new();
    let table = "CREATE TABLE notes (id bigint PRIMARY KEY, deleted_at datetime);\n";
    let event = "CREATE EVENT purge_notes ON SCHEDULE EVERY 1 DAY COMMENT 'soft deletes' DO DELETE FROM notes WHERE deleted_at < NOW() - INTERVAL 30 DAY;\n";
    dir.write(
        "migrations/20260101000001_notes.up.sql",
        &format!("{table}{event}"),
    );
    dir.write(
        "migrations/20260101000001_notes.down.sql",
        "DROP EVENT purge_notes;\nDROP TABLE notes;\n",
    );
    dir.write("schema.sql", &format!("{table}{event}"));
    expect(run(&dir, &db.url, &["rehash"]), 0, &[]);
    expect(run(&dir, &db.url, &["apply"]), 0, &[]);
    expect(run(&dir, &db.url, &["drift"]), 0, &["no drift"]);
    // The declared schema is loaded later than the event was created: still no drift.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    expect(
        run(&dir, &db.url, &["drift", "--schema", "schema.sql"]),
        0,
        &["no drift"],
    );
    mysql_exec(&db.url, "ALTER EVENT purge_notes DISABLE").await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &[
            "[schema]",
            "purge_notes",
            "ALTER EVENT `purge_notes`",
            "ENABLE",
        ],
    );
    mysql_exec(&db.url, "DROP EVENT purge_notes").await;
    expect(
        run(&dir, &db.url, &["drift"]),
        2,
        &["[schema]", "CREATE EVENT `purge_notes`"],
    );
    db.drop_db().await;
}
