//! The batched backfill executor: runs the one `UPDATE` of a file marked
//! `-- migrator:backfill table=T key=K batch=N` in primary-key ranges.
//!
//! It notes the greatest key when it starts and stops there: rows inserted meanwhile are
//! written by the new application version (that is what the expand step prepared), and a
//! backfill chasing a steady stream of inserts would never end.
//!
//! For each batch it needs an upper bound: the key `batch` rows after the last one done, read
//! from the key's index (the end key when fewer are left); each batch reads the bound of the
//! next one along with its own statements. It runs the file's `UPDATE` limited to
//! `K > last AND K <= next`, committed in one short transaction together with the progress row
//! in `migrator_backfill` — so a batch is done exactly once, whatever happens to the runner.
//! A killed run is `partial` in the history; the next `apply` proves the statement unchanged
//! and continues after the stored key. Memory stays flat: only the two bounds of the current
//! batch are held, never the keys of the table.
//!
//! Everything dialect-specific (key lookup, SQL, placeholders, transactions) is behind
//! [`Target`]: `backfill_key`, `backfill_bound`, `backfill_batch` and the progress methods.

use super::history::{HistoryRow, Status};
use super::job::{BackfillJob, BACKFILL_TABLE};
use super::lock::retry_delay;
use super::meter::Meter;
use super::record::{finish, first_changed, new_row, run_report, statement_error};
use super::report::MigrationRun;
use super::target::{DbError, Target};
use super::throttle::{Done, Throttle};
use crate::config::DEFAULT_BACKFILL_BATCH;
use crate::migrations::{BackfillDirective, BatchedUpdate, Migration};
use crate::{Error, Result, Settings};
use std::time::Instant;

