//! Test support for the integration tests (crate `migrator_tests`).
//!
//! The tests run against real servers named by two environment variables:
//!
//! * `MIGRATOR_TEST_PG_URL`    — `postgres://user:password@host:port/db`, a superuser;
//! * `MIGRATOR_TEST_MYSQL_URL` — `mysql://user:password@host:port/db`, a user with
//!   `ALL PRIVILEGES … WITH GRANT OPTION` (MySQL or MariaDB).
//!
//! `bash scripts/test.sh` starts throwaway servers and sets both (see
//! `scripts/test-servers.sh`). When a variable is missing, tests that need that server
//! skip (they print `skipping: …` and return) — except under `CI=true`, where they panic:
//! CI must never pass by skipping.
//!
//! Typical test (inside `#[tokio::test] async fn …`):
//!
//! ```no_run
//! # async fn example() {
//! use migrator_tests::{fresh_pg_db, pg_exec, pg_query_strings};
//!
//! let Some(db) = fresh_pg_db("creates_table").await else {
//!     return; // no server configured, not in CI: skip
//! };
//! pg_exec(&db.url, "CREATE TABLE t (id int PRIMARY KEY)").await;
//! // … run the library, or `migrator_tests::migrator_bin()`, against db.url …
//! let rows = pg_query_strings(&db.url, "SELECT count(*) FROM t").await;
//! assert_eq!(rows, vec![vec![Some("0".to_string())]]);
//! db.drop_db().await;
//! # }
//! ```

pub mod cli;
pub mod convergence;
pub mod online;
pub mod project;
pub mod property;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

pub const PG_URL_VAR: &str = "MIGRATOR_TEST_PG_URL";
pub const MYSQL_URL_VAR: &str = "MIGRATOR_TEST_MYSQL_URL";
/// Replicas of those two servers (started by `scripts/test-servers.sh` unless
/// `MIGRATOR_TEST_REPLICAS=none`), for tests/replica.rs.
pub const PG_REPLICA_URL_VAR: &str = "MIGRATOR_TEST_PG_REPLICA_URL";
/// The primary the Postgres replica streams from: a server of its own, so that the rest of the
/// suite's WAL does not reach the standby (see scripts/test-servers.sh).
pub const PG_REPLICA_PRIMARY_URL_VAR: &str = "MIGRATOR_TEST_PG_REPLICA_PRIMARY_URL";
pub const MYSQL_REPLICA_URL_VAR: &str = "MIGRATOR_TEST_MYSQL_REPLICA_URL";
/// PEM file of the CA that signed both test servers' certificates (valid for `localhost`
/// only, not for 127.0.0.1); set by `scripts/test-servers.sh`.
pub const CA_VAR: &str = "MIGRATOR_TEST_CA";

/// True when the environment says we run in CI (`CI=true` or `CI=1`).
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v.eq_ignore_ascii_case("true") || v == "1")
        .unwrap_or(false)
}

/// The CA file of the test servers' TLS certificates, or `None` (test should skip) when
/// unset outside CI. Panics when unset and `CI=true`.
#[track_caller]
pub fn test_ca() -> Option<PathBuf> {
    server_url(CA_VAR).map(PathBuf::from)
}

#[track_caller]
fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ if in_ci() => panic!(
            "{var} is not set and CI=true: tests that need a server must not skip; \
             run via scripts/test.sh"
        ),
        _ => {
            eprintln!("skipping: {var} is not set (run via `bash scripts/test.sh` to test against real servers)");
            None
        }
    }
}

/// The Postgres server URL, or `None` (test should skip) when unset outside CI.
/// Panics when unset and `CI=true`.
#[track_caller]
pub fn pg_url() -> Option<String> {
    server_url(PG_URL_VAR)
}

/// The MySQL/MariaDB server URL, or `None` (test should skip) when unset outside CI.
/// Panics when unset and `CI=true`.
#[track_caller]
pub fn mysql_url() -> Option<String> {
    server_url(MYSQL_URL_VAR)
}

/// The Postgres streaming replica of [`pg_url`]'s server, or `None` (skip) when unset outside
/// CI. Panics when unset and `CI=true`.
#[track_caller]
pub fn pg_replica_url() -> Option<String> {
    server_url(PG_REPLICA_URL_VAR)
}

