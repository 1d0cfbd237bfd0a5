//! Sample rows: values generated from each column's type, default, enum values, the CHECKs that
//! mention it, the table's keys and foreign keys, so that backfills, validations, rebuilds and
//! type conversions meet data in the rehearsal.
//!
//! Row `i` of a table is a pure function of `i`: integers `i`, text `"{i}-{column}"` cut to the
//! column's length, dates and times `i` days / minutes after 2024-01-01, enum values in turn,
//! foreign keys the `i`-th row of the parent (filled first). Key columns are therefore unique
//! across rows, and the probes (see [`super::probe`]) write rows of the same shape under indexes
//! no sample row uses. Sample rows put NULL in every seventh row of a nullable column and the
//! column's DEFAULT in every fifth where it has one, since an old schema allows both.
//!
//! What the server refuses (a CHECK the generator could not satisfy, a unique clash from a
//! short column) is retried once with a *check-friendly* variant — NULL in nullable columns a
//! CHECK mentions (a CHECK passes on NULL), values taken from the literals of the CHECK in the
//! others — and otherwise skipped and counted.
//!
//! The types are read as each server prints them, behind [`Values`], one implementation per
//! dialect.

use super::session::Session;
use crate::schema::{Column, Database, Table, UserTypeKind};
use crate::Dialect;
use std::collections::{BTreeMap, BTreeSet};

/// What a column holds, as far as making up values for it goes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Int {
        min: i128,
        max: i128,
    },
    Decimal {
        int_digits: u32,
        scale: u32,
    },
    Float,
    Bool,
    Text {
        max: Option<usize>,
    },
    Bytes {
        max: Option<usize>,
    },
    Date,
    Timestamp {
        tz: bool,
    },
    Time,
    Interval,
    Year,
    Uuid,
    Json,
    Inet,
    Cidr,
    MacAddr,
    Bits {
        len: usize,
    },
    /// Enum (or MySQL SET) values.
    Choice(Vec<String>),
    /// A Postgres array: the empty array.
    Array,
    /// A Postgres built-in range of this element kind (`int4range`: Int, `tstzrange`:
    /// Timestamp): `[v(i), v(i + 1))`, so the rows' ranges do not overlap (an `EXCLUDE …
    /// WITH &&` constraint accepts them all).
    Range(Box<Kind>),
    /// A Postgres composite type (`ROW(…)::type`): its type as SQL names it, and its
    /// attributes' names and kinds.
    Row {
        type_name: String,
        fields: Vec<(String, Kind)>,
    },
    Unknown,
}

impl Kind {
    fn numeric(&self) -> bool {
        matches!(
            self,
            Kind::Int { .. } | Kind::Decimal { .. } | Kind::Float | Kind::Year
        )
    }

    fn textual(&self) -> bool {
        matches!(self, Kind::Text { .. } | Kind::Choice(_))
    }

    /// Values of this kind compare reliably with `=` against the literal that wrote them.
    pub(crate) fn locatable(&self) -> bool {
        matches!(
            self,
            Kind::Int { .. } | Kind::Text { .. } | Kind::Uuid | Kind::Choice(_) | Kind::Date
        )
    }
}

/// How a dialect's types become [`Kind`]s and values become SQL literals.
pub(crate) trait Values: Sync {
    fn dialect(&self) -> Dialect;

    /// The kind of `column`, a column of a table of `db` (enum types are looked up there).
    fn kind(&self, column: &Column, db: &Database) -> Kind;

    /// Whether the server fills the column itself (identity, serial, auto-increment, generated):
    /// an application does not write it.
    fn server_fills(&self, column: &Column) -> bool;

    /// A literal of `kind` for the dialect-specific kinds; `None` falls back to
    /// [`common_literal`].
    fn special_literal(&self, kind: &Kind, i: u64) -> Option<String>;
}

/// The [`Values`] of a dialect.
pub(crate) fn values_for(dialect: Dialect) -> &'static dyn Values {
    match dialect {
        Dialect::Postgres => &PgValues,
        Dialect::Mysql => &MyValues,
    }
}

/// The literal for row `i` of a column named `column` of kind `kind`; `None` for an unknown
/// kind.
pub(crate) fn literal(values: &dyn Values, kind: &Kind, i: u64, column: &str) -> Option<String> {
    values
        .special_literal(kind, i)
        .or_else(|| common_literal(values.dialect(), kind, i, column))
}

