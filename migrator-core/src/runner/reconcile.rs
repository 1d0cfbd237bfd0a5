//! Directory × history → the state of every migration, and the checks that must pass before any
//! SQL runs (edited applied files, out-of-order files, applied files that disappeared).

use super::history::{HistoryRow, Status};
use crate::migrations::{Migration, MigrationSet, Phase, Version};
use crate::{Error, Result};
use serde::Serialize;

/// What a migration is, seen from both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Applied,
    Pending,
    /// A pending contract migration: waits for `apply --contract`.
    AwaitingContract,
    Partial,
    Failed,
    RollbackPartial,
    /// Applied, but the up file changed since.
    Edited,
    /// Pending, but older than the newest applied migration.
    OutOfOrder,
    /// In the history, but its files are gone.
    MissingFile,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::AwaitingContract => "awaiting contract",
            State::Partial => "partial",
            State::Failed => "failed",
            State::RollbackPartial => "rollback partial",
            State::Edited => "edited after apply",
            State::OutOfOrder => "out of order",
            State::MissingFile => "file missing",
        }
    }

    pub fn is_problem(self) -> bool {
        matches!(
            self,
            State::Partial
                | State::Failed
                | State::RollbackPartial
                | State::Edited
                | State::OutOfOrder
                | State::MissingFile
        )
    }
}

/// One migration's line in `status`.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub version: Version,
    pub name: String,
    pub phase: Phase,
    pub state: State,
    /// The up file name, when the files exist.
    pub file: Option<String>,
    pub history: Option<HistoryRow>,
}

/// Pairs every file with its history row, oldest first.
pub fn reconcile(set: &MigrationSet, history: &[HistoryRow]) -> Vec<Entry> {
    let newest_applied = history
        .iter()
        .filter(|r| r.status != Status::Failed)
        .map(|r| r.version)
        .max();
    let mut entries: Vec<Entry> = set
        .migrations
        .iter()
        .map(|m| {
            let row = history.iter().find(|r| r.version == m.version);
            let state = match row {
                None if newest_applied.is_some_and(|n| m.version < n) => State::OutOfOrder,
                None if m.phase() == Phase::Contract => State::AwaitingContract,
                None => State::Pending,
                Some(r) => match r.status {
                    Status::Applied if r.checksum_up != m.up.checksum.to_string() => State::Edited,
                    Status::Applied => State::Applied,
                    Status::Partial => State::Partial,
                    Status::Failed => State::Failed,
                    Status::RollbackPartial => State::RollbackPartial,
                },
            };
            Entry {
                version: m.version,
                name: m.name.clone(),
                phase: m.phase(),
                state,
                file: Some(m.up.name.clone()),
                history: row.cloned(),
            }
        })
        .collect();
    for r in history {
        if set.get(r.version).is_none() {
            entries.push(Entry {
                version: r.version,
                name: r.name.clone(),
                phase: r.phase,
                state: State::MissingFile,
                file: None,
                history: Some(r.clone()),
            });
        }
    }
    entries.sort_by_key(|e| e.version);
    entries
}

/// The checks `apply` makes before running anything: fails on the first edited, missing or
/// out-of-order file, naming it and saying what to do.
pub fn check_before_apply(set: &MigrationSet, entries: &[Entry]) -> Result<()> {
    set.check_integrity()?;
    for e in entries {
        let stem = format!("{}_{}", e.version, e.name);
        match e.state {
            State::Edited => {
                return Err(Error::Integrity {
                    file: format!("{stem}.up.sql"),
                    message: format!(
                        "edited after it was applied (recorded {}, file now {}); restore the applied text and put the change in a new migration (`migrator new`)",
                        e.history.as_ref().map(|h| h.checksum_up.as_str()).unwrap_or("?"),
                        set.get(e.version).map(|m| m.up.checksum.to_string()).unwrap_or_default()
                    ),
                })
            }
            State::MissingFile => {
                return Err(Error::Integrity {
                    file: format!("{stem}.up.sql"),
                    message: "applied to this database but missing from the migrations directory; restore the file (a rollback needs its down file)".into(),
                })
            }
            State::OutOfOrder => {
                let newest = entries
                    .iter()
                    .filter(|x| x.history.as_ref().is_some_and(|h| h.status != Status::Failed))
                    .map(|x| x.version)
                    .max()
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                return Err(Error::Integrity {
                    file: format!("{stem}.up.sql"),
                    message: format!(
                        "not applied, but older than the newest applied migration {newest}; migrations must run in version order. Give it a newer version (rename both files to a new timestamp, then `migrator rehash`)"
                    ),
                });
            }
            State::RollbackPartial => {
                // Its down file stopped half-way: the schema is neither this migration's nor
                // the one before it, so nothing may be applied on top of it.
                let h = e.history.as_ref();
                return Err(Error::Integrity {
                    file: format!("{stem}.down.sql"),
                    message: format!(
                        "its rollback stopped after {} of the down file's statements{}; finish it first: fix the down file if it is wrong (`migrator rehash`), then `migrator rollback` resumes at the failed statement — or, if you repaired the database by hand, `migrator repair {}`",
                        h.map(|h| h.down_statements_applied).unwrap_or(0),
                        h.and_then(|h| h.error.as_deref())
                            .map(|m| format!(" ({m})"))
                            .unwrap_or_default(),
                        e.version
                    ),
                });
            }
            State::Applied
            | State::Pending
            | State::AwaitingContract
            | State::Partial
            | State::Failed => {}
        }
    }
    Ok(())
}

/// The pending work of `apply`, in order: `(migration, existing partial/failed row)`. Stops before
/// the first contract migration unless `contract`, and after `to` when given.
pub fn pending<'a>(
    set: &'a MigrationSet,
    entries: &[Entry],
    to: Option<Version>,
    contract: bool,
) -> (Vec<(&'a Migration, Option<HistoryRow>)>, Vec<&'a Migration>) {
    let mut run = Vec::new();
    let mut held = Vec::new();
    for e in entries {
        if to.is_some_and(|to| e.version > to) {
            break;
        }
        let Some(m) = set.get(e.version) else {
            continue;
        };
        let runnable = match e.state {
            State::Pending | State::AwaitingContract => None,
            State::Partial | State::Failed => e.history.clone(),
            _ => continue,
        };
        if m.phase() == Phase::Contract && !contract {
            held.extend(
                set.migrations
                    .iter()
                    .filter(|x| x.version >= m.version && to.is_none_or(|to| x.version <= to))
                    .filter(|x| {
                        entries
                            .iter()
                            .any(|e| e.version == x.version && e.history.is_none())
                    }),
            );
            break;
        }
        run.push((m, runnable));
    }
    (run, held)
}
