//! SQL for MySQL / MariaDB.
//!
//! - Identifiers are backtick-quoted; tables are **not** qualified with the database: a
//!   statement runs in the connection's database, so the same SQL applies to the live database,
//!   to a scratch database and to a replayed migrations directory whatever their names. (A
//!   foreign key to another database names it.)
//! - String literals (comments) escape `'` and `\` (the default `sql_mode`, without
//!   `NO_BACKSLASH_ESCAPES`); defaults, checks, generation expressions and view bodies are the
//!   server's own text (see [`crate::catalog::mysql`]).
//! - Every `ALTER TABLE` says `ALGORITHM=` and `LOCK=`, chosen per change from the MariaDB 10.11
//!   facts in `ONLINE_DDL.md` (verified against the server), so that the server refuses rather
//!   than silently copying a table when an operation cannot run as planned:
//!
//!   | change | algorithm |
//!   |---|---|
//!   | add column (nullable, literal or `CURRENT_TIMESTAMP` default, virtual), drop column, rename column, set / drop default, comment, `ON UPDATE`, widen `VARCHAR` within its length-byte class, append `ENUM` / `SET` values within the same storage size, drop a check or foreign key, rename an index, table comment and default character set | `INSTANT` |
//!   | add / drop a secondary index, make a column NULL / NOT NULL, change a collation within a character set, add a primary key, `ROW_FORMAT` | `INPLACE, LOCK=NONE` |
//!   | add a `FULLTEXT` / `SPATIAL` index; add an `AUTO_INCREMENT` column; add / drop a column or rebuild a table that has a `FULLTEXT` index | `INPLACE, LOCK=SHARED` |
//!   | other type changes, character set changes, stored generated columns, defaults computed per row, `CHECK`s (validated by the copy), foreign keys (`foreign_key_checks` stays on, so existing rows are validated), dropping a primary key (or the unique NOT NULL index InnoDB clusters a table without one on), `ENGINE` | `COPY, LOCK=SHARED` |
//!
//!   `INSTANT` is written with `LOCK=DEFAULT`, the only lock MySQL 8 accepts with it (an
//!   instant change takes no lock beyond the brief metadata lock anyway). MariaDB treats
//!   `INPLACE` as "in place or better", so an `INPLACE` change the server can do instantly is.
//!   The planner (expand / contract) is the place for the online recipes that avoid `COPY`
//!   (shadow columns, `foreign_key_checks=0` after an orphan check); a diff says what turns one
//!   schema into the other, as safely as one statement can.
//! - Changes MySQL has no statement for (schemas as namespaces, enum types, sequences,
//!   extensions, exclusion constraints, `NOT VALID`) are refused by [`Renderer::check`] with a
//!   message naming the change; the diff of two MySQL models never produces them.

use super::{Renderer, SqlStatement};
use crate::diff::mysql::{ADD_KEY_OPTION, DROP_WITH_PREFIX};
use crate::diff::{Change, CommentTarget};
use crate::flavor::MysqlFlavor;
use crate::schema::{Check, Column, Database, ForeignKey, Index, IndexKey, Options, Table, View};
use crate::{Dialect, Error, Result};
use std::collections::{BTreeMap, BTreeSet};

/// Renders changes for MySQL / MariaDB. [`MysqlRenderer::for_database`] knows what of the
/// database the SQL will run on changes how a statement may run: the server
/// ([`MysqlFlavor`]: MariaDB or MySQL proper, and its version), tables with a `FULLTEXT` index
/// (adding or dropping a column rebuilds them: `LOCK=SHARED` on MariaDB, a copy on MySQL),
/// unique indexes over NOT NULL columns of tables without a primary key (InnoDB clusters the
/// table on such an index, so dropping it needs a copy), the columns an index uses and the
/// names of checks (MySQL drops those instantly, foreign keys in place).
#[derive(Debug, Clone, Default)]
pub struct MysqlRenderer {
    flavor: MysqlFlavor,
    fulltext: BTreeSet<(String, String)>,
    clustered: BTreeSet<(String, String, String)>,
    /// Tables with a STORED generated column: MariaDB makes a column NOT NULL there only by
    /// copying the table (INPLACE is refused, error 1845).
    stored_generated: BTreeSet<(String, String)>,
    /// (schema, table, column) followed by a VIRTUAL generated column: dropping it moves the
    /// virtual column, which MariaDB does only by copying the table (error 1846).
    before_virtual: BTreeSet<(String, String, String)>,
    /// (schema, table, column in lower case) used by an index.
    indexed: BTreeSet<(String, String, String)>,
    /// (schema, table, name) of table-level checks → expression.
    checks: BTreeMap<(String, String, String), String>,
    /// Tables with a check that reads an ENUM or SET column (see
    /// [`MysqlFlavor::online_rename_beside_enum_check`]).
    enum_checked: BTreeSet<(String, String)>,
}

impl MysqlRenderer {
    /// A renderer with MariaDB's rules and no database to look at.
    pub fn new() -> Self {
        Self::default()
    }

    /// A renderer for `flavor` with no database to look at.
    pub fn for_flavor(flavor: MysqlFlavor) -> Self {
        MysqlRenderer {
            flavor,
            ..Self::default()
        }
    }

    /// The server this renderer writes for.
    pub fn flavor(&self) -> &MysqlFlavor {
        &self.flavor
    }

    /// A renderer for SQL that will run on `db` (the `from` side of a diff).
    pub fn for_database(db: &Database) -> Self {
        let mut fulltext = BTreeSet::new();
        let mut clustered = BTreeSet::new();
        let mut stored_generated = BTreeSet::new();
        let mut before_virtual = BTreeSet::new();
        let mut indexed = BTreeSet::new();
        let mut checks = BTreeMap::new();
        let mut enum_checked = BTreeSet::new();
        for s in &db.schemas {
            for t in &s.tables {
                if t.indexes.iter().any(|i| i.method == "FULLTEXT") {
                    fulltext.insert((s.name.clone(), t.name.clone()));
                }
                if t.columns
                    .iter()
                    .any(|c| c.generated.as_ref().is_some_and(|g| g.stored))
                {
                    stored_generated.insert((s.name.clone(), t.name.clone()));
                }
                let is_virtual = |c: &Column| c.generated.as_ref().is_some_and(|g| !g.stored);
                if let Some(last) = t.columns.iter().rposition(is_virtual) {
                    for c in &t.columns[..last] {
                        before_virtual.insert((s.name.clone(), t.name.clone(), c.name.clone()));
                    }
                }
                let key_columns = t
                    .indexes
                    .iter()
                    .flat_map(|i| i.parts.iter().filter_map(|p| p.key.column()))
                    .chain(
                        t.primary_key
                            .iter()
                            .flat_map(|k| k.columns.iter().map(|c| c.as_str())),
                    )
                    .chain(
                        t.foreign_keys
                            .iter()
                            .flat_map(|f| f.columns.iter().map(|c| c.as_str())),
                    );
                for c in key_columns {
                    indexed.insert((s.name.clone(), t.name.clone(), c.to_ascii_lowercase()));
                }
                let choice_columns: Vec<&str> = t
                    .columns
                    .iter()
                    .filter(|c| {
                        let ty = c.data_type.name.to_ascii_lowercase();
                        ty.starts_with("enum(") || ty.starts_with("set(")
                    })
                    .map(|c| c.name.as_str())
                    .collect();
                if t.checks.iter().any(|k| {
                    choice_columns
                        .iter()
                        .any(|c| !rename_in_expr(&k.expr, c, c).1.is_empty())
                }) {
                    enum_checked.insert((s.name.clone(), t.name.clone()));
                }
                for k in &t.checks {
                    checks.insert(
                        (s.name.clone(), t.name.clone(), k.name.clone()),
                        k.expr.clone(),
                    );
                }
                if t.primary_key.is_some() {
                    continue;
                }
                for i in t.indexes.iter().filter(|i| i.unique) {
                    let not_null = i.parts.iter().all(|p| {
                        p.key
                            .column()
                            .and_then(|c| t.column(c))
                            .is_some_and(|c| !c.nullable)
                    });
                    if not_null {
                        clustered.insert((s.name.clone(), t.name.clone(), i.name.clone()));
                    }
                }
            }
        }
        MysqlRenderer {
            flavor: MysqlFlavor::of(db),
            fulltext,
            clustered,
            stored_generated,
            before_virtual,
            indexed,
            checks,
            enum_checked,
        }
    }

