//! Domains, composite types and range types (Postgres), and enum renames: what changes between
//! two models, and what undoes each change.
//!
//! The three kinds may be built on each other (a domain over a domain, a composite type with a
//! domain attribute, a range over a domain): they are created in dependency order, after enums
//! and extensions (whose types they may use) and before tables; dropped in the reverse order,
//! after the tables and columns using them and before the enums and extensions.

use super::{Change, CommentTarget, Hints, Plan};
use crate::schema::{Attribute, ColumnType, Composite, Database, Domain, Range, Schema};
use std::collections::BTreeSet;

/// One of the three kinds, by name.
#[derive(Clone, Copy)]
enum Ty<'a> {
    Domain(&'a Domain),
    Composite(&'a Composite),
    Range(&'a Range),
}

impl<'a> Ty<'a> {
    fn name(&self) -> &'a str {
        match self {
            Ty::Domain(d) => &d.name,
            Ty::Composite(c) => &c.name,
            Ty::Range(r) => &r.name,
        }
    }

    /// The types it is built on (any schema, any kind).
    fn uses(&self) -> Vec<&'a ColumnType> {
        match self {
            Ty::Domain(d) => vec![&d.base],
            Ty::Composite(c) => c.attributes.iter().map(|a| &a.data_type).collect(),
            Ty::Range(r) => vec![&r.subtype],
        }
    }
}

/// The schema's domains, composite and range types, each after the ones of this schema it uses.
fn ordered<'a>(schema: &str, s: &'a Schema) -> Vec<Ty<'a>> {
    let mut pending: Vec<Ty> = s
        .domains
        .iter()
        .map(Ty::Domain)
        .chain(s.composites.iter().map(Ty::Composite))
        .chain(s.ranges.iter().map(Ty::Range))
        .collect();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let names: BTreeSet<&str> = pending.iter().map(|t| t.name()).collect();
        let (now, later): (Vec<Ty>, Vec<Ty>) = pending.iter().copied().partition(|t| {
            !t.uses().iter().any(|u| {
                u.user_type.as_ref().is_some_and(|u| {
                    u.schema == schema && u.name != t.name() && names.contains(u.name.as_str())
                })
            })
        });
        if now.is_empty() {
            out.extend(later);
            break;
        }
        out.extend(now);
        pending = later;
    }
    out
}

/// The changes of the domains, composite and range types of one schema.
pub(crate) fn diff(plan: &mut Plan, schema: &str, from: &Schema, to: &Schema) {
    let s = || schema.to_string();
    for t in ordered(schema, to) {
        match t {
            Ty::Domain(d) => {
                match from.domain(&d.name) {
                    None => create_domain(plan, schema, d),
                    Some(old) if old.base != d.base || old.collation != d.collation => {
                        // No ALTER for these: dropped and made again (refused by the planner
                        // while anything uses it).
                        plan.create_types.push(Change::DropDomain {
                            schema: s(),
                            name: d.name.clone(),
                        });
                        create_domain(plan, schema, d);
                    }
                    Some(old) => alter_domain(plan, schema, old, d),
                }
                // Made again: its comment went with it.
                let old = from
                    .domain(&d.name)
                    .filter(|o| o.base == d.base && o.collation == d.collation)
                    .and_then(|o| o.comment.clone());
                plan.comment(
                    CommentTarget::Domain {
                        schema: s(),
                        name: d.name.clone(),
                    },
                    &old,
                    &d.comment,
                );
            }
            Ty::Composite(c) => {
                let kept = match from.composite(&c.name) {
                    None => {
                        let mut bare = c.clone();
                        bare.comment = None;
                        plan.create_types.push(Change::CreateComposite {
                            schema: s(),
                            composite: bare,
                        });
                        false
                    }
                    Some(old) => alter_composite(plan, schema, old, c),
                };
                let old = from
                    .composite(&c.name)
                    .filter(|_| kept)
                    .and_then(|o| o.comment.clone());
                plan.comment(
                    CommentTarget::Type {
                        schema: s(),
                        name: c.name.clone(),
                    },
                    &old,
                    &c.comment,
                );
            }
            Ty::Range(r) => {
                let same = |old: &Range| {
                    let mut a = old.clone();
                    a.comment = r.comment.clone();
                    &a == r
                };
                let mut bare = r.clone();
                bare.comment = None;
                match from.range(&r.name) {
                    None => plan.create_types.push(Change::CreateRange {
                        schema: s(),
                        range: bare,
                    }),
                    Some(old) if !same(old) => {
                        plan.create_types.push(Change::DropRange {
                            schema: s(),
                            name: r.name.clone(),
                        });
                        plan.create_types.push(Change::CreateRange {
                            schema: s(),
                            range: bare,
                        });
                    }
                    Some(_) => {}
                }
                let old = from
                    .range(&r.name)
                    .filter(|o| same(o))
                    .and_then(|o| o.comment.clone());
                plan.comment(
                    CommentTarget::Type {
                        schema: s(),
                        name: r.name.clone(),
                    },
                    &old,
                    &r.comment,
                );
            }
        }
    }
    // Dropped after the tables using them, before the enums and extensions they use.
    let mut drops = Vec::new();
    for t in ordered(schema, from).into_iter().rev() {
        let change = match t {
            Ty::Domain(d) if to.domain(&d.name).is_none() => Change::DropDomain {
                schema: s(),
                name: d.name.clone(),
            },
            Ty::Composite(c) if to.composite(&c.name).is_none() => Change::DropComposite {
                schema: s(),
                name: c.name.clone(),
            },
            Ty::Range(r) if to.range(&r.name).is_none() => Change::DropRange {
                schema: s(),
                name: r.name.clone(),
            },
            _ => continue,
        };
        drops.push(change);
    }
    plan.drop_types.splice(0..0, drops);
}

