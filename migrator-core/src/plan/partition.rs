//! Postgres recipes for declarative partitioning (lock facts: `shared/ONLINE_DDL.md`):
//!
//! - a new partition of an existing partitioned table: made as a plain table and attached
//!   (`ATTACH PARTITION` takes SHARE UPDATE EXCLUSIVE on the parent since Postgres 12; a CHECK
//!   matching the bound spares it the partition's scan), in expand;
//! - a dropped partition: detached in contract, `CONCURRENTLY` on 14+ (outside a transaction
//!   block) unless the parent has a DEFAULT partition, then dropped;
//! - an index on an existing partitioned table: `CREATE INDEX … ON ONLY parent` (nothing is
//!   built, the index is invalid), each partition's index built `CONCURRENTLY` and attached
//!   with `ALTER INDEX … ATTACH PARTITION` (the parent's becomes valid with the last one);
//!   `CREATE INDEX CONCURRENTLY` is refused on a partitioned table;
//! - a changed partition key, bound or parent: refused with what to do instead.

use super::common::simple;
use super::Step;
use crate::diff::Change;
use crate::migrations::Phase;
use crate::render::postgres::{ident, qualified, PostgresRenderer};
use crate::render::SqlStatement;
use crate::schema::{Database, Index};
use crate::{Error, Result};

type Ctx<'a> = super::common::Ctx<'a, PostgresRenderer>;

/// Postgres has no `DROP INDEX CONCURRENTLY` for a partitioned index (the step says so).
const NO_CONCURRENT_DROP: &str = "-- migrator-lint: ignore require-concurrent-drop-index -- a partitioned index cannot be dropped CONCURRENTLY";

/// Steps of the partition changes, and of index changes on partitioned tables that existed
/// before the plan; `None` for every other change.
pub(super) fn recipe(ctx: &Ctx, c: &Change) -> Option<Result<Vec<Step>>> {
    use Phase::*;
    match c {
        Change::AttachPartition {
            schema,
            table,
            default,
            ..
        } => {
            let parent = table
                .partition_of()
                .map(|of| format!("{}.{}", of.parent_schema, of.parent))
                .unwrap_or_default();
            let mut s = simple(
                ctx,
                c,
                Expand,
                "SHARE UPDATE EXCLUSIVE on the parent (ATTACH PARTITION: its reads and writes continue)",
                format!("create partition {schema}.{} and attach it to {parent}", table.name),
            );
            if let Some((ds, d)) = default {
                s.lock = format!("ACCESS EXCLUSIVE on the DEFAULT partition {ds}.{d} while ATTACH scans it; SHARE UPDATE EXCLUSIVE on the parent");
                s.hazards.push(format!(
                    "the parent has a DEFAULT partition ({ds}.{d}): ATTACH scans it for rows that belong in the new partition, blocking its readers and writers meanwhile, and fails if it finds one (move such rows out first)"
                ));
            }
            Some(Ok(vec![s]))
        }
        Change::DetachPartition {
            schema,
            name,
            parent_schema,
            parent,
            concurrently,
        } => {
            let summary = format!("detach partition {schema}.{name} from {parent_schema}.{parent}");
            let mut s = if *concurrently {
                let mut s = simple(
                    ctx,
                    c,
                    Contract,
                    "SHARE UPDATE EXCLUSIVE on the parent (DETACH … CONCURRENTLY: reads and writes continue)",
                    summary,
                );
                s.hazards.push(format!(
                    "DETACH … CONCURRENTLY runs outside a transaction and waits for the transactions that use the parent; if it is interrupted, finish it with ALTER TABLE {} DETACH PARTITION {} FINALIZE",
                    qualified(parent_schema, parent),
                    qualified(schema, name)
                ));
                s
            } else {
                let mut s = simple(
                    ctx,
                    c,
                    Contract,
                    "ACCESS EXCLUSIVE on the parent, instant",
                    summary,
                );
                s.hazards.push("a plain DETACH (Postgres 13, or the parent has a DEFAULT partition: no CONCURRENTLY there) takes an ACCESS EXCLUSIVE lock on the parent: it waits for, and then blocks, every reader and writer of the partitioned table for a moment".into());
                s
            };
            // Undone by the down of the drop that follows (the partition made again, attached).
            s.down.clear();
            Some(Ok(vec![s]))
        }
        Change::Repartition {
            schema,
            table,
            reason,
        } => Some(Err(Error::Refused(format!("{schema}.{table}: {reason}")))),
        Change::CreateIndex {
            schema,
            table,
            index,
            online: true,
        } if partitioned_before(ctx, schema, table) => {
            if ctx.replaces_index(schema, table, &index.name) {
                return Some(Err(Error::Refused(format!(
                    "{schema}.{table}: index {} changes on a partitioned table, which has no online rebuild (no CREATE INDEX CONCURRENTLY on a partitioned table): drop it in one release and create it in the next, or rebuild it by hand",
                    index.name
                ))));
            }
            Some(Ok(create_index(ctx, schema, table, index)))
        }
        Change::DropIndex {
            schema,
            table,
            name,
            online: true,
        } if partitioned_before(ctx, schema, table) => {
            let mut s = ctx.step(
                Contract,
                format!("drop index {schema}.{name}"),
                "ACCESS EXCLUSIVE on the partitioned table and its partitions, instant",
                vec![SqlStatement::new(format!(
                    "{NO_CONCURRENT_DROP}\nDROP INDEX {}",
                    qualified(schema, name)
                ))],
                Vec::new(),
            );
            if let Some(i) = ctx.from.table(schema, table).and_then(|t| t.index(name)) {
                s.down = create_index(ctx, schema, table, i)
                    .into_iter()
                    .flat_map(|s| s.up)
                    .collect();
            }
            s.hazards.push("a partitioned index cannot be dropped CONCURRENTLY: the plain DROP INDEX locks the partitioned table and every partition for a moment".into());
            Some(Ok(vec![s]))
        }
        _ => None,
    }
}

