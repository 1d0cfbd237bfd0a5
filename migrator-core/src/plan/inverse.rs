//! Inverse changes: what undoes a change, for the down files of plain steps (any dialect: the
//! inverse is a [`Change`], rendered by the dialect's renderer).

use crate::diff::{types, Change, CommentTarget};
use crate::schema::{Database, Table};

fn inverse_comment(from: &Database, target: &CommentTarget) -> Option<String> {
    let f = from;
    match target {
        CommentTarget::Schema { schema } => f.schema(schema).and_then(|s| s.comment.clone()),
        CommentTarget::Table { schema, table } => {
            f.table(schema, table).and_then(|t| t.comment.clone())
        }
        CommentTarget::Column {
            schema,
            table,
            column,
        } => f
            .table(schema, table)
            .and_then(|t| t.column(column))
            .and_then(|c| c.comment.clone()),
        // `table` is the name after this plan's renames; the index's own table is preferred
        // (MySQL index names are per table), any other one of that name covers a renamed table.
        CommentTarget::Index {
            schema,
            table,
            index,
        } => f.schema(schema).and_then(|s| {
            let owners = s
                .tables
                .iter()
                .map(|t| (&t.name, &t.indexes))
                .chain(s.views.iter().map(|v| (&v.name, &v.indexes)));
            let named: Vec<(&String, &crate::schema::Index)> = owners
                .flat_map(|(owner, list)| list.iter().map(move |i| (owner, i)))
                .filter(|(_, i)| &i.name == index)
                .collect();
            named
                .iter()
                .find(|(owner, _)| *owner == table)
                .or(named.first())
                .and_then(|(_, i)| i.comment.clone())
        }),
        CommentTarget::View { schema, view, .. } => f
            .schema(schema)
            .and_then(|s| s.view(view))
            .and_then(|v| v.comment.clone()),
        CommentTarget::Constraint {
            schema,
            table,
            constraint,
        } => f.table(schema, table).and_then(|t| {
            t.primary_key
                .iter()
                .filter(|k| &k.name == constraint)
                .map(|k| k.comment.clone())
                .chain(
                    t.uniques
                        .iter()
                        .filter(|u| &u.name == constraint)
                        .map(|u| u.comment.clone()),
                )
                .chain(
                    t.checks
                        .iter()
                        .filter(|u| &u.name == constraint)
                        .map(|u| u.comment.clone()),
                )
                .chain(
                    t.foreign_keys
                        .iter()
                        .filter(|u| &u.name == constraint)
                        .map(|u| u.comment.clone()),
                )
                .next()
                .flatten()
        }),
        CommentTarget::Enum { schema, name } => f
            .schema(schema)
            .and_then(|s| s.enum_type(name))
            .and_then(|e| e.comment.clone()),
        CommentTarget::Sequence { schema, name } => f
            .schema(schema)
            .and_then(|s| s.sequence(name))
            .and_then(|q| q.comment.clone()),
        CommentTarget::Extension { .. } => None,
        CommentTarget::Routine {
            schema,
            name,
            kind,
            arguments,
        } => f.schema(schema).and_then(|s| {
            s.routines
                .iter()
                .find(|r| &r.name == name && r.kind == *kind && &r.arguments == arguments)
                .and_then(|r| r.comment.clone())
        }),
        CommentTarget::Trigger {
            schema,
            table,
            trigger,
        } => f
            .schema(schema)
            .and_then(|s| s.trigger(table, trigger))
            .and_then(|t| t.comment.clone()),
        CommentTarget::Domain { schema, name } => f
            .schema(schema)
            .and_then(|s| s.domain(name))
            .and_then(|d| d.comment.clone()),
        CommentTarget::Type { schema, name } => f.schema(schema).and_then(|s| {
            s.composite(name)
                .and_then(|c| c.comment.clone())
                .or_else(|| s.range(name).and_then(|r| r.comment.clone()))
        }),
        CommentTarget::Policy {
            schema,
            table,
            policy,
        } => f
            .schema(schema)
            .and_then(|s| s.policy(table, policy))
            .and_then(|p| p.comment.clone()),
    }
}

