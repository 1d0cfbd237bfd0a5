//! One operation over a fleet's targets: at most `parallel` targets at once (one runner
//! connection each), results in target order, the first `canary` targets before the others,
//! and after a failure no new target starts unless `continue_on_error` (the targets already
//! running finish: a runner stopped mid-file would only leave more to resume).
//!
//! Nothing here is shared between targets but the bound and the connections: each target is
//! the ordinary runner on its own database or schema, with its own history and lock, on a
//! session that the previous target of the same database (Postgres schemas) or server (MySQL
//! databases) hands on after a successful run (`runner::sessions`). So a fleet run killed at any
//! moment leaves each target untouched, done, or resumable, and running it again finishes it.

use crate::migrations::Phase;
use crate::runner::sessions::Sessions;
use crate::runner::{
    ApplyOptions, ApplyReport, Migrator, RollbackReport, RollbackTarget, State, StatusReport,
};
use crate::{DatabaseUrl, Error, Result, StopFlag};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument;

/// How a fleet run goes through its targets.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Targets migrated at once (each holds one connection to its server). At least 1.
    pub parallel: usize,
    /// The first `canary` targets run (and must all succeed) before any other starts.
    pub canary: usize,
    /// Go on past the canary targets; without it, the run stops after them.
    pub past_canary: bool,
    /// Start the remaining targets after one failed (the failures are all reported).
    pub continue_on_error: bool,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            parallel: 4,
            canary: 0,
            past_canary: true,
            continue_on_error: false,
        }
    }
}

/// What happened to one target.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome<T> {
    Done {
        report: T,
    },
    /// `report`: what the target did before the error (migrations applied, rolled back).
    Failed {
        error: String,
        report: Option<T>,
    },
    /// Not started: an earlier target failed, the canary stop, or Ctrl-C.
    NotRun {
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetResult<T> {
    /// The target, password removed.
    pub target: String,
    /// `host:port/database[/schema]` ([`DatabaseUrl::label`]).
    pub label: String,
    #[serde(flatten)]
    pub outcome: Outcome<T>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FleetReport<T> {
    pub targets: Vec<TargetResult<T>>,
}

impl<T> FleetReport<T> {
    fn count(&self, f: impl Fn(&Outcome<T>) -> bool) -> usize {
        self.targets.iter().filter(|t| f(&t.outcome)).count()
    }
    pub fn done(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Done { .. }))
    }
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }
    pub fn not_run(&self) -> usize {
        self.count(|o| matches!(o, Outcome::NotRun { .. }))
    }

    /// `N target(s): D done, F failed, S not run`.
    pub fn summary(&self) -> String {
        format!(
            "{} target(s): {} done, {} failed, {} not run",
            self.targets.len(),
            self.done(),
            self.failed(),
            self.not_run()
        )
    }
}

/// Runs `each` on every target as [`FleetOptions`] say; `on_result` sees each result in target
/// order as soon as it and those before it are known. `each` returns what the target did and
/// how it ended (a report comes back with an error too).
pub async fn run<T, F, Fut>(
    targets: &[DatabaseUrl],
    opts: &FleetOptions,
    stop: &StopFlag,
    each: F,
    on_result: &mut (dyn FnMut(&TargetResult<T>) + Send),
) -> FleetReport<T>
where
    F: Fn(DatabaseUrl) -> Fut,
    Fut: Future<Output = (Option<T>, Result<()>)>,
{
    let halted = AtomicBool::new(false);
    let canary = opts.canary.min(targets.len());
    let mut results: Vec<TargetResult<T>> = Vec::with_capacity(targets.len());
    for (from, to) in [(0, canary), (canary, targets.len())] {
        if from > 0 && from < targets.len() {
            let held = if results
                .iter()
                .any(|r| !matches!(r.outcome, Outcome::Done { .. }))
            {
                Some(format!(
                    "not started: a canary target (one of the first {canary}) did not succeed"
                ))
            } else if !opts.past_canary {
                Some(format!(
                    "not started: the {canary} canary target(s) are done; run again with --continue to migrate the others"
                ))
            } else {
                None
            };
            if let Some(reason) = held {
                for t in &targets[from..] {
                    let r = not_run(t, &reason);
                    on_result(&r);
                    results.push(r);
                }
                break;
            }
        }
        let (halted, each) = (&halted, &each);
        let mut results_of_phase = stream::iter(&targets[from..to])
            .map(|url| async move {
                if stop.requested() {
                    return not_run(url, "not started: stopped by Ctrl-C");
                }
                if halted.load(Ordering::SeqCst) {
                    return not_run(
                        url,
                        "not started: an earlier target failed (--continue-on-error goes on past failures)",
                    );
                }
                // The runner's log lines say which target they are about.
                let span = tracing::info_span!("target", t = %url.label());
                let (report, result) = each(url.clone()).instrument(span).await;
                let outcome = match (report, result) {
                    (Some(report), Ok(())) => Outcome::Done { report },
                    (report, Err(e)) => {
                        if !opts.continue_on_error {
                            halted.store(true, Ordering::SeqCst);
                        }
                        Outcome::Failed {
                            error: e.to_string(),
                            report,
                        }
                    }
                    (None, Ok(())) => Outcome::NotRun {
                        reason: "nothing to do".into(),
                    },
                };
                TargetResult {
                    target: url.redacted(),
                    label: url.label(),
                    outcome,
                }
            })
            .buffered(opts.parallel.max(1));
        while let Some(r) = results_of_phase.next().await {
            on_result(&r);
            results.push(r);
        }
    }
    FleetReport { targets: results }
}

