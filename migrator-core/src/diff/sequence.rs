//! Sequences: what changes between two models, and what undoes each change.

use super::{Change, CommentTarget, Plan};
use crate::schema::{Database, Schema, Sequence};
use std::collections::{BTreeMap, BTreeSet};

/// The sequence changes of one schema. A serial sequence whose table is renamed keeps its old
/// name in `from`: it is renamed, not dropped and created. Returns the renames (old → new):
/// a default calling `nextval` follows its sequence by identity, so the diff of a column
/// default reads them as the same expression.
pub(crate) fn diff(
    plan: &mut Plan,
    schema: &str,
    from: &Schema,
    to: &Schema,
    renamed_tables: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let s = || schema.to_string();
    let mut renamed_seqs: BTreeSet<String> = BTreeSet::new();
    let mut renames = BTreeMap::new();
    for q in &to.sequences {
        match from.sequence(&q.name) {
            None => {
                // A serial sequence of a renamed table keeps its old name: rename it.
                let old = from.sequences.iter().find(|o| {
                    to.sequence(&o.name).is_none()
                        && same_sequence_options(o, q)
                        && match (&o.owned_by, &q.owned_by) {
                            (Some(a), Some(b)) => renamed_tables.get(&a.table) == Some(&b.table),
                            _ => false,
                        }
                });
                if let Some(old) = old {
                    renamed_seqs.insert(old.name.clone());
                    renames.insert(old.name.clone(), q.name.clone());
                    plan.renames.push(Change::RenameSequence {
                        schema: s(),
                        from: old.name.clone(),
                        to: q.name.clone(),
                    });
                } else {
                    let mut created = q.clone();
                    created.owned_by = None;
                    plan.create_types.push(Change::CreateSequence {
                        schema: s(),
                        sequence: created,
                    });
                    if q.owned_by.is_some() {
                        plan.sequence_owners.push(Change::SetSequenceOwner {
                            schema: s(),
                            name: q.name.clone(),
                            owner: q.owned_by.clone(),
                        });
                    }
                }
                plan.comment(
                    CommentTarget::Sequence {
                        schema: s(),
                        name: q.name.clone(),
                    },
                    &None,
                    &q.comment,
                );
            }
            Some(old) => {
                if !same_sequence_options(old, q) {
                    plan.create_types.push(Change::AlterSequence {
                        schema: s(),
                        from: old.clone(),
                        to: q.clone(),
                    });
                }
                if old.owned_by != q.owned_by {
                    plan.sequence_owners.push(Change::SetSequenceOwner {
                        schema: s(),
                        name: q.name.clone(),
                        owner: q.owned_by.clone(),
                    });
                }
                plan.comment(
                    CommentTarget::Sequence {
                        schema: s(),
                        name: q.name.clone(),
                    },
                    &old.comment,
                    &q.comment,
                );
            }
        }
    }
    for q in &from.sequences {
        if to.sequence(&q.name).is_none() && !renamed_seqs.contains(&q.name) {
            plan.drop_types.push(Change::DropSequence {
                schema: s(),
                name: q.name.clone(),
            });
        }
    }
    renames
}

fn same_sequence_options(a: &Sequence, b: &Sequence) -> bool {
    (
        &a.data_type,
        a.start,
        a.increment,
        a.min,
        a.max,
        a.cache,
        a.cycle,
    ) == (
        &b.data_type,
        b.start,
        b.increment,
        b.min,
        b.max,
        b.cache,
        b.cycle,
    )
}

/// What undoes a sequence change (read from `from`, the database before it), and whether the
/// undo loses something (a dropped sequence comes back at its start).
pub(crate) fn inverse(from: &Database, c: &Change) -> (Vec<Change>, bool) {
    use Change::*;
    match c {
        CreateSequence { schema, sequence } => (
            vec![DropSequence {
                schema: schema.clone(),
                name: sequence.name.clone(),
            }],
            false,
        ),
        RenameSequence { schema, from, to } => (
            vec![RenameSequence {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        AlterSequence { schema, from, to } => (
            vec![AlterSequence {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        SetSequenceOwner { schema, name, .. } => {
            let owner = from
                .schema(schema)
                .and_then(|s| s.sequence(name))
                .and_then(|q| q.owned_by.clone());
            (
                vec![SetSequenceOwner {
                    schema: schema.clone(),
                    name: name.clone(),
                    owner,
                }],
                false,
            )
        }
        DropSequence { schema, name } => (
            from.schema(schema)
                .and_then(|s| s.sequence(name))
                .map(|q| CreateSequence {
                    schema: schema.clone(),
                    sequence: q.clone(),
                })
                .into_iter()
                .collect(),
            true,
        ),
        _ => unreachable!("inverse of a sequence change only"),
    }
}
