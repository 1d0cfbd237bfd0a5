//! The test support layer itself, against both servers: fresh databases, exec/query
//! helpers, skipping outside CI and failing inside it, temp dirs, the migrator binary.

use migrator_tests::*;
use std::process::Command;

#[tokio::test]
async fn postgres_fresh_db_exec_and_query() {
    let Some(db) = fresh_pg_db("servers_pg").await else {
        return;
    };
    assert_eq!(db.dialect, "postgres");
    assert!(db.name.starts_with("servers_pg_") && db.name.len() <= 60);
    assert!(db.url.ends_with(&format!("/{}", db.name)));

    let current = pg_query_strings(&db.url, "SELECT current_database()").await;
    assert_eq!(current, vec![vec![Some(db.name.clone())]]);
    let tables = pg_query_strings(
        &db.url,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .await;
    assert_eq!(
        tables,
        vec![vec![Some("0".to_string())]],
        "database is not empty"
    );

    pg_exec(
        &db.url,
        "CREATE TABLE t (id int primary key, note text);
         INSERT INTO t VALUES (1, 'one'), (2, NULL);",
    )
    .await;
    let rows = pg_query_strings(&db.url, "SELECT id, note FROM t ORDER BY id").await;
    assert_eq!(
        rows,
        vec![
            vec![Some("1".to_string()), Some("one".to_string())],
            vec![Some("2".to_string()), None],
        ]
    );

    db.drop_db().await;
    let left = pg_query_strings(
        &db.server_url,
        &format!("SELECT 1 FROM pg_database WHERE datname = '{}'", db.name),
    )
    .await;
    assert!(left.is_empty(), "database {} was not dropped", db.name);
}

#[tokio::test]
async fn mysql_fresh_db_exec_and_query() {
    let Some(db) = fresh_mysql_db("servers_mysql").await else {
        return;
    };
    assert_eq!(db.dialect, "mysql");
    assert!(db.name.starts_with("servers_mysql_") && db.name.len() <= 60);
    assert!(db.url.ends_with(&format!("/{}", db.name)));

    let current = mysql_query_strings(&db.url, "SELECT DATABASE()").await;
    assert_eq!(current, vec![vec![Some(db.name.clone())]]);
    let tables = mysql_query_strings(
        &db.url,
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
    )
    .await;
    assert_eq!(
        tables,
        vec![vec![Some("0".to_string())]],
        "database is not empty"
    );

    mysql_exec(&db.url, "CREATE TABLE t (id int primary key, note text)").await;
    mysql_exec(&db.url, "INSERT INTO t VALUES (1, 'one'), (2, NULL)").await;
    let rows = mysql_query_strings(&db.url, "SELECT id, note FROM t ORDER BY id").await;
    assert_eq!(
        rows,
        vec![
            vec![Some("1".to_string()), Some("one".to_string())],
            vec![Some("2".to_string()), None],
        ]
    );

    db.drop_db().await;
    let left = mysql_query_strings(
        &db.server_url,
        &format!(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = '{}'",
            db.name
        ),
    )
    .await;
    assert!(left.is_empty(), "database {} was not dropped", db.name);
}

#[tokio::test]
async fn fresh_databases_are_distinct() {
    let (Some(a), Some(b)) = (fresh_pg_db("distinct").await, fresh_pg_db("distinct").await) else {
        return;
    };
    assert_ne!(a.name, b.name);
    a.drop_db().await;
    b.drop_db().await;
    let (Some(a), Some(b)) = (
        fresh_mysql_db("distinct").await,
        fresh_mysql_db("distinct").await,
    ) else {
        return;
    };
    assert_ne!(a.name, b.name);
    a.drop_db().await;
    b.drop_db().await;
}

/// Runs one test of this binary in a child process with the given environment changes.
fn run_self(test: &str, env: &[(&str, Option<&str>)]) -> (bool, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"]);
    for (key, value) in env {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    let out = cmd.output().expect("run test binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn missing_url_fails_in_ci_and_skips_elsewhere() {
    for (test, var) in [
        ("postgres_fresh_db_exec_and_query", PG_URL_VAR),
        ("mysql_fresh_db_exec_and_query", MYSQL_URL_VAR),
    ] {
        let (ok, out) = run_self(test, &[(var, None), ("CI", Some("true"))]);
        assert!(!ok, "{test} passed without {var} under CI=true:\n{out}");
        assert!(
            out.contains(&format!("{var} is not set and CI=true")),
            "unexpected output:\n{out}"
        );

        let (ok, out) = run_self(test, &[(var, None), ("CI", None)]);
        assert!(ok, "{test} should skip without {var} outside CI:\n{out}");
        assert!(out.contains("skipping:"), "no skip notice:\n{out}");
    }
}

#[test]
fn urls_are_rewritten_and_redacted() {
    assert_eq!(
        url_with_database(
            "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable",
            "x_1"
        ),
        "postgres://u:p@127.0.0.1:5432/x_1?sslmode=disable"
    );
    assert_eq!(
        url_with_database("mysql://u:p@localhost:3306", "db"),
        "mysql://u:p@localhost:3306/db"
    );
    assert_eq!(
        url_with_database("mysql://u:p@h/mysql?a=1&b=2", "db"),
        "mysql://u:p@h/db?a=1&b=2"
    );
    assert_eq!(
        redact_url("postgres://postgres:s3cret@127.0.0.1:1/postgres"),
        "postgres://postgres:***@127.0.0.1:1/postgres"
    );
    assert_eq!(redact_url("mysql://u@h/db"), "mysql://u@h/db");
}

#[test]
fn unique_names_are_safe_identifiers() {
    let long = "A-Very-Long-Prefix".repeat(10);
    for prefix in ["plain", "Mixed Case!", "9starts_with_digit", long.as_str()] {
        let name = unique_name(prefix);
        assert!(name.len() <= 60, "{name}");
        assert!(name.starts_with(|c: char| c.is_ascii_lowercase()), "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name}"
        );
    }
    assert_ne!(unique_name("same"), unique_name("same"));
}

#[test]
fn temp_dir_writes_nested_files_and_cleans_up() {
    let dir = TempDir::new();
    let path = dir.path().to_path_buf();
    assert!(path.starts_with(std::env::temp_dir()));
    dir.write("migrations/sub/001_x.up.sql", "SELECT 1;\n");
    assert_eq!(
        std::fs::read_to_string(path.join("migrations/sub/001_x.up.sql")).unwrap(),
        "SELECT 1;\n"
    );
    drop(dir);
    assert!(!path.exists());
}

#[test]
fn migrator_binary_is_built() {
    let bin = migrator_bin();
    assert!(bin.is_file(), "{}", bin.display());
    assert_eq!(
        bin.file_stem().and_then(|s| s.to_str()),
        Some("migrator"),
        "{}",
        bin.display()
    );
    // The same path on every call (built once per process).
    assert_eq!(migrator_bin(), bin);
}
