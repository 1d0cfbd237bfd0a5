//! The dialect-neutral schema model: what a database contains, as the catalog reports it.
//!
//! Both sides of a diff are built by introspection (the live database, and the declared schema
//! loaded into a scratch database), never by parsing SQL, so every text field here holds what
//! the *server* prints: types as `format_type` prints them (`integer`, `character varying(20)`),
//! default and check expressions as the server deparses them. Two databases created from the
//! same DDL therefore produce equal models, and `int4` / `integer` cannot cause a phantom diff.
//!
//! Shape (close to Atlas' `sql/schema`): a [`Database`] holds [`Schema`]s; a schema holds tables,
//! views, enums, sequences, domains, composite and range types, extensions, and the names of objects migrator does not manage
//! ([`Unmanaged`]). Objects are keyed by `(schema, name)`; names are relative to their schema and
//! never mention the database, so models of two databases compare with `==`.
//!
//! Every `Vec` is kept in a deterministic order — sorted by name for sets, declaration order where
//! order means something (columns, key parts, enum values) — see [`Database::canonicalize`].
//! Dialect-specific knobs that do not deserve a typed field (MySQL engine / charset, Postgres
//! storage parameters) go into `options` maps, so a MySQL inspector can fill the same model.

mod domain;
mod event;
mod objects;
mod partition;
mod policy;
mod routine;
mod sequence;
mod table;
mod trigger;

pub use domain::*;
pub use event::*;
pub use objects::*;
pub use partition::*;
pub use policy::*;
pub use routine::*;
pub use sequence::*;
pub use table::*;
pub use trigger::*;

use crate::Dialect;
use serde::Serialize;
use std::collections::BTreeMap;

/// Dialect-specific options, keyed by option name (`fillfactor`, `engine`, `charset`, …).
/// A `BTreeMap` so that serialization and comparison are deterministic.
pub type Options = BTreeMap<String, String>;

/// Everything introspected from one database: the schemas that were asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Database {
    pub dialect: Dialect,
    /// Sorted by name.
    pub schemas: Vec<Schema>,
    /// The server's version as the inspector read it: MySQL `SELECT VERSION()`
    /// (`10.11.6-MariaDB-0+deb12u1`), Postgres `major.minor` from `server_version_num` (`15.18`;
    /// its capabilities: `catalog::postgres::PgVersion::of`). Plans choose statements by what
    /// the server supports. Not part of the schema.
    #[serde(skip)]
    pub server_version: String,
    /// Server settings plans read, as the inspector found them (MySQL: `event_scheduler`).
    /// Not part of the schema.
    #[serde(skip)]
    pub server_settings: Options,
}

impl Database {
    pub fn new(dialect: Dialect) -> Self {
        Database {
            dialect,
            schemas: Vec::new(),
            server_version: String::new(),
            server_settings: Options::new(),
        }
    }

    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.name == name)
    }

    /// Looks a table up by `(schema, name)`.
    pub fn table(&self, schema: &str, name: &str) -> Option<&Table> {
        self.schema(schema)?.table(name)
    }

    /// Renames schema `from` to `to`, with every reference to it (foreign keys' referenced
    /// schema, user types' schema). Used to compare a MySQL scratch database, which is itself the
    /// schema, with the live database whatever their names.
    pub fn rename_schema(&mut self, from: &str, to: &str) {
        if from == to {
            return;
        }
        for s in &mut self.schemas {
            if s.name == from {
                s.name = to.to_string();
            }
            for t in &mut s.tables {
                for f in &mut t.foreign_keys {
                    if f.ref_schema == from {
                        f.ref_schema = to.to_string();
                    }
                }
                for c in &mut t.columns {
                    if let Some(u) = &mut c.data_type.user_type {
                        if u.schema == from {
                            u.schema = to.to_string();
                        }
                    }
                }
            }
            for r in &mut s.routines {
                r.definition = rename_in_definition(&r.definition, from, to);
            }
            for t in &mut s.triggers {
                t.definition = rename_in_definition(&t.definition, from, to);
            }
            let types = s
                .domains
                .iter_mut()
                .map(|d| &mut d.base)
                .chain(
                    s.composites
                        .iter_mut()
                        .flat_map(|c| c.attributes.iter_mut().map(|a| &mut a.data_type)),
                )
                .chain(s.ranges.iter_mut().map(|r| &mut r.subtype));
            for ty in types {
                if let Some(u) = &mut ty.user_type {
                    if u.schema == from {
                        u.schema = to.to_string();
                    }
                }
            }
        }
        self.canonicalize();
    }

    /// Sorts every set-like `Vec` by name (byte order, independent of any server collation), so
    /// that equal contents compare equal and serialize identically. Inspectors call it last.
    pub fn canonicalize(&mut self) {
        self.schemas.sort_by(|a, b| a.name.cmp(&b.name));
        for s in &mut self.schemas {
            s.canonicalize();
        }
    }
}

/// `definition` with references to schema `from` (as a MySQL definition spells them:
/// `` `from`. ``) made to `to`. Only MySQL compares two databases as one schema.
fn rename_in_definition(definition: &str, from: &str, to: &str) -> String {
    let quote = |s: &str| format!("`{}`.", s.replace('`', "``"));
    definition.replace(&quote(from), &quote(to))
}

