//! `migrator lint`: the real binary on temporary project directories. No database needed.

use migrator_tests::{migrator_bin, TempDir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `migrator lint ARGS` in `dir` (so `migrations/` and `migrator.toml` are relative to it),
/// with no DATABASE_URL from the environment unless `env` gives one.
fn lint_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(migrator_bin());
    c.current_dir(dir)
        .arg("lint")
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATOR_LOG")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run migrator")
}

fn lint(dir: &TempDir, args: &[&str]) -> Output {
    lint_in(dir.path(), args, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", text(o));
}

const INDEX: &str = "CREATE INDEX orders_customer_idx ON orders (customer_id);\n";

fn repo_migrations() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .join("migrations")
}

#[test]
fn repository_migrations_pass_for_both_dialects() {
    let dir = TempDir::new(); // no migrator.toml there
    let migrations = repo_migrations();
    let migrations = migrations.to_str().unwrap();
    for dialect in ["postgres", "mysql"] {
        let o = lint(&dir, &["--dir", migrations, "--dialect", dialect]);
        assert_exit(&o, 0);
        assert!(
            stdout(&o).contains("6 files linted: no findings"),
            "{}",
            text(&o)
        );
    }
}

#[test]
fn error_findings_exit_2_with_file_line_rule_message_and_help() {
    let dir = TempDir::new();
    dir.write(
        "migrations/20260101000000_idx.up.sql",
        &format!("-- an index\n\n{INDEX}"),
    );
    dir.write(
        "migrations/20260101000000_idx.down.sql",
        "DROP INDEX CONCURRENTLY orders_customer_idx;\n",
    );
    dir.write("migrations/README.md", "CREATE INDEX not_sql ON x (a);\n");
    let o = lint(&dir, &["--dialect", "postgres"]);
    assert_exit(&o, 2);
    assert_eq!(
        stdout(&o),
        "migrations/20260101000000_idx.up.sql:3: require-concurrent-index: CREATE INDEX \"orders_customer_idx\" on \"orders\" blocks writes for the whole build; use CREATE INDEX CONCURRENTLY (in a file of its own, it runs outside a transaction)\n\
         2 files linted: 1 error, 0 warnings\n"
    );
}

#[test]
fn warnings_alone_exit_0_and_clean_files_say_so() {
    let dir = TempDir::new();
    dir.write(
        "migrations/20260101000000_drop.up.sql",
        "-- migrator:phase contract\nALTER TABLE customers DROP COLUMN fax;\n",
    );
    dir.write(
        "migrations/20260101000000_drop.down.sql",
        "-- migrator:irreversible\n",
    );
    let o = lint(&dir, &["--dialect", "postgres"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains(
            "20260101000000_drop.up.sql:2: drop-column (warning): DROP COLUMN \"customers\".\"fax\" deletes its data for good"
        ),
        "{}",
        text(&o)
    );
    assert!(
        stdout(&o).ends_with("2 files linted: 0 errors, 1 warning\n"),
        "{}",
        text(&o)
    );

    let clean = TempDir::new();
    clean.write(
        "migrations/20260101000000_a.up.sql",
        "CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);\n",
    );
    clean.write("migrations/20260101000000_a.down.sql", "DROP TABLE t;\n");
    let o = lint(&clean, &["--dialect", "postgres"]);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), "2 files linted: no findings\n");
}