/// The primary of [`pg_replica_url`]'s standby, or `None` (skip) when unset outside CI.
/// Panics when unset and `CI=true`.
#[track_caller]
pub fn pg_replica_primary_url() -> Option<String> {
    server_url(PG_REPLICA_PRIMARY_URL_VAR)
}

/// The MariaDB replica of [`mysql_url`]'s server, or `None` (skip) when unset outside CI.
/// Panics when unset and `CI=true`.
#[track_caller]
pub fn mysql_replica_url() -> Option<String> {
    server_url(MYSQL_REPLICA_URL_VAR)
}

/// The rehearsal options the plan-driven suites use: rehearsal on (what `migrator plan` does),
/// unless `MIGRATOR_TEST_REHEARSE=0` (to measure what it costs).
pub fn test_rehearsal() -> Option<migrator_core::rehearse::RehearseOptions> {
    match std::env::var("MIGRATOR_TEST_REHEARSE").as_deref() {
        Ok("0") | Ok("false") => None,
        _ => Some(migrator_core::rehearse::RehearseOptions::default()),
    }
}

// ------------------------------------------------------------------------------ URLs

/// `url` with its path (the database) replaced by `/database`; the query string is kept.
pub fn url_with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    let prefix = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    format!("{prefix}{authority}/{database}{query}")
}

/// `url` with the password replaced.
pub fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, host) = rest.rsplit_once('@').unwrap();
    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
    format!("{scheme}://{user}:{password}@{host}")
}

/// `url` with the user and password replaced.
pub fn with_user(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, host) = rest.rsplit_once('@').unwrap();
    format!("{scheme}://{user}:{password}@{host}")
}

/// `url` with the host name replaced; the port is kept unless `host` is `host:port`.
pub fn with_host(url: &str, host: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let port = match hostport.rsplit_once(':') {
        Some((_, p)) if !host.contains(':') => format!(":{p}"),
        _ => String::new(),
    };
    format!("{scheme}://{userinfo}{host}{port}{tail}")
}

/// `url` with `params` (`k=v&k2=v2`) added to its query string.
pub fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

/// `url` with the password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

// ------------------------------------------------------------------------------ databases

/// An empty database created for one test. Not dropped automatically (that would need
/// async in `Drop`); call [`TestDb::drop_db`] at the end of a test if you care — the
/// servers started by `scripts/test.sh` are thrown away anyway.
#[derive(Debug, Clone)]
pub struct TestDb {
    /// URL pointing at this database (same credentials and query string as the server URL).
    pub url: String,
    /// The database name.
    pub name: String,
    /// `"postgres"` or `"mysql"`.
    pub dialect: &'static str,
    /// The server URL this database was created from (used to drop it).
    pub server_url: String,
}

