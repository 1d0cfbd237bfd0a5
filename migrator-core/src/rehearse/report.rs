//! What a rehearsal did and found, for people (Display) and machines (Serialize).

use super::sample::TableRows;
use crate::migrations::Phase;
use serde::Serialize;
use std::fmt;

/// A stage of a rehearsal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The planned files, linted with the directory's other files.
    Lint,
    /// The migrations directory replayed into the scratch database.
    Replay,
    /// Sample rows in the tables the plan touches.
    Sample,
    /// The probes written before expand, to check the generator against the old schema.
    Calibrate,
    Expand,
    Backfill,
    OldAppProbe,
    NewAppProbe,
    Contract,
    /// The catalog after contract against the declared schema.
    DeclaredSchema,
    /// migrator's own objects (sync triggers, temporary checks, shadow columns) left behind.
    OwnObjects,
    Rollback,
    /// The catalog after rollback against the one before expand.
    StartSchema,
    /// The probes' rows after rollback.
    ProbeRows,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Lint => "lint",
            Stage::Replay => "replay",
            Stage::Sample => "sample rows",
            Stage::Calibrate => "probe calibration",
            Stage::Expand => "expand",
            Stage::Backfill => "backfill",
            Stage::OldAppProbe => "old-application probe",
            Stage::NewAppProbe => "new-application probe",
            Stage::Contract => "contract",
            Stage::DeclaredSchema => "declared schema",
            Stage::OwnObjects => "leftovers",
            Stage::Rollback => "rollback",
            Stage::StartSchema => "start schema",
            Stage::ProbeRows => "probe rows after rollback",
        })
    }
}

/// How long a stage took.
#[derive(Debug, Clone, Serialize)]
pub struct StageTime {
    pub stage: Stage,
    pub millis: u64,
}

/// One migration file run in the scratch database.
#[derive(Debug, Clone, Serialize)]
pub struct FileRun {
    pub file: String,
    pub phase: Phase,
    pub millis: u64,
    /// Backfill files: rows updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// One probe on one table.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeRun {
    pub probe: Probe,
    /// `before expand` (calibration), `after expand`, `after contract`.
    pub when: &'static str,
    /// `schema.table` as the probe's shape names it.
    pub table: String,
    pub ok: bool,
}

/// What the linter said about the planned files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LintOutcome {
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<crate::lint::Finding>,
}

/// Why a rehearsal refused a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub stage: Stage,
    /// The planned step(s) involved, as `plan` prints them.
    pub step: Option<String>,
    /// The planned file(s) involved.
    pub file: Option<String>,
    /// The statement that failed (the probe's own, for a probe).
    pub statement: Option<String>,
    /// The server's message, or what differs.
    pub message: String,
    /// `message` is the server's (a statement it refused), not a finding of the rehearsal.
    pub server: bool,
    /// The probe that failed and where (`old-application probe after expand on public.users`).
    pub probe: Option<String>,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "[{}]", self.stage)?;
        if let Some(p) = &self.probe {
            writeln!(f, "    probe: {p}")?;
        }
        if let Some(s) = &self.step {
            writeln!(f, "    step: {s}")?;
        }
        if let Some(file) = &self.file {
            writeln!(f, "    file: {file}")?;
        }
        if let Some(s) = &self.statement {
            let mut lines = s.lines();
            writeln!(f, "    statement: {}", lines.next().unwrap_or(""))?;
            for l in lines {
                writeln!(f, "               {l}")?;
            }
        }
        let label = match (self.stage, self.server) {
            (_, true) => "server",
            (Stage::Lint, false) => "lint",
            (_, false) => "found",
        };
        let mut lines = self.message.lines();
        writeln!(f, "    {label}: {}", lines.next().unwrap_or(""))?;
        for l in lines {
            writeln!(f, "    {:width$}  {l}", "", width = label.len())?;
        }
        if !self.hint.is_empty() {
            writeln!(f, "    hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// What a rehearsal did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RehearsalReport {
    /// No failure.
    pub passed: bool,
    /// Wall time of the whole rehearsal.
    pub millis: u64,
    /// Sample rows asked for per table.
    pub rows_per_table: u64,
    pub stages: Vec<StageTime>,
    /// Sample rows per table.
    pub tables: Vec<TableRows>,
    /// Planned files run, up (expand, backfill, contract) then down (rollback).
    pub files: Vec<FileRun>,
    pub probes: Vec<ProbeRun>,
    pub lint: LintOutcome,
    /// What was not checked, or checked with a caveat.
    pub notes: Vec<String>,
    pub failures: Vec<Failure>,
}

impl RehearsalReport {
    /// Total sample rows.
    pub fn sample_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// How long `stage` took, when it ran.
    pub fn stage_millis(&self, stage: Stage) -> Option<u64> {
        self.stages
            .iter()
            .filter(|s| s.stage == stage)
            .map(|s| s.millis)
            .reduce(|a, b| a + b)
    }
}

fn secs(millis: u64) -> String {
    format!("{:.2} s", millis as f64 / 1000.0)
}

impl fmt::Display for RehearsalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.passed {
            writeln!(
                f,
                "rehearsed in {} on a scratch database: {} sample row(s) in {} table(s), expand and backfill, old- and new-application probes ({} passed), contract = declared schema, rollback = start schema; lint: {} error(s), {} warning(s)",
                secs(self.millis),
                self.sample_rows(),
                self.tables.len(),
                self.probes.iter().filter(|p| p.ok).count(),
                self.lint.errors,
                self.lint.warnings,
            )?;
        } else {
            writeln!(
                f,
                "rehearsal failed after {}: {} problem(s); no file was written",
                secs(self.millis),
                self.failures.len()
            )?;
            for x in &self.failures {
                write!(f, "  {x}")?;
            }
        }
        let mut seen = Vec::new();
        for s in &self.stages {
            if !seen.contains(&s.stage) {
                seen.push(s.stage);
            }
        }
        let stages: Vec<String> = seen
            .iter()
            .map(|&s| format!("{s} {}", secs(self.stage_millis(s).unwrap_or(0))))
            .collect();
        if !stages.is_empty() {
            writeln!(f, "  rehearsal time: {}", stages.join(", "))?;
        }
        for t in &self.tables {
            if t.rows == 0 && self.rows_per_table > 0 {
                writeln!(
                    f,
                    "  note: {} got no sample rows ({} refused: {})",
                    t.table,
                    t.skipped,
                    t.refused.first().map(String::as_str).unwrap_or("?")
                )?;
            } else if t.skipped > 0 {
                writeln!(
                    f,
                    "  note: {}: {} sample row(s), {} refused ({})",
                    t.table,
                    t.rows,
                    t.skipped,
                    t.refused.first().map(String::as_str).unwrap_or("?")
                )?;
            }
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}

/// Which application version wrote a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Probe {
    OldApp,
    NewApp,
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Probe::OldApp => "old-application probe",
            Probe::NewApp => "new-application probe",
        })
    }
}
