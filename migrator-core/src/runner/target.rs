//! The runner's view of a database: the one trait each dialect implements for the runner
//! concern (session set-up, runner lock, history storage, statement execution).

use super::history::HistoryRow;
use super::job::{BackfillJob, BackfillKey, BackfillProgress, BackfillRow, BatchDone};
use crate::migrations::Version;
use crate::{Dialect, Result, Settings};
use async_trait::async_trait;

/// An error from running a statement, classified so the runner knows whether to retry.
#[derive(Debug, Clone)]
pub struct DbError {
    /// The server's message (with code), never containing a password.
    pub message: String,
    /// A lock wait timed out or a deadlock was detected: the statement had no effect and may be
    /// retried after a pause.
    pub retryable: bool,
    /// The server refused the statement because the object it creates already exists, or the
    /// object it alters or drops is not there (duplicate table / column / index / constraint,
    /// unknown table / column / index …): what running it a second time after it completed
    /// says. Only trusted for a statement a dead runner had sent (see `execute::IN_FLIGHT`).
    pub already_done: bool,
    /// The connection broke (the server went away, the session was killed, the network failed):
    /// the statement's fate is the server's transaction's — nothing of an uncommitted batch
    /// stays — and the same run can simply be started again.
    pub connection_lost: bool,
}

/// A dedicated connection to the target database, used by one runner for a whole run.
#[async_trait]
pub trait Target: Send {
    fn dialect(&self) -> Dialect;

    /// Whether DDL is transactional (Postgres) or commits implicitly (MySQL).
    fn transactional_ddl(&self) -> bool;

    /// Session settings for running migrations: the short lock wait.
    async fn prepare_session(&mut self, settings: &Settings) -> Result<()>;

    /// Tries to take the session-level runner lock; `false` when another session holds it.
    async fn try_lock(&mut self) -> Result<bool>;

    /// Describes the session holding the runner lock (host, process), when it can be told.
    async fn lock_holder(&mut self) -> Result<Option<String>>;

    /// Releases the runner lock.
    async fn unlock(&mut self) -> Result<()>;

    /// Reads the history, oldest first; `None` when the table does not exist yet.
    async fn read_history(&mut self) -> Result<Option<Vec<HistoryRow>>>;

    /// Creates the history table and the other bookkeeping tables (`migrator_backfill`…) when
    /// missing.
    async fn ensure_history(&mut self) -> Result<()>;

    /// Inserts or replaces the row for `row.version`.
    async fn save_history(&mut self, row: &HistoryRow) -> Result<()>;

    async fn delete_history(&mut self, version: Version) -> Result<()>;

    async fn begin(&mut self) -> Result<(), DbError>;
    async fn commit(&mut self) -> Result<(), DbError>;
    async fn rollback(&mut self) -> Result<(), DbError>;

    /// Starts a transaction and runs `first` in it, as [`Target::begin`] then
    /// [`Target::execute`], in one round trip where the target can. On error the caller rolls
    /// back; `first` never runs outside the transaction.
    async fn begin_with(&mut self, first: &str) -> Result<(), DbError> {
        self.begin().await?;
        self.execute(first).await
    }

    /// Records `row` (as [`Target::save_history`]) and commits the current transaction, in one
    /// round trip where the target can. On error nothing of the transaction is committed.
    async fn save_history_and_commit(&mut self, row: &HistoryRow) -> Result<()> {
        if let Err(e) = self.save_history(row).await {
            let _ = self.rollback().await;
            return Err(e);
        }
        self.commit().await.map_err(|e| commit_error(row, e))
    }

    /// Runs one statement of a migration file.
    async fn execute(&mut self, sql: &str) -> Result<(), DbError>;

    // --- watching a long statement (see `super::watch`)

    /// Where a second connection can watch this session's statements: the URL it was opened
    /// with and its session id, once [`Target::prepare_session`] ran. `None` on a connection
    /// borrowed from the application (migrator has no credentials of its own to open another).
    fn watch_point(&self) -> Option<WatchPoint> {
        None
    }

    /// What session `session` (a [`WatchPoint::session`]) is doing now, in a few words, from
    /// the server's activity and progress views; `None` when they say nothing. Runs on a
    /// second connection while the watched one is busy.
    async fn statement_progress(&mut self, session: &str) -> Result<Option<String>, DbError>;