fn create_domain(plan: &mut Plan, schema: &str, d: &Domain) {
    let mut bare = d.clone();
    let (valid, not_valid): (Vec<_>, Vec<_>) = bare.checks.drain(..).partition(|c| c.validated);
    bare.checks = valid;
    bare.comment = None;
    plan.create_types.push(Change::CreateDomain {
        schema: schema.to_string(),
        domain: bare,
    });
    for check in not_valid {
        plan.create_types.push(Change::AddDomainCheck {
            schema: schema.to_string(),
            domain: d.name.clone(),
            check,
        });
    }
}

fn alter_domain(plan: &mut Plan, schema: &str, old: &Domain, new: &Domain) {
    let s = || schema.to_string();
    if old.default != new.default {
        plan.create_types.push(Change::SetDomainDefault {
            schema: s(),
            name: new.name.clone(),
            default: new.default.clone(),
        });
    }
    if old.not_null != new.not_null {
        plan.create_types.push(Change::SetDomainNotNull {
            schema: s(),
            name: new.name.clone(),
            not_null: new.not_null,
        });
    }
    for c in &old.checks {
        let kept = new
            .check(&c.name)
            .is_some_and(|n| n.expr == c.expr && (n.validated || !c.validated));
        if !kept {
            plan.create_types.push(Change::DropDomainCheck {
                schema: s(),
                domain: new.name.clone(),
                name: c.name.clone(),
            });
        }
    }
    for c in &new.checks {
        match old.check(&c.name) {
            Some(o) if o.expr == c.expr && (c.validated || !o.validated) => {
                if c.validated && !o.validated {
                    plan.create_types.push(Change::ValidateDomainCheck {
                        schema: s(),
                        domain: new.name.clone(),
                        name: c.name.clone(),
                    });
                }
            }
            _ => plan.create_types.push(Change::AddDomainCheck {
                schema: s(),
                domain: new.name.clone(),
                check: c.clone(),
            }),
        }
    }
}

