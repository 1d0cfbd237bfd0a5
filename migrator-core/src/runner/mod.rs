//! The runner: applies and rolls back a [`MigrationSet`] on a database, one runner at a time.
//!
//! - [`target`]: the trait each dialect implements (lock, history, execution), with
//!   [`postgres`] and [`mysql`]; [`connect`] opens the one a URL names;
//! - [`history`]: the `migrator_history` row; [`bookkeeping`]: the SQL of the runner's own
//!   tables (history, backfill progress, MySQL lock holder), built once with sea-query;
//! - [`reconcile`]: directory × history → state of each migration, checks before running;
//! - [`lock`]: waiting for the runner lock; [`execute`]: running one file up or down;
//! - [`backfill`]: running a `-- migrator:backfill` file in key-range batches, resumable
//!   ([`job`]: what a backfill is made of, shared with the targets);
//! - [`record`]: the history row and report of a run, shared by `execute` and `backfill`;
//! - [`replica`]: replica lag, which a backfill waits out between batches (`--max-replica-lag`);
//! - [`report`]: what a run did.
//!
//! Every entry point releases the runner lock on every path, errors included (and the server
//! releases it if the process dies, since it is tied to the session).

pub mod backfill;
pub mod bookkeeping;
pub mod connect;
pub mod execute;
pub mod history;
pub mod job;
pub mod lock;
mod meter;
pub mod mysql;
pub mod postgres;
pub mod reconcile;
pub mod record;
pub mod replica;
pub mod report;
pub(crate) mod sessions;
pub mod target;
pub mod throttle;
mod watch;

pub use connect::Connection;
pub use history::{HistoryRow, Status};
pub use reconcile::{Entry, State};
pub use report::{ApplyReport, MigrationRun, RollbackReport, StatusReport};
pub use target::Target;

use crate::migrations::{Phase, Version};
use crate::{DatabaseUrl, EmbeddedMigrations, Error, MigrationSet, Result, Settings};
use sessions::Sessions;
use std::path::Path;

/// What `apply` runs.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Stop after this version (inclusive).
    pub to: Option<Version>,
    /// Also run contract migrations (once the new application version is deployed).
    pub contract: bool,
}

/// What `rollback` undoes.
#[derive(Debug, Clone)]
pub enum RollbackTarget {
    /// The newest N applied migrations.
    Steps(usize),
    /// Every applied migration newer than this version.
    To(Version),
}

/// Applies a set of migrations to databases.
#[derive(Debug, Clone)]
pub struct Migrator {
    pub set: MigrationSet,
    pub settings: Settings,
}

impl Migrator {
    pub fn new(set: MigrationSet) -> Migrator {
        Migrator {
            set,
            settings: Settings::default(),
        }
    }

