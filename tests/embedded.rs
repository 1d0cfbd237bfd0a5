//! The library API used at application start-up: migrations embedded at compile time, applied by
//! many concurrent callers.

use migrator_core::runner::{ApplyOptions, RollbackTarget};
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

/// Eight callers, as eight replicas starting at once, each passing a connection of the
/// application's own pool to `apply_on`: every migration is applied exactly once, and the
/// connections go back to the pool usable, with the session's lock_timeout back at its default.
#[tokio::test(flavor = "multi_thread")]
async fn application_pool_postgres() {
    let Some(db) = fresh_pg_db("embed_pool").await else {
        return;
    };
    let config: tokio_postgres::Config = db.url.parse().unwrap();
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    let pool = deadpool_postgres::Pool::builder(manager)
        .max_size(8)
        .build()
        .unwrap();
    let migrator = Migrator::from_embedded(EXAMPLE).unwrap();
    let expected = migrator.set.migrations.len();
    let opts = ApplyOptions::default();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (m, pool, opts) = (migrator.clone(), pool.clone(), opts.clone());
            tokio::spawn(async move {
                let mut object = pool.get().await.unwrap();
                m.apply_on(&mut **object, &opts).await
            })
        })
        .collect();
    let mut applied = 0;
    for t in tasks {
        let report = t
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("caller failed: {e}"));
        assert_eq!(report.database, "the application's Postgres connection");
        applied += report.applied.len();
    }
    assert_eq!(
        applied, expected,
        "every migration applied by exactly one caller"
    );
    assert_eq!(Pg.scalar(&db.url, COUNT).await, expected.to_string());
    // The pool's connections work afterwards, without migrator's lock_timeout.
    for _ in 0..8 {
        let client = pool.get().await.unwrap();
        let row = client.query_one("SHOW lock_timeout", &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), "0");
    }
    // Rolled back on a pooled connection too, then applied again.
    let mut object = pool.get().await.unwrap();
    let back = migrator
        .rollback_on(&mut **object, &RollbackTarget::Steps(1), false)
        .await
        .unwrap();
    assert_eq!(back.rolled_back.len(), 1);
    let again = migrator.apply_on(&mut **object, &opts).await.unwrap();
    assert_eq!(again.applied.len(), 1);
    drop(object);
    pool.close();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn application_pool_mariadb() {
    let Some(db) = fresh_mysql_db("embed_pool").await else {
        return;
    };
    let pool = mysql_async::Pool::new(db.url.as_str());
    let migrator = Migrator::from_embedded(EXAMPLE).unwrap();
    let expected = migrator.set.migrations.len();
    let opts = ApplyOptions::default();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (m, pool, opts) = (migrator.clone(), pool.clone(), opts.clone());
            tokio::spawn(async move { m.apply_on(&pool, &opts).await })
        })
        .collect();
    let mut applied = 0;
    for t in tasks {
        let report = t
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("caller failed: {e}"));
        applied += report.applied.len();
    }
    assert_eq!(
        applied, expected,
        "every migration applied by exactly one caller"
    );
    assert_eq!(My.scalar(&db.url, COUNT).await, expected.to_string());
    // A connection the application holds, borrowed: lock waits back at the server's default.
    use mysql_async::prelude::Queryable;
    let mut conn = pool.get_conn().await.unwrap();
    let default: u64 = conn
        .query_first("SELECT @@GLOBAL.lock_wait_timeout")
        .await
        .unwrap()
        .unwrap();
    let back = migrator
        .rollback_on(&mut conn, &RollbackTarget::Steps(1), false)
        .await
        .unwrap();
    assert_eq!(back.rolled_back.len(), 1);
    let again = migrator.apply_on(&mut conn, &opts).await.unwrap();
    assert_eq!(again.applied.len(), 1);
    let now: u64 = conn
        .query_first("SELECT @@SESSION.lock_wait_timeout")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now, default);
    drop(conn);
    pool.disconnect().await.unwrap();
    db.drop_db().await;
}