/// A partitioned table that exists before the plan (a new one gets plain DDL).
fn partitioned_before(ctx: &Ctx, schema: &str, table: &str) -> bool {
    !ctx.is_new(schema, table)
        && ctx
            .from
            .table(schema, table)
            .is_some_and(|t| t.is_partitioned())
}

/// The partitions of `schema.table` in either model (a partition the plan drops is still
/// attached when expand runs; one it adds is attached before the indexes are made).
fn partitions(ctx: &Ctx, schema: &str, table: &str) -> Vec<(String, String, bool)> {
    let mut out: Vec<(String, String, bool)> = Vec::new();
    let mut add = |db: &Database| {
        for s in &db.schemas {
            for t in &s.tables {
                let of = t.partition_of();
                if of.is_some_and(|of| of.parent_schema == schema && of.parent == table)
                    && !out.iter().any(|(a, b, _)| *a == s.name && *b == t.name)
                {
                    out.push((s.name.clone(), t.name.clone(), t.is_partitioned()));
                }
            }
        }
    };
    add(ctx.to);
    add(ctx.from);
    out
}

/// The name of a partition's copy of `index` (≤ 63 bytes, stable).
fn child_name(partition: &str, index: &str) -> String {
    let name = format!("{partition}_{index}");
    if name.len() <= 63 {
        return name;
    }
    let digest = crate::migrations::Checksum::of(name.as_bytes()).to_string();
    let head: String = partition.chars().take(20).collect();
    format!("{head}_idx_{}", &digest["sha256:".len()..][..32])
}

