//! What changes inside one table that exists on both sides: columns (with rename hints),
//! keys, constraints, indexes, options and comments.

use super::change::{Change, CommentTarget};
use super::Plan;
use crate::diff::Hints;
use crate::schema::{Column, Index, IndexKey, Table};
use std::collections::{BTreeMap, BTreeSet};

/// Old column name → new column name, for the renames of one table.
type Renames = BTreeMap<String, String>;

/// The tables and sequences of the schema that this diff renames (old → new name). Objects
/// that point at them follow by identity: a foreign key to a renamed table, a default calling
/// `nextval` of a renamed sequence are unchanged.
pub(crate) struct SchemaRenames<'a> {
    pub tables: &'a Renames,
    pub sequences: &'a Renames,
}

pub(crate) fn diff_table(
    plan: &mut Plan,
    schema: &str,
    (old, new): (&Table, &Table),
    hints: &Hints,
    renamed: &SchemaRenames,
) {
    let s = || schema.to_string();
    let t = || new.name.clone();

    // Column renames from hints.
    let mut renames = Renames::new();
    for c in &new.columns {
        if old.column(&c.name).is_some() {
            continue;
        }
        let key = (schema.to_string(), new.name.clone());
        let from = hints
            .column_renames
            .get(&(key, c.name.clone()))
            .or_else(|| {
                hints
                    .column_renames
                    .get(&((String::new(), new.name.clone()), c.name.clone()))
            });
        if let Some(from) = from {
            if old.column(from).is_some() && new.column(from).is_none() {
                plan.renames.push(Change::RenameColumn {
                    schema: s(),
                    table: t(),
                    from: from.clone(),
                    to: c.name.clone(),
                });
                renames.insert(from.clone(), c.name.clone());
            }
        }
    }
    let old_col = |new_name: &str| -> Option<&Column> {
        let old_name = renames
            .iter()
            .find(|(_, n)| n.as_str() == new_name)
            .map(|(o, _)| o.as_str())
            .unwrap_or(new_name);
        old.column(old_name)
    };

    // Columns.
    for c in &new.columns {
        match old_col(&c.name) {
            None => {
                plan.alter_columns.push(Change::AddColumn {
                    schema: s(),
                    table: t(),
                    column: c.clone(),
                });
                // Postgres comments a column apart from its definition (MySQL's diff folds
                // this into the ADD COLUMN).
                plan.comment(
                    CommentTarget::Column {
                        schema: s(),
                        table: t(),
                        column: c.name.clone(),
                    },
                    &None,
                    &c.comment,
                );
            }
            Some(o) => {
                let mut o = o.clone();
                o.name = c.name.clone();
                if let Some(d) = &o.default {
                    if d.contains("nextval(") {
                        o.default = Some(rename_in_expr(d, renamed.sequences));
                    }
                }
                if column_shape(&o) != column_shape(c) {
                    let using = hints
                        .using
                        .get(&((schema.to_string(), new.name.clone()), c.name.clone()))
                        .or_else(|| {
                            hints
                                .using
                                .get(&((String::new(), new.name.clone()), c.name.clone()))
                        })
                        .cloned();
                    plan.alter_columns.push(Change::AlterColumn {
                        schema: s(),
                        table: t(),
                        from: o.clone(),
                        to: c.clone(),
                        using,
                    });
                }
                plan.comment(
                    CommentTarget::Column {
                        schema: s(),
                        table: t(),
                        column: c.name.clone(),
                    },
                    &o.comment,
                    &c.comment,
                );
            }
        }
    }
    for o in &old.columns {
        if new.column(&o.name).is_none() && !renames.contains_key(&o.name) {
            plan.alter_columns.push(Change::DropColumn {
                schema: s(),
                table: t(),
                column: o.name.clone(),
            });
        }
    }

    // Partitioning removed goes before the keys this diff adds (a unique key must hold every
    // partitioning column while the table is partitioned); other partition changes after them.
    for c in super::mysql_partition::diff(&s(), old, new) {
        match &c {
            Change::AlterPartitioning { to: None, .. } => plan.alter_columns.push(c),
            _ => plan.partitions.push(c),
        }
    }
    if old.options != new.options {
        plan.alter_columns.push(Change::AlterTableOptions {
            schema: s(),
            table: t(),
            from: old.options.clone(),
            to: new.options.clone(),
        });
    }
    plan.comment(
        CommentTarget::Table {
            schema: s(),
            table: t(),
        },
        &old.comment,
        &new.comment,
    );

    let map = |cols: &[String]| -> Vec<String> {
        cols.iter()
            .map(|c| renames.get(c).cloned().unwrap_or_else(|| c.clone()))
            .collect()
    };
    let map_expr = |e: &str| -> String { rename_in_expr(e, &renames) };

    // Primary key.
    let old_pk = old.primary_key.clone().map(|mut k| {
        k.columns = map(&k.columns);
        k.include = map(&k.include);
        k
    });
    match (&old_pk, &new.primary_key) {
        (Some(a), Some(b)) if a == b => {}
        (Some(a), Some(b)) if same_but_name(a, b, |k| &mut k.name, |k| &mut k.comment) => {
            plan.renames.push(Change::RenameConstraint {
                schema: s(),
                table: t(),
                from: a.name.clone(),
                to: b.name.clone(),
            });
            constraint_comment(plan, schema, &new.name, &b.name, &a.comment, &b.comment);
        }
        (Some(a), Some(b)) if a.columns == b.columns && a.name == b.name => {
            constraint_comment(plan, schema, &new.name, &b.name, &a.comment, &b.comment);
            if a.include != b.include
                || a.deferrable != b.deferrable
                || a.initially_deferred != b.initially_deferred
            {
                plan.drop_keys.push(Change::DropConstraint {
                    schema: s(),
                    table: old.name.clone(),
                    name: a.name.clone(),
                });
                plan.add_constraints.push(Change::AddPrimaryKey {
                    schema: s(),
                    table: t(),
                    key: b.clone(),
                });
            }
        }
        (old_pk, new_pk) => {
            if let Some(a) = old_pk {
                plan.drop_keys.push(Change::DropConstraint {
                    schema: s(),
                    table: old.name.clone(),
                    name: a.name.clone(),
                });
            }
            if let Some(b) = new_pk {
                plan.add_constraints.push(Change::AddPrimaryKey {
                    schema: s(),
                    table: t(),
                    key: b.clone(),
                });
                constraint_comment(plan, schema, &new.name, &b.name, &None, &b.comment);
            }
        }
    }

    // Unique constraints.
    let old_uniques: Vec<_> = old
        .uniques
        .iter()
        .cloned()
        .map(|mut u| {
            u.columns = map(&u.columns);
            u.include = map(&u.include);
            u
        })
        .collect();
    named_set(
        plan,
        schema,
        &old.name,
        &new.name,
        &old_uniques,
        &new.uniques,
        |u| &u.name,
        |u| &u.comment,
        |u| {
            let mut u = u.clone();
            u.name.clear();
            u.comment = None;
            u
        },
        |u| Change::AddUnique {
            schema: s(),
            table: t(),
            unique: u.clone(),
        },
        false,
        |_, _| false,
    );

    // Checks: a NOT VALID check that became valid is validated, not rebuilt.
    let old_checks: Vec<_> = old
        .checks
        .iter()
        .cloned()
        .map(|mut c| {
            c.expr = map_expr(&c.expr);
            c
        })
        .collect();
    for c in &new.checks {
        if let Some(o) = old_checks.iter().find(|o| o.name == c.name) {
            if o.expr == c.expr && o.no_inherit == c.no_inherit && !o.validated && c.validated {
                plan.add_foreign_keys.push(Change::ValidateConstraint {
                    schema: s(),
                    table: t(),
                    name: c.name.clone(),
                });
            }
        }
    }
    named_set(
        plan,
        schema,
        &old.name,
        &new.name,
        &old_checks,
        &new.checks,
        |c| &c.name,
        |c| &c.comment,
        |c| {
            let mut c = c.clone();
            c.name.clear();
            c.comment = None;
            c.validated = true;
            c
        },
        |c| Change::AddCheck {
            schema: s(),
            table: t(),
            check: c.clone(),
        },
        false,
        // A validated constraint cannot go back to NOT VALID in place.
        |o, n| o.validated && !n.validated,
    );

    named_set(
        plan,
        schema,
        &old.name,
        &new.name,
        &old.exclusions,
        &new.exclusions,
        |c| &c.name,
        |c| &c.comment,
        |c| {
            let mut c = c.clone();
            c.name.clear();
            c.comment = None;
            c
        },
        |c| Change::AddExclusion {
            schema: s(),
            table: t(),
            exclusion: c.clone(),
        },
        false,
        |_, _| false,
    );

    // Foreign keys.
    let old_fks: Vec<_> = old
        .foreign_keys
        .iter()
        .cloned()
        .map(|mut f| {
            f.columns = map(&f.columns);
            if f.ref_table == old.name && f.ref_schema == schema {
                f.ref_table = new.name.clone();
                f.ref_columns = map(&f.ref_columns);
            } else if f.ref_schema == schema {
                if let Some(to) = renamed.tables.get(&f.ref_table) {
                    f.ref_table = to.clone();
                }
            }
            f
        })
        .collect();
    for f in &new.foreign_keys {
        if let Some(o) = old_fks.iter().find(|o| o.name == f.name) {
            let mut a = o.clone();
            a.validated = f.validated;
            a.comment = f.comment.clone();
            if &a == f && !o.validated && f.validated {
                plan.add_foreign_keys.push(Change::ValidateConstraint {
                    schema: s(),
                    table: t(),
                    name: f.name.clone(),
                });
            }
        }
    }
    named_set(
        plan,
        schema,
        &old.name,
        &new.name,
        &old_fks,
        &new.foreign_keys,
        |f| &f.name,
        |f| &f.comment,
        |f| {
            let mut f = f.clone();
            f.name.clear();
            f.comment = None;
            f.validated = true;
            f
        },
        |f| Change::AddForeignKey {
            schema: s(),
            table: t(),
            key: f.clone(),
        },
        true,
        |o, n| o.validated && !n.validated,
    );

    // Indexes.
    let old_indexes: Vec<Index> = old
        .indexes
        .iter()
        .cloned()
        .map(|mut i| {
            for p in &mut i.parts {
                p.key = match &p.key {
                    IndexKey::Column(c) => {
                        IndexKey::Column(renames.get(c).cloned().unwrap_or_else(|| c.clone()))
                    }
                    IndexKey::Expr(e) => IndexKey::Expr(map_expr(e)),
                };
            }
            i.include = map(&i.include);
            i.predicate = i.predicate.as_deref().map(map_expr);
            i
        })
        .collect();
    diff_indexes(
        plan,
        schema,
        &old.name,
        &new.name,
        &old_indexes,
        &new.indexes,
        true,
    );
}

