//! Declarative partitioning (Postgres): what the table diff does differently for partitioned
//! tables and partitions, applied to the whole plan once every schema is diffed (a partition
//! and its parent may live in different schemas).
//!
//! - a new partition of a partitioned table that exists already becomes
//!   [`Change::AttachPartition`] (made as a plain table and attached online) instead of a
//!   `CREATE TABLE … PARTITION OF`, which takes an ACCESS EXCLUSIVE lock on the parent;
//! - new tables are created parents first; dropped ones deepest partitions first, and a
//!   partition whose parent stays is detached first ([`Change::DetachPartition`]);
//! - a changed key, bound or parent has no in-place recipe: [`Change::Repartition`], which the
//!   planner refuses.

use super::{Change, Plan};
use crate::catalog::postgres::PgVersion;
use crate::schema::{Database, Table};

/// How many parents `table` has above it in `db` (0 for a table that is not a partition).
fn depth(db: &Database, schema: &str, table: &str) -> usize {
    let mut d = 0;
    let mut cur = db.table(schema, table);
    while let Some(of) = cur.and_then(Table::partition_of) {
        d += 1;
        if d > 64 {
            break;
        }
        cur = db.table(&of.parent_schema, &of.parent);
    }
    d
}

/// The DEFAULT partition of `schema.parent` in `db`, as `(schema, name)`.
fn default_partition(db: &Database, schema: &str, parent: &str) -> Option<(String, String)> {
    db.schemas.iter().find_map(|s| {
        s.tables.iter().find_map(|t| {
            t.partition_of()
                .filter(|of| of.parent_schema == schema && of.parent == parent && of.is_default())
                .map(|_| (s.name.clone(), t.name.clone()))
        })
    })
}

/// `parent` with what a partition of it must have to be attached: the columns of the root
/// partitioned table (a partition's own model has none) and the checks of every level.
fn effective_parent(db: &Database, parent: &Table) -> Table {
    let mut out = parent.clone();
    let (mut cur, mut n) = (parent, 0);
    while let Some(of) = cur.partition_of() {
        let Some(up) = db.table(&of.parent_schema, &of.parent) else {
            break;
        };
        n += 1;
        if n > 64 {
            break;
        }
        out.checks.extend(up.checks.iter().cloned());
        cur = up;
    }
    out.columns = cur.columns.clone();
    out
}

pub(crate) fn adjust(plan: &mut Plan, from: &Database, to: &Database) {
    // New partitions of existing partitioned tables: attached online.
    for c in &mut plan.create_tables {
        let Change::CreateTable { schema, table } = c else {
            continue;
        };
        let Some(of) = table.partition_of() else {
            continue;
        };
        let exists = from
            .table(&of.parent_schema, &of.parent)
            .is_some_and(Table::is_partitioned);
        let Some(parent) = to.table(&of.parent_schema, &of.parent) else {
            continue;
        };
        if exists {
            *c = Change::AttachPartition {
                schema: schema.clone(),
                table: table.clone(),
                parent: effective_parent(to, parent),
                default: default_partition(from, &of.parent_schema, &of.parent),
            };
        }
    }
    // Parents before their partitions (stable: otherwise in diff order).
    plan.create_tables.sort_by_key(|c| match c {
        Change::CreateTable { schema, table } | Change::AttachPartition { schema, table, .. } => {
            depth(to, schema, &table.name)
        }
        _ => 0,
    });

    // Drops: deepest first; a partition whose parent stays is detached first.
    plan.drop_tables.sort_by_key(|c| match c {
        Change::DropTable { schema, name } => usize::MAX - depth(from, schema, name),
        _ => usize::MAX,
    });
    let concurrent = PgVersion::of(from).is_some_and(|v| v.detach_partition_concurrently());
    let mut drops = Vec::with_capacity(plan.drop_tables.len());
    for c in std::mem::take(&mut plan.drop_tables) {
        if let Change::DropTable { schema, name } = &c {
            let of = from.table(schema, name).and_then(Table::partition_of);
            if let Some(of) = of.filter(|of| to.table(&of.parent_schema, &of.parent).is_some()) {
                // CONCURRENTLY is refused while the parent has a DEFAULT partition (this one
                // included).
                let has_default = default_partition(from, &of.parent_schema, &of.parent).is_some();
                drops.push(Change::DetachPartition {
                    schema: schema.clone(),
                    name: name.clone(),
                    parent_schema: of.parent_schema.clone(),
                    parent: of.parent.clone(),
                    concurrently: concurrent && !has_default,
                });
            }
        }
        drops.push(c);
    }
    plan.drop_tables = drops;

    // Partitioning that changes on a table that stays (only tables partitioned on one side are
    // looked up: thousands of plain tables stay linear).
    let mut pairs = std::collections::BTreeSet::new();
    for db in [from, to] {
        for s in &db.schemas {
            for t in s.tables.iter().filter(|t| t.partition.is_some()) {
                pairs.insert((s.name.as_str(), t.name.as_str()));
            }
        }
    }
    for (schema, name) in pairs {
        if let (Some(old), Some(t)) = (from.table(schema, name), to.table(schema, name)) {
            if let Some(reason) = repartition_reason(old, t) {
                plan.alter_columns.push(Change::Repartition {
                    schema: schema.to_string(),
                    table: name.to_string(),
                    reason,
                });
            }
        }
    }
}

