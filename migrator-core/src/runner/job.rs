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
