//! Triggers: the model. The other homes of this kind: the inspector queries
//! (`catalog/postgres.rs`, `TRIGGERS`; `catalog/mysql.rs`), the diff and its inverse
//! (`diff/trigger.rs`), the SQL (`render/postgres.rs`, `render/mysql.rs`), the steps
//! (`plan/postgres.rs`, `plan/mysql.rs`).
//!
//! migrator's own triggers (the sync and fill triggers of shadow-column recipes, named with
//! [`crate::catalog::OWN_OBJECT_PREFIX`]) are never part of the model.

use super::Options;
use serde::Serialize;

/// A user trigger on a table (or, Postgres `INSTEAD OF`, a view) of the same schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub name: String,
    /// The table or view it is on.
    pub table: String,
    /// The server's definition (Postgres `pg_get_triggerdef`: timing, events, `UPDATE OF`,
    /// `FOR EACH ROW | STATEMENT`, `WHEN`, transition tables, function and arguments,
    /// constraint-trigger deferrability; MySQL: the `CREATE TRIGGER` statement rebuilt from
    /// `information_schema.TRIGGERS`, without `DEFINER`).
    pub definition: String,
    /// Postgres `ALTER TABLE … ENABLE / DISABLE TRIGGER` state; always `Enabled` on MySQL.
    pub enabled: TriggerEnabled,
    /// A Postgres constraint trigger (`CREATE CONSTRAINT TRIGGER`, which `CREATE OR REPLACE`
    /// cannot replace).
    pub constraint: bool,
    pub comment: Option<String>,
    /// Dialect details that are not part of the definition text.
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub options: Options,
}

/// When a trigger fires, as `ALTER TABLE … ENABLE / DISABLE TRIGGER` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEnabled {
    /// `ENABLE TRIGGER` (the default: fires in origin and local sessions).
    Enabled,
    /// `DISABLE TRIGGER`.
    Disabled,
    /// `ENABLE REPLICA TRIGGER`.
    Replica,
    /// `ENABLE ALWAYS TRIGGER`.
    Always,
}

impl TriggerEnabled {
    /// From Postgres `pg_trigger.tgenabled`.
    pub fn from_pg(code: u8) -> TriggerEnabled {
        match code {
            b'D' => TriggerEnabled::Disabled,
            b'R' => TriggerEnabled::Replica,
            b'A' => TriggerEnabled::Always,
            _ => TriggerEnabled::Enabled,
        }
    }
}
