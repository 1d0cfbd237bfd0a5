//! Functions and procedures: what changes between two models, and what undoes each change.
//!
//! Routines are matched by name and signature (the input argument types: overloads are
//! different routines). A routine of the same key with another definition is replaced
//! ([`Change::ReplaceRoutine`], expand); a routine whose signature changes is a new routine
//! (created in expand, so both application versions find the one they call) and the old one
//! is dropped in contract.
//!
//! Order: routines are created after types and sequences and before the tables, columns,
//! checks, defaults, indexes, views and triggers that may use them; a Postgres `LANGUAGE sql`
//! function (whose body the server checks at creation) that mentions a relation this plan
//! creates is created after the tables instead. Routines are dropped after the tables, so
//! after whatever used them.

use super::{Change, CommentTarget, Plan};
use crate::schema::{Database, Routine, Schema};

/// The routine changes of one schema.
pub(crate) fn diff(plan: &mut Plan, schema: &str, from: &Schema, to: &Schema) {
    let s = || schema.to_string();
    let extensions = extensions(from, to);
    for r in &to.routines {
        let target = |r: &Routine| CommentTarget::Routine {
            schema: s(),
            name: r.name.clone(),
            kind: r.kind,
            arguments: r.arguments.clone(),
        };
        let late = reads_what_the_plan_adds(r, from, to);
        let bucket = |plan: &mut Plan, c: Change| {
            if late {
                plan.late_routines.push(c)
            } else {
                plan.create_routines.push(c)
            }
        };
        let extended = extensions
            .iter()
            .find(|(_, n)| std::ptr::eq(*n, r))
            .map(|(o, _)| *o);
        match from.routine(&r.name, &r.signature).or(extended) {
            None => {
                bucket(
                    plan,
                    Change::CreateRoutine {
                        schema: s(),
                        routine: r.clone(),
                    },
                );
                plan.comment(target(r), &None, &r.comment);
            }
            Some(old) if !same_routine(old, r) => {
                bucket(
                    plan,
                    Change::ReplaceRoutine {
                        schema: s(),
                        from: old.clone(),
                        to: r.clone(),
                    },
                );
                // A routine dropped and created comes back without its comment.
                let kept = if replaceable(old, r) {
                    &old.comment
                } else {
                    &None
                };
                plan.comment(target(r), kept, &r.comment);
            }
            Some(old) => plan.comment(target(r), &old.comment, &r.comment),
        }
    }
    for r in &from.routines {
        let replaced = extensions.iter().any(|(o, _)| std::ptr::eq(*o, r));
        if to.routine(&r.name, &r.signature).is_none() && !replaced {
            plan.drop_routines.push(Change::DropRoutine {
                schema: s(),
                routine: r.clone(),
            });
        }
    }
}

/// Routines `from` has and `to` no longer has, each paired with the new routine of `to` that
/// extends it with defaulted arguments (at most one new routine per old one, and the reverse).
/// Such a new routine takes the old one's place in one transaction: beside it, the old
/// version's calls would match both and fail as ambiguous.
fn extensions<'a>(from: &'a Schema, to: &'a Schema) -> Vec<(&'a Routine, &'a Routine)> {
    let mut pairs: Vec<(&Routine, &Routine)> = Vec::new();
    for old in from
        .routines
        .iter()
        .filter(|o| to.routine(&o.name, &o.signature).is_none())
    {
        let new = to.routines.iter().find(|n| {
            from.routine(&n.name, &n.signature).is_none()
                && extends_with_defaults(old, n)
                && !pairs.iter().any(|(_, p)| std::ptr::eq(*p, *n))
        });
        if let Some(new) = new {
            pairs.push((old, new));
        }
    }
    pairs
}

