//! [`Target`] for Postgres: session advisory lock, transactional DDL, `lock_timeout`.

use super::history::{runner_identity, HistoryRow, HISTORY_TABLE};
use super::target::{DbError, Target};
use crate::connect::{self, pg_error_text};
use crate::migrations::split::has_keyword;
use crate::migrations::Version;
use crate::{DatabaseUrl, Dialect, Error, Result, Settings};
use async_trait::async_trait;
use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

/// The advisory lock key: advisory locks are per database, so one constant key serializes the
/// runners of one database. (0x6d696772 = "migr", 0x61746f72 = "ator".)
const LOCK_KEY: i64 = 0x6d69_6772_6174_6f72;

pub struct PostgresTarget {
    client: Client,
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
    Some(crate::source::hints::ident(name, Dialect::Postgres))
}

impl PostgresTarget {
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

impl PostgresTarget {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self> {
        let mut app = format!("migrator {}", runner_identity());
        app.truncate(63);
        Ok(PostgresTarget {
            client: connect::postgres(url, &app).await?,
        })
    }
}

fn db_err(e: tokio_postgres::Error) -> DbError {
    let code = e.code().cloned();
    DbError {
        message: pg_error_text(&e),
        retryable: matches!(
            code,
            Some(SqlState::LOCK_NOT_AVAILABLE) | Some(SqlState::T_R_DEADLOCK_DETECTED)
        ),
    }
}

const COLUMNS: &str =
    "version, name, phase, checksum_up, checksum_down, status, statements_applied, \
    statements_total, statement_hashes, down_statements_applied, error, failed_statement, \
    started_at, finished_at, execution_ms, tool_version, host, baseline";

#[async_trait]
impl Target for PostgresTarget {
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
            .map_err(|e| Error::db("setting lock_timeout", pg_error_text(&e)))
    }

    async fn try_lock(&mut self) -> Result<bool> {
        let row = self
            .client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
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
                &[&(LOCK_KEY >> 32), &(LOCK_KEY & 0xffff_ffff)],
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
            .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
            .await
            .map(|_| ())
            .map_err(|e| Error::db("releasing the migration lock", pg_error_text(&e)))
    }

    async fn read_history(&mut self) -> Result<Option<Vec<HistoryRow>>> {
        let sql = format!("SELECT {COLUMNS} FROM {HISTORY_TABLE} ORDER BY version");
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
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
                version bigint PRIMARY KEY,
                name text NOT NULL,
                phase text NOT NULL,
                checksum_up text NOT NULL,
                checksum_down text NOT NULL,
                status text NOT NULL,
                statements_applied integer NOT NULL,
                statements_total integer NOT NULL,
                statement_hashes text NOT NULL DEFAULT '[]',
                down_statements_applied integer NOT NULL DEFAULT 0,
                error text,
                failed_statement text,
                started_at timestamptz NOT NULL,
                finished_at timestamptz,
                execution_ms bigint NOT NULL DEFAULT 0,
                tool_version text NOT NULL,
                host text NOT NULL,
                baseline boolean NOT NULL DEFAULT false
            )"
        );
        // CREATE TABLE IF NOT EXISTS can still race on the type name when two sessions create it
        // at once; runners hold the lock here, so only a foreign session could race.
        self.client
            .batch_execute(&sql)
            .await
            .map_err(|e| Error::db("creating migrator_history", pg_error_text(&e)))
    }

    async fn save_history(&mut self, row: &HistoryRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO {HISTORY_TABLE} ({COLUMNS}) VALUES \
             ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) \
             ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, phase = EXCLUDED.phase, \
             checksum_up = EXCLUDED.checksum_up, checksum_down = EXCLUDED.checksum_down, \
             status = EXCLUDED.status, statements_applied = EXCLUDED.statements_applied, \
             statements_total = EXCLUDED.statements_total, statement_hashes = EXCLUDED.statement_hashes, \
             down_statements_applied = EXCLUDED.down_statements_applied, error = EXCLUDED.error, \
             failed_statement = EXCLUDED.failed_statement, started_at = EXCLUDED.started_at, \
             finished_at = EXCLUDED.finished_at, execution_ms = EXCLUDED.execution_ms, \
             tool_version = EXCLUDED.tool_version, host = EXCLUDED.host, baseline = EXCLUDED.baseline"
        );
        let hashes = serde_json::to_string(&row.statement_hashes).expect("strings serialize");
        let version = row.version.0 as i64;
        let phase = row.phase.as_str();
        let status = row.status.as_str();
        self.client
            .execute(
                &sql,
                &[
                    &version,
                    &row.name,
                    &phase,
                    &row.checksum_up,
                    &row.checksum_down,
                    &status,
                    &row.statements_applied,
                    &row.statements_total,
                    &hashes,
                    &row.down_statements_applied,
                    &row.error,
                    &row.failed_statement,
                    &row.started_at,
                    &row.finished_at,
                    &row.execution_ms,
                    &row.tool_version,
                    &row.host,
                    &row.baseline,
                ],
            )
            .await
            .map(|_| ())
            .map_err(|e| Error::db("writing migrator_history", pg_error_text(&e)))
    }

    async fn delete_history(&mut self, version: Version) -> Result<()> {
        self.client
            .execute(
                &format!("DELETE FROM {HISTORY_TABLE} WHERE version = $1"),
                &[&(version.0 as i64)],
            )
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

    async fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        let concurrently = has_keyword(sql, Dialect::Postgres, "CONCURRENTLY");
        let long = concurrently || has_keyword(sql, Dialect::Postgres, "VALIDATE");
        if concurrently {
            self.drop_invalid_index(sql).await?;
        }
        if !long {
            return self.client.batch_execute(sql).await.map_err(db_err);
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

    async fn close(self: Box<Self>) {
        drop(self.client);
    }
}
