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
pub mod mysql;
pub mod postgres;
pub mod reconcile;
pub mod record;
pub mod report;
pub mod target;

pub use history::{HistoryRow, Status};
pub use reconcile::{Entry, State};
pub use report::{ApplyReport, MigrationRun, RollbackReport, StatusReport};
pub use target::Target;

use crate::migrations::{Phase, Version};
use crate::{DatabaseUrl, EmbeddedMigrations, Error, MigrationSet, Result, Settings};
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
        self.set.check_integrity()?;
        if let Some(to) = opts.to {
            self.require_version(to)?;
        }
        let mut target = connect::connect(url).await?;
        let result = self.apply_on(target.as_mut(), url, opts).await;
        target.close().await;
        result
    }

    async fn apply_on(
        &self,
        target: &mut dyn Target,
        url: &DatabaseUrl,
        opts: &ApplyOptions,
    ) -> Result<ApplyReport> {
        let mut report = ApplyReport {
            database: url.redacted(),
            ..Default::default()
        };
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
                return Ok(report);
            }
        }

        report.waited_for = lock::acquire(target, self.settings.runner_lock_wait).await?;
        let result = self.apply_locked(target, opts, &mut report).await;
        let unlocked = target.unlock().await;
        result?;
        unlocked?;
        Ok(report)
    }

    async fn apply_locked(
        &self,
        target: &mut dyn Target,
        opts: &ApplyOptions,
        report: &mut ApplyReport,
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
            tracing::info!("applying {} [{}]", m.stem(), m.phase());
            let done = execute::up(target, &self.settings, m, existing).await?;
            tracing::debug!("applied {} in {} ms", m.stem(), done.millis);
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
        self.set.check_integrity()?;
        let mut target = connect::connect(url).await?;
        let mut report = RollbackReport {
            database: url.redacted(),
            ..Default::default()
        };
        let result = async {
            lock::acquire(target.as_mut(), self.settings.runner_lock_wait).await?;
            let inner = self
                .rollback_locked(target.as_mut(), what, force, &mut report)
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
            tracing::info!("rolling back {}", m.stem());
            report
                .rolled_back
                .push(execute::down(target, &self.settings, m, r).await?);
        }
        Ok(())
    }

    /// The state of every migration. Takes no lock.
    pub async fn status(&self, url: &DatabaseUrl) -> Result<StatusReport> {
        let mut target = connect::connect(url).await?;
        let history = target.read_history().await;
        target.close().await;
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
                            statement_hashes: stmts.iter().map(|s| s.hash.to_string()).collect(),
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