/// A namespace: a Postgres schema, or a MySQL database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Schema {
    pub name: String,
    pub tables: Vec<Table>,
    /// Views and materialized views.
    pub views: Vec<View>,
    pub enums: Vec<Enum>,
    /// Stand-alone sequences, including `serial` ones (with `owned_by`); identity sequences are
    /// part of their column's [`Identity`] instead.
    pub sequences: Vec<Sequence>,
    /// Domains, composite types and range types (Postgres), sorted by name.
    pub domains: Vec<Domain>,
    pub composites: Vec<Composite>,
    pub ranges: Vec<Range>,
    /// Extensions installed into this schema. Objects created by an extension are not listed
    /// anywhere else: they are the extension's, not the user's.
    pub extensions: Vec<Extension>,
    /// Functions and procedures, sorted by `(name, signature)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routines: Vec<Routine>,
    /// Triggers of this schema's tables and views, sorted by `(table, name)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// MySQL / MariaDB events, sorted by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// Row-level security policies of this schema's tables, sorted by `(table, name)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    /// Objects that exist but that migrator neither diffs nor plans (aggregates, policies,
    /// rules, partitioned tables, …). Listed so that `drift` and `plan` can mention them.
    pub unmanaged: Vec<Unmanaged>,
    pub comment: Option<String>,
    /// Dialect options (MySQL: default `charset` and `collation`).
    pub options: Options,
}

impl Schema {
    pub fn new(name: impl Into<String>) -> Self {
        Schema {
            name: name.into(),
            ..Schema::default()
        }
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn view(&self, name: &str) -> Option<&View> {
        self.views.iter().find(|v| v.name == name)
    }

    pub fn enum_type(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }

    pub fn sequence(&self, name: &str) -> Option<&Sequence> {
        self.sequences.iter().find(|s| s.name == name)
    }

    pub fn domain(&self, name: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.name == name)
    }

    pub fn composite(&self, name: &str) -> Option<&Composite> {
        self.composites.iter().find(|c| c.name == name)
    }

    pub fn range(&self, name: &str) -> Option<&Range> {
        self.ranges.iter().find(|r| r.name == name)
    }

    pub fn extension(&self, name: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.name == name)
    }

    /// A routine by name and signature (see [`Routine::signature`]).
    pub fn routine(&self, name: &str, signature: &str) -> Option<&Routine> {
        self.routines
            .iter()
            .find(|r| r.name == name && r.signature == signature)
    }

    /// A trigger by table and name.
    pub fn trigger(&self, table: &str, name: &str) -> Option<&Trigger> {
        self.triggers
            .iter()
            .find(|t| t.table == table && t.name == name)
    }

    /// An event by name.
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name)
    }

    /// A policy by table and name.
    pub fn policy(&self, table: &str, name: &str) -> Option<&Policy> {
        self.policies
            .iter()
            .find(|p| p.table == table && p.name == name)
    }

    /// An unmanaged object by kind and name (for table-scoped kinds, any table).
    pub fn unmanaged(&self, kind: UnmanagedKind, name: &str) -> Option<&Unmanaged> {
        self.unmanaged
            .iter()
            .find(|u| u.kind == kind && u.name == name)
    }

    fn canonicalize(&mut self) {
        self.tables.sort_by(|a, b| a.name.cmp(&b.name));
        for t in &mut self.tables {
            t.canonicalize();
        }
        self.views.sort_by(|a, b| a.name.cmp(&b.name));
        for v in &mut self.views {
            v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.enums.sort_by(|a, b| a.name.cmp(&b.name));
        self.sequences.sort_by(|a, b| a.name.cmp(&b.name));
        self.domains.sort_by(|a, b| a.name.cmp(&b.name));
        for d in &mut self.domains {
            d.checks.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.composites.sort_by(|a, b| a.name.cmp(&b.name));
        self.ranges.sort_by(|a, b| a.name.cmp(&b.name));
        self.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        self.routines.sort_by(|a, b| a.key().cmp(&b.key()));
        self.triggers
            .sort_by(|a, b| (&a.table, &a.name).cmp(&(&b.table, &b.name)));
        self.events.sort_by(|a, b| a.name.cmp(&b.name));
        self.policies
            .sort_by(|a, b| (&a.table, &a.name).cmp(&(&b.table, &b.name)));
        for p in &mut self.policies {
            p.roles.sort();
        }
        self.unmanaged
            .sort_by(|a, b| (a.kind, &a.table, &a.name).cmp(&(b.kind, &b.table, &b.name)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalize_sorts_sets_but_not_columns() {
        let mut t = Table::new("b");
        for name in ["z", "a"] {
            t.columns.push(Column {
                name: name.into(),
                data_type: ColumnType::builtin("integer"),
                nullable: true,
                default: None,
                identity: None,
                generated: None,
                collation: None,
                comment: None,
                options: Options::new(),
            });
        }
        for name in ["c_check", "a_check"] {
            t.checks.push(Check {
                name: name.into(),
                expr: "true".into(),
                validated: true,
                no_inherit: false,
                comment: None,
            });
        }
        let mut s = Schema::new("s");
        s.tables = vec![t, Table::new("a")];
        s.unmanaged = vec![
            Unmanaged {
                kind: UnmanagedKind::Trigger,
                name: "t".into(),
                table: Some("x".into()),
            },
            Unmanaged {
                kind: UnmanagedKind::Aggregate,
                name: "f(integer)".into(),
                table: None,
            },
        ];
        let mut db = Database::new(Dialect::Postgres);
        db.schemas = vec![s, Schema::new("public")];
        db.canonicalize();

        assert_eq!(db.schemas[0].name, "public");
        let s = db.schema("s").unwrap();
        assert_eq!(s.tables[0].name, "a");
        let b = db.table("s", "b").unwrap();
        assert_eq!(b.columns[0].name, "z", "columns keep their order");
        assert_eq!(b.checks[0].name, "a_check");
        assert_eq!(s.unmanaged[0].kind, UnmanagedKind::Aggregate);
        let json = serde_json::to_value(&db).unwrap();
        assert_eq!(json["dialect"], "postgres");
        assert_eq!(json["schemas"][1]["unmanaged"][1]["kind"], "trigger");
    }
}