/// The change that undoes `c` (for down files), and whether data is lost on the way.
pub fn inverse(from: &Database, to: &Database, c: &Change) -> (Vec<Change>, bool) {
    use Change::*;
    let from_table = |schema: &str, table: &str| -> Option<&Table> { from.table(schema, table) };
    match c {
        CreateSchema { schema } => (
            vec![DropSchema {
                schema: schema.clone(),
            }],
            false,
        ),
        CreateExtension { extension, .. } => (
            vec![DropExtension {
                name: extension.name.clone(),
            }],
            false,
        ),
        CreateEnum { schema, value } => (
            vec![DropEnum {
                schema: schema.clone(),
                name: value.name.clone(),
            }],
            false,
        ),
        CreateSequence { .. }
        | RenameSequence { .. }
        | AlterSequence { .. }
        | SetSequenceOwner { .. }
        | DropSequence { .. } => crate::diff::sequence::inverse(from, c),
        CreateRoutine { .. } | ReplaceRoutine { .. } | DropRoutine { .. } => {
            crate::diff::routine::inverse(from, c)
        }
        CreateTrigger { .. }
        | ReplaceTrigger { .. }
        | SetTriggerEnabled { .. }
        | DropTrigger { .. } => crate::diff::trigger::inverse(from, c),
        CreateEvent { .. } | AlterEvent { .. } | DropEvent { .. } => {
            crate::diff::event::inverse(from, c)
        }
        CreatePolicy { .. }
        | AlterPolicy { .. }
        | ReplacePolicy { .. }
        | RenamePolicy { .. }
        | DropPolicy { .. } => crate::diff::policy::inverse(c),
        CreateDomain { .. }
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
        | RenameEnumValue { .. } => crate::diff::domain::inverse(from, c),
        AttachPartition { .. } | DetachPartition { .. } | Repartition { .. } => {
            crate::diff::partition::inverse(from, c)
        }
        CreateTable { schema, table } => (
            vec![DropTable {
                schema: schema.clone(),
                name: table.name.clone(),
            }],
            false,
        ),
        CreateView { schema, view } => (
            vec![DropView {
                schema: schema.clone(),
                name: view.name.clone(),
                materialized: view.materialized,
            }],
            false,
        ),
        AddColumn {
            schema,
            table,
            column,
        } => (
            vec![DropColumn {
                schema: schema.clone(),
                table: table.clone(),
                column: column.name.clone(),
            }],
            false,
        ),
        AddPrimaryKey { schema, table, key } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: key.name.clone(),
            }],
            false,
        ),
        AddUnique {
            schema,
            table,
            unique,
        } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: unique.name.clone(),
            }],
            false,
        ),
        AddCheck {
            schema,
            table,
            check,
        } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: check.name.clone(),
            }],
            false,
        ),
        AddExclusion {
            schema,
            table,
            exclusion,
        } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: exclusion.name.clone(),
            }],
            false,
        ),
        AddForeignKey { schema, table, key } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: key.name.clone(),
            }],
            false,
        ),
        CreateIndex {
            schema,
            table,
            index,
            online,
        } => (
            vec![DropIndex {
                schema: schema.clone(),
                table: table.clone(),
                name: index.name.clone(),
                online: *online,
            }],
            false,
        ),
        RenameTable { schema, from, to } => (
            vec![RenameTable {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        RenameColumn {
            schema,
            table,
            from,
            to,
        } => (
            vec![RenameColumn {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        RenameConstraint {
            schema,
            table,
            from,
            to,
        } => (
            vec![RenameConstraint {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        RenameIndex {
            schema,
            table,
            from,
            to,
        } => (
            vec![RenameIndex {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        AlterColumn {
            schema,
            table,
            from,
            to,
            ..
        } => (
            vec![AlterColumn {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
                using: None,
            }],
            !types::lossless(&to.data_type.name, &from.data_type.name),
        ),
        AlterPartitioning { .. } => (
            // The rows a dropped partition held do not come back with it.
            vec![crate::diff::mysql_partition::inverse(c)],
            crate::diff::mysql_partition::drops_rows(c),
        ),
        AlterTableOptions {
            schema,
            table,
            from,
            to,
        } => (
            vec![AlterTableOptions {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        UpdateExtension { name, .. } => {
            let old = from
                .schemas
                .iter()
                .flat_map(|s| &s.extensions)
                .find(|e| &e.name == name);
            (
                old.map(|e| UpdateExtension {
                    name: name.clone(),
                    version: e.version.clone(),
                })
                .into_iter()
                .collect(),
                false,
            )
        }
        AddEnumValue { schema, name, .. } => match (
            from.schema(schema).and_then(|s| s.enum_type(name)),
            to.schema(schema).and_then(|s| s.enum_type(name)),
        ) {
            // Postgres cannot remove an enum value: rebuild the type without it.
            (Some(old), Some(new)) => (
                // Runs after the downs of the plan's later steps: the columns as they were
                // before the plan (with their old defaults), columns it added are gone.
                vec![RecreateEnum {
                    schema: schema.clone(),
                    from: new.clone(),
                    to: old.clone(),
                    columns: enum_columns(from, schema, name),
                }],
                false,
            ),
            _ => (vec![], false),
        },
        RecreateEnum {
            schema,
            from,
            to,
            columns,
        } => (
            vec![RecreateEnum {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
                columns: columns.clone(),
            }],
            false,
        ),
        ValidateConstraint { .. } => (vec![], false),
        Comment { target, .. } => (
            vec![Comment {
                target: target.clone(),
                comment: inverse_comment(from, target),
            }],
            false,
        ),
        DropSchema { schema } => (
            vec![CreateSchema {
                schema: schema.clone(),
            }],
            false,
        ),
        DropExtension { name } => {
            let e = from
                .schemas
                .iter()
                .find_map(|s| s.extension(name).map(|e| (s.name.clone(), e.clone())));
            (
                e.map(|(schema, extension)| CreateExtension { schema, extension })
                    .into_iter()
                    .collect(),
                false,
            )
        }
        DropEnum { schema, name } => (
            from.schema(schema)
                .and_then(|s| s.enum_type(name))
                .map(|e| CreateEnum {
                    schema: schema.clone(),
                    value: e.clone(),
                })
                .into_iter()
                .collect(),
            false,
        ),
        DropTable { schema, name } => {
            // The table back (empty), then its indexes and foreign keys, which the renderers
            // create as separate statements.
            let mut back = Vec::new();
            if let Some(t) = from_table(schema, name) {
                let mut bare = t.clone();
                bare.foreign_keys.clear();
                bare.indexes.clear();
                back.push(CreateTable {
                    schema: schema.clone(),
                    table: bare,
                });
                back.extend(t.indexes.iter().map(|i| CreateIndex {
                    schema: schema.clone(),
                    table: name.clone(),
                    index: i.clone(),
                    online: false,
                }));
                back.extend(t.foreign_keys.iter().map(|f| AddForeignKey {
                    schema: schema.clone(),
                    table: name.clone(),
                    key: f.clone(),
                }));
                // Its comments (the table's, its columns', constraints' and indexes').
                let mut comments = crate::diff::Plan::default();
                crate::diff::table::comments_of_new_table(&mut comments, schema, t);
                back.extend(comments.comments);
            }
            (back, true)
        }
        DropColumn {
            schema,
            table,
            column,
        } => {
            let col = from_table(schema, table)
                .and_then(|t| t.column(column))
                .cloned()
                .map(|mut c| {
                    // Re-added empty: NOT NULL only when a default fills the existing rows.
                    c.nullable |= c.default.is_none();
                    c
                });
            (
                col.map(|column| AddColumn {
                    schema: schema.clone(),
                    table: table.clone(),
                    column,
                })
                .into_iter()
                .collect(),
                true,
            )
        }
        DropConstraint {
            schema,
            table,
            name,
        } => {
            // Postgres re-adds a check or foreign key NOT VALID (instant) and validates it in a
            // statement of its own (no write block); MySQL has no NOT VALID.
            let mysql = !from.dialect.supports_not_valid();
            let t = from_table(schema, table);
            let back = t.and_then(|t| {
                if let Some(k) = t.primary_key.as_ref().filter(|k| &k.name == name) {
                    return Some(AddPrimaryKey {
                        schema: schema.clone(),
                        table: table.clone(),
                        key: k.clone(),
                    });
                }
                if let Some(u) = t.uniques.iter().find(|u| &u.name == name) {
                    return Some(AddUnique {
                        schema: schema.clone(),
                        table: table.clone(),
                        unique: u.clone(),
                    });
                }
                if let Some(c) = t.checks.iter().find(|u| &u.name == name) {
                    let mut c = c.clone();
                    c.validated = mysql;
                    return Some(AddCheck {
                        schema: schema.clone(),
                        table: table.clone(),
                        check: c,
                    });
                }
                if let Some(f) = t.foreign_keys.iter().find(|u| &u.name == name) {
                    let mut f = f.clone();
                    f.validated = mysql;
                    return Some(AddForeignKey {
                        schema: schema.clone(),
                        table: table.clone(),
                        key: f,
                    });
                }
                t.exclusions
                    .iter()
                    .find(|u| &u.name == name)
                    .map(|x| AddExclusion {
                        schema: schema.clone(),
                        table: table.clone(),
                        exclusion: x.clone(),
                    })
            });
            let mut out: Vec<Change> = back.into_iter().collect();
            let was_valid = t.is_some_and(|t| {
                t.checks.iter().any(|c| &c.name == name && c.validated)
                    || t.foreign_keys
                        .iter()
                        .any(|f| &f.name == name && f.validated)
            });
            if !mysql && was_valid {
                out.push(ValidateConstraint {
                    schema: schema.clone(),
                    table: table.clone(),
                    name: name.clone(),
                });
            }
            (out, false)
        }
        DropIndex {
            schema,
            table,
            name,
            online,
        } => {
            // Index names are per table on MySQL, so look in the dropped index's own table.
            let idx = from
                .schema(schema)
                .and_then(|s| s.table(table))
                .and_then(|t| t.index(name).map(|i| (t.name.clone(), i.clone())));
            (
                idx.map(|(table, index)| CreateIndex {
                    schema: schema.clone(),
                    table,
                    index,
                    online: *online,
                })
                .into_iter()
                .collect(),
                false,
            )
        }
        DropView { schema, name, .. } => (
            from.schema(schema)
                .and_then(|s| s.view(name))
                .map(|v| {
                    let mut v = v.clone();
                    v.indexes.clear();
                    CreateView {
                        schema: schema.clone(),
                        view: v,
                    }
                })
                .into_iter()
                .collect(),
            false,
        ),
    }
}

fn enum_columns(db: &Database, schema: &str, name: &str) -> Vec<crate::diff::EnumColumn> {
    db.schema(schema)
        .map(|s| crate::diff::enum_columns(s, schema, name))
        .unwrap_or_default()
}
