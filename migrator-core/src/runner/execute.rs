//! Running one migration file, up or down: in one transaction where the dialect and the file
//! allow it, otherwise statement by statement with progress recorded after each one (so that a
//! `kill -9` at any moment leaves a history the next run resumes from: see `Steps::run`).

use super::history::{HistoryRow, Status};
use super::lock::retry_delay;
use super::record::{finish, first_changed, new_row, run_report, statement_error, RecordedHashes};
use super::report::MigrationRun;
use super::target::{DbError, Target};
use super::watch;
use crate::migrations::split::TokenKind;
use crate::migrations::{Migration, SqlFile, Statement};
use crate::{Error, Result, Settings};
use std::time::Instant;

/// Runs one statement, retrying with backoff while it only failed to get a lock in time. With
/// `in_transaction` it runs after a `BEGIN` (left open on success, rolled back on error).
async fn execute_with_retry(
    target: &mut dyn Target,
    settings: &Settings,
    file: &SqlFile,
    stmts: &[Statement],
    i: usize,
    retries: &mut u32,
    in_transaction: bool,
) -> Result<(), DbError> {
    let mut attempt = 0;
    loop {
        if in_transaction {
            target.begin().await?;
        }
        let result = execute_watched(target, settings, &stmts[i].sql, || {
            statement_label(&file.name, i, &stmts[i])
        })
        .await;
        if result.is_err() && in_transaction {
            let _ = target.rollback().await;
        }
        match result {
            Ok(()) => return Ok(()),
            Err(e) if e.retryable && attempt < settings.lock_retries => {
                let delay = retry_delay(attempt);
                tracing::warn!(
                    "{}: statement {} (line {}) could not get its lock within {:?} ({}); retry {}/{} in {:.1}s",
                    file.name,
                    i + 1,
                    stmts[i].line,
                    settings.lock_timeout,
                    e.message,
                    attempt + 1,
                    settings.lock_retries,
                    delay.as_secs_f64()
                );
                tokio::time::sleep(delay).await;
                attempt += 1;
                *retries += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// `target.execute(sql)`, saying every [`Settings::progress_every`] while it runs what the
/// server reports of it (see `super::watch`); `what` names the statement.
async fn execute_watched(
    target: &mut dyn Target,
    settings: &Settings,
    sql: &str,
    what: impl Fn() -> String,
) -> Result<(), DbError> {
    let point = target.watch_point();
    watch::watched(target.execute(sql), settings.progress_every, point, what).await
}

/// `FILE: statement N (line L)`, how progress lines name statement `i` (0-based).
fn statement_label(file: &str, i: usize, statement: &Statement) -> String {
    format!("{file}: statement {} (line {})", i + 1, statement.line)
}

/// Recorded in `error` (with the statement in `failed_statement`) just before a statement whose
/// effect cannot commit together with the progress row is sent (DDL on MySQL / MariaDB, index
/// builds `CONCURRENTLY` …), and cleared once its success is recorded.
///
/// A runner killed while such a statement runs leaves it running: the server finishes it (and
/// keeps the runner lock of the dead session until then), but nobody records it. Without this
/// mark the next run would send it again and stop on "table already exists"; with it, the next
/// run knows the statement was sent and accepts exactly that kind of refusal
/// ([`DbError::already_done`]) from it as "done by the dead runner". A statement that did not
/// complete simply runs again.
pub(super) const IN_FLIGHT: &str = "the runner stopped while this statement was running";

/// Whether `row` says statement `next` (0-based) of `stmts` was in flight when its runner died.
fn was_in_flight(row: &HistoryRow, stmts: &[Statement], next: usize) -> bool {
    row.error
        .as_deref()
        .is_some_and(|e| e.starts_with(IN_FLIGHT))
        && stmts
            .get(next)
            .is_some_and(|s| row.failed_statement.as_deref() == Some(s.sql.as_str()))
}

/// Data changes (`INSERT`, `UPDATE`, `DELETE`, `REPLACE`): they commit or roll back together
/// with the progress row when run in one transaction with it, on either server.
fn is_dml(sql: &str, dialect: crate::Dialect) -> bool {
    let first = crate::migrations::split::tokens("", sql, dialect)
        .ok()
        .and_then(|tokens| tokens.into_iter().find(|t| t.kind == TokenKind::Word));
    first.is_some_and(|t| {
        ["INSERT", "UPDATE", "DELETE", "REPLACE"]
            .iter()
            .any(|w| t.is_word(w))
    })
}

/// The statements of `applied` (a file's statements that already ran, in an earlier run) whose
/// effect is the session's own and was lost with that run's connection: session `SET`s (not
/// `SET GLOBAL` / `PERSIST`, nor Postgres' transaction-scoped `SET LOCAL`) and a `LOCK TABLES`
/// that no `UNLOCK TABLES` followed. A resumed file replays them first, so that the statement
/// it resumes at runs as it would have (an `ALTER … ADD FOREIGN KEY` after `SET SESSION
/// foreign_key_checks = 0`).
fn session_state(applied: &[Statement], dialect: crate::Dialect) -> Vec<&Statement> {
    let mut out: Vec<&Statement> = Vec::new();
    let mut lock: Option<&Statement> = None;
    for st in applied {
        let Ok(tokens) = crate::migrations::split::tokens("", &st.sql, dialect) else {
            continue;
        };
        let words: Vec<_> = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Word)
            .take(2)
            .collect();
        let (Some(first), second) = (words.first(), words.get(1)) else {
            continue;
        };
        if first.is_word("SET") {
            let scoped = second.is_some_and(|w| {
                [
                    "GLOBAL",
                    "PERSIST",
                    "PERSIST_ONLY",
                    "LOCAL",
                    "STATEMENT",
                    "TRANSACTION",
                ]
                .iter()
                .any(|k| w.is_word(k))
            });
            if !scoped && !st.sql.to_ascii_lowercase().contains("@@global.") {
                out.push(st);
            }
        } else if first.is_word("LOCK") && second.is_some_and(|w| w.is_word("TABLES")) {
            lock = Some(st);
        } else if first.is_word("UNLOCK") {
            lock = None;
        }
    }
    out.extend(lock);
    out
}

/// Replays [`session_state`] of the statements before `start` (a resumed file).
async fn restore_session(
    target: &mut dyn Target,
    file: &SqlFile,
    stmts: &[Statement],
    start: usize,
) -> Result<()> {
    for st in session_state(&stmts[..start], target.dialect()) {
        tracing::info!(
            "{}: replaying line {} ({}) for the statements after it",
            file.name,
            st.line,
            st.sql.lines().next().unwrap_or_default()
        );
        target.execute(&st.sql).await.map_err(|e| {
            Error::db(
                format!(
                    "{}: replaying line {} of the applied part",
                    file.name, st.line
                ),
                e.message,
            )
        })?;
    }
    Ok(())
}

/// A group of consecutive data changes commits with its progress row once it has this many
/// statements…
const GROUP_STATEMENTS: usize = 1000;
/// … or has run this long: a commit per statement made a file of many `INSERT`s 100 times slower
/// than the database's own client, and longer groups would hold their row locks longer and redo
/// more after a failure.
const GROUP_TIME: std::time::Duration = std::time::Duration::from_secs(1);

/// How a group of data changes ended (see [`Steps::run_group`]).
enum Group {
    /// Statements up to (not including) this index committed with their progress row.
    Committed(usize),
    /// This statement failed (`None`: one of a batch): the whole group was rolled back,
    /// nothing of it is recorded.
    Failed(Option<usize>),
}

/// Statements sent in one round trip inside a group, at most (and about this many bytes).
const BATCH_STATEMENTS: usize = 200;
const BATCH_BYTES: usize = 512 * 1024;

/// The end of the batch of statements from `from` in a transaction holding them all.
fn batch_end(stmts: &[Statement], from: usize) -> usize {
    let mut end = from;
    let mut bytes = 0;
    while end < stmts.len() && end - from < BATCH_STATEMENTS && bytes < BATCH_BYTES {
        bytes += stmts[end].sql.len();
        end += 1;
    }
    end
}

/// Statements as one text, for one round trip (each statement is complete: no comment or
/// open quote runs into the next one).
fn joined(stmts: &[Statement]) -> std::borrow::Cow<'_, str> {
    match stmts {
        [one] => one.sql.as_str().into(),
        _ => stmts
            .iter()
            .map(|s| s.sql.as_str())
            .collect::<Vec<_>>()
            .join(";\n")
            .into(),
    }
}

/// The statements of a file run statement by statement.
struct Steps<'a> {
    file: &'a SqlFile,
    stmts: &'a [Statement],
    /// The statement the previous runner had marked [`IN_FLIGHT`] when it died, if any.
    in_flight: Option<usize>,
}

impl Steps<'_> {
    /// Whether statement `i` may run in a group: a data change (it commits or rolls back with
    /// the group's progress row), not the one a dead runner left in flight.
    fn groupable(&self, i: usize, dialect: crate::Dialect) -> bool {
        self.in_flight != Some(i) && is_dml(&self.stmts[i].sql, dialect)
    }

    /// Runs the data changes from `start` on (statement `start` must be [`Self::groupable`]) in
    /// one transaction, up to the first statement that is not groupable, `limit`, a stop
    /// request, [`GROUP_STATEMENTS`] or [`GROUP_TIME`], then records them with `done` in the
    /// same transaction. A runner killed meanwhile leaves the history at `start` and nothing of
    /// the group in the database.
    ///
    /// Statements are sent in batches unless `batched` is false. When a statement fails, the
    /// group is rolled back as a whole and `Group::Failed` names the statement (or, for a batch,
    /// only says it failed: the caller then runs the group again one statement per round trip
    /// to find it). The caller runs the group again up to the failed statement (those
    /// statements succeeded once), so that the failed statement then runs on its own, with its
    /// retries, and the history records exactly the statements before it. `Err`: writing the history or COMMIT failed
    /// (nothing of the group is committed).
    async fn run_group(
        &self,
        target: &mut dyn Target,
        settings: &Settings,
        (start, limit): (usize, usize),
        batched: bool,
        row: &mut HistoryRow,
        done: &impl Fn(&mut HistoryRow, usize),
    ) -> Result<Group> {
        let dialect = target.dialect();
        let began = Instant::now();
        let mut end = start;
        let mut sql = String::new();
        while end < limit
            && end - start < GROUP_STATEMENTS
            && (end == start
                || (began.elapsed() < GROUP_TIME
                    && !settings.stop.requested()
                    && self.groupable(end, dialect)))
        {
            // One round trip for a batch of statements (the server stops at the first error):
            // one per statement made the network, not the server, the bottleneck.
            let from = end;
            sql.clear();
            loop {
                sql.push_str(&self.stmts[end].sql);
                end += 1;
                if !batched
                    || end - from >= BATCH_STATEMENTS
                    || sql.len() >= BATCH_BYTES
                    || end >= limit
                    || end - start >= GROUP_STATEMENTS
                    || !self.groupable(end, dialect)
                {
                    break;
                }
                sql.push_str(";\n");
            }
            // BEGIN on its own (once per group): what the server shows as running is the
            // file's statements.
            let ran = match from == start {
                true => match target.begin().await {
                    Ok(()) => target.execute(&sql).await,
                    Err(e) => Err(e),
                },
                false => target.execute(&sql).await,
            };
            if let Err(e) = ran {
                let _ = target.rollback().await;
                tracing::debug!(
                    "{}: statements {}-{end} failed in a group from statement {} ({}); rolled back",
                    self.file.name,
                    from + 1,
                    start + 1,
                    e.message
                );
                // A batch does not say which of its statements failed.
                return Ok(Group::Failed((end - from == 1).then_some(from)));
            }
        }
        let mut next = row.clone();
        done(&mut next, end);
        target.save_history_and_commit(&next).await.map_err(|e| {
            Error::db(
                format!(
                    "{}: recording statements {}-{end}",
                    self.file.name,
                    start + 1
                ),
                format!("{e}; nothing of them was committed, the next run starts there again"),
            )
        })?;
        *row = next;
        Ok(Group::Committed(end))
    }

    /// Runs statement `i` and records it with `done`, so that a runner killed at any moment
    /// leaves a history the next run resumes from without running a statement twice:
    ///
    /// - a data change runs in one transaction with its progress row: both or neither;
    /// - anything else (DDL commits by itself on MySQL; `CONCURRENTLY` cannot run in a
    ///   transaction) is first marked [`IN_FLIGHT`] in the history. When the previous runner died
    ///   with this very statement marked, a refusal saying its work is already there counts as
    ///   done.
    ///
    /// `Ok(Some(e))`: the server refused the statement (the caller records and reports it);
    /// `Err`: writing the history failed.
    async fn run(
        &self,
        target: &mut dyn Target,
        settings: &Settings,
        i: usize,
        row: &mut HistoryRow,
        retries: &mut u32,
        done: &impl Fn(&mut HistoryRow, usize),
    ) -> Result<Option<DbError>> {
        let (file, stmts) = (self.file, self.stmts);
        if is_dml(&stmts[i].sql, target.dialect()) {
            if let Err(e) =
                execute_with_retry(target, settings, file, stmts, i, retries, true).await
            {
                return Ok(Some(e));
            }
            let mut next = row.clone();
            done(&mut next, i + 1);
            if let Err(e) = target.save_history(&next).await {
                let _ = target.rollback().await;
                return Err(e);
            }
            target
                .commit()
                .await
                .map_err(|e| Error::db(format!("{}: COMMIT", file.name), e.message))?;
            *row = next;
            return Ok(None);
        }
        row.error = Some(format!(
            "{IN_FLIGHT} (statement {} of {}, line {}): it may or may not have completed; the next run resumes there",
            i + 1,
            stmts.len(),
            stmts[i].line
        ));
        row.failed_statement = Some(stmts[i].sql.clone());
        target.save_history(row).await?;
        match execute_with_retry(target, settings, file, stmts, i, retries, false).await {
            Ok(()) => {}
            Err(e) if self.in_flight == Some(i) && e.already_done => tracing::warn!(
                "{}: statement {} (line {}) was running when the previous runner stopped, and the server says its work is already there ({}): counted as done",
                file.name,
                i + 1,
                stmts[i].line,
                e.message
            ),
            Err(e) => return Ok(Some(e)),
        }
        done(row, i + 1);
        row.error = None;
        row.failed_statement = None;
        target.save_history(row).await?;
        Ok(None)
    }
}

