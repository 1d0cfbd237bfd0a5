//! The e-commerce walk-through (examples/ecommerce/walkthrough.sh) on a real Postgres: five
//! declared versions planned and applied with expand / contract; the data survives and the
//! database ends with no drift.

use migrator_tests::*;
use std::process::Command;

#[tokio::test(flavor = "multi_thread")]
async fn ecommerce_walkthrough_postgres() {
    let Some(db) = fresh_pg_db("ecommerce_walk").await else {
        return;
    };
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
        text.contains("13 applied, 0 pending, 0 awaiting contract, 0 partial/failed, 0 problem(s)"),
        "{text}"
    );
    assert_eq!(
        pg_query_strings(
            &db.url,
            "SELECT count(*) FROM users WHERE phone LIKE '+00 %'"
        )
        .await[0][0]
            .as_deref(),
        Some("1000")
    );
    assert_eq!(
        pg_query_strings(&db.url, "SELECT count(*) FROM addresses").await[0][0].as_deref(),
        Some("1000")
    );
    assert_eq!(
        pg_query_strings(&db.url, "SELECT sum(amount)::text FROM orders").await[0][0].as_deref(),
        Some("315105.00")
    );
    assert_eq!(
        pg_query_strings(
            &db.url,
            "SELECT count(*) FROM users WHERE full_name = 'User ' || id"
        )
        .await[0][0]
            .as_deref(),
        Some("1000")
    );
    db.drop_db().await;
}
