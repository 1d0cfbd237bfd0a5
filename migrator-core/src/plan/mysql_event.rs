//! MySQL / MariaDB events and MariaDB sequences: the steps (called by `plan/mysql.rs`).
//!
//! Events run on their own schedule against whatever the schema is at that moment, so:
//! - a new or changed event goes in **expand**, after the tables and columns its body reads
//!   exist (the diff orders events after tables, columns, views and routines): from then on it
//!   runs beside the old application version, like a new trigger;
//! - an event no longer declared is dropped in **contract**, first (the diff orders event drops
//!   before everything): it never runs against a half-contracted schema missing a column it
//!   reads; the old version keeps it until then;
//! - events only run while `@@event_scheduler` is `ON`: when the target server has it off, the
//!   step says so.
//!
//! A new sequence is created in expand before the tables whose defaults call it (`DEFAULT
//! NEXTVAL(s)`); a dropped one goes in contract after the columns and tables that used it.
//! `ALTER SEQUENCE` changes options only: the current value is data (not compared, not reset).

use super::common::{destructive, simple};
use super::Step;
use crate::diff::Change;
use crate::migrations::Phase;
use crate::render::mysql::MysqlRenderer;
use crate::schema::{Database, EventSchedule};
use crate::Result;

type Ctx<'a> = super::common::Ctx<'a, MysqlRenderer>;

const NONE: &str = "none on tables (event metadata only)";
const SEQ: &str = "none on tables (sequence metadata only)";

/// Whether events run on the server `db` was read from (`@@event_scheduler` is `ON`); `None`
/// when unknown.
fn scheduler_on(db: &Database) -> Option<bool> {
    db.server_settings
        .get("event_scheduler")
        .map(|v| v.eq_ignore_ascii_case("ON"))
}

fn scheduler_hazard(ctx: &Ctx, name: &str) -> Option<String> {
    (scheduler_on(ctx.from) == Some(false)).then(|| {
        format!(
            "event_scheduler is OFF on this server: event {name} is created but does not run until it is turned on (SET GLOBAL event_scheduler = ON, and in the server's configuration)"
        )
    })
}

pub(super) fn recipe(ctx: &Ctx, c: &Change) -> Result<Vec<Step>> {
    use Change::*;
    use Phase::*;
    let steps = match c {
        CreateEvent { schema, event } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                NONE,
                format!("create event {schema}.{}", event.name),
            );
            s.hazards.push(format!(
                "event {} runs on its schedule from expand on, while the old application version still runs",
                event.name
            ));
            if let EventSchedule::Every { starts: None, .. } = &event.schedule {
                s.hazards.push(format!(
                    "event {} has no STARTS: its first run is when expand creates it (then every interval from that moment)",
                    event.name
                ));
            }
            s.hazards.extend(scheduler_hazard(ctx, &event.name));
            vec![s]
        }
        AlterEvent { schema, from, to } => {
            let summary = if from.name != to.name {
                format!(
                    "alter event {schema}.{} (renamed to {})",
                    from.name, to.name
                )
            } else {
                format!("alter event {schema}.{}", to.name)
            };
            let mut s = simple(ctx, c, Expand, NONE, summary);
            s.hazards.push(format!(
                "the new definition of event {} runs from expand on, while the old application version still runs",
                to.name
            ));
            if let EventSchedule::Every { starts: None, .. } = &to.schedule {
                s.hazards.push(format!(
                    "event {} has no STARTS: its schedule restarts when expand alters it, so it runs at once (and again when a rollback alters it back)",
                    to.name
                ));
            }
            if s.up.len() > 1 {
                s.hazards.push(format!(
                    "ALTER EVENT cannot remove an ENDS: event {} is dropped and created again",
                    to.name
                ));
            }
            s.hazards.extend(scheduler_hazard(ctx, &to.name));
            vec![s]
        }
        DropEvent { schema, event } => {
            let mut s = simple(
                ctx,
                c,
                Contract,
                NONE,
                format!("drop event {schema}.{}", event.name),
            );
            s.hazards.push(format!(
                "event {} stops running (rollback creates it again)",
                event.name
            ));
            vec![s]
        }
        CreateSequence { schema, sequence } => vec![simple(
            ctx,
            c,
            Expand,
            SEQ,
            format!("create sequence {schema}.{}", sequence.name),
        )],
        AlterSequence { schema, to, .. } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                SEQ,
                format!("alter sequence {schema}.{}", to.name),
            );
            s.hazards.push(format!(
                "the old application version draws values of {} with the new options from expand on",
                to.name
            ));
            vec![s]
        }
        DropSequence { schema, name } => destructive(
            ctx,
            c,
            format!("drop sequence {schema}.{name}"),
            SEQ,
            "the sequence's position is lost (rollback creates it again at its start)",
        )?,
        _ => unreachable!("event and sequence changes only"),
    };
    Ok(steps)
}
