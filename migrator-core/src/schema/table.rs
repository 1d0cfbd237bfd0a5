//! Tables and what hangs off them: columns, keys, constraints, indexes.

use super::Options;
use serde::Serialize;

/// A table with its columns (in their physical order) and everything attached to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Table {
    pub name: String,
    /// In catalog order (Postgres `attnum`, MySQL `ORDINAL_POSITION`): order matters for
    /// `SELECT *` and for MySQL `AFTER`, so it is never sorted.
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    /// Sorted by name.
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique *constraints* (sorted by name). A unique index that is not a constraint is an
    /// [`Index`] with `unique: true`: the two are created and dropped differently.
    pub uniques: Vec<Unique>,
    /// Sorted by name.
    pub checks: Vec<Check>,
    /// Postgres `EXCLUDE` constraints, sorted by name.
    pub exclusions: Vec<Exclusion>,
    /// Indexes that do not back a constraint (those are described by the constraint), sorted
    /// by name.
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    /// Dialect options. Postgres: `persistence` (`unlogged`), `row_security`
    /// (`enabled` / `forced`), `tablespace`, and storage parameters (`fillfactor`, …).
    /// MySQL: `engine`, `charset`, `collation`, `row_format`, ….
    pub options: Options,
    /// Postgres declarative partitioning: set on a partitioned table and on a partition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<super::Partitioning>,
    /// MySQL / MariaDB partitioning, partitions included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitioned_by: Option<super::PartitionBy>,
}

impl Table {
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            ..Table::default()
        }
    }

    /// The parent and bound when this table is a partition.
    pub fn partition_of(&self) -> Option<&super::PartitionOf> {
        self.partition.as_ref().and_then(|p| p.of.as_ref())
    }

    /// True for a partitioned table (a partition may be one too).
    pub fn is_partitioned(&self) -> bool {
        self.partition.as_ref().is_some_and(|p| p.key.is_some())
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    pub fn foreign_key(&self, name: &str) -> Option<&ForeignKey> {
        self.foreign_keys.iter().find(|f| f.name == name)
    }

    pub fn unique(&self, name: &str) -> Option<&Unique> {
        self.uniques.iter().find(|u| u.name == name)
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    pub(crate) fn canonicalize(&mut self) {
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
        self.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: ColumnType,
    pub nullable: bool,
    /// The default expression as the server deparses it (`now()`, `'pending'::shop.status`,
    /// `nextval('public.t_id_seq'::regclass)`). `None` for identity and generated columns.
    pub default: Option<String>,
    pub identity: Option<Identity>,
    pub generated: Option<Generated>,
    /// Only when it differs from the type's default collation, as DDL would spell it
    /// (Postgres: `"C"`, `"en_US"`, `myschema."x"`; MySQL: `utf8mb4_bin`).
    pub collation: Option<String>,
    pub comment: Option<String>,
    /// Dialect options (MySQL: `charset`, `on_update`, `auto_increment`, `invisible`…).
    pub options: Options,
}

/// A column type as the server prints it, plus what the text alone does not say plainly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnType {
    /// Normalized text: Postgres `format_type(atttypid, atttypmod)` — `integer`, `bigint[]`,
    /// `numeric(10,2)`, `timestamp with time zone`, `shop.order_status` (user types are
    /// schema-qualified); MySQL `COLUMN_TYPE`.
    pub name: String,
    /// An array type (`name` ends in `[]`); [`ColumnType::user_type`] then describes the element.
    pub array: bool,
    /// Set when the (element) type is not built in: an enum, a domain, a composite or range type,
    /// or a base type such as an extension's `citext`. Lets the planner order a column after the
    /// type it depends on, and know when a type change is really an enum change.
    pub user_type: Option<UserType>,
}

impl ColumnType {
    /// A built-in, non-array type.
    pub fn builtin(name: impl Into<String>) -> Self {
        ColumnType {
            name: name.into(),
            array: false,
            user_type: None,
        }
    }
}

/// A reference to a user-defined type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserType {
    pub schema: String,
    pub name: String,
    pub kind: UserTypeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserTypeKind {
    Enum,
    Domain,
    Composite,
    Range,
    /// A base type with its own I/O functions (usually an extension's: `citext`, `hstore`).
    Base,
    Other,
}

/// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY (sequence options)`. The options are part of
/// the column because the identity sequence is created and dropped with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub generation: IdentityGeneration,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityGeneration {
    Always,
    ByDefault,
}

