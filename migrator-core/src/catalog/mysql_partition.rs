//! MySQL / MariaDB partitioning: `information_schema.PARTITIONS` read into each table's
//! [`PartitionBy`].
//!
//! Both servers print the expression and the values the way they store them (``year(`d`)``,
//! MariaDB `` `id` MOD 7`` where MySQL prints ``(`id` % 7)``); a declared schema is loaded on the
//! same server as the one it is compared with, so the printed forms compare equal.

use super::mysql_row::text;
use crate::schema::{PartitionBy, PartitionDef};
use mysql_async::Row;
use std::collections::BTreeMap;

/// The query (`{filter:COLUMN}` as in `catalog/mysql.rs`): one row per partition, or per
/// subpartition, in order.
pub(super) const QUERY: &str =
    "SELECT TABLE_SCHEMA, TABLE_NAME, PARTITION_NAME, SUBPARTITION_NAME, \
        PARTITION_METHOD, PARTITION_EXPRESSION, SUBPARTITION_METHOD, SUBPARTITION_EXPRESSION, \
        PARTITION_DESCRIPTION, PARTITION_COMMENT \
 FROM information_schema.PARTITIONS \
 WHERE {filter:TABLE_SCHEMA} AND PARTITION_NAME IS NOT NULL \
 ORDER BY TABLE_SCHEMA, TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION";

/// The partitioned tables of `rows`, by `(schema, table)`.
pub(super) fn build(rows: &[Row]) -> BTreeMap<(String, String), PartitionBy> {
    let mut out: BTreeMap<(String, String), PartitionBy> = BTreeMap::new();
    for row in rows {
        let key = (
            text(row, 0).unwrap_or_default(),
            text(row, 1).unwrap_or_default(),
        );
        let name = text(row, 2).unwrap_or_default();
        let scheme = out.entry(key).or_insert_with(|| PartitionBy {
            method: text(row, 4).unwrap_or_default().to_ascii_uppercase(),
            // MySQL prints NULL for `KEY ()`, MariaDB an empty string.
            expression: text(row, 5).unwrap_or_default(),
            partitions: Vec::new(),
            sub: text(row, 6).map(|m| (m.to_ascii_uppercase(), text(row, 7).unwrap_or_default())),
        });
        if scheme.partitions.last().map(|p| &p.name) != Some(&name) {
            scheme.partitions.push(PartitionDef {
                name,
                values: text(row, 8),
                comment: text(row, 9).filter(|c| !c.is_empty()),
                subpartitions: Vec::new(),
            });
        }
        if let (Some(sub), Some(p)) = (text(row, 3), scheme.partitions.last_mut()) {
            p.subpartitions.push(sub);
        }
    }
    for scheme in out.values_mut() {
        if scheme.is_list() {
            scheme.partitions.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
    out
}
