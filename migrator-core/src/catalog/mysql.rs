//! MySQL / MariaDB catalog introspection.
//!
//! A MySQL *database* is a [`Schema`] of the model: the connection's database unless others are
//! asked for. One inspection is two round trips whatever the number of tables: the server version
//! and current database, then nine set-based queries over `information_schema` (schemata,
//! tables, columns, index columns, foreign keys, foreign-key columns, checks, views, unmanaged
//! objects) sent
//! together as one multi-statement text query. Rows are matched up in memory; no query runs per
//! table and `SHOW CREATE TABLE` is never needed.
//!
//! What the server prints is kept, with these normalizations (the same on every side of a diff, so
//! that a scratch database loaded from DDL and the live database compare equal):
//!
//! - **Types**: `COLUMN_TYPE`, with integer display widths removed (`int(11)` → `int`,
//!   `bigint(20) unsigned` → `bigint unsigned`) except `tinyint(1)` (the boolean convention, kept
//!   by MySQL 8 too) and `zerofill` types, where the width means something; `year(4)` → `year`.
//!   ENUM / SET values stay inside the type text (`enum('a','b')`): a value change is a column
//!   type change.
//! - **JSON on MariaDB**: `JSON` is an alias of `LONGTEXT` with an automatic column-level
//!   `CHECK (json_valid(col))`. That pair is reported as type `json` (without the check and
//!   without the implied `utf8mb4_bin` collation), so `json`, and `longtext CHECK
//!   (json_valid(col))`, compare equal to each other and to MySQL 8's real `json`.
//! - **Defaults**: MariaDB (≥ 10.2.7) prints literals quoted (`'it''s'`, `'a'`), numbers and
//!   expressions bare (`0`, `1.50`, `current_timestamp(6)`, `(curdate() + interval 1 day)`),
//!   and `NULL` both for "no default" and for `DEFAULT NULL` — which mean the same thing: both
//!   become `None`. The text is valid SQL as is, so the renderer writes `DEFAULT <text>`.
//!   (MySQL 8 prints literals unquoted; they are quoted here, expressions flagged
//!   `DEFAULT_GENERATED` are kept bare — best effort, MySQL 8 is not tested.)
//! - **Column options**: `auto_increment` (`"true"`), `on_update` (`current_timestamp(6)`),
//!   `invisible` (`"true"`), `charset`, and `check` — a MariaDB *column-level* CHECK (named after
//!   its column and part of the column definition: it is changed by `MODIFY COLUMN`, not by
//!   `ADD/DROP CONSTRAINT`). Table-level checks are [`Check`]s.
//! - **Collations**: every character column records its collation and `charset` (not only when
//!   it differs from the table's): changing a table's default character set does not convert its
//!   existing columns, so a relative notion would hide real differences. Tables always record
//!   `engine`, `charset` and `collation` in their options (and `row_format` when it was given
//!   explicitly), and every other option `CREATE_OPTIONS` lists (`max_rows`, `stats_persistent`,
//!   `key_block_size`, MariaDB's `page_compressed`…); the database's defaults are the schema's
//!   options. Scratch databases are
//!   created with the live database's defaults (see [`crate::source::scratch`]), so a table
//!   declared without a character set compares equal on both sides.
//! - **Keys**: the primary key is named `PRIMARY` (MySQL's name for it). Unique keys are
//!   [`Index`]es with `unique: true` (in MySQL a unique constraint *is* a unique index, which may
//!   have prefix lengths); [`Table::uniques`] stays empty. Index methods are `BTREE`, `HASH`,
//!   `FULLTEXT`, `SPATIAL`; prefix lengths are [`IndexPart::length`], `DESC` parts (MariaDB
//!   ≥ 10.8, MySQL 8) [`IndexPart::desc`]; MariaDB `IGNORED` / MySQL `INVISIBLE` indexes carry
//!   option `ignored`. The index MySQL creates implicitly for a foreign key is an ordinary
//!   index of the model (dropping the key leaves it, as on the server).
//! - **Names of the database**: foreign keys name the referenced database in
//!   [`ForeignKey::ref_schema`] (the schema's own name for same-database references, renamed with
//!   the schema by [`Database::rename_schema`]); view definitions, which MariaDB qualifies with
//!   the database (`` `db`.`t`.`a` ``), have their own database's qualifier removed, so a view
//!   reads the same in a scratch database and in the live one.
//!
//! Events and MariaDB sequences: see `catalog/mysql_event.rs` (one more round trip when there
//! are any).
//!
//! Partitioning: see `catalog/mysql_partition.rs` (each table's scheme and partitions with their
//! options; one `SHOW CREATE TABLE` per partitioned table).
//!
//! Not introspected (yet): MariaDB system-versioned tables (listed as [`Unmanaged`]), prefix lengths of
//! primary-key parts, primary-key comments, `AUTO_INCREMENT` start values (on purpose),
//! privileges, routines', triggers' and events' `DEFINER`, `sql_mode`
//! and character sets at creation. Triggers and stored routines are modelled: their
//! `CREATE …` statement is rebuilt from `information_schema` (`TRIGGERS`; `ROUTINES` and
//! `PARAMETERS`: parameters, return type, determinism, SQL data access, security, comment,
//! body), and a trigger `FOLLOWS` the previous one of its table, timing and event.

use super::{is_own_object, Inspector};
use crate::schema::*;
use crate::{DatabaseUrl, Dialect, Error, Result};
use async_trait::async_trait;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};
use std::collections::{BTreeMap, HashMap};

