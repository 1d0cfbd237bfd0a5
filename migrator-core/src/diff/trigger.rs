//! Triggers: what changes between two models, and what undoes each change.
//!
//! Triggers are matched by table and name (a table renamed by a hint keeps its triggers, which
//! compare with the table reference of their definition set aside). A changed definition is a
//! [`Change::ReplaceTrigger`] in expand (one statement where the server can, else a drop and a
//! create in the same step); a trigger no longer declared is dropped in contract.
//!
//! Order: triggers are created after tables, views and routines (their function must exist)
//! and dropped before all of them.

use super::{hint, Change, CommentTarget, Hints, Plan};
use crate::schema::{Database, Schema, Trigger};
use crate::Dialect;

/// Whether the server of `db` replaces a trigger in one statement (Postgres 14+ and MariaDB
/// `CREATE OR REPLACE TRIGGER`).
pub(crate) fn replace_in_place(db: &Database) -> bool {
    match db.dialect {
        Dialect::Postgres => crate::catalog::postgres::PgVersion::of(db)
            .is_some_and(|v| v.create_or_replace_trigger()),
        Dialect::Mysql => crate::flavor::MysqlFlavor::of(db).create_or_replace_trigger(),
    }
}

/// The trigger changes of one schema. `in_place`: see [`replace_in_place`].
pub(crate) fn diff(
    plan: &mut Plan,
    schema: &str,
    from: &Schema,
    to: &Schema,
    hints: &Hints,
    in_place: bool,
) {
    let s = || schema.to_string();
    // Table renames (hints), new name → old name.
    let old_table = |new: &str| -> String {
        if from.table(new).is_none() {
            if let Some(old) = hint(&hints.table_renames, schema, new) {
                if from.table(old).is_some() && to.table(old).is_none() {
                    return old.clone();
                }
            }
        }
        new.to_string()
    };
    // Views this plan drops and creates again: their triggers went with them.
    let rebuilt_views: Vec<String> = plan
        .drop_views
        .iter()
        .filter_map(|c| match c {
            Change::DropView {
                schema: sc, name, ..
            } if sc == schema => Some(name.clone()),
            _ => None,
        })
        .collect();
    let rebuilt = |view: &str| rebuilt_views.iter().any(|v| v == view);
    let mut kept: Vec<(String, String)> = Vec::new();
    let first_create = plan.create_triggers.len();
    for t in &to.triggers {
        let target = CommentTarget::Trigger {
            schema: s(),
            table: t.table.clone(),
            trigger: t.name.clone(),
        };
        let was = old_table(&t.table);
        let old = from.trigger(&was, &t.name).filter(|_| !rebuilt(&t.table));
        match old {
            None => {
                plan.create_triggers.push(Change::CreateTrigger {
                    schema: s(),
                    trigger: t.clone(),
                });
                plan.comment(target, &None, &t.comment);
            }
            Some(old) => {
                kept.push((old.table.clone(), old.name.clone()));
                if !same_definition(old, t, schema) {
                    let in_place = in_place && !old.constraint && !t.constraint;
                    plan.create_triggers.push(Change::ReplaceTrigger {
                        schema: s(),
                        from: old.clone(),
                        to: t.clone(),
                        in_place,
                    });
                    let comment = if in_place { &old.comment } else { &None };
                    plan.comment(target, comment, &t.comment);
                } else {
                    if old.enabled != t.enabled {
                        plan.create_triggers.push(Change::SetTriggerEnabled {
                            schema: s(),
                            table: t.table.clone(),
                            name: t.name.clone(),
                            from: old.enabled,
                            to: t.enabled,
                        });
                    }
                    plan.comment(target, &old.comment, &t.comment);
                }
            }
        }
    }
    // A trigger created after the one it follows (MySQL `FOLLOWS`).
    let mut pending: Vec<Change> = plan.create_triggers.split_off(first_create);
    while !pending.is_empty() {
        let i = (0..pending.len())
            .find(|&i| !waits(&pending[i], &pending))
            .unwrap_or(0);
        plan.create_triggers.push(pending.remove(i));
    }
    for t in &from.triggers {
        if kept
            .iter()
            .any(|(table, name)| *table == t.table && *name == t.name)
        {
            continue;
        }
        // A rebuilt view's triggers go with its drop.
        if rebuilt(&t.table) {
            continue;
        }
        plan.drop_triggers.push(Change::DropTrigger {
            schema: s(),
            trigger: t.clone(),
        });
    }
}

