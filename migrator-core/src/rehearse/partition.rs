//! Rows of a partitioned table must land in a partition: without a DEFAULT partition, a value
//! outside every bound is refused ("no partition of relation … found for row"). The values of
//! the key columns are therefore taken from the partitions' bounds, one leaf partition per row
//! in turn (a sub-partition's bound adds its own key columns).

use crate::diff::Change;
use crate::schema::{split_top_level, Database, Table};
use std::collections::{BTreeMap, BTreeSet};

/// The partitioned tables (and their ancestors) of the partitions `changes` add or drop: rows
/// written through them into such a partition are gone once it is dropped (by contract, or by
/// the rollback of its creation).
pub(crate) fn parents_losing_rows(
    changes: &[Change],
    from: &Database,
    to: &Database,
) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for c in changes {
        // MySQL: a partition dropped, or added (the rollback drops it), takes its rows along;
        // so does a rollback to partitions that accept fewer values (LIST values taken back).
        if let Change::AlterPartitioning {
            schema,
            table,
            from: before,
            to: after,
            ..
        } = c
        {
            use crate::diff::mysql_partition::{drops_rows, inverse, widens};
            let narrowed_back = widens(after.as_ref(), before.as_ref()) != Some(true);
            if drops_rows(c) || drops_rows(&inverse(c)) || narrowed_back {
                out.insert((schema.clone(), table.clone()));
            }
            continue;
        }
        let (schema, name) = match c {
            Change::AttachPartition { schema, table, .. }
            | Change::CreateTable { schema, table } => (schema, &table.name),
            Change::DropTable { schema, name } | Change::DetachPartition { schema, name, .. } => {
                (schema, name)
            }
            _ => continue,
        };
        for db in [from, to] {
            let mut cur = db.table(schema, name);
            let mut n = 0;
            while let Some(of) = cur.and_then(Table::partition_of) {
                out.insert((of.parent_schema.clone(), of.parent.clone()));
                cur = db.table(&of.parent_schema, &of.parent);
                n += 1;
                if n > 16 {
                    break;
                }
            }
        }
    }
    out
}