/// Whether `new` (same name and kind) takes `old`'s arguments first and only defaulted ones
/// after them: a call written for `old` matches `new` too (Postgres).
fn extends_with_defaults(old: &Routine, new: &Routine) -> bool {
    let types = |r: &Routine| -> Vec<String> {
        r.signature
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let (a, b) = (types(old), types(new));
    old.name == new.name
        && old.kind == new.kind
        && b.len() > a.len()
        && b.starts_with(&a)
        && new.defaults as usize >= b.len() - a.len()
}

/// Same definition (comments aside).
fn same_routine(a: &Routine, b: &Routine) -> bool {
    (&a.kind, &a.arguments, &a.result, &a.definition)
        == (&b.kind, &b.arguments, &b.result, &b.definition)
}

/// Whether `CREATE OR REPLACE` can turn `from` into `to` (Postgres): same kind, same argument
/// names, modes and types, same result, and no argument default removed. Otherwise the routine
/// must be dropped and created.
pub fn replaceable(from: &Routine, to: &Routine) -> bool {
    from.kind == to.kind
        && from.arguments == to.arguments
        && from.result == to.result
        && to.defaults >= from.defaults
}

/// A Postgres `LANGUAGE sql` routine (its body is checked when it is created) that mentions a
/// table or view of `to` that `from` lacks, or an existing table and a column the plan gives it
/// (a new or renamed one: the booking function of a new signature inserting into a new column).
fn reads_what_the_plan_adds(r: &Routine, from: &Schema, to: &Schema) -> bool {
    let sql = r.definition.to_ascii_lowercase();
    if !sql.contains(" language sql") {
        return false;
    }
    let new_tables = to
        .tables
        .iter()
        .map(|t| &t.name)
        .filter(|n| from.table(n).is_none());
    let new_views = to
        .views
        .iter()
        .map(|v| &v.name)
        .filter(|n| from.view(n).is_none());
    let new_columns = to.tables.iter().any(|t| {
        from.table(&t.name).is_some_and(|old| {
            super::mentions(&r.definition, &t.name)
                && t.columns.iter().any(|c| {
                    old.column(&c.name).is_none() && super::mentions(&r.definition, &c.name)
                })
        })
    });
    new_columns
        || new_tables
            .chain(new_views)
            .any(|n| super::mentions(&r.definition, n))
}

/// What undoes a routine change (read from the change itself: creates and drops carry the
/// whole routine). Nothing is lost: a dropped routine comes back as it was.
pub(crate) fn inverse(_from: &Database, c: &Change) -> (Vec<Change>, bool) {
    use Change::*;
    let comment = |schema: &String, r: &Routine| {
        r.comment.as_ref().map(|text| Comment {
            target: CommentTarget::Routine {
                schema: schema.clone(),
                name: r.name.clone(),
                kind: r.kind,
                arguments: r.arguments.clone(),
            },
            comment: Some(text.clone()),
        })
    };
    match c {
        CreateRoutine { schema, routine } => (
            vec![DropRoutine {
                schema: schema.clone(),
                routine: routine.clone(),
            }],
            false,
        ),
        ReplaceRoutine { schema, from, to } => {
            let mut out = vec![ReplaceRoutine {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }];
            if !replaceable(to, from) {
                out.extend(comment(schema, from));
            }
            (out, false)
        }
        DropRoutine { schema, routine } => {
            let mut out = vec![CreateRoutine {
                schema: schema.clone(),
                routine: routine.clone(),
            }];
            out.extend(comment(schema, routine));
            (out, false)
        }
        _ => (Vec::new(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::RoutineKind;

    fn f(signature: &str, defaults: u32) -> Routine {
        Routine {
            name: "book".into(),
            kind: RoutineKind::Function,
            arguments: String::new(),
            signature: signature.into(),
            result: Some("bigint".into()),
            defaults,
            definition: format!("CREATE FUNCTION book({signature})"),
            comment: None,
        }
    }

    #[test]
    fn a_signature_extended_with_defaults_replaces_the_old_one() {
        let old = f("bigint, text", 0);
        assert!(extends_with_defaults(&old, &f("bigint, text, text", 1)));
        // Without a default the old calls do not match the new one: both can live side by side.
        assert!(!extends_with_defaults(&old, &f("bigint, text, text", 0)));
        assert!(!extends_with_defaults(&old, &f("bigint, integer, text", 1)));
        assert!(!extends_with_defaults(&old, &f("bigint", 0)));
        let (mut from, mut to) = (Schema::new("public"), Schema::new("public"));
        from.routines.push(old);
        to.routines.push(f("bigint, text, text", 1));
        let mut plan = Plan::default();
        diff(&mut plan, "public", &from, &to);
        assert!(matches!(
            &plan.create_routines[..],
            [Change::ReplaceRoutine { .. }]
        ));
        assert!(plan.drop_routines.is_empty());
        // Two new signatures extending the same old one: one takes its place, the other is
        // created beside it (the old one is dropped once, not twice).
        to.routines.push(f("bigint, text, text, text", 2));
        let mut plan = Plan::default();
        diff(&mut plan, "public", &from, &to);
        let replaces = plan
            .create_routines
            .iter()
            .filter(|c| matches!(c, Change::ReplaceRoutine { .. }))
            .count();
        let creates = plan
            .create_routines
            .iter()
            .filter(|c| matches!(c, Change::CreateRoutine { .. }))
            .count();
        assert_eq!((replaces, creates), (1, 1));
        assert!(plan.drop_routines.is_empty());
    }
}
