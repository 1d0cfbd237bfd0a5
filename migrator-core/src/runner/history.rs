//! The `migrator_history` table: one row per migration version that ran (or started to).

use crate::migrations::{Phase, Version};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The state of a history row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every statement of the up file ran.
    Applied,
    /// Some statements ran, then one failed or the runner died (non-transactional files only);
    /// `apply` resumes at `statements_applied`.
    Partial,
    /// The first statement failed; nothing of the file is in the database.
    Failed,
    /// Part of the down file ran; `rollback` resumes it.
    RollbackPartial,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Partial => "partial",
            Status::Failed => "failed",
            Status::RollbackPartial => "rollback-partial",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "applied" => Status::Applied,
            "partial" => Status::Partial,
            "failed" => Status::Failed,
            "rollback-partial" => Status::RollbackPartial,
            other => return Err(format!("unknown history status `{other}`")),
        })
    }
}

/// One row of `migrator_history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    pub version: Version,
    pub name: String,
    pub phase: Phase,
    /// `sha256:<hex>` of the normalized up file as it ran.
    pub checksum_up: String,
    pub checksum_down: String,
    pub status: Status,
    pub statements_applied: i32,
    pub statements_total: i32,
    /// Hashes of the statements applied so far (`sha256:<hex>` each), so a resumed run can prove
    /// they were not edited.
    pub statement_hashes: Vec<String>,
    /// Statements of the down file applied so far (while `RollbackPartial`).
    pub down_statements_applied: i32,
    pub error: Option<String>,
    pub failed_statement: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub execution_ms: i64,
    pub tool_version: String,
    /// `hostname (pid N)` of the runner that wrote the row.
    pub host: String,
    /// Recorded by `migrator baseline`, not executed.
    pub baseline: bool,
}

/// The name of the history table (in the connection's default schema / database).
pub const HISTORY_TABLE: &str = "migrator_history";

/// `hostname (pid N)`, identifying this runner in the history and in lock-wait messages.
pub fn runner_identity() -> String {
    let host = hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{host} (pid {})", std::process::id())
}
