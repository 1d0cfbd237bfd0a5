//! Entity-relationship diagrams of a schema (`migrator erd`): the tables, their columns and keys,
//! and one relationship per foreign key with crow's-foot cardinalities read from the keys. The
//! model is built once from a [`Database`]; each output format is one file: [`mermaid`],
//! [`dot`] (Graphviz) and [`svg`] (laid out here, no Graphviz needed).

pub mod dot;
pub mod mermaid;
pub mod svg;

use crate::schema::{Database, IndexKey, Table};
use serde::Serialize;

/// A diagram: entities grouped by schema, and the relationships between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erd {
    /// Whether names show their schema (more than one schema is drawn).
    pub qualified: bool,
    pub groups: Vec<Group>,
    pub relations: Vec<Relation>,
}

/// The tables of one schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub schema: String,
    pub entities: Vec<Entity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// `schema.table`, or `table` when the diagram is not qualified.
    pub name: String,
    pub attributes: Vec<Attribute>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    /// Part of the primary key / of a foreign key / of a single unique key.
    pub pk: bool,
    pub fk: bool,
    pub unique: bool,
}

/// How many rows one row of the other side relates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cardinality {
    ExactlyOne,
    ZeroOrOne,
    ZeroOrMany,
}

/// One foreign key: `child` rows point at `parent` rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relation {
    pub parent: String,
    pub child: String,
    /// The foreign key's name.
    pub label: String,
    /// Parents per child row: exactly one for a NOT NULL key, zero or one for a nullable one.
    pub parent_side: Cardinality,
    /// Children per parent row: zero or one when the key's columns are unique in the child
    /// (one-to-one), else zero or many.
    pub child_side: Cardinality,
    /// The key's columns are part of the child's primary key (a solid line in Mermaid).
    pub identifying: bool,
    /// The child's and the parent's columns, in key order.
    pub columns: Vec<String>,
    pub ref_columns: Vec<String>,
}

impl Erd {
    /// The diagram of every table of `db`.
    pub fn of(db: &Database) -> Erd {
        let qualified = db.schemas.iter().filter(|s| !s.tables.is_empty()).count() > 1;
        let name = |schema: &str, table: &str| {
            if qualified {
                format!("{schema}.{table}")
            } else {
                table.to_string()
            }
        };
        let mut groups = Vec::new();
        let mut relations = Vec::new();
        for s in &db.schemas {
            let mut entities = Vec::new();
            for t in &s.tables {
                let in_fk = |c: &str| {
                    t.foreign_keys
                        .iter()
                        .any(|f| f.columns.iter().any(|x| x == c))
                };
                let in_pk = |c: &str| {
                    t.primary_key
                        .as_ref()
                        .is_some_and(|pk| pk.columns.iter().any(|x| x == c))
                };
                let attributes = t
                    .columns
                    .iter()
                    .map(|c| Attribute {
                        name: c.name.clone(),
                        data_type: c.data_type.name.clone(),
                        nullable: c.nullable,
                        pk: in_pk(&c.name),
                        fk: in_fk(&c.name),
                        unique: unique_on(t, std::slice::from_ref(&c.name)),
                    })
                    .collect();
                entities.push(Entity {
                    name: name(&s.name, &t.name),
                    attributes,
                });
                for fk in &t.foreign_keys {
                    let nullable = fk
                        .columns
                        .iter()
                        .any(|c| t.column(c).is_none_or(|c| c.nullable));
                    relations.push(Relation {
                        parent: name(&fk.ref_schema, &fk.ref_table),
                        child: name(&s.name, &t.name),
                        label: fk.name.clone(),
                        parent_side: if nullable {
                            Cardinality::ZeroOrOne
                        } else {
                            Cardinality::ExactlyOne
                        },
                        child_side: if unique_on(t, &fk.columns) {
                            Cardinality::ZeroOrOne
                        } else {
                            Cardinality::ZeroOrMany
                        },
                        identifying: fk.columns.iter().all(|c| in_pk(c)),
                        columns: fk.columns.clone(),
                        ref_columns: fk.ref_columns.clone(),
                    });
                }
            }
            if !entities.is_empty() {
                groups.push(Group {
                    schema: s.name.clone(),
                    entities,
                });
            }
        }
        Erd {
            qualified,
            groups,
            relations,
        }
    }

    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.groups.iter().flat_map(|g| &g.entities)
    }
}

/// Whether `columns` (in any order) are exactly the columns of the primary key, a unique
/// constraint or a full unique index of `t`: then at most one row has each value.
fn unique_on(t: &Table, columns: &[String]) -> bool {
    let same = |other: &[String]| {
        other.len() == columns.len() && columns.iter().all(|c| other.contains(c))
    };
    t.primary_key.as_ref().is_some_and(|pk| same(&pk.columns))
        || t.uniques.iter().any(|u| same(&u.columns))
        || t.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && i.parts.len() == columns.len()
                && i.parts.iter().all(|p| match &p.key {
                    IndexKey::Column(c) => columns.contains(c),
                    IndexKey::Expr(_) => false,
                })
        })
}