/// The parts of a column that ALTER COLUMN changes (not its name or comment).
fn column_shape(c: &Column) -> impl PartialEq + '_ {
    (
        &c.data_type,
        c.nullable,
        &c.default,
        &c.identity,
        &c.generated,
        &c.collation,
        &c.options,
    )
}

fn same_but_name<T: Clone + PartialEq>(
    a: &T,
    b: &T,
    name: impl Fn(&mut T) -> &mut String,
    comment: impl Fn(&mut T) -> &mut Option<String>,
) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    name(&mut a).clear();
    name(&mut b).clear();
    *comment(&mut a) = None;
    *comment(&mut b) = None;
    a == b
}

fn constraint_comment(
    plan: &mut Plan,
    schema: &str,
    table: &str,
    name: &str,
    old: &Option<String>,
    new: &Option<String>,
) {
    plan.comment(
        CommentTarget::Constraint {
            schema: schema.into(),
            table: table.into(),
            constraint: name.into(),
        },
        old,
        new,
    );
}

/// Diffs a set of named constraints: same name and shape → keep; same shape, other name →
/// rename; otherwise drop the old and add the new.
#[allow(clippy::too_many_arguments)]
fn named_set<T: Clone, S: PartialEq>(
    plan: &mut Plan,
    schema: &str,
    old_table: &str,
    new_table: &str,
    old: &[T],
    new: &[T],
    name: impl Fn(&T) -> &String,
    comment: impl Fn(&T) -> &Option<String>,
    shape: impl Fn(&T) -> S,
    add: impl Fn(&T) -> Change,
    foreign_key: bool,
    rebuild: impl Fn(&T, &T) -> bool,
) {
    let mut kept_old: BTreeSet<String> = BTreeSet::new();
    let mut unmatched_new = Vec::new();
    for n in new {
        match old.iter().find(|o| name(o) == name(n)) {
            Some(o) if shape(o) == shape(n) && !rebuild(o, n) => {
                kept_old.insert(name(o).clone());
                constraint_comment(plan, schema, new_table, name(n), comment(o), comment(n));
            }
            _ => unmatched_new.push(n),
        }
    }
    let mut unmatched_old: Vec<&T> = old.iter().filter(|o| !kept_old.contains(name(o))).collect();
    for n in unmatched_new {
        // Same definition under another name: rename instead of rebuilding.
        if let Some(pos) = unmatched_old.iter().position(|o| {
            shape(o) == shape(n) && !rebuild(o, n) && !new.iter().any(|x| name(x) == name(o))
        }) {
            let o = unmatched_old.remove(pos);
            plan.renames.push(Change::RenameConstraint {
                schema: schema.into(),
                table: new_table.into(),
                from: name(o).clone(),
                to: name(n).clone(),
            });
            constraint_comment(plan, schema, new_table, name(n), comment(o), comment(n));
            continue;
        }
        if foreign_key {
            plan.add_foreign_keys.push(add(n));
        } else {
            plan.add_constraints.push(add(n));
        }
        constraint_comment(plan, schema, new_table, name(n), &None, comment(n));
    }
    for o in unmatched_old {
        let drop = Change::DropConstraint {
            schema: schema.into(),
            table: old_table.into(),
            name: name(o).clone(),
        };
        if foreign_key {
            plan.drop_keys.push(drop);
        } else {
            plan.drop_constraints.push(drop);
        }
    }
}