/// Applies the up file of `m`. `existing` is its partial / failed history row, if any.
pub async fn up(
    target: &mut dyn Target,
    settings: &Settings,
    m: &Migration,
    existing: Option<HistoryRow>,
) -> Result<MigrationRun> {
    if m.up.directives.backfill.is_some() {
        return super::backfill::up(target, settings, m, existing).await;
    }
    let dialect = target.dialect();
    let stmts = m.up.statements(dialect)?;
    let started = Instant::now();
    let mut retries = 0;
    let transactional = target.transactional_ddl() && m.up.transactional(dialect, &stmts);
    let mut resumed_at = None;

    if transactional {
        let mut attempt = 0;
        // Statements go in batches, one round trip each; after a batch failed (and the
        // transaction with it), the file runs again one statement per round trip, to name the
        // statement that fails.
        let mut batched = true;
        'attempt: loop {
            // BEGIN travels with the first statement (one round trip where the target can).
            if stmts.is_empty() {
                target
                    .begin()
                    .await
                    .map_err(|e| Error::db("BEGIN", e.message))?;
            }
            let mut i = 0;
            while i < stmts.len() {
                let end = if batched { batch_end(&stmts, i) } else { i + 1 };
                let sql = joined(&stmts[i..end]);
                let what = || statement_label(&m.up.name, i, &stmts[i]);
                let point = target.watch_point();
                let every = settings.progress_every;
                let ran = if i == 0 {
                    watch::watched(target.begin_with(&sql), every, point, what).await
                } else {
                    watch::watched(target.execute(&sql), every, point, what).await
                };
                if let Err(e) = ran {
                    let _ = target.rollback().await;
                    if end - i > 1 && !e.connection_lost {
                        batched = false;
                        continue 'attempt;
                    }
                    if e.retryable && attempt < settings.lock_retries {
                        let delay = retry_delay(attempt);
                        tracing::warn!(
                            "{}: statement {} (line {}) could not get its lock within {:?}; rolled back, retry {}/{} in {:.1}s",
                            m.up.name, i + 1, stmts[i].line, settings.lock_timeout, attempt + 1, settings.lock_retries, delay.as_secs_f64()
                        );
                        tokio::time::sleep(delay).await;
                        retries += 1;
                        attempt += 1;
                        continue 'attempt;
                    }
                    return Err(statement_error(&m.up, &stmts, i, &e,
                        "the file's transaction was rolled back: nothing of it was applied. Fix the file, run `migrator rehash`, then `migrator apply` again".into()));
                }
                i = end;
            }
            let mut row = new_row(m, stmts.len());
            row.statements_applied = stmts.len() as i32;
            row.statement_hashes = RecordedHashes::new(&stmts).upto(stmts.len());
            finish(&mut row, m, started);
            // The history row commits with the file's statements, or nothing does.
            target.save_history_and_commit(&row).await?;
            return Ok(run_report(m, stmts.len(), None, retries, started));
        }
    }

    // Statement by statement, recording progress after each one.
    let in_flight = existing.as_ref().and_then(|r| {
        let next = r.statements_applied as usize;
        was_in_flight(r, &stmts, next).then_some(next)
    });
    let steps = Steps {
        file: &m.up,
        stmts: &stmts,
        in_flight,
    };
    let mut row = match existing {
        Some(mut row) if row.statements_applied > 0 => {
            verify_applied_prefix(m, &stmts, &row)?;
            resumed_at = Some(row.statements_applied as usize + 1);
            tracing::info!(
                "{}: resuming at statement {} of {} ({} already applied and unchanged)",
                m.up.name,
                row.statements_applied + 1,
                stmts.len(),
                row.statements_applied
            );
            row.statements_total = stmts.len() as i32;
            row
        }
        _ => new_row(m, stmts.len()),
    };
    row.status = Status::Partial;
    target.save_history(&row).await?;
    let start = row.statements_applied as usize;
    let ran = up_statements(
        target,
        settings,
        (m, &stmts, &steps),
        row,
        start,
        started,
        &mut retries,
    )
    .await;
    // Whatever happened, no session setting or table lock of the file outlives it.
    let reset = target.reset_session().await;
    ran?;
    reset.map_err(|e| Error::db(format!("{}: resetting the session", m.up.name), e.message))?;
    Ok(run_report(m, stmts.len(), resumed_at, retries, started))
}

