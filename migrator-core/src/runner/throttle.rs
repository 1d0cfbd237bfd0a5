//! A backfill that yields to the workload: between two batches it
//!
//! - waits while an operator paused it (`migrator backfill pause`, the `control` column of its
//!   progress row, so it works from any machine);
//! - waits while a `--max-load` metric is above its limit, and stops (resumable, with
//!   [`Error::Throttled`]) when a `--critical-load` one is, or when the wait on `--max-load`
//!   lasted longer than `--max-load-wait`;
//! - with `--batch-target`, resizes the next batch so that a batch takes about that long.
//!
//! What it waits for is written to the `state` column (for `migrator backfill status`) and
//! shown by the progress line. Metrics, read through [`Target::load_metrics`]: on MySQL/MariaDB
//! any numeric `SHOW GLOBAL STATUS` variable (`Threads_running`); on Postgres `active`
//! (sessions running a statement, our own excluded) and `lock_waiters` (sessions waiting on a
//! lock), both server-wide from `pg_stat_activity`.

use super::job::{BackfillJob, BackfillRow, BACKFILL_TABLE};
use super::meter::Meter;
use super::target::Target;
use crate::config::LoadLimit;
use crate::migrations::Version;
use crate::{DatabaseUrl, Error, Result, Settings};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How often a waiting backfill looks again (and notices Ctrl-C).
const POLL: Duration = Duration::from_millis(500);
/// How often a long wait is logged again.
const REMIND: Duration = Duration::from_secs(30);
/// The `control` value of a paused backfill.
const PAUSE: &str = "pause";
/// The `state` prefix of a backfill waiting on the load (read back by `status`).
const WAITING_ON_LOAD: &str = "waiting on load";
const PAUSED: &str = "paused by an operator";

/// The throttle of one running backfill.
pub(super) struct Throttle {
    version: Version,
    file: String,
    table: String,
    /// The `state` last written (`None`: running).
    state: Option<String>,
    /// The control column is missing (a table an old version made and could not alter):
    /// pause is off, warned once.
    no_control: bool,
    /// The row may hold a state of an earlier run (stopped, or killed while waiting): cleared
    /// once this run goes on.
    stale: bool,
    sizer: Option<Sizer>,
}

/// Where the backfill stands, for the messages.
pub(super) struct Done<'a> {
    pub rows: u64,
    pub batches: u64,
    pub last: &'a str,
}

impl Throttle {
    pub(super) fn new(settings: &Settings, file: &str, job: &BackfillJob) -> Throttle {
        let sizer = settings.batch_target.map(|target| Sizer {
            target,
            min: settings.batch_min.min(job.batch),
            max: job.batch,
        });
        Throttle {
            version: job.version,
            file: file.to_string(),
            table: job.table.clone(),
            state: None,
            no_control: false,
            stale: true,
            sizer,
        }
    }

    /// After a batch of `rows` rows that took `took`: the size of the next one (adaptive
    /// batches only). The bound after the next batch is read with it, so a new size shows one
    /// batch later.
    pub(super) fn resize(&mut self, job: &mut BackfillJob, rows: u64, took: Duration) {
        if let Some(sizer) = &self.sizer {
            let next = sizer.next(job.batch, rows, took);
            if next != job.batch {
                tracing::debug!(
                    "{}: batch size {} -> {next} rows (last batch: {rows} row(s) in {} ms, target {} ms)",
                    self.file,
                    job.batch,
                    took.as_millis(),
                    sizer.target.as_millis()
                );
                job.batch = next;
            }
        }
    }