    /// How a `RENAME COLUMN` of `schema.table` runs: instantly (or in place) where the server
    /// can, else by copying the table (MySQL, next to a CHECK reading an ENUM / SET column).
    pub fn rename_algorithm(&self, schema: &str, table: &str) -> Algorithm {
        if !self.flavor.online_rename_beside_enum_check()
            && self
                .enum_checked
                .contains(&(schema.to_string(), table.to_string()))
        {
            return Algorithm::Copy;
        }
        Self::instant_or_inplace(self.flavor.instant_rename_column())
    }

    /// How a statement that rebuilds `schema.table` (or adds / drops a column of it) may run,
    /// when it could otherwise run as `a`.
    fn table(&self, schema: &str, table: &str) -> TableFacts {
        TableFacts {
            fulltext: self
                .fulltext
                .contains(&(schema.to_string(), table.to_string())),
            inplace_fulltext: self.flavor.inplace_fulltext_rebuild(),
            stored_generated: self
                .stored_generated
                .contains(&(schema.to_string(), table.to_string())),
        }
    }

    fn is_indexed(&self, schema: &str, table: &str, column: &str) -> bool {
        self.indexed.contains(&(
            schema.to_string(),
            table.to_string(),
            column.to_ascii_lowercase(),
        ))
    }

    /// Whether constraint `name` is a check of the table (otherwise a foreign key, or one this
    /// plan adds: the down of an added foreign key drops it).
    fn is_check(&self, schema: &str, table: &str, name: &str) -> bool {
        self.checks
            .contains_key(&(schema.to_string(), table.to_string(), name.to_string()))
    }

    /// The checks of `schema.table` whose expression names `column`: (name, expression).
    fn checks_using(&self, schema: &str, table: &str, column: &str) -> Vec<(String, String)> {
        self.checks
            .iter()
            .filter(|((s, t, _), expr)| {
                s == schema && t == table && !rename_in_expr(expr, column, column).1.is_empty()
            })
            .map(|((_, _, name), expr)| (name.clone(), expr.clone()))
            .collect()
    }

    /// `RENAME COLUMN`. MySQL refuses it for a column a CHECK uses (ERROR 3959): there the
    /// checks are dropped in the renaming statement and added again over the new name in the
    /// next one, which validates them by copying the table.
    fn rename_column(&self, schema: &str, table: &str, from: &str, to: &str) -> Vec<SqlStatement> {
        let rename = format!("RENAME COLUMN {} TO {}", ident(from), ident(to));
        let checks = if self.flavor.rename_column_used_by_check() {
            Vec::new()
        } else {
            self.checks_using(schema, table, from)
        };
        if checks.is_empty() {
            return vec![alter(table, &rename, self.rename_algorithm(schema, table))];
        }
        let mut actions: Vec<String> = checks
            .iter()
            .map(|(name, _)| format!("DROP CHECK {}", ident(name)))
            .collect();
        actions.push(rename);
        // Two statements: a copy cannot rename a column a foreign key uses (ERROR 1846).
        let mut out = vec![alter(
            table,
            &actions.join(", "),
            self.rename_algorithm(schema, table),
        )];
        let adds: Vec<String> = checks
            .iter()
            .map(|(name, expr)| {
                let (renamed, _) = rename_in_expr(expr, from, to);
                format!("ADD CONSTRAINT {} CHECK ({renamed})", ident(name))
            })
            .collect();
        out.push(alter(table, &adds.join(", "), Algorithm::Copy));
        out
    }

    /// `ADD COLUMN`. MySQL refuses it with a non-deterministic default (`uuid()`, ERROR 1674):
    /// there the column is added without it, its rows are filled with it, and it gets its
    /// final definition.
    fn add_column(&self, schema: &str, table: &str, column: &Column) -> Vec<SqlStatement> {
        let facts = self.table(schema, table);
        let volatile = !self.flavor.add_column_with_volatile_default()
            && column.generated.is_none()
            && column
                .default
                .as_deref()
                .is_some_and(|d| self.flavor.volatile_default(d));
        if !volatile {
            return vec![add_column(&self.flavor, column, table, facts)];
        }
        let default = column.default.clone().unwrap_or_default();
        let mut bare = column.clone();
        bare.default = None;
        bare.nullable = true;
        let c = ident(&column.name);
        let mut out = vec![add_column(&self.flavor, &bare, table, facts)];
        out.push(SqlStatement::new(format!(
            "UPDATE {} SET {c} = {default} WHERE {c} IS NULL",
            ident(table)
        )));
        out.extend(alter_column(
            &self.flavor,
            &bare,
            column,
            table,
            facts,
            (false, false),
        ));
        out
    }

    /// INSTANT when the server can, else in place (metadata only, `LOCK=NONE`).
    fn instant_or_inplace(can: bool) -> Algorithm {
        if can {
            Algorithm::Instant
        } else {
            Algorithm::Inplace
        }
    }
}

/// What of a table changes how a rebuild may run (see [`Algorithm::with_fulltext`]).
#[derive(Debug, Clone, Copy, Default)]
struct TableFacts {
    /// The table has a `FULLTEXT` index.
    fulltext: bool,
    /// The server rebuilds such a table in place (MariaDB), rather than by copying (MySQL).
    inplace_fulltext: bool,
    /// The table has a STORED generated column: MariaDB makes a column NOT NULL there only by
    /// copying the table (INPLACE is refused, error 1845).
    stored_generated: bool,
}

/// `` `name` ``, with embedded backticks doubled.
pub fn ident(name: &str) -> String {
    Dialect::Mysql.ident(name)
}

/// A string literal: quotes doubled and backslashes escaped.
pub fn literal(text: &str) -> String {
    Dialect::Mysql.literal(text)
}

fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How an `ALTER TABLE` may run, from the least to the most disruptive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    Instant,
    /// `INPLACE, LOCK=NONE`: reads and writes continue (the table may be rebuilt).
    Inplace,
    /// `INPLACE, LOCK=SHARED`: reads continue, writes wait.
    InplaceShared,
    /// `COPY, LOCK=SHARED`: the table is copied; reads continue, writes wait.
    Copy,
}

impl Algorithm {
    pub fn clause(self) -> &'static str {
        match self {
            Algorithm::Instant => "ALGORITHM=INSTANT, LOCK=DEFAULT",
            Algorithm::Inplace => "ALGORITHM=INPLACE, LOCK=NONE",
            Algorithm::InplaceShared => "ALGORITHM=INPLACE, LOCK=SHARED",
            Algorithm::Copy => "ALGORITHM=COPY, LOCK=SHARED",
        }
    }

    /// On a table with a FULLTEXT index, what rebuilds the table needs a shared lock
    /// (MariaDB) or a copy (MySQL, which cannot rebuild the FULLTEXT index in place).
    fn with_fulltext(self, table: TableFacts) -> Algorithm {
        match self {
            Algorithm::Instant | Algorithm::Inplace | Algorithm::InplaceShared
                if table.fulltext && !table.inplace_fulltext =>
            {
                Algorithm::Copy
            }
            Algorithm::Instant | Algorithm::Inplace if table.fulltext => Algorithm::InplaceShared,
            a => a,
        }
    }
}

pub(crate) fn alter(table: &str, actions: &str, algorithm: Algorithm) -> SqlStatement {
    SqlStatement::new(format!(
        "ALTER TABLE {} {actions}, {}",
        ident(table),
        algorithm.clause()
    ))
}

/// `` `c` type [CHARACTER SET cs] [COLLATE co] … [COMMENT '…'] [CHECK (…)] ``: the whole
/// column definition, as `ADD COLUMN` and `MODIFY COLUMN` need it.
pub fn column_definition(c: &Column) -> String {
    let mut sql = format!("{} {}", ident(&c.name), c.data_type.name);
    // MariaDB's JSON takes a collation but no CHARACTER SET clause.
    if let Some(cs) = c
        .options
        .get("charset")
        .filter(|_| c.data_type.name != "json")
    {
        sql.push_str(&format!(" CHARACTER SET {cs}"));
    }
    if let Some(co) = &c.collation {
        sql.push_str(&format!(" COLLATE {co}"));
    }
    if let Some(g) = &c.generated {
        sql.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            g.expr,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
    } else {
        sql.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
        if let Some(d) = &c.default {
            sql.push_str(&format!(" DEFAULT {d}"));
        }
        if let Some(u) = c.options.get("on_update") {
            sql.push_str(&format!(" ON UPDATE {u}"));
        }
        if c.options.contains_key("auto_increment") {
            sql.push_str(" AUTO_INCREMENT");
        }
    }
    if c.options.contains_key("invisible") {
        sql.push_str(" INVISIBLE");
    }
    if let Some(comment) = &c.comment {
        sql.push_str(&format!(" COMMENT {}", literal(comment)));
    }
    if let Some(check) = c.options.get("check") {
        sql.push_str(&format!(" CHECK ({check})"));
    }
    sql
}

fn index_parts(i: &Index) -> String {
    i.parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => ident(c),
                IndexKey::Expr(e) => format!("({e})"),
            };
            if let Some(len) = p.length {
                s.push_str(&format!("({len})"));
            }
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `[UNIQUE|FULLTEXT|SPATIAL] INDEX `i` (parts) [USING HASH] [COMMENT '…'] [IGNORED]` (MariaDB's
/// rules; see [`index_definition_for`]).
pub fn index_definition(i: &Index) -> String {
    index_definition_for(&MysqlFlavor::default(), i)
}

/// An index definition for `flavor`'s server: a hidden index is `IGNORED` on MariaDB,
/// `INVISIBLE` on MySQL.
pub fn index_definition_for(flavor: &MysqlFlavor, i: &Index) -> String {
    let kind = match i.method.as_str() {
        "FULLTEXT" => "FULLTEXT ",
        "SPATIAL" => "SPATIAL ",
        _ if i.unique => "UNIQUE ",
        _ => "",
    };
    let mut sql = format!("{kind}INDEX {} ({})", ident(&i.name), index_parts(i));
    if i.method == "HASH" {
        sql.push_str(" USING HASH");
    }
    if let Some(c) = &i.comment {
        sql.push_str(&format!(" COMMENT {}", literal(c)));
    }
    if i.options.contains_key("ignored") {
        sql.push(' ');
        sql.push_str(flavor.ignored_index_keyword());
    }
    sql
}

fn check_clause(c: &Check) -> String {
    format!("CONSTRAINT {} CHECK ({})", ident(&c.name), c.expr)
}

/// `expr` with every reference to column `from` (bare or backquoted, not qualified, not a
/// function name) written as `` `to` ``, and the references found.
pub(crate) fn rename_in_expr(expr: &str, from: &str, to: &str) -> (String, Vec<usize>) {
    use crate::migrations::split::{significant_tokens, TokenKind};
    let toks = significant_tokens(expr, Dialect::Mysql);
    let mut out = String::new();
    let mut found = Vec::new();
    let mut at = 0;
    for (i, t) in toks.iter().enumerate() {
        let name = match t.kind {
            TokenKind::Word => t.text.to_string(),
            TokenKind::Quoted if t.text.starts_with('`') && t.text.len() >= 2 => {
                t.text[1..t.text.len() - 1].replace("``", "`")
            }
            _ => continue,
        };
        let qualified = i > 0 && toks[i - 1].is_symbol(".");
        let call = toks.get(i + 1).is_some_and(|n| n.is_symbol("("));
        if qualified || call || !name.eq_ignore_ascii_case(from) {
            continue;
        }
        found.push(t.start);
        out.push_str(&expr[at..t.start]);
        out.push_str(&ident(to));
        at = t.end();
    }
    out.push_str(&expr[at..]);
    (out, found)
}

/// `CONSTRAINT `f` FOREIGN KEY (…) REFERENCES `t` (…) ON DELETE … ON UPDATE …`; the referenced
/// table is qualified only when it is in another database than `schema`.
pub fn foreign_key_clause(schema: &str, f: &ForeignKey) -> String {
    let target = if f.ref_schema.is_empty() || f.ref_schema == schema {
        ident(&f.ref_table)
    } else {
        format!("{}.{}", ident(&f.ref_schema), ident(&f.ref_table))
    };
    let mut sql = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {target} ({})",
        ident(&f.name),
        idents(&f.columns),
        idents(&f.ref_columns)
    );
    if f.match_full {
        sql.push_str(" MATCH FULL");
    }
    // RESTRICT is the default and is left unsaid: MariaDB's in-place ADD FOREIGN KEY stores an
    // explicit `RESTRICT` as `NO ACTION`, which would read back as a different key.
    for (event, action) in [("DELETE", &f.on_delete), ("UPDATE", &f.on_update)] {
        if action.sql() != "RESTRICT" {
            sql.push_str(&format!(" ON {event} {}", action.sql()));
        }
    }
    sql
}