fn not_run<T>(url: &DatabaseUrl, reason: &str) -> TargetResult<T> {
    TargetResult {
        target: url.redacted(),
        label: url.label(),
        outcome: Outcome::NotRun {
            reason: reason.to_string(),
        },
    }
}

impl Migrator {
    /// Applies the pending migrations to every target (see [`run`]). With `opts.contract`,
    /// refused as a whole — nothing runs anywhere — while some target has not finished the
    /// expand and backfill migrations before its first contract one: the new application
    /// version is only deployed once every target has them, and contract assumes it is.
    pub async fn apply_fleet(
        &self,
        targets: &[DatabaseUrl],
        opts: &ApplyOptions,
        fleet: &FleetOptions,
        on_result: &mut (dyn FnMut(&TargetResult<ApplyReport>) + Send),
    ) -> Result<FleetReport<ApplyReport>> {
        self.set.check_integrity()?;
        let sessions = &Sessions::kept();
        if opts.contract {
            if let Err(e) = self
                .check_fleet_expanded(targets, opts, fleet, sessions)
                .await
            {
                sessions.close_all().await;
                return Err(e);
            }
        }
        let report = run(
            targets,
            fleet,
            &self.settings.stop,
            |url| async move {
                let (report, result) = self.apply_in(&url, opts, &mut |_| {}, sessions).await;
                (Some(report), result)
            },
            on_result,
        )
        .await;
        sessions.close_all().await;
        Ok(report)
    }

    /// Rolls back on every target (see [`run`]).
    pub async fn rollback_fleet(
        &self,
        targets: &[DatabaseUrl],
        what: &RollbackTarget,
        force: bool,
        fleet: &FleetOptions,
        on_result: &mut (dyn FnMut(&TargetResult<RollbackReport>) + Send),
    ) -> Result<FleetReport<RollbackReport>> {
        self.set.check_integrity()?;
        let sessions = &Sessions::kept();
        let report = run(
            targets,
            fleet,
            &self.settings.stop,
            |url| async move {
                let (report, result) = self
                    .rollback_in(&url, what, force, &mut |_| {}, sessions)
                    .await;
                (Some(report), result)
            },
            on_result,
        )
        .await;
        sessions.close_all().await;
        Ok(report)
    }

    /// The status of every target (all of them, whatever fails: a status reads only).
    pub async fn status_fleet(
        &self,
        targets: &[DatabaseUrl],
        parallel: usize,
    ) -> FleetReport<StatusReport> {
        let sessions = Sessions::kept();
        let report = self.status_fleet_in(targets, parallel, &sessions).await;
        sessions.close_all().await;
        report
    }

    async fn status_fleet_in(
        &self,
        targets: &[DatabaseUrl],
        parallel: usize,
        sessions: &Sessions,
    ) -> FleetReport<StatusReport> {
        let fleet = FleetOptions {
            parallel,
            continue_on_error: true,
            ..FleetOptions::default()
        };
        run(
            targets,
            &fleet,
            &StopFlag::default(),
            |url| async move {
                match self.status_in(&url, sessions).await {
                    Ok(status) => (Some(status), Ok(())),
                    Err(e) => (None, Err(e)),
                }
            },
            &mut |_| {},
        )
        .await
    }

    /// Refuses a fleet contract while a target has not applied every expand and backfill
    /// migration before its first contract migration (up to `opts.to`), naming the targets.
    async fn check_fleet_expanded(
        &self,
        targets: &[DatabaseUrl],
        opts: &ApplyOptions,
        fleet: &FleetOptions,
        sessions: &Sessions,
    ) -> Result<()> {
        let report = self
            .status_fleet_in(targets, fleet.parallel, sessions)
            .await;
        let mut behind = Vec::new();
        for t in &report.targets {
            match &t.outcome {
                Outcome::Done { report } => {
                    if let Some(first) = unfinished_before_contract(report, opts) {
                        behind.push(format!("{} ({first})", t.label));
                    }
                }
                Outcome::Failed { error, .. } => {
                    behind.push(format!("{} (status unreadable: {error})", t.label))
                }
                Outcome::NotRun { .. } => {}
            }
        }
        if behind.is_empty() {
            return Ok(());
        }
        let shown: Vec<&String> = behind.iter().take(10).collect();
        Err(Error::Refused(format!(
            "contract refused on the fleet: {} of {} target(s) have not finished expand and backfill, so the new application version cannot be running everywhere: {}{}. \
             Run `migrator apply` on the fleet without --contract first; nothing was run",
            behind.len(),
            targets.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            if behind.len() > shown.len() { ", …" } else { "" }
        )))
    }
}

/// The first expand / backfill migration of `status` not applied before its first pending
/// contract migration (`None`: the target may contract).
fn unfinished_before_contract(status: &StatusReport, opts: &ApplyOptions) -> Option<String> {
    let within = |v| opts.to.is_none_or(|to| v <= to);
    let first_contract = status
        .migrations
        .iter()
        .find(|e| e.state == State::AwaitingContract && within(e.version))?
        .version;
    status
        .migrations
        .iter()
        .find(|e| {
            e.version < first_contract && e.phase != Phase::Contract && e.state != State::Applied
        })
        .map(|e| format!("{}_{} is {}", e.version, e.name, e.state.as_str()))
}
