//! Hints in a declared schema: `-- migrator:` comments that say what the SQL alone cannot.
//!
//! ```sql
//! CREATE TABLE customers (            -- migrator:renamed-from clients
//!     id bigint PRIMARY KEY,
//!     full_name text NOT NULL,        -- migrator:renamed-from name
//!     phone text NOT NULL,            -- migrator:backfill '+00 000'
//!     total numeric(12,2)             -- migrator:using total_cents / 100.0
//! );
//! ```
//!
//! A hint on the `CREATE TABLE` line, or right after the statement, is about the table; a hint on
//! a column definition's line, or on its own line below it, is about that column.
//!
//! Enums (Postgres) take `renamed-from` too: on the `CREATE TYPE` line (or right after the
//! statement) it names the type's old name; on the line of a value, the value's old text:
//!
//! ```sql
//! CREATE TYPE feeling AS ENUM (       -- migrator:renamed-from mood
//!     'sad',
//!     'glad'                          -- migrator:renamed-from 'happy'
//! );
//! ```

use crate::migrations::Statement;
use crate::{Dialect, Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

/// `(schema, table)`; `schema` is empty when the statement did not name one (the default schema).
pub type TableKey = (String, String);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Hints {
    /// New table → its old name (same schema).
    pub table_renames: BTreeMap<TableKey, String>,
    /// (table, new column) → old column name.
    pub column_renames: BTreeMap<(TableKey, String), String>,
    /// (table, column) → SQL expression computing the value of existing rows.
    pub backfill: BTreeMap<(TableKey, String), String>,
    /// (table, column) → SQL expression converting the old value to the new type.
    pub using: BTreeMap<(TableKey, String), String>,
    /// New type (enum) → its old name (same schema): a hint on the `CREATE TYPE` line.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub type_renames: BTreeMap<TableKey, String>,
    /// (enum, new value) → old value: a hint on the line of the value in `CREATE TYPE … AS ENUM`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enum_value_renames: BTreeMap<(TableKey, String), String>,
    /// New event (MySQL) → its old name: a hint on the `CREATE EVENT` line.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub event_renames: BTreeMap<TableKey, String>,
    /// (table, new policy) → old policy name: a hint on the `CREATE POLICY` line.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policy_renames: BTreeMap<(TableKey, String), String>,
}

impl Hints {
    pub fn is_empty(&self) -> bool {
        self.table_renames.is_empty()
            && self.column_renames.is_empty()
            && self.backfill.is_empty()
            && self.using.is_empty()
            && self.type_renames.is_empty()
            && self.enum_value_renames.is_empty()
            && self.event_renames.is_empty()
            && self.policy_renames.is_empty()
    }

    pub fn extend(&mut self, other: Hints) {
        self.table_renames.extend(other.table_renames);
        self.column_renames.extend(other.column_renames);
        self.backfill.extend(other.backfill);
        self.using.extend(other.using);
        self.type_renames.extend(other.type_renames);
        self.enum_value_renames.extend(other.enum_value_renames);
        self.event_renames.extend(other.event_renames);
        self.policy_renames.extend(other.policy_renames);
    }
}

const KNOWN: &str = "renamed-from, backfill, using";

/// Reads the hints of one declared-schema file. `statements` are the file's statements (with their
/// first lines); `text` is the normalized file.
pub fn parse(file: &str, text: &str, statements: &[Statement], dialect: Dialect) -> Result<Hints> {
    let lines: Vec<&str> = text.lines().collect();
    let mut hints = Hints::default();
    for (i, raw) in lines.iter().enumerate() {
        let line_no = i + 1;
        let Some((code, comment)) = split_comment(raw) else {
            continue;
        };
        let Some(body) = comment.trim_start().strip_prefix("migrator:") else {
            continue;
        };
        let err = |message: String| Error::Syntax {
            file: file.to_string(),
            line: line_no,
            message,
        };
        let (name, arg) = match body.trim().split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (body.trim(), ""),
        };
        if !["renamed-from", "backfill", "using"].contains(&name) {
            return Err(err(format!(
                "unknown schema hint `{name}`; known: {KNOWN} (migration-file directives such as `phase` belong in migration files)"
            )));
        }
        if arg.is_empty() {
            return Err(err(format!("`{name}` needs an argument")));
        }
        // The statement this line belongs to (or directly follows).
        let Some(stmt) = statements.iter().rev().find(|s| s.line <= line_no) else {
            return Err(err(
                "hint before any statement; put it on the line of the table or column it is about"
                    .into(),
            ));
        };
        if let Some(key) = create_event_name(&stmt.sql, dialect) {
            if name != "renamed-from" {
                return Err(err(format!(
                    "`{name}` is about a table column; an event takes `renamed-from` only"
                )));
            }
            hints.event_renames.insert(key, ident(arg, dialect));
            continue;
        }
        if let Some(key) = create_type_name(&stmt.sql, dialect) {
            if !is_enum(&stmt.sql) {
                return Err(err(format!(
                    "`{name}` on a domain, composite or range type: renaming those is not supported yet (only enums and their values); rename it in a hand-written migration (`migrator new`) and declare the new name"
                )));
            }
            if name != "renamed-from" {
                return Err(err(format!(
                    "`{name}` is about a table column; a type takes `renamed-from` only"
                )));
            }
            let stmt_lines = stmt.sql.lines().count();
            let offset = line_no - stmt.line;
            if offset == 0 || offset >= stmt_lines {
                hints.type_renames.insert(key, ident(arg, dialect));
            } else {
                let Some(value) = first_string_literal(code) else {
                    return Err(err("`renamed-from` inside a type is about an enum value: put it on the line of the value (`'new', -- migrator:renamed-from 'old'`)".into()));
                };
                let old = first_string_literal(arg).unwrap_or_else(|| arg.to_string());
                hints.enum_value_renames.insert((key, value), old);
            }
            continue;
        }
        if let Some((table, policy)) = create_policy_name(&stmt.sql, dialect) {
            if name != "renamed-from" {
                return Err(err(format!(
                    "`{name}` is about a table column; a policy takes `renamed-from` only"
                )));
            }
            hints
                .policy_renames
                .insert((table, policy), ident(arg, dialect));
            continue;
        }
        let Some((schema, table)) = create_table_name(&stmt.sql, dialect) else {
            return Err(err(
                "hints apply to CREATE TABLE, CREATE TYPE and CREATE POLICY statements, their columns and enum values".into(),
            ));
        };
        let key = (schema, table);
        let stmt_lines: Vec<&str> = stmt.sql.lines().collect();
        let offset = line_no - stmt.line;
        let target = if offset >= stmt_lines.len() || offset == 0 {
            // On the CREATE TABLE line or after the statement.
            None
        } else if !code.trim().is_empty() {
            column_name(code, dialect)
        } else {
            // Own line: the nearest column definition above it.
            stmt_lines[1..offset]
                .iter()
                .rev()
                .find_map(|l| column_name(split_comment(l).map(|(c, _)| c).unwrap_or(l), dialect))
        };
        match (name, target) {
            ("renamed-from", None) => {
                hints.table_renames.insert(key, ident(arg, dialect));
            }
            ("renamed-from", Some(col)) => {
                hints.column_renames.insert((key, col), ident(arg, dialect));
            }
            ("backfill", Some(col)) => {
                hints.backfill.insert((key, col), arg.to_string());
            }
            ("using", Some(col)) => {
                hints.using.insert((key, col), arg.to_string());
            }
            (_, None) => {
                return Err(err(format!(
                    "`{name}` is about a column: put it on the column's line"
                )))
            }
            _ => unreachable!(),
        }
    }
    Ok(hints)
}

