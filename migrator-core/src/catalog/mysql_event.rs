//! MySQL / MariaDB events and MariaDB sequences: what `catalog/mysql.rs` reads for them.
//!
//! One more round trip after the main queries, only when there is something to read:
//! - MariaDB sequences are tables of type `SEQUENCE`; their options are read from the sequence
//!   tables themselves (one `UNION ALL` query). The current value (`next_not_cached_value`) is
//!   not read: like `AUTO_INCREMENT`, it is data, not schema.
//! - On MySQL proper, `information_schema.EVENTS.EVENT_DEFINITION` loses the doubled quotes of
//!   string literals (`'it''s'` reads `'it's'`): the body comes from `SHOW CREATE EVENT` there.
//!   So do `TRIGGERS.ACTION_STATEMENT` and `ROUTINES.ROUTINE_DEFINITION` (MySQL 9.7): their
//!   bodies are the end of `SHOW CREATE TRIGGER` / `FUNCTION` / `PROCEDURE` that reads as the
//!   catalog's text once its doubled quotes are single ([`body_ending`]).

use super::mysql_row::text;
use crate::flavor::MysqlFlavor;
use crate::schema::{Event, EventSchedule, EventStatus, Sequence};
use crate::Dialect;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};
use std::collections::HashMap;

/// What the second round trip read, by `(schema, name)`.
#[derive(Default)]
pub(super) struct Extra {
    pub sequences: HashMap<(String, String), Sequence>,
    pub bodies: HashMap<(String, String), String>,
    /// MySQL proper: trigger bodies by `(schema, name)`.
    pub trigger_bodies: HashMap<(String, String), String>,
    /// MySQL proper: routine bodies by `(schema, name, FUNCTION | PROCEDURE)`.
    pub routine_bodies: HashMap<(String, String, String), String>,
}

fn string(row: &Row, i: usize) -> String {
    text(row, i).unwrap_or_default()
}