    /// Puts the session back as [`Target::prepare_session`] left it, after a file run statement
    /// by statement ended, whether it succeeded or failed: a file's session settings (MySQL's
    /// `SET SESSION foreign_key_checks = 0` before an unchecked `ADD FOREIGN KEY`) and table
    /// locks (`LOCK TABLES`) must not outlive it, nor reach the history writes and the next
    /// file when a statement between the `SET` and its reset fails.
    async fn reset_session(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    // --- backfill (see `super::backfill`)

    /// Finds `key` (as written in the directive) on `table` (`t` or `schema.t`) and checks that
    /// it can batch a backfill: one column that is the primary key or a NOT NULL unique key, of
    /// a type the target can keep as text. Otherwise `Error::Refused` (via
    /// [`super::job::unusable_key`]), naming the table and what to do.
    async fn backfill_key(&mut self, table: &str, key: &str) -> Result<BackfillKey>;

    /// The progress row of a backfill; `None` when there is none (or no table yet).
    async fn read_backfill(&mut self, version: Version) -> Result<Option<BackfillProgress>>;

    /// Writes a fresh progress row (no batch done, ending at `end_key`), replacing any earlier
    /// one.
    async fn start_backfill(
        &mut self,
        version: Version,
        table: &str,
        key: &str,
        end_key: Option<&str>,
    ) -> Result<()>;

    /// Marks the progress row finished (inside the caller's transaction).
    async fn finish_backfill(&mut self, version: Version) -> Result<()>;

    /// The greatest key of the table now, as text (`None` when it is empty): where the
    /// backfill ends. Rows inserted later are written by the new application version.
    async fn backfill_end(&mut self, job: &BackfillJob) -> Result<Option<String>, DbError>;

    /// The upper bound of the next batch: the `job.batch`-th smallest key greater than `after`
    /// (from the first key when `None`) and not greater than `end`, read through the key's
    /// index, as text. `None` when fewer keys are left (the last batch then ends at `end`).
    async fn backfill_bound(
        &mut self,
        job: &BackfillJob,
        after: Option<&str>,
        end: &str,
    ) -> Result<Option<String>, DbError>;

    /// Runs one batch: the file's `UPDATE` limited to `after < key <= upto`, and the progress
    /// row moved to `upto`, committed in one transaction. Also reads the bound of the batch
    /// after it (as [`Target::backfill_bound`] with `after = upto`), so a target can send both
    /// in the same round trips. On error nothing of the batch is committed.
    async fn backfill_batch(
        &mut self,
        job: &BackfillJob,
        after: Option<&str>,
        upto: &str,
        end: &str,
    ) -> Result<BatchDone, DbError>;

    // --- throttle (see `super::throttle`)

    /// The `control` column of a backfill's progress row: `Some("pause")` while an operator
    /// paused it.
    async fn backfill_control(&mut self, version: Version) -> Result<Option<String>>;

    /// Records what a running backfill waits for in its progress row (`None`: it runs).
    async fn backfill_state(&mut self, version: Version, state: Option<&str>) -> Result<()>;

    /// Sets the `control` column of the unfinished backfills (of `version` only, when given).
    async fn set_backfill_control(
        &mut self,
        version: Option<Version>,
        control: Option<&str>,
    ) -> Result<()>;

    /// Every progress row with its `control` and `state`, in version order; `None` when there
    /// is no progress table.
    async fn list_backfills(&mut self) -> Result<Option<Vec<BackfillRow>>>;

    /// The server's current value of each load metric of `names`, in that order; a name the
    /// target does not know is `Error::Refused`, saying which names it accepts.
    async fn load_metrics(&mut self, names: &[String]) -> Result<Vec<u64>>;

    /// Points this session at another target of a fleet that it can serve without
    /// reconnecting (see [`crate::DatabaseUrl::session_reusable_for`]): another schema of the
    /// same Postgres database, another database of the same MySQL server and login. `false`
    /// when it cannot (a borrowed connection, another server): the caller connects anew.
    /// Only called between runs: no transaction open, the runner lock released.
    async fn retarget(&mut self, url: &crate::DatabaseUrl) -> Result<bool> {
        let _ = url;
        Ok(false)
    }

    /// Closes the connection cleanly.
    async fn close(self: Box<Self>);

    /// Runs one of migrator's own statements that needs its rows back (replica lag, see
    /// `super::replica`): every parameter is bound as text, and every column the statement
    /// selects must be text (cast it), returned as such (`None` for NULL).
    async fn query_text(
        &mut self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, DbError>;
}

/// A runner's session, as another connection finds it: see [`Target::watch_point`].
#[derive(Debug, Clone)]
pub struct WatchPoint {
    pub url: crate::DatabaseUrl,
    /// The server's id of the session (Postgres backend pid, MySQL connection id), as text.
    pub session: String,
}

/// The first column of the first row of a [`Target::query_text`] answer, unless empty.
pub(super) fn first_text(rows: Vec<Vec<Option<String>>>) -> Option<String> {
    rows.into_iter()
        .next()
        .and_then(|row| row.into_iter().next().flatten())
        .filter(|text| !text.is_empty())
}

/// A failed COMMIT of the transaction applying the up file of `row`.
pub(super) fn commit_error(row: &HistoryRow, e: DbError) -> crate::Error {
    crate::Error::db(
        format!("{}_{}.up.sql: COMMIT", row.version, row.name),
        e.message,
    )
}