/// Splits a line into code and the text of a trailing `--` comment, ignoring `--` inside quotes.
fn split_comment(line: &str) -> Option<(&str, &str)> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' || c == '`' => quote = Some(c),
            None if c == '-' && prev == '-' => return Some((&line[..i - 1], &line[i + 1..])),
            None => {}
        }
        prev = c;
    }
    None
}

/// `CREATE [UNLOGGED|TEMP…] TABLE [IF NOT EXISTS] [schema.]name` → (schema or "", name).
fn create_table_name(sql: &str, dialect: Dialect) -> Option<(String, String)> {
    let words = words(sql);
    let mut it = words.iter().map(String::as_str).peekable();
    if !it.next()?.eq_ignore_ascii_case("create") {
        return None;
    }
    let mut saw_table = false;
    for w in it.by_ref() {
        if w.eq_ignore_ascii_case("table") {
            saw_table = true;
            break;
        }
        if ![
            "unlogged",
            "temp",
            "temporary",
            "global",
            "local",
            "or",
            "replace",
        ]
        .iter()
        .any(|k| w.eq_ignore_ascii_case(k))
        {
            return None;
        }
    }
    if !saw_table {
        return None;
    }
    let mut name = it.next()?;
    if name.eq_ignore_ascii_case("if") {
        it.next(); // not
        it.next(); // exists
        name = it.next()?;
    }
    let parts = split_qualified(name);
    match parts.as_slice() {
        [t] => Some((String::new(), ident(t, dialect))),
        [s, t] => Some((ident(s, dialect), ident(t, dialect))),
        _ => None,
    }
}

/// `CREATE TYPE [schema.]name` / `CREATE DOMAIN [schema.]name` → (schema or "", name).
fn create_type_name(sql: &str, dialect: Dialect) -> Option<(String, String)> {
    let words = words(sql);
    let mut it = words.iter().map(String::as_str);
    if !it.next()?.eq_ignore_ascii_case("create") {
        return None;
    }
    let kind = it.next()?;
    if !kind.eq_ignore_ascii_case("type") && !kind.eq_ignore_ascii_case("domain") {
        return None;
    }
    let parts = split_qualified(it.next()?);
    match parts.as_slice() {
        [t] => Some((String::new(), ident(t, dialect))),
        [s, t] => Some((ident(s, dialect), ident(t, dialect))),
        _ => None,
    }
}

/// `CREATE [OR REPLACE] [DEFINER = …] EVENT [IF NOT EXISTS] [schema.]name` → (schema or "",
/// name).
fn create_event_name(sql: &str, dialect: Dialect) -> Option<(String, String)> {
    let words = words(sql);
    let mut it = words.iter().map(String::as_str);
    if !it.next()?.eq_ignore_ascii_case("create") {
        return None;
    }
    // Up to the EVENT keyword: OR REPLACE, DEFINER = user (one or three words).
    let mut seen = 0;
    loop {
        let w = it.next()?;
        if w.eq_ignore_ascii_case("event") {
            break;
        }
        seen += 1;
        let allowed = ["or", "replace", "definer", "="]
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k))
            || w.starts_with("definer=")
            || w.starts_with("DEFINER=")
            || w.contains('@');
        if !allowed || seen > 6 {
            return None;
        }
    }
    let mut name = it.next()?;
    if name.eq_ignore_ascii_case("if") {
        it.next(); // not
        it.next(); // exists
        name = it.next()?;
    }
    let parts = split_qualified(name);
    match parts.as_slice() {
        [t] => Some((String::new(), ident(t, dialect))),
        [s, t] => Some((ident(s, dialect), ident(t, dialect))),
        _ => None,
    }
}

/// `CREATE POLICY name ON [schema.]table` → ((schema or "", table), name).
fn create_policy_name(sql: &str, dialect: Dialect) -> Option<(TableKey, String)> {
    let words = words(sql);
    let mut it = words.iter().map(String::as_str);
    if !it.next()?.eq_ignore_ascii_case("create") || !it.next()?.eq_ignore_ascii_case("policy") {
        return None;
    }
    let name = ident(it.next()?, dialect);
    if !it.next()?.eq_ignore_ascii_case("on") {
        return None;
    }
    let parts = split_qualified(it.next()?);
    match parts.as_slice() {
        [t] => Some(((String::new(), ident(t, dialect)), name)),
        [s, t] => Some(((ident(s, dialect), ident(t, dialect)), name)),
        _ => None,
    }
}

/// Whether a `CREATE TYPE` statement makes an enum (`… AS ENUM (…)`).
fn is_enum(sql: &str) -> bool {
    let w = words(sql);
    w.windows(2)
        .any(|p| p[0].eq_ignore_ascii_case("as") && p[1].eq_ignore_ascii_case("enum"))
}

/// The text of the first `'…'` literal of `code` (doubled quotes undone).
fn first_string_literal(code: &str) -> Option<String> {
    let start = code.find('\'')?;
    let mut out = String::new();
    let mut chars = code[start + 1..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
                out.push('\'');
                continue;
            }
            return Some(out);
        }
        out.push(c);
    }
    None
}

/// The column a line of a CREATE TABLE body defines, if it defines one.
fn column_name(line: &str, dialect: Dialect) -> Option<String> {
    let first = words(line.trim_start().trim_start_matches('('))
        .into_iter()
        .next()?;
    const NOT_COLUMNS: [&str; 9] = [
        "constraint",
        "primary",
        "foreign",
        "unique",
        "check",
        "exclude",
        "like",
        "key",
        "index",
    ];
    if NOT_COLUMNS.iter().any(|k| first.eq_ignore_ascii_case(k)) || first.starts_with(')') {
        return None;
    }
    Some(ident(&first, dialect))
}

/// Whitespace / punctuation separated words, keeping quoted identifiers whole.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '`' => {
                cur.push(c);
                quote = Some(c);
            }
            None if c.is_whitespace() || c == '(' || c == ',' || c == ';' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            None => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn split_qualified(name: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    for (i, c) in name.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '`' => quote = Some(c),
            None if c == '.' => {
                parts.push(&name[start..i]);
                start = i + 1;
            }
            None => {}
        }
    }
    parts.push(&name[start..]);
    parts
}

