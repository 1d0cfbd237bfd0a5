//! Row-level security policies (Postgres): the model. The other homes of this kind: the
//! inspector query (`catalog/postgres.rs`, `POLICIES`), the diff and its inverse
//! (`diff/policy.rs`), the SQL (`render/pg_policy.rs`), the steps (`plan/pg_policy.rs`).
//! Whether a table has row-level security on (`ENABLE` / `FORCE`) is a table option
//! (`row_security`), see [`super::Table::options`].

use serde::Serialize;

/// `CREATE POLICY name ON table AS … FOR … TO … USING (…) WITH CHECK (…)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub name: String,
    /// The table it is on (same schema).
    pub table: String,
    /// `AS PERMISSIVE` (the default; permissive policies are OR-ed) or `AS RESTRICTIVE` (AND-ed).
    pub permissive: bool,
    pub command: PolicyCommand,
    /// Role names, sorted; `PUBLIC` for every role (the default).
    pub roles: Vec<String>,
    /// `USING (…)` and `WITH CHECK (…)` as the server prints them (`pg_get_expr`).
    pub using: Option<String>,
    pub check: Option<String>,
    pub comment: Option<String>,
}

/// The role list meaning every role.
pub const PUBLIC_ROLE: &str = "PUBLIC";

/// `FOR ALL | SELECT | INSERT | UPDATE | DELETE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    /// From Postgres `pg_policy.polcmd`.
    pub fn from_pg(code: u8) -> PolicyCommand {
        match code {
            b'r' => PolicyCommand::Select,
            b'a' => PolicyCommand::Insert,
            b'w' => PolicyCommand::Update,
            b'd' => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        }
    }

    pub fn keyword(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}