/// Table options as `CREATE TABLE` / `ALTER TABLE` write them.
fn table_options(options: &Options) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = options.get("engine") {
        out.push(format!("ENGINE={e}"));
    }
    if let Some(cs) = options.get("charset") {
        out.push(format!("DEFAULT CHARSET={cs}"));
    }
    if let Some(co) = options.get("collation") {
        out.push(format!("COLLATE={co}"));
    }
    if let Some(rf) = options.get("row_format") {
        out.push(format!("ROW_FORMAT={rf}"));
    }
    for (key, value) in options
        .iter()
        .filter(|(k, _)| !CORE_OPTIONS.contains(&k.as_str()))
    {
        out.push(format!("{}={value}", option_name(key)));
    }
    out
}

/// The table options with a meaning of their own here; every other one the inspector reads
/// from `CREATE_OPTIONS` (`max_rows`, `stats_persistent`, `key_block_size`, MariaDB's
/// `page_compressed`…) is written back as `NAME=value`.
const CORE_OPTIONS: [&str; 4] = ["engine", "charset", "collation", "row_format"];

/// `MAX_ROWS`; a name that is not a plain word (an engine-defined attribute could be) quoted.
fn option_name(key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        key.to_ascii_uppercase()
    } else {
        ident(key)
    }
}

/// What a table option is set to when the declared schema no longer sets it: the server's
/// "unset" for it (`MAX_ROWS=DEFAULT` is a syntax error, `MAX_ROWS=0` is unset; `ENGINE`,
/// the character set, collation and row format take `DEFAULT`).
fn unset_option(key: &str) -> &'static str {
    match key {
        "max_rows" | "min_rows" | "avg_row_length" | "checksum" | "delay_key_write"
        | "key_block_size" => "0",
        "compression" => "'None'",
        _ => "DEFAULT",
    }
}

/// Whether changing the option rebuilds the table (page size and compression of the data
/// files); the others only change the table's definition.
fn option_rebuilds(key: &str) -> bool {
    matches!(
        key,
        "row_format"
            | "key_block_size"
            | "compression"
            | "encryption"
            | "page_compressed"
            | "page_compression_level"
            | "encrypted"
            | "encryption_key_id"
    )
}

fn create_table(flavor: &MysqlFlavor, t: &Table) -> String {
    let mut lines: Vec<String> = t.columns.iter().map(column_definition).collect();
    if let Some(k) = &t.primary_key {
        lines.push(format!("PRIMARY KEY ({})", idents(&k.columns)));
    }
    lines.extend(t.indexes.iter().map(|i| index_definition_for(flavor, i)));
    lines.extend(
        t.uniques
            .iter()
            .map(|u| format!("UNIQUE INDEX {} ({})", ident(&u.name), idents(&u.columns))),
    );
    lines.extend(t.checks.iter().map(check_clause));
    let mut sql = format!(
        "CREATE TABLE {} (\n    {}\n)",
        ident(&t.name),
        lines.join(",\n    ")
    );
    let mut options = table_options(&t.options);
    if let Some(c) = &t.comment {
        options.push(format!("COMMENT={}", literal(c)));
    }
    if !options.is_empty() {
        sql.push(' ');
        sql.push_str(&options.join(" "));
    }
    if let Some(p) = &t.partitioned_by {
        sql.push('\n');
        sql.push_str(&super::mysql_partition::clause(p));
    }
    sql
}

/// Whether a default can be written into existing rows without evaluating it per row (a
/// literal or the statement's timestamp), which `ADD COLUMN … ALGORITHM=INSTANT` needs.
pub(crate) fn constant_default(d: &str) -> bool {
    let d = d.trim().to_ascii_lowercase();
    d.starts_with('\'')
        || d.starts_with("b'")
        || d.starts_with("x'")
        || d.starts_with("0x")
        || d.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
        || d == "null"
        || d == "current_timestamp"
        || d == "now()"
        || (d.starts_with("current_timestamp(") && d.ends_with(')') && !d.contains(' '))
}

/// Bytes per character of a character set (the length-byte class of a VARCHAR depends on it).
fn max_bytes(charset: &str) -> u64 {
    match charset {
        "utf8mb4" | "utf16" | "utf16le" | "utf32" => 4,
        "utf8mb3" | "utf8" => 3,
        "ucs2" | "big5" | "gbk" | "sjis" | "cp932" | "euckr" | "gb2312" => 2,
        "ujis" | "eucjpms" => 3,
        _ => 1,
    }
}

fn varchar_length(t: &str) -> Option<u64> {
    t.strip_prefix("varchar(")?.strip_suffix(')')?.parse().ok()
}

/// `enum('a','b')` → number of values (quotes respected), and whether it is an enum.
fn enum_values(t: &str) -> Option<(bool, Vec<String>)> {
    let (is_enum, inner) = if let Some(r) = t.strip_prefix("enum(") {
        (true, r)
    } else {
        (false, t.strip_prefix("set(")?)
    };
    let inner = inner.strip_suffix(')')?;
    let mut values = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_quote, c) {
            (false, '\'') => in_quote = true,
            (true, '\'') if chars.peek() == Some(&'\'') => {
                cur.push_str("''");
                chars.next();
            }
            (true, '\'') => {
                in_quote = false;
                values.push(std::mem::take(&mut cur));
            }
            (true, '\\') => {
                cur.push('\\');
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (true, c) => cur.push(c),
            _ => {}
        }
    }
    Some((is_enum, values))
}

/// ENUM: 1 byte up to 255 values, else 2; SET: 1, 2, 3, 4 or 8 bytes.
fn storage_size(is_enum: bool, n: usize) -> u8 {
    if is_enum {
        if n <= 255 {
            1
        } else {
            2
        }
    } else {
        match n {
            0..=8 => 1,
            9..=16 => 2,
            17..=24 => 3,
            25..=32 => 4,
            _ => 8,
        }
    }
}

/// A type change done without copying the table: VARCHAR growth within its length-byte class
/// (same collation; instant on MariaDB, in place on MySQL), ENUM / SET values appended within
/// the same storage size (instant on both).
fn cheap_type_change(flavor: &MysqlFlavor, from: &Column, to: &Column) -> Option<Algorithm> {
    if from.collation != to.collation {
        return None;
    }
    let (f, t) = (&from.data_type.name, &to.data_type.name);
    if let (Some(a), Some(b)) = (varchar_length(f), varchar_length(t)) {
        let bytes = to.options.get("charset").map(|c| max_bytes(c)).unwrap_or(4);
        let same_class = b >= a && ((a * bytes < 256) == (b * bytes < 256));
        return same_class
            .then(|| MysqlRenderer::instant_or_inplace(flavor.instant_varchar_growth()));
    }
    if let (Some((fe, fv)), Some((te, tv))) = (enum_values(f), enum_values(t)) {
        let appended = fe == te
            && tv.len() >= fv.len()
            && tv[..fv.len()] == fv[..]
            && storage_size(fe, fv.len()) == storage_size(te, tv.len());
        return appended.then_some(Algorithm::Instant);
    }
    None
}

