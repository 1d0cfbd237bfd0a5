//! The e-commerce walk-through (examples/ecommerce/walkthrough.sh) on a real Postgres and a real
//! MariaDB: five declared versions planned and applied with expand / contract; the data
//! survives and the database ends with no drift.

use migrator_tests::*;
use std::process::Command;

/// Runs the walk-through against `db`; returns its output after checking it ran clean with
/// `applied` migrations. Postgres has one more: v4's expand is cut in two files, because its
/// CHECK locks `products` and its new foreign key `users`, and one transaction holds the
/// writers of one existing table at most (MySQL runs DDL statement by statement anyway).
async fn walk(db: &TestDb, applied: usize) -> String {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/ecommerce/walkthrough.sh"
    );
    let url = db.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(script)
            .env("DATABASE_URL", &url)
            .env("MIGRATOR_BIN", migrator_bin())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("no drift"), "{text}");
    assert!(
        text.contains(&format!(
            "{applied} applied, 0 pending, 0 awaiting contract, 0 partial/failed, 0 problem(s)"
        )),
        "{text}"
    );
    text
}

/// Each query with the first value it must return.
const CHECKS_POSTGRES: &[(&str, &str)] = &[
    (
        "SELECT count(*) FROM users WHERE phone LIKE '+00 %'",
        "1000",
    ),
    ("SELECT count(*) FROM addresses", "1000"),
    ("SELECT sum(amount)::text FROM orders", "315105.00"),
    (
        "SELECT count(*) FROM users WHERE full_name = 'User ' || id",
        "1000",
    ),
];

const CHECKS_MYSQL: &[(&str, &str)] = &[
    (
        "SELECT count(*) FROM users WHERE phone = CONCAT('+00 ', LPAD(id, 9, '0'))",
        "1000",
    ),
    ("SELECT count(*) FROM addresses", "1000"),
    ("SELECT sum(amount) FROM orders", "315105.00"),
    (
        "SELECT count(*) FROM users WHERE full_name = CONCAT('User ', id)",
        "1000",
    ),
    (
        "SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
        "0",
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn ecommerce_walkthrough_postgres() {
    let Some(db) = fresh_pg_db("ecommerce_walk").await else {
        return;
    };
    walk(&db, 14).await;
    for (sql, want) in CHECKS_POSTGRES {
        assert_eq!(
            pg_query_strings(&db.url, sql).await[0][0].as_deref(),
            Some(*want),
            "{sql}"
        );
    }
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ecommerce_walkthrough_mariadb() {
    let Some(db) = fresh_mysql_db("ecommerce_walk").await else {
        return;
    };
    walk(&db, 13).await;
    for (sql, want) in CHECKS_MYSQL {
        assert_eq!(
            mysql_query_strings(&db.url, sql).await[0][0].as_deref(),
            Some(*want),
            "{sql}"
        );
    }
    db.drop_db().await;
}