fn common_literal(dialect: Dialect, kind: &Kind, i: u64, column: &str) -> Option<String> {
    let lit = |s: &str| dialect.literal(s);
    Some(match kind {
        Kind::Int { min, max } => {
            let v = i as i128;
            let v = if v <= *max {
                v
            } else if *max > 0 {
                v % (*max + 1)
            } else {
                *min
            };
            v.max(*min).to_string()
        }
        Kind::Decimal { int_digits, scale } => {
            let max_int = 10u128.saturating_pow(*int_digits).saturating_sub(1);
            let ip = if max_int == 0 {
                0
            } else {
                (i as u128) % (max_int + 1)
            };
            if *scale == 0 {
                ip.to_string()
            } else {
                let digits = (*scale).min(2) as usize;
                let frac = (i % 10u64.pow(digits as u32)).to_string();
                format!("{ip}.{frac:0>digits$}")
            }
        }
        Kind::Float => format!("{i}.25"),
        Kind::Text { max } => {
            let text = format!("{i}-{column}");
            let text: String = match max {
                Some(n) => text.chars().take((*n).max(1)).collect(),
                None => text,
            };
            lit(&text)
        }
        Kind::Date => {
            let d = base_date() + chrono::Duration::days((i % 3650) as i64);
            lit(&d.format("%Y-%m-%d").to_string())
        }
        Kind::Timestamp { tz } => {
            let t = base_date().and_hms_opt(0, 0, 0).expect("midnight")
                + chrono::Duration::minutes((i % 1_000_000) as i64);
            let text = t.format("%Y-%m-%d %H:%M:%S").to_string();
            lit(&if *tz { format!("{text}+00") } else { text })
        }
        Kind::Time => {
            let s = i % 86_400;
            lit(&format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60))
        }
        Kind::Interval => lit(&format!("{i} minutes")),
        Kind::Year => (1901 + i % 255).to_string(),
        Kind::Uuid => lit(&format!("00000000-0000-4000-8000-{:012x}", i)),
        Kind::Json => lit(&format!("{{\"n\": {i}}}")),
        Kind::Inet => lit(&format!(
            "10.{}.{}.{}",
            i >> 16 & 255,
            i >> 8 & 255,
            i & 255
        )),
        Kind::Cidr => lit(&format!("10.{}.{}.0/24", i >> 8 & 255, i & 255)),
        Kind::MacAddr => lit(&format!(
            "08:00:2b:{:02x}:{:02x}:{:02x}",
            i >> 16 & 255,
            i >> 8 & 255,
            i & 255
        )),
        Kind::Bits { len } => {
            let len = (*len).clamp(1, 64);
            let bits: String = (0..len)
                .rev()
                .map(|b| if (i >> b) & 1 == 1 { '1' } else { '0' })
                .collect();
            format!("B'{bits}'")
        }
        Kind::Choice(values) if !values.is_empty() => lit(&values[i as usize % values.len()]),
        Kind::Range(element) => {
            // The bounds as the element's literals, unquoted inside the range literal.
            let bound = |n: u64| {
                let l = common_literal(dialect, element, n, column)?;
                Some(l.trim_matches('\'').to_string())
            };
            lit(&format!("[{},{})", bound(i)?, bound(i + 1)?))
        }
        Kind::Choice(_)
        | Kind::Unknown
        | Kind::Array
        | Kind::Bool
        | Kind::Bytes { .. }
        | Kind::Row { .. } => return None,
    })
}

fn base_date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date")
}

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// `(p,s)` of `numeric(p,s)` / `decimal(p,s)`, or `(p)`.
fn precision(t: &str) -> Option<(u32, u32)> {
    let args = t.split_once('(')?.1.split_once(')')?.0;
    let mut it = args.split(',').map(|x| x.trim().parse::<u32>().ok());
    let p = it.next()??;
    let s = it.next().flatten().unwrap_or(0);
    Some((p, s))
}

/// The single number in parentheses: `varchar(20)` → 20.
fn length(t: &str) -> Option<usize> {
    precision(t).map(|(p, _)| p as usize)
}

struct PgValues;