#[test]
fn json_and_github_formats() {
    let dir = TempDir::new();
    dir.write("x.sql", &format!("SELECT 1;\n{INDEX}"));
    let o = lint(
        &dir,
        &["--dialect", "postgres", "--format", "json", "x.sql"],
    );
    assert_exit(&o, 2);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["files"], 1);
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 0);
    let f = &v["findings"][0];
    assert_eq!(f["file"], "x.sql");
    assert_eq!(f["line"], 2);
    assert_eq!(f["rule"], "require-concurrent-index");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["message"],
        "CREATE INDEX \"orders_customer_idx\" on \"orders\" blocks writes for the whole build"
    );
    assert!(f["help"]
        .as_str()
        .unwrap()
        .starts_with("use CREATE INDEX CONCURRENTLY"));
    let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");

    let o = lint(
        &dir,
        &["--dialect", "postgres", "--format", "github", "x.sql"],
    );
    assert_exit(&o, 2);
    assert!(
        stdout(&o).starts_with("::error file=x.sql,line=2,title=require-concurrent-index::CREATE INDEX \"orders_customer_idx\" on \"orders\""),
        "{}",
        text(&o)
    );

    // `format` in migrator.toml works too; github is refused by other commands.
    dir.write("migrator.toml", "format = \"json\"\n");
    let o = lint(&dir, &["--dialect", "postgres", "x.sql"]);
    assert_exit(&o, 2);
    assert!(
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).is_ok(),
        "{}",
        text(&o)
    );
    let o = Command::new(migrator_bin())
        .current_dir(dir.path())
        .args(["--format", "github", "verify"])
        .output()
        .unwrap();
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("only supported by `migrator lint`"),
        "{}",
        text(&o)
    );
}

#[test]
fn suppression_comments_switch_rules_off_for_one_statement() {
    let dir = TempDir::new();
    dir.write(
        "a.sql",
        "-- migrator-lint: ignore require-concurrent-index -- the table is tiny\n\
         CREATE INDEX a ON orders (x);\n\
         CREATE INDEX b ON orders (y);\n",
    );
    let o = lint(&dir, &["--dialect", "postgres", "a.sql"]);
    assert_exit(&o, 2);
    assert!(
        stdout(&o).starts_with("a.sql:3: require-concurrent-index: CREATE INDEX \"b\""),
        "{}",
        text(&o)
    );
    assert_eq!(stdout(&o).lines().count(), 2, "{}", text(&o));

    // Unknown rule names are errors naming file and line; so is a misplaced suppression.
    dir.write(
        "b.sql",
        "SELECT 1;\n-- migrator-lint: ignore require-concurrent-indexes\nSELECT 2;\n",
    );
    let o = lint(&dir, &["--dialect", "postgres", "b.sql"]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).starts_with("error: b.sql:2: unknown rule `require-concurrent-indexes`"),
        "{}",
        text(&o)
    );
    dir.write("c.sql", "SELECT 1;\n-- migrator-lint: ignore drop-table\n");
    let o = lint(&dir, &["--dialect", "postgres", "c.sql"]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("c.sql:2: "), "{}", text(&o));

    // The suppression does not upset the directive parser of a real migration file.
    dir.write(
        "migrations/20260101000000_a.up.sql",
        "-- migrator:phase expand\nSELECT 1;\n-- migrator-lint: ignore require-concurrent-index\nCREATE INDEX a ON orders (x);\n",
    );
    dir.write("migrations/20260101000000_a.down.sql", "SELECT 1;\n");
    let o = lint(&dir, &["--dialect", "postgres"]);
    assert_exit(&o, 0);
    let o = Command::new(migrator_bin())
        .current_dir(dir.path())
        .args(["rehash"])
        .output()
        .unwrap();
    assert_exit(&o, 0);
}