/// Walks a file statement by statement from `start`: runs the groups of data changes itself
/// ([`Steps::run_group`]) and hands every other statement (DDL, `SET`, a data change whose group
/// failed on it) to the caller, which runs it alone with [`Steps::run`] and calls `ran`.
struct Next {
    /// Where this run started, and whether it runs a down file (for the stop message).
    start: usize,
    down: bool,
    /// The next statement to run.
    at: usize,
    /// A group failed on this statement: the group before it runs again up to it, then the
    /// statement runs alone.
    alone: Option<usize>,
    /// A batch of the group from `at` failed: the group runs again one statement per round
    /// trip, to find the statement.
    one_by_one: bool,
}

impl Next {
    fn new(start: usize, down: bool) -> Self {
        Next {
            start,
            down,
            at: start,
            alone: None,
            one_by_one: false,
        }
    }

    fn ran(&mut self, i: usize) {
        self.at = i + 1;
        self.alone = None;
    }

    /// Runs groups until the next statement to run alone, and returns it (`None`: the file is
    /// done). `Error::Interrupted` after a committed step when a stop was requested.
    async fn step(
        &mut self,
        target: &mut dyn Target,
        settings: &Settings,
        steps: &Steps<'_>,
        row: &mut HistoryRow,
        done: &impl Fn(&mut HistoryRow, usize),
    ) -> Result<Option<usize>> {
        let total = steps.stmts.len();
        loop {
            let i = self.at;
            if i > self.start && i < total && settings.stop.requested() {
                let (what, command, status) = if self.down {
                    ("down statement", "rollback", "rollback-partial")
                } else {
                    ("statement", "apply", "partial")
                };
                return Err(Error::Interrupted(format!(
                    "{}: after {what} {i} of {total}; {what}s 1-{i} ran and are recorded (status {status}). `migrator {command}` resumes at statement {}",
                    steps.file.name,
                    i + 1
                )));
            }
            if i >= total {
                return Ok(None);
            }
            if self.alone == Some(i) || !steps.groupable(i, target.dialect()) {
                return Ok(Some(i));
            }
            let limit = self.alone.unwrap_or(total);
            let batched = !std::mem::take(&mut self.one_by_one);
            match steps
                .run_group(target, settings, (i, limit), batched, row, done)
                .await?
            {
                Group::Committed(end) => self.at = end,
                Group::Failed(Some(k)) => self.alone = Some(k),
                Group::Failed(None) => self.one_by_one = true,
            }
        }
    }
}

