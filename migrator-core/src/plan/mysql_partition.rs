//! MySQL / MariaDB partitioning: the steps (called by `plan/mysql.rs`). The diff cuts a
//! difference into [`Change::AlterPartitioning`]s of one statement each
//! (`diff/mysql_partition.rs`); the phase follows from which rows each one still accepts:
//! - a step after which every row accepted before is still accepted (a partition added, a
//!   RANGE partition split, LIST values added, a HASH count changed, partitioning removed)
//!   goes in **expand**: the old application keeps writing what it wrote, the new one can
//!   write more;
//! - a step that narrows what is accepted (LIST values removed, a lower last RANGE bound, a
//!   new scheme without a catch-all partition) goes in **contract**, once the old version that
//!   may write those values is gone; rows already outside make the statement fail, which the
//!   rehearsal shows with its sample rows;
//! - `DROP PARTITION` deletes the rows in it: contract, and only with `--allow-destructive`.

use super::common::{simple, unthrottled};
use super::Step;
use crate::diff::mysql_partition::{step_of, widens, PartitionStep};
use crate::diff::Change;
use crate::flavor::MysqlFlavor;
use crate::migrations::Phase;
use crate::render::mysql::MysqlRenderer;
use crate::Result;

type Ctx<'a> = super::common::Ctx<'a, MysqlRenderer>;

pub(super) fn recipe(ctx: &Ctx, c: &Change) -> Result<Vec<Step>> {
    let (
        Change::AlterPartitioning {
            schema,
            table,
            from,
            to,
            ..
        },
        Some(st),
    ) = (c, step_of(c))
    else {
        return Ok(vec![]);
    };
    let (from, to) = (from.as_ref(), to.as_ref());
    let mariadb = !MysqlFlavor::of(ctx.from).partition_operations_take_locks();
    let wider = widens(from, to);
    let (phase, summary, lock, copies) = match &st {
        PartitionStep::Add(parts) => (
            Phase::Expand,
            format!(
                "add partition(s) {} to {schema}.{table}",
                names(parts.iter().map(|p| p.name.as_str()))
            ),
            "INPLACE, LOCK=NONE: brief metadata locks; reads and writes continue",
            false,
        ),
        PartitionStep::Drop(dropped) => (
            Phase::Contract,
            format!(
                "drop partition(s) {} of {schema}.{table}",
                names(dropped.iter().map(String::as_str))
            ),
            "INPLACE, LOCK=NONE: brief metadata locks; reads and writes continue",
            false,
        ),
        PartitionStep::Reorganize { from: old, into } => (
            if wider == Some(true) {
                Phase::Expand
            } else {
                Phase::Contract
            },
            format!(
                "reorganize partition(s) {} of {schema}.{table} into {}",
                names(old.iter().map(String::as_str)),
                names(into.iter().map(|p| p.name.as_str()))
            ),
            "copies the rows of those partitions under LOCK=SHARED: reads continue, writes wait",
            true,
        ),
        PartitionStep::Count { from: a, to: b } => (
            Phase::Expand,
            format!("{schema}.{table}: {a} partitions to {b}"),
            "redistributes every row under LOCK=SHARED: reads continue, writes wait",
            true,
        ),
        PartitionStep::Repartition => (
            if wider == Some(true) {
                Phase::Expand
            } else {
                Phase::Contract
            },
            match to {
                Some(t) => format!(
                    "partition {schema}.{table} by {} ({})",
                    t.method, t.expression
                ),
                None => format!("remove the partitioning of {schema}.{table}"),
            },
            "copies the table under LOCK=SHARED: reads continue, writes wait",
            true,
        ),
    };
    // The second of two steps on one table (the diff drops partitions first) starts from the
    // first one's result, so it runs after it (a drop is contract), unless its statement works
    // on the live partitions as well (partitions added past them).
    let live = ctx
        .from
        .table(schema, table)
        .and_then(|t| t.partitioned_by.as_ref());
    let phase = if from != live && !adds_past(live, &st) {
        Phase::Contract
    } else {
        phase
    };
    let mut s = simple(ctx, c, phase, lock, summary);
    if mariadb {
        s.lock = format!(
            "{} (MariaDB takes no ALGORITHM / LOCK on partition operations: its own choice)",
            s.lock
        );
    }
    acknowledge(&mut s, mariadb);
    match &st {
        PartitionStep::Drop(_) => s.hazards.push(
            "data loss: the rows in the dropped partitions are deleted (a rollback re-creates the partitions empty)".into(),
        ),
        PartitionStep::Add(_) => s.hazards.push(
            "rolling back drops the new partitions with the rows written into them".into(),
        ),
        _ => {}
    }
    if copies {
        s.hazards
            .push("writes to the table wait while the rows are copied".into());
        unthrottled(&mut s);
    }
    if phase == Phase::Contract && !matches!(st, PartitionStep::Drop(_)) {
        s.hazards.push(match wider {
            Some(false) => "the table accepts fewer values afterwards: the old application version must be gone, and rows outside the new partitions make the statement fail".into(),
            _ => "which values the new partitions accept could not be compared with the old ones: planned in contract; rows outside the new partitions make the statement fail".into(),
        });
    }
    Ok(vec![s])
}

/// Statements `require-algorithm-lock` would refuse carry its suppression with the reason (the
/// files `plan` writes pass `migrator lint`): all of them on MariaDB, which refuses the
/// clauses on partition operations; on MySQL those that copy rows under `LOCK=SHARED`, for
/// which the server has no online algorithm.
fn acknowledge(step: &mut Step, mariadb: bool) {
    let marker = "-- migrator-lint: ignore require-algorithm-lock";
    for st in step.up.iter_mut().chain(step.down.iter_mut()) {
        let reason = if mariadb {
            "MariaDB refuses ALGORITHM / LOCK on partition operations"
        } else if st.sql.contains("LOCK=SHARED") {
            "partitions are reorganized or repartitioned by copying rows: no online algorithm (see the step's hazards)"
        } else {
            continue;
        };
        if !st.sql.contains(marker) {
            st.sql = format!("{marker} -- {reason}\n{}", st.sql);
        }
    }
}

/// Whether `st` adds partitions that `live` could take as they are: RANGE partitions above its
/// last bound, LIST partitions whose values it does not hold.
fn adds_past(live: Option<&crate::schema::PartitionBy>, st: &PartitionStep) -> bool {
    match (live, st) {
        (Some(live), PartitionStep::Add(parts)) => {
            crate::diff::mysql_partition::disjoint_values(live, parts)
        }
        _ => false,
    }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}
