//! MySQL / MariaDB partitioning ([`PartitionBy`]): how one table's partitions go from the live
//! scheme to the declared one.
//!
//! A difference becomes one or two [`Change::AlterPartitioning`], each between two schemes
//! that one `ALTER TABLE` turns into each other ([`PartitionStep`]):
//! 1. partitions whose names the declared scheme no longer has are dropped (their rows go with
//!    them: a data loss, planned in contract);
//! 2. then partitions are added (RANGE at the end, LIST anywhere), or the run of partitions
//!    that differ is reorganized into the declared ones (a RANGE partition split, a bound or a
//!    LIST's values changed), or a HASH / KEY table's partition count changes;
//! 3. a new method, expression or subpartitioning, partitioning added or removed, is the whole
//!    table repartitioned (a copy).
//!
//! The planner runs each in the phase its effect on the values the table accepts allows
//! ([`widens`]); the inverse of a change is the same change with `from` and `to` swapped, and
//! `keep_rows` set: a rollback merges a RANGE partition it takes away into the next one
//! instead of dropping its rows (the way back from a split `MAXVALUE` partition).

use super::Change;
use crate::schema::{split_top_level, PartitionBy, PartitionDef, Table};
use std::cmp::Ordering;

/// What one `ALTER TABLE` does to go from one scheme to the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionStep {
    /// `ADD PARTITION (…)`.
    Add(Vec<PartitionDef>),
    /// `DROP PARTITION …`: the rows in them are deleted.
    Drop(Vec<String>),
    /// `REORGANIZE PARTITION from INTO (into)`: the rows of `from` are copied into `into`.
    Reorganize {
        from: Vec<String>,
        into: Vec<PartitionDef>,
    },
    /// A HASH / KEY table's number of partitions: `ADD PARTITION PARTITIONS n` or
    /// `COALESCE PARTITION n` (every row is redistributed).
    Count { from: usize, to: usize },
    /// `PARTITION BY …` or `REMOVE PARTITIONING`: the table is copied.
    Repartition,
}

/// The changes turning the partitioning of `old` into that of `new` (same table).
pub(crate) fn diff(schema: &str, old: &Table, new: &Table) -> Vec<Change> {
    let (from, to) = (&old.partitioned_by, &new.partitioned_by);
    if from == to {
        return Vec::new();
    }
    let change = |from: &Option<PartitionBy>, to: &Option<PartitionBy>| Change::AlterPartitioning {
        schema: schema.to_string(),
        table: new.name.clone(),
        from: from.clone(),
        to: to.clone(),
        keep_rows: false,
    };
    let (Some(f), Some(t)) = (from, to) else {
        return vec![change(from, to)];
    };
    if !same_scheme(f, t) || f.is_hashed() {
        return vec![change(from, to)];
    }
    // Drops first (by name), then whatever else differs.
    let mut mid = f.clone();
    mid.partitions
        .retain(|p| t.partitions.iter().any(|q| q.name == p.name));
    let mut out = Vec::new();
    let mid = Some(mid);
    if mid != *from {
        out.push(change(from, &mid));
    }
    if mid != *to {
        out.push(change(&mid, to));
    }
    out
}

fn same_scheme(a: &PartitionBy, b: &PartitionBy) -> bool {
    a.method == b.method && a.expression == b.expression && a.sub == b.sub
}

/// The step of an [`Change::AlterPartitioning`] (`None` for any other change).
pub fn step_of(c: &Change) -> Option<PartitionStep> {
    match c {
        Change::AlterPartitioning {
            from,
            to,
            keep_rows,
            ..
        } => Some(step(from.as_ref(), to.as_ref(), *keep_rows)),
        _ => None,
    }
}

/// Whether `c` drops partitions, and the rows in them.
pub fn drops_rows(c: &Change) -> bool {
    matches!(step_of(c), Some(PartitionStep::Drop(_)))
}

/// The change undoing `c` (an [`Change::AlterPartitioning`]): the schemes swapped, rows kept
/// where a merge can keep them.
pub fn inverse(c: &Change) -> Change {
    match c {
        Change::AlterPartitioning {
            schema,
            table,
            from,
            to,
            ..
        } => Change::AlterPartitioning {
            schema: schema.clone(),
            table: table.clone(),
            from: to.clone(),
            to: from.clone(),
            keep_rows: true,
        },
        other => other.clone(),
    }
}