#[test]
fn config_switches_rules_off_and_rejects_unknown_names() {
    let dir = TempDir::new();
    dir.write("a.sql", INDEX);
    dir.write(
        "migrator.toml",
        "[lint]\ndisabled = [\"require-concurrent-index\"]\n",
    );
    assert_exit(&lint(&dir, &["--dialect", "postgres", "a.sql"]), 0);

    dir.write(
        "migrator.toml",
        "[lint]\ndisabled = [\"require-concurrent-idx\"]\n",
    );
    let o = lint(&dir, &["--dialect", "postgres", "a.sql"]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o)
            .contains("migrator.toml: [lint] disabled: unknown rule `require-concurrent-idx`"),
        "{}",
        text(&o)
    );

    dir.write("migrator.toml", "[lint]\ndisable = []\n");
    let o = lint(&dir, &["--dialect", "postgres", "a.sql"]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("migrator.toml") && stderr(&o).contains("disable"),
        "{}",
        text(&o)
    );

    // The flag does the same for one run.
    dir.write("migrator.toml", "");
    assert_exit(
        &lint(
            &dir,
            &[
                "--dialect",
                "postgres",
                "--disable",
                "require-concurrent-index",
                "a.sql",
            ],
        ),
        0,
    );
    let o = lint(
        &dir,
        &["--dialect", "postgres", "--disable", "nope", "a.sql"],
    );
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("--disable: unknown rule `nope`"),
        "{}",
        text(&o)
    );
}

#[test]
fn dialect_from_flag_url_environment_or_config() {
    let dir = TempDir::new();
    // Flagged on MySQL (no ALGORITHM/LOCK), fine on Postgres.
    dir.write(
        "a.sql",
        "ALTER TABLE customers ADD COLUMN phone VARCHAR(32);\n",
    );

    let o = lint(&dir, &["a.sql"]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("--dialect postgres|mysql"),
        "{}",
        text(&o)
    );

    let o = lint_in(
        dir.path(),
        &["a.sql"],
        &[("DATABASE_URL", "mysql://app:s3cret@db:3306/app")],
    );
    assert_exit(&o, 2);
    assert!(
        stdout(&o).contains("require-algorithm-lock"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("s3cret"), "{}", text(&o));

    let o = lint(
        &dir,
        &["--database-url", "postgres://app:s3cret@db/app", "a.sql"],
    );
    assert_exit(&o, 0);

    dir.write(
        "migrator.toml",
        "database-url = \"mariadb://app:s3cret@db/app\"\n",
    );
    assert_exit(&lint(&dir, &["a.sql"]), 2);
    // The flag wins over the URL.
    assert_exit(&lint(&dir, &["--dialect", "postgres", "a.sql"]), 0);

    dir.write("migrator.toml", "database-url = \"sqlite://app.db\"\n");
    let o = lint(&dir, &["a.sql"]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("unsupported scheme"), "{}", text(&o));
}

#[test]
fn bad_files_exit_1_naming_file_and_line() {
    let dir = TempDir::new();
    dir.write(
        "migrations/20260101000000_bad.up.sql",
        "SELECT 1;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1;\n",
    );
    dir.write("migrations/20260101000000_bad.down.sql", "SELECT 1;\n");
    let o = lint(&dir, &["--dialect", "postgres"]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).starts_with(
            "error: migrations/20260101000000_bad.up.sql:2: unterminated dollar quote"
        ),
        "{}",
        text(&o)
    );

    let o = lint(&dir, &["--dialect", "postgres", "--format", "json"]);
    assert_exit(&o, 1);
    assert!(stdout(&o).contains("\"error\""), "{}", text(&o));

    let o = lint(&dir, &["--dialect", "postgres", "missing.sql"]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("missing.sql"), "{}", text(&o));

    let o = lint(&dir, &["--dialect", "postgres", "--dir", "nowhere"]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("nowhere: no such directory"),
        "{}",
        text(&o)
    );

    dir.write("d.sql", "-- migrator:frobnicate\nSELECT 1;\n");
    let o = lint(&dir, &["--dialect", "postgres", "d.sql"]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("d.sql:1: unknown directive"),
        "{}",
        text(&o)
    );
}