/// The algorithm a `MODIFY COLUMN` from `from` to `to` needs on `flavor`'s server (`indexed`:
/// an index uses the column).
fn modify_algorithm(flavor: &MysqlFlavor, from: &Column, to: &Column, indexed: bool) -> Algorithm {
    let mut a = Algorithm::Instant;
    if from.data_type != to.data_type {
        a = a.max(cheap_type_change(flavor, from, to).unwrap_or(Algorithm::Copy));
    }
    if from.collation != to.collation {
        let same_charset = from.options.get("charset") == to.options.get("charset");
        a = a.max(
            if same_charset && (!indexed || flavor.inplace_indexed_collation_change()) {
                Algorithm::Inplace
            } else {
                Algorithm::Copy
            },
        );
    }
    if from.nullable != to.nullable {
        a = a.max(Algorithm::Inplace);
    }
    let opt = |c: &Column, k: &str| c.options.get(k).cloned();
    if opt(from, "auto_increment") != opt(to, "auto_increment")
        && (opt(to, "auto_increment").is_some() || !flavor.instant_drop_auto_increment())
    {
        a = a.max(Algorithm::Copy);
    }
    if opt(from, "check") != opt(to, "check") && opt(to, "check").is_some() {
        // Existing rows are only checked by a copy.
        a = a.max(Algorithm::Copy);
    }
    if opt(from, "invisible") != opt(to, "invisible") && !flavor.instant_column_visibility() {
        a = a.max(Algorithm::Copy);
    }
    a
}

fn alter_column(
    flavor: &MysqlFlavor,
    from: &Column,
    to: &Column,
    table: &str,
    facts: TableFacts,
    (indexed, checked): (bool, bool),
) -> Vec<SqlStatement> {
    let c = ident(&to.name);
    let generated_changes = from.generated != to.generated || from.data_type != to.data_type;
    if (from.generated.is_some() || to.generated.is_some()) && generated_changes {
        let both_virtual = matches!((&from.generated, &to.generated), (Some(a), Some(b)) if !a.stored && !b.stored);
        if both_virtual && from.data_type == to.data_type && from.collation == to.collation {
            let algorithm = if flavor.inplace_virtual_expression_change() {
                Algorithm::Inplace.with_fulltext(facts)
            } else {
                Algorithm::Copy
            };
            return vec![alter(
                table,
                &format!("MODIFY COLUMN {}", column_definition(to)),
                algorithm,
            )];
        }
        // A column cannot become or stop being generated, nor change a stored expression, in
        // place: rebuild it (its values are derived).
        return vec![alter(
            table,
            &format!("DROP COLUMN {c}, ADD COLUMN {}", column_definition(to)),
            Algorithm::Copy,
        )];
    }
    // Only the default: ALTER COLUMN … SET / DROP DEFAULT.
    let mut same_but_default = from.clone();
    same_but_default.default = to.default.clone();
    // MySQL's SET DEFAULT takes a literal only where the column type takes one: a function
    // (`current_timestamp`) or an expression default goes through MODIFY COLUMN instead.
    let literal_default = to.default.as_deref().is_none_or(|d| {
        let d = d.trim_start();
        !d.starts_with('(')
            && !d.to_ascii_lowercase().starts_with("current_timestamp")
            && !d.to_ascii_lowercase().starts_with("now(")
    });
    if &same_but_default == to
        && from.default != to.default
        && (flavor.set_default_takes_bare_function() || literal_default)
    {
        let action = match &to.default {
            Some(d) => format!("ALTER COLUMN {c} SET DEFAULT {d}"),
            None => format!("ALTER COLUMN {c} DROP DEFAULT"),
        };
        return vec![alter(table, &action, Algorithm::Instant)];
    }
    let mut algorithm = modify_algorithm(flavor, from, to, indexed);
    if checked
        && algorithm == Algorithm::Instant
        && from.data_type != to.data_type
        && !flavor.instant_type_change_of_column_used_by_check()
    {
        // MySQL: an appended ENUM / SET value of a column a CHECK uses is a copy.
        algorithm = Algorithm::Copy;
    }
    let algorithm = if algorithm == Algorithm::Inplace {
        algorithm.with_fulltext(facts)
    } else {
        algorithm
    };
    // Next to a stored generated column, only a copy makes a column NOT NULL (error 1845).
    let algorithm = if facts.stored_generated && from.nullable && !to.nullable {
        algorithm.max(Algorithm::Copy)
    } else {
        algorithm
    };
    vec![alter(
        table,
        &format!("MODIFY COLUMN {}", column_definition(to)),
        algorithm,
    )]
}

fn add_column(flavor: &MysqlFlavor, c: &Column, table: &str, facts: TableFacts) -> SqlStatement {
    let mut column = c.clone();
    let key = column.options.remove(ADD_KEY_OPTION);
    let has_key = key.is_some();
    let mut actions = format!("ADD COLUMN {}", column_definition(&column));
    let ty = c.data_type.name.to_ascii_lowercase();
    let temporal_without_value = !c.nullable
        && c.default.is_none()
        && c.generated.is_none()
        && ["date", "datetime", "timestamp"]
            .iter()
            .any(|t| ty == *t || ty.starts_with(&format!("{t}(")));
    let mut algorithm = match &c.generated {
        Some(g) if g.stored => Algorithm::Copy,
        _ => MysqlRenderer::instant_or_inplace(
            flavor.instant_add_column()
                && (!temporal_without_value
                    || flavor.instant_add_not_null_temporal_without_default()),
        ),
    };
    if c.default.as_deref().is_some_and(|d| !constant_default(d)) || c.options.contains_key("check")
    {
        algorithm = Algorithm::Copy;
    }
    if c.options.contains_key("auto_increment") {
        algorithm = algorithm.max(Algorithm::InplaceShared);
    }
    if let Some(key) = key {
        let col = ident(&c.name);
        match key.split_once(':') {
            None => actions.push_str(&format!(", ADD PRIMARY KEY ({col})")),
            Some(("unique", name)) => {
                actions.push_str(&format!(", ADD UNIQUE INDEX {} ({col})", ident(name)))
            }
            Some((_, name)) => actions.push_str(&format!(", ADD INDEX {} ({col})", ident(name))),
        }
    }
    if has_key {
        // Building an index is never instant (MySQL refuses INSTANT; MariaDB does it in place).
        algorithm = algorithm.max(Algorithm::Inplace);
    }
    alter(table, &actions, algorithm.with_fulltext(facts))
}

