//! Sequences (Postgres): the model. The other homes of this kind: the inspector query
//! (`catalog/postgres.rs`, `SEQUENCES`), the diff and its inverse (`diff/sequence.rs`), the SQL
//! (`render/postgres.rs`; `render/mysql.rs` refuses), the steps (`plan/postgres.rs`).

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