fn int(row: &Row, i: usize) -> i64 {
    // `maximum_value` of an unsigned-looking default still fits i64 (MariaDB caps it there).
    text(row, i).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Reads sequence options and (MySQL proper) event bodies. `sets`: the main queries' results
/// (tables at index 1, events at index 8).
pub(super) async fn fetch_extra(
    conn: &mut Conn,
    flavor: &MysqlFlavor,
    sets: &[Vec<Row>],
) -> Result<Extra, mysql_async::Error> {
    let mut extra = Extra::default();
    let q = |s: &str| Dialect::Mysql.ident(s);
    let lit = |s: &str| Dialect::Mysql.literal(s);
    let sequences: Vec<(String, String)> = sets
        .get(1)
        .into_iter()
        .flatten()
        .filter(|r| string(r, 2) == "SEQUENCE")
        .map(|r| (string(r, 0), string(r, 1)))
        .filter(|(_, n)| !super::is_own_object(n))
        .collect();
    if !sequences.is_empty() {
        let sql = sequences
            .iter()
            .map(|(s, n)| {
                format!(
                    "SELECT {}, {}, start_value, increment, minimum_value, maximum_value, \
                     cache_size, cycle_option FROM {}.{}",
                    lit(s),
                    lit(n),
                    q(s),
                    q(n)
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let rows: Vec<Row> = conn.query(sql).await?;
        for r in rows {
            let (schema, name) = (string(&r, 0), string(&r, 1));
            extra.sequences.insert(
                (schema, name.clone()),
                Sequence {
                    name,
                    data_type: "bigint".into(),
                    start: int(&r, 2),
                    increment: int(&r, 3),
                    min: int(&r, 4),
                    max: int(&r, 5),
                    cache: int(&r, 6),
                    cycle: int(&r, 7) != 0,
                    owned_by: None,
                    comment: None,
                },
            );
        }
    }
    if flavor.is_mysql() {
        for r in sets.get(8).into_iter().flatten() {
            let (schema, name) = (string(r, 0), string(r, 1));
            let row: Option<Row> = conn
                .query_first(format!("SHOW CREATE EVENT {}.{}", q(&schema), q(&name)))
                .await?;
            if let Some(body) = row.and_then(|r| text(&r, 3)).and_then(|c| body_of(&c)) {
                extra.bodies.insert((schema, name), body);
            }
        }
        // Triggers (schema, name, table, timing, event, statement) at index 9.
        for r in sets.get(9).into_iter().flatten() {
            let (schema, name) = (string(r, 0), string(r, 1));
            if super::is_own_object(&name) || !string(r, 5).contains('\'') {
                continue;
            }
            let show = format!("SHOW CREATE TRIGGER {}.{}", q(&schema), q(&name));
            if let Some(body) = shown_body(conn, show, &string(r, 5)).await? {
                extra.trigger_bodies.insert((schema, name), body);
            }
        }
        // Routines (schema, name, type, …, definition at 4) at index 10.
        for r in sets.get(10).into_iter().flatten() {
            let (schema, name) = (string(r, 0), string(r, 1));
            let kind = string(r, 2).to_ascii_uppercase();
            if super::is_own_object(&name) || !string(r, 4).contains('\'') {
                continue;
            }
            let keyword = if kind == "PROCEDURE" {
                "PROCEDURE"
            } else {
                "FUNCTION"
            };
            let show = format!("SHOW CREATE {keyword} {}.{}", q(&schema), q(&name));
            if let Some(body) = shown_body(conn, show, &string(r, 4)).await? {
                extra.routine_bodies.insert((schema, name, kind), body);
            }
        }
    }
    Ok(extra)
}

/// The body `show` (`SHOW CREATE TRIGGER` / `FUNCTION` / `PROCEDURE`, whose third column is the
/// statement) prints for an object whose catalog copy of it is `lossy`.
async fn shown_body(
    conn: &mut Conn,
    show: String,
    lossy: &str,
) -> Result<Option<String>, mysql_async::Error> {
    let row: Option<Row> = conn.query_first(show).await?;
    Ok(row
        .and_then(|row| text(&row, 2))
        .and_then(|c| body_ending(&c, lossy)))
}

/// The end of `create` that reads as `lossy` once its doubled quotes (`''`) are single: the
/// body as written, where `lossy` is the catalog's copy of it.
pub(super) fn body_ending(create: &str, lossy: &str) -> Option<String> {
    let single = |s: &str| s.replace("''", "'");
    let mut at = create.len().checked_sub(lossy.len())?;
    loop {
        if create.is_char_boundary(at) && single(&create[at..]) == lossy {
            return Some(create[at..].to_string());
        }
        if at == 0 {
            return None;
        }
        at -= 1;
    }
}

/// The body of a `CREATE EVENT` statement as `SHOW CREATE EVENT` prints it: what follows the
/// ` DO ` after `ON COMPLETION …` and the optional `COMMENT '…'` (which may contain ` DO `).
pub(super) fn body_of(create: &str) -> Option<String> {
    let mut rest = &create[create.find(" ON COMPLETION ")?..];
    if let Some(c) = rest.find(" COMMENT '") {
        let d = rest.find(" DO ")?;
        if c < d {
            let lit = &rest[c + " COMMENT ".len()..];
            let len = literal_len(lit);
            rest = &lit[len..];
        }
    }
    let d = rest.find(" DO ")?;
    Some(rest[d + " DO ".len()..].to_string())
}

/// The length of the `'…'` literal `s` starts with (doubled quotes and backslash escapes).
fn literal_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// An event from a row of the events query (schema, name, type, execute_at, interval value,
/// interval field, explicit starts, ends, status, on completion, comment, definition).
pub(super) fn event(row: &Row, extra: &Extra) -> Option<Event> {
    let (schema, name) = (string(row, 0), string(row, 1));
    if super::is_own_object(&name) {
        return None;
    }
    let schedule = if string(row, 2).eq_ignore_ascii_case("ONE TIME") {
        EventSchedule::At { at: string(row, 3) }
    } else {
        EventSchedule::Every {
            value: string(row, 4),
            unit: string(row, 5).to_ascii_uppercase(),
            starts: text(row, 6),
            ends: text(row, 7),
        }
    };
    let body = extra
        .bodies
        .get(&(schema, name.clone()))
        .cloned()
        .unwrap_or_else(|| string(row, 11));
    Some(Event {
        name,
        schedule,
        preserve: string(row, 9).eq_ignore_ascii_case("PRESERVE"),
        status: EventStatus::parse(&string(row, 8)),
        comment: text(row, 10).filter(|c| !c.is_empty()),
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_the_end_that_reads_as_the_lossy_copy() {
        let create = "CREATE DEFINER=`u`@`h` TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET NEW.n = 'a; b ''q'''";
        assert_eq!(
            body_ending(create, "SET NEW.n = 'a; b 'q''").as_deref(),
            Some("SET NEW.n = 'a; b ''q'''")
        );
        assert_eq!(
            body_ending("RETURN 1", "RETURN 1").as_deref(),
            Some("RETURN 1")
        );
        assert_eq!(body_ending("RETURN 1", "RETURN 2"), None);
    }

    #[test]
    fn bodies_come_after_the_comment() {
        assert_eq!(
            body_of("CREATE DEFINER=`u`@`h` EVENT `e` ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE DO DELETE FROM t").as_deref(),
            Some("DELETE FROM t")
        );
        assert_eq!(
            body_of("CREATE DEFINER=`u`@`h` EVENT `e` ON SCHEDULE AT '2030-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE COMMENT 'it''s DO not' DO BEGIN SELECT 'a DO b'; END").as_deref(),
            Some("BEGIN SELECT 'a DO b'; END")
        );
    }
}