impl Values for PgValues {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn kind(&self, column: &Column, db: &Database) -> Kind {
        let t = column.data_type.name.as_str();
        if column.data_type.array {
            return Kind::Array;
        }
        if let Some(u) = &column.data_type.user_type {
            return match u.kind {
                UserTypeKind::Enum => db
                    .schema(&u.schema)
                    .and_then(|s| s.enum_type(&u.name))
                    .map(|e| Kind::Choice(e.values.clone()))
                    .unwrap_or(Kind::Unknown),
                UserTypeKind::Base if u.name == "citext" => Kind::Text { max: None },
                // A domain's values are its base type's (its CHECKs: see `domain_checks`).
                UserTypeKind::Domain => {
                    match db.schema(&u.schema).and_then(|s| s.domain(&u.name)) {
                        Some(d) if depth(column) < 8 => {
                            let mut base = column.clone();
                            base.data_type = d.base.clone();
                            base.collation = None;
                            self.kind(&base, db)
                        }
                        _ => Kind::Unknown,
                    }
                }
                UserTypeKind::Composite => {
                    match db.schema(&u.schema).and_then(|s| s.composite(&u.name)) {
                        Some(c) if depth(column) < 8 => Kind::Row {
                            type_name: column.data_type.name.clone(),
                            fields: c
                                .attributes
                                .iter()
                                .map(|a| {
                                    let mut field = column.clone();
                                    field.name = format!("{}\u{1}", column.name);
                                    field.data_type = a.data_type.clone();
                                    (a.name.clone(), self.kind(&field, db))
                                })
                                .collect(),
                        },
                        _ => Kind::Unknown,
                    }
                }
                UserTypeKind::Base | UserTypeKind::Range | UserTypeKind::Other => Kind::Unknown,
            };
        }
        match t {
            "smallint" => Kind::Int {
                min: i16::MIN as i128,
                max: i16::MAX as i128,
            },
            "integer" => Kind::Int {
                min: i32::MIN as i128,
                max: i32::MAX as i128,
            },
            "bigint" => Kind::Int {
                min: i64::MIN as i128,
                max: i64::MAX as i128,
            },
            "real" | "double precision" => Kind::Float,
            "money" => Kind::Decimal {
                int_digits: 9,
                scale: 2,
            },
            "boolean" => Kind::Bool,
            "text" | "name" | "character varying" | "tsvector" => Kind::Text { max: None },
            "\"char\"" => Kind::Text { max: Some(1) },
            "bytea" => Kind::Bytes { max: None },
            "date" => Kind::Date,
            "uuid" => Kind::Uuid,
            "json" | "jsonb" => Kind::Json,
            "inet" => Kind::Inet,
            "cidr" => Kind::Cidr,
            "macaddr" => Kind::MacAddr,
            _ if t.starts_with("numeric") => match precision(t) {
                Some((p, s)) => Kind::Decimal {
                    int_digits: p.saturating_sub(s),
                    scale: s,
                },
                None => Kind::Decimal {
                    int_digits: 9,
                    scale: 2,
                },
            },
            _ if t.starts_with("character varying(") || t.starts_with("character(") => {
                Kind::Text { max: length(t) }
            }
            _ if t == "character" => Kind::Text { max: Some(1) },
            _ if t.starts_with("timestamp") => Kind::Timestamp {
                tz: t.ends_with("with time zone"),
            },
            _ if t.starts_with("time") => Kind::Time,
            _ if t.starts_with("interval") => Kind::Interval,
            "int4range" | "int8range" => Kind::Range(Box::new(Kind::Int {
                min: 0,
                max: i32::MAX as i128,
            })),
            "numrange" => Kind::Range(Box::new(Kind::Decimal {
                int_digits: 9,
                scale: 2,
            })),
            "daterange" => Kind::Range(Box::new(Kind::Date)),
            "tsrange" => Kind::Range(Box::new(Kind::Timestamp { tz: false })),
            "tstzrange" => Kind::Range(Box::new(Kind::Timestamp { tz: true })),
            _ if t.starts_with("bit varying") => Kind::Bits {
                len: length(t).unwrap_or(8).min(8),
            },
            _ if t.starts_with("bit") => Kind::Bits {
                len: length(t).unwrap_or(1),
            },
            _ => Kind::Unknown,
        }
    }

    fn server_fills(&self, column: &Column) -> bool {
        column.identity.is_some()
            || column.generated.is_some()
            || column
                .default
                .as_deref()
                .is_some_and(|d| d.contains("nextval("))
    }

    fn special_literal(&self, kind: &Kind, i: u64) -> Option<String> {
        match kind {
            Kind::Bool => Some(if i.is_multiple_of(2) { "true" } else { "false" }.into()),
            Kind::Bytes { max } => {
                let mut b = i.to_string().into_bytes();
                if let Some(n) = max {
                    b.truncate((*n).max(1));
                }
                Some(format!("'\\x{}'", hex(&b)))
            }
            Kind::Array => Some("'{}'".into()),
            // Every attribute's value of row `i` (NULL where none can be made up).
            Kind::Row { type_name, fields } => Some(format!(
                "ROW({})::{type_name}",
                fields
                    .iter()
                    .map(|(name, k)| literal(self, k, i, name).unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => None,
        }
    }
}

struct MyValues;

/// How deep a made-up column is in nested domains / composite types (each level appends a
/// `\u{1}` to its name): a bound against a type referring to itself through others.
fn depth(column: &Column) -> usize {
    column.name.matches('\u{1}').count()
}

/// The CHECK expressions of the domain a column's type is (and of the domains it is built on),
/// and whether one of them is NOT NULL.
pub(crate) fn domain_checks(column: &Column, db: &Database) -> (Vec<String>, bool) {
    let mut checks = Vec::new();
    let mut not_null = false;
    let mut ty = &column.data_type;
    for _ in 0..8 {
        let Some(u) = ty
            .user_type
            .as_ref()
            .filter(|u| u.kind == UserTypeKind::Domain && !ty.array)
        else {
            break;
        };
        let Some(d) = db.schema(&u.schema).and_then(|s| s.domain(&u.name)) else {
            break;
        };
        checks.extend(d.checks.iter().map(|c| c.expr.clone()));
        not_null |= d.not_null;
        ty = &d.base;
    }
    (checks, not_null)
}

/// The quoted values of `enum('a','b')` / `set('a','b')` as MySQL prints them (`''` escapes a
/// quote, a backslash is doubled).
fn mysql_choices(t: &str) -> Vec<String> {
    let Some(body) = t
        .split_once('(')
        .and_then(|(_, b)| b.rsplit_once(')'))
        .map(|(b, _)| b)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut v = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\'' => break,
                '\\' => {
                    if let Some(n) = chars.next() {
                        v.push(n);
                    }
                }
                c => v.push(c),
            }
        }
        out.push(v);
    }
    out
}

