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

/// A bar across a fleet's targets (done of all, failures, ETA) on stderr when it is a terminal
/// and not `--quiet`; the per-target lines print above it. Nothing otherwise.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn new(total: usize, shown: bool) -> Progress {
        use std::io::IsTerminal;
        Progress((shown && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "targets [{wide_bar}] {pos}/{len} {msg} {elapsed} (ETA {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        }))
    }

    /// One more target known: `print` writes its line (above the bar).
    pub fn result<T>(&self, result: &TargetResult<T>, print: impl FnOnce()) {
        let Some(bar) = &self.0 else {
            return print();
        };
        bar.suspend(print);
        if matches!(result.outcome, Outcome::Failed { .. }) {
            let failed = bar
                .message()
                .split(' ')
                .next()
                .and_then(|n| n.parse::<u64>().ok());
            bar.set_message(format!("{} failed", failed.unwrap_or(0) + 1));
        }
        bar.inc(1);
    }

    pub fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