/// Attributes dropped, changed and added in place when the kept ones keep their order and the
/// new ones come after them (as `ADD ATTRIBUTE` appends); otherwise the type is made again.
/// Returns whether the type was kept (false: made again).
fn alter_composite(plan: &mut Plan, schema: &str, old: &Composite, new: &Composite) -> bool {
    let s = || schema.to_string();
    let kept_old: Vec<&str> = old
        .attributes
        .iter()
        .filter(|a| new.attribute(&a.name).is_some())
        .map(|a| a.name.as_str())
        .collect();
    let kept_new: Vec<&str> = new
        .attributes
        .iter()
        .filter(|a| old.attribute(&a.name).is_some())
        .map(|a| a.name.as_str())
        .collect();
    let appended = new.attributes[..kept_new.len().min(new.attributes.len())]
        .iter()
        .all(|a| old.attribute(&a.name).is_some());
    if kept_old != kept_new || !appended {
        plan.create_types.push(Change::DropComposite {
            schema: s(),
            name: new.name.clone(),
        });
        let mut c = new.clone();
        c.comment = None;
        plan.create_types.push(Change::CreateComposite {
            schema: s(),
            composite: c,
        });
        return false;
    }
    for a in &old.attributes {
        if new.attribute(&a.name).is_none() {
            plan.create_types.push(Change::DropAttribute {
                schema: s(),
                composite: new.name.clone(),
                name: a.name.clone(),
            });
        }
    }
    for a in &new.attributes {
        match old.attribute(&a.name) {
            None => plan.create_types.push(Change::AddAttribute {
                schema: s(),
                composite: new.name.clone(),
                attribute: a.clone(),
            }),
            Some(o) if o != a => plan.create_types.push(Change::AlterAttribute {
                schema: s(),
                composite: new.name.clone(),
                from: o.clone(),
                to: a.clone(),
            }),
            Some(_) => {}
        }
    }
    true
}

/// How Postgres' `quote_ident` spells a name in deparsed text (quoted unless a plain lower-case
/// identifier; reserved words aside).
fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `from` as it is after the enum renames the hints ask for (types and values), and the rename
/// changes: the rest of the diff then sees the renamed enums as the same types (columns of an
/// enum renamed keep their type, defaults their value), as the server does after the rename.
pub(crate) fn enum_renames(
    plan: &mut Plan,
    schema: &str,
    from: &Schema,
    to: &Schema,
    hints: &Hints,
) -> Option<Schema> {
    if hints.type_renames.is_empty() && hints.enum_value_renames.is_empty() {
        return None;
    }
    let key = |name: &str| {
        [
            (schema.to_string(), name.to_string()),
            (String::new(), name.to_string()),
        ]
    };
    let mut renamed = from.clone();
    let mut changed = false;
    for e in &to.enums {
        if from.enum_type(&e.name).is_none() {
            let old = key(&e.name)
                .iter()
                .find_map(|k| hints.type_renames.get(k))
                .cloned();
            if let Some(old) = old {
                if from.enum_type(&old).is_some() && to.enum_type(&old).is_none() {
                    plan.create_types.push(Change::RenameEnum {
                        schema: schema.to_string(),
                        from: old.clone(),
                        to: e.name.clone(),
                    });
                    rename_type(&mut renamed, schema, &old, &e.name);
                    changed = true;
                }
            }
        }
        let Some(current) = renamed.enums.iter().position(|x| x.name == e.name) else {
            continue;
        };
        for v in &e.values {
            let old = key(&e.name)
                .into_iter()
                .find_map(|k| hints.enum_value_renames.get(&(k, v.clone())))
                .cloned();
            let Some(old) = old else { continue };
            let values = &renamed.enums[current].values;
            if values.contains(&old) && !values.contains(v) && !e.values.contains(&old) {
                plan.create_types.push(Change::RenameEnumValue {
                    schema: schema.to_string(),
                    name: e.name.clone(),
                    from: old.clone(),
                    to: v.clone(),
                });
                for x in &mut renamed.enums[current].values {
                    if *x == old {
                        *x = v.clone();
                    }
                }
                let ty = format!("{}.{}", quote_ident(schema), quote_ident(&e.name));
                let lit = |s: &str| format!("'{}'::{ty}", s.replace('\'', "''"));
                replace_in_expressions(&mut renamed, &lit(&old), &lit(v));
                changed = true;
            }
        }
    }
    changed.then_some(renamed)
}