impl Values for MyValues {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn kind(&self, column: &Column, _db: &Database) -> Kind {
        let t = column.data_type.name.to_ascii_lowercase();
        let unsigned = t.contains("unsigned");
        let base = t.split(['(', ' ']).next().unwrap_or("").to_string();
        let int = |bits: u32| {
            if unsigned {
                Kind::Int {
                    min: 0,
                    max: (1i128 << bits) - 1,
                }
            } else {
                Kind::Int {
                    min: -(1i128 << (bits - 1)),
                    max: (1i128 << (bits - 1)) - 1,
                }
            }
        };
        match base.as_str() {
            "tinyint" if t.starts_with("tinyint(1)") => Kind::Bool,
            "tinyint" => int(8),
            "smallint" => int(16),
            "mediumint" => int(24),
            "int" | "integer" => int(32),
            "bigint" => int(64),
            "decimal" | "numeric" | "dec" | "fixed" => {
                let (p, s) = precision(&t).unwrap_or((10, 0));
                Kind::Decimal {
                    int_digits: p.saturating_sub(s),
                    scale: s,
                }
            }
            "float" | "double" | "real" => Kind::Float,
            "bit" => Kind::Bits {
                len: length(&t).unwrap_or(1),
            },
            "char" | "varchar" => Kind::Text { max: length(&t) },
            "tinytext" => Kind::Text { max: Some(255) },
            "text" | "mediumtext" | "longtext" => Kind::Text { max: None },
            "binary" | "varbinary" => Kind::Bytes { max: length(&t) },
            "tinyblob" => Kind::Bytes { max: Some(255) },
            "blob" | "mediumblob" | "longblob" => Kind::Bytes { max: None },
            "date" => Kind::Date,
            "datetime" | "timestamp" => Kind::Timestamp { tz: false },
            "time" => Kind::Time,
            "year" => Kind::Year,
            "enum" | "set" => Kind::Choice(mysql_choices(&column.data_type.name)),
            "json" => Kind::Json,
            "uuid" => Kind::Uuid,
            "inet4" => Kind::Inet,
            _ => Kind::Unknown,
        }
    }

    fn server_fills(&self, column: &Column) -> bool {
        column.generated.is_some()
            || column
                .options
                .get("auto_increment")
                .is_some_and(|v| v == "true")
    }

    fn special_literal(&self, kind: &Kind, i: u64) -> Option<String> {
        match kind {
            Kind::Bool => Some(if i.is_multiple_of(2) { "1" } else { "0" }.into()),
            Kind::Bytes { max } => {
                let mut b = i.to_string().into_bytes();
                if let Some(n) = max {
                    b.truncate((*n).max(1));
                }
                Some(format!("X'{}'", hex(&b)))
            }
            _ => None,
        }
    }
}

// ------------------------------------------------------------------------------ CHECK literals

/// Whether `expr` names `column` (as a whole word, quoted or not).
pub(crate) fn mentions(expr: &str, column: &str) -> bool {
    if column.is_empty() {
        return false;
    }
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut from = 0;
    while let Some(pos) = expr[from..].find(column) {
        let start = from + pos;
        let end = start + column.len();
        let before = expr[..start].chars().next_back();
        let after = expr[end..].chars().next();
        if !before.is_some_and(word) && !after.is_some_and(word) {
            return true;
        }
        from = start + column.len().max(1);
        while !expr.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// The string and number literals of a CHECK expression.
fn check_literals(expr: &str) -> (Vec<String>, Vec<String>) {
    let mut strings = Vec::new();
    let mut numbers = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        if c == '\'' {
            let mut v = String::new();
            k += 1;
            while k < chars.len() {
                if chars[k] == '\'' {
                    if chars.get(k + 1) == Some(&'\'') {
                        v.push('\'');
                        k += 2;
                        continue;
                    }
                    break;
                }
                if chars[k] == '\\' && k + 1 < chars.len() {
                    k += 1;
                }
                v.push(chars[k]);
                k += 1;
            }
            strings.push(v);
        } else if c == '"' || c == '`' {
            // A quoted identifier: skip it whole.
            k += 1;
            while k < chars.len() && chars[k] != c {
                k += 1;
            }
        } else if c.is_ascii_digit()
            && !(k > 0 && (chars[k - 1].is_alphanumeric() || chars[k - 1] == '_'))
        {
            let mut v = String::new();
            if k > 0 && chars[k - 1] == '-' {
                v.push('-');
            }
            while k < chars.len() && (chars[k].is_ascii_digit() || chars[k] == '.') {
                v.push(chars[k]);
                k += 1;
            }
            numbers.push(v.trim_end_matches('.').to_string());
            continue;
        }
        k += 1;
    }
    (strings, numbers)
}

/// Whether CHECK `expr` reads as a list of allowed values: `c IN ('a', 'b')` (Postgres:
/// `c = ANY (ARRAY['a', 'b'])`), with no negation or inequality beside it.
fn allowed_list(expr: &str) -> bool {
    let x = expr.to_ascii_lowercase();
    (x.contains(" in (") || x.contains("= any (array["))
        && !["not ", "<>", "!=", "<", ">"].iter().any(|n| x.contains(n))
}

/// The CHECK expressions of a table: table checks, and MariaDB column-level checks.
pub(crate) fn checks_of(table: &Table) -> Vec<String> {
    let mut out: Vec<String> = table.checks.iter().map(|c| c.expr.clone()).collect();
    for c in &table.columns {
        if let Some(x) = c.options.get("check") {
            out.push(x.clone());
        }
    }
    out
}

// ------------------------------------------------------------------------------ rows

/// How a row is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Sample rows: NULLs and DEFAULTs mixed in.
    Sample,
    /// Probe rows: a value in every column the application writes.
    Probe,
}