fn alter_options(
    flavor: &MysqlFlavor,
    table: &str,
    from: &Options,
    to: &Options,
) -> Vec<SqlStatement> {
    let mut changed = Options::new();
    let mut algorithm = Algorithm::Instant;
    let keys: BTreeSet<&String> = from.keys().chain(to.keys()).collect();
    for key in keys {
        if from.get(key) != to.get(key) {
            changed.insert(
                key.to_string(),
                to.get(key)
                    .cloned()
                    .unwrap_or_else(|| unset_option(key).into()),
            );
            algorithm = algorithm.max(match key.as_str() {
                "engine" => Algorithm::Copy,
                k if option_rebuilds(k) => Algorithm::Inplace,
                _ => MysqlRenderer::instant_or_inplace(flavor.instant_table_options()),
            });
        }
    }
    // Character set and collation go together.
    if changed.contains_key("charset") || changed.contains_key("collation") {
        for key in ["charset", "collation"] {
            if let Some(v) = to.get(key) {
                changed.insert(key.to_string(), v.clone());
            }
        }
    }
    let options = table_options(&changed);
    if options.is_empty() {
        return vec![];
    }
    vec![alter(table, &options.join(" "), algorithm)]
}

fn create_view(v: &View) -> String {
    let def = v.definition.trim().trim_end_matches(';').trim_end();
    let mut sql = String::from("CREATE OR REPLACE");
    if let Some(a) = v.options.get("algorithm") {
        sql.push_str(&format!(" ALGORITHM={}", a.to_ascii_uppercase()));
    }
    if let Some(s) = v.options.get("security") {
        sql.push_str(&format!(" SQL SECURITY {}", s.to_ascii_uppercase()));
    }
    sql.push_str(&format!(" VIEW {} AS {def}", ident(&v.name)));
    if let Some(c) = v.options.get("check_option") {
        sql.push_str(&format!(" WITH {} CHECK OPTION", c.to_ascii_uppercase()));
    }
    sql
}

/// `CREATE OR REPLACE …` of a `CREATE …` statement, where the server has it (MariaDB).
fn or_replace(flavor: &MysqlFlavor, create: &str) -> Option<String> {
    if !flavor.create_or_replace_trigger() {
        return None;
    }
    create
        .strip_prefix("CREATE ")
        .map(|rest| format!("CREATE OR REPLACE {rest}"))
}

fn drop_routine(r: &crate::schema::Routine) -> String {
    format!("DROP {} {}", r.kind.keyword(), ident(&r.name))
}

/// A trigger's statement, with its place among the table's triggers of the same timing and
/// event (`FOLLOWS`).
fn trigger_sql(t: &crate::schema::Trigger) -> String {
    match t.options.get("follows") {
        Some(f) => t.definition.replacen(
            " FOR EACH ROW ",
            &format!(" FOR EACH ROW FOLLOWS {} ", ident(f)),
            1,
        ),
        None => t.definition.clone(),
    }
}

/// Why MySQL cannot run `change`, if it cannot.
fn unsupported(change: &Change) -> Option<String> {
    use Change::*;
    Some(match change {
        CreateSchema { schema } => format!(
            "creating database `{schema}`: migrator diffs one MySQL database at a time (the one the URL names); create the database first"
        ),
        DropSchema { schema } => format!(
            "dropping database `{schema}`: migrator diffs one MySQL database at a time (the one the URL names)"
        ),
        CreateExtension { extension, .. } => {
            format!("extension {}: MySQL has no extensions", extension.name)
        }
        UpdateExtension { name, .. } | DropExtension { name } => {
            format!("extension {name}: MySQL has no extensions")
        }
        CreateEnum { value, .. } => format!(
            "enum type {}: MySQL has no enum types (ENUM is a column type)",
            value.name
        ),
        AddEnumValue { name, .. } | DropEnum { name, .. } => format!(
            "enum type {name}: MySQL has no enum types (ENUM is a column type)"
        ),
        RecreateEnum { to, .. } => format!(
            "enum type {}: MySQL has no enum types (ENUM is a column type)",
            to.name
        ),
        CreateDomain { domain, .. } => {
            format!("domain {}: MySQL has no domains", domain.name)
        }
        DropDomain { name, .. }
        | SetDomainDefault { name, .. }
        | SetDomainNotNull { name, .. }
        | AddDomainCheck { domain: name, .. }
        | ValidateDomainCheck { domain: name, .. }
        | DropDomainCheck { domain: name, .. } => {
            format!("domain {name}: MySQL has no domains")
        }
        CreateComposite { composite, .. } => format!(
            "composite type {}: MySQL has no composite types",
            composite.name
        ),
        DropComposite { name, .. }
        | AddAttribute { composite: name, .. }
        | DropAttribute { composite: name, .. }
        | AlterAttribute { composite: name, .. } => {
            format!("composite type {name}: MySQL has no composite types")
        }
        CreateRange { range, .. } => {
            format!("range type {}: MySQL has no range types", range.name)
        }
        DropRange { name, .. } => format!("range type {name}: MySQL has no range types"),
        RenameEnum { from: name, .. } | RenameEnumValue { name, .. } => format!(
            "enum type {name}: MySQL has no enum types (ENUM is a column type)"
        ),
        AddExclusion { exclusion, .. } => format!(
            "exclusion constraint {}: MySQL has no exclusion constraints",
            exclusion.name
        ),
        ValidateConstraint { name, table, .. } => format!(
            "validating constraint {name} on {table}: MySQL constraints are always validated when added"
        ),
        RenameConstraint { from, table, .. } => format!(
            "renaming constraint {from} on {table}: MySQL cannot rename a constraint (the MySQL diff drops and adds it)"
        ),
        AddCheck { check, table, .. } if !check.validated => format!(
            "check {} on {table} NOT VALID: MySQL has no unvalidated checks",
            check.name
        ),
        AddForeignKey { key, table, .. } if !key.validated => format!(
            "foreign key {} on {table} NOT VALID: MySQL validates foreign keys when adding them (unless foreign_key_checks=0)",
            key.name
        ),
        AddForeignKey { key, table, .. } if key.deferrable => format!(
            "foreign key {} on {table} DEFERRABLE: MySQL has no deferrable constraints",
            key.name
        ),
        AlterColumn { from, to, table, .. }
            if from.identity.is_some() || to.identity.is_some() =>
        {
            format!(
                "identity column {table}.{}: MySQL has AUTO_INCREMENT instead",
                to.name
            )
        }
        AddColumn { column, table, .. } if column.identity.is_some() => format!(
            "identity column {table}.{}: MySQL has AUTO_INCREMENT instead",
            column.name
        ),
        CreateView { view, .. } if view.materialized => format!(
            "materialized view {}: MySQL has no materialized views",
            view.name
        ),
        DropView {
            name,
            materialized: true,
            ..
        } => format!("materialized view {name}: MySQL has no materialized views"),
        Comment { target, .. } => match target {
            CommentTarget::Table { .. } => return None,
            CommentTarget::Column { table, column, .. } => format!(
                "comment on column {table}.{column} alone: on MySQL a column comment is part of its definition (the MySQL diff renders it as MODIFY COLUMN)"
            ),
            CommentTarget::Index { index, .. } => format!(
                "comment on index {index} alone: on MySQL an index comment is part of its definition (the MySQL diff rebuilds the index)"
            ),
            other => format!(
                "comment on {other:?}: MySQL has no comments on this kind of object"
            ),
        },
        SetTriggerEnabled { name, .. } => format!(
            "trigger {name}: MySQL triggers cannot be disabled"
        ),
        CreatePolicy { .. }
        | AlterPolicy { .. }
        | ReplacePolicy { .. }
        | RenamePolicy { .. }
        | DropPolicy { .. } => "row-level security policies: MySQL has none".to_string(),
        AttachPartition { table, .. } => format!(
            "partition {}: partitioning is not modelled on MySQL",
            table.name
        ),
        DetachPartition { name, .. } => {
            format!("partition {name}: partitioning is not modelled on MySQL")
        }
        Repartition { table, .. } => {
            format!("table {table}: partitioning is not modelled on MySQL")
        }
        CreateTable { .. }
        | RenameTable { .. }
        | AlterTableOptions { .. }
        | AlterPartitioning { .. }
        | DropTable { .. }
        | AddColumn { .. }
        | RenameColumn { .. }
        | AlterColumn { .. }
        | DropColumn { .. }
        | AddPrimaryKey { .. }
        | AddUnique { .. }
        | AddCheck { .. }
        | AddForeignKey { .. }
        | DropConstraint { .. }
        | CreateIndex { .. }
        | RenameIndex { .. }
        | DropIndex { .. }
        | CreateView { .. }
        | DropView { .. }
        | CreateRoutine { .. }
        | ReplaceRoutine { .. }
        | DropRoutine { .. }
        | CreateTrigger { .. }
        | ReplaceTrigger { .. }
        | DropTrigger { .. }
        | CreateEvent { .. }
        | AlterEvent { .. }
        | DropEvent { .. } => return None,
        // MariaDB only: see `MysqlRenderer::check` (`render/mysql_event.rs`).
        CreateSequence { .. }
        | AlterSequence { .. }
        | RenameSequence { .. }
        | SetSequenceOwner { .. }
        | DropSequence { .. } => return None,
    })
}

