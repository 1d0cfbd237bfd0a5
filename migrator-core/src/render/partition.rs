//! Postgres declarative partitioning: the `PARTITION BY` / `PARTITION OF` clauses of
//! `CREATE TABLE`, the online attach of a new partition, and `DETACH PARTITION`. Quotes through
//! [`Dialect`] (`render/postgres` calls this module: no import circle); column and constraint
//! clauses come rendered from there.

use super::SqlStatement;
use crate::schema::{Partitioning, Table};
use crate::Dialect;

fn ident(name: &str) -> String {
    Dialect::Postgres.ident(name)
}

fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// The head of `CREATE TABLE` for `t`: `CREATE TABLE s.p PARTITION OF s.parent (constraints)
/// FOR VALUES …` for a partition (its columns are the parent's: `lines` holds only its own
/// constraints), else `CREATE [UNLOGGED] TABLE s.t (lines)`; then ` PARTITION BY …` for a
/// partitioned table.
pub(super) fn create_head(schema: &str, t: &Table, unlogged: bool, lines: &[String]) -> String {
    let mut sql = match t.partition_of() {
        Some(of) => {
            let own = if lines.is_empty() {
                String::new()
            } else {
                format!(" (\n    {}\n)", lines.join(",\n    "))
            };
            format!(
                "CREATE {}TABLE {} PARTITION OF {}{own} {}",
                if unlogged { "UNLOGGED " } else { "" },
                qualified(schema, &t.name),
                qualified(&of.parent_schema, &of.parent),
                of.bound
            )
        }
        None => format!(
            "CREATE {}TABLE {} (\n    {}\n)",
            if unlogged { "UNLOGGED " } else { "" },
            qualified(schema, &t.name),
            lines.join(",\n    ")
        ),
    };
    if let Some(key) = t.partition.as_ref().and_then(|p| p.key.as_ref()) {
        sql.push_str(&format!(" PARTITION BY {key}"));
    }
    sql
}

/// The name of the helper check that lets `ATTACH PARTITION` skip its scan (≤ 63 bytes).
fn bound_check_name(table: &str) -> String {
    let mut name = format!("{}bound_{table}", crate::catalog::OWN_OBJECT_PREFIX);
    while name.len() > 63 {
        name.pop();
    }
    name
}

/// A CHECK expression implied by `bound` (`FOR VALUES …` of a partition of `parent`, keyed by
/// `key`), or `None` when there is none worth writing (DEFAULT; a multi-column range with
/// MINVALUE / MAXVALUE).
pub fn bound_check(
    key: &Partitioning,
    parent_schema: &str,
    parent: &str,
    bound: &str,
) -> Option<String> {
    let keys: Vec<String> = key.key_parts().iter().map(|k| format!("({k})")).collect();
    if keys.is_empty() {
        return None;
    }
    let inside = |s: &str| -> Option<Vec<String>> {
        let s = s.trim();
        let s = s.strip_prefix('(')?.strip_suffix(')')?;
        Some(crate::schema::split_top_level(s))
    };
    let not_null = |k: &String| format!("{k} IS NOT NULL");
    let rest = bound.strip_prefix("FOR VALUES ")?;
    if let Some(range) = rest.strip_prefix("FROM ") {
        let (lo, hi) = range.split_once(") TO (")?;
        let (lo, hi) = (inside(&format!("{lo})"))?, inside(&format!("({hi}"))?);
        let mut terms: Vec<String> = keys.iter().map(not_null).collect();
        let open = |v: &String| v == "MINVALUE" || v == "MAXVALUE";
        if keys.len() == 1 {
            if !open(&lo[0]) {
                terms.push(format!("{} >= {}", keys[0], lo[0]));
            }
            if !open(&hi[0]) {
                terms.push(format!("{} < {}", keys[0], hi[0]));
            }
        } else {
            if lo.iter().chain(&hi).any(open) {
                return None;
            }
            let row = format!("ROW({})", keys.join(", "));
            terms.push(format!("{row} >= ROW({})", lo.join(", ")));
            terms.push(format!("{row} < ROW({})", hi.join(", ")));
        }
        return Some(terms.join(" AND "));
    }
    if let Some(list) = rest.strip_prefix("IN ") {
        let values = inside(list)?;
        let k = &keys[0];
        let (nulls, values): (Vec<String>, Vec<String>) =
            values.into_iter().partition(|v| v == "NULL");
        let within = (!values.is_empty()).then(|| format!("{k} IN ({})", values.join(", ")));
        return Some(match (nulls.is_empty(), within) {
            (true, Some(w)) => format!("{k} IS NOT NULL AND {w}"),
            (false, Some(w)) => format!("({k} IS NULL OR {w})"),
            (_, None) => format!("{k} IS NULL"),
        });
    }
    if let Some(hash) = rest.strip_prefix("WITH ") {
        let parts = inside(hash)?;
        let num = |p: &str| -> Option<u64> {
            parts
                .iter()
                .find_map(|x| x.strip_prefix(p).map(str::trim))?
                .parse()
                .ok()
        };
        let (modulus, remainder) = (num("modulus")?, num("remainder")?);
        return Some(format!(
            "satisfies_hash_partition({}::regclass, {modulus}, {remainder}, {})",
            Dialect::Postgres.literal(&qualified(parent_schema, parent)),
            keys.join(", ")
        ));
    }
    None
}

