//! Plan: a diff's [`Change`]s → backward-compatible [`Step`]s in three phases, written as
//! migration files.
//!
//! - **expand**: everything both application versions can live with (new tables, nullable
//!   columns, shadow columns with sync triggers, indexes built concurrently, constraints
//!   `NOT VALID`);
//! - **backfill**: batched updates (`-- migrator:backfill`), resumable;
//! - **contract**: what breaks the old version (drops, NOT NULL, validation, swaps), run with
//!   `apply --contract` once the new version is deployed.
//!
//! Every step knows its up and down SQL, its lock level and its hazards (pgroll-style), so
//! `plan` can print them and each file gets a working down file.
//!
//! - [`Planner`]: the trait each dialect implements; [`postgres`]: the Postgres recipes;
//! - [`mysql`]: the MySQL / MariaDB recipes;
//! - [`inverse`]: what undoes a plain change (the down of a plain step);
//! - [`files`]: grouping steps into migration files.

mod common;
pub mod files;
pub mod inverse;
pub mod mysql;
mod mysql_event;
mod mysql_partition;
mod partition;
mod pg_policy;
mod pg_types;
pub mod postgres;
mod shadow;
pub mod timeline;

use crate::diff::Change;
use crate::diff::Hints;
use crate::migrations::Phase;
use crate::render::SqlStatement;
use crate::schema::Database;
use crate::{Dialect, Error, Result};
use serde::Serialize;

/// A backfill: one batched UPDATE of a table, keyed by a unique column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backfill {
    /// The table as SQL names it (quoted, Postgres schema-qualified), as the runner's
    /// `-- migrator:backfill table=` reads it.
    pub table: String,
    /// The key column, quoted.
    pub key: String,
    pub update: String,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub phase: Phase,
    /// What the step does, for people.
    pub summary: String,
    /// The strongest lock it takes and for how long.
    pub lock: String,
    /// What can go wrong or cost: rewrites, scans under lock, data loss…
    pub hazards: Vec<String>,
    pub up: Vec<SqlStatement>,
    /// Runs in reverse step order when the file is rolled back.
    pub down: Vec<SqlStatement>,
    /// The down cannot restore what the up removed (data).
    pub irreversible: bool,
    pub backfill: Option<Backfill>,
    /// A contract step that drops a fill trigger (ordered before the shadow columns' contracts;
    /// see `common::by_phase`).
    #[serde(skip)]
    pub ends_fill: bool,
    /// Tables that existed before the plan whose writers the step blocks
    /// ([`crate::diff::Change::blocked_tables`]): a transaction holding such a lock on one table
    /// while it waits for another deadlocks with an application writing to both (an INSERT into
    /// a child table locks the child, then its foreign key check the parent).
    #[serde(skip)]
    pub blocks: Vec<(String, String)>,
    /// Tables the plan creates that the step creates or works on: a later file of the plan
    /// working on one names it in its `new-tables` directive (see [`files::group`]).
    #[serde(skip)]
    pub new_tables: Vec<(String, String)>,
}

/// Options of `migrator plan`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Allow drops and lossy changes (only ever in contract).
    pub allow_destructive: bool,
    /// Rows per backfill batch written into the backfill directive.
    pub batch_size: u64,
    /// Kinds of unmodelled objects the declared schema may hold (`[schema] ignore`).
    pub ignore: crate::source::Ignore,
}

/// Plans `changes` (from `from` to `to`) for `dialect`.
pub fn plan(
    dialect: Dialect,
    changes: &[Change],
    from: &Database,
    to: &Database,
    hints: &Hints,
    opts: PlanOptions,
) -> Result<Vec<Step>> {
    if !opts.allow_destructive {
        let losses: Vec<String> = changes.iter().filter_map(Change::data_loss).collect();
        if !losses.is_empty() {
            return Err(Error::Refused(format!(
                "the plan would lose data:\n  - {}\nRe-run with --allow-destructive (the drops are planned in the contract phase), or add a `-- migrator:renamed-from` hint if something was renamed",
                losses.join("\n  - ")
            )));
        }
    }
    planner(dialect).plan(changes, from, to, hints, opts)
}

/// A dialect's planner: the recipes that turn each change into online steps (beside the
/// [`crate::catalog::Inspector`], the [`crate::render::Renderer`] and the runner's
/// [`crate::runner::Target`] of the same dialect).
pub trait Planner: Send + Sync {
    fn dialect(&self) -> Dialect;

    /// Steps for `changes` (from `from` to `to`), in phase order; the diff's dependency order
    /// is kept within a phase.
    fn plan(
        &self,
        changes: &[Change],
        from: &Database,
        to: &Database,
        hints: &Hints,
        opts: PlanOptions,
    ) -> Result<Vec<Step>>;
}

/// The planner of `dialect`.
pub fn planner(dialect: Dialect) -> Box<dyn Planner> {
    match dialect {
        Dialect::Postgres => Box::new(postgres::PostgresPlanner),
        Dialect::Mysql => Box::new(mysql::MysqlPlanner),
    }
}