impl Renderer for MysqlRenderer {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn check(&self, change: &Change) -> Result<()> {
        match unsupported(change)
            .or_else(|| super::mysql_event::unsupported_sequence(change, &self.flavor))
        {
            Some(why) => Err(Error::Refused(format!(
                "cannot express this change on MySQL / MariaDB: {why}"
            ))),
            None => Ok(()),
        }
    }

    fn render(&self, change: &Change) -> Vec<SqlStatement> {
        use Change::*;
        if self.check(change).is_err() {
            return vec![];
        }
        let one = |sql: String| vec![SqlStatement::new(sql)];
        match change {
            CreateTable { table, .. } => one(create_table(&self.flavor, table)),
            RenameTable { from, to, .. } => {
                one(format!("RENAME TABLE {} TO {}", ident(from), ident(to)))
            }
            AlterTableOptions {
                table, from, to, ..
            } => alter_options(&self.flavor, table, from, to),
            AlterPartitioning { .. } => super::mysql_partition::alter(&self.flavor, change),
            DropTable { name, .. } => one(format!("DROP TABLE {}", ident(name))),
            AddColumn {
                schema,
                table,
                column,
            } => self.add_column(schema, table, column),
            RenameColumn {
                schema,
                table,
                from,
                to,
            } => self.rename_column(schema, table, from, to),
            AlterColumn {
                schema,
                table,
                from,
                to,
                ..
            } => alter_column(
                &self.flavor,
                from,
                to,
                table,
                self.table(schema, table),
                (
                    self.is_indexed(schema, table, &from.name),
                    !self.checks_using(schema, table, &from.name).is_empty(),
                ),
            ),
            DropColumn {
                schema,
                table,
                column,
            } => {
                // Dropping a column that a VIRTUAL generated column follows moves it, which
                // MariaDB does only by copying the table (error 1846).
                let moves_virtual =
                    self.before_virtual
                        .contains(&(schema.clone(), table.clone(), column.clone()));
                let algorithm = match moves_virtual {
                    true => Algorithm::Copy,
                    false => Self::instant_or_inplace(
                        self.flavor
                            .instant_drop_column(self.is_indexed(schema, table, column)),
                    )
                    .with_fulltext(self.table(schema, table)),
                };
                vec![alter(
                    table,
                    &format!("DROP COLUMN {}", ident(column)),
                    algorithm,
                )]
            }
            AddPrimaryKey { schema, table, key } => vec![alter(
                table,
                &format!("ADD PRIMARY KEY ({})", idents(&key.columns)),
                Algorithm::Inplace.with_fulltext(self.table(schema, table)),
            )],
            AddUnique { table, unique, .. } => vec![alter(
                table,
                &format!(
                    "ADD UNIQUE INDEX {} ({})",
                    ident(&unique.name),
                    idents(&unique.columns)
                ),
                Algorithm::Inplace,
            )],
            AddCheck { table, check, .. } => vec![alter(
                table,
                &format!("ADD {}", check_clause(check)),
                Algorithm::Copy,
            )],
            AddForeignKey { schema, table, key } => vec![alter(
                table,
                &format!("ADD {}", foreign_key_clause(schema, key)),
                Algorithm::Copy,
            )],
            DropConstraint { table, name, .. } if name == "PRIMARY" => {
                vec![alter(table, "DROP PRIMARY KEY", Algorithm::Copy)]
            }
            DropConstraint {
                schema,
                table,
                name,
            } => vec![alter(
                table,
                &format!("DROP CONSTRAINT {}", ident(name)),
                // A check drops instantly everywhere; a foreign key (or a constraint this
                // renderer does not know, which on MySQL may be one) in place on MySQL.
                Self::instant_or_inplace(
                    self.is_check(schema, table, name) || self.flavor.instant_drop_foreign_key(),
                ),
            )],
            CreateIndex { table, index, .. } => {
                // A functional index is a hidden virtual column and its index: MySQL builds it
                // in place but refuses LOCK=NONE (as for ADD COLUMN … VIRTUAL, ADD INDEX).
                let functional = index
                    .parts
                    .iter()
                    .any(|p| matches!(p.key, IndexKey::Expr(_)));
                let algorithm = match index.method.as_str() {
                    "FULLTEXT" | "SPATIAL" => Algorithm::InplaceShared,
                    _ if functional => Algorithm::InplaceShared,
                    _ => Algorithm::Inplace,
                };
                let mut actions = format!("ADD {}", index_definition_for(&self.flavor, index));
                for key in index.options.keys() {
                    if let Some(name) = key.strip_prefix(DROP_WITH_PREFIX) {
                        actions.push_str(&format!(", DROP INDEX {}", ident(name)));
                    }
                }
                vec![alter(table, &actions, algorithm)]
            }
            RenameIndex {
                table, from, to, ..
            } => vec![alter(
                table,
                &format!("RENAME INDEX {} TO {}", ident(from), ident(to)),
                Self::instant_or_inplace(self.flavor.instant_rename_index()),
            )],
            DropIndex {
                schema,
                table,
                name,
                ..
            } => {
                let clustered =
                    self.clustered
                        .contains(&(schema.clone(), table.clone(), name.clone()));
                vec![alter(
                    table,
                    &format!("DROP INDEX {}", ident(name)),
                    if clustered {
                        Algorithm::Copy
                    } else {
                        Algorithm::Inplace
                    },
                )]
            }
            CreateView { view, .. } => one(create_view(view)),
            DropView { name, .. } => one(format!("DROP VIEW {}", ident(name))),
            Comment {
                target: CommentTarget::Table { table, .. },
                comment,
            } => vec![alter(
                table,
                &format!(
                    "COMMENT = {}",
                    literal(comment.as_deref().unwrap_or_default())
                ),
                Self::instant_or_inplace(self.flavor.instant_table_options()),
            )],
            // Refused by `check` (see `unsupported`): nothing to render.
            CreateSchema { .. }
            | DropSchema { .. }
            | CreateExtension { .. }
            | UpdateExtension { .. }
            | DropExtension { .. }
            | CreateEnum { .. }
            | AddEnumValue { .. }
            | RecreateEnum { .. }
            | DropEnum { .. }
            | RenameSequence { .. }
            | SetSequenceOwner { .. }
            | AddExclusion { .. }
            | ValidateConstraint { .. }
            | RenameConstraint { .. }
            | Comment { .. }
            | SetTriggerEnabled { .. }
            | CreateDomain { .. }
            | DropDomain { .. }
            | SetDomainDefault { .. }
            | SetDomainNotNull { .. }
            | AddDomainCheck { .. }
            | ValidateDomainCheck { .. }
            | DropDomainCheck { .. }
            | CreateComposite { .. }
            | DropComposite { .. }
            | AddAttribute { .. }
            | DropAttribute { .. }
            | AlterAttribute { .. }
            | CreateRange { .. }
            | DropRange { .. }
            | RenameEnum { .. }
            | RenameEnumValue { .. }
            | AttachPartition { .. }
            | DetachPartition { .. }
            | Repartition { .. }
            | CreatePolicy { .. }
            | AlterPolicy { .. }
            | ReplacePolicy { .. }
            | RenamePolicy { .. }
            | DropPolicy { .. } => vec![],
            CreateRoutine { routine, .. } => one(routine.definition.clone()),
            // MariaDB replaces in one statement; MySQL drops and creates (missing between the
            // two: the planner says so).
            ReplaceRoutine { from, to, .. } => match or_replace(&self.flavor, &to.definition) {
                Some(sql) => one(sql),
                None => vec![
                    SqlStatement::new(drop_routine(from)),
                    SqlStatement::new(to.definition.clone()),
                ],
            },
            DropRoutine { routine, .. } => one(drop_routine(routine)),
            CreateTrigger { trigger, .. } => one(trigger_sql(trigger)),
            ReplaceTrigger { to, in_place, .. } => {
                match or_replace(&self.flavor, &trigger_sql(to)).filter(|_| *in_place) {
                    Some(sql) => one(sql),
                    None => vec![
                        SqlStatement::new(format!("DROP TRIGGER {}", ident(&to.name))),
                        SqlStatement::new(trigger_sql(to)),
                    ],
                }
            }
            DropTrigger { trigger, .. } => one(format!("DROP TRIGGER {}", ident(&trigger.name))),
            CreateEvent { event, .. } => one(super::mysql_event::create_event(event, &self.flavor)),
            AlterEvent { from, to, .. } => super::mysql_event::alter_event(from, to, &self.flavor)
                .into_iter()
                .map(SqlStatement::new)
                .collect(),
            DropEvent { event, .. } => one(super::mysql_event::drop_event(event)),
            CreateSequence { sequence, .. } => one(super::mysql_event::create_sequence(sequence)),
            AlterSequence { from, to, .. } => one(super::mysql_event::alter_sequence(from, to)),
            DropSequence { name, .. } => one(super::mysql_event::drop_sequence(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            data_type: ColumnType::builtin(ty),
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
            options: Options::new(),
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(ident("a`b"), "`a``b`");
        assert_eq!(literal("it's a \\ path"), "'it''s a \\\\ path'");
    }

    #[test]
    fn algorithms_follow_the_change() {
        let mut a = col("v", "varchar(20)");
        a.options.insert("charset".into(), "utf8mb4".into());
        let mut b = a.clone();
        b.data_type = ColumnType::builtin("varchar(63)");
        let m = MysqlFlavor::default();
        let y = MysqlFlavor::parse("9.7.4");
        assert_eq!(modify_algorithm(&m, &a, &b, false), Algorithm::Instant);
        assert_eq!(modify_algorithm(&y, &a, &b, false), Algorithm::Inplace);
        b.data_type = ColumnType::builtin("varchar(64)");
        assert_eq!(modify_algorithm(&m, &a, &b, false), Algorithm::Copy);
        assert_eq!(modify_algorithm(&y, &a, &b, false), Algorithm::Copy);
        let e1 = col("e", "enum('a','b')");
        let mut e2 = e1.clone();
        e2.data_type = ColumnType::builtin("enum('a','b','c')");
        assert_eq!(modify_algorithm(&m, &e1, &e2, false), Algorithm::Instant);
        assert_eq!(modify_algorithm(&y, &e1, &e2, false), Algorithm::Instant);
        e2.data_type = ColumnType::builtin("enum('b','a')");
        assert_eq!(modify_algorithm(&m, &e1, &e2, false), Algorithm::Copy);
        let mut n = a.clone();
        n.nullable = false;
        assert_eq!(modify_algorithm(&m, &a, &n, false), Algorithm::Inplace);
        let mut c = a.clone();
        c.comment = Some("x".into());
        assert_eq!(modify_algorithm(&m, &a, &c, false), Algorithm::Instant);
        let mut co = a.clone();
        co.collation = Some("utf8mb4_bin".into());
        assert_eq!(modify_algorithm(&m, &a, &co, true), Algorithm::Inplace);
        assert_eq!(modify_algorithm(&y, &a, &co, false), Algorithm::Inplace);
        assert_eq!(modify_algorithm(&y, &a, &co, true), Algorithm::Copy);
    }

    #[test]
    fn only_a_default_change_is_alter_column() {
        let a = col("n", "int");
        let mut b = a.clone();
        b.default = Some("5".into());
        let sql = &alter_column(
            &MysqlFlavor::default(),
            &a,
            &b,
            "t",
            TableFacts::default(),
            (false, false),
        )[0]
        .sql;
        assert_eq!(
            sql,
            "ALTER TABLE `t` ALTER COLUMN `n` SET DEFAULT 5, ALGORITHM=INSTANT, LOCK=DEFAULT"
        );
    }

    #[test]
    fn constant_defaults() {
        for d in [
            "'x'",
            "0",
            "-1",
            "1.50",
            "b'101'",
            "current_timestamp()",
            "current_timestamp(6)",
        ] {
            assert!(constant_default(d), "{d}");
        }
        for d in ["uuid()", "(`a` + 1)", "(curdate() + interval 1 day)"] {
            assert!(!constant_default(d), "{d}");
        }
    }

    #[test]
    fn unsupported_changes_are_refused() {
        let r = MysqlRenderer::new();
        let e = r
            .check(&Change::CreateSchema { schema: "x".into() })
            .unwrap_err();
        assert!(
            e.to_string().contains("one MySQL database at a time"),
            "{e}"
        );
        assert!(r
            .render(&Change::CreateSchema { schema: "x".into() })
            .is_empty());
    }
}
