//! [`Target`] for Postgres: session advisory lock, transactional DDL, `lock_timeout`.

use super::bookkeeping;
use super::history::{runner_identity, HistoryRow, HISTORY_TABLE};
use super::job::{
    unusable_key, BackfillJob, BackfillKey, BackfillProgress, BackfillRow, BatchDone,
    BACKFILL_TABLE,
};
use super::target::{commit_error, first_text, DbError, Target, WatchPoint};
use crate::connect::{self, pg_error_text};
use crate::migrations::split::has_keyword;
use crate::migrations::update::name_parts;
use crate::migrations::Version;
use crate::{DatabaseUrl, Dialect, Error, Result, Settings};
use async_trait::async_trait;
use sea_query_postgres::{PostgresValue, PostgresValues};
use std::collections::HashMap;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

/// The advisory lock key: advisory locks are per database, so one constant key serializes the
/// runners of one database. (0x6d696772 = "migr", 0x61746f72 = "ator".)
const LOCK_KEY: i64 = 0x6d69_6772_6174_6f72;

pub struct PostgresTarget<'c> {
    client: PgClient<'c>,
    /// Statements prepared for the backfill batches, by SQL text (prepared once per run).
    prepared: HashMap<String, tokio_postgres::Statement>,
    /// The URL of a connection of migrator's own, and its backend pid once the session is
    /// prepared: where a second connection watches a long statement.
    url: Option<DatabaseUrl>,
    pid: Option<String>,
}

/// The runner's connection: its own, or the application's, borrowed exclusively for the run
/// (an advisory lock and transactions are per session: nothing else may use it meanwhile).
enum PgClient<'c> {
    Owned(Client),
    Borrowed(&'c mut Client),
}

impl std::ops::Deref for PgClient<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        match self {
            PgClient::Owned(c) => c,
            PgClient::Borrowed(c) => c,
        }
    }
}

/// The index name of `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON …`.
fn concurrent_index_name(sql: &str) -> Option<String> {
    let mut words = sql.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("create") {
        return None;
    }
    let mut w = words.next()?;
    if w.eq_ignore_ascii_case("unique") {
        w = words.next()?;
    }
    if !w.eq_ignore_ascii_case("index") || !words.next()?.eq_ignore_ascii_case("concurrently") {
        return None;
    }
    let mut name = words.next()?;
    if name.eq_ignore_ascii_case("if") {
        words.next(); // not
        words.next(); // exists
        name = words.next()?;
    }
    if name.eq_ignore_ascii_case("on") {
        return None;
    }
    name_parts(name, Dialect::Postgres).pop()
}

impl<'c> PostgresTarget<'c> {
    /// Runs on the application's connection (see [`crate::Connection`]).
    pub fn borrowed(client: &'c mut Client) -> Self {
        PostgresTarget {
            client: PgClient::Borrowed(client),
            prepared: HashMap::new(),
            url: None,
            pid: None,
        }
    }

    /// The advisory lock key of this target: [`LOCK_KEY`] for a database; for a schema target
    /// (schema-per-tenant), one derived from the schema name, so the tenants of one database
    /// migrate in parallel while two runners of one tenant still exclude each other.
    fn lock_key(&self) -> i64 {
        match self.url.as_ref().and_then(|u| u.schema()) {
            None => LOCK_KEY,
            Some(schema) => {
                let digest =
                    crate::migrations::Checksum::of(format!("migrator:{schema}").as_bytes())
                        .to_string();
                let hex = &digest["sha256:".len()..][..16];
                u64::from_str_radix(hex, 16).map_or(LOCK_KEY, |k| k as i64)
            }
        }
    }