/// Reads a MySQL or MariaDB database's catalog. Owns its connection.
pub struct MysqlInspector {
    conn: Conn,
    /// `@@event_scheduler`, read with the version.
    event_scheduler: Option<String>,
}

use crate::flavor::MysqlFlavor as Flavor;

/// Databases that are the server's own.
const SYSTEM_SCHEMAS: [&str; 4] = ["information_schema", "mysql", "performance_schema", "sys"];

impl MysqlInspector {
    pub fn new(conn: Conn) -> Self {
        MysqlInspector {
            conn,
            event_scheduler: None,
        }
    }

    /// Connects to `url`.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self> {
        Ok(Self::new(crate::connect::mysql(url).await?))
    }

    pub fn into_conn(self) -> Conn {
        self.conn
    }

    async fn fetch(&mut self, schemas: &[String]) -> Result<(Flavor, Vec<Vec<Row>>)> {
        let first: Option<(Option<String>, Option<String>, Option<String>)> = self
            .conn
            .query_first("SELECT VERSION(), DATABASE(), @@event_scheduler")
            .await
            .map_err(db_err)?;
        let (version, current, scheduler) = first.unwrap_or((None, None, None));
        self.event_scheduler = scheduler;
        let flavor = Flavor::parse(&version.unwrap_or_default());
        let filter = if !schemas.is_empty() {
            format!("IN ({})", list(schemas))
        } else if let Some(db) = current {
            format!("IN ({})", list(&[db]))
        } else {
            // No database selected and none asked for: every user database.
            format!(
                "NOT IN ({}) AND {{col}} NOT LIKE 'migrator\\_scratch\\_%'",
                list(&SYSTEM_SCHEMAS.map(String::from))
            )
        };
        let sql = queries(&flavor)
            .iter()
            .map(|q| {
                let mut q = q.to_string();
                // Each query names its schema column in `{filter:COLUMN}`.
                while let Some(start) = q.find("{filter:") {
                    let end = start + q[start..].find('}').expect("closing brace");
                    let col = q[start + "{filter:".len()..end].to_string();
                    let f = format!("{col} {}", filter.replace("{col}", &col));
                    q.replace_range(start..=end, &f);
                }
                q
            })
            .collect::<Vec<_>>()
            .join(";\n");
        let mut result = self.conn.query_iter(sql).await.map_err(db_err)?;
        let mut sets = Vec::new();
        for _ in 0..queries(&flavor).len() {
            sets.push(result.collect::<Row>().await.map_err(db_err)?);
        }
        // Drain anything left (nothing, normally) so the connection stays usable.
        while !result.is_empty() {
            let _ = result.collect::<Row>().await.map_err(db_err)?;
        }
        Ok((flavor, sets))
    }
}

#[async_trait]
impl Inspector for MysqlInspector {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    /// `schemas` are database names; an empty slice means the connection's database (or, when
    /// the URL names none, every database but the server's own and migrator's scratch ones).
    async fn inspect(&mut self, schemas: &[String]) -> Result<Database> {
        let (flavor, sets) = self.fetch(schemas).await?;
        let extra = super::mysql_event::fetch_extra(&mut self.conn, &flavor, &sets)
            .await
            .map_err(db_err)?;
        let shown = super::mysql_partition::fetch_shown(
            &mut self.conn,
            sets.get(12).map(Vec::as_slice).unwrap_or_default(),
        )
        .await
        .map_err(db_err)?;
        let mut db = build(&flavor, &sets, &extra, &shown)?;
        if let Some(v) = &self.event_scheduler {
            db.server_settings
                .insert("event_scheduler".into(), v.to_ascii_uppercase());
        }
        Ok(db)
    }
}

fn db_err(e: mysql_async::Error) -> Error {
    let text = match &e {
        mysql_async::Error::Server(s) => {
            format!("{} (error {}, SQLSTATE {})", s.message, s.code, s.state)
        }
        other => other.to_string(),
    };
    Error::db("inspecting the MySQL catalog", text)
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| Dialect::Mysql.literal(n))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Queries. `{filter:COL}` becomes the schema filter on column COL. Every query filters on the
// schema column so that the server only opens that database's tables.