/// The statement-by-statement part of [`up`], from statement `start` on, recording the
/// finished history row.
async fn up_statements(
    target: &mut dyn Target,
    settings: &Settings,
    (m, stmts, steps): (&Migration, &[Statement], &Steps<'_>),
    mut row: HistoryRow,
    start: usize,
    started: Instant,
    retries: &mut u32,
) -> Result<()> {
    if start > 0 {
        restore_session(target, &m.up, stmts, start).await?;
    }
    let hashes = RecordedHashes::new(stmts);
    let done = |row: &mut HistoryRow, n: usize| {
        row.statements_applied = n as i32;
        row.statement_hashes = hashes.upto(n);
    };
    let mut next = Next::new(start, false);
    while let Some(i) = next.step(target, settings, steps, &mut row, &done).await? {
        let Some(e) = steps
            .run(target, settings, i, &mut row, retries, &done)
            .await?
        else {
            next.ran(i);
            continue;
        };
        row.status = if row.statements_applied == 0 {
            Status::Failed
        } else {
            Status::Partial
        };
        row.error = Some(e.message.clone());
        row.failed_statement = Some(stmts[i].sql.clone());
        row.execution_ms += started.elapsed().as_millis() as i64;
        let saved = target.save_history(&row).await;
        let hint = if i == 0 {
            "nothing of this file was applied. Fix the statement, run `migrator rehash`, then `migrator apply` again".to_string()
        } else {
            format!(
                "statements 1-{i} ran and are recorded (status partial). Fix statement {} in the file without changing statements 1-{i}, run `migrator rehash`, then `migrator apply` resumes at statement {}",
                i + 1,
                i + 1
            )
        };
        saved?;
        return Err(statement_error(&m.up, stmts, i, &e, hint));
    }
    finish(&mut row, m, started);
    target.save_history(&row).await
}

/// Before resuming a partial file, proves the statements already applied are unchanged.
fn verify_applied_prefix(m: &Migration, stmts: &[Statement], row: &HistoryRow) -> Result<()> {
    let applied = row.statements_applied as usize;
    if let Some((i, count)) = first_changed(stmts, &row.statement_hashes, applied) {
        let line = stmts
            .get(i)
            .map(|s| format!(" (line {})", s.line))
            .unwrap_or_default();
        // Long files record a digest per block of statements: it tells the block, not which one.
        let which = if count > 1 {
            format!("one of statements {}-{}{line}", i + 1, i + count)
        } else {
            format!("statement {}{line}", i + 1)
        };
        return Err(Error::Refused(format!(
            "{}: {which} was changed (or removed) after it was applied by a run that stopped at statement {} of {}. \
             Statements 1-{applied} must stay as they ran: restore {which}. If the database was repaired by hand instead, \
             run `migrator repair {}` to forget the partial run, then apply again",
            m.up.name,
            applied + 1,
            row.statements_total,
            m.version
        )));
    }
    Ok(())
}

/// Runs the down file of an applied migration and removes its history row.
pub async fn down(
    target: &mut dyn Target,
    settings: &Settings,
    m: &Migration,
    mut row: HistoryRow,
) -> Result<MigrationRun> {
    let dialect = target.dialect();
    let stmts = m.down.statements(dialect)?;
    let started = Instant::now();
    let mut retries = 0;
    let transactional = target.transactional_ddl()
        && m.down.transactional(dialect, &stmts)
        && row.status != Status::RollbackPartial;

    if transactional {
        'attempt: for attempt in 0..=settings.lock_retries {
            target
                .begin()
                .await
                .map_err(|e| Error::db("BEGIN", e.message))?;
            for i in 0..stmts.len() {
                let ran = execute_watched(target, settings, &stmts[i].sql, || {
                    statement_label(&m.down.name, i, &stmts[i])
                })
                .await;
                if let Err(e) = ran {
                    let _ = target.rollback().await;
                    if e.retryable && attempt < settings.lock_retries {
                        tokio::time::sleep(retry_delay(attempt)).await;
                        retries += 1;
                        continue 'attempt;
                    }
                    return Err(statement_error(&m.down, &stmts, i, &e,
                        "the rollback's transaction was rolled back: the migration is still applied. Fix the down file, run `migrator rehash`, then roll back again".into()));
                }
            }
            if let Err(e) = target.delete_history(m.version).await {
                let _ = target.rollback().await;
                return Err(e);
            }
            target
                .commit()
                .await
                .map_err(|e| Error::db(format!("{}: COMMIT", m.down.name), e.message))?;
            return Ok(run_report(m, stmts.len(), None, retries, started));
        }
        unreachable!("the last attempt returns");
    }

    let start = if row.status == Status::RollbackPartial {
        row.down_statements_applied as usize
    } else {
        0
    };
    let steps = Steps {
        file: &m.down,
        stmts: &stmts,
        in_flight: (row.status == Status::RollbackPartial && was_in_flight(&row, &stmts, start))
            .then_some(start),
    };
    let resumed_at = (start > 0).then_some(start + 1);
    row.status = Status::RollbackPartial;
    row.down_statements_applied = start as i32;
    target.save_history(&row).await?;
    let ran = down_statements(
        target,
        settings,
        (m, &stmts, &steps),
        row,
        start,
        &mut retries,
    )
    .await;
    // Whatever happened, no session setting or table lock of the file outlives it.
    let reset = target.reset_session().await;
    ran?;
    reset.map_err(|e| Error::db(format!("{}: resetting the session", m.down.name), e.message))?;
    Ok(run_report(m, stmts.len(), resumed_at, retries, started))
}

