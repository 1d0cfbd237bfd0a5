//! The library API used at application start-up: migrations embedded at compile time, applied by
//! many concurrent callers.

use migrator_core::{embed_migrations, EmbeddedMigrations, Migrator};
use migrator_tests::*;

const EXAMPLE: EmbeddedMigrations = embed_migrations!("../migrations");

async fn many_replicas_apply_once(url: String, count_sql: &str, query: impl AsyncQuery) {
    let migrator = Migrator::from_embedded(EXAMPLE).unwrap();
    let expected = migrator.set.migrations.len();
    assert!(expected >= 3, "the example project has migrations");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let m = migrator.clone();
            let url = url.clone();
            tokio::spawn(async move { m.apply(&url).await })
        })
        .collect();
    let mut applied = 0;
    for t in tasks {
        let report = t
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("replica failed: {e}"));
        applied += report.applied.len();
    }
    assert_eq!(
        applied, expected,
        "every migration applied by exactly one replica"
    );
    assert_eq!(query.scalar(&url, count_sql).await, expected.to_string());
    // A restart with nothing pending does nothing.
    let again = migrator.apply(&url).await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.up_to_date, expected);
    assert!(
        again.waited_for.is_none(),
        "no lock taken when nothing is pending"
    );
}

trait AsyncQuery {
    async fn scalar(&self, url: &str, sql: &str) -> String;
}

struct Pg;
struct My;

impl AsyncQuery for Pg {
    async fn scalar(&self, url: &str, sql: &str) -> String {
        pg_query_strings(url, sql).await[0][0].clone().unwrap()
    }
}

impl AsyncQuery for My {
    async fn scalar(&self, url: &str, sql: &str) -> String {
        mysql_query_strings(url, sql).await[0][0].clone().unwrap()
    }
}

const COUNT: &str = "SELECT count(*) FROM migrator_history WHERE status = 'applied'";

#[tokio::test(flavor = "multi_thread")]
async fn embedded_migrations_postgres() {
    let Some(db) = fresh_pg_db("embedded").await else {
        return;
    };
    many_replicas_apply_once(db.url.clone(), COUNT, Pg).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn embedded_migrations_mariadb() {
    let Some(db) = fresh_mysql_db("embedded").await else {
        return;
    };
    many_replicas_apply_once(db.url.clone(), COUNT, My).await;
    db.drop_db().await;
}

#[test]
fn embedded_set_matches_the_directory() {
    let embedded = migrator_core::MigrationSet::from_embedded(&EXAMPLE).unwrap();
    let dir = migrator_core::MigrationSet::load_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations"
    )))
    .unwrap();
    embedded.check_integrity().unwrap();
    let stems = |s: &migrator_core::MigrationSet| {
        s.migrations
            .iter()
            .map(|m| (m.stem(), m.up.checksum))
            .collect::<Vec<_>>()
    };
    assert_eq!(stems(&embedded), stems(&dir));
}