fn queries(flavor: &Flavor) -> [String; 13] {
    let statistics_extra = if flavor.ignored_indexes() {
        "IGNORED, NULL"
    } else if flavor.invisible_and_functional_indexes() {
        "CASE IS_VISIBLE WHEN 'NO' THEN 'YES' ELSE 'NO' END, EXPRESSION"
    } else {
        "'NO', NULL"
    };
    let checks = if flavor.is_mariadb() {
        "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE \
         FROM information_schema.CHECK_CONSTRAINTS WHERE {filter:CONSTRAINT_SCHEMA}"
            .to_string()
    } else if flavor.check_constraints() {
        "SELECT tc.TABLE_SCHEMA, tc.TABLE_NAME, tc.CONSTRAINT_NAME, 'Table', cc.CHECK_CLAUSE \
         FROM information_schema.TABLE_CONSTRAINTS tc \
         JOIN information_schema.CHECK_CONSTRAINTS cc \
           ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND {filter:tc.TABLE_SCHEMA}"
            .to_string()
    } else {
        "SELECT NULL, NULL, NULL, NULL, NULL FROM DUAL WHERE FALSE".to_string()
    };
    let view_algorithm = if flavor.is_mariadb() {
        "ALGORITHM"
    } else {
        "'UNDEFINED'"
    };
    [
        "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME \
         FROM information_schema.SCHEMATA WHERE {filter:SCHEMA_NAME}"
            .to_string(),
        "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, \
                TABLE_COMMENT \
         FROM information_schema.TABLES WHERE {filter:TABLE_SCHEMA}"
            .to_string(),
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, \
                COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, CHARACTER_SET_NAME, \
                COLLATION_NAME, COLUMN_COMMENT \
         FROM information_schema.COLUMNS WHERE {filter:TABLE_SCHEMA} \
         ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
            .to_string(),
        format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, \
                    SUB_PART, INDEX_TYPE, INDEX_COMMENT, {statistics_extra} \
             FROM information_schema.STATISTICS WHERE {{filter:TABLE_SCHEMA}} \
             ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
        ),
        // Foreign keys and their columns come in two queries, matched up in memory: a join of
        // the two information_schema tables is a nested loop over unindexed temporary tables
        // in MariaDB, quadratic in the number of foreign keys.
        "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE, \
                MATCH_OPTION \
         FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE {filter:CONSTRAINT_SCHEMA}"
            .to_string(),
        "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, \
                REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME \
         FROM information_schema.KEY_COLUMN_USAGE \
         WHERE {filter:TABLE_SCHEMA} AND REFERENCED_TABLE_NAME IS NOT NULL \
         ORDER BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
            .to_string(),
        checks,
        format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, \
                    {view_algorithm} \
             FROM information_schema.VIEWS WHERE {{filter:TABLE_SCHEMA}}"
        ),
        // Events. STARTS is NULL when implicit: equal to the creation or last-alteration time
        // (read in the session's time zone, converted to the event's, in which STARTS is).
        "SELECT EVENT_SCHEMA, EVENT_NAME, EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD, \
                CASE WHEN STARTS IS NULL \
                  OR ABS(TIMESTAMPDIFF(SECOND, STARTS, \
                         COALESCE(CONVERT_TZ(CREATED, @@session.time_zone, TIME_ZONE), CREATED))) <= 1 \
                  OR ABS(TIMESTAMPDIFF(SECOND, STARTS, \
                         COALESCE(CONVERT_TZ(LAST_ALTERED, @@session.time_zone, TIME_ZONE), LAST_ALTERED))) <= 1 \
                THEN NULL ELSE STARTS END, \
                ENDS, STATUS, ON_COMPLETION, EVENT_COMMENT, EVENT_DEFINITION \
         FROM information_schema.EVENTS WHERE {filter:EVENT_SCHEMA}"
            .to_string(),
        // Triggers in firing order per table, timing and event (`FOLLOWS` is rebuilt from it).
        "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, \
                EVENT_MANIPULATION, ACTION_STATEMENT \
         FROM information_schema.TRIGGERS WHERE {filter:TRIGGER_SCHEMA} \
         ORDER BY TRIGGER_SCHEMA, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, \
                  ACTION_ORDER"
            .to_string(),
        "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION, \
                IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT \
         FROM information_schema.ROUTINES WHERE {filter:ROUTINE_SCHEMA}"
            .to_string(),
        "SELECT SPECIFIC_SCHEMA, SPECIFIC_NAME, ROUTINE_TYPE, PARAMETER_MODE, PARAMETER_NAME, \
                DTD_IDENTIFIER \
         FROM information_schema.PARAMETERS \
         WHERE {filter:SPECIFIC_SCHEMA} AND ORDINAL_POSITION > 0 \
         ORDER BY SPECIFIC_SCHEMA, SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION"
            .to_string(),
        super::mysql_partition::QUERY.to_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// Building the model.

use super::mysql_row::text;

fn string(row: &Row, i: usize) -> String {
    text(row, i).unwrap_or_default()
}

fn number(row: &Row, i: usize) -> Option<u32> {
    text(row, i).and_then(|s| s.trim().parse().ok())
}

/// `''` → `None`.
fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// The character set a collation belongs to (`utf8mb4_general_ci` → `utf8mb4`).
pub fn charset_of(collation: &str) -> String {
    collation
        .split_once('_')
        .map(|(c, _)| c)
        .unwrap_or(collation)
        .to_string()
}

/// `int(11)` → `int`, `bigint(20) unsigned` → `bigint unsigned`, `year(4)` → `year`; keeps
/// `tinyint(1)` and zerofill widths. Everything else as the server prints it.
pub fn normalize_type(column_type: &str) -> String {
    let t = column_type.trim();
    let lower = t.to_ascii_lowercase();
    if lower.contains("zerofill") {
        return t.to_string();
    }
    for base in [
        "tinyint",
        "smallint",
        "mediumint",
        "int",
        "integer",
        "bigint",
        "year",
    ] {
        let Some(rest) = lower.strip_prefix(base) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix('(') else {
            continue;
        };
        let Some(close) = rest.find(')') else {
            continue;
        };
        let width = &rest[..close];
        if base == "tinyint" && width == "1" {
            return t.to_string();
        }
        let tail = &rest[close + 1..];
        return format!("{base}{tail}");
    }
    t.to_string()
}