/// One column an application writes.
#[derive(Debug, Clone)]
pub(crate) struct ColumnGen {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
    pub has_default: bool,
    /// `(foreign key index, position in its columns)` of the first foreign key it is part of.
    pub fk: Option<(usize, usize)>,
    /// Part of the primary key.
    pub key: bool,
    /// Part of a unique key, in either shape: never given its DEFAULT in sample rows (a
    /// column about to become unique does not hold one value in every row).
    pub unique: bool,
    /// Strings and numbers of the CHECKs that mention it (empty: no CHECK does).
    pub check_strings: Vec<String>,
    pub check_numbers: Vec<String>,
    pub in_check: bool,
    /// Every CHECK naming strings for it is a list of allowed values (`c IN ('a', 'b')`):
    /// the application writes one of `check_strings`, even while no CHECK is enforced (a
    /// CHECK whose condition changes is off between expand and contract on MySQL).
    pub listed: bool,
}

/// A foreign key of the table: the parent and the columns whose values to pick.
#[derive(Debug, Clone)]
pub(crate) struct ParentRef {
    pub schema: String,
    pub table: String,
    pub columns: Vec<String>,
    /// Refers to the table itself.
    pub own: bool,
}

/// What the other shape of a table adds to the rows one shape writes: while a plan is half
/// applied, both shapes' CHECKs and foreign keys are enforced.
#[derive(Debug, Clone, Default)]
pub(crate) struct Other {
    /// CHECK expressions, over the other shape's column names.
    pub checks: Vec<String>,
    /// This shape's column → the other shape's name for it.
    pub names: BTreeMap<String, String>,
    /// Foreign keys: this shape's columns, and the parent as this shape names it.
    pub foreign_keys: Vec<(Vec<String>, ParentRef)>,
    /// Columns of its unique keys, under the other shape's names.
    pub unique: BTreeSet<String>,
}

/// The unique keys of a table (constraints, and unique indexes on plain columns).
pub(crate) fn unique_keys(table: &Table) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = table.uniques.iter().map(|u| u.columns.clone()).collect();
    for i in &table.indexes {
        if i.unique && i.predicate.is_none() {
            let cols: Option<Vec<String>> = i
                .parts
                .iter()
                .map(|p| p.key.column().map(String::from))
                .collect();
            out.extend(cols);
        }
    }
    out
}

/// How to write rows of one table in one shape (old or new).
#[derive(Clone)]
pub(crate) struct RowGen {
    pub schema: String,
    pub table: String,
    pub columns: Vec<ColumnGen>,
    /// Quoted names of the key columns the server fills (identity, serial, auto-increment).
    pub generated_key: Vec<String>,
    pub parents: Vec<ParentRef>,
    /// Names of the primary-key columns.
    pub primary_key: Vec<String>,
    /// Unique keys (column names), for locating a row of a table without a primary key.
    pub uniques: Vec<Vec<String>>,
    /// A partitioned table: key column → value inside one leaf partition's bounds, per leaf
    /// (row `i` goes to leaf `i % len`).
    pub partition_values: Vec<BTreeMap<String, String>>,
    values: &'static dyn Values,
}

