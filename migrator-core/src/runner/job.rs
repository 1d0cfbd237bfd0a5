//! What a backfill is made of, shared by the executor ([`super::backfill`]) and each dialect's
//! [`super::Target`]: the key found in the catalog, the job, one batch's result, the progress
//! row, and the refusal for a table without a usable key.

use crate::migrations::{BatchedUpdate, Version};
use crate::Error;
use chrono::{DateTime, Utc};

/// The name of the progress table (next to `migrator_history`).
pub const BACKFILL_TABLE: &str = "migrator_backfill";

/// A key column that can batch a backfill, as the target found it in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillKey {
    /// The table, ready to put in SQL (quoted, schema-qualified where needed).
    pub table_sql: String,
    /// The key column, quoted.
    pub column_sql: String,
    /// The key's type, to turn the key kept as text back into a value: Postgres the column's
    /// `format_type`; MySQL `signed`, `unsigned` or `string`.
    pub type_name: String,
    /// The server's estimate of the number of rows (for the progress bar), when it has one.
    pub estimated_rows: Option<u64>,
    /// The smallest and largest key, for an integer key: how far the backfill has come through
    /// the key range gives the progress bar a total when the server has no row estimate (a
    /// table never analyzed).
    pub key_range: Option<(i64, i64)>,
}

impl BackfillKey {
    /// The estimated number of rows after `rows` rows up to key `last`: `rows` extrapolated
    /// over the key range (keys are assumed as dense further on as they were so far), or the
    /// server's estimate when it has one.
    pub fn estimated_total(&self, rows: u64, last: Option<&str>) -> Option<u64> {
        if let Some(n) = self.estimated_rows.filter(|&n| n > 0) {
            return Some(n.max(rows));
        }
        let (min, max) = self.key_range?;
        let last: i64 = last?.parse().ok()?;
        let span = (max as f64 - min as f64) + 1.0;
        let done = (last as f64 - min as f64 + 1.0).clamp(1.0, span);
        Some(((rows as f64) * span / done).round().max(rows as f64) as u64)
    }
}

/// Everything a target needs to run the batches of one backfill.
#[derive(Debug, Clone)]
pub struct BackfillJob {
    pub version: Version,
    /// `table=` and `key=` of the directive, as written (stored in the progress row).
    pub table: String,
    pub key: String,
    pub found: BackfillKey,
    pub update: BatchedUpdate,
    /// Rows per batch.
    pub batch: u64,
}

impl BackfillJob {
    /// The key column as the `UPDATE` refers to it (qualified by the table or its alias, so a
    /// joined table with a column of the same name does not make it ambiguous).
    pub fn key_in_update(&self) -> String {
        format!("{}.{}", self.update.qualifier, self.found.column_sql)
    }
}

/// What one batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchDone {
    /// Rows the `UPDATE` matched.
    pub rows: u64,
    /// The bound of the batch after it (see [`Target::backfill_bound`]).
    pub next: Option<String>,
}

/// One row of `migrator_backfill`.
#[derive(Debug, Clone, PartialEq)]
pub struct BackfillProgress {
    pub version: Version,
    pub table: String,
    pub key: String,
    /// The last key of the last committed batch, as text; `None` before the first batch.
    pub last_key: Option<String>,
    /// The greatest key when the backfill started: it stops there. `None` for an empty table.
    pub end_key: Option<String>,
    pub rows: u64,
    pub batches: u64,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A progress row with the throttle's columns: what an operator asked (`control`: `pause`) and
/// what the runner waits for (`state`; `None` while it runs).
#[derive(Debug, Clone, PartialEq)]
pub struct BackfillRow {
    pub progress: BackfillProgress,
    pub control: Option<String>,
    pub state: Option<String>,
}

/// The refusal for a table that has no key the backfill can batch by. Says what to do.
pub fn unusable_key(table: &str, key: &str, reason: &str, candidates: &[String]) -> Error {
    let fix = match candidates {
        [] => format!(
            "add a primary key (or a unique index on a NOT NULL column) to {table} in an expand \
             migration and name it with key=…"
        ),
        [one] => format!("use key={one}, a usable key of {table}"),
        many => format!("use one of the usable keys of {table}: {}", many.join(", ")),
    };
    Error::Refused(format!(
        "cannot backfill table {table} by key={key}: {reason}. A backfill runs in ranges of a \
         single column that is the primary key or a NOT NULL unique key; nothing was run. To fix: \
         {fix}; or, for a small table, remove the `-- migrator:backfill` directive to run the \
         UPDATE as one statement"
    ))
}

#[cfg(test)]
mod tests {
    use super::BackfillKey;

    fn key(estimated_rows: Option<u64>, key_range: Option<(i64, i64)>) -> BackfillKey {
        BackfillKey {
            table_sql: "t".into(),
            column_sql: "id".into(),
            type_name: "bigint".into(),
            estimated_rows,
            key_range,
        }
    }

    #[test]
    fn the_total_comes_from_the_estimate_or_else_the_key_range() {
        // The server's estimate wins; never below what is done.
        assert_eq!(
            key(Some(500), Some((1, 10))).estimated_total(20, Some("5")),
            Some(500)
        );
        assert_eq!(key(Some(500), None).estimated_total(900, None), Some(900));
        // Dense keys 1..=20000: 1000 rows up to key 1000 make 20000.
        assert_eq!(
            key(None, Some((1, 20000))).estimated_total(1000, Some("1000")),
            Some(20000)
        );
        // Every other key: 500 rows up to key 1000 of 1..=20000 make 10000.
        assert_eq!(
            key(None, Some((1, 20000))).estimated_total(500, Some("1000")),
            Some(10000)
        );
        // Negative keys, and a last key past the range read at the start (rows inserted since).
        assert_eq!(
            key(None, Some((-99, 100))).estimated_total(100, Some("0")),
            Some(200)
        );
        assert_eq!(
            key(None, Some((1, 10))).estimated_total(12, Some("12")),
            Some(12)
        );
        // No estimate, no range, or a key that is not a number: no total.
        assert_eq!(key(None, None).estimated_total(10, Some("10")), None);
        assert_eq!(
            key(Some(0), Some((1, 10))).estimated_total(1, Some("x")),
            None
        );
        assert_eq!(key(None, Some((1, 10))).estimated_total(0, None), None);
    }
}
