//! Running one migration file, up or down: in one transaction where the dialect and the file
//! allow it, otherwise statement by statement with progress recorded after each one (so that a
//! `kill -9` at any moment leaves a history the next run resumes from: see `Steps::run`).

use super::history::{HistoryRow, Status};
use super::lock::retry_delay;
use super::record::{finish, first_changed, new_row, run_report, statement_error};
use super::report::MigrationRun;
use super::target::{DbError, Target};
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
        let result = target.execute(&stmts[i].sql).await;
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

/// The statements of a file run statement by statement.
struct Steps<'a> {
    file: &'a SqlFile,
    stmts: &'a [Statement],
    /// The statement the previous runner had marked [`IN_FLIGHT`] when it died, if any.
    in_flight: Option<usize>,
}

impl Steps<'_> {
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
        done: impl Fn(&mut HistoryRow),
    ) -> Result<Option<DbError>> {
        let (file, stmts) = (self.file, self.stmts);
        if is_dml(&stmts[i].sql, target.dialect()) {
            if let Err(e) =
                execute_with_retry(target, settings, file, stmts, i, retries, true).await
            {
                return Ok(Some(e));
            }
            let mut next = row.clone();
            done(&mut next);
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
        done(row);
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
        'attempt: for attempt in 0..=settings.lock_retries {
            // BEGIN travels with the first statement (one round trip where the target can).
            if stmts.is_empty() {
                target
                    .begin()
                    .await
                    .map_err(|e| Error::db("BEGIN", e.message))?;
            }
            for i in 0..stmts.len() {
                let ran = if i == 0 {
                    target.begin_with(&stmts[i].sql).await
                } else {
                    target.execute(&stmts[i].sql).await
                };
                if let Err(e) = ran {
                    let _ = target.rollback().await;
                    if e.retryable && attempt < settings.lock_retries {
                        let delay = retry_delay(attempt);
                        tracing::warn!(
                            "{}: statement {} (line {}) could not get its lock within {:?}; rolled back, retry {}/{} in {:.1}s",
                            m.up.name, i + 1, stmts[i].line, settings.lock_timeout, attempt + 1, settings.lock_retries, delay.as_secs_f64()
                        );
                        tokio::time::sleep(delay).await;
                        retries += 1;
                        continue 'attempt;
                    }
                    return Err(statement_error(&m.up, &stmts, i, &e,
                        "the file's transaction was rolled back: nothing of it was applied. Fix the file, run `migrator rehash`, then `migrator apply` again".into()));
                }
            }
            let mut row = new_row(m, stmts.len());
            row.statements_applied = stmts.len() as i32;
            row.statement_hashes = stmts.iter().map(|s| s.hash.to_string()).collect();
            finish(&mut row, m, started);
            // The history row commits with the file's statements, or nothing does.
            target.save_history_and_commit(&row).await?;
            return Ok(run_report(m, stmts.len(), None, retries, started));
        }
        unreachable!("the last attempt returns");
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
    for i in start..stmts.len() {
        let done = |row: &mut HistoryRow| {
            row.statements_applied = i as i32 + 1;
            row.statement_hashes.truncate(i);
            row.statement_hashes.push(stmts[i].hash.to_string());
        };
        let Some(e) = steps
            .run(target, settings, i, &mut row, retries, done)
            .await?
        else {
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
    if let Some(i) = first_changed(stmts, &row.statement_hashes, applied) {
        let line = stmts
            .get(i)
            .map(|s| format!(" (line {})", s.line))
            .unwrap_or_default();
        return Err(Error::Refused(format!(
            "{}: statement {}{line} was changed (or removed) after it was applied by a run that stopped at statement {} of {}. \
             Statements 1-{applied} must stay as they ran: restore statement {}. If the database was repaired by hand instead, \
             run `migrator repair {}` to forget the partial run, then apply again",
            m.up.name,
            i + 1,
            applied + 1,
            row.statements_total,
            i + 1,
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
                if let Err(e) = target.execute(&stmts[i].sql).await {
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
    for i in start..stmts.len() {
        let done = |row: &mut HistoryRow| row.down_statements_applied = i as i32 + 1;
        let Some(e) = steps
            .run(target, settings, i, &mut row, retries, done)
            .await?
        else {
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
