//! Diff: two schema models (`from`, the database as it is; `to`, as declared) → ordered
//! [`Change`]s that turn one into the other.
//!
//! - [`change`]: the change kinds;
//! - [`hints`]: `-- migrator:` hints of a declared schema (renames, backfill and conversion
//!   expressions): the diff's input besides the two models;
//! - [`table`]: what changes inside one table; [`sequence`]: sequences (diff and inverse);
//!   [`domain`]: domains, composite and range types, enum renames (diff and inverse);
//! - [`types`]: which type changes keep every value;
//! - [`mysql_partition`]: MySQL / MariaDB partitions (added, dropped, reorganized, a table
//!   repartitioned);
//! - [`partition`]: partitioned tables (new partitions attached online, dropped ones detached,
//!   parents created first; a changed key or bound refused);
//! - [`mysql`]: what MySQL / MariaDB needs differently (applied when both models are MySQL ones).
//!
//! Ordering, so that the changes run in sequence: drop views that are rebuilt or depend on what
//! changes → drop foreign keys, constraints and indexes that go away or change → create schemas,
//! extensions, enums (renamed first), domains / composite / range types (in dependency order),
//! sequences → renames → create tables → alter columns → add keys,
//! constraints, indexes → foreign keys (after every table exists, so cycles are fine) → views (in
//! dependency order) → comments → drop tables, sequences, enums, extensions, schemas.
//! Routines and triggers ([`routine`], [`trigger`]): triggers are dropped first; routines are
//! created after types (before the tables, defaults and checks that call them) and dropped
//! after tables; triggers are created after views. Events ([`event`]) go with triggers: dropped
//! first, created and altered last.
//! after tables; triggers are created after views. Policies ([`policy`]): row-level security
//! is turned off and policies dropped right after the triggers; policies are created after the
//! triggers, and row-level security turned on after them.

pub mod change;
pub mod domain;
pub mod event;
pub mod hints;
pub mod mysql;
pub mod mysql_partition;
pub mod partition;
pub mod policy;
pub mod routine;
pub mod sequence;
pub mod table;
pub mod trigger;
pub mod types;

pub use change::{Change, CommentTarget, EnumColumn};
pub use hints::Hints;

use crate::schema::{Database, Enum, Schema, Table, View};
use crate::{Dialect, Error, Result};
use std::collections::{BTreeMap, BTreeSet};

/// How a diff treats changes that can lose data.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiffOptions {
    /// Allow drops and lossy type changes; without it the diff refuses them.
    pub allow_destructive: bool,
}

/// The buckets changes are sorted into, in execution order.
#[derive(Default)]
pub(crate) struct Plan {
    pub drop_triggers: Vec<Change>,
    /// `row_security` turned off (`AlterTableOptions`), before the policies go (`policy`).
    pub disable_row_security: Vec<Change>,
    pub drop_policies: Vec<Change>,
    pub drop_views: Vec<Change>,
    pub drop_keys: Vec<Change>,
    pub drop_constraints: Vec<Change>,
    pub create_types: Vec<Change>,
    pub create_routines: Vec<Change>,
    pub renames: Vec<Change>,
    pub create_tables: Vec<Change>,
    pub alter_columns: Vec<Change>,
    pub add_constraints: Vec<Change>,
    /// MySQL / MariaDB partitioning, once the table's columns and keys are in place
    /// (`mysql_partition`).
    pub partitions: Vec<Change>,
    pub add_foreign_keys: Vec<Change>,
    pub sequence_owners: Vec<Change>,
    /// Routines whose body the server checks when they are created and that read a relation
    /// this plan creates (see `routine`).
    pub late_routines: Vec<Change>,
    pub create_views: Vec<Change>,
    pub create_triggers: Vec<Change>,
    pub create_policies: Vec<Change>,
    /// `row_security` turned on, after the policies (`policy`).
    pub enable_row_security: Vec<Change>,
    pub comments: Vec<Change>,
    pub drop_tables: Vec<Change>,
    pub drop_routines: Vec<Change>,
    pub drop_types: Vec<Change>,
}

impl Plan {
    /// A comment change on `target`, only when the comment differs (`old` is `None` for an object
    /// the diff creates).
    pub(crate) fn comment(
        &mut self,
        target: CommentTarget,
        old: &Option<String>,
        new: &Option<String>,
    ) {
        if old != new {
            self.comments.push(Change::Comment {
                target,
                comment: new.clone(),
            });
        }
    }