/// Removes the qualifier `` `db`. `` of the view's own database outside string literals and
/// comments-free SQL text as MariaDB prints it.
pub fn strip_database(sql: &str, db: &str) -> String {
    let qualifier = format!("{}.", Dialect::Mysql.ident(db));
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while !rest.is_empty() {
        let c = rest.chars().next().expect("not empty");
        if c == '\'' || c == '"' {
            // Copy a string literal whole (doubled quotes and backslash escapes inside).
            let mut end = c.len_utf8();
            let bytes = rest.as_bytes();
            while end < rest.len() {
                let b = bytes[end];
                if b == b'\\' {
                    end += 2;
                    continue;
                }
                if b == c as u8 {
                    if end + 1 < rest.len() && bytes[end + 1] == c as u8 {
                        end += 2;
                        continue;
                    }
                    end += 1;
                    break;
                }
                end += 1;
            }
            let end = end.min(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else if rest.starts_with(&qualifier) && !out.ends_with('.') {
            // `db`.`t` → `t` (but not `other`.`db`.`c`, where `db` is a table).
            rest = &rest[qualifier.len()..];
            if rest.starts_with('`') {
                let end = quoted_identifier_len(rest);
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        } else if c == '`' {
            // A quoted identifier: copy it whole (it may contain quotes).
            let end = quoted_identifier_len(rest);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The length of the backtick-quoted identifier `s` starts with.
fn quoted_identifier_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut end = 1;
    while end < s.len() {
        if bytes[end] == b'`' {
            if end + 1 < s.len() && bytes[end + 1] == b'`' {
                end += 2;
                continue;
            }
            return end + 1;
        }
        end += 1;
    }
    s.len()
}

/// `` json_valid(`c`) ``: MariaDB's automatic check of a JSON column.
fn is_json_check(clause: &str, column: &str) -> bool {
    clause.trim() == format!("json_valid({})", Dialect::Mysql.ident(column))
}

/// A referential action as the catalog reports it. InnoDB has no deferred checks, so `NO
/// ACTION` and `RESTRICT` are the same rule: MySQL reports a key declared without a rule as `NO
/// ACTION`, MariaDB as `RESTRICT`, and MariaDB's in-place `ADD FOREIGN KEY` stores an explicit
/// `RESTRICT` as `NO ACTION`. Both read as `RESTRICT`, so one declared schema gives one model on
/// every server.
fn action(rule: &str) -> ReferentialAction {
    match rule.to_ascii_uppercase().as_str() {
        "CASCADE" => ReferentialAction::Cascade,
        "SET NULL" => ReferentialAction::SetNull,
        "SET DEFAULT" => ReferentialAction::SetDefault,
        _ => ReferentialAction::Restrict,
    }
}

/// An expression as MySQL's `information_schema` prints it (generation expressions, expression
/// defaults, checks, functional index parts), made valid SQL again: MySQL escapes the quotes
/// and backslashes of the server's own text once more (`_utf8mb4\'a\\\'b\'`), and string
/// literals carry the connection's character set as an introducer. The escape is undone and
/// `_utf8mb4` / `_utf8mb3` / `_utf8` introducers are dropped (a literal without one has the
/// connection's character set, utf8mb4 for migrator), so the text reads the same whichever
/// client created the object. Other introducers (`_latin1`, `_binary`) mean something and stay.
pub fn mysql_expression(raw: &str) -> String {
    let mut unescaped = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if n == '\'' || n == '\\' {
                    unescaped.push(n);
                    chars.next();
                    continue;
                }
            }
        }
        unescaped.push(c);
    }
    let mut out = String::with_capacity(unescaped.len());
    let mut rest = unescaped.as_str();
    while let Some(c) = rest.chars().next() {
        if c == '\'' || c == '"' || c == '`' {
            let end = literal_len(rest, c);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        if c == '_' && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_' || p == '$') {
            let lower = rest.to_ascii_lowercase();
            if let Some(intro) = ["_utf8mb4'", "_utf8mb3'", "_utf8'"]
                .iter()
                .find(|i| lower.starts_with(*i))
            {
                rest = &rest[intro.len() - 1..];
                continue;
            }
        }
        if c == '-' && rest.starts_with("-(") {
            // `-(2)`: how MySQL prints a negative number in some contexts (a check added by
            // ALTER TABLE) but not in others (CREATE TABLE): always `-2`.
            let inner: String = rest[2..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            if !inner.is_empty() && rest[2 + inner.len()..].starts_with(')') {
                out.push('-');
                out.push_str(&inner);
                rest = &rest[2 + inner.len() + 1..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The length of the literal or quoted name `s` starts with (quote `q`; doubled quotes, and
/// backslash escapes inside string literals).
fn literal_len(s: &str, q: char) -> usize {
    let bytes = s.as_bytes();
    let mut end = 1;
    while end < s.len() {
        let b = bytes[end];
        if b == b'\\' && q != '`' {
            end += 2;
            continue;
        }
        if b == q as u8 {
            if end + 1 < s.len() && bytes[end + 1] == q as u8 {
                end += 2;
                continue;
            }
            return end + 1;
        }
        end += 1;
    }
    s.len()
}

/// An expression text from the catalog as the model keeps it (see [`mysql_expression`]).
fn expression(flavor: &Flavor, raw: String) -> String {
    if flavor.is_mysql() {
        mysql_expression(&raw)
    } else {
        raw
    }
}

/// `(…)` unless `e` is already one parenthesized expression.
fn parenthesized(e: &str) -> String {
    let t = e.trim();
    if t.starts_with('(') && t.ends_with(')') {
        // Is the opening parenthesis closed only at the end?
        let mut depth = 0i32;
        let mut rest = t;
        let mut closes_at_end = true;
        while let Some(c) = rest.chars().next() {
            let len = if c == '\'' || c == '"' || c == '`' {
                literal_len(rest, c)
            } else {
                if c == '(' {
                    depth += 1;
                } else if c == ')' {
                    depth -= 1;
                    if depth == 0 && rest.len() > 1 {
                        closes_at_end = false;
                        break;
                    }
                }
                c.len_utf8()
            };
            rest = &rest[len.min(rest.len())..];
        }
        if closes_at_end {
            return t.to_string();
        }
    }
    format!("({t})")
}

/// The options a table was created or altered with, from `CREATE_OPTIONS`
/// (``max_rows=1000 stats_persistent=1 `PAGE_COMPRESSED`='1' COMPRESSION="zlib" partitioned``):
/// names lowercase and unquoted, values as SQL (MySQL's double-quoted strings single-quoted, so
/// they read the same under `ANSI_QUOTES`). `partitioned` is not an option but a mark.
fn table_create_options(text: &str) -> Vec<(String, String)> {
    use crate::migrations::split::{significant_tokens, TokenKind};
    let toks = significant_tokens(text, Dialect::Mysql);
    let mut out = Vec::new();
    // `name = value` triples; anything else (`partitioned`) is passed over.
    for w in toks.windows(3).filter(|w| w[1].is_symbol("=")) {
        let key = w[0].text.trim_matches('`').to_ascii_lowercase();
        let raw = w[2].text;
        let value = match raw.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) if w[2].kind == TokenKind::Quoted => {
                Dialect::Mysql.literal(&inner.replace("\"\"", "\""))
            }
            _ => raw.to_string(),
        };
        // MySQL keeps `COMPRESSION="None"` after a table's compression is unset: the same
        // table as one never compressed.
        if !(key == "compression" && matches!(value.as_str(), "'None'" | "'none'" | "''")) {
            out.push((key, value));
        }
    }
    out
}

/// The numeric and bit types, whose MySQL 8 defaults are not quoted.
fn unquoted_default_type(data_type: &str) -> bool {
    matches!(
        data_type,
        "tinyint"
            | "smallint"
            | "mediumint"
            | "int"
            | "integer"
            | "bigint"
            | "decimal"
            | "numeric"
            | "float"
            | "double"
            | "real"
            | "bit"
            | "year"
    )
}

fn build(
    flavor: &Flavor,
    sets: &[Vec<Row>],
    extra: &super::mysql_event::Extra,
    shown: &BTreeMap<(String, String), super::mysql_partition::Shown>,
) -> Result<Database> {
    let [schemata, tables, columns, stats, fks, fk_columns, checks, views, events, triggers, routines, parameters, partitions] =
        sets
    else {
        return Err(Error::db(
            "inspecting the MySQL catalog",
            "the server returned fewer result sets than queries",
        ));
    };
    let mut db = Database::new(Dialect::Mysql);
    db.server_version = flavor.text.clone();
    let mut schema_index: HashMap<String, usize> = HashMap::new();
    for row in schemata {
        let name = string(row, 0);
        let mut s = Schema::new(name.clone());
        if let Some(cs) = text(row, 1) {
            s.options.insert("charset".into(), cs);
        }
        if let Some(co) = text(row, 2) {
            s.options.insert("collation".into(), co);
        }
        schema_index.insert(name, db.schemas.len());
        db.schemas.push(s);
    }

    // Relations by (schema, name).
    let mut rels: BTreeMap<(String, String), Table> = BTreeMap::new();
    let mut partitioned = super::mysql_partition::build(partitions, shown);
    for row in tables {
        let schema = string(row, 0);
        let name = string(row, 1);
        let Some(&si) = schema_index.get(&schema) else {
            continue;
        };
        if is_own_object(&name) {
            continue;
        }
        let kind = string(row, 2);
        let create_options = string(row, 5);
        let unmanaged_kind = match kind.as_str() {
            "VIEW" | "SYSTEM VIEW" => continue, // from VIEWS
            "SEQUENCE" => {
                // MariaDB sequences (see `catalog/mysql_event.rs`).
                if let Some(q) = extra.sequences.get(&(schema.clone(), name.clone())) {
                    db.schemas[si].sequences.push(q.clone());
                }
                continue;
            }
            "SYSTEM VERSIONED" => Some(UnmanagedKind::Other),
            "BASE TABLE" => None,
            _ => Some(UnmanagedKind::Other),
        };
        if let Some(kind) = unmanaged_kind {
            db.schemas[si].unmanaged.push(Unmanaged {
                kind,
                name,
                table: None,
            });
            continue;
        }
        let mut t = Table::new(name.clone());
        t.partitioned_by = partitioned.remove(&(schema.clone(), name.clone()));
        if let Some(engine) = text(row, 3) {
            t.options.insert("engine".into(), engine);
        }
        if let Some(collation) = text(row, 4) {
            t.options.insert("charset".into(), charset_of(&collation));
            t.options.insert("collation".into(), collation);
        }
        for (key, value) in table_create_options(&create_options) {
            match key.as_str() {
                "row_format" => t.options.insert(key, value.to_ascii_uppercase()),
                _ => t.options.insert(key, value),
            };
        }
        t.comment = non_empty(text(row, 6));
        rels.insert((schema, name), t);
    }

    // Column-level checks first: they belong to the column definitions.
    let mut column_checks: HashMap<(String, String, String), String> = HashMap::new();
    for row in checks {
        let key = (string(row, 0), string(row, 1));
        let name = string(row, 2);
        let clause = string(row, 4);
        if string(row, 3).eq_ignore_ascii_case("column") {
            column_checks.insert((key.0, key.1, name), clause);
            continue;
        }
        if is_own_object(&name) {
            continue;
        }
        if let Some(t) = rels.get_mut(&key) {
            t.checks.push(Check {
                name,
                expr: expression(flavor, clause),
                validated: true,
                no_inherit: false,
                comment: None,
            });
        }
    }

    for row in columns {
        let (schema, table, name) = (string(row, 0), string(row, 1), string(row, 2));
        let Some(t) = rels.get_mut(&(schema.clone(), table.clone())) else {
            continue;
        };
        let data_type_raw = string(row, 4).to_ascii_lowercase();
        let mut type_name = normalize_type(&string(row, 3));
        let nullable = string(row, 5).eq_ignore_ascii_case("YES");
        let extra = string(row, 7);
        let extra_lower = extra.to_ascii_lowercase();
        let mut options = Options::new();
        let mut collation = text(row, 10);
        let mut charset = text(row, 9);
        let mut check = column_checks.remove(&(schema.clone(), table.clone(), name.clone()));
        if data_type_raw == "longtext" && check.as_deref().is_some_and(|c| is_json_check(c, &name))
        {
            type_name = "json".into();
            check = None;
            if collation.as_deref() == Some("utf8mb4_bin") {
                collation = None;
                charset = None;
            }
        }
        if let Some(c) = check {
            options.insert("check".into(), c);
        }
        if let Some(cs) = charset {
            options.insert("charset".into(), cs);
        }
        let generated =
            if extra_lower.contains("generated") && !extra_lower.contains("default_generated") {
                Some(Generated {
                    expr: expression(flavor, string(row, 8)),
                    stored: extra_lower.contains("stored") || extra_lower.contains("persistent"),
                })
            } else {
                None
            };
        if extra_lower.contains("auto_increment") {
            options.insert("auto_increment".into(), "true".into());
        }
        if let Some(pos) = extra_lower.find("on update ") {
            let expr = extra[pos + "on update ".len()..]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            options.insert("on_update".into(), expr.to_ascii_lowercase());
        }
        if extra_lower.split_whitespace().any(|w| w == "invisible") {
            options.insert("invisible".into(), "true".into());
        }
        let default = match (text(row, 6), &generated) {
            (_, Some(_)) => None,
            (None, _) => None,
            (Some(d), _) if d == "NULL" => None,
            // `nextval(`db`.`seq`)`: the database's own qualifier goes (as in views).
            (Some(d), _) if flavor.quoted_column_defaults() => Some(strip_database(&d, &schema)),
            (Some(d), _) => {
                // MySQL 8: literals unquoted; expressions flagged DEFAULT_GENERATED.
                if extra_lower.contains("default_generated") {
                    if d.to_ascii_lowercase().starts_with("current_timestamp") {
                        Some(d.to_ascii_lowercase())
                    } else {
                        Some(parenthesized(&expression(flavor, d)))
                    }
                } else if unquoted_default_type(&data_type_raw) {
                    Some(d)
                } else {
                    Some(Dialect::Mysql.literal(&d))
                }
            }
        };
        t.columns.push(Column {
            name,
            data_type: ColumnType::builtin(type_name),
            nullable,
            default,
            identity: None,
            generated,
            collation,
            comment: non_empty(text(row, 11)),
            options,
        });
    }

    // Indexes: rows come ordered by (schema, table, index, position).
    for row in stats {
        let key = (string(row, 0), string(row, 1));
        let Some(t) = rels.get_mut(&key) else {
            continue;
        };
        let name = string(row, 2);
        let column = text(row, 4);
        if name == "PRIMARY" {
            let pk = t.primary_key.get_or_insert_with(|| PrimaryKey {
                name: "PRIMARY".into(),
                columns: Vec::new(),
                include: Vec::new(),
                deferrable: false,
                initially_deferred: false,
                comment: None,
            });
            pk.columns.push(column.unwrap_or_default());
            continue;
        }
        if is_own_object(&name) {
            continue;
        }
        let part = IndexPart {
            key: match (column, text(row, 10)) {
                (Some(c), _) => IndexKey::Column(c),
                (None, Some(expr)) => IndexKey::Expr(expression(flavor, expr)),
                (None, None) => IndexKey::Expr(String::new()),
            },
            desc: text(row, 5).as_deref() == Some("D"),
            nulls_first: false,
            opclass: None,
            collation: None,
            length: number(row, 6),
        };
        if let Some(last) = t.indexes.last_mut().filter(|i| i.name == name) {
            last.parts.push(part);
            continue;
        }
        let method = string(row, 7).to_ascii_uppercase();
        let mut part = part;
        if method == "SPATIAL" {
            // MariaDB reports a SUB_PART for geometry keys that cannot be written back.
            part.length = None;
        }
        let mut options = Options::new();
        if text(row, 9).is_some_and(|v| v.eq_ignore_ascii_case("YES")) {
            options.insert("ignored".into(), "true".into());
        }
        t.indexes.push(Index {
            name,
            unique: string(row, 3) == "0",
            method,
            parts: vec![part],
            include: Vec::new(),
            predicate: None,
            nulls_not_distinct: false,
            valid: true,
            comment: non_empty(text(row, 8)),
            options,
        });
    }

    // Foreign keys: the rules by (schema, table, constraint), then the columns, ordered by
    // (schema, table, constraint, position).
    let mut rules: HashMap<(String, String, String), &Row> = HashMap::new();
    for row in fks {
        rules.insert((string(row, 0), string(row, 1), string(row, 2)), row);
    }
    for row in fk_columns {
        let key = (string(row, 0), string(row, 1));
        let name = string(row, 2);
        if is_own_object(&name) {
            continue;
        }
        let Some(t) = rels.get_mut(&key) else {
            continue;
        };
        let Some(rule) = rules.get(&(key.0, key.1, name.clone())) else {
            continue;
        };
        let column = string(row, 3);
        let ref_column = string(row, 6);
        if let Some(last) = t.foreign_keys.last_mut().filter(|f| f.name == name) {
            last.columns.push(column);
            last.ref_columns.push(ref_column);
            continue;
        }
        t.foreign_keys.push(ForeignKey {
            name,
            columns: vec![column],
            ref_schema: string(row, 4),
            ref_table: string(row, 5),
            ref_columns: vec![ref_column],
            on_update: action(&string(rule, 3)),
            on_delete: action(&string(rule, 4)),
            match_full: string(rule, 5).eq_ignore_ascii_case("FULL"),
            deferrable: false,
            initially_deferred: false,
            validated: true,
            comment: None,
        });
    }

    // Views.
    for row in views {
        let (schema, name) = (string(row, 0), string(row, 1));
        let Some(&si) = schema_index.get(&schema) else {
            continue;
        };
        if is_own_object(&name) {
            continue;
        }
        let mut options = Options::new();
        let check_option = string(row, 3);
        if !check_option.is_empty() && !check_option.eq_ignore_ascii_case("NONE") {
            options.insert("check_option".into(), check_option.to_ascii_lowercase());
        }
        if string(row, 4).eq_ignore_ascii_case("INVOKER") {
            options.insert("security".into(), "invoker".into());
        }
        let algorithm = string(row, 5);
        if !algorithm.is_empty() && !algorithm.eq_ignore_ascii_case("UNDEFINED") {
            options.insert("algorithm".into(), algorithm.to_ascii_lowercase());
        }
        db.schemas[si].views.push(View {
            name,
            definition: strip_database(&string(row, 2), &schema),
            materialized: false,
            indexes: Vec::new(),
            comment: None,
            options,
        });
    }

    // Events (see `catalog/mysql_event.rs`).
    for row in events {
        let Some(&si) = schema_index.get(&string(row, 0)) else {
            continue;
        };
        if let Some(e) = super::mysql_event::event(row, extra) {
            db.schemas[si].events.push(e);
        }
    }

    // Triggers, in firing order: each follows the previous one of its table, timing and event
    // (migrator's own are left out, and followed by nothing).
    let mut previous: Option<(String, String, String, String, String)> = None;
    for row in triggers {
        let Some(&si) = schema_index.get(&string(row, 0)) else {
            continue;
        };
        let (name, table) = (string(row, 1), string(row, 2));
        let (timing, event) = (string(row, 3), string(row, 4));
        let group = (string(row, 0), table.clone(), timing.clone(), event.clone());
        let follows = previous
            .as_ref()
            .filter(|p| (&p.0, &p.1, &p.2, &p.3) == (&group.0, &group.1, &group.2, &group.3))
            .map(|p| p.4.clone());
        previous = Some((group.0, group.1, group.2, group.3, name.clone()));
        if is_own_object(&name) {
            continue;
        }
        let mut options = Options::new();
        if let Some(f) = follows.filter(|f| !is_own_object(f)) {
            options.insert("follows".into(), f);
        }
        db.schemas[si].triggers.push(Trigger {
            definition: format!(
                "CREATE TRIGGER {} {timing} {event} ON {} FOR EACH ROW {}",
                Dialect::Mysql.ident(&name),
                Dialect::Mysql.ident(&table),
                extra
                    .trigger_bodies
                    .get(&(string(row, 0), name.clone()))
                    .cloned()
                    .unwrap_or_else(|| string(row, 5))
            ),
            name,
            table,
            enabled: TriggerEnabled::Enabled,
            constraint: false,
            comment: None,
            options,
        });
    }

    // Routines, with their parameters (MySQL has no overloads: the signature is empty).
    let mut params: HashMap<(String, String, String), Vec<String>> = HashMap::new();
    for row in parameters {
        let kind = string(row, 2).to_ascii_uppercase();
        let mode = text(row, 3)
            .filter(|_| kind == "PROCEDURE")
            .map(|m| format!("{m} "))
            .unwrap_or_default();
        params
            .entry((string(row, 0), string(row, 1), kind))
            .or_default()
            .push(format!(
                "{mode}{} {}",
                Dialect::Mysql.ident(&string(row, 4)),
                string(row, 5)
            ));
    }
    for row in routines {
        let Some(&si) = schema_index.get(&string(row, 0)) else {
            continue;
        };
        let name = string(row, 1);
        if is_own_object(&name) {
            continue;
        }
        let type_ = string(row, 2).to_ascii_uppercase();
        let kind = match type_.as_str() {
            "PROCEDURE" => RoutineKind::Procedure,
            _ => RoutineKind::Function,
        };
        let arguments = params
            .remove(&(string(row, 0), name.clone(), type_))
            .unwrap_or_default()
            .join(", ");
        let result = match kind {
            RoutineKind::Function => text(row, 3),
            RoutineKind::Procedure => None,
        };
        let mut head = format!(
            "CREATE {} {}({arguments})",
            kind.keyword(),
            Dialect::Mysql.ident(&name)
        );
        if let Some(r) = &result {
            head.push_str(&format!(" RETURNS {r}"));
        }
        if string(row, 5).eq_ignore_ascii_case("YES") {
            head.push_str(" DETERMINISTIC");
        } else {
            head.push_str(" NOT DETERMINISTIC");
        }
        head.push_str(&format!(
            " {} SQL SECURITY {}",
            string(row, 6),
            string(row, 7)
        ));
        if let Some(c) = non_empty(text(row, 8)) {
            head.push_str(&format!(" COMMENT {}", Dialect::Mysql.literal(&c)));
        }
        let body = extra
            .routine_bodies
            .get(&(
                string(row, 0),
                name.clone(),
                string(row, 2).to_ascii_uppercase(),
            ))
            .cloned()
            .unwrap_or_else(|| string(row, 4));
        db.schemas[si].routines.push(Routine {
            definition: format!("{head} {body}"),
            name,
            kind,
            arguments,
            signature: String::new(),
            result,
            defaults: 0,
            comment: None,
        });
    }

    for ((schema, _), t) in rels {
        let si = schema_index[&schema];
        db.schemas[si].tables.push(t);
    }
    db.canonicalize();
    Ok(db)
}

#[cfg(test)]
mod tests {
    #[test]
    fn create_options_of_both_servers() {
        let pairs = |s: &str| super::table_create_options(s);
        let own = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            pairs("min_rows=5 max_rows=1000 stats_persistent=1 checksum=1 `PAGE_COMPRESSED`='1' partitioned"),
            own(&[
                ("min_rows", "5"),
                ("max_rows", "1000"),
                ("stats_persistent", "1"),
                ("checksum", "1"),
                ("page_compressed", "'1'"),
            ])
        );
        assert_eq!(
            pairs("COMPRESSION=\"zlib\" row_format=COMPRESSED `X`='a b''c' key_block_size=8 COMPRESSION=\"None\""),
            own(&[
                ("compression", "'zlib'"),
                ("row_format", "COMPRESSED"),
                ("x", "'a b''c'"),
                ("key_block_size", "8"),
            ])
        );
        assert!(pairs("partitioned").is_empty());
        assert!(pairs("").is_empty());
    }

    use super::*;

    #[test]
    fn display_widths_are_normalized() {
        assert_eq!(normalize_type("int(11)"), "int");
        assert_eq!(normalize_type("int"), "int");
        assert_eq!(normalize_type("bigint(20) unsigned"), "bigint unsigned");
        assert_eq!(normalize_type("tinyint(4)"), "tinyint");
        assert_eq!(normalize_type("tinyint(1)"), "tinyint(1)");
        assert_eq!(
            normalize_type("int(5) unsigned zerofill"),
            "int(5) unsigned zerofill"
        );
        assert_eq!(normalize_type("year(4)"), "year");
        assert_eq!(normalize_type("decimal(10,2)"), "decimal(10,2)");
        assert_eq!(normalize_type("varchar(20)"), "varchar(20)");
        assert_eq!(normalize_type("enum('int(11)')"), "enum('int(11)')");
    }

    #[test]
    fn own_database_qualifiers_are_removed_from_views() {
        let sql = "select `db`.`t`.`a` AS `a`,'`db`.' AS `x` from `db`.`t` join `other`.`u`";
        assert_eq!(
            strip_database(sql, "db"),
            "select `t`.`a` AS `a`,'`db`.' AS `x` from `t` join `other`.`u`"
        );
        // A column or table that happens to be named like the database is not a qualifier.
        assert_eq!(
            strip_database("select `x`.`db` from `db`.`x`", "db"),
            "select `x`.`db` from `x`"
        );
        assert_eq!(
            strip_database("select `db`.`db`.`a` from `db`.`db` join `o`.`db`", "db"),
            "select `db`.`a` from `db` join `o`.`db`"
        );
    }

    #[test]
    fn mysql_expressions_are_unescaped_without_utf8_introducers() {
        assert_eq!(
            mysql_expression(r"concat(`c`,_utf8mb4\' \',_utf8mb3\'a\\\'b\')"),
            r"concat(`c`,' ','a\'b')"
        );
        assert_eq!(mysql_expression(r"(`o` > -(4))"), "(`o` > -4)");
        assert_eq!(mysql_expression(r"(`o` > -(`p`))"), "(`o` > -(`p`))");
        assert_eq!(
            mysql_expression(r"_latin1\'x\' = `my_utf8mb4'`"),
            "_latin1'x' = `my_utf8mb4'`"
        );
        assert_eq!(parenthesized("(`id` + 1)"), "(`id` + 1)");
        assert_eq!(parenthesized("(a) + (b)"), "((a) + (b))");
        assert_eq!(parenthesized("uuid()"), "(uuid())");
        assert_eq!(parenthesized("-4"), "(-4)");
    }

    #[test]
    fn no_action_and_restrict_are_one_rule() {
        assert_eq!(action("NO ACTION"), ReferentialAction::Restrict);
        assert_eq!(action("RESTRICT"), ReferentialAction::Restrict);
        assert_eq!(action("CASCADE"), ReferentialAction::Cascade);
    }

    #[test]
    fn charsets_come_from_collations() {
        assert_eq!(charset_of("utf8mb4_general_ci"), "utf8mb4");
        assert_eq!(charset_of("latin1_swedish_ci"), "latin1");
        assert_eq!(charset_of("binary"), "binary");
    }
}