#[test]
fn files_given_are_linted_in_order_and_earlier_ones_inform_later_ones() {
    let dir = TempDir::new();
    dir.write("1.sql", "CREATE TABLE t (v varchar(10), n int);\n");
    dir.write("2.sql", "ALTER TABLE t ALTER COLUMN v TYPE varchar(20);\n");
    dir.write("3.sql", "ALTER TABLE t ALTER COLUMN n TYPE bigint;\n");
    let o = lint(&dir, &["--dialect", "postgres", "1.sql", "2.sql", "3.sql"]);
    assert_exit(&o, 2);
    assert_eq!(stdout(&o).lines().count(), 2, "{}", text(&o));
    assert!(
        stdout(&o).starts_with(
            "3.sql:1: rewriting-type-change: ALTER COLUMN \"n\" TYPE bigint from integer on \"t\""
        ),
        "{}",
        text(&o)
    );
    // Without the CREATE TABLE the varchar change is only a warning: the old type is unknown.
    let o = lint(&dir, &["--dialect", "postgres", "2.sql"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("rewriting-type-change (warning)"),
        "{}",
        text(&o)
    );
}

#[test]
fn standalone_files_must_set_a_lock_timeout() {
    let dir = TempDir::new();
    dir.write("fix.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
    assert_exit(&lint(&dir, &["--dialect", "postgres", "fix.sql"]), 0);
    let o = lint(&dir, &["--dialect", "postgres", "--standalone", "fix.sql"]);
    assert_exit(&o, 2);
    assert!(
        stdout(&o).contains("fix.sql:1: require-lock-timeout: "),
        "{}",
        text(&o)
    );
    dir.write(
        "ok.sql",
        "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;\n",
    );
    assert_exit(
        &lint(&dir, &["--dialect", "postgres", "--standalone", "ok.sql"]),
        0,
    );
    // Also from the config file.
    dir.write("migrator.toml", "[lint]\nstandalone = true\n");
    assert_exit(&lint(&dir, &["--dialect", "postgres", "fix.sql"]), 2);
}

#[test]
fn postgres_version_and_mysql_flavor_settings() {
    let dir = TempDir::new();
    dir.write("enum.sql", "ALTER TYPE mood ADD VALUE 'ok';\n");
    assert_exit(&lint(&dir, &["--dialect", "postgres", "enum.sql"]), 0);
    let o = lint(
        &dir,
        &[
            "--dialect",
            "postgres",
            "--postgres-version",
            "11",
            "enum.sql",
        ],
    );
    assert_exit(&o, 2);
    assert!(
        stdout(&o).contains("enum-value-in-transaction"),
        "{}",
        text(&o)
    );
    dir.write("migrator.toml", "[lint]\npostgres-version = 11\n");
    assert_exit(&lint(&dir, &["--dialect", "postgres", "enum.sql"]), 2);

    dir.write(
        "pos.sql",
        "ALTER TABLE t ADD COLUMN b INT AFTER a, ALGORITHM=INPLACE, LOCK=NONE;\n",
    );
    let o = lint(&dir, &["--dialect", "mysql", "pos.sql"]);
    assert!(
        stdout(&o).contains("column-position (warning)"),
        "{}",
        text(&o)
    );
    let o = lint(
        &dir,
        &["--dialect", "mysql", "--mysql-flavor", "mariadb", "pos.sql"],
    );
    assert_eq!(stdout(&o), "1 file linted: no findings\n", "{}", text(&o));
    let o = lint(
        &dir,
        &["--dialect", "mysql", "--mysql-flavor", "oracle", "pos.sql"],
    );
    assert_exit(&o, 1);
}

#[test]
fn list_and_explain_rules() {
    let dir = TempDir::new();
    let o = lint(&dir, &["--list-rules"]);
    assert_exit(&o, 0);
    for rule in [
        "require-concurrent-index",
        "require-algorithm-lock",
        "drop-table",
    ] {
        assert!(stdout(&o).contains(rule), "{}", text(&o));
    }
    let o = lint(&dir, &["--list-rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert!(v.as_array().unwrap().len() >= 20);
    let o = lint(&dir, &["--explain", "set-not-null-without-check"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("VALIDATE CONSTRAINT"), "{}", text(&o));
    assert_exit(&lint(&dir, &["--explain", "nope"]), 1);
}