    fn into_changes(self) -> Vec<Change> {
        [
            self.drop_triggers,
            self.disable_row_security,
            self.drop_policies,
            self.drop_views,
            self.drop_keys,
            self.drop_constraints,
            self.create_types,
            self.create_routines,
            self.renames,
            self.create_tables,
            self.alter_columns,
            self.add_constraints,
            self.partitions,
            self.add_foreign_keys,
            self.sequence_owners,
            self.late_routines,
            self.create_views,
            self.create_triggers,
            self.create_policies,
            self.enable_row_security,
            self.comments,
            self.drop_tables,
            self.drop_routines,
            self.drop_types,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The changes turning `from` into `to`. Refuses data-losing changes unless allowed, listing
/// each one.
pub fn diff(
    from: &Database,
    to: &Database,
    hints: &Hints,
    opts: DiffOptions,
) -> Result<Vec<Change>> {
    let changes = diff_unchecked(from, to, hints);
    if !opts.allow_destructive {
        let losses: Vec<String> = changes.iter().filter_map(Change::data_loss).collect();
        if !losses.is_empty() {
            return Err(Error::Refused(format!(
                "the change can lose data:\n  - {}\nRe-run with --allow-destructive if that is intended (or add a `-- migrator:renamed-from` hint if something was renamed, not dropped)",
                losses.join("\n  - ")
            )));
        }
    }
    Ok(changes)
}

/// The changes, without the data-loss check. Both models are of one dialect (`from`'s).
pub fn diff_unchecked(from: &Database, to: &Database, hints: &Hints) -> Vec<Change> {
    match from.dialect {
        Dialect::Postgres => diff_models(from, to, hints),
        Dialect::Mysql => {
            let aligned = mysql::align(from, to);
            let to = aligned.as_ref().unwrap_or(to);
            let changes = diff_models(from, to, hints);
            mysql::adjust(from, to, changes)
        }
    }
}

fn diff_models(from: &Database, to: &Database, hints: &Hints) -> Vec<Change> {
    let mut plan = Plan::default();
    let empty = Schema::default();
    let names: BTreeSet<&str> = from
        .schemas
        .iter()
        .chain(&to.schemas)
        .map(|s| s.name.as_str())
        .collect();
    for name in names {
        let f = from.schema(name);
        let t = to.schema(name);
        match (f, t) {
            (None, Some(_)) => plan.create_types.push(Change::CreateSchema {
                schema: name.into(),
            }),
            (Some(_), None) => plan.drop_types.push(Change::DropSchema {
                schema: name.into(),
            }),
            _ => {}
        }
        diff_schema(
            &mut plan,
            name,
            f.unwrap_or(&empty),
            t.unwrap_or(&empty),
            hints,
            to,
        );
        routine::diff(&mut plan, name, f.unwrap_or(&empty), t.unwrap_or(&empty));
        trigger::diff(
            &mut plan,
            name,
            f.unwrap_or(&empty),
            t.unwrap_or(&empty),
            hints,
            trigger::replace_in_place(from),
        );
        event::diff(
            &mut plan,
            name,
            f.unwrap_or(&empty),
            t.unwrap_or(&empty),
            hints,
        );
        policy::diff(
            &mut plan,
            name,
            f.unwrap_or(&empty),
            t.unwrap_or(&empty),
            hints,
        );
        if let Some(t) = t {
            let old = f.and_then(|f| f.comment.clone());
            plan.comment(
                CommentTarget::Schema {
                    schema: name.into(),
                },
                &old,
                &t.comment,
            );
        }
    }
    partition::adjust(&mut plan, from, to);
    // Schemas are dropped last, after everything in them.
    let (schema_drops, other): (Vec<Change>, Vec<Change>) = std::mem::take(&mut plan.drop_types)
        .into_iter()
        .partition(|c| matches!(c, Change::DropSchema { .. }));
    plan.drop_types = other;
    plan.drop_types.extend(schema_drops);
    plan.into_changes()
}

/// `(schema, table)` key used by hints; hints written without a schema match any schema.
pub(crate) fn hint<'a, V>(
    map: &'a BTreeMap<(String, String), V>,
    schema: &str,
    table: &str,
) -> Option<&'a V> {
    map.get(&(schema.to_string(), table.to_string()))
        .or_else(|| map.get(&(String::new(), table.to_string())))
}

fn diff_schema(
    plan: &mut Plan,
    schema: &str,
    from: &Schema,
    to: &Schema,
    hints: &Hints,
    to_db: &Database,
) {
    let s = || schema.to_string();

    // Extensions first: their types may be used by everything else.
    for e in &to.extensions {
        match from.extension(&e.name) {
            None => plan.create_types.push(Change::CreateExtension {
                schema: s(),
                extension: e.clone(),
            }),
            Some(old) if old.version != e.version => {
                plan.create_types.push(Change::UpdateExtension {
                    name: e.name.clone(),
                    version: e.version.clone(),
                })
            }
            _ => {}
        }
    }
    for e in &from.extensions {
        if to.extension(&e.name).is_none() {
            plan.drop_types.push(Change::DropExtension {
                name: e.name.clone(),
            });
        }
    }

    // Table renames from hints.
    let mut renamed: BTreeMap<String, String> = BTreeMap::new(); // old → new
    for t in &to.tables {
        if hints.table_renames.is_empty() || from.table(&t.name).is_some() {
            continue;
        }
        if let Some(old) = hint(&hints.table_renames, schema, &t.name) {
            if from.table(old).is_some() && to.table(old).is_none() {
                plan.renames.push(Change::RenameTable {
                    schema: s(),
                    from: old.clone(),
                    to: t.name.clone(),
                });
                renamed.insert(old.clone(), t.name.clone());
            }
        }
    }
    let old_name = |new: &str| -> String {
        renamed
            .iter()
            .find(|(_, n)| n.as_str() == new)
            .map(|(o, _)| o.clone())
            .unwrap_or_else(|| new.to_string())
    };

    // Enum renames (hints): the rest of the diff compares `to` with `from` renamed.
    let renamed_enums = domain::enum_renames(plan, schema, from, to, hints);
    let from = renamed_enums.as_ref().unwrap_or(from);

    // Enums.
    let mut rebuilt_enums = BTreeSet::new();
    for e in &to.enums {
        match from.enum_type(&e.name) {
            None => plan.create_types.push(Change::CreateEnum {
                schema: s(),
                value: e.clone(),
            }),
            Some(old) if old.values != e.values => match enum_additions(old, e) {
                Some(adds) => plan
                    .create_types
                    .extend(
                        adds.into_iter()
                            .map(|(value, before)| Change::AddEnumValue {
                                schema: s(),
                                name: e.name.clone(),
                                value,
                                before,
                            }),
                    ),
                None => {
                    rebuilt_enums.insert(e.name.clone());
                    plan.alter_columns.push(Change::RecreateEnum {
                        schema: s(),
                        from: old.clone(),
                        to: e.clone(),
                        columns: enum_columns_for_rebuild(from, to, schema, &e.name),
                    });
                }
            },
            _ => {}
        }
        let old_comment = from.enum_type(&e.name).and_then(|o| o.comment.clone());
        plan.comment(
            CommentTarget::Enum {
                schema: s(),
                name: e.name.clone(),
            },
            &old_comment,
            &e.comment,
        );
    }
    for e in &from.enums {
        if to.enum_type(&e.name).is_none() {
            plan.drop_types.push(Change::DropEnum {
                schema: s(),
                name: e.name.clone(),
            });
        }
    }

    // Domains, composite and range types (after the enums they may use).
    domain::diff(plan, schema, from, to);

    // Sequences.
    let renamed_sequences = sequence::diff(plan, schema, from, to, &renamed);

    // Tables, looked up by name through maps: thousands of tables must stay linear.
    let from_tables: std::collections::HashMap<&str, &Table> =
        from.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let to_tables: std::collections::HashMap<&str, &Table> =
        to.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut changed_tables: BTreeSet<String> = BTreeSet::new();
    for t in &to.tables {
        let old = from_tables.get(old_name(&t.name).as_str()).copied();
        match old {
            None => create_table(plan, schema, t),
            Some(old) => {
                let before = plan_len(plan);
                let renames = table::SchemaRenames {
                    tables: &renamed,
                    sequences: &renamed_sequences,
                };
                table::diff_table(plan, schema, (old, t), hints, &renames);
                if plan_len(plan) != before || old.name != t.name {
                    changed_tables.insert(old.name.clone());
                    changed_tables.insert(t.name.clone());
                }
            }
        }
    }
    for t in &from.tables {
        if !to_tables.contains_key(t.name.as_str()) && !renamed.contains_key(&t.name) {
            changed_tables.insert(t.name.clone());
            // Its own foreign keys go first, so dropped tables may reference each other.
            for fk in &t.foreign_keys {
                plan.drop_keys.push(Change::DropConstraint {
                    schema: s(),
                    table: t.name.clone(),
                    name: fk.name.clone(),
                });
            }
            // Foreign keys of other tables pointing here are absent from `to` and dropped first.
            plan.drop_tables.push(Change::DropTable {
                schema: s(),
                name: t.name.clone(),
            });
        }
    }
    for e in &rebuilt_enums {
        for (table, _) in enum_columns(from, schema, e)
            .iter()
            .map(|c| (c.table.clone(), ()))
        {
            changed_tables.insert(table);
        }
    }

    diff_views(plan, schema, from, to, &changed_tables, to_db);
}

fn plan_len(p: &Plan) -> usize {
    p.drop_keys.len()
        + p.drop_constraints.len()
        + p.alter_columns.len()
        + p.add_constraints.len()
        + p.add_foreign_keys.len()
        + p.renames.len()
}

/// New values inserted into an enum without removing or reordering the existing ones:
/// `(value, before)` in the order to add them. `None` when old values were removed or reordered.
///
/// Walking the new list in order, each new value goes `BEFORE` the first old value that follows
/// it, or is appended when none follows; several values before the same old value keep their
/// order because each lands directly before it.
fn enum_additions(from: &Enum, to: &Enum) -> Option<Vec<(String, Option<String>)>> {
    let kept: Vec<&String> = to
        .values
        .iter()
        .filter(|v| from.values.contains(v))
        .collect();
    if kept.len() != from.values.len() || kept.iter().zip(&from.values).any(|(a, b)| *a != b) {
        return None;
    }
    let mut adds = Vec::new();
    for (i, v) in to.values.iter().enumerate() {
        if from.values.contains(v) {
            continue;
        }
        let before = to.values[i + 1..]
            .iter()
            .find(|x| from.values.contains(x))
            .cloned();
        adds.push((v.clone(), before));
    }
    Some(adds)
}

/// The columns of type `schema.enum_name` in `schema_model`, with what reads them (see
/// [`EnumColumn`]).
pub(crate) fn enum_columns(
    schema_model: &Schema,
    schema: &str,
    enum_name: &str,
) -> Vec<EnumColumn> {
    let mut out = Vec::new();
    for t in &schema_model.tables {
        for c in &t.columns {
            if c.data_type
                .user_type
                .as_ref()
                .is_some_and(|u| u.schema == schema && u.name == enum_name)
            {
                let reads = |text: &str| mentions(text, &c.name);
                out.push(EnumColumn {
                    schema: schema.to_string(),
                    table: t.name.clone(),
                    column: c.name.clone(),
                    default: c.default.clone(),
                    checks: t
                        .checks
                        .iter()
                        .filter(|k| reads(&k.expr))
                        .cloned()
                        .collect(),
                    indexes: t
                        .indexes
                        .iter()
                        .filter(|i| {
                            i.predicate.as_deref().is_some_and(reads)
                                || i.parts.iter().any(|p| match &p.key {
                                    crate::schema::IndexKey::Expr(e) => reads(e),
                                    crate::schema::IndexKey::Column(_) => false,
                                })
                        })
                        .cloned()
                        .collect(),
                });
            }
        }
    }
    out
}

/// The columns of an enum rebuilt by the diff, with the default the column has when the rebuild
/// runs: the declared one when the column keeps the type (the planner changes defaults in
/// expand, before the rebuild in contract; a bare diff sets it again right after), so the
/// default set back after the conversion is a value of the new type.
fn enum_columns_for_rebuild(
    from: &Schema,
    to: &Schema,
    schema: &str,
    enum_name: &str,
) -> Vec<EnumColumn> {
    let mut columns = enum_columns(from, schema, enum_name);
    for c in &mut columns {
        let declared = to.table(&c.table).and_then(|t| t.column(&c.column));
        if let Some(d) = declared.filter(|d| {
            d.data_type
                .user_type
                .as_ref()
                .is_some_and(|u| u.schema == schema && u.name == enum_name)
        }) {
            c.default = d.default.clone();
        }
    }
    columns
}

/// A new table: the table itself (with its keys and checks), then its foreign keys, indexes and
/// comments as separate changes.
fn create_table(plan: &mut Plan, schema: &str, t: &Table) {
    let s = || schema.to_string();
    let mut bare = t.clone();
    bare.foreign_keys.clear();
    bare.indexes.clear();
    // NOT VALID checks cannot be declared inline.
    let (valid, not_valid): (Vec<_>, Vec<_>) = bare.checks.drain(..).partition(|c| c.validated);
    bare.checks = valid;
    plan.create_tables.push(Change::CreateTable {
        schema: s(),
        table: bare,
    });
    for c in not_valid {
        plan.add_constraints.push(Change::AddCheck {
            schema: s(),
            table: t.name.clone(),
            check: c,
        });
    }
    for i in &t.indexes {
        plan.add_constraints.push(Change::CreateIndex {
            schema: s(),
            table: t.name.clone(),
            index: i.clone(),
            online: false,
        });
    }
    for fk in &t.foreign_keys {
        plan.add_foreign_keys.push(Change::AddForeignKey {
            schema: s(),
            table: t.name.clone(),
            key: fk.clone(),
        });
    }
    table::comments_of_new_table(plan, schema, t);
}

/// Views: dropped and recreated when their definition changes or when they mention a table that
/// changes (Postgres refuses many changes under a dependent view); created in dependency order.
fn diff_views(
    plan: &mut Plan,
    schema: &str,
    from: &Schema,
    to: &Schema,
    changed_tables: &BTreeSet<String>,
    to_db: &Database,
) {
    let s = || schema.to_string();
    let _ = to_db;
    let mut rebuild: BTreeSet<String> = BTreeSet::new();
    for v in &from.views {
        let target = to.view(&v.name);
        let differs = match target {
            None => true,
            Some(t) => {
                t.definition != v.definition
                    || t.materialized != v.materialized
                    || t.options != v.options
            }
        };
        if differs || changed_tables.iter().any(|t| mentions(&v.definition, t)) {
            rebuild.insert(v.name.clone());
        }
    }
    // Views over rebuilt views are rebuilt too.
    loop {
        let more: Vec<String> = from
            .views
            .iter()
            .filter(|v| {
                !rebuild.contains(&v.name) && rebuild.iter().any(|r| mentions(&v.definition, r))
            })
            .map(|v| v.name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        rebuild.extend(more);
    }
    // Drop dependents first: a view before the views it reads.
    let mut drops: Vec<&View> = from
        .views
        .iter()
        .filter(|v| rebuild.contains(&v.name))
        .collect();
    order_views(&mut drops);
    drops.reverse();
    for v in drops {
        plan.drop_views.push(Change::DropView {
            schema: s(),
            name: v.name.clone(),
            materialized: v.materialized,
        });
    }
    let mut creates: Vec<&View> = to
        .views
        .iter()
        .filter(|v| rebuild.contains(&v.name) || from.view(&v.name).is_none())
        .collect();
    order_views(&mut creates);
    for v in creates {
        let mut bare = v.clone();
        bare.indexes.clear();
        plan.create_views.push(Change::CreateView {
            schema: s(),
            view: bare,
        });
        for i in &v.indexes {
            plan.create_views.push(Change::CreateIndex {
                schema: s(),
                table: v.name.clone(),
                index: i.clone(),
                online: false,
            });
        }
        plan.comment(
            CommentTarget::View {
                schema: s(),
                view: v.name.clone(),
                materialized: v.materialized,
            },
            &None,
            &v.comment,
        );
        for i in &v.indexes {
            plan.comment(
                CommentTarget::Index {
                    schema: s(),
                    table: v.name.clone(),
                    index: i.name.clone(),
                },
                &None,
                &i.comment,
            );
        }
    }
    // Kept views: comments and materialized-view indexes.
    for v in &to.views {
        let Some(old) = from.view(&v.name) else {
            continue;
        };
        if rebuild.contains(&v.name) {
            continue;
        }
        plan.comment(
            CommentTarget::View {
                schema: s(),
                view: v.name.clone(),
                materialized: v.materialized,
            },
            &old.comment,
            &v.comment,
        );
        table::diff_indexes(
            plan,
            schema,
            &v.name,
            &v.name,
            &old.indexes,
            &v.indexes,
            false,
        );
    }
}

/// Sorts views so that each comes after the views its definition mentions.
fn order_views(views: &mut Vec<&View>) {
    let mut pending: Vec<&View> = std::mem::take(views);
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let (now, later): (Vec<&View>, Vec<&View>) = pending.iter().copied().partition(|v| {
            !pending
                .iter()
                .any(|p| p.name != v.name && mentions(&v.definition, &p.name))
        });
        if now.is_empty() {
            // Views cannot depend on each other in a cycle; keep whatever is left in order.
            ordered.extend(later);
            break;
        }
        ordered.extend(now);
        pending = later;
    }
    *views = ordered;
}

/// Whether `sql` mentions the identifier `name` as a whole word (quoted or not).
pub(crate) fn mentions(sql: &str, name: &str) -> bool {
    let bytes = sql.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let mut start = 0;
    while let Some(pos) = sql[start..].find(name) {
        let i = start + pos;
        let j = i + name.len();
        let before_ok = i == 0 || !is_word(bytes[i - 1]);
        let after_ok = j >= bytes.len() || !is_word(bytes[j]);
        if before_ok && after_ok {
            return true;
        }
        start = i + name.len().max(1);
        if start >= sql.len() {
            break;
        }
    }
    false
}
