//! [`Target`] for MySQL and MariaDB: `GET_LOCK` on a dedicated connection, non-transactional
//! DDL (progress recorded after every statement), `lock_wait_timeout`.

use super::bookkeeping::{self, HOLDER_TABLE};
use super::history::{runner_identity, HistoryRow, HISTORY_TABLE};
use super::job::{
    unusable_key, BackfillJob, BackfillKey, BackfillProgress, BackfillRow, BatchDone,
    BACKFILL_TABLE,
};
use super::target::{first_text, DbError, Target, WatchPoint};
use crate::connect;
use crate::migrations::update::name_parts;
use crate::migrations::{Checksum, Version};
use crate::{DatabaseUrl, Dialect, Error, Result, Settings};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row, Value};

/// Lock wait timeout (ER_LOCK_WAIT_TIMEOUT, also raised for metadata locks) and deadlock.
const RETRYABLE_CODES: [u16; 2] = [1205, 1213];
/// ER_NO_SUCH_TABLE.
const NO_SUCH_TABLE: u16 = 1146;

pub struct MysqlTarget<'c> {
    conn: MyConn<'c>,
    /// `GET_LOCK` names are server-wide: one per database, at most 64 characters.
    lock_name: String,
    /// The URL of a connection of migrator's own, and its connection id once the session is
    /// prepared: where a second connection watches a long statement.
    url: Option<DatabaseUrl>,
    connection_id: Option<String>,
    /// Whether the server's PROCESSLIST has MariaDB's STAGE / PROGRESS columns (learnt by
    /// the watching connection's first question).
    progress_columns: Option<bool>,
}

/// The runner's connection: its own, one taken from the application's pool (returned to it at
/// the end), or the application's, borrowed exclusively for the run (`GET_LOCK` and the
/// session settings are per session: nothing else may use it meanwhile).
enum MyConn<'c> {
    Owned(Conn),
    Pooled(Conn),
    Borrowed(&'c mut Conn),
}

impl std::ops::Deref for MyConn<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        match self {
            MyConn::Owned(c) | MyConn::Pooled(c) => c,
            MyConn::Borrowed(c) => c,
        }
    }
}

impl std::ops::DerefMut for MyConn<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        match self {
            MyConn::Owned(c) | MyConn::Pooled(c) => c,
            MyConn::Borrowed(c) => c,
        }
    }
}