/// `CREATE INDEX … ON ONLY` `schema.table`, then per partition (recursively for
/// sub-partitioned ones) its own index, built CONCURRENTLY, attached to it.
fn create_index(ctx: &Ctx, schema: &str, table: &str, index: &Index) -> Vec<Step> {
    let on_only = |s: &str, t: &str, i: &Index| -> Vec<SqlStatement> {
        let plain = ctx.sql(&Change::CreateIndex {
            schema: s.into(),
            table: t.into(),
            index: i.clone(),
            online: false,
        });
        let on = format!(" ON {}", qualified(s, t));
        plain
            .into_iter()
            .map(|mut st| {
                st.sql = st
                    .sql
                    .replacen(&on, &format!(" ON ONLY {}", qualified(s, t)), 1);
                st
            })
            .collect()
    };
    let mut first = ctx.step(
        Phase::Expand,
        format!(
            "create {}index {} on partitioned table {schema}.{table} (ON ONLY, then each partition's)",
            if index.unique { "unique " } else { "" },
            index.name
        ),
        "SHARE on the partitioned table only, instant (ON ONLY: nothing is built)",
        on_only(schema, table, index),
        // Dropping the partitioned index drops the partitions' indexes attached to it.
        vec![SqlStatement::new(format!(
            "{NO_CONCURRENT_DROP}\nDROP INDEX IF EXISTS {}",
            qualified(schema, &index.name)
        ))],
    );
    first.hazards.push(format!(
        "{}.{} stays INVALID (unused by queries) until every partition's index is built CONCURRENTLY and attached by the steps that follow",
        schema, index.name
    ));
    let mut steps = vec![first];
    let mut stack = vec![(schema.to_string(), table.to_string(), index.name.clone())];
    while let Some((ps, pt, pidx)) = stack.pop() {
        for (s, t, sub) in partitions(ctx, &ps, &pt) {
            let child = Index {
                name: child_name(&t, &index.name),
                comment: None,
                ..index.clone()
            };
            let attach = SqlStatement::new(format!(
                "ALTER INDEX {} ATTACH PARTITION {}",
                qualified(&ps, &pidx),
                qualified(&s, &child.name)
            ));
            let (summary, lock, mut up) = if sub {
                stack.push((s.clone(), t.clone(), child.name.clone()));
                (
                    format!(
                        "create index {} on sub-partitioned {s}.{t} (ON ONLY) and attach it",
                        child.name
                    ),
                    "SHARE on the sub-partitioned table only, instant",
                    on_only(&s, &t, &child),
                )
            } else {
                (
                    format!(
                        "create index {} on partition {s}.{t} CONCURRENTLY and attach it",
                        child.name
                    ),
                    "SHARE UPDATE EXCLUSIVE (CONCURRENTLY: reads and writes continue)",
                    ctx.sql(&Change::CreateIndex {
                        schema: s.clone(),
                        table: t.clone(),
                        index: child.clone(),
                        online: true,
                    }),
                )
            };
            up.push(attach);
            let mut st = ctx.step(Phase::Expand, summary, lock, up, Vec::new());
            if !sub {
                st.hazards.push(format!(
                    "builds without blocking writes, but scans {s}.{t} twice; a failed build leaves an INVALID index ({}) that must be dropped before retrying",
                    ident(&child.name)
                ));
            }
            steps.push(st);
        }
    }
    steps
}

/// Foreign keys of partitioned tables: Postgres before 18 refuses `ADD … FOREIGN KEY … NOT
/// VALID` on a partitioned table, so the key is added validated (the `VALIDATE` that follows is
/// then a no-op): the step scans the table under a SHARE ROW EXCLUSIVE lock, as a hazard says.
pub(super) fn adjust_steps(from: &Database, to: &Database, steps: &mut [Step]) {
    let mut heads: Vec<String> = Vec::new();
    for db in [from, to] {
        for s in &db.schemas {
            for t in s.tables.iter().filter(|t| t.is_partitioned()) {
                let head = format!(
                    "ALTER TABLE {} ADD CONSTRAINT ",
                    qualified(&s.name, &t.name)
                );
                if !heads.contains(&head) {
                    heads.push(head);
                }
            }
        }
    }
    if heads.is_empty() {
        return;
    }
    let fix = |st: &mut SqlStatement| -> bool {
        let hit = heads.iter().any(|h| st.sql.starts_with(h))
            && st.sql.contains(" FOREIGN KEY (")
            && st.sql.ends_with(" NOT VALID");
        if hit {
            st.sql.truncate(st.sql.len() - " NOT VALID".len());
            st.sql = format!("-- migrator-lint: ignore require-not-valid-foreign-key -- no NOT VALID foreign key on a partitioned table before Postgres 18\n{}", st.sql);
        }
        hit
    };
    for step in steps {
        let mut up = false;
        for st in &mut step.up {
            up |= fix(st);
        }
        for st in &mut step.down {
            fix(st);
        }
        if up {
            step.lock = "SHARE ROW EXCLUSIVE on the partitioned table and the referenced one, while the rows are checked".into();
            step.hazards.push("a foreign key on a partitioned table cannot be added NOT VALID (before Postgres 18): it is checked as it is added, blocking writes to both tables meanwhile".into());
        }
    }
}
