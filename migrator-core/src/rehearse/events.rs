//! Events in the rehearsal (MySQL / MariaDB).
//!
//! An event runs on its own schedule: one the plan creates without `STARTS` runs the moment
//! expand creates it (and one a down re-creates, during the rollback). In the scratch database
//! that would change the sample and probe rows behind the rehearsal's back (a purge deleting
//! them reads as "rows lost by the rollback"), depending on the timing: a flaky refusal. So the
//! rehearsal's copies of the planned files create and alter events `DISABLE`d, and the
//! rehearsal compares catalogs with every event's `ENABLE` / `DISABLE` state set aside. What an
//! event does is not rehearsed; that its status is what was declared is checked by `drift`
//! (and the convergence tests), not here.

use crate::schema::{Database, EventStatus};

/// `text` (a planned file, as the MySQL renderer writes events: `… <status> COMMENT '…' DO
/// …`) with each `CREATE EVENT` / `ALTER EVENT` that would enable its event made `DISABLE`.
pub(super) fn inert_events(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["CREATE EVENT `", "ALTER EVENT `"]
            .iter()
            .filter_map(|k| rest.find(k))
            .min();
        let Some(i) = next else {
            out.push_str(rest);
            return out;
        };
        // The clauses end at the first ` DO ` (a comment holding one comes after the status).
        let Some(d) = rest[i..].find(" DO ") else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i]);
        out.push_str(&rest[i..i + d].replacen(" ENABLE COMMENT '", " DISABLE COMMENT '", 1));
        rest = &rest[i + d..];
    }
}

/// `db` with every disabled event read as enabled (see the module comment).
pub(super) fn status_aside(mut db: Database) -> Database {
    for s in &mut db.schemas {
        for e in &mut s.events {
            if e.status == EventStatus::Disabled {
                e.status = EventStatus::Enabled;
            }
        }
    }
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_events_are_created_disabled() {
        let file = "CREATE TABLE t (id int);\nCREATE EVENT `e` ON SCHEDULE EVERY 1 DAY ON COMPLETION NOT PRESERVE ENABLE COMMENT 'x DO y' DO UPDATE t SET s = ' ENABLE COMMENT ''';\nALTER EVENT `f` ON SCHEDULE AT '2030-01-01 00:00:00' ON COMPLETION PRESERVE RENAME TO `g` ENABLE COMMENT '' DO DELETE FROM t;\nDROP EVENT `h`;\n";
        assert_eq!(
            inert_events(file),
            "CREATE TABLE t (id int);\nCREATE EVENT `e` ON SCHEDULE EVERY 1 DAY ON COMPLETION NOT PRESERVE DISABLE COMMENT 'x DO y' DO UPDATE t SET s = ' ENABLE COMMENT ''';\nALTER EVENT `f` ON SCHEDULE AT '2030-01-01 00:00:00' ON COMPLETION PRESERVE RENAME TO `g` DISABLE COMMENT '' DO DELETE FROM t;\nDROP EVENT `h`;\n"
        );
    }
}