/// For each leaf partition of `schema.table` (a partitioned table) that a value can be named
/// for: key column → SQL literal inside its bounds. Empty when the table is not partitioned, or
/// has a DEFAULT partition (every value lands somewhere), or no bound gives a value (HASH).
pub(crate) fn leaf_values(
    db: &Database,
    schema: &str,
    table: &str,
) -> Vec<BTreeMap<String, String>> {
    if let Some(p) = db
        .table(schema, table)
        .and_then(|t| t.partitioned_by.as_ref())
    {
        return mysql_leaf_values(p);
    }
    let Some(t) = db.table(schema, table).filter(|t| t.is_partitioned()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(db, schema, t, BTreeMap::new(), &mut out, 0);
    out
}

/// MySQL / MariaDB: a value inside each RANGE / LIST partition, for the key parts that are
/// plain columns (`` `at` ``; an expression such as ``year(`at`)`` gives none). A RANGE
/// partition takes the previous partition's upper bound (the lowest value it holds); the first
/// one its own bound minus one when that is a number. A LIST partition takes its first value.
fn mysql_leaf_values(p: &crate::schema::PartitionBy) -> Vec<BTreeMap<String, String>> {
    if p.is_hashed() {
        return Vec::new();
    }
    let columns: Vec<Option<String>> = split_top_level(&p.expression)
        .iter()
        .map(|part| {
            let q = part.trim().strip_prefix('`')?.strip_suffix('`')?;
            Some(q.replace("``", "`"))
        })
        .collect();
    if columns.iter().all(Option::is_none) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut previous: Option<Vec<String>> = None;
    for d in &p.partitions {
        let Some(desc) = d.values.as_deref() else {
            continue;
        };
        let values: Option<Vec<String>> = if p.is_range() {
            let bound = split_top_level(desc);
            let v = match previous.take() {
                Some(prev) if !prev.iter().any(|x| x == "MAXVALUE") => Some(prev),
                Some(_) => None,
                None => bound
                    .iter()
                    .map(|x| x.parse::<i64>().ok().map(|n| (n - 1).to_string()))
                    .collect(),
            };
            previous = Some(bound);
            v
        } else if d.is_list_default() {
            None
        } else {
            // `'de','fr'`, or tuples `(1,'a'),(2,'b')` for several columns.
            split_top_level(desc).first().map(|first| {
                let inner = first
                    .strip_prefix('(')
                    .and_then(|x| x.strip_suffix(')'))
                    .unwrap_or(first);
                split_top_level(inner)
            })
        };
        let Some(values) = values.filter(|v| v.len() == columns.len()) else {
            continue;
        };
        let row: BTreeMap<String, String> = columns
            .iter()
            .zip(values)
            .filter_map(|(c, v)| c.clone().map(|c| (c, v)))
            .collect();
        out.push(row);
    }
    out
}

fn walk(
    db: &Database,
    schema: &str,
    t: &Table,
    acc: BTreeMap<String, String>,
    out: &mut Vec<BTreeMap<String, String>>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let Some(key) = &t.partition else {
        return;
    };
    let columns: Vec<Option<String>> = key.key_parts().iter().map(|k| column_of(k)).collect();
    let method = key.method().unwrap_or_default().to_string();
    let mut any = false;
    for s in &db.schemas {
        for p in &s.tables {
            let Some(of) = p.partition_of() else { continue };
            if of.parent_schema != schema || of.parent != t.name {
                continue;
            }
            if of.is_default() {
                // A row that matches no bound lands here: the leaves' values suffice.
                continue;
            }
            let Some(values) = bound_values(&method, &of.bound) else {
                continue;
            };
            let mut next = acc.clone();
            for (c, v) in columns.iter().zip(values) {
                if let (Some(c), Some(v)) = (c, v) {
                    next.insert(c.clone(), v);
                }
            }
            any = true;
            if p.is_partitioned() {
                walk(db, &s.name, p, next, out, depth + 1);
            } else {
                out.push(next);
            }
        }
    }
    let _ = any;
}

/// The column a key part names (`at`, `"Created At"`), or `None` for an expression.
fn column_of(part: &str) -> Option<String> {
    let p = part.trim();
    if let Some(q) = p.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        return Some(q.replace("\"\"", "\""));
    }
    p.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then(|| p.to_string())
}

/// One value per key part inside the bound (`None` where the bound does not give one).
fn bound_values(method: &str, bound: &str) -> Option<Vec<Option<String>>> {
    let rest = bound.strip_prefix("FOR VALUES ")?;
    let inside = |s: &str| -> Option<Vec<String>> {
        let s = s.trim().strip_prefix('(')?.strip_suffix(')')?;
        Some(split_top_level(s))
    };
    match method {
        "RANGE" => {
            let range = rest.strip_prefix("FROM ")?;
            let (lo, _) = range.split_once(") TO (")?;
            let lo = inside(&format!("{lo})"))?;
            // The lower bound is inclusive; MINVALUE / MAXVALUE name no value.
            Some(
                lo.into_iter()
                    .map(|v| (v != "MINVALUE" && v != "MAXVALUE").then_some(v))
                    .collect(),
            )
        }
        "LIST" => {
            let list = inside(rest.strip_prefix("IN ")?)?;
            Some(vec![list.into_iter().find(|v| v != "NULL")])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_give_values_inside_them() {
        assert_eq!(
            bound_values("RANGE", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
            Some(vec![Some("'2024-01-01'".into())])
        );
        assert_eq!(
            bound_values("RANGE", "FOR VALUES FROM (MINVALUE, 1) TO (5, 2)"),
            Some(vec![None, Some("1".into())])
        );
        assert_eq!(
            bound_values("LIST", "FOR VALUES IN (NULL, 'eu')"),
            Some(vec![Some("'eu'".into())])
        );
        assert_eq!(
            bound_values("HASH", "FOR VALUES WITH (modulus 2, remainder 0)"),
            None
        );
        assert_eq!(column_of("\"Created At\"").as_deref(), Some("Created At"));
        assert_eq!(column_of("lower((name)::text)"), None);
    }
}
