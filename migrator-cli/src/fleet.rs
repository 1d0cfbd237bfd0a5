//! Printing a fleet run (`--targets` / `--target`): one line per target in target order as
//! results come in, then a summary; JSON prints the whole report at the end.

use crate::output::outln;
use crate::output::{self, Format};
use migrator_core::fleet::{FleetReport, Outcome, TargetResult};
use migrator_core::runner::MigrationRun;
use serde::Serialize;

/// The line of one target's result (text), `what` saying what a done target did.
pub fn line<T>(result: &TargetResult<T>, what: impl Fn(&T) -> String) -> String {
    match &result.outcome {
        Outcome::Done { report } => format!("{}: {}", result.label, what(report)),
        Outcome::Failed { error, report } => {
            let before = report.as_ref().map(&what).unwrap_or_default();
            format!("{}: FAILED: {error}{}", result.label, suffix(&before))
        }
        Outcome::NotRun { reason } => format!("{}: {reason}", result.label),
    }
}

fn suffix(before: &str) -> String {
    if before.is_empty() {
        String::new()
    } else {
        format!(" (before the error: {before})")
    }
}

/// The summary (text) or the whole report (JSON); the exit code: 1 when a target failed, else 0.
pub fn finish<T: Serialize>(format: Format, report: &FleetReport<T>) -> u8 {
    match format {
        Format::Text => outln!("{}", report.summary()),
        Format::Json => output::pretty_json(report),
    }
    u8::from(report.failed() > 0)
}

/// `VERB N migration(s) (V_name, …)`, or `none` when `runs` is empty.
pub fn migrations(verb: &str, none: &str, runs: &[MigrationRun]) -> String {
    if runs.is_empty() {
        return none.to_string();
    }
    format!(
        "{verb} {} migration(s) ({})",
        runs.len(),
        runs.iter()
            .map(|r| format!("{}_{}", r.version, r.name))
            .collect::<Vec<_>>()
            .join(", ")
    )
}
