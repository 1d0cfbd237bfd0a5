//! Domains, composite types and range types (Postgres): the model. The other homes of these
//! kinds: the inspector queries (`catalog/postgres.rs`, `DOMAINS`, `RANGES`; composite types
//! come with the relations, as `pg_class` rows of kind `c`), the diff and its inverse
//! (`diff/domain.rs`), the SQL (`render/postgres.rs`; `render/mysql.rs` refuses), the steps
//! (`plan/postgres.rs`), sample values (`rehearse/sample.rs`).

use super::ColumnType;
use serde::Serialize;

/// `CREATE DOMAIN name AS base [COLLATE c] [DEFAULT e] [NOT NULL] [CONSTRAINT n CHECK (…)]…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    pub name: String,
    /// The base type as `format_type` prints it (`integer`, `public.posint` for a domain over a
    /// domain); its `user_type` orders the domain after the type it is built on.
    pub base: ColumnType,
    /// As the server deparses it; a domain over a domain inherits its base's default.
    pub default: Option<String>,
    pub not_null: bool,
    /// Only when it differs from the base type's collation, as DDL spells it.
    pub collation: Option<String>,
    /// Sorted by name.
    pub checks: Vec<DomainCheck>,
    pub comment: Option<String>,
}

/// A named CHECK of a domain; `expr` reads `VALUE` (`(VALUE > 0)`, deparsed by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainCheck {
    pub name: String,
    pub expr: String,
    pub validated: bool,
}

/// `CREATE TYPE name AS (attribute type [COLLATE c], …)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Composite {
    pub name: String,
    /// In attribute order (never sorted).
    pub attributes: Vec<Attribute>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: ColumnType,
    /// Only when it differs from the type's default collation.
    pub collation: Option<String>,
}

/// `CREATE TYPE name AS RANGE (SUBTYPE = …, …)`. The multirange type Postgres 14+ creates with
/// it keeps its default name (a `MULTIRANGE_TYPE_NAME` is not modelled); `CANONICAL` functions
/// (C only) are not modelled either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Range {
    pub name: String,
    /// As `format_type` prints it; `user_type` set when it is not built in.
    pub subtype: ColumnType,
    /// A non-default operator class of the subtype, qualified as DDL spells it.
    pub subtype_opclass: Option<String>,
    /// Only when it differs from the subtype's collation.
    pub collation: Option<String>,
    /// `SUBTYPE_DIFF` function, as `regproc` prints it.
    pub subtype_diff: Option<String>,
    pub comment: Option<String>,
}

impl Domain {
    pub fn check(&self, name: &str) -> Option<&DomainCheck> {
        self.checks.iter().find(|c| c.name == name)
    }
}

impl Composite {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}