/// Renames type `old` of `schema` to `new` in every reference of `s` (column, attribute and
/// base types; default and check expressions).
fn rename_type(s: &mut Schema, schema: &str, old: &str, new: &str) {
    if let Some(e) = s.enums.iter_mut().find(|e| e.name == old) {
        e.name = new.to_string();
    }
    let (from_text, to_text) = (
        format!("{}.{}", quote_ident(schema), quote_ident(old)),
        format!("{}.{}", quote_ident(schema), quote_ident(new)),
    );
    let fix = |ty: &mut ColumnType| {
        if let Some(u) = &mut ty.user_type {
            if u.schema == schema && u.name == old {
                u.name = new.to_string();
                if let Some(rest) = ty.name.strip_prefix(&from_text) {
                    ty.name = format!("{to_text}{rest}");
                }
            }
        }
    };
    for t in &mut s.tables {
        for c in &mut t.columns {
            fix(&mut c.data_type);
        }
    }
    for d in &mut s.domains {
        fix(&mut d.base);
    }
    for c in &mut s.composites {
        for a in &mut c.attributes {
            fix(&mut a.data_type);
        }
    }
    for r in &mut s.ranges {
        fix(&mut r.subtype);
    }
    replace_in_expressions(s, &format!("::{from_text}"), &format!("::{to_text}"));
}

/// Replaces `from` by `to` in the default and CHECK expressions of `s`.
fn replace_in_expressions(s: &mut Schema, from: &str, to: &str) {
    for t in &mut s.tables {
        for c in &mut t.columns {
            if let Some(d) = &mut c.default {
                *d = d.replace(from, to);
            }
        }
        for k in &mut t.checks {
            k.expr = k.expr.replace(from, to);
        }
    }
    for d in &mut s.domains {
        if let Some(x) = &mut d.default {
            *x = x.replace(from, to);
        }
        for k in &mut d.checks {
            k.expr = k.expr.replace(from, to);
        }
    }
}

/// Whether anything of `db` uses type `schema.name`: a column, a domain, a composite type's
/// attribute or a range. Returns what, for a message.
pub(crate) fn users(db: &Database, schema: &str, name: &str) -> Vec<String> {
    let is = |ty: &ColumnType| {
        ty.user_type
            .as_ref()
            .is_some_and(|u| u.schema == schema && u.name == name)
    };
    let mut out = Vec::new();
    for s in &db.schemas {
        for t in &s.tables {
            for c in &t.columns {
                if is(&c.data_type) {
                    out.push(format!("column {}.{}.{}", s.name, t.name, c.name));
                }
            }
        }
        for d in &s.domains {
            if is(&d.base) {
                out.push(format!("domain {}.{}", s.name, d.name));
            }
        }
        for c in &s.composites {
            if c.attributes.iter().any(|a| is(&a.data_type)) {
                out.push(format!("composite type {}.{}", s.name, c.name));
            }
        }
        for r in &s.ranges {
            if is(&r.subtype) {
                out.push(format!("range type {}.{}", s.name, r.name));
            }
        }
    }
    out
}

/// The comment a dropped type had, set again after it is made again.
fn comment_back(target: CommentTarget, comment: &Option<String>) -> Option<Change> {
    comment.as_ref().map(|c| Change::Comment {
        target,
        comment: Some(c.clone()),
    })
}

