//! MySQL / MariaDB SQL for partitioning (called by `render/mysql.rs`): the `PARTITION BY`
//! clause of `CREATE TABLE` and the `ALTER TABLE` of each [`PartitionStep`].

use crate::diff::mysql_partition::{step_of, PartitionStep};
use crate::diff::Change;
use crate::flavor::MysqlFlavor;
use crate::render::SqlStatement;
use crate::schema::{PartitionBy, PartitionDef};
use crate::Dialect;
use std::collections::BTreeMap;

fn ident(name: &str) -> String {
    Dialect::Mysql.ident(name)
}

/// `PARTITION BY RANGE (year(`d`)) (PARTITION `p0` VALUES LESS THAN (2024), …)`.
pub(crate) fn clause(p: &PartitionBy) -> String {
    let mut sql = format!("PARTITION BY {}", method(&p.method, &p.expression));
    if let Some((m, e)) = &p.sub {
        sql.push_str(&format!(" SUBPARTITION BY {}", method(m, e)));
    }
    let parts: Vec<String> = p.partitions.iter().map(|d| definition(p, d)).collect();
    sql.push_str(&format!(" ({})", parts.join(", ")));
    sql
}

/// `RANGE COLUMNS(`d`)`, `LINEAR HASH (`id` MOD 7)`, `KEY ()`.
fn method(method: &str, expression: &str) -> String {
    if method.ends_with("COLUMNS") {
        format!("{method}({expression})")
    } else {
        format!("{method} ({expression})")
    }
}

/// `PARTITION `p` VALUES LESS THAN (…) COMMENT '…' MAX_ROWS = … (SUBPARTITION `s0` …, …)`.
fn definition(p: &PartitionBy, d: &PartitionDef) -> String {
    let mut sql = format!("PARTITION {}", ident(&d.name));
    match d.values.as_deref() {
        _ if p.is_list() && d.is_list_default() => sql.push_str(" DEFAULT"),
        Some("MAXVALUE") => sql.push_str(" VALUES LESS THAN MAXVALUE"),
        Some(v) if p.is_range() => sql.push_str(&format!(" VALUES LESS THAN ({v})")),
        Some(v) if p.is_list() => sql.push_str(&format!(" VALUES IN ({v})")),
        _ => {}
    }
    if let Some(c) = &d.comment {
        sql.push_str(&format!(" COMMENT = {}", Dialect::Mysql.literal(c)));
    }
    sql.push_str(&options(&d.options));
    if !d.subpartitions.is_empty() {
        let subs: Vec<String> = d
            .subpartitions
            .iter()
            .map(|s| format!("SUBPARTITION {}{}", ident(&s.name), options(&s.options)))
            .collect();
        sql.push_str(&format!(" ({})", subs.join(", ")));
    }
    sql
}

/// ` MAX_ROWS = 100 DATA DIRECTORY = '/srv/cold'`: the values as the inspector read them,
/// which are SQL as `SHOW CREATE TABLE` printed it.
fn options(options: &BTreeMap<String, String>) -> String {
    options.iter().map(|(k, v)| format!(" {k} = {v}")).collect()
}

/// The `ALTER TABLE` going from `from` to `to`. MySQL takes `ALGORITHM` / `LOCK` before a
/// partition operation (adding and dropping a RANGE / LIST partition allow writes, the others
/// copy rows under a shared lock, a repartition copies the table); MariaDB refuses both there
/// (ER_ALTER_OPERATION_NOT_SUPPORTED_REASON_PARTITION) and is given none.
pub(crate) fn alter(flavor: &MysqlFlavor, change: &Change) -> Vec<SqlStatement> {
    let (Change::AlterPartitioning { table, to, .. }, Some(st)) = (change, step_of(change)) else {
        return vec![];
    };
    let to = to.as_ref();
    let (locks, operation) = match (&st, to) {
        (PartitionStep::Add(parts), Some(t)) => (
            "ALGORITHM=INPLACE, LOCK=NONE,",
            format!("ADD PARTITION ({})", list(t, parts)),
        ),
        (PartitionStep::Drop(names), _) => (
            "ALGORITHM=INPLACE, LOCK=NONE,",
            format!(
                "DROP PARTITION {}",
                names
                    .iter()
                    .map(|n| ident(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        (PartitionStep::Reorganize { from, into }, Some(t)) => (
            "ALGORITHM=INPLACE, LOCK=SHARED,",
            format!(
                "REORGANIZE PARTITION {} INTO ({})",
                from.iter().map(|n| ident(n)).collect::<Vec<_>>().join(", "),
                list(t, into)
            ),
        ),
        (PartitionStep::Count { from, to }, _) if to > from => (
            "ALGORITHM=INPLACE, LOCK=SHARED,",
            format!("ADD PARTITION PARTITIONS {}", to - from),
        ),
        (PartitionStep::Count { from, to }, _) => (
            "ALGORITHM=INPLACE, LOCK=SHARED,",
            format!("COALESCE PARTITION {}", from - to),
        ),
        (_, Some(t)) => ("ALGORITHM=COPY, LOCK=SHARED", clause(t)),
        (_, None) => (
            "ALGORITHM=COPY, LOCK=SHARED",
            "REMOVE PARTITIONING".to_string(),
        ),
    };
    let locks = if flavor.partition_operations_take_locks() {
        format!("{locks} ")
    } else {
        String::new()
    };
    vec![SqlStatement::new(format!(
        "ALTER TABLE {} {locks}{operation}",
        ident(table)
    ))]
}

fn list(p: &PartitionBy, parts: &[PartitionDef]) -> String {
    parts
        .iter()
        .map(|d| definition(p, d))
        .collect::<Vec<_>>()
        .join(", ")
}