/// Runs one statement of the backfill, retrying with backoff while it only failed to get a lock
/// in time (a batch that times out is retried, never skipped).
macro_rules! with_retry {
    ($settings:expr, $retries:expr, $file:expr, $what:expr, $op:expr) => {{
        let mut attempt = 0u32;
        loop {
            match $op.await {
                Ok(v) => break Ok(v),
                Err(e) if e.retryable && attempt < $settings.lock_retries => {
                    let delay = retry_delay(attempt);
                    tracing::warn!(
                        "{}: {} could not get its locks within {:?} ({}); retry {}/{} in {:.1}s",
                        $file,
                        $what,
                        $settings.lock_timeout,
                        e.message,
                        attempt + 1,
                        $settings.lock_retries,
                        delay.as_secs_f64()
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    $retries += 1;
                }
                Err(e) => break Err::<_, DbError>(e),
            }
        }
    }};
}

/// Applies a backfill file: checks everything, then runs (or resumes) the batches.
pub async fn up(
    target: &mut dyn Target,
    settings: &Settings,
    m: &Migration,
    existing: Option<HistoryRow>,
) -> Result<MigrationRun> {
    let started = Instant::now();
    let directive: BackfillDirective =
        m.up.directives
            .backfill
            .clone()
            .expect("dispatched on the backfill directive");
    let dialect = target.dialect();
    let stmts = m.up.statements(dialect)?;
    // Everything is checked before anything runs.
    if stmts.len() != 1 {
        return Err(Error::Refused(format!(
            "{}: a backfill file (`-- migrator:backfill table={} …`) holds exactly one UPDATE statement, this one has {}; nothing was run. Move the other statements to their own migration",
            m.up.name,
            directive.table,
            stmts.len()
        )));
    }
    let stmt = &stmts[0];
    let update = BatchedUpdate::parse(&stmt.sql, dialect).map_err(|message| {
        Error::Refused(format!(
            "{}: statement 1 (line {}): {message}; nothing was run",
            m.up.name, stmt.line
        ))
    })?;
    if !update.updates(&directive.table, dialect) {
        return Err(Error::Refused(format!(
            "{}: the UPDATE (line {}) updates {}, but the directive says table={}; nothing was run. Make them name the same table",
            m.up.name, stmt.line, update.table, directive.table
        )));
    }
    let found = target
        .backfill_key(&directive.table, &directive.key)
        .await
        .map_err(|e| match e {
            Error::Refused(msg) => Error::Refused(format!("{}: {msg}", m.up.name)),
            other => other,
        })?;
    let mut job = BackfillJob {
        version: m.version,
        table: directive.table.clone(),
        key: directive.key.clone(),
        found,
        update,
        batch: settings
            .backfill_batch_size
            .or(directive.batch)
            .unwrap_or(DEFAULT_BACKFILL_BATCH),
    };

    // A throttle that cannot work (a load metric the server does not have, replicas that
    // cannot be measured) is refused before the first batch, with nothing done.
    super::throttle::check_metrics(target, settings, &m.up.name).await?;
    let mut replicas = super::replica::ReplicaWatch::new();
    if settings.max_replica_lag.is_some() {
        replicas.measure(target, settings).await.map_err(|e| {
            Error::Refused(format!(
                "{}: the backfill watches replica lag (--max-replica-lag) and cannot measure it: {e}. Nothing of the backfill ran",
                m.up.name
            ))
        })?;
    }

    let mut retries = 0u32;
    // Resume a partial run, or start afresh (after a failure that committed nothing, a
    // `migrator repair`, or a rollback, any earlier progress row is reset).
    let progress = target.read_backfill(m.version).await?;
    let resume = match (existing, progress) {
        (Some(row), Some(p))
            if row.status == Status::Partial && p.finished_at.is_none() && p.batches > 0 =>
        {
            Some((row, p))
        }
        _ => None,
    };
    let (mut row, done, end) = match resume {
        Some((mut row, p)) => {
            if first_changed(&stmts, &row.statement_hashes, 1).is_some() {
                return Err(Error::Refused(format!(
                    "{}: the UPDATE (line {}) was changed after its backfill started: {} batch(es), {} row(s) up to key {} ran with the recorded text. \
                     Restore the statement as it ran and `migrator apply` resumes. To start over with the new text instead, run `migrator repair {}`, then apply again (rows already done are updated again)",
                    m.up.name, stmt.line, p.batches, p.rows, p.last_key.as_deref().unwrap_or("?"), m.version
                )));
            }
            if p.table != directive.table || p.key != directive.key {
                return Err(Error::Refused(format!(
                    "{}: the backfill started as table={} key={} and the directive now says table={} key={}; the stored progress (key {}) means nothing for another key. \
                     Restore the directive, or run `migrator repair {}` to start over",
                    m.up.name, p.table, p.key, directive.table, directive.key,
                    p.last_key.as_deref().unwrap_or("?"), m.version
                )));
            }
            tracing::info!(
                "{}: resuming the backfill of {} after key {} ({} row(s) in {} batch(es) already done)",
                m.up.name,
                directive.table,
                p.last_key.as_deref().unwrap_or("?"),
                p.rows,
                p.batches
            );
            row.error = None;
            row.failed_statement = None;
            let end = p.end_key.clone();
            (row, Some(p), end)
        }
        None => {
            let mut row = new_row(m, 1);
            row.statement_hashes = vec![stmt.hash.to_string()];
            let end = with_retry!(
                settings,
                retries,
                m.up.name,
                "reading the greatest key",
                target.backfill_end(&job)
            )
            .map_err(|e| {
                Error::db(
                    format!(
                        "{}: reading the greatest key of {}",
                        m.up.name, directive.table
                    ),
                    e.message,
                )
            })?;
            tracing::info!(
                "{}: backfilling {} by {} in batches of {} rows, up to key {}",
                m.up.name,
                directive.table,
                directive.key,
                job.batch,
                end.as_deref().unwrap_or("(none: the table is empty)")
            );
            target.save_history(&row).await?;
            target
                .start_backfill(m.version, &directive.table, &directive.key, end.as_deref())
                .await?;
            (row, None, end)
        }
    };

    let resumed_after_key = done.as_ref().and_then(|p| p.last_key.clone());
    let mut last = resumed_after_key.clone();
    let (mut rows, mut batches) = done.as_ref().map_or((0, 0), |p| (p.rows, p.batches));
    let mut meter = Meter::new(settings, m, &job, rows);
    let mut throttle = Throttle::new(settings, &m.up.name, &job);
    if let Some(end) = end.as_deref() {
        // The first bound is read on its own; each batch then brings the next one along.
        let mut bound = with_retry!(
            settings,
            retries,
            m.up.name,
            "the first key bound",
            target.backfill_bound(&job, last.as_deref(), end)
        );
        loop {
            let next = match bound {
                Ok(Some(next)) => next,
                // Fewer than a batch of keys left: the last batch runs up to the end key.
                Ok(None) if last.as_deref() != Some(end) => end.to_string(),
                Ok(None) => break,
                Err(e) => {
                    meter.abandon();
                    return Err(failed(
                        target, m, &stmts, &mut row, &e, rows, batches, &last, started,
                    )
                    .await);
                }
            };
            let took = Instant::now();
            let batch = with_retry!(
                settings,
                retries,
                m.up.name,
                format!("batch {}", batches + 1),
                target.backfill_batch(&job, last.as_deref(), &next, end)
            );
            match batch {
                Ok(done) => {
                    rows += done.rows;
                    batches += 1;
                    last = Some(next);
                    bound = Ok(done.next);
                    throttle.resize(&mut job, done.rows, took.elapsed());
                    meter.update(rows, batches, last.as_deref().unwrap_or(""));
                }
                Err(e) => {
                    meter.abandon();
                    return Err(failed(
                        target, m, &stmts, &mut row, &e, rows, batches, &last, started,
                    )
                    .await);
                }
            }
            // Every batch commits with its progress row: stopping between two is a clean resume.
            if settings.stop.requested() && last.as_deref() != Some(end) {
                meter.abandon();
                let key = last.as_deref().unwrap_or("?");
                return Err(Error::Interrupted(format!(
                    "{}: the backfill of {} after batch {batches}: {rows} row(s) up to key {key} are committed and recorded in {BACKFILL_TABLE} (status partial). `migrator apply` resumes after key {key}",
                    m.up.name, job.table
                )));
            }
            if last.as_deref() != Some(end) {
                let done = Done {
                    rows,
                    batches,
                    last: last.as_deref().unwrap_or(""),
                };
                if let Err(e) = throttle
                    .between_batches(target, settings, &mut meter, done)
                    .await
                {
                    meter.abandon();
                    return Err(e);
                }
            }
            if !settings.backfill_pause.is_zero() {
                tokio::time::sleep(settings.backfill_pause).await;
            }
            replicas.wait(target, settings, &m.up.name).await?;
        }
    }
    meter.finish(rows, batches);

    // The history row becomes applied together with the end of the progress row.
    row.statements_applied = 1;
    row.statements_total = 1;
    row.statement_hashes = vec![stmt.hash.to_string()];
    finish(&mut row, m, started);
    target
        .begin()
        .await
        .map_err(|e| Error::db("BEGIN", e.message))?;
    let saved = async {
        target.save_history(&row).await?;
        target.finish_backfill(m.version).await
    }
    .await;
    if let Err(e) = saved {
        let _ = target.rollback().await;
        return Err(e);
    }
    target
        .commit()
        .await
        .map_err(|e| Error::db(format!("{}: COMMIT", m.up.name), e.message))?;

    let mut report = run_report(m, 1, None, retries, started);
    report.rows = Some(rows);
    report.batches = Some(batches);
    report.resumed_after_key = resumed_after_key;
    Ok(report)
}

/// Records a batch that failed for good (not a lock timeout, or out of retries) and builds the
/// error: what is committed, and how to go on.
#[allow(clippy::too_many_arguments)]
async fn failed(
    target: &mut dyn Target,
    m: &Migration,
    stmts: &[crate::migrations::Statement],
    row: &mut HistoryRow,
    e: &DbError,
    rows: u64,
    batches: u64,
    last: &Option<String>,
    started: Instant,
) -> Error {
    row.status = if batches == 0 {
        Status::Failed
    } else {
        Status::Partial
    };
    row.error = Some(e.message.clone());
    row.failed_statement = Some(stmts[0].sql.clone());
    row.execution_ms += started.elapsed().as_millis() as i64;
    let hint = match last {
        Some(key) if batches > 0 && e.connection_lost => format!(
            "the connection to the database was lost; {batches} batch(es), {rows} row(s) up to key {key}, are committed and recorded in {BACKFILL_TABLE}. \
             Nothing needs fixing: run `migrator apply` again and it resumes after key {key}"
        ),
        Some(key) if batches > 0 => format!(
            "{batches} batch(es), {rows} row(s) up to key {key}, are committed and recorded in {BACKFILL_TABLE} (status partial). \
             Fix the cause without changing the UPDATE, then `migrator apply` resumes after key {key}"
        ),
        _ if e.connection_lost => "the connection to the database was lost before the first batch committed: nothing of this backfill is applied, and nothing needs fixing. Run `migrator apply` again: it starts the backfill over".into(),
        _ => "no batch was committed: nothing of this backfill is applied. Fix the statement, run `migrator rehash`, then `migrator apply` again".into(),
    };
    if let Err(save) = target.save_history(row).await {
        tracing::error!("{}: could not record the failure: {save}", m.up.name);
    }
    statement_error(&m.up, stmts, 0, e, hint)
}
