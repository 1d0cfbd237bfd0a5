//! Row-level security policies: what changes between two models, and what undoes each change.
//!
//! Policies are matched by table and name (a table renamed by a hint keeps its policies; a
//! policy renamed by a `-- migrator:renamed-from` hint on its `CREATE POLICY` is renamed).
//! Roles, `USING` and `WITH CHECK` change with `ALTER POLICY`; a changed command or
//! permissive / restrictive kind is a drop and a create in one step.
//!
//! Order, so that a table never has row-level security on without its policies:
//! - policies are created (and altered) after everything their expressions may read (tables,
//!   columns, views, routines); turning row-level security on (`ENABLE` / `FORCE`, also on a
//!   new table) comes after them;
//! - turning it off comes first, then the policies no longer declared are dropped, before the
//!   columns, tables and routines they read.

use super::{hint, Change, CommentTarget, Hints, Plan};
use crate::schema::{Options, Policy, Schema, Table};

/// The `row_security` table option: `None` (off), `enabled`, `forced`, as a rank.
fn rls_rank(options: &Options) -> u8 {
    match options.get("row_security").map(String::as_str) {
        Some("forced") => 2,
        Some(_) => 1,
        None => 0,
    }
}

/// The policy changes of one schema, and the reordering of the `row_security` changes around
/// them (see the module comment).
pub(crate) fn diff(plan: &mut Plan, schema: &str, from: &Schema, to: &Schema, hints: &Hints) {
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
    let mut kept: Vec<(String, String)> = Vec::new();
    for p in &to.policies {
        let target = CommentTarget::Policy {
            schema: s(),
            table: p.table.clone(),
            policy: p.name.clone(),
        };
        let was = old_table(&p.table);
        let mut old = from.policy(&was, &p.name);
        if old.is_none() {
            // A rename hint: the old one exists and is no longer declared.
            let renamed = policy_rename(hints, schema, &p.table, &p.name)
                .and_then(|o| from.policy(&was, o))
                .filter(|o| to.policy(&p.table, &o.name).is_none());
            if let Some(o) = renamed {
                plan.create_policies.push(Change::RenamePolicy {
                    schema: s(),
                    table: p.table.clone(),
                    from: o.name.clone(),
                    to: p.name.clone(),
                });
                old = Some(o);
            }
        }
        match old {
            None => {
                plan.create_policies.push(Change::CreatePolicy {
                    schema: s(),
                    policy: p.clone(),
                });
                plan.comment(target, &None, &p.comment);
            }
            Some(old) => {
                kept.push((old.table.clone(), old.name.clone()));
                let mut renamed = old.clone();
                renamed.table = p.table.clone();
                renamed.name = p.name.clone();
                if old.permissive != p.permissive
                    || old.command != p.command
                    || removes_expression(old, p)
                {
                    plan.create_policies.push(Change::ReplacePolicy {
                        schema: s(),
                        from: renamed,
                        to: p.clone(),
                    });
                    plan.comment(target, &None, &p.comment);
                } else {
                    if old.roles != p.roles || old.using != p.using || old.check != p.check {
                        plan.create_policies.push(Change::AlterPolicy {
                            schema: s(),
                            from: renamed,
                            to: p.clone(),
                        });
                    }
                    plan.comment(target, &old.comment, &p.comment);
                }
            }
        }
    }
    for p in &from.policies {
        if kept.iter().any(|(t, n)| *t == p.table && *n == p.name) {
            continue;
        }
        plan.drop_policies.push(Change::DropPolicy {
            schema: s(),
            policy: p.clone(),
        });
    }
    order_row_security(plan, schema, to);
}

/// Moves `row_security` changes of `schema`'s tables: turning it on (or a new table created
/// with it on) after the policies, turning it off before the policy drops.
fn order_row_security(plan: &mut Plan, schema: &str, to: &Schema) {
    let alters = std::mem::take(&mut plan.alter_columns);
    for c in alters {
        match &c {
            Change::AlterTableOptions {
                schema: sc,
                from,
                to: options,
                ..
            } if sc == schema && rls_rank(options) > rls_rank(from) => {
                plan.enable_row_security.push(c)
            }
            Change::AlterTableOptions {
                schema: sc,
                from,
                to: options,
                ..
            } if sc == schema && rls_rank(options) < rls_rank(from) => {
                plan.disable_row_security.push(c)
            }
            _ => plan.alter_columns.push(c),
        }
    }
    // A new table with row-level security on: created without it, turned on after its
    // policies (the table has no other way to get them first).
    let has_policies = |t: &Table| to.policies.iter().any(|p| p.table == t.name);
    for c in &mut plan.create_tables {
        let Change::CreateTable { schema: sc, table } = c else {
            continue;
        };
        if sc != schema || rls_rank(&table.options) == 0 || !has_policies(table) {
            continue;
        }
        let with = table.options.clone();
        table.options.remove("row_security");
        plan.enable_row_security.push(Change::AlterTableOptions {
            schema: schema.to_string(),
            table: table.name.clone(),
            from: table.options.clone(),
            to: with,
        });
    }
}

/// The old name of policy `name` on `table` from a `-- migrator:renamed-from` hint.
fn policy_rename<'a>(
    hints: &'a Hints,
    schema: &str,
    table: &str,
    name: &str,
) -> Option<&'a String> {
    let key = |s: &str| ((s.to_string(), table.to_string()), name.to_string());
    hints
        .policy_renames
        .get(&key(schema))
        .or_else(|| hints.policy_renames.get(&key("")))
}

/// Whether going from `a` to `b` removes `USING` or `WITH CHECK`, which `ALTER POLICY` cannot
/// do (it sets expressions, never unsets one).
fn removes_expression(a: &Policy, b: &Policy) -> bool {
    (a.using.is_some() && b.using.is_none()) || (a.check.is_some() && b.check.is_none())
}

/// What undoes a policy change. Nothing is lost: a dropped policy comes back as it was.
pub(crate) fn inverse(c: &Change) -> (Vec<Change>, bool) {
    use Change::*;
    let comment = |schema: &String, p: &Policy| {
        p.comment.as_ref().map(|text| Comment {
            target: CommentTarget::Policy {
                schema: schema.clone(),
                table: p.table.clone(),
                policy: p.name.clone(),
            },
            comment: Some(text.clone()),
        })
    };
    match c {
        CreatePolicy { schema, policy } => (
            vec![DropPolicy {
                schema: schema.clone(),
                policy: policy.clone(),
            }],
            false,
        ),
        // `ALTER POLICY` cannot take an expression away: an added one is undone by a drop and
        // a create.
        AlterPolicy { schema, from, to } if removes_expression(to, from) => {
            let mut out = vec![ReplacePolicy {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }];
            out.extend(comment(schema, from));
            (out, false)
        }
        AlterPolicy { schema, from, to } => (
            vec![AlterPolicy {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        ReplacePolicy { schema, from, to } => {
            let mut out = vec![ReplacePolicy {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }];
            out.extend(comment(schema, from));
            (out, false)
        }
        RenamePolicy {
            schema,
            table,
            from,
            to,
        } => (
            vec![RenamePolicy {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        DropPolicy { schema, policy } => {
            let mut out = vec![CreatePolicy {
                schema: schema.clone(),
                policy: policy.clone(),
            }];
            out.extend(comment(schema, policy));
            (out, false)
        }
        _ => (Vec::new(), false),
    }
}
