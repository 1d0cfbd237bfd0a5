//! Running the `migrator` binary the way a user does, on either server, for the end-to-end
//! suites (`runner`, `backfill`, `crash`, `concurrency`): one [`Engine`] type with its queries,
//! a project directory (`migrations/` + `migrator.toml`), the command, and its output as text.

use crate::{
    fresh_mysql_db, fresh_pg_db, mysql_exec, mysql_query_strings, pg_exec, pg_query_strings,
    try_mysql_connect, try_pg_connect, TempDir, TestDb,
};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The server a test case runs against.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Engine {
    Postgres,
    Mariadb,
}

impl Engine {
    pub const BOTH: [Engine; 2] = [Engine::Postgres, Engine::Mariadb];

    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mariadb => "mariadb",
        }
    }

    /// `SELECT pg_sleep(secs)` / `SELECT SLEEP(secs)`.
    pub fn sleep_sql(self, secs: f64) -> String {
        match self {
            Engine::Postgres => format!("SELECT pg_sleep({secs})"),
            Engine::Mariadb => format!("SELECT SLEEP({secs})"),
        }
    }
}

/// A fresh, empty database on the engine's server (`None`: not configured, skip).
pub async fn fresh(engine: Engine, prefix: &str) -> Option<TestDb> {
    match engine {
        Engine::Postgres => fresh_pg_db(prefix).await,
        Engine::Mariadb => fresh_mysql_db(prefix).await,
    }
}

/// Runs one statement; panics on error.
pub async fn exec(engine: Engine, url: &str, sql: &str) {
    match engine {
        Engine::Postgres => pg_exec(url, sql).await,
        Engine::Mariadb => mysql_exec(url, sql).await,
    }
}

/// Every row of a query, every column as text (`None` for NULL); panics on error.
pub async fn query(engine: Engine, url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    match engine {
        Engine::Postgres => pg_query_strings(url, sql).await,
        Engine::Mariadb => mysql_query_strings(url, sql).await,
    }
}

/// The first column of the first row as text (empty for NULL); panics on error or no row.
pub async fn scalar(engine: Engine, url: &str, sql: &str) -> String {
    query(engine, url, sql).await[0][0]
        .clone()
        .unwrap_or_default()
}

/// Like [`scalar`] for a text column, but `None` on any error (e.g. the table does not exist
/// yet) or when there is no row.
pub async fn try_scalar(engine: Engine, url: &str, sql: &str) -> Option<String> {
    match engine {
        Engine::Postgres => {
            let client = try_pg_connect(url).await.ok()?;
            let rows = client.query(sql, &[]).await.ok()?;
            rows.first()
                .and_then(|r| r.try_get::<_, Option<String>>(0).ok().flatten())
        }
        Engine::Mariadb => {
            use mysql_async::prelude::Queryable;
            let mut conn = try_mysql_connect(url).await.ok()?;
            let v: Option<Option<String>> = conn.query_first(sql).await.ok()?;
            let _ = conn.disconnect().await;
            v.flatten()
        }
    }
}

/// Whether the current database / `public` schema has a table of that name.
pub async fn table_exists(engine: Engine, url: &str, table: &str) -> bool {
    let sql = match engine {
        Engine::Postgres => format!("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '{table}'"),
        Engine::Mariadb => format!("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'"),
    };
    scalar(engine, url, &sql).await == "1"
}

/// `items (id BIGINT PRIMARY KEY, a INT NOT NULL, b INT NOT NULL<extra_columns>)` holding rows
/// `(n, n % 100, n % 7)` for n in 1..=rows: the table the backfill and crash suites work on.
pub async fn create_items(engine: Engine, url: &str, rows: u64, extra_columns: &str) {
    exec(
        engine,
        url,
        &format!("CREATE TABLE items (id BIGINT PRIMARY KEY, a INT NOT NULL, b INT NOT NULL{extra_columns})"),
    )
    .await;
    let fill = match engine {
        Engine::Postgres => format!(
            "INSERT INTO items (id, a, b) SELECT g, g % 100, g % 7 FROM generate_series(1, {rows}) g"
        ),
        Engine::Mariadb => format!(
            "INSERT INTO items (id, a, b) SELECT seq, seq % 100, seq % 7 FROM seq_1_to_{rows}"
        ),
    };
    exec(engine, url, &fill).await;
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        self.path()
    }
}