/// Why the partitioning of `old` cannot become that of `new` in place, if it changes.
fn repartition_reason(old: &Table, new: &Table) -> Option<String> {
    let key = |t: &Table| t.partition.as_ref().and_then(|p| p.key.clone());
    let (old_key, new_key) = (key(old), key(new));
    if old_key != new_key {
        return Some(match (old_key, new_key) {
            (None, Some(k)) => format!(
                "partitioning an existing table (PARTITION BY {k}) rewrites it into a new table: create the partitioned table under a new name, copy the rows, and swap the names by hand"
            ),
            (Some(k), None) => format!(
                "turning a partitioned table (PARTITION BY {k}) back into a plain table rewrites it: create the new table under a new name, copy the rows, and swap the names by hand"
            ),
            (Some(a), Some(b)) => format!(
                "changing the partition key from {a} to {b} has no in-place statement: create the new partitioned table under a new name, copy the rows, and swap the names by hand"
            ),
            (None, None) => unreachable!("keys differ"),
        });
    }
    let (old_of, new_of) = (old.partition_of(), new.partition_of());
    if old_of != new_of {
        let say = |of: Option<&crate::schema::PartitionOf>| match of {
            Some(of) => format!(
                "a partition of {}.{} {}",
                of.parent_schema, of.parent, of.bound
            ),
            None => "not a partition".to_string(),
        };
        return Some(format!(
            "it changes from {} to {}: migrator does not detach and re-attach an existing partition with its rows; detach it and attach it by hand, or give the new partition a new name",
            say(old_of),
            say(new_of)
        ));
    }
    None
}

/// Downs of the partition changes.
pub(crate) fn inverse(from: &Database, c: &Change) -> (Vec<Change>, bool) {
    let _ = from;
    match c {
        // Detached (plainly: a rollback must work on every version and with a DEFAULT
        // partition), then dropped.
        Change::AttachPartition { schema, table, .. } => {
            let of = table.partition_of();
            (
                of.map(|of| Change::DetachPartition {
                    schema: schema.clone(),
                    name: table.name.clone(),
                    parent_schema: of.parent_schema.clone(),
                    parent: of.parent.clone(),
                    concurrently: false,
                })
                .into_iter()
                .chain([Change::DropTable {
                    schema: schema.clone(),
                    name: table.name.clone(),
                }])
                .collect(),
                false,
            )
        }
        // Undone by the down of the drop that follows, which creates the partition attached.
        Change::DetachPartition { .. } | Change::Repartition { .. } => (Vec::new(), false),
        _ => (Vec::new(), false),
    }
}