/// Indexes of a table (or materialized view) present on both sides.
#[allow(clippy::too_many_arguments)]
pub(crate) fn diff_indexes(
    plan: &mut Plan,
    schema: &str,
    old_table: &str,
    table: &str,
    old: &[Index],
    new: &[Index],
    online: bool,
) {
    let s = || schema.to_string();
    let shape = |i: &Index| {
        let mut i = i.clone();
        i.name.clear();
        i.comment = None;
        i
    };
    let mut kept: BTreeSet<&str> = BTreeSet::new();
    let mut unmatched_new = Vec::new();
    for n in new {
        match old.iter().find(|o| o.name == n.name) {
            // An INVALID index (failed concurrent build) is rebuilt.
            Some(o) if shape(o) == shape(n) && o.valid => {
                kept.insert(&o.name);
                plan.comment(
                    CommentTarget::Index {
                        schema: s(),
                        table: table.into(),
                        index: n.name.clone(),
                    },
                    &o.comment,
                    &n.comment,
                );
            }
            _ => unmatched_new.push(n),
        }
    }
    let mut unmatched_old: Vec<&Index> = old
        .iter()
        .filter(|o| !kept.contains(o.name.as_str()))
        .collect();
    for n in unmatched_new {
        if let Some(pos) = unmatched_old
            .iter()
            .position(|o| o.valid && shape(o) == shape(n) && !new.iter().any(|x| x.name == o.name))
        {
            let o = unmatched_old.remove(pos);
            plan.renames.push(Change::RenameIndex {
                schema: s(),
                table: table.into(),
                from: o.name.clone(),
                to: n.name.clone(),
            });
            plan.comment(
                CommentTarget::Index {
                    schema: s(),
                    table: table.into(),
                    index: n.name.clone(),
                },
                &o.comment,
                &n.comment,
            );
            continue;
        }
        plan.add_constraints.push(Change::CreateIndex {
            schema: s(),
            table: table.into(),
            index: n.clone(),
            online,
        });
        plan.comment(
            CommentTarget::Index {
                schema: s(),
                table: table.into(),
                index: n.name.clone(),
            },
            &None,
            &n.comment,
        );
    }
    for o in unmatched_old {
        plan.drop_constraints.push(Change::DropIndex {
            schema: s(),
            table: old_table.into(),
            name: o.name.clone(),
            online,
        });
    }
}