impl<'c> MysqlTarget<'c> {
    pub async fn connect(url: &DatabaseUrl) -> Result<MysqlTarget<'static>> {
        let conn = connect::mysql(url).await?;
        let mut target = MysqlTarget::on(MyConn::Owned(conn), &url.redacted()).await?;
        target.url = Some(url.clone());
        Ok(target)
    }

    /// Runs on a connection of the application's pool.
    pub async fn pooled(pool: &mysql_async::Pool) -> Result<MysqlTarget<'static>> {
        let conn = pool
            .get_conn()
            .await
            .map_err(|e| Error::db("taking a connection from the application's pool", e))?;
        MysqlTarget::on(MyConn::Pooled(conn), "the application's pool").await
    }

    /// Runs on the application's connection.
    pub async fn borrowed(conn: &'c mut Conn) -> Result<MysqlTarget<'c>> {
        MysqlTarget::on(MyConn::Borrowed(conn), "the application's connection").await
    }

    async fn on(mut conn: MyConn<'c>, what: &str) -> Result<MysqlTarget<'c>> {
        let db: Option<String> = conn
            .query_first("SELECT DATABASE()")
            .await
            .map_err(|e| Error::db("reading the current database", e))?
            .flatten();
        let db = db.ok_or_else(|| Error::Url {
            url: what.to_string(),
            message: "no database selected; put the database name in the URL path (mysql://user:password@host:3306/DATABASE)".into(),
        })?;
        Ok(MysqlTarget {
            conn,
            lock_name: lock_name(&db),
            url: None,
            connection_id: None,
            progress_columns: None,
        })
    }
}

/// The `GET_LOCK` name of database `db` (names are server-wide, at most 64 characters).
fn lock_name(db: &str) -> String {
    let name = format!("migrator:{db}");
    if name.len() <= 64 {
        return name;
    }
    let digest = Checksum::of(db.as_bytes()).to_string();
    format!("migrator:{}", &digest["sha256:".len()..][..40])
}

/// What a DDL statement that already ran says when it runs again (see
/// [`DbError::already_done`]): database exists / does not (1007, 1008), table exists (1050),
/// unknown table (1051), unknown column (1054), duplicate column (1060), duplicate key name
/// (1061), multiple primary keys (1068), can't drop field or key (1091), no such table (1146),
/// routine exists / does not (1304, 1305), trigger exists / does not (1359, 1360), duplicate
/// foreign key name (1826).
const ALREADY_DONE_CODES: [u16; 15] = [
    1007, 1008, 1050, 1051, 1054, 1060, 1061, 1068, 1091, 1146, 1304, 1305, 1359, 1360, 1826,
];

fn db_err(e: mysql_async::Error) -> DbError {
    let code = match &e {
        mysql_async::Error::Server(s) => Some(s.code),
        _ => None,
    };
    DbError {
        message: mysql_error_text(&e),
        retryable: code.is_some_and(|c| RETRYABLE_CODES.contains(&c)),
        already_done: code.is_some_and(|c| ALREADY_DONE_CODES.contains(&c)),
        // 1053 server shutdown, 1927 connection killed, 2006 / 2013 gone away / lost; a driver
        // or I/O error means the socket itself failed.
        connection_lost: match &e {
            mysql_async::Error::Server(s) => [1053, 1927, 2006, 2013].contains(&s.code),
            mysql_async::Error::Io(_) => true,
            mysql_async::Error::Driver(d) => {
                matches!(d, mysql_async::DriverError::ConnectionClosed)
            }
            _ => false,
        },
    }
}

fn mysql_error_text(e: &mysql_async::Error) -> String {
    match e {
        mysql_async::Error::Server(s) => {
            format!("{} (error {}, SQLSTATE {})", s.message, s.code, s.state)
        }
        other => other.to_string(),
    }
}

fn err(context: &str, e: mysql_async::Error) -> Error {
    Error::db(context, mysql_error_text(&e))
}

/// The values of a bookkeeping statement (see [`bookkeeping`]) as mysql_async parameters, bound
/// as the driver binds the Rust values: integers as integers, booleans as 0 / 1, times as
/// `DATETIME` in UTC.
fn bind((sql, values): (String, sea_query::Values)) -> (String, mysql_async::Params) {
    use sea_query::Value as V;
    let value = |v: V| -> Value {
        match v {
            V::Bool(b) => b.into(),
            V::Int(i) => i.into(),
            V::BigInt(i) => i.into(),
            V::BigUnsigned(u) => u.into(),
            V::String(s) => s.into(),
            V::ChronoDateTimeUtc(t) => t.map(|t| t.naive_utc()).into(),
            other => unreachable!("bookkeeping statements bind no {other:?}"),
        }
    };
    let params = values.0.into_iter().map(value).collect();
    (sql, mysql_async::Params::Positional(params))
}

/// A `DATETIME(6)` read through the text protocol (`2026-01-01 12:00:00.123456`). Parsed here
/// rather than by the driver, whose conversion compiles regular expressions on first use: about
/// 2 ms of CPU at every start of the CLI, which with nothing pending is most of its work.
fn datetime(v: Value, what: &str) -> Result<Option<NaiveDateTime>> {
    let bad = |m: String| Error::db("reading migrator_history", format!("{what}: {m}"));
    match v {
        Value::NULL => Ok(None),
        Value::Bytes(b) => {
            let text = std::str::from_utf8(&b).map_err(|e| bad(e.to_string()))?;
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
                .map(Some)
                .map_err(|e| bad(format!("`{text}`: {e}")))
        }
        other => mysql_async::from_value_opt(other)
            .map(Some)
            .map_err(|e| bad(e.to_string())),
    }
}

#[async_trait]
impl Target for MysqlTarget<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    async fn prepare_session(&mut self, settings: &Settings) -> Result<()> {
        // Both variables take whole seconds; round up so a sub-second setting still waits.
        let secs = settings.lock_timeout.as_secs_f64().ceil().max(1.0) as u64;
        self.conn
            .query_drop(format!(
                "SET SESSION lock_wait_timeout = {secs}, SESSION innodb_lock_wait_timeout = {secs}"
            ))
            .await
            .map_err(|e| err("setting lock_wait_timeout", e))?;
        if self.url.is_some() && self.connection_id.is_none() {
            let id: Option<u64> = self
                .conn
                .query_first("SELECT CONNECTION_ID()")
                .await
                .map_err(|e| err("reading the connection id", e))?;
            self.connection_id = id.map(|id| id.to_string());
        }
        Ok(())
    }

    async fn try_lock(&mut self) -> Result<bool> {
        // No wait inside the server: the caller polls with backoff (a bounded wait overall) and
        // reports the holder meanwhile. NULL means an error inside GET_LOCK. The lock calls
        // stay hand-written: MySQL functions that sea-query does not know.
        let got: Option<Option<i64>> = self
            .conn
            .exec_first("SELECT GET_LOCK(?, 0)", (&self.lock_name,))
            .await
            .map_err(|e| err("taking the migration lock", e))?;
        match got.flatten() {
            Some(1) => {
                let holder = format!("migrator {}", runner_identity());
                // Best effort: tell waiting runners who holds the lock.
                let (sql, params) = bind(bookkeeping::record_holder(&self.lock_name, &holder));
                let _ = self.conn.exec_drop(sql, params).await;
                Ok(true)
            }
            Some(0) => Ok(false),
            _ => Err(Error::Lock(format!(
                "GET_LOCK('{}') returned NULL (an error on the server, e.g. the session was killed)",
                self.lock_name
            ))),
        }
    }

    async fn lock_holder(&mut self) -> Result<Option<String>> {
        let id: Option<Option<u64>> = self
            .conn
            .exec_first("SELECT IS_USED_LOCK(?)", (&self.lock_name,))
            .await
            .map_err(|e| err("looking up the lock holder", e))?;
        let Some(id) = id.flatten() else {
            return Ok(None);
        };
        let (sql, params) = bind(bookkeeping::read_holder(&self.lock_name, id));
        let holder: Option<String> = self.conn.exec_first(sql, params).await.ok().flatten();
        let client: Option<String> = self
            .conn
            .exec_first(
                "SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = ?",
                (id,),
            )
            .await
            .ok()
            .flatten();
        Ok(Some(format!(
            "{} [connection {id}, from {}]",
            holder.unwrap_or_else(|| "another session".into()),
            client.unwrap_or_else(|| "unknown".into())
        )))
    }

    async fn unlock(&mut self) -> Result<()> {
        self.conn
            .exec_drop("DO RELEASE_LOCK(?)", (&self.lock_name,))
            .await
            .map_err(|e| err("releasing the migration lock", e))
    }

    async fn read_history(&mut self) -> Result<Option<Vec<HistoryRow>>> {
        // Text protocol: one round trip (no prepare), and no parameters to bind.
        let sql = bookkeeping::read_history(Dialect::Mysql);
        let rows: Vec<Row> = match self.conn.query(sql).await {
            Ok(rows) => rows,
            Err(mysql_async::Error::Server(s)) if s.code == NO_SUCH_TABLE => return Ok(None),
            Err(e) => return Err(err("reading migrator_history", e)),
        };
        let bad = |m: String| Error::db("reading migrator_history", m);
        rows.into_iter()
            .map(|mut r| {
                let mut take = |i: usize| -> Result<Value> {
                    r.take::<Value, _>(i)
                        .ok_or_else(|| bad(format!("column {i} missing")))
                };
                fn conv<T: FromValue>(v: Value, what: &str) -> Result<T> {
                    mysql_async::from_value_opt(v)
                        .map_err(|e| Error::db("reading migrator_history", format!("{what}: {e}")))
                }
                let hashes: String = conv(take(8)?, "statement_hashes")?;
                let started = datetime(take(12)?, "started_at")?
                    .ok_or_else(|| bad("started_at is NULL".into()))?;
                let finished = datetime(take(13)?, "finished_at")?;
                Ok(HistoryRow {
                    version: Version(conv(take(0)?, "version")?),
                    name: conv(take(1)?, "name")?,
                    phase: conv::<String>(take(2)?, "phase")?.parse().map_err(bad)?,
                    checksum_up: conv(take(3)?, "checksum_up")?,
                    checksum_down: conv(take(4)?, "checksum_down")?,
                    status: conv::<String>(take(5)?, "status")?.parse().map_err(bad)?,
                    statements_applied: conv(take(6)?, "statements_applied")?,
                    statements_total: conv(take(7)?, "statements_total")?,
                    statement_hashes: serde_json::from_str(&hashes)
                        .map_err(|e| bad(format!("statement_hashes: {e}")))?,
                    down_statements_applied: conv(take(9)?, "down_statements_applied")?,
                    error: conv(take(10)?, "error")?,
                    failed_statement: conv(take(11)?, "failed_statement")?,
                    started_at: started.and_utc(),
                    finished_at: finished.map(|f| f.and_utc()),
                    execution_ms: conv(take(14)?, "execution_ms")?,
                    tool_version: conv(take(15)?, "tool_version")?,
                    host: conv(take(16)?, "host")?,
                    baseline: conv(take(17)?, "baseline")?,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    async fn ensure_history(&mut self) -> Result<()> {
        // MySQL checks the CREATE privilege even for CREATE TABLE IF NOT EXISTS: a deploy role
        // without it must still run once the bookkeeping tables exist.
        let existing: Option<i64> = self
            .conn
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?, ?)",
                (HISTORY_TABLE, HOLDER_TABLE, BACKFILL_TABLE),
            )
            .await
            .map_err(|e| err("reading migrator_history", e))?;
        if existing != Some(3) {
            for sql in bookkeeping::create_tables(Dialect::Mysql) {
                self.conn
                    .query_drop(sql)
                    .await
                    .map_err(|e| err("creating migrator_history", e))?;
            }
        }
        // The throttle's columns, on a progress table made by an older version. A role that may
        // not alter it still runs, without `migrator backfill pause` (warned).
        let control: Option<i64> = self
            .conn
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'control'",
                (BACKFILL_TABLE,),
            )
            .await
            .map_err(|e| err("reading migrator_backfill", e))?;
        if control == Some(0) {
            let sql = bookkeeping::add_backfill_control(Dialect::Mysql);
            if let Err(e) = self.conn.query_drop(&sql).await {
                tracing::warn!(
                    "could not add the control columns to {BACKFILL_TABLE} ({}); `migrator backfill pause` will not work until its owner runs: {sql}",
                    mysql_error_text(&e)
                );
            }
        }
        // The lock was taken before the holder table existed on a first run: record it now.
        // Hand-written: only while this connection holds the lock, a WHERE without a table,
        // which some MySQL versions accept only `FROM DUAL`, something sea-query does not write.
        let _ = self
            .conn
            .exec_drop(
                format!("REPLACE INTO {HOLDER_TABLE} (lock_name, connection_id, holder, acquired_at) SELECT ?, CONNECTION_ID(), ?, UTC_TIMESTAMP(6) FROM DUAL WHERE IS_USED_LOCK(?) = CONNECTION_ID()"),
                (&self.lock_name, format!("migrator {}", runner_identity()), &self.lock_name),
            )
            .await;
        Ok(())
    }

    async fn save_history(&mut self, row: &HistoryRow) -> Result<()> {
        let (sql, params) = bind(bookkeeping::save_history(Dialect::Mysql, row));
        self.conn
            .exec_drop(sql, params)
            .await
            .map_err(|e| err("writing migrator_history", e))
    }

    async fn delete_history(&mut self, version: Version) -> Result<()> {
        let (sql, params) = bind(bookkeeping::delete_history(Dialect::Mysql, version));
        self.conn
            .exec_drop(sql, params)
            .await
            .map_err(|e| err("writing migrator_history", e))
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.conn
            .query_drop("START TRANSACTION")
            .await
            .map_err(db_err)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.conn.query_drop("COMMIT").await.map_err(db_err)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.conn.query_drop("ROLLBACK").await.map_err(db_err)
    }

    async fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn.query_drop(sql).await.map_err(db_err)
    }

    async fn reset_session(&mut self) -> Result<(), DbError> {
        // UNLOCK TABLES releases what a file's LOCK TABLES took (and nothing else: the
        // migration lock is GET_LOCK's); the checks go back to the server's defaults.
        self.conn
            .query_drop(
                "UNLOCK TABLES; SET SESSION foreign_key_checks = DEFAULT, SESSION unique_checks = DEFAULT",
            )
            .await
            .map_err(db_err)
    }

    async fn backfill_key(&mut self, table: &str, key: &str) -> Result<BackfillKey> {
        let ctx = |e: mysql_async::Error| err("reading the backfill table's keys", e);
        let mut parts = name_parts(table, Dialect::Mysql);
        let name = parts.pop().unwrap_or_default();
        let schema = parts.pop();
        let found: Option<(String, String, Option<u64>)> = self
            .conn
            .exec_first(
                "SELECT TABLE_SCHEMA, TABLE_TYPE, TABLE_ROWS FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?",
                (schema, &name),
            )
            .await
            .map_err(ctx)?;
        let Some((schema, kind, estimated_rows)) = found else {
            return Err(Error::Refused(format!(
                "backfill table {table} does not exist; create it in an earlier migration or fix table= in the directive"
            )));
        };
        if kind != "BASE TABLE" {
            return Err(Error::Refused(format!(
                "backfill table {table} is not a table ({kind}); name the table the UPDATE changes"
            )));
        }
        let columns: Vec<(String, String, String, String)> = self
            .conn
            .exec(
                "SELECT COLUMN_NAME, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                (&schema, &name),
            )
            .await
            .map_err(ctx)?;
        let index_rows: Vec<(String, Option<String>, Option<u64>)> = self
            .conn
            .exec(
                "SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 \
                 ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
                (&schema, &name),
            )
            .await
            .map_err(ctx)?;
        // (index name, key columns, usable shape: no prefix, no expression)
        let mut indexes: Vec<(String, Vec<String>, bool)> = Vec::new();
        for (index, column, sub_part) in index_rows {
            if indexes.last().is_none_or(|(n, _, _)| *n != index) {
                indexes.push((index.clone(), Vec::new(), true));
            }
            let last = indexes.last_mut().expect("pushed above");
            last.2 &= column.is_some() && sub_part.is_none();
            last.1.push(column.unwrap_or_else(|| "(expression)".into()));
        }
        let not_null = |c: &str| {
            columns
                .iter()
                .any(|(n, nullable, _, _)| n.eq_ignore_ascii_case(c) && nullable == "NO")
        };
        let table_sql = format!(
            "{}.{}",
            Dialect::Mysql.ident(&schema),
            Dialect::Mysql.ident(&name)
        );
        let display = format!("{schema}.{name}");
        // A unique key's column, or the first column of a composite primary key: ranges of
        // it cover every row once, the rows sharing a value in one batch.
        let candidates: Vec<String> = indexes
            .iter()
            .filter(|(n, cols, plain)| {
                *plain && (n == "PRIMARY" || (cols.len() == 1 && not_null(&cols[0])))
            })
            .map(|(_, cols, _)| cols[0].clone())
            .collect();
        let key_name = name_parts(key, Dialect::Mysql).pop().unwrap_or_default();
        let Some((column, _, data_type, column_type)) = columns
            .iter()
            .find(|(n, _, _, _)| n.eq_ignore_ascii_case(&key_name))
        else {
            return Err(unusable_key(
                &display,
                key,
                &format!("the table has no column {key_name}"),
                &candidates,
            ));
        };
        let on_key = |cols: &[String]| cols.len() == 1 && cols[0].eq_ignore_ascii_case(column);
        if !candidates.iter().any(|c| c.eq_ignore_ascii_case(column)) {
            let reason = if indexes.is_empty() {
                "the table has no primary key and no unique key".to_string()
            } else if let Some((_, cols, _)) = indexes.iter().find(|(n, cols, _)| {
                n == "PRIMARY"
                    && cols.len() > 1
                    && cols.iter().any(|c| c.eq_ignore_ascii_case(column))
            }) {
                format!(
                    "its primary key ({}) is composite and {column} is not its first column; batches walk a unique key or the primary key's first column",
                    cols.join(", ")
                )
            } else if indexes
                .iter()
                .any(|(_, cols, plain)| *plain && on_key(cols))
            {
                format!("{column} is unique but nullable (rows with NULL keys would be skipped); make it NOT NULL")
            } else {
                format!("{column} is neither the primary key nor a NOT NULL unique key")
            };
            return Err(unusable_key(&display, key, &reason, &candidates));
        }
        let type_name = match data_type.to_ascii_lowercase().as_str() {
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
                if column_type.to_ascii_lowercase().contains("unsigned") {
                    "unsigned"
                } else {
                    "signed"
                }
            }
            "char" | "varchar" => "string",
            other => {
                return Err(Error::Refused(format!(
                    "cannot backfill table {display} by key={key}: {column} is of type {other}; on MySQL/MariaDB a backfill key must be an integer or a CHAR/VARCHAR column. Use key= with such a key"
                )))
            }
        };
        let column_sql = Dialect::Mysql.ident(column);
        // An index's two ends: cheap. Unsigned keys past i64 leave the bar without a range.
        let key_range = if type_name == "string" {
            None
        } else {
            let range: Option<(Option<String>, Option<String>)> = self
                .conn
                .query_first(format!(
                    "SELECT CAST(MIN({column_sql}) AS CHAR), CAST(MAX({column_sql}) AS CHAR) FROM {table_sql}"
                ))
                .await
                .map_err(ctx)?;
            match range {
                Some((Some(min), Some(max))) => min.parse().ok().zip(max.parse().ok()),
                _ => None,
            }
        };
        Ok(BackfillKey {
            table_sql,
            column_sql,
            type_name: type_name.into(),
            estimated_rows,
            key_range,
        })
    }

    async fn read_backfill(&mut self, version: Version) -> Result<Option<BackfillProgress>> {
        let (sql, params) = bind(bookkeeping::read_backfill(Dialect::Mysql, version));
        type Progress = (
            u64,
            String,
            String,
            Option<String>,
            Option<String>,
            u64,
            u64,
            NaiveDateTime,
            NaiveDateTime,
            Option<NaiveDateTime>,
        );
        let row: Option<Progress> = match self.conn.exec_first(sql, params).await {
            Ok(row) => row,
            Err(mysql_async::Error::Server(s)) if s.code == NO_SUCH_TABLE => return Ok(None),
            Err(e) => return Err(err("reading migrator_backfill", e)),
        };
        Ok(row.map(|r| BackfillProgress {
            version: Version(r.0),
            table: r.1,
            key: r.2,
            last_key: r.3,
            end_key: r.4,
            rows: r.5,
            batches: r.6,
            started_at: r.7.and_utc(),
            updated_at: r.8.and_utc(),
            finished_at: r.9.map(|t| t.and_utc()),
        }))
    }

    async fn start_backfill(
        &mut self,
        version: Version,
        table: &str,
        key: &str,
        end_key: Option<&str>,
    ) -> Result<()> {
        let (sql, params) = bind(bookkeeping::start_backfill(
            Dialect::Mysql,
            version,
            table,
            key,
            end_key,
        ));
        self.conn
            .exec_drop(sql, params)
            .await
            .map_err(|e| err("writing migrator_backfill", e))
    }

    async fn finish_backfill(&mut self, version: Version) -> Result<()> {
        let (sql, params) = bind(bookkeeping::finish_backfill(Dialect::Mysql, version));
        self.conn
            .exec_drop(sql, params)
            .await
            .map_err(|e| err("writing migrator_backfill", e))
    }

    async fn backfill_end(&mut self, job: &BackfillJob) -> Result<Option<String>, DbError> {
        let (table, col) = (&job.found.table_sql, &job.found.column_sql);
        let value: Option<Value> = self
            .conn
            .query_first(format!("SELECT MAX({col}) FROM {table}"))
            .await
            .map_err(db_err)?;
        key_text(value)
    }

    async fn backfill_bound(
        &mut self,
        job: &BackfillJob,
        after: Option<&str>,
        end: &str,
    ) -> Result<Option<String>, DbError> {
        let (table, col, ty) = (
            &job.found.table_sql,
            &job.found.column_sql,
            &job.found.type_name,
        );
        let bounded = |range: &str| {
            format!("SELECT {col} FROM {table} WHERE {range} ORDER BY {col} LIMIT ?, 1")
        };
        let end = key_value(ty, end)?;
        let offset = job.batch - 1;
        let value: Option<Value> = match after {
            None => {
                let sql = bounded(&format!("{col} <= ?"));
                self.conn.exec_first(sql, (end, offset)).await
            }
            Some(after) => {
                let sql = bounded(&format!("{col} > ? AND {col} <= ?"));
                let after = key_value(ty, after)?;
                self.conn.exec_first(sql, (after, end, offset)).await
            }
        }
        .map_err(db_err)?;
        key_text(value)
    }

    async fn backfill_batch(
        &mut self,
        job: &BackfillJob,
        after: Option<&str>,
        upto: &str,
        end: &str,
    ) -> Result<BatchDone, DbError> {
        let key = job.key_in_update();
        let ty = &job.found.type_name;
        let (sql, params) = match after {
            None => (
                job.update.with_range(&format!("{key} <= ?")),
                vec![key_value(ty, upto)?],
            ),
            Some(after) => (
                job.update.with_range(&format!("{key} > ? AND {key} <= ?")),
                vec![key_value(ty, after)?, key_value(ty, upto)?],
            ),
        };
        // The UPDATE is DML: on InnoDB it commits (or rolls back) with the progress row.
        self.conn
            .query_drop("START TRANSACTION")
            .await
            .map_err(db_err)?;
        let result = async {
            self.conn.exec_drop(sql, params).await.map_err(db_err)?;
            let rows = self.conn.affected_rows();
            let (progress, moved) = bind(bookkeeping::move_backfill(
                Dialect::Mysql,
                job.version,
                &job.table,
                &job.key,
                upto,
                rows,
            ));
            self.conn.exec_drop(progress, moved).await.map_err(db_err)?;
            if self.conn.affected_rows() != 1 {
                return Err(DbError {
                    message: format!(
                        "the progress row of {} in {BACKFILL_TABLE} is gone",
                        job.version
                    ),
                    retryable: false,
                    already_done: false,
                    connection_lost: false,
                });
            }
            // Read before COMMIT: an error here rolls the batch back, so retrying the whole
            // batch never runs its UPDATE twice.
            let next = self.backfill_bound(job, Some(upto), end).await?;
            self.conn.query_drop("COMMIT").await.map_err(db_err)?;
            Ok(BatchDone { rows, next })
        }
        .await;
        if result.is_err() {
            let _ = self.conn.query_drop("ROLLBACK").await;
        }
        result
    }

    async fn backfill_control(&mut self, version: Version) -> Result<Option<String>> {
        let (sql, params) = bind(bookkeeping::read_backfill_control(Dialect::Mysql, version));
        let row: Option<Option<String>> = self
            .conn
            .exec_first(sql, params)
            .await
            .map_err(|e| err("reading migrator_backfill", e))?;
        Ok(row.flatten())
    }

    async fn backfill_state(&mut self, version: Version, state: Option<&str>) -> Result<()> {
        let (sql, params) = bind(bookkeeping::write_backfill_state(
            Dialect::Mysql,
            version,
            state,
        ));
        self.conn
            .exec_drop(sql, params)
            .await
            .map_err(|e| err("writing migrator_backfill", e))
    }

    async fn set_backfill_control(
        &mut self,
        version: Option<Version>,
        control: Option<&str>,
    ) -> Result<()> {
        let (sql, params) = bind(bookkeeping::write_backfill_control(
            Dialect::Mysql,
            version,
            control,
        ));
        self.conn
            .exec_drop(sql, params)
            .await
            .map_err(|e| err("writing migrator_backfill", e))
    }

    async fn list_backfills(&mut self) -> Result<Option<Vec<BackfillRow>>> {
        let (sql, params) = bind(bookkeeping::list_backfills(Dialect::Mysql));
        let rows: Vec<mysql_async::Row> = match self.conn.exec(sql, params).await {
            Ok(rows) => rows,
            Err(mysql_async::Error::Server(s)) if s.code == NO_SUCH_TABLE => return Ok(None),
            Err(e) => return Err(err("reading migrator_backfill", e)),
        };
        let bad = |what: &str| Error::db("reading migrator_backfill", format!("unexpected {what}"));
        rows.into_iter()
            .map(|mut r| {
                macro_rules! take {
                    ($i:expr, $t:ty) => {
                        r.take_opt::<$t, _>($i)
                            .ok_or_else(|| bad("row"))?
                            .map_err(|_| bad(concat!("column ", stringify!($i))))?
                    };
                }
                Ok(BackfillRow {
                    progress: BackfillProgress {
                        version: Version(take!(0, u64)),
                        table: take!(1, String),
                        key: take!(2, String),
                        last_key: take!(3, Option<String>),
                        end_key: take!(4, Option<String>),
                        rows: take!(5, u64),
                        batches: take!(6, u64),
                        started_at: take!(7, NaiveDateTime).and_utc(),
                        updated_at: take!(8, NaiveDateTime).and_utc(),
                        finished_at: take!(9, Option<NaiveDateTime>).map(|t| t.and_utc()),
                    },
                    control: take!(10, Option<String>),
                    state: take!(11, Option<String>),
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    async fn load_metrics(&mut self, names: &[String]) -> Result<Vec<u64>> {
        // The whole list, matched here: no name goes into the SQL.
        let status: Vec<(String, String)> = self
            .conn
            .query("SHOW GLOBAL STATUS")
            .await
            .map_err(|e| err("reading the server load (SHOW GLOBAL STATUS)", e))?;
        names
            .iter()
            .map(|name| {
                let value = status
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v);
                match value.map(|v| v.trim().parse::<u64>()) {
                    Some(Ok(n)) => Ok(n),
                    Some(Err(_)) => Err(Error::Refused(format!(
                        "load metric {name}: its value in SHOW GLOBAL STATUS is not a whole number; name a counter or gauge such as Threads_running in --max-load / --critical-load"
                    ))),
                    None => Err(Error::Refused(format!(
                        "load metric {name} is not a status variable of this server (SHOW GLOBAL STATUS); fix --max-load / --critical-load (backfill-max-load / backfill-critical-load in migrator.toml), e.g. Threads_running=25"
                    ))),
                }
            })
            .collect()
    }

    fn watch_point(&self) -> Option<WatchPoint> {
        Some(WatchPoint {
            url: self.url.clone()?,
            session: self.connection_id.clone()?,
        })
    }

    async fn statement_progress(&mut self, session: &str) -> Result<Option<String>, DbError> {
        // MariaDB's PROCESSLIST has the stage and percentage of an ALTER TABLE; MySQL's has
        // the state only (its stage progress needs performance_schema consumers that are off
        // by default, and a migration tool does not switch server instrumentation on).
        if self.progress_columns != Some(false) {
            let rows = self
                .query_text(
                    "SELECT CONCAT_WS('; ', NULLIF(STATE, ''), IF(MAX_STAGE > 0, \
                       CONCAT('stage ', STAGE, ' of ', MAX_STAGE, ', ', ROUND(PROGRESS), '%'), NULL)) \
                     FROM information_schema.PROCESSLIST WHERE ID = ?",
                    &[session],
                )
                .await;
            match rows {
                Ok(rows) => {
                    self.progress_columns = Some(true);
                    return Ok(first_text(rows));
                }
                Err(_) if self.progress_columns.is_none() => self.progress_columns = Some(false),
                Err(e) => return Err(e),
            }
        }
        let rows = self
            .query_text(
                "SELECT NULLIF(STATE, '') FROM performance_schema.processlist WHERE ID = ?",
                &[session],
            )
            .await?;
        Ok(first_text(rows))
    }

    async fn query_text(
        &mut self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let rows: Vec<mysql_async::Row> = if params.is_empty() {
            self.conn.query(sql).await
        } else {
            let values: Vec<Value> = params.iter().map(|p| Value::from(*p)).collect();
            self.conn.exec(sql, values).await
        }
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|row| row.unwrap().into_iter().map(value_text).collect())
            .collect())
    }

    async fn retarget(&mut self, url: &DatabaseUrl) -> Result<bool> {
        let reusable = matches!(&self.conn, MyConn::Owned(_))
            && self
                .url
                .as_ref()
                .is_some_and(|u| u.session_reusable_for(url));
        let Some(db) = url.database().filter(|_| reusable) else {
            return Ok(false);
        };
        // Prepared statements keep the database they were prepared in: a fresh session
        // (COM_RESET_CONNECTION also drops the statement cache), then the new database.
        let switch = format!("USE {}", Dialect::Mysql.ident(&db));
        let switched = match self.conn.reset().await {
            Ok(true) => self.conn.query_drop(switch).await,
            Ok(false) => return Ok(false),
            Err(e) => Err(e),
        };
        switched.map_err(|e| Error::db(format!("switching to {}", url.redacted()), e))?;
        self.lock_name = lock_name(&db);
        self.url = Some(url.clone());
        Ok(true)
    }

    async fn close(self: Box<Self>) {
        match self.conn {
            MyConn::Owned(c) => {
                let _ = c.disconnect().await;
            }
            // The application's session gets its lock waits back (a pool resets a connection
            // it gets back only when `reset_connection` is on, the default).
            MyConn::Pooled(mut c) => reset_lock_waits(&mut c).await,
            MyConn::Borrowed(c) => reset_lock_waits(c).await,
        }
    }
}

async fn reset_lock_waits(c: &mut Conn) {
    let _ = c
        .query_drop(
            "SET SESSION lock_wait_timeout = DEFAULT, SESSION innodb_lock_wait_timeout = DEFAULT",
        )
        .await;
}

/// A value read back as text (see [`Target::query_text`]).
pub(super) fn value_text(v: Value) -> Option<String> {
    match v {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Double(d) => Some(d.to_string()),
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

/// A key kept as text, as a value of the key's type (`signed`, `unsigned` or `string`).
fn key_value(type_name: &str, text: &str) -> Result<Value, DbError> {
    let bad = || DbError {
        message: format!("stored backfill key `{text}` is not a {type_name} integer"),
        retryable: false,
        already_done: false,
        connection_lost: false,
    };
    Ok(match type_name {
        "signed" => Value::Int(text.parse().map_err(|_| bad())?),
        "unsigned" => Value::UInt(text.parse().map_err(|_| bad())?),
        _ => Value::from(text),
    })
}

/// A key read from the server, as the text kept in the progress table.
fn key_text(value: Option<Value>) -> Result<Option<String>, DbError> {
    match value {
        None | Some(Value::NULL) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(i.to_string())),
        Some(Value::UInt(u)) => Ok(Some(u.to_string())),
        Some(Value::Bytes(b)) => String::from_utf8(b).map(Some).map_err(|_| DbError {
            message: "a backfill key is not valid UTF-8 text; use an integer or a text key".into(),
            retryable: false,
            already_done: false,
            connection_lost: false,
        }),
        Some(other) => Ok(Some(other.as_sql(true).trim_matches('\'').to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookkeeping_values_bind_as_the_driver_binds_rust_values() {
        use chrono::{TimeZone, Utc};
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let values = sea_query::Values(vec![
            true.into(),
            7i32.into(),
            (-7i64).into(),
            u64::MAX.into(),
            "x".into(),
            Option::<String>::None.into(),
            at.into(),
            Option::<chrono::DateTime<Utc>>::None.into(),
        ]);
        let (_, params) = bind((String::new(), values));
        let expected: Vec<Value> = vec![
            true.into(),
            7i32.into(),
            (-7i64).into(),
            u64::MAX.into(),
            "x".into(),
            Value::NULL,
            at.naive_utc().into(),
            Value::NULL,
        ];
        assert_eq!(params, mysql_async::Params::Positional(expected));
    }

    #[test]
    fn history_datetimes_parse_from_text_with_and_without_fraction() {
        let at = |s: &str| datetime(Value::Bytes(s.as_bytes().to_vec()), "t").unwrap();
        let full = at("2026-01-02 03:04:05.123456").unwrap();
        assert_eq!(full.to_string(), "2026-01-02 03:04:05.123456");
        assert_eq!(
            at("2026-01-02 03:04:05").unwrap().to_string(),
            "2026-01-02 03:04:05"
        );
        assert_eq!(datetime(Value::NULL, "t").unwrap(), None);
        let binary = Value::Date(2026, 1, 2, 3, 4, 5, 6);
        assert_eq!(
            datetime(binary, "t").unwrap().unwrap().to_string(),
            "2026-01-02 03:04:05.000006"
        );
        let e = datetime(Value::Bytes(b"yesterday".to_vec()), "started_at").unwrap_err();
        assert!(
            e.to_string().contains("started_at") && e.to_string().contains("yesterday"),
            "{e}"
        );
    }
}
