//! Functions and procedures (routines): the model. The other homes of this kind: the inspector
//! queries (`catalog/postgres.rs`, `ROUTINES`; `catalog/mysql.rs`), the diff and its inverse
//! (`diff/routine.rs`), the SQL (`render/postgres.rs`, `render/mysql.rs`), the steps
//! (`plan/postgres.rs`, `plan/mysql.rs`).

use serde::Serialize;
use std::fmt;

/// A user-defined function or procedure. Compared by its server-printed definition, so that
/// the declared schema (loaded into a scratch database) and the live database print the same
/// text for the same DDL: Postgres `pg_get_functiondef` (the whole `CREATE OR REPLACE …`
/// statement: arguments with modes and defaults, result, language, volatility, strictness,
/// security, `SET` options, cost / rows, parallel safety, body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Routine {
    pub name: String,
    pub kind: RoutineKind,
    /// The identity arguments as the server prints them (Postgres
    /// `pg_get_function_identity_arguments`: `a integer, b text`), for `DROP` and `COMMENT`.
    pub arguments: String,
    /// The overload key: the input argument types (Postgres `oidvectortypes(proargtypes)`).
    /// Two routines of one name and signature cannot exist at once; of different signatures
    /// they can (overloads).
    pub signature: String,
    /// The result (`integer`, `SETOF text`, `TABLE(a integer)`, `trigger`); `None` for
    /// procedures.
    pub result: Option<String>,
    /// Number of arguments with a default (Postgres refuses `CREATE OR REPLACE` removing one).
    pub defaults: u32,
    /// The server's definition (the statement that creates it).
    pub definition: String,
    pub comment: Option<String>,
}

impl Routine {
    /// `name(signature)`: how messages name it.
    pub fn display_name(&self) -> String {
        format!("{}({})", self.name, self.signature)
    }

    /// `(name, signature)`: the key two models match routines by.
    pub fn key(&self) -> (&str, &str) {
        (&self.name, &self.signature)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutineKind {
    Function,
    Procedure,
}

impl RoutineKind {
    /// The SQL keyword (`FUNCTION`, `PROCEDURE`).
    pub fn keyword(self) -> &'static str {
        match self {
            RoutineKind::Function => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
        }
    }
}

impl fmt::Display for RoutineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoutineKind::Function => "function",
            RoutineKind::Procedure => "procedure",
        })
    }
}