    /// A failed `CREATE INDEX CONCURRENTLY` leaves an INVALID index behind, which makes the
    /// retry fail with "already exists": drop it first.
    async fn drop_invalid_index(&mut self, sql: &str) -> Result<(), DbError> {
        let Some(name) = concurrent_index_name(sql) else {
            return Ok(());
        };
        let rows = self
            .client
            .query(
                "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c \
                 JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relname = $1 AND NOT i.indisvalid AND pg_table_is_visible(c.oid)",
                &[&name],
            )
            .await
            .map_err(db_err)?;
        if let Some(row) = rows.first() {
            let qualified: String = row.get(0);
            tracing::warn!("dropping INVALID index {qualified} left by a failed concurrent build before retrying it");
            self.client
                .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}"))
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}

impl PostgresTarget<'_> {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self> {
        let mut app = format!("migrator {}", runner_identity());
        app.truncate(63);
        Ok(PostgresTarget {
            client: PgClient::Owned(connect::postgres(url, &app).await?),
            prepared: HashMap::new(),
            url: Some(url.clone()),
            pid: None,
        })
    }

    /// Adds the throttle's columns to a progress table made by an older version. A role that
    /// may not alter it still runs, without `migrator backfill pause` (warned).
    async fn ensure_backfill_control(&mut self) -> Result<()> {
        let missing = self
            .client
            .query_one(
                &format!("SELECT NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('{BACKFILL_TABLE}') AND attname = 'control' AND NOT attisdropped)"),
                &[],
            )
            .await
            .map_err(|e| Error::db("reading migrator_backfill", pg_error_text(&e)))?;
        if missing.get::<_, bool>(0) {
            let sql = bookkeeping::add_backfill_control(Dialect::Postgres);
            if let Err(e) = self.client.batch_execute(&sql).await {
                tracing::warn!(
                    "could not add the control columns to {BACKFILL_TABLE} ({}); `migrator backfill pause` will not work until its owner runs: {sql}",
                    pg_error_text(&e)
                );
            }
        }
        Ok(())
    }

    async fn prepare(&mut self, sql: String) -> Result<tokio_postgres::Statement, DbError> {
        if let Some(stmt) = self.prepared.get(&sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(&sql).await.map_err(db_err)?;
        self.prepared.insert(sql, stmt.clone());
        Ok(stmt)
    }
}

/// A key kept as text, turned back into a value of the key's type.
fn key_param(n: usize, type_name: &str) -> String {
    format!("(${n}::text)::{type_name}")
}

/// The bound query: an index-only scan from `after` (parameter 1, when `with_after`) up to
/// the end key that stops at the `batch`-th entry (last parameter: the offset, `batch - 1`): no
/// sort, nothing materialized. The cast to text is outside, so the ORDER BY is on the key.
fn bound_sql(job: &BackfillJob, with_after: bool) -> String {
    let (table, col, ty) = (
        &job.found.table_sql,
        &job.found.column_sql,
        &job.found.type_name,
    );
    let (range, offset) = if with_after {
        (
            format!(
                "{col} > {} AND {col} <= {}",
                key_param(1, ty),
                key_param(2, ty)
            ),
            3,
        )
    } else {
        (format!("{col} <= {}", key_param(1, ty)), 2)
    };
    format!(
        "SELECT s.k::text FROM (SELECT {col} AS k FROM {table} WHERE {range} ORDER BY {col} OFFSET ${offset} LIMIT 1) s"
    )
}

/// A bookkeeping statement (see [`bookkeeping`]) and its values as tokio-postgres parameters.
fn bind((sql, values): (String, sea_query::Values)) -> (String, PostgresValues) {
    (
        sql,
        PostgresValues(values.0.into_iter().map(PostgresValue).collect()),
    )
}

fn db_err(e: tokio_postgres::Error) -> DbError {
    let code = e.code().cloned();
    DbError {
        message: pg_error_text(&e),
        retryable: matches!(
            code,
            Some(SqlState::LOCK_NOT_AVAILABLE) | Some(SqlState::T_R_DEADLOCK_DETECTED)
        ),
        already_done: code.as_ref().is_some_and(|c| ALREADY_DONE.contains(c)),
        // No SQLSTATE: the socket failed; class 08 and the shutdown codes: the server ended it.
        connection_lost: e.is_closed()
            || code.as_ref().is_none_or(|c| {
                c.code().starts_with("08")
                    || [
                        SqlState::ADMIN_SHUTDOWN,
                        SqlState::CRASH_SHUTDOWN,
                        SqlState::CANNOT_CONNECT_NOW,
                    ]
                    .contains(c)
            }),
    }
}

/// What a DDL statement that already ran says when it runs again: the relation, column,
/// constraint / index / trigger / type, function or schema it creates exists, or the one it
/// drops or renames is gone (see [`DbError::already_done`]).
const ALREADY_DONE: [SqlState; 9] = [
    SqlState::DUPLICATE_TABLE,
    SqlState::DUPLICATE_COLUMN,
    SqlState::DUPLICATE_OBJECT,
    SqlState::DUPLICATE_FUNCTION,
    SqlState::DUPLICATE_SCHEMA,
    SqlState::UNDEFINED_TABLE,
    SqlState::UNDEFINED_COLUMN,
    SqlState::UNDEFINED_OBJECT,
    SqlState::UNDEFINED_FUNCTION,
];