/// The statement's kind for going from `from` to `to`. Partitions `to` no longer names are
/// dropped with their rows, unless `keep_rows` and they are RANGE partitions followed by one
/// that stays: then they are merged into it.
pub fn step(
    from: Option<&PartitionBy>,
    to: Option<&PartitionBy>,
    keep_rows: bool,
) -> PartitionStep {
    let (Some(f), Some(t)) = (from, to) else {
        return PartitionStep::Repartition;
    };
    if !same_scheme(f, t) {
        return PartitionStep::Repartition;
    }
    if f.is_hashed() {
        let (short, long) = if f.partitions.len() <= t.partitions.len() {
            (f, t)
        } else {
            (t, f)
        };
        if short.partitions.len() != long.partitions.len()
            && long.partitions.starts_with(&short.partitions)
        {
            return PartitionStep::Count {
                from: f.partitions.len(),
                to: t.partitions.len(),
            };
        }
        return PartitionStep::Repartition;
    }
    let dropped: Vec<String> = f
        .partitions
        .iter()
        .filter(|p| !t.partitions.iter().any(|q| q.name == p.name))
        .map(|p| p.name.clone())
        .collect();
    let at_end = f.is_range()
        && f.partitions
            .iter()
            .rev()
            .take(dropped.len())
            .all(|p| dropped.contains(&p.name));
    if !dropped.is_empty() && (!keep_rows || !f.is_range() || at_end) {
        let kept = f.partitions.iter().filter(|p| !dropped.contains(&p.name));
        if kept.eq(t.partitions.iter()) {
            return PartitionStep::Drop(dropped);
        }
    }
    if f.is_list() {
        let changed: Vec<&PartitionDef> = f
            .partitions
            .iter()
            .filter(|p| !t.partitions.contains(p))
            .collect();
        let added: Vec<PartitionDef> = t
            .partitions
            .iter()
            .filter(|q| !f.partitions.iter().any(|p| p.name == q.name))
            .cloned()
            .collect();
        if changed.is_empty() {
            return PartitionStep::Add(added);
        }
        let mut into: Vec<PartitionDef> = t
            .partitions
            .iter()
            .filter(|q| changed.iter().any(|p| p.name == q.name))
            .cloned()
            .collect();
        into.extend(added);
        return PartitionStep::Reorganize {
            from: changed.iter().map(|p| p.name.clone()).collect(),
            into,
        };
    }
    // RANGE: the common head and tail stay; what is between them in `from` becomes what is
    // between them in `to`.
    let (a, b) = (&f.partitions, &t.partitions);
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let mut tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    // A reorganized run of RANGE partitions keeps its upper bound unless it ends the table
    // (ER_REORG_OUTSIDE_RANGE): a bound that moves up takes in the partitions after it.
    let last = |run: &[PartitionDef]| run.last().map(|p| p.values.clone());
    while tail > 0 {
        let (old, new) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
        if old.is_empty() || new.is_empty() || last(old) == last(new) {
            break;
        }
        tail -= 1;
    }
    let (old, new) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    if old.is_empty() && tail == 0 {
        return PartitionStep::Add(new.to_vec());
    }
    if new.is_empty() && tail > 0 {
        // Partitions taken away before one that stays: merged into it (rows kept).
        let next = &b[head];
        let mut from: Vec<String> = old.iter().map(|p| p.name.clone()).collect();
        from.push(next.name.clone());
        return PartitionStep::Reorganize {
            from,
            into: vec![next.clone()],
        };
    }
    if old.is_empty() {
        // New partitions before an existing one: split it (its upper bound stays).
        let next = &a[head];
        let mut into = new.to_vec();
        into.push(next.clone());
        return PartitionStep::Reorganize {
            from: vec![next.name.clone()],
            into,
        };
    }
    PartitionStep::Reorganize {
        from: old.iter().map(|p| p.name.clone()).collect(),
        into: new.to_vec(),
    }
}

/// Whether partitions `parts`, added to `p`, leave its partitions as they are: a RANGE table's
/// new bounds lie above its last one, a LIST table's new values are not among its values.
pub fn disjoint_values(p: &PartitionBy, parts: &[PartitionDef]) -> bool {
    let values = |d: &PartitionDef| split_top_level(d.values.as_deref().unwrap_or(""));
    if p.is_range() {
        let last = p.partitions.last().and_then(|d| d.values.clone());
        let first = parts.first().and_then(|d| d.values.clone());
        return match (last, first) {
            (Some(a), Some(b)) => compare_bounds(&a, &b) == Some(Ordering::Less),
            (None, _) => true,
            _ => false,
        };
    }
    p.is_list()
        && !parts.iter().any(|n| {
            values(n)
                .iter()
                .any(|v| p.partitions.iter().any(|d| values(d).contains(v)))
        })
}