    /// Reads a migrations directory.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Migrator> {
        Ok(Migrator::new(MigrationSet::load_dir(dir.as_ref())?))
    }

    /// Uses migrations compiled in with [`crate::embed_migrations!`].
    pub fn from_embedded(embedded: EmbeddedMigrations) -> Result<Migrator> {
        Ok(Migrator::new(MigrationSet::from_embedded(&embedded)?))
    }

    pub fn with_settings(mut self, settings: Settings) -> Migrator {
        self.settings = settings;
        self
    }

    /// Applies every pending expand and backfill migration: what an application runs at
    /// start-up. Safe when many processes start at once (one applies, the others wait and then
    /// find nothing to do). Costs one query when nothing is pending.
    pub async fn apply(&self, database_url: &str) -> Result<ApplyReport> {
        let url = DatabaseUrl::parse(database_url)?;
        self.apply_with(&url, &ApplyOptions::default()).await
    }

    pub async fn apply_with(&self, url: &DatabaseUrl, opts: &ApplyOptions) -> Result<ApplyReport> {
        let (report, result) = self.apply_reporting(url, opts, &mut |_| {}).await;
        result.map(|()| report)
    }

    /// [`Migrator::apply_with`] for callers that report progress: `on_applied` is called as each
    /// migration finishes, and the report comes back together with the outcome, so that a run
    /// that fails after some migrations were applied still says which ones
    /// (`report.applied`), next to the error.
    pub async fn apply_reporting(
        &self,
        url: &DatabaseUrl,
        opts: &ApplyOptions,
        on_applied: &mut (dyn FnMut(&MigrationRun) + Send),
    ) -> (ApplyReport, Result<()>) {
        self.apply_in(url, opts, on_applied, &Sessions::one_off())
            .await
    }

    /// [`Migrator::apply_reporting`] on a session of `sessions`.
    pub(crate) async fn apply_in(
        &self,
        url: &DatabaseUrl,
        opts: &ApplyOptions,
        on_applied: &mut (dyn FnMut(&MigrationRun) + Send),
        sessions: &Sessions,
    ) -> (ApplyReport, Result<()>) {
        let mut report = ApplyReport {
            database: url.redacted(),
            ..Default::default()
        };
        let result = async {
            self.set.check_integrity()?;
            if let Some(to) = opts.to {
                self.require_version(to)?;
            }
            let mut target = sessions.open(url).await?;
            let result = self
                .apply_on_target(target.as_mut(), opts, &mut report, on_applied)
                .await;
            sessions.done(url, target, result.is_ok()).await;
            result
        }
        .await;
        (report, result)
    }

    /// [`Migrator::apply_with`] on a connection the application already has (a
    /// `tokio_postgres::Client`, a `mysql_async::Conn`, or a `mysql_async::Pool` to take one
    /// from; see [`Connection`] for what the run does with it). Many replicas may call it at
    /// once: the migration lock serializes them as with a URL.
    pub async fn apply_on<'c>(
        &self,
        conn: impl Into<Connection<'c>>,
        opts: &ApplyOptions,
    ) -> Result<ApplyReport> {
        let conn = conn.into();
        let mut report = ApplyReport {
            database: conn.describe().to_string(),
            ..Default::default()
        };
        self.set.check_integrity()?;
        if let Some(to) = opts.to {
            self.require_version(to)?;
        }
        let mut target = conn.target().await?;
        let result = self
            .apply_on_target(target.as_mut(), opts, &mut report, &mut |_| {})
            .await;
        target.close().await;
        result.map(|()| report)
    }

    async fn apply_on_target(
        &self,
        target: &mut dyn Target,
        opts: &ApplyOptions,
        report: &mut ApplyReport,
        on_applied: &mut (dyn FnMut(&MigrationRun) + Send),
    ) -> Result<()> {
        // Fast path without the lock: when nothing is pending there is nothing to serialize.
        // Anything else (including a refusal) is decided under the lock: without it, another
        // runner's rollback in progress looks like one that stopped half-way.
        let history = target.read_history().await?.unwrap_or_default();
        let entries = reconcile::reconcile(&self.set, &history);
        if reconcile::check_before_apply(&self.set, &entries).is_ok() {
            let (run, held) = reconcile::pending(&self.set, &entries, opts.to, opts.contract);
            if run.is_empty() {
                report.up_to_date = count_applied(&entries);
                report.awaiting_contract = held.iter().map(|m| m.stem()).collect();
                return Ok(());
            }
        }

        report.waited_for = lock::acquire(target, self.settings.runner_lock_wait).await?;
        let result = self.apply_locked(target, opts, report, on_applied).await;
        let unlocked = target.unlock().await;
        result?;
        unlocked
    }

    async fn apply_locked(
        &self,
        target: &mut dyn Target,
        opts: &ApplyOptions,
        report: &mut ApplyReport,
        on_applied: &mut (dyn FnMut(&MigrationRun) + Send),
    ) -> Result<()> {
        target.prepare_session(&self.settings).await?;
        target.ensure_history().await?;
        // Another runner may have applied everything while this one waited: decide again.
        let history = target.read_history().await?.unwrap_or_default();
        let entries = reconcile::reconcile(&self.set, &history);
        reconcile::check_before_apply(&self.set, &entries)?;
        let (run, held) = reconcile::pending(&self.set, &entries, opts.to, opts.contract);
        report.up_to_date = count_applied(&entries);
        report.awaiting_contract = held.iter().map(|m| m.stem()).collect();
        for (m, existing) in run {
            if self.settings.stop.requested() {
                return Err(Error::Interrupted(format!(
                    "before {}: {} migration(s) of this run applied, nothing is partial; `migrator apply` continues with {}",
                    m.stem(),
                    report.applied.len(),
                    m.stem()
                )));
            }
            tracing::info!("applying {} [{}]", m.stem(), m.phase());
            let done = execute::up(target, &self.settings, m, existing).await?;
            tracing::debug!("applied {} in {} ms", m.stem(), done.millis);
            on_applied(&done);
            report.applied.push(done);
        }
        Ok(())
    }

    /// Runs the down files of applied migrations, newest first. Irreversible downs are refused
    /// unless `force`.
    pub async fn rollback(
        &self,
        url: &DatabaseUrl,
        what: &RollbackTarget,
        force: bool,
    ) -> Result<RollbackReport> {
        let (report, result) = self.rollback_reporting(url, what, force, &mut |_| {}).await;
        result.map(|()| report)
    }

    /// [`Migrator::rollback`] for callers that report progress: `on_rolled_back` is called as
    /// each migration is rolled back, and the report comes back together with the outcome (see
    /// [`Migrator::apply_reporting`]).
    pub async fn rollback_reporting(
        &self,
        url: &DatabaseUrl,
        what: &RollbackTarget,
        force: bool,
        on_rolled_back: &mut (dyn FnMut(&MigrationRun) + Send),
    ) -> (RollbackReport, Result<()>) {
        self.rollback_in(url, what, force, on_rolled_back, &Sessions::one_off())
            .await
    }

    /// [`Migrator::rollback_reporting`] on a session of `sessions`.
    pub(crate) async fn rollback_in(
        &self,
        url: &DatabaseUrl,
        what: &RollbackTarget,
        force: bool,
        on_rolled_back: &mut (dyn FnMut(&MigrationRun) + Send),
        sessions: &Sessions,
    ) -> (RollbackReport, Result<()>) {
        let mut report = RollbackReport {
            database: url.redacted(),
            ..Default::default()
        };
        let result = async {
            self.set.check_integrity()?;
            let mut target = sessions.open(url).await?;
            let result = async {
                lock::acquire(target.as_mut(), self.settings.runner_lock_wait).await?;
                let inner = self
                    .rollback_locked(target.as_mut(), what, force, &mut report, on_rolled_back)
                    .await;
                let unlocked = target.unlock().await;
                inner?;
                unlocked
            }
            .await;
            sessions.done(url, target, result.is_ok()).await;
            result
        }
        .await;
        (report, result)
    }

    /// [`Migrator::rollback`] on a connection the application already has (see
    /// [`Migrator::apply_on`]).
    pub async fn rollback_on<'c>(
        &self,
        conn: impl Into<Connection<'c>>,
        what: &RollbackTarget,
        force: bool,
    ) -> Result<RollbackReport> {
        let conn = conn.into();
        let mut report = RollbackReport {
            database: conn.describe().to_string(),
            ..Default::default()
        };
        self.set.check_integrity()?;
        let mut target = conn.target().await?;
        let result = async {
            lock::acquire(target.as_mut(), self.settings.runner_lock_wait).await?;
            let inner = self
                .rollback_locked(target.as_mut(), what, force, &mut report, &mut |_| {})
                .await;
            let unlocked = target.unlock().await;
            inner?;
            unlocked
        }
        .await;
        target.close().await;
        result.map(|()| report)
    }

    async fn rollback_locked(
        &self,
        target: &mut dyn Target,
        what: &RollbackTarget,
        force: bool,
        report: &mut RollbackReport,
        on_rolled_back: &mut (dyn FnMut(&MigrationRun) + Send),
    ) -> Result<()> {
        target.prepare_session(&self.settings).await?;
        let history = target.read_history().await?.unwrap_or_default();
        if let Some(r) = history
            .iter()
            .find(|r| matches!(r.status, Status::Partial | Status::Failed))
        {
            return Err(Error::Refused(format!(
                "{}_{} is {} ({} of {} statements applied); finish it with `migrator apply`, or repair the database by hand and run `migrator repair {}`, before rolling back",
                r.version, r.name, r.status, r.statements_applied, r.statements_total, r.version
            )));
        }
        let mut applied: Vec<HistoryRow> = history
            .into_iter()
            .filter(|r| matches!(r.status, Status::Applied | Status::RollbackPartial))
            .collect();
        applied.sort_by_key(|r| std::cmp::Reverse(r.version));
        let chosen: Vec<HistoryRow> = match what {
            RollbackTarget::Steps(n) => applied.into_iter().take(*n).collect(),
            RollbackTarget::To(v) => {
                if *v != Version(0) {
                    self.require_version(*v)?;
                }
                applied.into_iter().filter(|r| r.version > *v).collect()
            }
        };
        // Check everything before undoing anything.
        for r in &chosen {
            let m = self.set.get(r.version).ok_or_else(|| Error::Integrity {
                file: format!("{}_{}.down.sql", r.version, r.name),
                message:
                    "applied, but missing from the migrations directory; restore it to roll back"
                        .into(),
            })?;
            if m.down.directives.irreversible && !force {
                return Err(Error::Refused(format!(
                    "{} is marked `-- migrator:irreversible`: undoing {} loses data that cannot be brought back. Nothing was rolled back. Re-run with --force to run it anyway",
                    m.down.name, m.stem()
                )));
            }
        }
        for r in chosen {
            let m = self.set.get(r.version).expect("checked above");
            if self.settings.stop.requested() {
                return Err(Error::Interrupted(format!(
                    "before rolling back {}: {} migration(s) rolled back by this run, nothing is partial; run the rollback again to go on",
                    m.stem(),
                    report.rolled_back.len()
                )));
            }
            tracing::info!("rolling back {}", m.stem());
            let done = execute::down(target, &self.settings, m, r).await?;
            on_rolled_back(&done);
            report.rolled_back.push(done);
        }
        Ok(())
    }

    /// The state of every migration. Takes no lock.
    pub async fn status(&self, url: &DatabaseUrl) -> Result<StatusReport> {
        self.status_in(url, &Sessions::one_off()).await
    }

    /// [`Migrator::status`] on a session of `sessions`.
    pub(crate) async fn status_in(
        &self,
        url: &DatabaseUrl,
        sessions: &Sessions,
    ) -> Result<StatusReport> {
        let mut target = sessions.open(url).await?;
        let history = target.read_history().await;
        sessions.done(url, target, history.is_ok()).await;
        let history = history?.unwrap_or_default();
        Ok(StatusReport {
            database: url.redacted(),
            migrations: reconcile::reconcile(&self.set, &history),
            integrity: self.set.integrity.clone(),
        })
    }

    /// Adopts an existing database: records every migration up to `version` as applied without
    /// running it. Refused when the history is not empty.
    pub async fn baseline(&self, url: &DatabaseUrl, version: Version) -> Result<usize> {
        self.set.check_integrity()?;
        self.require_version(version)?;
        self.locked(url, |target, set| {
            Box::pin(async move {
                target.ensure_history().await?;
                let history = target.read_history().await?.unwrap_or_default();
                if !history.is_empty() {
                    return Err(Error::Refused(format!(
                        "the database already has {} migration(s) in migrator_history; baseline only adopts a database that migrator never touched",
                        history.len()
                    )));
                }
                let mut n = 0;
                for m in set.migrations.iter().filter(|m| m.version <= version) {
                    let stmts = m.up.statements(target.dialect())?;
                    let now = chrono::Utc::now();
                    target
                        .save_history(&HistoryRow {
                            version: m.version,
                            name: m.name.clone(),
                            phase: m.phase(),
                            checksum_up: m.up.checksum.to_string(),
                            checksum_down: m.down.checksum.to_string(),
                            status: Status::Applied,
                            statements_applied: stmts.len() as i32,
                            statements_total: stmts.len() as i32,
                            statement_hashes: record::RecordedHashes::new(&stmts).upto(stmts.len()),
                            down_statements_applied: 0,
                            error: None,
                            failed_statement: None,
                            started_at: now,
                            finished_at: Some(now),
                            execution_ms: 0,
                            tool_version: crate::TOOL_VERSION.into(),
                            host: history::runner_identity(),
                            baseline: true,
                        })
                        .await?;
                    n += 1;
                }
                Ok(n)
            })
        })
        .await
    }

    /// Forgets a partial or failed run of `version` after the database was repaired by hand.
    pub async fn repair(&self, url: &DatabaseUrl, version: Version) -> Result<Status> {
        self.locked(url, |target, _| {
            Box::pin(async move {
                let history = target.read_history().await?.unwrap_or_default();
                let row = history
                    .iter()
                    .find(|r| r.version == version)
                    .ok_or_else(|| {
                        Error::Refused(format!("{version} has no row in migrator_history"))
                    })?;
                if row.status == Status::Applied {
                    return Err(Error::Refused(format!(
                        "{version}_{} is applied, not partial; use `migrator rollback` to undo it",
                        row.name
                    )));
                }
                target.delete_history(version).await?;
                Ok(row.status)
            })
        })
        .await
    }

    /// Runs `f` under the runner lock on a fresh connection, releasing it on every path.
    async fn locked<T, F>(&self, url: &DatabaseUrl, f: F) -> Result<T>
    where
        F: for<'a> FnOnce(
            &'a mut dyn Target,
            &'a MigrationSet,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T>> + Send + 'a>,
        >,
    {
        let mut target = connect::connect(url).await?;
        let result = async {
            lock::acquire(target.as_mut(), self.settings.runner_lock_wait).await?;
            let inner = async {
                target.prepare_session(&self.settings).await?;
                f(target.as_mut(), &self.set).await
            }
            .await;
            let unlocked = target.unlock().await;
            let value = inner?;
            unlocked?;
            Ok(value)
        }
        .await;
        target.close().await;
        result
    }

    fn require_version(&self, v: Version) -> Result<()> {
        if self.set.get(v).is_none() {
            return Err(Error::Refused(format!(
                "version {v} is not in {}; `migrator status` lists the versions",
                self.set.origin
            )));
        }
        Ok(())
    }
}

fn count_applied(entries: &[Entry]) -> usize {
    entries
        .iter()
        .filter(|e| matches!(e.state, State::Applied))
        .count()
}

impl Phase {
    /// Whether a migration of this phase breaks the old application version.
    pub fn breaks_old_app(self) -> bool {
        self == Phase::Contract
    }
}
