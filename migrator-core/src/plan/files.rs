//! Grouping planned steps into migration files.
//!
//! Expand steps keep their order and are cut into files wherever a step must run outside a
//! transaction (`CONCURRENTLY`, new enum values): consecutive transactional steps share one
//! atomic file. Each backfill is a file of its own (the runner batches it). Contract steps go
//! into one file run statement by statement, so each lock is held only for its own statement and
//! a failure resumes where it stopped.

use super::{Backfill, Step};
use crate::migrations::{Phase, Version};
use crate::render::SqlStatement;
use serde::Serialize;

/// A migration file pair to write.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedFile {
    pub version: Version,
    /// `<name>_<phase>[_n]`.
    pub name: String,
    pub phase: Phase,
    pub no_transaction: bool,
    pub backfill: Option<Backfill>,
    /// Indexes into the plan's steps.
    pub steps: Vec<usize>,
    pub up: String,
    pub down: String,
}

fn non_transactional(s: &Step) -> bool {
    s.up.iter().any(|x| !x.transactional)
}

/// Groups `steps` into files with versions `base`, `base + 1`, …
pub fn group(
    steps: &[Step],
    base: Version,
    name: &str,
    batch_size: u64,
    tool: &str,
) -> Vec<PlannedFile> {
    let mut groups: Vec<(Phase, bool, Vec<usize>)> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let no_tx = match s.phase {
            Phase::Expand => non_transactional(s),
            Phase::Backfill => false,
            Phase::Contract => true,
        };
        let joins = match groups.last() {
            Some((p, nt, _)) => *p == s.phase && *nt == no_tx && s.phase != Phase::Backfill,
            None => false,
        };
        if joins {
            groups.last_mut().expect("checked").2.push(i);
        } else {
            groups.push((s.phase, no_tx, vec![i]));
        }
    }
    let mut counts = std::collections::BTreeMap::new();
    groups
        .into_iter()
        .enumerate()
        .map(|(k, (phase, no_tx, idx))| {
            let n = counts.entry(phase).or_insert(0);
            *n += 1;
            let suffix = if *n == 1 {
                String::new()
            } else {
                format!("_{n}")
            };
            let backfill = if phase == Phase::Backfill {
                steps[idx[0]].backfill.clone()
            } else {
                None
            };
            let irreversible = idx.iter().any(|&i| steps[i].irreversible);
            let mut header = vec![format!("-- migrator:phase {phase}")];
            if no_tx {
                header.push("-- migrator:no-transaction".into());
            }
            if let Some(b) = &backfill {
                header.push(format!(
                    "-- migrator:backfill table={} key={} batch={batch_size}",
                    b.table, b.key
                ));
            }
            let mut summary = vec![format!("-- Planned by {tool}. Steps:")];
            for &i in &idx {
                let s = &steps[i];
                summary.push(format!(
                    "--   {} [lock: {}]",
                    one_line(&s.summary),
                    one_line(&s.lock)
                ));
                for h in &s.hazards {
                    summary.push(format!("--     hazard: {}", one_line(h)));
                }
            }
            let up_stmts: Vec<&SqlStatement> = idx.iter().flat_map(|&i| &steps[i].up).collect();
            let down_stmts: Vec<&SqlStatement> =
                idx.iter().rev().flat_map(|&i| &steps[i].down).collect();
            let up = format!(
                "{}\n{}\n\n{}",
                header.join("\n"),
                summary.join("\n"),
                body(&up_stmts)
            );
            let mut down_header = vec![format!("-- migrator:phase {phase}")];
            if no_tx || down_stmts.iter().any(|s| !s.transactional) {
                down_header.push("-- migrator:no-transaction".into());
            }
            if irreversible {
                down_header.push("-- migrator:irreversible".into());
            }
            let down_note = if down_stmts.is_empty() {
                "-- Nothing to undo: the expand file's down removes what this file filled.\n"
                    .to_string()
            } else {
                body(&down_stmts)
            };
            let down = format!(
                "{}\n-- Undoes {}.\n\n{}",
                down_header.join("\n"),
                format_args!("{}_{}{}", name, phase, suffix),
                down_note
            );
            PlannedFile {
                version: Version(base.0 + k as u64),
                name: format!("{name}_{phase}{suffix}"),
                phase,
                no_transaction: no_tx,
                backfill,
                steps: idx,
                up,
                down,
            }
        })
        .collect()
}

/// Text safe inside a `--` comment: names may hold line breaks, which would end the comment and
/// turn the rest of the name into SQL. Control characters are written escaped.
fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn body(stmts: &[&SqlStatement]) -> String {
    let mut out = String::new();
    for s in stmts {
        out.push_str(&s.sql);
        out.push_str(";\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn comment_text_cannot_break_out_of_its_line() {
        let name = "nl\nDELETE FROM victim; --\r\tx";
        let text = one_line(name);
        assert!(!text.contains('\n') && !text.contains('\r') && !text.contains('\t'));
        assert_eq!(text, "nl\\nDELETE FROM victim; --\\r\\tx");
        assert_eq!(one_line("café \"表\""), "café \"表\"");
    }
}
