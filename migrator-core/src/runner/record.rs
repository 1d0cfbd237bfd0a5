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

/// Statements covered by one entry of `statement_hashes` once a file has that many applied: a
/// row listing one hash per statement would grow by 75 bytes a statement and be written again
/// at every progress step (quadratic, and past MySQL's `max_allowed_packet` at ~200,000
/// statements).
pub(super) const HASH_BLOCK: usize = 1000;

/// The prefix of a block entry: `sha256x1000:<hex>` is SHA-256 over the 32-byte hashes of the
/// 1000 statements it covers, in order.
const BLOCK_PREFIX: &str = "sha256x";

/// What `statement_hashes` records for the first `n` statements of a file: one block entry per
/// full [`HASH_BLOCK`] of statements, then one `sha256:<hex>` per statement (a file of fewer
/// statements is recorded as before blocks existed). Block digests are computed once per file.
pub(super) struct RecordedHashes<'a> {
    stmts: &'a [Statement],
    blocks: Vec<String>,
}

impl<'a> RecordedHashes<'a> {
    pub(super) fn new(stmts: &'a [Statement]) -> Self {
        let blocks = stmts.chunks_exact(HASH_BLOCK).map(block_entry).collect();
        RecordedHashes { stmts, blocks }
    }

    /// The entries for statements `0..n`.
    pub(super) fn upto(&self, n: usize) -> Vec<String> {
        let full = n / HASH_BLOCK;
        let mut out = self.blocks[..full].to_vec();
        out.extend(
            self.stmts[full * HASH_BLOCK..n]
                .iter()
                .map(|s| s.hash.to_string()),
        );
        out
    }
}

fn block_entry(stmts: &[Statement]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for s in stmts {
        h.update(s.hash.0);
    }
    format!(
        "{BLOCK_PREFIX}{}:{}",
        stmts.len(),
        hex::encode(h.finalize())
    )
}

/// The first of the `n` first statements whose hash differs from the one recorded when it ran
/// (or that is gone from the file), if any, as `(index, count)`: a block entry (see
/// [`RecordedHashes`]) only tells that one of its `count` statements from `index` on changed.
/// Entries of either form are accepted anywhere (rows written before blocks existed list one
/// hash per statement).
pub(super) fn first_changed(
    stmts: &[Statement],
    recorded: &[String],
    n: usize,
) -> Option<(usize, usize)> {
    let mut i = 0;
    let mut entries = recorded.iter();
    while i < n {
        let Some(entry) = entries.next() else {
            return Some((i, 1));
        };
        let covers = entry
            .strip_prefix(BLOCK_PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .and_then(|(count, _)| count.parse::<usize>().ok())
            .filter(|&c| c > 0);
        match covers {
            Some(count) => {
                let same = stmts
                    .get(i..i + count)
                    .is_some_and(|block| block_entry(block) == *entry);
                if !same {
                    return Some((i, count));
                }
                i += count;
            }
            None => {
                if stmts.get(i).map(|s| s.hash.to_string()).as_deref() != Some(entry.as_str()) {
                    return Some((i, 1));
                }
                i += 1;
            }
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::{first_changed, RecordedHashes, HASH_BLOCK};
    use crate::migrations::split::split;
    use crate::Dialect;

    #[test]
    fn long_files_record_a_digest_per_block_that_still_catches_an_edit() {
        let n = 2 * HASH_BLOCK + 3;
        let sql: String = (0..n)
            .map(|i| format!("INSERT INTO t VALUES ({i});\n"))
            .collect();
        let stmts = split("f.sql", &sql, Dialect::Postgres).unwrap();
        let hashes = RecordedHashes::new(&stmts);
        // Short prefixes as before blocks: one hash per statement.
        let short = hashes.upto(5);
        assert_eq!(short.len(), 5);
        assert_eq!(short[4], stmts[4].hash.to_string());
        let recorded = hashes.upto(n);
        assert_eq!(recorded.len(), 2 + 3);
        assert!(recorded[0].starts_with("sha256x1000:"));
        assert_eq!(first_changed(&stmts, &recorded, n), None);
        // Rows written before blocks existed (one hash per statement) still verify.
        let old: Vec<String> = stmts.iter().map(|s| s.hash.to_string()).collect();
        assert_eq!(first_changed(&stmts, &old, n), None);

        let mut edited = sql.replace("VALUES (1500)", "VALUES (-1)");
        let changed = split("f.sql", &edited, Dialect::Postgres).unwrap();
        assert_eq!(
            first_changed(&changed, &recorded, n),
            Some((HASH_BLOCK, HASH_BLOCK))
        );
        edited = sql.replace("VALUES (2001)", "VALUES (-1)");
        let changed = split("f.sql", &edited, Dialect::Postgres).unwrap();
        assert_eq!(first_changed(&changed, &recorded, n), Some((2001, 1)));
        // A prefix of the file is checked only as far as it was applied.
        assert_eq!(first_changed(&changed, &hashes.upto(2001), 2001), None);
    }
}
