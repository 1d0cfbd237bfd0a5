//! Sequences (Postgres, MariaDB): the model. The other homes of this kind: the inspector
//! queries (`catalog/postgres.rs`, `SEQUENCES`; `catalog/mysql_event.rs` for MariaDB, whose
//! sequences are always `bigint`, have no owner and no comment here), the diff and its inverse
//! (`diff/sequence.rs`), the SQL (`render/postgres.rs`, `render/mysql_event.rs`; MySQL proper
//! refuses: it has no sequences), the steps (`plan/postgres.rs`, `plan/mysql_event.rs`).

use serde::Serialize;

/// A stand-alone sequence (not an identity column's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sequence {
    pub name: String,
    /// `smallint`, `integer` or `bigint`.
    #[serde(rename = "type")]
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// `OWNED BY table.column` (always a table of the same schema): `serial` columns and
    /// sequences dropped together with a column.
    pub owned_by: Option<SequenceOwner>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SequenceOwner {
    pub table: String,
    pub column: String,
}
