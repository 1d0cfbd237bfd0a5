//! Events (MySQL / MariaDB): what changes between two models, and what undoes each change.
//!
//! Matched by name (or by a `-- migrator:renamed-from` hint on the `CREATE EVENT` line); a
//! difference in schedule, completion, status, comment, body or name is one `ALTER EVENT`.
//! Order: events are dropped first (before the tables and columns their body reads go) and
//! created or altered last (after the tables, columns, views and routines their body reads).

use super::{hint, Change, Hints, Plan};
use crate::schema::{Database, Schema};

/// The event changes of one schema.
pub(crate) fn diff(plan: &mut Plan, schema: &str, from: &Schema, to: &Schema, hints: &Hints) {
    let s = || schema.to_string();
    let mut renamed: Vec<&str> = Vec::new();
    for e in &to.events {
        let old = from.event(&e.name).or_else(|| {
            let old = hint(&hints.event_renames, schema, &e.name)?;
            to.event(old).is_none().then(|| from.event(old)).flatten()
        });
        match old {
            None => plan.create_triggers.push(Change::CreateEvent {
                schema: s(),
                event: e.clone(),
            }),
            Some(old) => {
                if old.name != e.name {
                    renamed.push(&old.name);
                }
                if old != e {
                    plan.create_triggers.push(Change::AlterEvent {
                        schema: s(),
                        from: old.clone(),
                        to: e.clone(),
                    });
                }
            }
        }
    }
    for e in &from.events {
        if to.event(&e.name).is_none() && !renamed.contains(&e.name.as_str()) {
            plan.drop_triggers.push(Change::DropEvent {
                schema: s(),
                event: e.clone(),
            });
        }
    }
}

/// What undoes an event change. Nothing is lost: a dropped event comes back as it was.
pub(crate) fn inverse(_from: &Database, c: &Change) -> (Vec<Change>, bool) {
    use Change::*;
    match c {
        CreateEvent { schema, event } => (
            vec![DropEvent {
                schema: schema.clone(),
                event: event.clone(),
            }],
            false,
        ),
        AlterEvent { schema, from, to } => (
            vec![AlterEvent {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        DropEvent { schema, event } => (
            vec![CreateEvent {
                schema: schema.clone(),
                event: event.clone(),
            }],
            false,
        ),
        _ => unreachable!("inverse of an event change only"),
    }
}
