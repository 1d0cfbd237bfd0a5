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
    for r in &to.routines {
        let target = |r: &Routine| CommentTarget::Routine {
            schema: s(),
            name: r.name.clone(),
            kind: r.kind,
            arguments: r.arguments.clone(),
        };
        let late = reads_new_relation(r, from, to);
        let bucket = |plan: &mut Plan, c: Change| {
            if late {
                plan.late_routines.push(c)
            } else {
                plan.create_routines.push(c)
            }
        };
        match from.routine(&r.name, &r.signature) {
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
        if to.routine(&r.name, &r.signature).is_none() {
            plan.drop_routines.push(Change::DropRoutine {
                schema: s(),
                routine: r.clone(),
            });
        }
    }
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
/// table or view of `to` that `from` lacks.
fn reads_new_relation(r: &Routine, from: &Schema, to: &Schema) -> bool {
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
    new_tables
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
