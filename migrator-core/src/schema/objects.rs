//! Schema-level objects other than tables.

use super::{Index, Options};
use serde::Serialize;
use std::fmt;

/// A view or a materialized view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    pub name: String,
    /// The query as the server deparses it (Postgres `pg_get_viewdef`), so formatting and
    /// `*` expansion never cause a phantom diff.
    pub definition: String,
    pub materialized: bool,
    /// Indexes of a materialized view (a unique one allows `REFRESH … CONCURRENTLY`); sorted by
    /// name. Always empty for plain views.
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    /// `security_barrier`, `check_option`, storage parameters, `tablespace`…
    pub options: Options,
}

/// An enum type. Values keep their declared order (it is the sort order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enum {
    pub name: String,
    pub values: Vec<String>,
    pub comment: Option<String>,
}

/// An installed extension. Its member objects (types, functions, tables) are not listed
/// elsewhere in the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    pub name: String,
    pub version: String,
    pub comment: Option<String>,
}

/// An object migrator does not manage but reports, so that nothing in the database is silently
/// invisible (and so a plan can warn when a change touches a table with triggers, policies…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmanaged {
    pub kind: UnmanagedKind,
    /// The object's name; aggregates carry their argument types (`my_sum(integer)`) because
    /// overloads share a name.
    pub name: String,
    /// For table-scoped objects (triggers, policies, rules): the table (or view) they are on.
    pub table: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmanagedKind {
    /// Aggregates and window functions (functions and procedures are managed: see
    /// [`super::Routine`]).
    Aggregate,
    /// Triggers of relations migrator does not model (foreign tables); other triggers are
    /// managed (see [`super::Trigger`]).
    Trigger,
    Policy,
    Rule,
    /// Base types with their own I/O functions (enums, domains, composite and range types are
    /// managed: see [`Enum`], [`super::Domain`], [`super::Composite`], [`super::Range`]).
    Type,
    ForeignTable,
    /// MariaDB system-versioned tables and the like (events and MariaDB sequences are
    /// managed: see [`super::Event`], [`super::Sequence`]).
    Other,
}

impl fmt::Display for UnmanagedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnmanagedKind::Aggregate => "aggregate",
            UnmanagedKind::Trigger => "trigger",
            UnmanagedKind::Policy => "policy",
            UnmanagedKind::Rule => "rule",
            UnmanagedKind::Type => "type",
            UnmanagedKind::ForeignTable => "foreign table",
            UnmanagedKind::Other => "other",
        })
    }
}