/// What undoes a change of this module (read from `from`, the database before it), and whether
/// the undo loses something.
pub(crate) fn inverse(from: &Database, c: &Change) -> (Vec<Change>, bool) {
    use Change::*;
    let schema_of = |schema: &str| from.schema(schema);
    match c {
        CreateDomain { schema, domain } => (
            vec![DropDomain {
                schema: schema.clone(),
                name: domain.name.clone(),
            }],
            false,
        ),
        DropDomain { schema, name } => (
            schema_of(schema)
                .and_then(|s| s.domain(name))
                .map(|d| {
                    let mut bare = d.clone();
                    bare.comment = None;
                    let mut back = vec![CreateDomain {
                        schema: schema.clone(),
                        domain: bare,
                    }];
                    back.extend(comment_back(
                        CommentTarget::Domain {
                            schema: schema.clone(),
                            name: name.clone(),
                        },
                        &d.comment,
                    ));
                    back
                })
                .unwrap_or_default(),
            false,
        ),
        SetDomainDefault { schema, name, .. } => (
            vec![SetDomainDefault {
                schema: schema.clone(),
                name: name.clone(),
                default: schema_of(schema)
                    .and_then(|s| s.domain(name))
                    .and_then(|d| d.default.clone()),
            }],
            false,
        ),
        SetDomainNotNull {
            schema,
            name,
            not_null,
        } => (
            vec![SetDomainNotNull {
                schema: schema.clone(),
                name: name.clone(),
                not_null: !not_null,
            }],
            false,
        ),
        AddDomainCheck {
            schema,
            domain,
            check,
        } => (
            vec![DropDomainCheck {
                schema: schema.clone(),
                domain: domain.clone(),
                name: check.name.clone(),
            }],
            false,
        ),
        ValidateDomainCheck { .. } => (vec![], false),
        DropDomainCheck {
            schema,
            domain,
            name,
        } => (
            schema_of(schema)
                .and_then(|s| s.domain(domain))
                .and_then(|d| d.check(name))
                .map(|k| AddDomainCheck {
                    schema: schema.clone(),
                    domain: domain.clone(),
                    check: k.clone(),
                })
                .into_iter()
                .collect(),
            false,
        ),
        CreateComposite { schema, composite } => (
            vec![DropComposite {
                schema: schema.clone(),
                name: composite.name.clone(),
            }],
            false,
        ),
        DropComposite { schema, name } => (
            schema_of(schema)
                .and_then(|s| s.composite(name))
                .map(|c| {
                    let mut bare = c.clone();
                    bare.comment = None;
                    let mut back = vec![CreateComposite {
                        schema: schema.clone(),
                        composite: bare,
                    }];
                    back.extend(comment_back(
                        CommentTarget::Type {
                            schema: schema.clone(),
                            name: name.clone(),
                        },
                        &c.comment,
                    ));
                    back
                })
                .unwrap_or_default(),
            false,
        ),
        AddAttribute {
            schema,
            composite,
            attribute,
        } => (
            vec![DropAttribute {
                schema: schema.clone(),
                composite: composite.clone(),
                name: attribute.name.clone(),
            }],
            false,
        ),
        DropAttribute {
            schema,
            composite,
            name,
        } => (
            schema_of(schema)
                .and_then(|s| s.composite(composite))
                .and_then(|c| c.attribute(name))
                .map(|a: &Attribute| AddAttribute {
                    schema: schema.clone(),
                    composite: composite.clone(),
                    attribute: a.clone(),
                })
                .into_iter()
                .collect(),
            true,
        ),
        AlterAttribute {
            schema,
            composite,
            from: old,
            to,
        } => (
            vec![AlterAttribute {
                schema: schema.clone(),
                composite: composite.clone(),
                from: to.clone(),
                to: old.clone(),
            }],
            false,
        ),
        CreateRange { schema, range } => (
            vec![DropRange {
                schema: schema.clone(),
                name: range.name.clone(),
            }],
            false,
        ),
        DropRange { schema, name } => (
            schema_of(schema)
                .and_then(|s| s.range(name))
                .map(|r| {
                    let mut bare = r.clone();
                    bare.comment = None;
                    let mut back = vec![CreateRange {
                        schema: schema.clone(),
                        range: bare,
                    }];
                    back.extend(comment_back(
                        CommentTarget::Type {
                            schema: schema.clone(),
                            name: name.clone(),
                        },
                        &r.comment,
                    ));
                    back
                })
                .unwrap_or_default(),
            false,
        ),
        RenameEnum { schema, from, to } => (
            vec![RenameEnum {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        RenameEnumValue {
            schema,
            name,
            from,
            to,
        } => (
            vec![RenameEnumValue {
                schema: schema.clone(),
                name: name.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        _ => unreachable!("inverse of a domain, composite, range or enum rename change only"),
    }
}