impl RowGen {
    /// The generator for `table` of `db`; `kinds` overrides the kind of some columns (a column
    /// whose type the plan changes keeps its old type until contract); `other`: what the other
    /// shape adds (its CHECKs and foreign keys are enforced too while a plan is half applied).
    pub fn new(
        values: &'static dyn Values,
        db: &Database,
        schema: &str,
        table: &Table,
        kinds: &BTreeMap<String, Kind>,
        other: &Other,
    ) -> RowGen {
        let checks = checks_of(table);
        let mut parents = Vec::new();
        let mut fk_of: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for fk in &table.foreign_keys {
            let k = parents.len();
            for (pos, c) in fk.columns.iter().enumerate() {
                fk_of.entry(c.clone()).or_insert((k, pos));
            }
            parents.push(ParentRef {
                schema: fk.ref_schema.clone(),
                table: fk.ref_table.clone(),
                columns: fk.ref_columns.clone(),
                own: fk.ref_table == table.name && fk.ref_schema == schema,
            });
        }
        for (columns, parent) in &other.foreign_keys {
            let free = columns
                .iter()
                .all(|c| table.column(c).is_some() && !fk_of.contains_key(c));
            if !free {
                continue;
            }
            let k = parents.len();
            for (pos, c) in columns.iter().enumerate() {
                fk_of.insert(c.clone(), (k, pos));
            }
            let mut parent = parent.clone();
            parent.own = parent.table == table.name && parent.schema == schema;
            parents.push(parent);
        }
        let pk: Vec<String> = table
            .primary_key
            .as_ref()
            .map(|p| p.columns.clone())
            .unwrap_or_default();
        let uniques = unique_keys(table);
        let unique: BTreeSet<&String> = uniques.iter().flatten().collect();
        let mut generated_key = Vec::new();
        let mut columns = Vec::new();
        for c in &table.columns {
            if values.server_fills(c) {
                if pk.contains(&c.name) && c.generated.is_none() {
                    generated_key.push(values.dialect().ident(&c.name));
                }
                continue;
            }
            let alias = other.names.get(&c.name);
            // A domain's CHECKs read `VALUE`: they are about this column.
            let (own, domain_not_null) = domain_checks(c, db);
            let relevant: Vec<&String> = checks
                .iter()
                .filter(|x| mentions(x, &c.name))
                .chain(&own)
                .chain(
                    other
                        .checks
                        .iter()
                        .filter(|x| alias.is_some_and(|a| mentions(x, a))),
                )
                .collect();
            let (mut strings, mut numbers) = (Vec::new(), Vec::new());
            let mut string_sets: Vec<Vec<String>> = Vec::new();
            let mut listed = true;
            for x in &relevant {
                let (s, n) = check_literals(x);
                if !s.is_empty() {
                    string_sets.push(s.clone());
                    listed &= allowed_list(x);
                }
                strings.extend(s);
                numbers.extend(n);
            }
            // A value every CHECK naming strings lists (an old and a new `IN (…)` list: one both
            // versions accept), when there is one.
            let common: Vec<String> = strings
                .iter()
                .filter(|v| string_sets.iter().all(|set| set.contains(v)))
                .cloned()
                .collect();
            if !common.is_empty() {
                strings = common;
            }
            strings.sort();
            strings.dedup();
            numbers.sort();
            numbers.dedup();
            columns.push(ColumnGen {
                name: c.name.clone(),
                kind: kinds
                    .get(&c.name)
                    .cloned()
                    .unwrap_or_else(|| values.kind(c, db)),
                nullable: c.nullable && !domain_not_null,
                has_default: c.default.is_some(),
                fk: fk_of.get(&c.name).copied(),
                key: pk.contains(&c.name),
                unique: pk.contains(&c.name)
                    || unique.contains(&c.name)
                    || alias.is_some_and(|a| other.unique.contains(a)),
                listed: listed && !strings.is_empty(),
                check_strings: strings,
                check_numbers: numbers,
                in_check: !relevant.is_empty(),
            });
        }
        RowGen {
            schema: schema.to_string(),
            table: table.name.clone(),
            columns,
            generated_key,
            parents,
            primary_key: pk,
            uniques,
            partition_values: super::partition::leaf_values(db, schema, &table.name),
            values,
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.values.dialect()
    }

    /// The SQL value of column `c` in row `i`. `parents[k]` holds rows (as text) of the
    /// parent of foreign key `k`. `friendly`: the check-friendly variant.
    pub fn value(
        &self,
        c: &ColumnGen,
        i: u64,
        mode: Mode,
        friendly: bool,
        parents: &[Vec<Vec<Option<String>>>],
    ) -> String {
        let d = self.dialect();
        if !self.partition_values.is_empty() {
            let leaf = &self.partition_values[i as usize % self.partition_values.len()];
            if let Some(v) = leaf.get(&c.name) {
                return v.clone();
            }
        }
        if mode == Mode::Sample && c.nullable && !c.key && i % 7 == 3 {
            return "NULL".into();
        }
        if mode == Mode::Sample && c.has_default && !c.unique && i % 5 == 1 && c.fk.is_none() {
            return "DEFAULT".into();
        }
        if let Some((k, pos)) = c.fk {
            let rows = parents.get(k).map(Vec::as_slice).unwrap_or(&[]);
            if rows.is_empty() {
                return "NULL".into();
            }
            let row = &rows[(i as usize) % rows.len()];
            return match row.get(pos).cloned().flatten() {
                Some(v) => d.literal(&v),
                None => "NULL".into(),
            };
        }
        if mode == Mode::Probe && c.listed && c.kind.textual() {
            return d.literal(&c.check_strings[i as usize % c.check_strings.len()]);
        }
        if friendly && c.in_check {
            if c.nullable && !c.key {
                return "NULL".into();
            }
            if c.kind.textual() && !c.check_strings.is_empty() {
                return d.literal(&c.check_strings[i as usize % c.check_strings.len()]);
            }
            if c.kind.numeric() && !c.check_numbers.is_empty() {
                // Each literal and its neighbours, in turn: one of them usually lies inside a
                // range.
                let n = &c.check_numbers[(i as usize / 3) % c.check_numbers.len()];
                if let Ok(v) = n.parse::<i64>() {
                    return (v + [0, 1, -1][i as usize % 3]).to_string();
                }
                return n.clone();
            }
        }
        match literal(self.values, &c.kind, i, &c.name) {
            Some(v) => v,
            None if c.nullable => "NULL".into(),
            None if c.has_default => "DEFAULT".into(),
            None => d.literal(&i.to_string()),
        }
    }

    /// The values of row `i`, in [`RowGen::columns`] order.
    pub fn row(
        &self,
        i: u64,
        mode: Mode,
        friendly: bool,
        parents: &[Vec<Vec<Option<String>>>],
    ) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| self.value(c, i, mode, friendly, parents))
            .collect()
    }

    /// `INSERT INTO t (…) VALUES (…), …` for `rows` (each in column order).
    pub fn insert(&self, session: &dyn Session, rows: &[Vec<String>]) -> String {
        let t = session.table(&self.schema, &self.table);
        if self.columns.is_empty() {
            return session.insert_defaults(&t);
        }
        let d = self.dialect();
        let cols: Vec<String> = self.columns.iter().map(|c| d.ident(&c.name)).collect();
        let values: Vec<String> = rows.iter().map(|r| format!("({})", r.join(", "))).collect();
        format!(
            "INSERT INTO {t} ({}) VALUES {}",
            cols.join(", "),
            values.join(", ")
        )
    }

    /// Reads the rows of every parent (key columns as text).
    pub async fn parent_rows(&self, session: &mut dyn Session) -> Vec<Vec<Vec<Option<String>>>> {
        let d = self.dialect();
        let mut out = Vec::new();
        for p in &self.parents {
            let (schema, table) = (&p.schema, &p.table);
            let cols: Vec<String> = p.columns.iter().map(|c| d.ident(c)).collect();
            let text: Vec<String> = cols.iter().map(|c| session.as_text(c)).collect();
            let not_null: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
            let sql = format!(
                "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1000",
                text.join(", "),
                session.table(schema, table),
                not_null.join(" AND "),
                cols.join(", ")
            );
            out.push(session.query(&sql).await.unwrap_or_default());
        }
        out
    }
}