    /// Between two batches: returns once the backfill may go on; an error stops it (all
    /// batches so far are committed).
    pub(super) async fn between_batches(
        &mut self,
        target: &mut dyn Target,
        settings: &Settings,
        meter: &mut Meter,
        done: Done<'_>,
    ) -> Result<()> {
        let mut waiting_since: Option<Instant> = None;
        let mut logged = Instant::now();
        loop {
            if settings.stop.requested() {
                self.set_state(target, Some("stopped on request")).await;
                return Err(Error::Interrupted(format!(
                    "{}: the backfill of {} after batch {}: {} row(s) up to key {} are committed and recorded in {BACKFILL_TABLE} (status partial). `migrator apply` resumes after key {}",
                    self.file, self.table, done.batches, done.rows, done.last, done.last
                )));
            }
            let paused = !self.no_control && self.paused(target).await?;
            let why = if paused {
                Some(format!(
                    "{PAUSED} (`migrator backfill resume {}` to go on)",
                    self.version
                ))
            } else {
                self.check_load(target, settings, &done, waiting_since)
                    .await?
            };
            let Some(why) = why else {
                if std::mem::take(&mut self.stale) && self.state.is_none() && !self.no_control {
                    if let Err(e) = target.backfill_state(self.version, None).await {
                        tracing::debug!("{}: could not clear the backfill state: {e}", self.file);
                    }
                }
                if self.state.is_some() {
                    tracing::info!(
                        "{}: backfill of {} goes on after {:.1}s",
                        self.file,
                        self.table,
                        waiting_since.map_or(0.0, |t| t.elapsed().as_secs_f64())
                    );
                    meter.waiting(None);
                    self.set_state(target, None).await;
                }
                return Ok(());
            };
            if self.state.as_deref() != Some(why.as_str()) || logged.elapsed() >= REMIND {
                // Values change all the time: log a new metric value only every few seconds.
                if self.state.as_ref().is_none_or(|s| kind(s) != kind(&why))
                    || logged.elapsed() >= REMIND
                {
                    tracing::warn!(
                        "{}: backfill of {} {why}: {} row(s) in {} batch(es) done, up to key {}",
                        self.file,
                        self.table,
                        done.rows,
                        done.batches,
                        done.last
                    );
                    logged = Instant::now();
                }
                meter.waiting(Some(&why));
                self.set_state(target, Some(&why)).await;
            }
            // A wait on the load is timed; a pause by an operator lasts until resumed.
            if kind(&why) == WAITING_ON_LOAD {
                waiting_since.get_or_insert_with(Instant::now);
            } else {
                waiting_since = None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn paused(&mut self, target: &mut dyn Target) -> Result<bool> {
        match target.backfill_control(self.version).await {
            Ok(control) => Ok(control.as_deref() == Some(PAUSE)),
            Err(e) => {
                // Only a table without the column (see `ensure_history`) is tolerated.
                if e.to_string().contains("control") {
                    tracing::warn!("{}: {e}; `migrator backfill pause` is ignored", self.file);
                    self.no_control = true;
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// `Some(why)` while a `max_load` metric is above its limit; `Error::Throttled` for a
    /// `critical_load` one, or a wait longer than `max_load_wait`.
    async fn check_load(
        &mut self,
        target: &mut dyn Target,
        settings: &Settings,
        done: &Done<'_>,
        waiting_since: Option<Instant>,
    ) -> Result<Option<String>> {
        if settings.max_load.is_empty() && settings.critical_load.is_empty() {
            return Ok(None);
        }
        let limits: Vec<(&LoadLimit, bool)> = settings
            .critical_load
            .iter()
            .map(|l| (l, true))
            .chain(settings.max_load.iter().map(|l| (l, false)))
            .collect();
        let names: Vec<String> = limits.iter().map(|(l, _)| l.metric.clone()).collect();
        let resume = format!(
            "after batch {}: {} row(s) up to key {} are committed and recorded in {BACKFILL_TABLE} (status partial). Once the load is down, `migrator apply` resumes after key {}",
            done.batches, done.rows, done.last, done.last
        );
        let values = target.load_metrics(&names).await.map_err(|e| match e {
            Error::Refused(msg) => Error::Refused(format!("{}: {msg}; {resume}", self.file)),
            other => other,
        })?;
        for ((limit, critical), value) in limits.iter().zip(&values) {
            if *critical && *value > limit.limit {
                let why = format!(
                    "critical load: {}={value} is above --critical-load {limit}",
                    limit.metric
                );
                self.set_state(target, Some(&format!("stopped: {why}")))
                    .await;
                return Err(Error::Throttled(format!(
                    "{}: the backfill of {} stopped: {why} (backfill-critical-load in migrator.toml) {resume}",
                    self.file, self.table
                )));
            }
        }
        let over = limits
            .iter()
            .zip(&values)
            .find(|((l, critical), v)| !critical && **v > l.limit);
        let Some(((limit, _), value)) = over else {
            return Ok(None);
        };
        if let (Some(max), Some(since)) = (settings.max_load_wait, waiting_since) {
            if since.elapsed() >= max {
                let why = format!(
                    "{}={value} stayed above --max-load {limit} for {:.0}s, longer than --max-load-wait {:.0}s",
                    limit.metric,
                    since.elapsed().as_secs_f64(),
                    max.as_secs_f64()
                );
                self.set_state(target, Some(&format!("stopped: {why}")))
                    .await;
                return Err(Error::Throttled(format!(
                    "{}: the backfill of {} stopped: {why} {resume}",
                    self.file, self.table
                )));
            }
        }
        Ok(Some(format!(
            "{WAITING_ON_LOAD}: {}={value} is above --max-load {limit}",
            limit.metric
        )))
    }

    /// Records the state for `migrator backfill status`; a failure only loses that display.
    async fn set_state(&mut self, target: &mut dyn Target, state: Option<&str>) {
        if self.state.as_deref() == state {
            return;
        }
        self.state = state.map(str::to_string);
        if self.no_control {
            return;
        }
        if let Err(e) = target.backfill_state(self.version, state).await {
            tracing::debug!("{}: could not record the backfill state: {e}", self.file);
        }
    }
}

/// What a state is about, without its values.
fn kind(state: &str) -> &str {
    state.split(':').next().unwrap_or(state)
}

/// Adaptive batch sizes: the size that would have taken `target` at the last batch's pace,
/// moving at most by half or double per batch, within `min..=max`.
#[derive(Debug, Clone, Copy)]
struct Sizer {
    target: Duration,
    min: u64,
    max: u64,
}

impl Sizer {
    fn next(&self, current: u64, rows: u64, took: Duration) -> u64 {
        // A batch of a sparse key range matches few rows: its time says nothing of the size.
        if rows == 0 || took.is_zero() {
            return current;
        }
        let ideal = rows as f64 * self.target.as_secs_f64() / took.as_secs_f64();
        let lo = (current / 2).max(1) as f64;
        let hi = current.saturating_mul(2) as f64;
        (ideal.clamp(lo, hi).round() as u64).clamp(self.min, self.max)
    }
}

/// One backfill as `migrator backfill status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BackfillStatus {
    pub version: Version,
    pub table: String,
    pub key: String,
    pub rows: u64,
    pub batches: u64,
    pub last_key: Option<String>,
    pub end_key: Option<String>,
    /// `running`, `paused`, `pause requested`, `waiting on load`, `stopped` or `done`.
    pub state: String,
    /// What it waits for or why it stopped, as the runner recorded it.
    pub detail: Option<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<BackfillRow> for BackfillStatus {
    fn from(r: BackfillRow) -> BackfillStatus {
        let p = r.progress;
        let paused = r.control.as_deref() == Some(PAUSE);
        let state = match (&p.finished_at, r.state.as_deref()) {
            (Some(_), _) => "done",
            (None, Some(s)) if s.starts_with(PAUSED) => "paused",
            (None, Some(s)) if s.starts_with(WAITING_ON_LOAD) => "waiting on load",
            (None, Some(s)) if s.starts_with("stopped") && paused => "stopped, paused",
            (None, Some(s)) if s.starts_with("stopped") => "stopped",
            (None, _) if paused => "pause requested",
            (None, _) => "running",
        };
        BackfillStatus {
            version: p.version,
            table: p.table,
            key: p.key,
            rows: p.rows,
            batches: p.batches,
            last_key: p.last_key,
            end_key: p.end_key,
            state: state.to_string(),
            detail: r.state.filter(|_| p.finished_at.is_none()),
            updated_at: p.updated_at,
        }
    }
}

impl std::fmt::Display for BackfillStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}  {}  {}  rows {}  batches {}  last key {}",
            self.version,
            self.table,
            self.state,
            self.rows,
            self.batches,
            self.last_key.as_deref().unwrap_or("-")
        )?;
        if let Some(d) = &self.detail {
            write!(f, "  ({d})")?;
        }
        Ok(())
    }
}

/// Every backfill recorded in the database, oldest first. Takes no lock.
pub async fn status(url: &DatabaseUrl) -> Result<Vec<BackfillStatus>> {
    let mut target = super::connect::connect(url).await?;
    let rows = target.list_backfills().await;
    target.close().await;
    Ok(rows?
        .unwrap_or_default()
        .into_iter()
        .map(BackfillStatus::from)
        .collect())
}

/// Asks the unfinished backfills (of `version` only, when given) to wait between two batches
/// until [`resume`]; a backfill started later runs. Works from any machine: the request is a
/// column of the progress row, read by the runner before each batch. Returns the backfills it
/// applies to; an error when there is none.
pub async fn pause(url: &DatabaseUrl, version: Option<Version>) -> Result<Vec<BackfillStatus>> {
    set_control(url, version, Some(PAUSE)).await
}

/// Lets paused backfills go on (see [`pause`]).
pub async fn resume(url: &DatabaseUrl, version: Option<Version>) -> Result<Vec<BackfillStatus>> {
    set_control(url, version, None).await
}

async fn set_control(
    url: &DatabaseUrl,
    version: Option<Version>,
    control: Option<&str>,
) -> Result<Vec<BackfillStatus>> {
    let mut target = super::connect::connect(url).await?;
    let result = async {
        let rows = target.list_backfills().await?.unwrap_or_default();
        let open: Vec<BackfillRow> = rows
            .into_iter()
            .filter(|r| r.progress.finished_at.is_none())
            .filter(|r| version.is_none_or(|v| r.progress.version == v))
            .collect();
        if open.is_empty() {
            return Err(Error::Refused(match version {
                Some(v) => format!(
                    "no unfinished backfill of {v} in {BACKFILL_TABLE}: it is done or was never started; `migrator backfill status` lists the backfills"
                ),
                None => format!(
                    "no unfinished backfill in {BACKFILL_TABLE}; `migrator backfill status` lists the backfills"
                ),
            }));
        }
        target.set_backfill_control(version, control).await?;
        Ok(open
            .into_iter()
            .map(|mut r| {
                r.control = control.map(str::to_string);
                BackfillStatus::from(r)
            })
            .collect())
    }
    .await;
    target.close().await;
    result
}

/// Refuses, before the first batch, load limits on metrics the server does not have: found
/// only at the first check, they would stop a backfill with one batch done.
pub(super) async fn check_metrics(
    target: &mut dyn Target,
    settings: &Settings,
    file: &str,
) -> Result<()> {
    let names: Vec<String> = settings
        .critical_load
        .iter()
        .chain(&settings.max_load)
        .map(|l| l.metric.clone())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    match target.load_metrics(&names).await {
        Ok(_) => Ok(()),
        Err(Error::Refused(msg)) => Err(Error::Refused(format!(
            "{file}: {msg}; nothing of the backfill ran"
        ))),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_grow_and_shrink_toward_the_target_within_bounds() {
        let s = Sizer {
            target: Duration::from_millis(100),
            min: 10,
            max: 5000,
        };
        // 1000 rows in 400 ms: 250 would take 100 ms, but a batch at most halves.
        assert_eq!(s.next(1000, 1000, Duration::from_millis(400)), 500);
        assert_eq!(s.next(1000, 1000, Duration::from_millis(125)), 800);
        // Fast: at most double, never above the max.
        assert_eq!(s.next(1000, 1000, Duration::from_millis(10)), 2000);
        assert_eq!(s.next(4000, 4000, Duration::from_millis(10)), 5000);
        // Never below the min; no rows says nothing.
        assert_eq!(s.next(12, 12, Duration::from_secs(5)), 10);
        assert_eq!(s.next(700, 0, Duration::from_secs(5)), 700);
    }
}