/// Comments of a table created by the diff (the table, its columns, keys and indexes).
pub(crate) fn comments_of_new_table(plan: &mut Plan, schema: &str, t: &Table) {
    let s = || schema.to_string();
    plan.comment(
        CommentTarget::Table {
            schema: s(),
            table: t.name.clone(),
        },
        &None,
        &t.comment,
    );
    for c in &t.columns {
        plan.comment(
            CommentTarget::Column {
                schema: s(),
                table: t.name.clone(),
                column: c.name.clone(),
            },
            &None,
            &c.comment,
        );
    }
    let constraint_comments = t
        .primary_key
        .iter()
        .map(|k| (&k.name, &k.comment))
        .chain(t.uniques.iter().map(|u| (&u.name, &u.comment)))
        .chain(t.checks.iter().map(|c| (&c.name, &c.comment)))
        .chain(t.exclusions.iter().map(|c| (&c.name, &c.comment)))
        .chain(t.foreign_keys.iter().map(|f| (&f.name, &f.comment)));
    for (name, comment) in constraint_comments {
        constraint_comment(plan, schema, &t.name, name, &None, comment);
    }
    for i in &t.indexes {
        plan.comment(
            CommentTarget::Index {
                schema: s(),
                table: t.name.clone(),
                index: i.name.clone(),
            },
            &None,
            &i.comment,
        );
    }
}

/// `expr` with whole-word occurrences of column `old` replaced by `new`.
pub(crate) fn rename_column_in_expr(expr: &str, old: &str, new: &str) -> String {
    rename_in_expr(expr, &Renames::from([(old.to_string(), new.to_string())]))
}

/// Replaces whole-word occurrences of renamed columns in a deparsed expression.
fn rename_in_expr(expr: &str, renames: &Renames) -> String {
    let mut out = expr.to_string();
    for (old, new) in renames {
        if !super::mentions(&out, old) {
            continue;
        }
        let mut result = String::with_capacity(out.len());
        let bytes = out.as_bytes();
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        let mut i = 0;
        while i < out.len() {
            if out[i..].starts_with(old.as_str())
                && (i == 0 || !is_word(bytes[i - 1]))
                && (i + old.len() >= bytes.len() || !is_word(bytes[i + old.len()]))
            {
                result.push_str(new);
                i += old.len();
            } else {
                let ch = out[i..].chars().next().expect("in bounds");
                result.push(ch);
                i += ch.len_utf8();
            }
        }
        out = result;
    }
    out
}