/// What sample rows went into one table.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TableRows {
    /// `schema.table`.
    pub table: String,
    /// Rows the server accepted.
    pub rows: u64,
    /// Rows it refused (after the check-friendly retry).
    pub skipped: u64,
    /// The first few distinct reasons it gave.
    pub refused: Vec<String>,
}

/// `(schema, table)`.
pub(crate) type TableName = (String, String);

/// A dependency `(child, parent)`.
pub(crate) type Edge = (TableName, TableName);

/// Orders `tables` parents first by the foreign keys among them, and the `extra` edges
/// `(child, parent)` (cycles broken arbitrarily).
pub(crate) fn parents_first(
    db: &Database,
    tables: &BTreeSet<(String, String)>,
    extra: &[Edge],
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut left: Vec<(String, String)> = tables.iter().cloned().collect();
    while !left.is_empty() {
        let ready = left.iter().position(|(s, t)| {
            let waits = |p: &(String, String)| (p.0 != *s || p.1 != *t) && left.contains(p);
            let own = db.table(s, t).is_none_or(|tab| {
                tab.foreign_keys
                    .iter()
                    .all(|f| !waits(&(f.ref_schema.clone(), f.ref_table.clone())))
            });
            own && extra
                .iter()
                .all(|(c, p)| c.0 != *s || c.1 != *t || !waits(p))
        });
        let next = left.remove(ready.unwrap_or(0));
        out.push(next);
    }
    out
}