/// An identifier as the catalog stores it: quoted → verbatim (quotes removed, doubled quotes
/// undone); unquoted → lower case on Postgres, as written on MySQL.
pub fn ident(raw: &str, dialect: Dialect) -> String {
    let raw = raw.trim();
    for q in ['"', '`'] {
        if raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q) {
            let inner = &raw[1..raw.len() - 1];
            return inner.replace(&format!("{q}{q}"), &q.to_string());
        }
    }
    dialect.fold(raw, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::split;

    fn hints(sql: &str) -> Result<Hints> {
        let stmts = split("s.sql", sql, Dialect::Postgres)?;
        parse("s.sql", sql, &stmts, Dialect::Postgres)
    }

    fn key(t: &str) -> TableKey {
        (String::new(), t.into())
    }

    #[test]
    fn table_and_column_hints() {
        let h = hints(
            "CREATE TABLE app.Customers ( -- migrator:renamed-from clients\n  id bigint PRIMARY KEY,\n  \"Full Name\" text NOT NULL, -- migrator:renamed-from name\n  phone text NOT NULL,\n  -- migrator:backfill '+00 ' || id::text\n  total numeric(12,2) -- migrator:using total_cents / 100.0\n);\nCREATE TABLE other (id int); -- migrator:renamed-from older\n",
        )
        .unwrap();
        let c = ("app".to_string(), "customers".to_string());
        assert_eq!(h.table_renames[&c], "clients");
        assert_eq!(h.column_renames[&(c.clone(), "Full Name".into())], "name");
        assert_eq!(
            h.backfill[&(c.clone(), "phone".into())],
            "'+00 ' || id::text"
        );
        assert_eq!(h.using[&(c, "total".into())], "total_cents / 100.0");
        assert_eq!(h.table_renames[&key("other")], "older");
    }

    #[test]
    fn event_rename_hints() {
        let sql = "CREATE EVENT nightly -- migrator:renamed-from `cleanup`\n  ON SCHEDULE EVERY 1 DAY DO DELETE FROM t;\nCREATE DEFINER = `u`@`%` EVENT IF NOT EXISTS s.other ON SCHEDULE EVERY 1 DAY DO DELETE FROM t; -- migrator:renamed-from older\n";
        let h = parse(
            "s.sql",
            sql,
            &split("s.sql", sql, Dialect::Mysql).unwrap(),
            Dialect::Mysql,
        )
        .unwrap();
        assert_eq!(h.event_renames[&key("nightly")], "cleanup");
        assert_eq!(
            h.event_renames[&("s".to_string(), "other".to_string())],
            "older"
        );
        assert!(h.table_renames.is_empty());
        let bad =
            "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t; -- migrator:backfill 1\n";
        let e = parse(
            "s.sql",
            bad,
            &split("s.sql", bad, Dialect::Mysql).unwrap(),
            Dialect::Mysql,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("an event takes `renamed-from` only"),
            "{e}"
        );
    }

    #[test]
    fn type_and_enum_value_hints() {
        let h = hints(
            "CREATE TYPE s.feeling AS ENUM ( -- migrator:renamed-from mood\n  'sad',\n  'great', -- migrator:renamed-from 'happy'\n  'it''s' -- migrator:renamed-from its\n);\nCREATE TYPE other AS ENUM ('a'); -- migrator:renamed-from older\n",
        )
        .unwrap();
        let f = ("s".to_string(), "feeling".to_string());
        assert_eq!(h.type_renames[&f], "mood");
        assert_eq!(h.type_renames[&key("other")], "older");
        assert_eq!(h.enum_value_renames[&(f.clone(), "great".into())], "happy");
        assert_eq!(h.enum_value_renames[&(f, "it's".into())], "its");
        let e = hints("CREATE TYPE t AS ENUM ('a'); -- migrator:backfill 1").unwrap_err();
        assert!(e.to_string().contains("renamed-from"), "{e}");
        let e = hints("CREATE DOMAIN d AS int; -- migrator:renamed-from old_d").unwrap_err();
        assert!(e.to_string().starts_with("s.sql:1:"), "{e}");
        assert!(e.to_string().contains("not supported yet"), "{e}");
    }

    #[test]
    fn policy_rename_hints() {
        let h = hints(
            "CREATE POLICY \"Tenant Rows\" ON app.\"Orders\" -- migrator:renamed-from tenant_rows\n  USING (true);\nCREATE POLICY p ON t USING (true); -- migrator:renamed-from \"Old P\"\n",
        )
        .unwrap();
        let orders = ("app".to_string(), "Orders".to_string());
        assert_eq!(
            h.policy_renames[&(orders, "Tenant Rows".into())],
            "tenant_rows"
        );
        assert_eq!(h.policy_renames[&(key("t"), "p".into())], "Old P");
        assert!(!h.is_empty());
        let e = hints("CREATE POLICY p ON t USING (true); -- migrator:backfill 1").unwrap_err();
        assert!(
            e.to_string().contains("a policy takes `renamed-from` only"),
            "{e}"
        );
    }

    #[test]
    fn bad_hints_name_the_line() {
        let e = hints("CREATE TABLE t (\n id int -- migrator:renamed-into x\n);").unwrap_err();
        assert!(
            e.to_string().starts_with("s.sql:2: unknown schema hint"),
            "{e}"
        );
        let e = hints("CREATE INDEX i ON t (c); -- migrator:renamed-from j").unwrap_err();
        assert!(e.to_string().contains("CREATE TABLE"), "{e}");
        let e = hints("CREATE TABLE t (id int); -- migrator:backfill 1").unwrap_err();
        assert!(e.to_string().contains("about a column"), "{e}");
        // Dashes inside strings are not comments.
        assert!(hints("CREATE TABLE t (c text DEFAULT '-- migrator:x');")
            .unwrap()
            .is_empty());
    }
}