/// Whether `c` creates a trigger following one that `pending` still has to create.
fn waits(c: &Change, pending: &[Change]) -> bool {
    let follows = match c {
        Change::CreateTrigger { trigger, .. } | Change::ReplaceTrigger { to: trigger, .. } => {
            trigger.options.get("follows")
        }
        _ => None,
    };
    follows.is_some_and(|f| {
        pending.iter().any(|p| match p {
            Change::CreateTrigger { trigger, .. } | Change::ReplaceTrigger { to: trigger, .. } => {
                &trigger.name == f
            }
            _ => false,
        })
    })
}

/// Same definition, whatever the name of the table (renamed by this plan) in it; `options`
/// compared too.
fn same_definition(a: &Trigger, b: &Trigger, schema: &str) -> bool {
    a.constraint == b.constraint
        && a.options == b.options
        && (a.definition == b.definition
            || without_table(&a.definition, schema, &a.table)
                == without_table(&b.definition, schema, &b.table))
}

/// `definition` with its ` ON <table> ` reference replaced by a placeholder (the table as
/// Postgres or MySQL may spell it, qualified or not).
fn without_table(definition: &str, schema: &str, table: &str) -> String {
    let dq = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let bq = |n: &str| format!("`{}`", n.replace('`', "``"));
    let forms = [
        format!("{schema}.{table}"),
        format!("{}.{}", dq(schema), dq(table)),
        format!("{schema}.{}", dq(table)),
        format!("{}.{table}", dq(schema)),
        format!("{}.{}", bq(schema), bq(table)),
        bq(table),
        dq(table),
        table.to_string(),
    ];
    for f in forms {
        let needle = format!(" ON {f} ");
        if definition.contains(&needle) {
            return definition.replacen(&needle, " ON \u{0} ", 1);
        }
    }
    definition.to_string()
}

/// What undoes a trigger change. Nothing is lost: a dropped trigger comes back as it was.
pub(crate) fn inverse(from_db: &Database, c: &Change) -> (Vec<Change>, bool) {
    use Change::*;
    let comment = |schema: &String, t: &Trigger| {
        t.comment.as_ref().map(|text| Comment {
            target: CommentTarget::Trigger {
                schema: schema.clone(),
                table: t.table.clone(),
                trigger: t.name.clone(),
            },
            comment: Some(text.clone()),
        })
    };
    match c {
        CreateTrigger { schema, trigger } => (
            vec![DropTrigger {
                schema: schema.clone(),
                trigger: trigger.clone(),
            }],
            false,
        ),
        ReplaceTrigger {
            schema,
            from,
            to,
            in_place,
        } => {
            // Undone on the table as it is named then (a rename is undone after it).
            let mut back = from.clone();
            if from.table != to.table {
                back.definition = without_table(&from.definition, schema, &from.table).replacen(
                    "\u{0}",
                    &from_db.dialect.table_ref(schema, &to.table),
                    1,
                );
                back.table = to.table.clone();
            }
            let mut out = vec![ReplaceTrigger {
                schema: schema.clone(),
                from: to.clone(),
                to: back.clone(),
                in_place: *in_place,
            }];
            if !*in_place {
                out.extend(comment(schema, &back));
            }
            (out, false)
        }
        SetTriggerEnabled {
            schema,
            table,
            name,
            from,
            to,
        } => (
            vec![SetTriggerEnabled {
                schema: schema.clone(),
                table: table.clone(),
                name: name.clone(),
                from: *to,
                to: *from,
            }],
            false,
        ),
        DropTrigger { schema, trigger } => {
            let mut out = vec![CreateTrigger {
                schema: schema.clone(),
                trigger: trigger.clone(),
            }];
            out.extend(comment(schema, trigger));
            (out, false)
        }
        _ => (Vec::new(), false),
    }
}