/// Fills `tables` (in that order: parents first) with `rows` rows each (indexes `offset + 1`
/// to `offset + rows`); `others` holds what the
/// new shape adds to a table that the rows should respect (its foreign keys).
pub(crate) async fn fill(
    session: &mut dyn Session,
    values: &'static dyn Values,
    db: &Database,
    tables: &[(String, String)],
    others: &BTreeMap<(String, String), Other>,
    offset: u64,
    rows: u64,
) -> Vec<TableRows> {
    const BATCH: u64 = 50;
    let mut out = Vec::new();
    for (schema, name) in tables {
        // A partition's rows are written through its parent.
        let Some(table) = db
            .table(schema, name)
            .filter(|t| t.partition_of().is_none())
        else {
            continue;
        };
        let none = Other::default();
        let other = others.get(&(schema.clone(), name.clone())).unwrap_or(&none);
        let gen = RowGen::new(values, db, schema, table, &BTreeMap::new(), other);
        let mut report = TableRows {
            table: format!("{schema}.{name}"),
            ..Default::default()
        };
        let mut parents = gen.parent_rows(session).await;
        let own_parent = gen.parents.iter().any(|p| p.own);
        let (first, last) = (offset + 1, offset + rows);
        let mut i = first;
        while i <= last {
            let upto = (i + BATCH - 1).min(last);
            if own_parent && i > first {
                parents = gen.parent_rows(session).await;
            }
            let batch: Vec<Vec<String>> = (i..=upto)
                .map(|k| gen.row(k, Mode::Sample, false, &parents))
                .collect();
            if !gen.columns.is_empty()
                && session.execute(&gen.insert(session, &batch)).await.is_ok()
            {
                report.rows += upto - i + 1;
            } else {
                for (k, row) in (i..=upto).zip(batch) {
                    if session.execute(&gen.insert(session, &[row])).await.is_ok() {
                        report.rows += 1;
                        continue;
                    }
                    let friendly = gen.row(k, Mode::Sample, true, &parents);
                    match session.execute(&gen.insert(session, &[friendly])).await {
                        Ok(_) => report.rows += 1,
                        Err(e) => {
                            report.skipped += 1;
                            if report.refused.len() < 3 && !report.refused.contains(&e) {
                                report.refused.push(e);
                            }
                        }
                    }
                }
            }
            i = upto + 1;
        }
        out.push(report);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            data_type: ColumnType::builtin(ty),
            nullable: false,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
            options: Default::default(),
        }
    }

    #[test]
    fn domain_and_composite_columns_get_values_of_their_base_types() {
        use crate::schema::{
            Attribute, ColumnType, Composite, Domain, DomainCheck, Schema, UserType,
        };
        let user = |name: &str, kind| ColumnType {
            name: format!("public.{name}"),
            array: false,
            user_type: Some(UserType {
                schema: "public".into(),
                name: name.into(),
                kind,
            }),
        };
        let mut s = Schema::new("public");
        s.domains = vec![
            Domain {
                name: "posint".into(),
                base: ColumnType::builtin("integer"),
                default: None,
                not_null: true,
                collation: None,
                checks: vec![DomainCheck {
                    name: "pos".into(),
                    expr: "(VALUE > 0)".into(),
                    validated: true,
                }],
                comment: None,
            },
            Domain {
                name: "small".into(),
                base: user("posint", UserTypeKind::Domain),
                default: None,
                not_null: false,
                collation: None,
                checks: vec![DomainCheck {
                    name: "max".into(),
                    expr: "((VALUE)::integer < 100)".into(),
                    validated: true,
                }],
                comment: None,
            },
        ];
        s.composites = vec![Composite {
            name: "pair".into(),
            attributes: vec![
                Attribute {
                    name: "n".into(),
                    data_type: user("small", UserTypeKind::Domain),
                    collation: None,
                },
                Attribute {
                    name: "label".into(),
                    data_type: ColumnType::builtin("character varying(4)"),
                    collation: None,
                },
            ],
            comment: None,
        }];
        let mut db = Database::new(Dialect::Postgres);
        db.schemas = vec![s];
        let pg = values_for(Dialect::Postgres);
        let mut small = col("s", "public.small");
        small.data_type = user("small", UserTypeKind::Domain);
        assert!(matches!(pg.kind(&small, &db), Kind::Int { .. }));
        let (checks, not_null) = domain_checks(&small, &db);
        assert_eq!(checks, ["((VALUE)::integer < 100)", "(VALUE > 0)"]);
        assert!(not_null, "NOT NULL of the domain under it");
        let mut pair = col("p", "public.pair");
        pair.data_type = user("pair", UserTypeKind::Composite);
        let kind = pg.kind(&pair, &db);
        assert_eq!(
            literal(pg, &kind, 3, "p").as_deref(),
            Some("ROW(3, '3-la')::public.pair")
        );
    }

    #[test]
    fn kinds_follow_what_each_server_prints() {
        let db = Database::new(Dialect::Postgres);
        let pg = values_for(Dialect::Postgres);
        assert_eq!(
            pg.kind(&col("a", "character varying(3)"), &db),
            Kind::Text { max: Some(3) }
        );
        assert_eq!(
            pg.kind(&col("a", "numeric(5,2)"), &db),
            Kind::Decimal {
                int_digits: 3,
                scale: 2
            }
        );
        assert_eq!(
            pg.kind(&col("a", "timestamp(3) with time zone"), &db),
            Kind::Timestamp { tz: true }
        );
        let my = values_for(Dialect::Mysql);
        assert_eq!(my.kind(&col("a", "tinyint(1)"), &db), Kind::Bool);
        assert_eq!(
            my.kind(&col("a", "tinyint unsigned"), &db),
            Kind::Int { min: 0, max: 255 }
        );
        assert_eq!(
            my.kind(&col("a", "enum('a','it''s','b\\\\c')"), &db),
            Kind::Choice(vec!["a".into(), "it's".into(), "b\\c".into()])
        );
    }

    #[test]
    fn range_columns_get_ranges_that_do_not_overlap() {
        let pg = values_for(Dialect::Postgres);
        let db = Database::new(Dialect::Postgres);
        let kind = pg.kind(&col("during", "tstzrange"), &db);
        assert_eq!(
            literal(pg, &kind, 3, "during").unwrap(),
            "'[2024-01-01 00:03:00+00,2024-01-01 00:04:00+00)'"
        );
        let kind = pg.kind(&col("r", "int4range"), &db);
        assert_eq!(literal(pg, &kind, 7, "r").unwrap(), "'[7,8)'");
    }

    #[test]
    fn literals_fit_their_column_and_are_escaped() {
        let pg = values_for(Dialect::Postgres);
        assert_eq!(
            literal(pg, &Kind::Text { max: Some(4) }, 12, "name").unwrap(),
            "'12-n'"
        );
        assert_eq!(
            literal(pg, &Kind::Text { max: None }, 1, "it's").unwrap(),
            "'1-it''s'"
        );
        assert_eq!(
            literal(
                pg,
                &Kind::Decimal {
                    int_digits: 1,
                    scale: 2
                },
                123,
                "x"
            )
            .unwrap(),
            "3.23"
        );
        assert_eq!(
            literal(
                pg,
                &Kind::Int {
                    min: -128,
                    max: 127
                },
                300,
                "x"
            )
            .unwrap(),
            "44"
        );
        let my = values_for(Dialect::Mysql);
        assert_eq!(
            literal(my, &Kind::Text { max: None }, 1, "a\\b").unwrap(),
            "'1-a\\\\b'"
        );
        assert_eq!(literal(my, &Kind::Bool, 1, "x").unwrap(), "0");
    }

    #[test]
    fn check_literals_are_found_and_columns_matched_as_words() {
        let (s, n) = check_literals(
            "((status)::text = ANY ((ARRAY['new'::character varying, 'it''s'::character varying])::text[])) AND (qty >= -5) AND (x2 > 0)",
        );
        assert_eq!(s, vec!["new".to_string(), "it's".to_string()]);
        assert_eq!(n, vec!["-5".to_string(), "0".to_string()]);
        assert!(mentions("(qty >= 0)", "qty"));
        assert!(!mentions("(qty2 >= 0)", "qty"));
        assert!(mentions("`qty` >= 0", "qty"));
    }
}
