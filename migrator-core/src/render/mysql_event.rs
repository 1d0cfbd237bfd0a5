//! MySQL / MariaDB SQL for events and MariaDB sequences (called by `render/mysql.rs`).

use crate::diff::Change;
use crate::flavor::MysqlFlavor;
use crate::schema::{Event, EventSchedule, EventStatus, Sequence};
use crate::Dialect;

fn ident(name: &str) -> String {
    Dialect::Mysql.ident(name)
}

fn literal(s: &str) -> String {
    Dialect::Mysql.literal(s)
}

/// `ON SCHEDULE … ON COMPLETION … <status> COMMENT '…' DO <body>`: every clause, so an `ALTER
/// EVENT` re-states them all (re-stating the schedule resets an implicit `STARTS` to the time of
/// the `ALTER`, which the inspector reads as implicit again: see `EventSchedule::Every`).
fn clauses(e: &Event, flavor: &MysqlFlavor, rename: Option<&str>) -> String {
    let schedule = match &e.schedule {
        EventSchedule::At { at } => format!("AT {}", literal(at)),
        EventSchedule::Every {
            value,
            unit,
            starts,
            ends,
        } => {
            let mut s = format!("EVERY {value} {unit}");
            if let Some(t) = starts {
                s.push_str(&format!(" STARTS {}", literal(t)));
            }
            if let Some(t) = ends {
                s.push_str(&format!(" ENDS {}", literal(t)));
            }
            s
        }
    };
    let completion = if e.preserve {
        "PRESERVE"
    } else {
        "NOT PRESERVE"
    };
    let status = match e.status {
        EventStatus::Enabled => "ENABLE",
        EventStatus::Disabled => "DISABLE",
        // MariaDB has only the old word; MySQL deprecated it for REPLICA (8.0.22).
        EventStatus::ReplicaDisabled if flavor.is_mariadb() => "DISABLE ON SLAVE",
        EventStatus::ReplicaDisabled => "DISABLE ON REPLICA",
    };
    let rename = rename
        .map(|n| format!(" RENAME TO {}", ident(n)))
        .unwrap_or_default();
    format!(
        "ON SCHEDULE {schedule} ON COMPLETION {completion}{rename} {status} COMMENT {} DO {}",
        literal(e.comment.as_deref().unwrap_or_default()),
        e.body
    )
}

pub(super) fn create_event(e: &Event, flavor: &MysqlFlavor) -> String {
    format!(
        "CREATE EVENT {} {}",
        ident(&e.name),
        clauses(e, flavor, None)
    )
}

/// One `ALTER EVENT`, except where `ALTER` cannot reach the new definition: an `ENDS` removed
/// (`ON SCHEDULE` without `ENDS` keeps the old one), which is a drop and a create.
pub(super) fn alter_event(from: &Event, to: &Event, flavor: &MysqlFlavor) -> Vec<String> {
    if ends(from).is_some() && ends(to).is_none() {
        return vec![drop_event(from), create_event(to, flavor)];
    }
    let rename = (from.name != to.name).then_some(to.name.as_str());
    vec![format!(
        "ALTER EVENT {} {}",
        ident(&from.name),
        clauses(to, flavor, rename)
    )]
}

fn ends(e: &Event) -> Option<&String> {
    match &e.schedule {
        EventSchedule::Every { ends, .. } => ends.as_ref(),
        EventSchedule::At { .. } => None,
    }
}

pub(super) fn drop_event(e: &Event) -> String {
    format!("DROP EVENT {}", ident(&e.name))
}

/// The options of `CREATE SEQUENCE` / `ALTER SEQUENCE` (MariaDB).
fn sequence_options(q: &Sequence) -> String {
    format!(
        "START WITH {} MINVALUE {} MAXVALUE {} INCREMENT BY {} {} {}",
        q.start,
        q.min,
        q.max,
        q.increment,
        if q.cache > 0 {
            format!("CACHE {}", q.cache)
        } else {
            "NOCACHE".to_string()
        },
        if q.cycle { "CYCLE" } else { "NOCYCLE" }
    )
}

pub(super) fn create_sequence(q: &Sequence) -> String {
    format!("CREATE SEQUENCE {} {}", ident(&q.name), sequence_options(q))
}

/// `ALTER SEQUENCE` with every option; the current value is left alone (it is data, like
/// `AUTO_INCREMENT`), except when the bounds narrow: the current value may fall outside them
/// (MariaDB refuses, error 4085), so it restarts at the start (a data-losing change the diff
/// refuses without `--allow-destructive`, as on Postgres).
pub(super) fn alter_sequence(from: &Sequence, to: &Sequence) -> String {
    let restart = if to.min > from.min || to.max < from.max {
        format!(" RESTART WITH {}", to.start)
    } else {
        String::new()
    };
    format!(
        "ALTER SEQUENCE {} {}{restart}",
        ident(&to.name),
        sequence_options(to)
    )
}

pub(super) fn drop_sequence(name: &str) -> String {
    format!("DROP SEQUENCE {}", ident(name))
}

/// Why the server of `flavor` cannot run a sequence change, if it cannot (MySQL proper has no
/// sequences; migrator's MariaDB sequences have no owner, rename or comment).
pub(super) fn unsupported_sequence(c: &Change, flavor: &MysqlFlavor) -> Option<String> {
    let name = match c {
        Change::CreateSequence { sequence, .. } => &sequence.name,
        Change::AlterSequence { to, .. } => &to.name,
        Change::RenameSequence { from, .. } => from,
        Change::SetSequenceOwner { name, .. } | Change::DropSequence { name, .. } => name,
        _ => return None,
    };
    if !flavor.is_mariadb() {
        return Some(format!(
            "sequence {name}: MySQL has no sequences (MariaDB has); use an AUTO_INCREMENT column"
        ));
    }
    match c {
        Change::RenameSequence { .. } => Some(format!(
            "sequence {name}: renaming a MariaDB sequence is not planned (RENAME TABLE does it by hand)"
        )),
        Change::SetSequenceOwner { .. } => Some(format!(
            "sequence {name}: MariaDB sequences have no owner column"
        )),
        Change::CreateSequence { sequence, .. } if sequence.data_type != "bigint" => Some(format!(
            "sequence {name}: MariaDB 10.11 sequences are bigint only"
        )),
        _ => None,
    }
}