impl TestDb {
    /// Drops the database, best effort (errors are printed, not raised).
    pub async fn drop_db(&self) {
        let result = match self.dialect {
            "postgres" => try_pg_exec(
                &self.server_url,
                &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
            )
            .await
            .map_err(|e| e.to_string()),
            _ => try_mysql_exec(
                &self.server_url,
                &format!("DROP DATABASE IF EXISTS `{}`", self.name),
            )
            .await
            .map_err(|e| e.to_string()),
        };
        if let Err(e) = result {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh identifier: `prefix_pid_counter_random`, lowercase `[a-z0-9_]`, at most 60
/// characters, starting with a letter (valid unquoted in Postgres and MySQL).
pub fn unique_name(prefix: &str) -> String {
    let suffix = format!(
        "_{}_{}_{:06x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>() & 0xff_ffff
    );
    let mut clean: String = prefix
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !clean.starts_with(|c: char| c.is_ascii_lowercase()) {
        clean.insert_str(0, "t_");
    }
    clean.truncate(60usize.saturating_sub(suffix.len()));
    clean + &suffix
}

/// Creates an empty, uniquely named database on the Postgres test server.
/// `None` when the server is not configured (outside CI); panics when it is unreachable.
pub async fn fresh_pg_db(prefix: &str) -> Option<TestDb> {
    fresh_pg_db_on(pg_url()?, prefix).await
}

/// [`fresh_pg_db`] on the Postgres server `server`.
pub async fn fresh_pg_db_on(server: String, prefix: &str) -> Option<TestDb> {
    let name = unique_name(prefix);
    pg_exec(&server, &format!("CREATE DATABASE \"{name}\"")).await;
    Some(TestDb {
        url: url_with_database(&server, &name),
        name,
        dialect: "postgres",
        server_url: server,
    })
}

/// Creates an empty, uniquely named database on the MySQL/MariaDB test server.
/// `None` when the server is not configured (outside CI); panics when it is unreachable.
pub async fn fresh_mysql_db(prefix: &str) -> Option<TestDb> {
    let server = mysql_url()?;
    let name = unique_name(prefix);
    mysql_exec(&server, &format!("CREATE DATABASE `{name}`")).await;
    Some(TestDb {
        url: url_with_database(&server, &name),
        name,
        dialect: "mysql",
        server_url: server,
    })
}

// ------------------------------------------------------------------------------ queries

/// Connects to Postgres (no TLS); the connection task runs on the current tokio runtime.
pub async fn try_pg_connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// [`try_pg_connect`], panicking (with the password redacted) on error.
pub async fn pg_connect(url: &str) -> tokio_postgres::Client {
    try_pg_connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", redact_url(url)))
}

async fn try_pg_exec(url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    try_pg_connect(url).await?.batch_execute(sql).await
}

/// Runs one or more statements (`batch_execute`); panics on error.
pub async fn pg_exec(url: &str, sql: &str) {
    pg_connect(url)
        .await
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{} failed on {}: {}", sql, redact_url(url), pg_error(&e)));
}

/// Runs a query with the simple (text) protocol and returns every row, every column as
/// text (`None` for NULL). Rows of several statements are concatenated.
pub async fn pg_query_strings(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let messages = pg_connect(url)
        .await
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{} failed on {}: {}", sql, redact_url(url), pg_error(&e)));
    messages
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// The version of the Postgres server behind `url`, whose methods say what it can do
/// (`nulls_not_distinct()`, `virtual_generated_columns()`…): tests that need a newer feature
/// than Postgres 13 has ask it, and say what they left out.
pub async fn pg_version(url: &str) -> migrator_core::catalog::postgres::PgVersion {
    let rows = pg_query_strings(url, "SELECT current_setting('server_version_num')").await;
    let num = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no server_version_num from {}", redact_url(url)));
    migrator_core::catalog::postgres::PgVersion::from_num(num)
}

/// The server's message for a database error (`Display` alone says just "db error").
pub fn pg_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// Connects to MySQL/MariaDB.
pub async fn try_mysql_connect(url: &str) -> Result<mysql_async::Conn, mysql_async::Error> {
    mysql_async::Conn::from_url(url).await
}

/// [`try_mysql_connect`], panicking (with the password redacted) on error.
pub async fn mysql_connect(url: &str) -> mysql_async::Conn {
    try_mysql_connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", redact_url(url)))
}

/// `sql` with MariaDB's sequence tables (`seq_1_to_N`, the SEQUENCE engine) replaced by a
/// derived table both MariaDB and MySQL run: a cross join of digit rows (no recursive CTE, whose
/// depth MySQL limits to 1000 by default), with the same column `seq` = 1..N.
pub fn portable_mysql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("seq_1_to_") {
        let before = &rest[..at];
        let digits: String = rest[at + "seq_1_to_".len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let word_start = before
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        out.push_str(before);
        match digits.parse::<u64>() {
            Ok(n) if word_start && n > 0 => {
                out.push_str(&seq_table(n));
                rest = &rest[at + "seq_1_to_".len() + digits.len()..];
            }
            _ => {
                out.push_str("seq_1_to_");
                rest = &rest[at + "seq_1_to_".len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `(SELECT … AS seq …) AS seq_1_to_N`: the numbers 1..=n, on MariaDB and MySQL alike.
pub fn seq_table(n: u64) -> String {
    let digits = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
    let places = n.to_string().len().max(1);
    let sum = (0..places)
        .map(|i| format!("d{i}.d * {}", 10u64.pow(i as u32)))
        .collect::<Vec<_>>()
        .join(" + ");
    let from = (0..places)
        .map(|i| format!("{digits} AS d{i}"))
        .collect::<Vec<_>>()
        .join(" CROSS JOIN ");
    format!("(SELECT {sum} + 1 AS seq FROM {from} WHERE {sum} < {n} ORDER BY seq) AS seq_1_to_{n}")
}

async fn try_mysql_exec(url: &str, sql: &str) -> Result<(), mysql_async::Error> {
    use mysql_async::prelude::Queryable;
    let mut conn = try_mysql_connect(url).await?;
    let result = conn.query_drop(portable_mysql(sql)).await;
    let _ = conn.disconnect().await;
    result
}

/// The flavor (MariaDB or MySQL proper, and version) of the server at `url`: tests choose
/// server-specific cases by it, and say which they ran.
pub async fn mysql_flavor(url: &str) -> migrator_core::flavor::MysqlFlavor {
    let rows = mysql_query_strings(url, "SELECT VERSION()").await;
    let version = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .unwrap_or_default();
    migrator_core::flavor::MysqlFlavor::parse(&version)
}

/// Runs a statement (text protocol, `query_drop`); panics on error.
pub async fn mysql_exec(url: &str, sql: &str) {
    try_mysql_exec(url, sql)
        .await
        .unwrap_or_else(|e| panic!("{} failed on {}: {e}", sql, redact_url(url)));
}

/// Creates the MySQL/MariaDB login `user`@`127.0.0.1` with `password` and every privilege
/// (WITH GRANT OPTION), like the test server's own user; `require` is appended to `CREATE USER`
/// (e.g. `REQUIRE SSL`, or empty).
pub async fn mysql_create_login(server: &str, user: &str, password: &str, require: &str) {
    mysql_exec(
        server,
        &format!("CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}' {require}"),
    )
    .await;
    mysql_exec(
        server,
        &format!("GRANT ALL PRIVILEGES ON *.* TO '{user}'@'127.0.0.1' WITH GRANT OPTION"),
    )
    .await;
}

/// Runs a query with the text protocol and returns the rows of its first result set,
/// every column as text (`None` for NULL).
pub async fn mysql_query_strings(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    use mysql_async::prelude::Queryable;
    let mut conn = mysql_connect(url).await;
    let rows: Vec<mysql_async::Row> = conn
        .query(portable_mysql(sql))
        .await
        .unwrap_or_else(|e| panic!("{} failed on {}: {e}", sql, redact_url(url)));
    let _ = conn.disconnect().await;
    rows.into_iter()
        .map(|row| row.unwrap().into_iter().map(mysql_value_string).collect())
        .collect()
}

fn mysql_value_string(value: mysql_async::Value) -> Option<String> {
    use mysql_async::Value;
    Some(match value {
        Value::NULL => return None,
        Value::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Value::Int(v) => v.to_string(),
        Value::UInt(v) => v.to_string(),
        Value::Float(v) => v.to_string(),
        Value::Double(v) => v.to_string(),
        Value::Date(y, mo, d, h, mi, s, us) => {
            let mut text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
            if us > 0 {
                text += &format!(".{us:06}");
            }
            text
        }
        Value::Time(negative, days, h, mi, s, us) => {
            let hours = u64::from(days) * 24 + u64::from(h);
            let mut text = format!(
                "{}{hours:02}:{mi:02}:{s:02}",
                if negative { "-" } else { "" }
            );
            if us > 0 {
                text += &format!(".{us:06}");
            }
            text
        }
    })
}

// ------------------------------------------------------------------------------ files

/// A unique directory under [`std::env::temp_dir`], removed (recursively) on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(unique_name("migrator_test"));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `rel` (relative to the directory), creating parent directories.
    pub fn write(&self, rel: &str, contents: &str) {
        let file = self.path.join(rel);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        std::fs::write(&file, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
    }
}

impl Default for TempDir {
    fn default() -> Self {
        TempDir::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// ------------------------------------------------------------------------------ binary

/// Path of the `migrator` binary (package `migrator-cli`).
///
/// Integration tests live in package `migrator-tests`, so cargo neither builds that binary
/// for them nor sets `CARGO_BIN_EXE_migrator`. The first call in a test process therefore
/// runs `cargo build -p migrator-cli --bin migrator` into the target directory this test
/// executable was built in (`…/target[/<triple>]/<profile>/deps/<test>` → same profile,
/// same `--target`; `CARGO_TARGET_DIR` is honoured when the layout is not recognised).
/// The build runs even when the binary exists, because an old one would silently test
/// stale code; when nothing changed it is a no-op taking well under a second.
/// `MIGRATOR_TEST_BIN=/path/to/migrator` skips all this and uses that binary.
pub fn migrator_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("MIGRATOR_TEST_BIN") {
            return PathBuf::from(bin);
        }
        let layout = BuildLayout::detect();
        let bin = layout
            .profile_dir
            .join(format!("migrator{}", std::env::consts::EXE_SUFFIX));
        layout.build_migrator();
        assert!(
            bin.is_file(),
            "cargo build succeeded but {} does not exist",
            bin.display()
        );
        bin
    })
    .clone()
}

struct BuildLayout {
    target_dir: PathBuf,
    /// `target_dir[/<triple>]/<profile dir>`
    profile_dir: PathBuf,
    profile_dir_name: String,
    triple: Option<String>,
}

impl BuildLayout {
    fn detect() -> BuildLayout {
        let exe = std::env::current_exe().expect("current_exe");
        let deps = exe
            .parent()
            .filter(|d| d.file_name() == Some("deps".as_ref()));
        if let Some(profile_dir) = deps.and_then(Path::parent) {
            let profile_dir_name = name_of(profile_dir);
            let above = profile_dir.parent().expect("profile dir has a parent");
            // `target/<triple>/<profile>` (built with --target) or `target/<profile>`;
            // cargo marks the target directory itself with CACHEDIR.TAG.
            let triple_layout = !above.join("CACHEDIR.TAG").exists()
                && above
                    .parent()
                    .is_some_and(|t| t.join("CACHEDIR.TAG").exists());
            let (target_dir, triple) = if triple_layout {
                (above.parent().unwrap(), Some(name_of(above)))
            } else {
                (above, None)
            };
            return BuildLayout {
                target_dir: target_dir.to_path_buf(),
                profile_dir: profile_dir.to_path_buf(),
                profile_dir_name,
                triple,
            };
        }
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target"));
        BuildLayout {
            profile_dir: target_dir.join("debug"),
            target_dir,
            profile_dir_name: "debug".into(),
            triple: None,
        }
    }

    fn build_migrator(&self) {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = std::process::Command::new(cargo);
        cmd.arg("build")
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(workspace_root().join("Cargo.toml"))
            .args(["-p", "migrator-cli", "--bin", "migrator", "--target-dir"])
            .arg(&self.target_dir);
        match self.profile_dir_name.as_str() {
            "debug" => {}
            "release" => {
                cmd.arg("--release");
            }
            other => {
                cmd.args(["--profile", other]);
            }
        }
        if let Some(triple) = &self.triple {
            cmd.args(["--target", triple]);
        }
        let output = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run cargo to build the migrator binary: {e}"));
        assert!(
            output.status.success(),
            "building the migrator binary failed ({:?}):\n{}",
            cmd,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace root")
        .to_path_buf()
}

// ------------------------------------------------------------------------------ CLI runs

/// The command `migrator ARGS` on the project in `dir` (`--dir dir/migrations`, working
/// directory `dir`, so `dir/migrator.toml` is the configuration file when it exists) with
/// `DATABASE_URL=url` when given, plus `env`. `DATABASE_URL`, `MIGRATOR_DEV_URL`, `MIGRATOR_LOG`
/// and `RUST_BACKTRACE` of the test's own environment are not passed on; standard input is
/// empty.
pub fn migrator_command(
    dir: &Path,
    url: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Command {
    let mut c = std::process::Command::new(migrator_bin());
    // No --config: an explicit one must exist, and the default `migrator.toml` is read from
    // the working directory, `dir`, when the test wrote one.
    c.args(args)
        .arg("--dir")
        .arg(dir.join("migrations"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATOR_DEV_URL")
        .env_remove("MIGRATOR_LOG")
        .env_remove("RUST_BACKTRACE")
        .stdin(std::process::Stdio::null());
    if let Some(url) = url {
        c.env("DATABASE_URL", url);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs [`migrator_command`] to completion.
pub fn migrator_in(
    dir: &Path,
    url: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    migrator_command(dir, url, args, env)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", migrator_bin().display()))
}

/// The exit code and both streams of a run, for assertion messages.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Asserts the exit code of a run and that its output contains every needle; returns the text.
#[track_caller]
pub fn expect_output(o: &std::process::Output, code: i32, needles: &[&str]) -> String {
    let text = output_text(o);
    assert_eq!(o.status.code(), Some(code), "{text}");
    for n in needles {
        assert!(text.contains(n), "expected `{n}` in:\n{text}");
    }
    text
}