/// Whether every row `from` accepts, `to` accepts too (`None`: not partitioned, every row).
/// `None` when that cannot be told from the printed values.
pub fn widens(from: Option<&PartitionBy>, to: Option<&PartitionBy>) -> Option<bool> {
    let Some(t) = to else {
        return Some(true);
    };
    if t.covers_every_value() {
        return Some(true);
    }
    let Some(f) = from else {
        return Some(false);
    };
    if f.covers_every_value() || !same_scheme(f, t) {
        return Some(false);
    }
    if t.is_list() {
        let values = |p: &PartitionBy| -> Vec<String> {
            p.partitions
                .iter()
                .flat_map(|d| split_top_level(d.values.as_deref().unwrap_or("")))
                .collect()
        };
        let new = values(t);
        return Some(values(f).iter().all(|v| new.contains(v)));
    }
    // RANGE: the last upper bound (the lowest partition takes every value below its bound).
    let last = |p: &PartitionBy| p.partitions.last().and_then(|d| d.values.clone());
    match (last(f), last(t)) {
        (Some(a), Some(b)) => compare_bounds(&a, &b).map(|o| o != Ordering::Greater),
        _ => None,
    }
}

/// Orders two RANGE upper bounds (`2025`, `'2024-01-01',5`, `MAXVALUE`) column by column:
/// numbers as numbers, quoted strings as written (ISO dates order that way).
fn compare_bounds(a: &str, b: &str) -> Option<Ordering> {
    let (xs, ys) = (split_top_level(a), split_top_level(b));
    if xs.len() != ys.len() {
        return None;
    }
    for (x, y) in xs.iter().zip(&ys) {
        let o = match (x.as_str(), y.as_str()) {
            (x, y) if x == y => Ordering::Equal,
            ("MAXVALUE", _) => Ordering::Greater,
            (_, "MAXVALUE") => Ordering::Less,
            (x, y) => match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(p), Ok(q)) => p.partial_cmp(&q)?,
                _ if x.starts_with('\'') && y.starts_with('\'') => x.cmp(y),
                _ => return None,
            },
        };
        if o != Ordering::Equal {
            return Some(o);
        }
    }
    Some(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(parts: &[(&str, &str)]) -> PartitionBy {
        PartitionBy {
            method: "RANGE".into(),
            expression: "year(`d`)".into(),
            partitions: parts
                .iter()
                .map(|(n, v)| PartitionDef {
                    values: Some(v.to_string()),
                    ..PartitionDef::named(*n)
                })
                .collect(),
            sub: None,
        }
    }

    fn table(p: Option<PartitionBy>) -> Table {
        Table {
            partitioned_by: p,
            ..Table::new("t")
        }
    }

    #[test]
    fn a_rolling_window_drops_the_oldest_partition_and_adds_the_next() {
        let a = range(&[("p2023", "2024"), ("p2024", "2025"), ("p2025", "2026")]);
        let b = range(&[("p2024", "2025"), ("p2025", "2026"), ("p2026", "2027")]);
        let changes = diff("s", &table(Some(a.clone())), &table(Some(b.clone())));
        let steps: Vec<PartitionStep> = changes
            .iter()
            .map(|c| match c {
                Change::AlterPartitioning { .. } => step_of(c).unwrap(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0], PartitionStep::Drop(vec!["p2023".into()]));
        assert!(matches!(&steps[1], PartitionStep::Add(v) if v.len() == 1 && v[0].name == "p2026"));
        // The way back: p2026 dropped, p2023 split off the front of p2024.
        let back = diff("s", &table(Some(b)), &table(Some(a)));
        assert!(matches!(step_of(&back[1]).unwrap(),
            PartitionStep::Reorganize { from, into } if from == ["p2024"] && into.len() == 2));
    }

    #[test]
    fn a_rollback_merges_a_split_partition_back_and_keeps_its_rows() {
        let a = range(&[("p2024", "2025"), ("pmax", "MAXVALUE")]);
        let b = range(&[("p2024", "2025"), ("p2025", "2026"), ("pmax", "MAXVALUE")]);
        let forward = diff("s", &table(Some(a)), &table(Some(b)));
        assert_eq!(forward.len(), 1);
        assert!(matches!(step_of(&inverse(&forward[0])).unwrap(),
            PartitionStep::Reorganize { from, into } if from == ["p2025", "pmax"] && into.len() == 1));
        // Declared away (not a rollback), the same partition is dropped with its rows.
        let (b2, a2) = (
            range(&[("p2024", "2025"), ("p2025", "2026"), ("pmax", "MAXVALUE")]),
            range(&[("p2024", "2025"), ("pmax", "MAXVALUE")]),
        );
        assert_eq!(
            step(Some(&b2), Some(&a2), false),
            PartitionStep::Drop(vec!["p2025".into()])
        );
        // At the end there is nothing to merge into: dropped either way.
        let c = range(&[("p2024", "2025")]);
        assert_eq!(
            step(Some(&a2), Some(&c), true),
            PartitionStep::Drop(vec!["pmax".into()])
        );
    }

    #[test]
    fn splitting_the_maxvalue_partition_reorganizes_it_and_widens_nothing() {
        let a = range(&[("p2024", "2025"), ("pmax", "MAXVALUE")]);
        let b = range(&[("p2024", "2025"), ("p2025", "2026"), ("pmax", "MAXVALUE")]);
        assert!(matches!(step(Some(&a), Some(&b), false),
            PartitionStep::Reorganize { from, into } if from == ["pmax"] && into.len() == 2));
        assert_eq!(widens(Some(&a), Some(&b)), Some(true));
        assert_eq!(widens(Some(&b), Some(&a)), Some(true));
    }

    #[test]
    fn range_bounds_order_numbers_strings_and_maxvalue() {
        let a = range(&[("p", "2025")]);
        let b = range(&[("p", "2026")]);
        assert_eq!(widens(Some(&a), Some(&b)), Some(true));
        assert_eq!(widens(Some(&b), Some(&a)), Some(false));
        assert_eq!(
            compare_bounds("'2024-01-01',5", "'2024-01-01',MAXVALUE"),
            Some(Ordering::Less)
        );
        assert_eq!(compare_bounds("'b'", "7"), None);
        assert_eq!(widens(None, Some(&a)), Some(false));
        assert_eq!(widens(Some(&a), None), Some(true));
    }

    #[test]
    fn list_values_added_widen_and_removed_narrow() {
        let list = |parts: &[(&str, &str)]| PartitionBy {
            method: "LIST COLUMNS".into(),
            expression: "`r`".into(),
            ..range(parts)
        };
        let a = list(&[("eu", "'de','fr'"), ("us", "'us'")]);
        let b = list(&[("apac", "'jp'"), ("eu", "'de','fr','it'"), ("us", "'us'")]);
        assert!(matches!(step(Some(&a), Some(&b), false),
            PartitionStep::Reorganize { from, into } if from == ["eu"] && into.len() == 2));
        assert_eq!(widens(Some(&a), Some(&b)), Some(true));
        assert_eq!(widens(Some(&b), Some(&a)), Some(false));
    }

    #[test]
    fn a_moved_bound_takes_in_the_partitions_up_to_an_unchanged_one() {
        let from = range(&[("p0", "100"), ("p1", "180"), ("p2", "300"), ("p3", "400")]);
        let to = range(&[("p0", "100"), ("p1", "200"), ("p2", "300"), ("p3", "400")]);
        assert_eq!(
            step(Some(&from), Some(&to), false),
            PartitionStep::Reorganize {
                from: vec!["p1".into(), "p2".into()],
                into: to.partitions[1..3].to_vec(),
            }
        );
        // The last partition may extend the table's range by itself.
        let to = range(&[("p0", "100"), ("p1", "180"), ("p2", "300"), ("p3", "500")]);
        assert_eq!(
            step(Some(&from), Some(&to), false),
            PartitionStep::Reorganize {
                from: vec!["p3".into()],
                into: to.partitions[3..].to_vec(),
            }
        );
    }

    #[test]
    fn a_hash_table_changes_its_count_or_is_repartitioned() {
        let hash = |n: usize| PartitionBy {
            method: "HASH".into(),
            expression: "`id`".into(),
            partitions: (0..n)
                .map(|i| PartitionDef::named(format!("p{i}")))
                .collect(),
            sub: None,
        };
        assert_eq!(
            step(Some(&hash(4)), Some(&hash(6)), false),
            PartitionStep::Count { from: 4, to: 6 }
        );
        assert_eq!(
            step(Some(&hash(6)), Some(&hash(2)), false),
            PartitionStep::Count { from: 6, to: 2 }
        );
        let mut key = hash(4);
        key.method = "KEY".into();
        assert_eq!(
            step(Some(&hash(4)), Some(&key), false),
            PartitionStep::Repartition
        );
        assert_eq!(step(None, Some(&key), false), PartitionStep::Repartition);
    }
}
