//! `migrator status`: the state of every migration. Exit 0 when nothing needs attention, 2 when
//! something does (partial, failed, edited, out of order, missing file, sum-file problems), like
//! `verify` and `drift`. On a fleet (`--targets` / `--target`): how many targets are at each
//! version, and which ones need attention or could not be read.

use crate::args::StatusArgs;
use crate::context::Ctx;
use crate::output::out;
use crate::output::Format;
use migrator_core::fleet::{FleetReport, Outcome};
use migrator_core::runner::{State, StatusReport};
use migrator_core::Error;
use serde::Serialize;
use std::collections::BTreeMap;

pub async fn run(ctx: &Ctx, args: StatusArgs) -> Result<u8, Error> {
    let migrator = ctx.migrator()?;
    if let Some(targets) = ctx.fleet(&args.fleet).await? {
        let parallel = ctx.fleet_options(&args.fleet).parallel;
        let report = migrator.status_fleet(&targets, parallel).await;
        let matrix = Matrix::of(&report);
        match ctx.format {
            Format::Text => out!("{matrix}"),
            Format::Json => crate::output::pretty_json(&matrix),
        }
        return Ok(if matrix.attention() { 2 } else { 0 });
    }
    let report = migrator.status(&ctx.url()?).await?;
    ctx.print(&report);
    Ok(if report.has_problems() { 2 } else { 0 })
}

/// A fleet's status in a few lines: targets per version, and those that need attention.
#[derive(Serialize)]
struct Matrix {
    targets: usize,
    /// Newest applied migration (`none`) → its targets, newest version first.
    versions: Vec<VersionGroup>,
    /// Targets whose history needs attention (partial, failed, edited …), with the first
    /// such migration.
    problems: Vec<Problem>,
    /// Targets whose status could not be read, with the error.
    unreadable: Vec<Problem>,
}

#[derive(Serialize)]
struct VersionGroup {
    version: String,
    count: usize,
    targets: Vec<String>,
}

#[derive(Serialize)]
struct Problem {
    target: String,
    problem: String,
}

impl Matrix {
    fn of(report: &FleetReport<StatusReport>) -> Matrix {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut problems = Vec::new();
        let mut unreadable = Vec::new();
        for t in &report.targets {
            match &t.outcome {
                Outcome::Done { report } => {
                    let newest = report
                        .migrations
                        .iter()
                        .rfind(|e| matches!(e.state, State::Applied | State::Edited))
                        .map_or("none".to_string(), |e| format!("{}_{}", e.version, e.name));
                    groups.entry(newest).or_default().push(t.label.clone());
                    if let Some(e) = report.migrations.iter().find(|e| e.state.is_problem()) {
                        problems.push(Problem {
                            target: t.label.clone(),
                            problem: format!("{}_{} is {}", e.version, e.name, e.state.as_str()),
                        });
                    } else if !report.integrity.is_empty() {
                        problems.push(Problem {
                            target: t.label.clone(),
                            problem: "the migrations directory does not match migrator.sum".into(),
                        });
                    }
                }
                Outcome::Failed { error, .. } => unreadable.push(Problem {
                    target: t.label.clone(),
                    problem: error.clone(),
                }),
                Outcome::NotRun { reason } => unreadable.push(Problem {
                    target: t.label.clone(),
                    problem: reason.clone(),
                }),
            }
        }
        Matrix {
            targets: report.targets.len(),
            versions: groups
                .into_iter()
                .rev()
                .map(|(version, targets)| VersionGroup {
                    version,
                    count: targets.len(),
                    targets,
                })
                .collect(),
            problems,
            unreadable,
        }
    }

    fn attention(&self) -> bool {
        !self.problems.is_empty() || !self.unreadable.is_empty()
    }
}

/// At most this many target names per group in text (JSON lists them all).
const SHOWN: usize = 5;

impl std::fmt::Display for Matrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} target(s)", self.targets)?;
        for g in &self.versions {
            let names: Vec<&str> = g.targets.iter().take(SHOWN).map(String::as_str).collect();
            let more = g.count.saturating_sub(SHOWN);
            writeln!(
                f,
                "  {:>5} at {}: {}{}",
                g.count,
                g.version,
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )?;
        }
        for (label, list) in [
            ("needs attention", &self.problems),
            ("unreadable", &self.unreadable),
        ] {
            if !list.is_empty() {
                writeln!(f, "{} target(s) {label}:", list.len())?;
                for p in list {
                    writeln!(f, "  {}: {}", p.target, p.problem)?;
                }
            }
        }
        Ok(())
    }
}