/// `GENERATED ALWAYS AS (expr) STORED` (or virtual, on servers that have those).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generated {
    /// As the server deparses it, e.g. `(price * 1.2)`.
    pub expr: String,
    pub stored: bool,
}

/// The primary key. Its name is kept: Postgres names it `<table>_pkey` unless told otherwise,
/// and renaming is a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrimaryKey {
    pub name: String,
    /// Key columns in key order.
    pub columns: Vec<String>,
    /// Non-key `INCLUDE` columns of the backing index.
    pub include: Vec<String>,
    pub deferrable: bool,
    pub initially_deferred: bool,
    pub comment: Option<String>,
}

/// A foreign key. Columns are in constraint order; `ref_columns[i]` matches `columns[i]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    /// The referenced table's schema (may be outside the inspected schemas).
    pub ref_schema: String,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: ReferentialAction,
    pub on_update: ReferentialAction,
    /// `MATCH FULL` (otherwise the default `MATCH SIMPLE`).
    pub match_full: bool,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// False for a key added `NOT VALID` and not validated yet: the planner's expand step
    /// leaves keys in that state, and `VALIDATE CONSTRAINT` is the contract step.
    pub validated: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    /// The SQL spelling (`NO ACTION`, `CASCADE`, …).
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A unique constraint (`UNIQUE (a, b)`), as opposed to a unique index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unique {
    pub name: String,
    pub columns: Vec<String>,
    pub include: Vec<String>,
    /// Postgres 15+ `NULLS NOT DISTINCT`.
    pub nulls_not_distinct: bool,
    pub deferrable: bool,
    pub initially_deferred: bool,
    pub comment: Option<String>,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    /// The boolean expression as the server deparses it, e.g. `(price >= (0)::numeric)`.
    pub expr: String,
    /// False for `NOT VALID` (existing rows not checked yet).
    pub validated: bool,
    /// Postgres `NO INHERIT`.
    pub no_inherit: bool,
    pub comment: Option<String>,
}

/// A Postgres exclusion constraint, kept as its full definition
/// (`EXCLUDE USING gist (room WITH =, during WITH &&)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    pub name: String,
    pub definition: String,
    pub deferrable: bool,
    pub initially_deferred: bool,
    pub comment: Option<String>,
}

/// An index that does not back a constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// Access method: Postgres `btree`, `gin`, `gist`, `hash`, `brin`…; MySQL `BTREE`,
    /// `HASH`, `FULLTEXT`, `SPATIAL`.
    pub method: String,
    /// Key parts in key order.
    pub parts: Vec<IndexPart>,
    /// Non-key `INCLUDE` columns.
    pub include: Vec<String>,
    /// The `WHERE` of a partial index, as the server deparses it.
    pub predicate: Option<String>,
    /// Postgres 15+ `NULLS NOT DISTINCT`.
    pub nulls_not_distinct: bool,
    /// False for an index left INVALID by a failed `CREATE INDEX CONCURRENTLY`: it is not used
    /// by queries and must be dropped before the build is retried.
    pub valid: bool,
    pub comment: Option<String>,
    /// Storage parameters (`fillfactor`, `fastupdate`…) and `tablespace`.
    pub options: Options,
}

/// One key part of an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexPart {
    pub key: IndexKey,
    pub desc: bool,
    /// Where NULLs sort. Stored resolved (not as "default") so that `DESC` and
    /// `DESC NULLS FIRST` — the same index — compare equal: ASC defaults to NULLS LAST,
    /// DESC to NULLS FIRST.
    pub nulls_first: bool,
    /// Only when not the default operator class for the type (e.g. `text_pattern_ops`,
    /// `public.gin_trgm_ops`).
    pub opclass: Option<String>,
    /// Only when it differs from the key's own collation (a column key: the column's; an
    /// expression: the database default).
    pub collation: Option<String>,
    /// MySQL prefix length (`name(10)`).
    pub length: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKey {
    Column(String),
    /// An expression as the server deparses it for an index's column list, so usable there as
    /// is: a function call bare (`lower((email)::text)`), anything else parenthesized
    /// (`((a + 1))`).
    Expr(String),
}

impl IndexKey {
    pub fn column(&self) -> Option<&str> {
        match self {
            IndexKey::Column(c) => Some(c),
            IndexKey::Expr(_) => None,
        }
    }
}