/// A new partition `table` of the existing `parent`, attached online: created as a plain table
/// (`lines`: the parent's columns and checks, and the partition's own constraints), given a
/// CHECK matching its bound (NOT VALID, then validated: the table is new, so both are
/// instant), attached (SHARE UPDATE EXCLUSIVE on the parent: its readers and writers go on;
/// the CHECK spares the attach its scan of the partition), and the CHECK dropped.
pub(super) fn attach(
    schema: &str,
    table: &Table,
    parent: &Table,
    lines: &[String],
) -> Vec<SqlStatement> {
    let Some(of) = table.partition_of() else {
        return Vec::new();
    };
    let mut plain = table.clone();
    plain.partition = table.partition.as_ref().map(|p| Partitioning {
        key: p.key.clone(),
        of: None,
    });
    let me = qualified(schema, &table.name);
    let mut out = vec![SqlStatement::new(create_head(schema, &plain, false, lines))];
    let check = parent
        .partition
        .as_ref()
        .filter(|_| !plain.is_partitioned())
        .and_then(|key| bound_check(key, &of.parent_schema, &of.parent, &of.bound));
    let name = ident(&bound_check_name(&table.name));
    if let Some(expr) = &check {
        out.push(SqlStatement::new(format!(
            "ALTER TABLE {me} ADD CONSTRAINT {name} CHECK ({expr}) NOT VALID"
        )));
        out.push(SqlStatement::new(format!(
            "ALTER TABLE {me} VALIDATE CONSTRAINT {name}"
        )));
    }
    out.push(SqlStatement::new(format!(
        "ALTER TABLE {} ATTACH PARTITION {me} {}",
        qualified(&of.parent_schema, &of.parent),
        of.bound
    )));
    if check.is_some() {
        out.push(SqlStatement::new(format!(
            "ALTER TABLE {me} DROP CONSTRAINT {name}"
        )));
    }
    out
}

/// `ALTER TABLE parent DETACH PARTITION p [CONCURRENTLY]` (CONCURRENTLY cannot run in a
/// transaction block).
pub(super) fn detach(
    schema: &str,
    name: &str,
    parent_schema: &str,
    parent: &str,
    concurrently: bool,
) -> Vec<SqlStatement> {
    let sql = format!(
        "ALTER TABLE {} DETACH PARTITION {}",
        qualified(parent_schema, parent),
        qualified(schema, name)
    );
    vec![if concurrently {
        SqlStatement::outside_transaction(format!("{sql} CONCURRENTLY"))
    } else {
        SqlStatement::new(sql)
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Partitioning {
        Partitioning {
            key: Some(k.into()),
            of: None,
        }
    }

    #[test]
    fn bound_checks_match_each_kind_of_bound() {
        let b = |k: &str, bound: &str| bound_check(&key(k), "s", "t", bound);
        assert_eq!(
            b(
                "RANGE (at)",
                "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
            )
            .as_deref(),
            Some("(at) IS NOT NULL AND (at) >= '2024-01-01' AND (at) < '2025-01-01'")
        );
        assert_eq!(
            b("RANGE (at)", "FOR VALUES FROM (MINVALUE) TO (10)").as_deref(),
            Some("(at) IS NOT NULL AND (at) < 10")
        );
        assert_eq!(
            b("RANGE (a, b)", "FOR VALUES FROM (1, 2) TO (3, 4)").as_deref(),
            Some("(a) IS NOT NULL AND (b) IS NOT NULL AND ROW((a), (b)) >= ROW(1, 2) AND ROW((a), (b)) < ROW(3, 4)")
        );
        assert_eq!(
            b("RANGE (a, b)", "FOR VALUES FROM (1, MINVALUE) TO (3, 4)"),
            None
        );
        assert_eq!(
            b("LIST (region)", "FOR VALUES IN ('eu', 'us')").as_deref(),
            Some("(region) IS NOT NULL AND (region) IN ('eu', 'us')")
        );
        assert_eq!(
            b("LIST (region)", "FOR VALUES IN (NULL, 'eu')").as_deref(),
            Some("((region) IS NULL OR (region) IN ('eu'))")
        );
        assert_eq!(
            b("HASH (id)", "FOR VALUES WITH (modulus 4, remainder 1)").as_deref(),
            Some("satisfies_hash_partition('\"s\".\"t\"'::regclass, 4, 1, (id))")
        );
        assert_eq!(b("LIST (region)", "DEFAULT"), None);
    }
}
