//! What a run did, for people (Display) and machines (Serialize).

use super::reconcile::Entry;
use crate::migrations::{Phase, Version};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Serialize)]
pub struct MigrationRun {
    pub version: Version,
    pub name: String,
    pub phase: Phase,
    pub statements: usize,
    /// 1-based statement the run resumed at, when it continued a partial file.
    pub resumed_at: Option<usize>,
    /// How many times a lock timeout made it retry.
    pub retries: u32,
    pub millis: u64,
    /// Backfill files: rows updated, over the whole backfill (a resumed one included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Backfill files: batches committed, over the whole backfill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batches: Option<u64>,
    /// Backfill files: the key a resumed backfill continued after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_after_key: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyReport {
    /// The database, password removed.
    pub database: String,
    pub applied: Vec<MigrationRun>,
    /// Contract migrations (and everything after them) not run because `--contract` was not given.
    pub awaiting_contract: Vec<String>,
    /// Migrations already applied before this run.
    pub up_to_date: usize,
    /// Who held the runner lock while this run waited, if it waited.
    pub waited_for: Option<String>,
}

impl MigrationRun {
    /// `applied <version>_<name> [phase] N statement(s) in T ms…`: one line of `apply`'s report
    /// (without the newline), printed as the migration finishes.
    pub fn applied_line(&self) -> String {
        let mut line = format!(
            "applied {}_{} [{}] {} statement(s) in {} ms",
            self.version, self.name, self.phase, self.statements, self.millis
        );
        if let Some(at) = self.resumed_at {
            line += &format!(", resumed at statement {at}");
        }
        if let (Some(rows), Some(batches)) = (self.rows, self.batches) {
            line += &format!(", backfilled {rows} row(s) in {batches} batch(es)");
        }
        if let Some(key) = &self.resumed_after_key {
            line += &format!(", resumed after key {key}");
        }
        if self.retries > 0 {
            line += &format!(
                ", {} lock-timeout retr{}",
                self.retries,
                if self.retries == 1 { "y" } else { "ies" }
            );
        }
        line
    }

    /// `rolled back <version>_<name> [phase] N statement(s) in T ms`: one line of `rollback`'s
    /// report (without the newline).
    pub fn rolled_back_line(&self) -> String {
        format!(
            "rolled back {}_{} [{}] {} statement(s) in {} ms",
            self.version, self.name, self.phase, self.statements, self.millis
        )
    }
}

impl ApplyReport {
    /// The report's lines other than the [`MigrationRun::applied_line`]s: "nothing to apply"
    /// and the contract migrations left waiting, for a caller that printed each run as it
    /// finished.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if self.applied.is_empty() {
            out += &format!(
                "{}: nothing to apply ({} applied)\n",
                self.database, self.up_to_date
            );
        }
        if let Some(first) = self.awaiting_contract.first() {
            out += &format!(
                "stopped before contract migration {first} ({} migration(s) waiting): deploy the new application version, then run `migrator apply --contract`\n",
                self.awaiting_contract.len()
            );
        }
        out
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.applied.is_empty() {
            return f.write_str(&self.summary());
        }
        for r in &self.applied {
            writeln!(f, "{}", r.applied_line())?;
        }
        f.write_str(&self.summary())
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RollbackReport {
    pub database: String,
    pub rolled_back: Vec<MigrationRun>,
}

impl fmt::Display for RollbackReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rolled_back.is_empty() {
            writeln!(f, "{}: nothing to roll back", self.database)?;
        }
        for r in &self.rolled_back {
            writeln!(f, "{}", r.rolled_back_line())?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub database: String,
    pub migrations: Vec<Entry>,
    /// Problems between the directory and `migrator.sum`.
    pub integrity: Vec<crate::migrations::dir::IntegrityProblem>,
}

impl StatusReport {
    pub fn has_problems(&self) -> bool {
        !self.integrity.is_empty() || self.migrations.iter().any(|e| e.state.is_problem())
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.database)?;
        if self.migrations.is_empty() {
            writeln!(f, "  no migrations")?;
        }
        for e in &self.migrations {
            write!(
                f,
                "  {:<14} {:<9} {:<19} {}",
                e.version.to_string(),
                e.phase.as_str(),
                e.state.as_str(),
                e.name
            )?;
            if let Some(h) = &e.history {
                if matches!(
                    e.state,
                    super::reconcile::State::Partial | super::reconcile::State::Failed
                ) {
                    write!(
                        f,
                        " ({}/{} statements applied",
                        h.statements_applied, h.statements_total
                    )?;
                    if let Some(err) = &h.error {
                        write!(f, "; error: {}", err.lines().next().unwrap_or(""))?;
                    }
                    write!(f, ")")?;
                }
            }
            writeln!(f)?;
        }
        for p in &self.integrity {
            writeln!(f, "  integrity: {}: {}", p.file, p.message)?;
        }
        let count = |s| self.migrations.iter().filter(|e| e.state == s).count();
        use super::reconcile::State::*;
        writeln!(
            f,
            "{} applied, {} pending, {} awaiting contract, {} partial/failed, {} problem(s)",
            count(Applied),
            count(Pending),
            count(AwaitingContract),
            count(Partial) + count(Failed) + count(RollbackPartial),
            self.migrations
                .iter()
                .filter(|e| matches!(e.state, Edited | OutOfOrder | MissingFile))
                .count()
                + self.integrity.len()
        )
    }
}
