//! MySQL / MariaDB events: the model. The other homes of this kind: the inspector query
//! (`catalog/mysql.rs`, `EVENTS`), the diff and its inverse (`diff/event.rs`), the SQL
//! (`render/mysql_event.rs`), the steps (`plan/mysql_event.rs`).
//!
//! Not part of the model: `DEFINER` (as for routines and triggers), the `sql_mode`, time zone
//! and character sets in force at creation, and the implicit `STARTS` of a recurring event
//! declared without one (the server records the time the event was created or rescheduled:
//! see [`EventSchedule::Every::starts`]).

use serde::Serialize;

/// A scheduled event of a MySQL database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub name: String,
    pub schedule: EventSchedule,
    /// `ON COMPLETION PRESERVE` (kept once its schedule is over) rather than `NOT PRESERVE`.
    pub preserve: bool,
    pub status: EventStatus,
    /// `None` when empty.
    pub comment: Option<String>,
    /// The statement after `DO`, as the server prints it (`BEGIN … END` included).
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventSchedule {
    /// `AT 'timestamp'`, as the server prints it (`2030-01-01 00:00:00`, in the event's time
    /// zone). An `AT CURRENT_TIMESTAMP + INTERVAL …` is evaluated at creation, so it reads as a
    /// different time in each database: declare a constant.
    At { at: String },
    /// `EVERY value unit [STARTS …] [ENDS …]`. `value` as the server prints it (`1`, `'1:30'`
    /// for a compound unit such as `HOUR_MINUTE`).
    Every {
        value: String,
        unit: String,
        /// Only an explicit `STARTS`. The server records a `STARTS` for every recurring event:
        /// the time of its `CREATE` or of the `ALTER … ON SCHEDULE` that set it, when none was
        /// given. The inspector reads a `STARTS` equal (to the second) to the event's creation
        /// or last-alteration time as implicit (`None`), so a declared schema loaded into a
        /// scratch database at another time compares equal. Consequence: a `STARTS` declared
        /// as the very second the event is created reads as implicit (the same schedule).
        starts: Option<String>,
        ends: Option<String>,
    },
}

/// `ENABLE`, `DISABLE`, `DISABLE ON SLAVE` (MariaDB) / `DISABLE ON REPLICA` (MySQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Enabled,
    Disabled,
    /// Created on a primary, replicated: runs on the primary only.
    ReplicaDisabled,
}

impl EventStatus {
    /// From `information_schema.EVENTS.STATUS` (`SLAVESIDE_DISABLED` on MariaDB,
    /// `REPLICA_SIDE_DISABLED` on MySQL).
    pub fn parse(status: &str) -> EventStatus {
        match status.to_ascii_uppercase().as_str() {
            "DISABLED" => EventStatus::Disabled,
            "SLAVESIDE_DISABLED" | "REPLICA_SIDE_DISABLED" => EventStatus::ReplicaDisabled,
            _ => EventStatus::Enabled,
        }
    }
}