/// Whether `sql` is an index build, a validation or a `DO` block (a planned down copies a whole
/// table back in one, batch by batch): a long run that gets a long statement timeout (and, for
/// `CONCURRENTLY`, cannot run in a transaction). `lock_timeout` still bounds every lock wait.
fn runs_long(sql: &str) -> bool {
    has_keyword(sql, Dialect::Postgres, "CONCURRENTLY")
        || has_keyword(sql, Dialect::Postgres, "VALIDATE")
        || sql
            .trim_start()
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("do"))
}

fn history_err(e: DbError) -> Error {
    Error::db("writing migrator_history", e.message)
}

#[async_trait]
impl Target for PostgresTarget<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn transactional_ddl(&self) -> bool {
        true
    }

    async fn prepare_session(&mut self, settings: &Settings) -> Result<()> {
        let ms = settings.lock_timeout.as_millis().max(1);
        self.client
            .batch_execute(&format!("SET lock_timeout = '{ms}ms'"))
            .await
            .map_err(|e| Error::db("setting lock_timeout", pg_error_text(&e)))?;
        if self.url.is_some() && self.pid.is_none() {
            let row = self
                .client
                .query_one("SELECT pg_backend_pid()::text", &[])
                .await
                .map_err(|e| Error::db("reading the session's pid", pg_error_text(&e)))?;
            self.pid = Some(row.get(0));
        }
        Ok(())
    }

    async fn try_lock(&mut self) -> Result<bool> {
        // The lock calls and catalog queries stay hand-written: Postgres-only one-liners, with
        // nothing to share with MySQL (see `bookkeeping` for the statements that are).
        let row = self
            .client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&self.lock_key()])
            .await
            .map_err(|e| Error::db("taking the migration lock", pg_error_text(&e)))?;
        Ok(row.get(0))
    }

    async fn lock_holder(&mut self) -> Result<Option<String>> {
        // A bigint advisory key shows in pg_locks as classid = high half, objid = low half.
        let rows = self
            .client
            .query(
                "SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local socket'), \
                        to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') \
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                   AND l.classid::bigint = $1 AND l.objid::bigint = $2",
                &[&(self.lock_key() >> 32), &(self.lock_key() & 0xffff_ffff)],
            )
            .await
            .map_err(|e| Error::db("looking up the lock holder", pg_error_text(&e)))?;
        Ok(rows.first().map(|r| {
            let pid: i32 = r.get(0);
            let app: String = r.get(1);
            let addr: String = r.get(2);
            let since: String = r.get(3);
            format!("{app} [server pid {pid}, from {addr}, connected {since}]")
        }))
    }

    async fn unlock(&mut self) -> Result<()> {
        self.client
            .execute("SELECT pg_advisory_unlock($1)", &[&self.lock_key()])
            .await
            .map(|_| ())
            .map_err(|e| Error::db("releasing the migration lock", pg_error_text(&e)))
    }

    async fn read_history(&mut self) -> Result<Option<Vec<HistoryRow>>> {
        let sql = bookkeeping::read_history(Dialect::Postgres);
        // query_typed skips the separate prepare round trip: start-up with nothing pending is
        // this one query.
        let rows = match self.client.query_typed(&sql, &[]).await {
            Ok(rows) => rows,
            Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => return Ok(None),
            Err(e) => return Err(Error::db("reading migrator_history", pg_error_text(&e))),
        };
        let bad = |m: String| Error::db("reading migrator_history", m);
        rows.iter()
            .map(|r| {
                let hashes: String = r.get(8);
                Ok(HistoryRow {
                    version: Version(r.get::<_, i64>(0) as u64),
                    name: r.get(1),
                    phase: r.get::<_, String>(2).parse().map_err(bad)?,
                    checksum_up: r.get(3),
                    checksum_down: r.get(4),
                    status: r.get::<_, String>(5).parse().map_err(bad)?,
                    statements_applied: r.get(6),
                    statements_total: r.get(7),
                    statement_hashes: serde_json::from_str(&hashes)
                        .map_err(|e| bad(format!("statement_hashes: {e}")))?,
                    down_statements_applied: r.get(9),
                    error: r.get(10),
                    failed_statement: r.get(11),
                    started_at: r.get(12),
                    finished_at: r.get(13),
                    execution_ms: r.get(14),
                    tool_version: r.get(15),
                    host: r.get(16),
                    baseline: r.get(17),
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    async fn ensure_history(&mut self) -> Result<()> {
        let sql = bookkeeping::create_tables(Dialect::Postgres).join(";\n");
        // When both tables exist, skip the CREATE: Postgres checks the CREATE privilege on the
        // schema even for IF NOT EXISTS, and a deploy role may lack it (its DDL then fails on
        // the migration's own statement, which names the file). Hand-written: a catalog
        // function on constant names, nothing for a query builder to add.
        let exists = self
            .client
            .query_one(
                &format!("SELECT to_regclass('{HISTORY_TABLE}') IS NOT NULL AND to_regclass('{BACKFILL_TABLE}') IS NOT NULL"),
                &[],
            )
            .await
            .map_err(|e| Error::db("reading migrator_history", pg_error_text(&e)))?;
        if exists.get::<_, bool>(0) {
            return self.ensure_backfill_control().await;
        }
        // CREATE TABLE IF NOT EXISTS can still race on the type name when two sessions create it
        // at once; runners hold the lock here, so only a foreign session could race.
        self.client
            .batch_execute(&sql)
            .await
            .map_err(|e| Error::db("creating migrator_history", pg_error_text(&e)))
    }

    async fn save_history(&mut self, row: &HistoryRow) -> Result<()> {
        // The same SQL for every row: prepared once per run.
        let (sql, values) = bind(bookkeeping::save_history(Dialect::Postgres, row));
        let stmt = self.prepare(sql).await.map_err(history_err)?;
        self.client
            .execute(&stmt, &values.as_params())
            .await
            .map(|_| ())
            .map_err(|e| Error::db("writing migrator_history", pg_error_text(&e)))
    }

    async fn save_history_and_commit(&mut self, row: &HistoryRow) -> Result<()> {
        let (sql, values) = bind(bookkeeping::save_history(Dialect::Postgres, row));
        let stmt = match self.prepare(sql).await {
            Ok(stmt) => stmt,
            Err(e) => {
                let _ = self.client.batch_execute("ROLLBACK").await;
                return Err(history_err(e));
            }
        };
        let params = values.as_params();
        // One round trip: the row and COMMIT pipelined. When the INSERT fails, the transaction
        // is aborted and its COMMIT rolls it back.
        let (saved, committed) = tokio::join!(
            biased;
            self.client.execute(&stmt, &params),
            self.client.batch_execute("COMMIT")
        );
        let result = match (saved, committed) {
            (Err(e), _) => Err(Error::db("writing migrator_history", pg_error_text(&e))),
            (Ok(_), Err(e)) => Err(commit_error(row, db_err(e))),
            (Ok(_), Ok(())) => Ok(()),
        };
        if result.is_err() {
            let _ = self.client.batch_execute("ROLLBACK").await;
        }
        result
    }

    async fn delete_history(&mut self, version: Version) -> Result<()> {
        let (sql, values) = bind(bookkeeping::delete_history(Dialect::Postgres, version));
        self.client
            .execute(&sql, &values.as_params())
            .await
            .map(|_| ())
            .map_err(|e| Error::db("writing migrator_history", pg_error_text(&e)))
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.client.batch_execute("BEGIN").await.map_err(db_err)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.client.batch_execute("COMMIT").await.map_err(db_err)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.client.batch_execute("ROLLBACK").await.map_err(db_err)
    }

    async fn begin_with(&mut self, first: &str) -> Result<(), DbError> {
        if runs_long(first) {
            self.begin().await?;
            return self.execute(first).await;
        }
        // One message, so one round trip: a multi-statement query stops at its first error, so
        // `first` never runs when BEGIN fails.
        self.client
            .batch_execute(&format!("BEGIN;\n{first}"))
            .await
            .map_err(db_err)
    }

    async fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        if !runs_long(sql) {
            return self.client.batch_execute(sql).await.map_err(db_err);
        }
        if has_keyword(sql, Dialect::Postgres, "CONCURRENTLY") {
            self.drop_invalid_index(sql).await?;
        }
        // Index builds and validations scan whole tables without blocking writes: they get a
        // long statement timeout instead of whatever short one the role may have.
        self.client
            .batch_execute("SET statement_timeout = '24h'")
            .await
            .map_err(db_err)?;
        let result = self.client.batch_execute(sql).await.map_err(db_err);
        let reset = self.client.batch_execute("RESET statement_timeout").await;
        result?;
        reset.map_err(db_err)
    }

    async fn backfill_key(&mut self, table: &str, key: &str) -> Result<BackfillKey> {
        let ctx = |e: tokio_postgres::Error| {
            Error::db("reading the backfill table's keys", pg_error_text(&e))
        };
        // to_regclass reads the name as SQL would: search_path, quoting, case folding.
        let rel = self
            .client
            .query_opt(
                "SELECT c.oid, c.oid::regclass::text, c.relkind::text, c.reltuples::float8 \
                 FROM pg_class c WHERE c.oid = to_regclass($1)",
                &[&table],
            )
            .await
            .map_err(ctx)?;
        let Some(rel) = rel else {
            return Err(Error::Refused(format!(
                "backfill table {table} does not exist (looked up like SQL would, in the search_path); create it in an earlier migration or fix table= in the directive"
            )));
        };
        let (oid, table_sql, kind, tuples): (u32, String, String, f64) =
            (rel.get(0), rel.get(1), rel.get(2), rel.get(3));
        if kind != "r" && kind != "p" {
            return Err(Error::Refused(format!(
                "backfill table {table} is not a table (relkind {kind}); name the table the UPDATE changes"
            )));
        }
        let column = name_parts(key, Dialect::Postgres).pop().unwrap_or_default();
        let col = self
            .client
            .query_opt(
                "SELECT a.attnum, a.attnotnull, format_type(a.atttypid, a.atttypmod), quote_ident(a.attname) \
                 FROM pg_attribute a WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
                &[&oid, &column],
            )
            .await
            .map_err(ctx)?;
        let Some(col) = col else {
            return Err(unusable_key(
                &table_sql,
                key,
                &format!("the table has no column {column}"),
                &self.usable_keys(oid).await?,
            ));
        };
        let (attnum, notnull, type_name, column_sql): (i16, bool, String, String) =
            (col.get(0), col.get(1), col.get(2), col.get(3));
        let indexes = self.unique_indexes(oid).await?;
        // A unique key's column, or the first column of a composite primary key: ranges of
        // it cover every row once, the rows sharing a value in one batch.
        let usable = indexes.iter().any(|ix| {
            ix.plain
                && ((ix.attnums == [attnum] && (ix.primary || notnull))
                    || (ix.primary && ix.attnums.first() == Some(&attnum)))
        });
        if !usable {
            let reason = if indexes.is_empty() {
                "the table has no primary key and no unique key".to_string()
            } else if let Some(pk) = indexes
                .iter()
                .find(|ix| ix.primary && ix.attnums.len() > 1 && ix.attnums.contains(&attnum))
            {
                format!(
                    "its primary key ({}) is composite and {column} is not its first column; batches walk a unique key or the primary key's first column",
                    pk.columns.join(", ")
                )
            } else if indexes
                .iter()
                .any(|ix| ix.plain && ix.attnums == [attnum] && !notnull)
            {
                format!("{column} is unique but nullable (rows with NULL keys would be skipped); make it NOT NULL")
            } else {
                format!("{column} is neither the primary key nor a NOT NULL unique key")
            };
            return Err(unusable_key(
                &table_sql,
                key,
                &reason,
                &self.usable_keys(oid).await?,
            ));
        }
        // An index's two ends (the key is unique): cheap, and the progress bar's total when
        // the table was never analyzed.
        let key_range = if matches!(type_name.as_str(), "smallint" | "integer" | "bigint") {
            let row = self
                .client
                .query_one(
                    &format!(
                        "SELECT min({column_sql})::int8, max({column_sql})::int8 FROM {table_sql}"
                    ),
                    &[],
                )
                .await
                .map_err(ctx)?;
            let (min, max): (Option<i64>, Option<i64>) = (row.get(0), row.get(1));
            min.zip(max)
        } else {
            None
        };
        Ok(BackfillKey {
            table_sql,
            column_sql,
            type_name,
            // reltuples is -1 for a table never vacuumed or analyzed (PG ≥ 14), 0 on PG 13.
            estimated_rows: (tuples > 0.0).then_some(tuples as u64),
            key_range,
        })
    }

    async fn read_backfill(&mut self, version: Version) -> Result<Option<BackfillProgress>> {
        let (sql, values) = bind(bookkeeping::read_backfill(Dialect::Postgres, version));
        let row = match self.client.query_opt(&sql, &values.as_params()).await {
            Ok(row) => row,
            Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => return Ok(None),
            Err(e) => return Err(Error::db("reading migrator_backfill", pg_error_text(&e))),
        };
        Ok(row.map(|r| BackfillProgress {
            version: Version(r.get::<_, i64>(0) as u64),
            table: r.get(1),
            key: r.get(2),
            last_key: r.get(3),
            end_key: r.get(4),
            rows: r.get::<_, i64>(5) as u64,
            batches: r.get::<_, i64>(6) as u64,
            started_at: r.get(7),
            updated_at: r.get(8),
            finished_at: r.get(9),
        }))
    }

    async fn start_backfill(
        &mut self,
        version: Version,
        table: &str,
        key: &str,
        end_key: Option<&str>,
    ) -> Result<()> {
        let (sql, values) = bind(bookkeeping::start_backfill(
            Dialect::Postgres,
            version,
            table,
            key,
            end_key,
        ));
        self.client
            .execute(&sql, &values.as_params())
            .await
            .map(|_| ())
            .map_err(|e| Error::db("writing migrator_backfill", pg_error_text(&e)))
    }

    async fn finish_backfill(&mut self, version: Version) -> Result<()> {
        let (sql, values) = bind(bookkeeping::finish_backfill(Dialect::Postgres, version));
        self.client
            .execute(&sql, &values.as_params())
            .await
            .map(|_| ())
            .map_err(|e| Error::db("writing migrator_backfill", pg_error_text(&e)))
    }

    async fn backfill_end(&mut self, job: &BackfillJob) -> Result<Option<String>, DbError> {
        let (table, col) = (&job.found.table_sql, &job.found.column_sql);
        // A backward scan of the key's index; max() does not exist for every ordered type.
        // (Cast outside: `ORDER BY col` next to `col::text` would sort the text.)
        let sql = format!(
            "SELECT s.k::text FROM (SELECT {col} AS k FROM {table} ORDER BY {col} DESC LIMIT 1) s"
        );
        let row = self.client.query_opt(&sql, &[]).await.map_err(db_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn backfill_bound(
        &mut self,
        job: &BackfillJob,
        after: Option<&str>,
        end: &str,
    ) -> Result<Option<String>, DbError> {
        let offset = job.batch as i64 - 1;
        let row = match after {
            None => {
                let stmt = self.prepare(bound_sql(job, false)).await?;
                self.client.query_opt(&stmt, &[&end, &offset]).await
            }
            Some(after) => {
                let stmt = self.prepare(bound_sql(job, true)).await?;
                self.client.query_opt(&stmt, &[&after, &end, &offset]).await
            }
        }
        .map_err(db_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn backfill_batch(
        &mut self,
        job: &BackfillJob,
        after: Option<&str>,
        upto: &str,
        end: &str,
    ) -> Result<BatchDone, DbError> {
        let (key, ty) = (job.key_in_update(), &job.found.type_name);
        let range = match after {
            None => format!("{key} <= {}", key_param(1, ty)),
            Some(_) => format!(
                "{key} > {} AND {key} <= {}",
                key_param(1, ty),
                key_param(2, ty)
            ),
        };
        let update = self.prepare(job.update.with_range(&range)).await?;
        let bound = self.prepare(bound_sql(job, true)).await?;
        // The progress upsert: its SQL does not depend on the values (prepared once per run);
        // its values, with the batch's row count, are built once the UPDATE has run.
        let progress_row = |rows: u64| {
            bind(bookkeeping::move_backfill(
                Dialect::Postgres,
                job.version,
                &job.table,
                &job.key,
                upto,
                rows,
            ))
        };
        let progress = self.prepare(progress_row(0).0).await?;
        let bounds: Vec<&(dyn ToSql + Sync)> = match &after {
            None => vec![&upto],
            Some(after) => vec![after, &upto],
        };
        let offset = job.batch as i64 - 1;
        let next_params: [&(dyn ToSql + Sync); 3] = [&upto, &end, &offset];
        // Two round trips, each a pipeline: BEGIN + the UPDATE + the next batch's bound, then
        // the progress row + COMMIT. An error anywhere leaves the transaction aborted, and its
        // COMMIT then rolls back.
        let client = &self.client;
        let (begun, updated, next) = tokio::join!(
            client.batch_execute("BEGIN"),
            client.execute(&update, &bounds),
            client.query_opt(&bound, &next_params)
        );
        let result = async {
            begun.map_err(db_err)?;
            let rows = updated.map_err(db_err)?;
            let next = next.map_err(db_err)?.map(|r| r.get(0));
            let (_, values) = progress_row(rows);
            let params = values.as_params();
            let (moved, committed) = tokio::join!(
                client.execute(&progress, &params),
                client.batch_execute("COMMIT")
            );
            moved.map_err(db_err)?;
            committed.map_err(db_err)?;
            Ok(BatchDone { rows, next })
        }
        .await;
        if result.is_err() {
            let _ = client.batch_execute("ROLLBACK").await;
        }
        result
    }

    async fn backfill_control(&mut self, version: Version) -> Result<Option<String>> {
        let (sql, values) = bind(bookkeeping::read_backfill_control(
            Dialect::Postgres,
            version,
        ));
        let row = self
            .client
            .query_opt(&sql, &values.as_params())
            .await
            .map_err(|e| Error::db("reading migrator_backfill", pg_error_text(&e)))?;
        Ok(row.and_then(|r| r.get(0)))
    }

    async fn backfill_state(&mut self, version: Version, state: Option<&str>) -> Result<()> {
        let (sql, values) = bind(bookkeeping::write_backfill_state(
            Dialect::Postgres,
            version,
            state,
        ));
        self.client
            .execute(&sql, &values.as_params())
            .await
            .map(|_| ())
            .map_err(|e| Error::db("writing migrator_backfill", pg_error_text(&e)))
    }

    async fn set_backfill_control(
        &mut self,
        version: Option<Version>,
        control: Option<&str>,
    ) -> Result<()> {
        let (sql, values) = bind(bookkeeping::write_backfill_control(
            Dialect::Postgres,
            version,
            control,
        ));
        self.client
            .execute(&sql, &values.as_params())
            .await
            .map(|_| ())
            .map_err(|e| Error::db("writing migrator_backfill", pg_error_text(&e)))
    }

    async fn list_backfills(&mut self) -> Result<Option<Vec<BackfillRow>>> {
        let (sql, values) = bind(bookkeeping::list_backfills(Dialect::Postgres));
        let rows = match self.client.query(&sql, &values.as_params()).await {
            Ok(rows) => rows,
            Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => return Ok(None),
            Err(e) => return Err(Error::db("reading migrator_backfill", pg_error_text(&e))),
        };
        Ok(Some(
            rows.iter()
                .map(|r| BackfillRow {
                    progress: BackfillProgress {
                        version: Version(r.get::<_, i64>(0) as u64),
                        table: r.get(1),
                        key: r.get(2),
                        last_key: r.get(3),
                        end_key: r.get(4),
                        rows: r.get::<_, i64>(5) as u64,
                        batches: r.get::<_, i64>(6) as u64,
                        started_at: r.get(7),
                        updated_at: r.get(8),
                        finished_at: r.get(9),
                    },
                    control: r.get(10),
                    state: r.get(11),
                })
                .collect(),
        ))
    }

    async fn load_metrics(&mut self, names: &[String]) -> Result<Vec<u64>> {
        // Server-wide, like MySQL's Threads_running: other databases' sessions load the same
        // server. Our own session is not counted. (Without pg_read_all_stats, other roles'
        // sessions show no state: grant it to the deploy role.)
        let row = self
            .client
            .query_one(
                "SELECT count(*) FILTER (WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()), \
                        count(*) FILTER (WHERE wait_event_type = 'Lock') \
                 FROM pg_stat_activity",
                &[],
            )
            .await
            .map_err(|e| Error::db("reading the server load from pg_stat_activity", pg_error_text(&e)))?;
        let (active, lock_waiters) = (row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64);
        names
            .iter()
            .map(|n| match n.to_ascii_lowercase().as_str() {
                "active" => Ok(active),
                "lock_waiters" => Ok(lock_waiters),
                _ => Err(Error::Refused(format!(
                    "load metric {n} is not known on Postgres: use active (sessions running a query, ours excluded) or lock_waiters (sessions waiting on a lock) in --max-load / --critical-load (backfill-max-load / backfill-critical-load in migrator.toml), e.g. active=20"
                ))),
            })
            .collect()
    }

    fn watch_point(&self) -> Option<WatchPoint> {
        Some(WatchPoint {
            url: self.url.clone()?,
            session: self.pid.clone()?,
        })
    }

    async fn statement_progress(&mut self, session: &str) -> Result<Option<String>, DbError> {
        // An index build reports its phase ("waiting for old snapshots", "building index: …")
        // and blocks or tuples done; any statement waiting on a lock, who holds it. A table
        // rewrite or a validation scan has no progress view: the time alone says it runs.
        let rows = self
            .query_text(
                "SELECT concat_ws('; ', \
                   (SELECT 'index build: ' || p.phase || CASE \
                      WHEN p.phase LIKE 'waiting%' THEN '' \
                      WHEN p.blocks_total > 0 THEN ', ' || (100 * p.blocks_done / p.blocks_total)::text || '% of its blocks' \
                      WHEN p.tuples_total > 0 THEN ', ' || (100 * p.tuples_done / p.tuples_total)::text || '% of its rows' \
                      ELSE '' END \
                    FROM pg_stat_progress_create_index p WHERE p.pid = a.pid), \
                   CASE WHEN a.wait_event IN ('virtualxid', 'transactionid') \
                          THEN 'waiting for transactions that started before it to end' \
                        WHEN a.wait_event_type = 'Lock' THEN 'waiting for a lock on a ' || a.wait_event END, \
                   (SELECT 'blocked by ' || string_agg(format('session %s (%s, %s)', b.pid, \
                      coalesce(nullif(b.application_name, ''), 'no application name'), \
                      coalesce(b.state, 'state unknown')), ', ') \
                    FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid)))) \
                 FROM pg_stat_activity a WHERE a.pid = $1::int",
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
        use tokio_postgres::types::{ToSql, Type};
        let typed: Vec<(&(dyn ToSql + Sync), Type)> = params
            .iter()
            .map(|p| (p as &(dyn ToSql + Sync), Type::TEXT))
            .collect();
        let rows = self.client.query_typed(sql, &typed).await.map_err(db_err)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<_, Option<String>>(i).map_err(db_err))
                    .collect()
            })
            .collect()
    }

    async fn retarget(&mut self, url: &DatabaseUrl) -> Result<bool> {
        let reusable = matches!(&self.client, PgClient::Owned(_))
            && self
                .url
                .as_ref()
                .is_some_and(|u| u.session_reusable_for(url));
        if !reusable {
            return Ok(false);
        }
        crate::connect::set_schema(&self.client, url).await?;
        // Prepared statements name tables of the schema they were prepared in.
        self.prepared.clear();
        self.url = Some(url.clone());
        Ok(true)
    }

    async fn close(self: Box<Self>) {
        // The application's connection goes back with the session's own lock_timeout.
        if let PgClient::Borrowed(c) = self.client {
            let _ = c.batch_execute("RESET lock_timeout").await;
        }
    }
}

/// A unique index of a table, as far as the backfill cares.
struct UniqueIndex {
    primary: bool,
    /// Key columns (not INCLUDE ones), in order.
    attnums: Vec<i16>,
    columns: Vec<String>,
    /// Valid, not partial, no expressions.
    plain: bool,
    /// Every key column is NOT NULL.
    not_null: bool,
}

impl PostgresTarget<'_> {
    async fn unique_indexes(&mut self, oid: u32) -> Result<Vec<UniqueIndex>> {
        let rows = self
            .client
            .query(
                "SELECT i.indisprimary, \
                        (i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid), \
                        array_agg(k.attnum ORDER BY k.ord), \
                        array_agg(coalesce(a.attname::text, '(expression)') ORDER BY k.ord), \
                        bool_and(coalesce(a.attnotnull, false)) \
                 FROM pg_index i \
                 CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                 LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE i.indrelid = $1 AND i.indisunique AND k.ord <= i.indnkeyatts \
                 GROUP BY i.indexrelid, i.indisprimary, i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid \
                 ORDER BY i.indisprimary DESC, i.indexrelid",
                &[&oid],
            )
            .await
            .map_err(|e| Error::db("reading the backfill table's keys", pg_error_text(&e)))?;
        Ok(rows
            .iter()
            .map(|r| UniqueIndex {
                primary: r.get(0),
                plain: r.get(1),
                attnums: r.get(2),
                columns: r.get(3),
                not_null: r.get(4),
            })
            .collect())
    }

    /// The columns of `oid` a backfill could batch by, for the refusal message.
    async fn usable_keys(&mut self, oid: u32) -> Result<Vec<String>> {
        let mut keys: Vec<String> = self
            .unique_indexes(oid)
            .await?
            .into_iter()
            .filter(|ix| {
                ix.plain
                    && ix.attnums.len() == 1
                    && ix.attnums[0] > 0
                    && (ix.primary || ix.not_null)
            })
            .map(|ix| ix.columns[0].clone())
            .collect();
        keys.dedup();
        Ok(keys)
    }
}
