//! Partitioning. Postgres (declarative): what makes a [`Table`](super::Table) a partitioned
//! table, a partition, or both (a sub-partitioned partition). MySQL / MariaDB: the
//! [`PartitionBy`] of a table, whose partitions are part of it rather than tables of their own.
//!
//! A partition's columns, and the constraints and indexes it inherits from its parent, are the
//! parent's: the inspector leaves them out of the partition's `Table` (only what was declared on
//! the partition itself is there), so that they are neither reported nor diffed twice.

use serde::Serialize;
use std::collections::BTreeMap;

/// The partitioning side of a table. At least one field is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Partitioning {
    /// A partitioned table's key as `pg_get_partkeydef` prints it: `RANGE (at)`,
    /// `LIST (region)`, `HASH (id)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// A partition: its parent and bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<PartitionOf>,
}

/// `PARTITION OF parent FOR VALUES …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionOf {
    pub parent_schema: String,
    pub parent: String,
    /// As `pg_get_expr(relpartbound)` prints it: `FOR VALUES FROM ('2024-01-01') TO
    /// ('2025-01-01')`, `FOR VALUES IN ('eu', 'us')`, `FOR VALUES WITH (modulus 4, remainder 0)`,
    /// `DEFAULT`.
    pub bound: String,
}

impl PartitionOf {
    pub fn is_default(&self) -> bool {
        self.bound == "DEFAULT"
    }
}

impl Partitioning {
    /// The key's method: `RANGE`, `LIST` or `HASH`.
    pub fn method(&self) -> Option<&str> {
        self.key.as_deref().and_then(|k| k.split(' ').next())
    }

    /// The key's columns or expressions, as printed inside the parentheses, split at top-level
    /// commas.
    pub fn key_parts(&self) -> Vec<String> {
        let Some(key) = &self.key else {
            return Vec::new();
        };
        let inner = key
            .find('(')
            .and_then(|i| key.rfind(')').map(|j| &key[i + 1..j]))
            .unwrap_or("");
        split_top_level(inner)
    }
}

/// MySQL / MariaDB partitioning of a table, as `information_schema.PARTITIONS` describes it
/// (expressions and values as the server prints them, so that a declared schema loaded on the
/// same server compares equal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionBy {
    /// `RANGE`, `RANGE COLUMNS`, `LIST`, `LIST COLUMNS`, `HASH`, `LINEAR HASH`, `KEY`,
    /// `LINEAR KEY`; a KEY method's `ALGORITHM = 1` (MySQL 5.1's key hashing) follows it:
    /// `KEY ALGORITHM = 1`. The default, 2, is left out, as the server leaves it out.
    pub method: String,
    /// The expression or column list: ``year(`d`)``, `` `d`,`a` ``; empty for `KEY ()` (the
    /// primary key).
    pub expression: String,
    /// In partition order (`PARTITION_ORDINAL_POSITION`); for `LIST` sorted by name, since the
    /// order of list partitions means nothing and `ADD PARTITION` appends.
    pub partitions: Vec<PartitionDef>,
    /// `SUBPARTITION BY` method and expression; the subpartitions are named in each partition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<(String, String)>,
}

/// One partition of a [`PartitionBy`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionDef {
    pub name: String,
    /// `PARTITION_DESCRIPTION`: `2025` / `'2024-01-01',5` / `MAXVALUE` (RANGE: the upper
    /// bound), `'de','fr'` (LIST; MariaDB's `DEFAULT` partition reads `MAXVALUE`); `None` for
    /// HASH and KEY.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The partition's own options but its engine and comment, as `SHOW CREATE TABLE` prints
    /// them: `MAX_ROWS` → `100`, `DATA DIRECTORY` → `'/srv/cold'`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// Subpartitions, in order (empty without subpartitioning).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subpartitions: Vec<SubPartitionDef>,
}

/// One subpartition of a [`PartitionDef`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubPartitionDef {
    pub name: String,
    /// As [`PartitionDef::options`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

impl PartitionDef {
    /// A partition with a name and nothing else.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            values: None,
            comment: None,
            options: BTreeMap::new(),
            subpartitions: Vec::new(),
        }
    }
}

impl PartitionBy {
    /// `RANGE` or `RANGE COLUMNS`.
    pub fn is_range(&self) -> bool {
        self.method.starts_with("RANGE")
    }

    /// `LIST` or `LIST COLUMNS`.
    pub fn is_list(&self) -> bool {
        self.method.starts_with("LIST")
    }

    /// `HASH`, `KEY` and their `LINEAR` forms: rows are spread by the key, the partitions only
    /// count.
    pub fn is_hashed(&self) -> bool {
        !self.is_range() && !self.is_list()
    }

    /// True when every value of the key lands in a partition: hashed, a RANGE ending at
    /// `MAXVALUE`, a LIST with a DEFAULT partition.
    pub fn covers_every_value(&self) -> bool {
        self.is_hashed()
            || self.partitions.iter().any(|p| {
                p.values
                    .as_deref()
                    .is_some_and(|v| v.split(',').all(|x| x.trim() == "MAXVALUE"))
            })
    }
}

impl PartitionDef {
    /// MariaDB's `PARTITION p DEFAULT` of a LIST table (its description reads `MAXVALUE`).
    pub fn is_list_default(&self) -> bool {
        matches!(self.values.as_deref(), Some("MAXVALUE" | "DEFAULT"))
    }
}

/// Splits `a, lower(b), 'x,y'` at commas outside parentheses and quotes.
pub fn split_top_level(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0usize);
    for (i, ch) in s.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(s[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !s[start..].trim().is_empty() {
        out.push(s[start..].trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_split_at_top_level_commas() {
        let p = Partitioning {
            key: Some("RANGE (a, lower((b)::text), \"c,d\")".into()),
            of: None,
        };
        assert_eq!(p.method(), Some("RANGE"));
        assert_eq!(p.key_parts(), ["a", "lower((b)::text)", "\"c,d\""]);
    }
}
