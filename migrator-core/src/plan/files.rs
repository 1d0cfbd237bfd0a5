//! Grouping planned steps into migration files.
//!
//! Expand steps keep their order and are cut into files wherever a step must run outside a
//! transaction (`CONCURRENTLY`, new enum values): consecutive transactional steps share one
//! atomic file. Each backfill is a file of its own (the runner batches it). Contract steps go
//! into one file run statement by statement, so each lock is held only for its own statement and
//! a failure resumes where it stopped.
//!
//! A table the plan creates may be created in one file and indexed or given a foreign key in a
//! later one: the later file names it in a `new-tables` directive, so that the linter knows
//! that no application has written to it yet (as it knows of a table created in the same file).

use super::{Backfill, Step};
use crate::migrations::{Phase, Version};
use crate::render::SqlStatement;
use crate::Dialect;
use serde::Serialize;
use std::collections::BTreeSet;

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
///
/// Where the `dialect` runs a file's DDL in one transaction, a file's
/// transaction blocks the writers of at most one table that existed before: holding one
/// table's lock while waiting for another's is the deadlock an application writing to both
/// completes (an INSERT into a child table holds the child and waits for the parent, through
/// its foreign key check), and the server then kills the application's statement.
pub fn group(
    steps: &[Step],
    base: Version,
    name: &str,
    batch_size: u64,
    tool: &str,
    dialect: Dialect,
) -> Vec<PlannedFile> {
    let transactional_ddl = dialect.transactional_ddl();
    let mut groups: Vec<(Phase, bool, Vec<usize>)> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let no_tx = match s.phase {
            Phase::Expand => non_transactional(s),
            Phase::Backfill => false,
            Phase::Contract => true,
        };
        let joins = match groups.last() {
            Some((p, nt, members)) => {
                *p == s.phase
                    && *nt == no_tx
                    && s.phase != Phase::Backfill
                    && (no_tx || !transactional_ddl || {
                        let mut blocked: Vec<&(String, String)> = members
                            .iter()
                            .flat_map(|&m| &steps[m].blocks)
                            .chain(&s.blocks)
                            .collect();
                        blocked.sort();
                        blocked.dedup();
                        blocked.len() <= 1
                    })
            }
            None => false,
        };
        if joins {
            groups.last_mut().expect("checked").2.push(i);
        } else {
            groups.push((s.phase, no_tx, vec![i]));
        }
    }
    // Per file, the new tables its steps work on that an earlier file created (the first file
    // working on a new table is the one that creates it).
    let mut seen: BTreeSet<&(String, String)> = BTreeSet::new();
    let created_earlier: Vec<Vec<String>> = groups
        .iter()
        .map(|(_, _, idx)| {
            let mine: BTreeSet<&(String, String)> =
                idx.iter().flat_map(|&i| &steps[i].new_tables).collect();
            let earlier = mine
                .iter()
                .filter(|t| seen.contains(*t))
                .map(|(s, t)| dialect.table_ref(s, t))
                .collect();
            seen.extend(mine);
            earlier
        })
        .collect();
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
            let new_tables = match created_earlier[k].as_slice() {
                [] => None,
                tables => Some(format!("-- migrator:new-tables {}", tables.join(" "))),
            };
            let mut header = vec![format!("-- migrator:phase {phase}")];
            if no_tx {
                header.push("-- migrator:no-transaction".into());
            }
            header.extend(new_tables.clone());
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
            down_header.extend(new_tables);
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
                version: base.plus(k as u64),
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
    use super::{group, one_line};
    use crate::migrations::{Phase, Version};
    use crate::plan::Step;
    use crate::render::SqlStatement;
    use crate::Dialect;

    fn expand(sql: &str, blocks: &[&str]) -> Step {
        Step {
            phase: Phase::Expand,
            summary: sql.into(),
            lock: String::new(),
            hazards: Vec::new(),
            up: vec![SqlStatement::new(sql.to_string())],
            down: Vec::new(),
            irreversible: false,
            backfill: None,
            ends_fill: false,
            blocks: blocks
                .iter()
                .map(|t| ("public".to_string(), t.to_string()))
                .collect(),
            new_tables: Vec::new(),
        }
    }

    #[test]
    fn a_transaction_blocks_the_writers_of_one_existing_table() {
        let steps = [
            expand("ALTER parent 1", &["parent"]),
            expand("CREATE TABLE fresh", &[]),
            expand("ALTER parent 2", &["parent"]),
            expand("ALTER child", &["child"]),
            expand("COMMENT", &[]),
            expand("ALTER both", &["a", "b"]),
        ];
        let files = |dialect| {
            group(&steps, Version(1), "v", 10, "t", dialect)
                .into_iter()
                .map(|f| f.steps)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            files(Dialect::Postgres),
            vec![vec![0, 1, 2], vec![3, 4], vec![5]]
        );
        assert_eq!(files(Dialect::Mysql), vec![vec![0, 1, 2, 3, 4, 5]]);
    }

    #[test]
    fn later_files_name_the_new_tables_they_work_on() {
        let on = |mut s: Step, table: &str| {
            s.new_tables = vec![("public".to_string(), table.to_string())];
            s
        };
        let steps = [
            on(expand("CREATE TABLE fresh", &[]), "fresh"),
            expand("ALTER parent", &["parent"]),
            on(expand("CREATE TABLE other", &[]), "other"),
            expand("ALTER child", &["child"]),
            on(expand("CREATE INDEX ON fresh", &[]), "fresh"),
        ];
        let files = group(&steps, Version(1), "v", 10, "t", Dialect::Postgres);
        assert_eq!(files.len(), 2);
        assert!(!files[0].up.contains("new-tables"), "{}", files[0].up);
        for text in [&files[1].up, &files[1].down] {
            assert!(
                text.contains("-- migrator:new-tables \"public\".\"fresh\"\n"),
                "{text}"
            );
        }
        // Each file's directives parse back.
        let d = crate::migrations::directive::parse("f", &files[1].up).unwrap();
        assert_eq!(d.new_tables, ["\"public\".\"fresh\""]);
    }

    #[test]
    fn comment_text_cannot_break_out_of_its_line() {
        let name = "nl\nDELETE FROM victim; --\r\tx";
        let text = one_line(name);
        assert!(!text.contains('\n') && !text.contains('\r') && !text.contains('\t'));
        assert_eq!(text, "nl\\nDELETE FROM victim; --\\r\\tx");
        assert_eq!(one_line("café \"表\""), "café \"表\"");
    }
}
