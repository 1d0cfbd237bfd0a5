//! What a run records and reports, shared by [`super::execute`] and [`super::backfill`]: the
//! history row of a migration as it starts and finishes, the check that statements already run
//! were not edited since, the run report, and the error naming a failed statement.

use super::history::{runner_identity, HistoryRow, Status};
use super::report::MigrationRun;
use super::target::DbError;
use crate::migrations::{Migration, SqlFile, Statement};
use crate::Error;
use std::time::Instant;

/// How a statement failure is reported: file, position, line, server message, what to do.
/// `hint` says what is applied and how to fix the statement; when the connection was lost
/// instead, the statement is not at fault and the hint says so (keeping what is applied).
pub(super) fn statement_error(
    file: &SqlFile,
    stmts: &[Statement],
    i: usize,
    e: &DbError,
    hint: String,
) -> Error {
    let hint = if e.connection_lost && !hint.contains("connection to the database was lost") {
        let state = hint.split(". ").next().unwrap_or("").trim_end_matches('.');
        format!(
            "the connection to the database was lost while statement {} ran; the file is not at fault and nothing needs fixing ({state}). Run the same `migrator` command again: it continues from what is recorded",
            i + 1
        )
    } else {
        hint
    };
    let s = &stmts[i];
    let mut excerpt: String = s
        .sql
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(120)
        .collect();
    if s.sql.len() > excerpt.len() {
        excerpt.push_str(" …");
    }
    Error::Statement {
        file: file.name.clone(),
        index: i + 1,
        total: stmts.len(),
        line: s.line,
        excerpt,
        message: e.message.clone(),
        hint: if hint.is_empty() {
            hint
        } else {
            format!("\n  hint: {hint}")
        },
    }
}

pub(super) fn new_row(m: &Migration, total: usize) -> HistoryRow {
    HistoryRow {
        version: m.version,
        name: m.name.clone(),
        phase: m.phase(),
        checksum_up: m.up.checksum.to_string(),
        checksum_down: m.down.checksum.to_string(),
        status: Status::Partial,
        statements_applied: 0,
        statements_total: total as i32,
        statement_hashes: Vec::new(),
        down_statements_applied: 0,
        error: None,
        failed_statement: None,
        started_at: chrono::Utc::now(),
        finished_at: None,
        execution_ms: 0,
        tool_version: crate::TOOL_VERSION.to_string(),
        host: runner_identity(),
        baseline: false,
    }
}

pub(super) fn finish(row: &mut HistoryRow, m: &Migration, started: Instant) {
    row.status = Status::Applied;
    row.checksum_up = m.up.checksum.to_string();
    row.checksum_down = m.down.checksum.to_string();
    row.error = None;
    row.failed_statement = None;
    row.finished_at = Some(chrono::Utc::now());
    row.execution_ms += started.elapsed().as_millis() as i64;
}

/// The first of the `n` first statements whose hash differs from the one recorded when it ran
/// (or that is gone from the file), if any.
pub(super) fn first_changed(stmts: &[Statement], recorded: &[String], n: usize) -> Option<usize> {
    (0..n).find(|&i| {
        recorded.get(i).map(String::as_str) != stmts.get(i).map(|s| s.hash.to_string()).as_deref()
    })
}

pub(super) fn run_report(
    m: &Migration,
    statements: usize,
    resumed_at: Option<usize>,
    retries: u32,
    started: Instant,
) -> MigrationRun {
    MigrationRun {
        version: m.version,
        name: m.name.clone(),
        phase: m.phase(),
        statements,
        resumed_at,
        retries,
        millis: started.elapsed().as_millis() as u64,
        rows: None,
        batches: None,
        resumed_after_key: None,
    }
}