/// `migrator ARGS` on the project in `project` with `DATABASE_URL=url` (see
/// [`crate::migrator_command`]).
pub fn command(project: impl AsRef<Path>, url: &str, args: &[&str]) -> Command {
    crate::migrator_command(project.as_ref(), Some(url), args, &[])
}

/// Runs [`command`] to the end and returns its output.
pub fn migrator(project: impl AsRef<Path>, url: &str, args: &[&str]) -> Output {
    command(project, url, args).output().expect("run migrator")
}

/// [`command`] started on the tokio runtime with stdout and stderr captured; killed if dropped.
pub fn spawn(project: impl AsRef<Path>, url: &str, args: &[&str]) -> tokio::process::Child {
    let mut c = tokio::process::Command::from(command(project, url, args));
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn migrator")
}

/// The output of a process from [`spawn`], or `None` (and the process killed) when it has not
/// exited within `limit`.
pub async fn output_within(child: tokio::process::Child, limit: Duration) -> Option<Output> {
    // Dropping the unfinished future drops the child, which kills it (`kill_on_drop`).
    tokio::time::timeout(limit, child.wait_with_output())
        .await
        .ok()
        .map(|o| o.expect("wait for migrator"))
}

/// Polls `check` every `every` until it holds, then kills `child` outright (SIGKILL); panics
/// naming `what` when it has not held within `limit`.
pub async fn kill_when<F, Fut>(
    child: &mut std::process::Child,
    what: &str,
    (limit, every): (Duration, Duration),
    mut check: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: did not happen within {limit:?}"
        );
        tokio::time::sleep(every).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

/// Exit code, stdout and stderr of a run, for assertion messages and `contains` checks.
pub use crate::output_text as text;

/// Asserts exit 0; returns [`text`].
#[track_caller]
pub fn ok(o: Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    text(&o)
}

/// Asserts exit `code`; returns [`text`].
#[track_caller]
pub fn fails(o: Output, code: i32) -> String {
    assert_eq!(o.status.code(), Some(code), "{}", text(&o));
    text(&o)
}

/// Writes the migration pair `<version>_<name>.{up,down}.sql` (run [`rehash`] after).
pub fn add(dir: &TempDir, version: &str, name: &str, up: &str, down: &str) {
    dir.write(&format!("migrations/{version}_{name}.up.sql"), up);
    dir.write(&format!("migrations/{version}_{name}.down.sql"), down);
}

/// `migrator rehash`: records the files in `migrator.sum`.
pub fn rehash(project: impl AsRef<Path>) {
    ok(migrator(
        project,
        "postgres://unused@localhost/x",
        &["rehash"],
    ));
}

/// Declares each named `async fn case(e: Engine)` as two tests, `postgres::case` and
/// `mariadb::case` (the file must have `Engine` in scope, e.g. `use migrator_tests::cli::*`).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(super::Engine::Postgres).await
                }
            )*
        }
        mod mariadb {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(super::Engine::Mariadb).await
                }
            )*
        }
    };
}

/// The version of [`items_project`]'s backfill file.
pub const BACKFILL_VERSION: &str = "20260101000002";

/// `items (id, a, b, touched)` with `rows` rows, plus a project that adds `total` (expand) and
/// backfills it with `total = a * 10 + b, touched = touched + 1` (so a row updated twice shows).
pub async fn items_project(e: Engine, url: &str, rows: u64, batch: u64) -> TempDir {
    create_items(e, url, rows, ", touched INT NOT NULL DEFAULT 0").await;
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "add_total",
        "ALTER TABLE items ADD COLUMN total BIGINT NULL;\n",
        "ALTER TABLE items DROP COLUMN total;\n",
    );
    add(
        &dir,
        BACKFILL_VERSION,
        "backfill_total",
        &format!(
            "-- migrator:phase backfill\n-- migrator:backfill table=items key=id batch={batch}\n\
             UPDATE items SET total = a * 10 + b, touched = touched + 1;\n"
        ),
        "UPDATE items SET total = NULL;\n",
    );
    rehash(&dir);
    dir
}