/// The statement-by-statement part of [`down`], from statement `start` on; removes the history
/// row at the end.
async fn down_statements(
    target: &mut dyn Target,
    settings: &Settings,
    (m, stmts, steps): (&Migration, &[Statement], &Steps<'_>),
    mut row: HistoryRow,
    start: usize,
    retries: &mut u32,
) -> Result<()> {
    if start > 0 {
        restore_session(target, &m.down, stmts, start).await?;
    }
    let done = |row: &mut HistoryRow, n: usize| row.down_statements_applied = n as i32;
    let mut next = Next::new(start, true);
    while let Some(i) = next.step(target, settings, steps, &mut row, &done).await? {
        let Some(e) = steps
            .run(target, settings, i, &mut row, retries, &done)
            .await?
        else {
            next.ran(i);
            continue;
        };
        row.error = Some(e.message.clone());
        row.failed_statement = Some(stmts[i].sql.clone());
        target.save_history(&row).await?;
        return Err(statement_error(&m.down, stmts, i, &e, format!(
            "down statements 1-{i} ran and are recorded (status rollback-partial). Fix statement {} of the down file, run `migrator rehash`, then `migrator rollback` resumes there",
            i + 1
        )));
    }
    target.delete_history(m.version).await
}

#[cfg(test)]
mod tests {
    use super::session_state;
    use crate::migrations::split::split;
    use crate::Dialect;

    #[test]
    fn a_resumed_file_replays_its_session_settings_and_open_table_locks() {
        let sql = "SET SESSION foreign_key_checks = 0;\n\
                   SET GLOBAL max_connections = 10;\n\
                   SET STATEMENT max_statement_time=1 FOR SELECT 1;\n\
                   LOCK TABLES `a` WRITE;\n\
                   UNLOCK TABLES;\n\
                   LOCK TABLES `b` WRITE;\n\
                   ALTER TABLE `b` ADD COLUMN `c` int;\n\
                   SET foreign_key_checks = 1;";
        let stmts = split("f.sql", sql, Dialect::Mysql).unwrap();
        let replayed: Vec<&str> = session_state(&stmts, Dialect::Mysql)
            .iter()
            .map(|s| s.sql.as_str())
            .collect();
        assert_eq!(
            replayed,
            [
                "SET SESSION foreign_key_checks = 0",
                "SET foreign_key_checks = 1",
                "LOCK TABLES `b` WRITE"
            ]
        );
        let pg = split(
            "f.sql",
            "SET lock_timeout = '1s';\nSET LOCAL x = 1;",
            Dialect::Postgres,
        )
        .unwrap();
        assert_eq!(session_state(&pg, Dialect::Postgres).len(), 1);
    }
}
