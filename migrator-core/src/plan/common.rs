//! What every dialect's planner shares: the planning context ([`Ctx`]), plain steps whose down
//! is the inverse change, destructive steps, names for migrator's own objects, and the check
//! that a column is plain enough for a shadow-column recipe.

use super::inverse::inverse;
use super::{PlanOptions, Step};
use crate::diff::Hints;
use crate::diff::{Change, CommentTarget};
use crate::migrations::Phase;
use crate::render::{Renderer, SqlStatement};
use crate::schema::Database;
use crate::{Error, Result};
use std::collections::BTreeSet;

pub(super) struct Ctx<'a, R> {
    pub from: &'a Database,
    pub to: &'a Database,
    pub hints: &'a Hints,
    pub opts: PlanOptions,
    pub r: R,
    /// Tables created by this plan (no traffic yet: no online recipes needed).
    pub new_tables: BTreeSet<(String, String)>,
    /// (schema, table, new column) handled by a shadow-column rename → the old column.
    pub consumed: std::collections::BTreeMap<(String, String, String), String>,
    /// (schema, table, name) of the constraints and indexes this plan drops: re-adding the same
    /// name must wait for the drop, in contract.
    dropped: BTreeSet<(String, String, String)>,
    /// (schema, table, name) of the indexes this plan creates.
    created_indexes: BTreeSet<(String, String, String)>,
    /// (schema, table, name) of the checks, foreign keys and unique constraints this plan adds.
    created_constraints: BTreeSet<(String, String, String)>,
}

impl<R> Ctx<'_, R> {
    /// The name `schema.table` had before the plan: its old name when the plan renames it.
    pub fn name_before<'t>(&'t self, schema: &str, table: &'t str) -> &'t str {
        if self.from.table(schema, table).is_some() {
            return table;
        }
        crate::diff::hint(&self.hints.table_renames, schema, table)
            .map(String::as_str)
            .unwrap_or(table)
    }
}

impl<'a, R: Renderer> Ctx<'a, R> {
    /// A context for planning `changes`: notes the tables they create, the columns a
    /// shadow-column rename claims and the names they drop.
    pub fn new(
        from: &'a Database,
        to: &'a Database,
        hints: &'a Hints,
        opts: PlanOptions,
        r: R,
        changes: &[Change],
    ) -> Self {
        let mut ctx = Ctx {
            from,
            to,
            hints,
            opts,
            r,
            new_tables: BTreeSet::new(),
            consumed: Default::default(),
            dropped: BTreeSet::new(),
            created_indexes: BTreeSet::new(),
            created_constraints: BTreeSet::new(),
        };
        for c in changes {
            match c {
                Change::CreateTable { schema, table }
                | Change::AttachPartition { schema, table, .. } => {
                    ctx.new_tables.insert((schema.clone(), table.name.clone()));
                }
                Change::DropConstraint {
                    schema,
                    table,
                    name,
                }
                | Change::DropIndex {
                    schema,
                    table,
                    name,
                    ..
                } => {
                    ctx.dropped
                        .insert((schema.clone(), table.clone(), name.clone()));
                }
                Change::CreateIndex {
                    schema,
                    table,
                    index,
                    ..
                } => {
                    ctx.created_indexes
                        .insert((schema.clone(), table.clone(), index.name.clone()));
                }
                Change::AddCheck {
                    schema,
                    table,
                    check: crate::schema::Check { name, .. },
                }
                | Change::AddForeignKey {
                    schema,
                    table,
                    key: crate::schema::ForeignKey { name, .. },
                }
                | Change::AddUnique {
                    schema,
                    table,
                    unique: crate::schema::Unique { name, .. },
                } => {
                    ctx.created_constraints
                        .insert((schema.clone(), table.clone(), name.clone()));
                }
                // Shadow-column recipes claim their columns, so the plain column changes skip them.
                Change::RenameColumn {
                    schema,
                    table,
                    from,
                    to: col,
                } => {
                    ctx.consumed
                        .insert((schema.clone(), table.clone(), col.clone()), from.clone());
                }
                _ => {}
            }
        }
        ctx
    }

    /// Whether this plan drops a constraint or index called `name` anywhere in `schema`.
    /// Deliberately wider than one table (Postgres index and MySQL foreign-key names are per
    /// schema): re-using such a name waits for contract, which is always safe.
    pub fn drops_name(&self, schema: &str, name: &str) -> bool {
        self.dropped
            .iter()
            .any(|(s, _, n)| s == schema && n == name)
    }

    /// Whether this plan replaces index `name` of `schema.table` by another definition under the
    /// same name (drops it and creates it).
    pub fn replaces_index(&self, schema: &str, table: &str, name: &str) -> bool {
        let key = (schema.to_string(), table.to_string(), name.to_string());
        self.dropped.contains(&key) && self.created_indexes.contains(&key)
    }

    /// Whether this plan replaces check or foreign key `name` of `schema.table` by another
    /// definition under the same name.
    pub fn replaces_constraint(&self, schema: &str, table: &str, name: &str) -> bool {
        let key = (schema.to_string(), table.to_string(), name.to_string());
        self.dropped.contains(&key) && self.created_constraints.contains(&key)
    }

    /// A CHECK of an existing table that the new version no longer declares as it was, or a
    /// foreign key it no longer declares (and does not replace under its name): dropping it only
    /// loosens what writes may do, so it
    /// goes in expand, where the new application's writes it would reject (a child row whose
    /// parent table is gone, a value the old CHECK forbade) stop failing before that version is
    /// deployed. `Some(hazards)` then: for a key with ON DELETE / ON UPDATE actions, that the
    /// old application's deletes and updates of the parent stop reaching the child.
    pub fn loosening_drop(&self, schema: &str, table: &str, name: &str) -> Option<Vec<String>> {
        if self.is_new(schema, table) {
            return None;
        }
        let t = self.to.table(schema, table)?;
        let old = self.from.table(schema, table)?;
        if let Some(check) = old.check(name) {
            // A CHECK the new version declares with the same condition (renamed) stays until
            // contract: the table is never without it.
            if t.checks.iter().any(|k| k.expr == check.expr) {
                return None;
            }
            // One whose condition changes (under its name or another): neither condition lets
            // both application versions write, so the old one goes in expand and the new one
            // comes in contract (Postgres checks their OR meanwhile instead: see
            // `plan/postgres.rs`).
            return Some(match t.check(name) {
                Some(_) => vec![format!(
                    "from expand to contract, {schema}.{table} checks neither condition of {name}, so both application versions can write; contract adds the new one and fails if a row written meanwhile breaks it"
                )],
                None => Vec::new(),
            });
        }
        if self.replaces_constraint(schema, table, name) || t.foreign_key(name).is_some() {
            return None;
        }
        let key = old.foreign_key(name)?;
        if t.foreign_keys.iter().any(|k| k.columns == key.columns) {
            return None;
        }
        let acting = |a: crate::schema::ReferentialAction| {
            !matches!(
                a,
                crate::schema::ReferentialAction::NoAction
                    | crate::schema::ReferentialAction::Restrict
            )
        };
        let mut lost = Vec::new();
        if acting(key.on_delete) {
            lost.push(format!("ON DELETE {}", key.on_delete.sql()));
        }
        if acting(key.on_update) {
            lost.push(format!("ON UPDATE {}", key.on_update.sql()));
        }
        Some(match lost.is_empty() {
            true => Vec::new(),
            false => vec![format!(
                "from expand on, {} of {}.{} no longer applies to {schema}.{table}: the old application's deletes / updates of parents leave its rows as they are",
                lost.join(" and "),
                key.ref_schema,
                key.ref_table
            )],
        })
    }

    /// Whether this plan drops exactly this table's constraint or index `name`.
    pub fn drops_exactly(&self, schema: &str, table: &str, name: &str) -> bool {
        self.dropped
            .iter()
            .any(|(s, t, n)| s == schema && t == table && n == name)
    }

    /// The columns of `schema.table` (as it is during expand: the old and the new ones) that
    /// `expr` reads, other than `except`.
    pub fn columns_read_by(
        &self,
        schema: &str,
        table: &str,
        expr: &str,
        except: &str,
    ) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for db in [self.from, self.to] {
            for c in db
                .table(schema, table)
                .map(|t| t.columns.as_slice())
                .unwrap_or(&[])
            {
                if c.name != except
                    && !names.contains(&c.name)
                    && crate::diff::mentions(expr, &c.name)
                {
                    names.push(c.name.clone());
                }
            }
        }
        names
    }

    /// The old name of `column` of `schema.table` when a shadow-column rename in this plan
    /// writes it: a fill trigger reading it must fire after the rename's sync trigger, and on
    /// updates of the old name (which is what the old application sets).
    pub fn renamed_from(&self, schema: &str, table: &str, column: &str) -> Option<&str> {
        self.consumed
            .get(&(schema.to_string(), table.to_string(), column.to_string()))
            .map(String::as_str)
    }

    pub fn dialect(&self) -> crate::Dialect {
        self.r.dialect()
    }

    pub fn sql(&self, c: &Change) -> Vec<SqlStatement> {
        self.r.render(c)
    }

    pub fn is_new(&self, schema: &str, table: &str) -> bool {
        self.new_tables
            .contains(&(schema.to_string(), table.to_string()))
    }

    pub fn hint<'h>(
        &self,
        map: &'h std::collections::BTreeMap<(crate::diff::hints::TableKey, String), String>,
        schema: &str,
        table: &str,
        column: &str,
    ) -> Option<&'h String> {
        map.get(&((schema.to_string(), table.to_string()), column.to_string()))
            .or_else(|| map.get(&((String::new(), table.to_string()), column.to_string())))
    }

    /// The single-column key batched updates walk, or a clear refusal.
    pub fn batch_key(&self, schema: &str, table: &str) -> Result<String> {
        // A composite key is walked by its first column: ranges of it still cover every row
        // once (see [`Ctx::backfill_step`] for what that costs).
        match self.primary_key(schema, table) {
            Some(pk) if !pk.columns.is_empty() => Ok(pk.columns[0].clone()),
            _ => Err(Error::Refused(format!(
                "{schema}.{table}: a backfill walks the table in primary-key ranges and needs a primary key; add one first (in an earlier release), or write this migration by hand"
            ))),
        }
    }

    /// The primary key of `schema.table` as declared, else as it is.
    fn primary_key(&self, schema: &str, table: &str) -> Option<&crate::schema::PrimaryKey> {
        self.to
            .table(schema, table)
            .or_else(|| self.from.table(schema, table))
            .and_then(|t| t.primary_key.as_ref())
    }

    /// A backfill step: `update` run on `schema.table` in batches of the key column `key`.
    pub fn backfill_step(
        &self,
        (schema, table, key): (&str, &str, &str),
        lock: &str,
        summary: String,
        update: String,
    ) -> Step {
        let mut b = self.step(
            Phase::Backfill,
            summary,
            lock,
            vec![SqlStatement::new(update.clone())],
            vec![],
        );
        b.backfill = Some(super::Backfill {
            table: self.dialect().table_ref(schema, table),
            key: self.dialect().ident(key),
            update,
        });
        if let Some(pk) = self
            .primary_key(schema, table)
            .filter(|pk| pk.columns.len() > 1)
        {
            b.hazards.push(format!(
                "batches are ranges of {key}, the first column of the primary key ({}): the rows sharing one {key} value are updated in one batch, so a value that many rows share makes one long batch (its row locks held until it commits)",
                pk.columns.join(", ")
            ));
        }
        b
    }

    pub fn step(
        &self,
        phase: Phase,
        summary: String,
        lock: &str,
        up: Vec<SqlStatement>,
        down: Vec<SqlStatement>,
    ) -> Step {
        Step {
            phase,
            summary,
            lock: lock.to_string(),
            hazards: Vec::new(),
            up,
            down,
            irreversible: false,
            backfill: None,
            ends_fill: false,
            blocks: Vec::new(),
            new_tables: Vec::new(),
        }
    }
}

/// Plans `changes` with `recipe` for each, in a context rendering with `r`: what every
/// dialect's [`super::Planner::plan`] does. Changes the renderer cannot express are refused
/// first, naming the first one.
pub(super) fn plan_with<R: Renderer>(
    r: R,
    (changes, from, to, hints, opts): (&[Change], &Database, &Database, &Hints, PlanOptions),
    recipe: impl Fn(&Ctx<R>, &Change, &[Change]) -> Result<Vec<Step>>,
) -> Result<Vec<Step>> {
    for c in changes {
        r.check(c)?;
    }
    let ctx = Ctx::new(from, to, hints, opts, r, changes);
    let mut steps = Vec::new();
    for c in changes {
        type Tables = Vec<(String, String)>;
        let (new, blocks): (Tables, Tables) = c
            .blocked_tables()
            .into_iter()
            .chain(match c {
                Change::CreateTable { schema, table } => {
                    Some((schema.as_str(), table.name.as_str()))
                }
                _ => None,
            })
            .map(|(s, t)| (s.to_string(), t.to_string()))
            .partition(|(s, t)| ctx.is_new(s, t));
        for mut step in recipe(&ctx, c, changes)? {
            step.blocks = blocks.clone();
            step.new_tables = new.clone();
            steps.push(step);
        }
    }
    for s in &mut steps {
        user_triggers_hazard(&ctx, s);
    }
    Ok(by_phase(steps))
}

/// A backfill's batched UPDATEs (and a rollback's copy back) fire the table's own triggers:
/// says which, as they may stamp rows or write elsewhere (`updated_at`, audit rows).
fn user_triggers_hazard<R: Renderer>(ctx: &Ctx<R>, step: &mut Step) {
    let Some(b) = &step.backfill else {
        return;
    };
    let d = ctx.dialect();
    let names: Vec<String> = ctx
        .from
        .schemas
        .iter()
        .flat_map(|s| s.triggers.iter().map(move |t| (s, t)))
        .filter(|(s, t)| {
            d.table_ref(&s.name, &t.table) == b.table
                && t.definition.to_ascii_uppercase().contains("UPDATE")
        })
        .map(|(_, t)| t.name.clone())
        .collect();
    if !names.is_empty() {
        step.hazards.push(format!(
            "the batched UPDATEs (and a rollback's copy back) fire the table's own update trigger(s) {}: what they do (a timestamp, an audit row) happens for every row",
            names.join(", ")
        ));
    }
}

/// Short, stable object names for migrator's triggers and check constraints (≤ 63 bytes).
pub(super) fn own_name(kind: &str, table: &str, column: &str) -> String {
    let name = format!("migrator_{kind}_{table}_{column}");
    if name.len() <= 63 {
        return name;
    }
    let digest = crate::migrations::Checksum::of(name.as_bytes()).to_string();
    format!("migrator_{kind}_{}", &digest["sha256:".len()..][..40])
}

/// The name of one of migrator's triggers. A table's BEFORE triggers fire in a deliberate
/// order: Postgres fires them in name order, which the name carries (`t1_` before `t2_`);
/// MySQL in creation order, made explicit with `FOLLOWS`. A shadow column's triggers (`sync`,
/// `conv`, `back`) fire first, so a fill trigger reading the shadow column sees it written.
pub(super) fn trigger_name(kind: &str, table: &str, column: &str) -> String {
    let rank = if kind.starts_with("fill") { 2 } else { 1 };
    own_name(&format!("t{rank}_{kind}"), table, column)
}

/// The column of `schema.table` that the plan drops in contract, when it would block the new
/// application's writes until then: NOT NULL without a default (and not generated, an
/// identity, auto-incremented or part of the primary key). The new version does not know it, so its INSERTs leave it out.
pub(super) fn blocks_new_writes<'a, R>(
    ctx: &Ctx<'a, R>,
    schema: &str,
    table: &str,
    column: &str,
) -> Option<&'a crate::schema::Column> {
    let t = ctx.from.table(schema, table)?;
    let in_key = t
        .primary_key
        .as_ref()
        .is_some_and(|k| k.columns.iter().any(|c| c == column));
    t.column(column).filter(|c| {
        !in_key
            && !c.nullable
            && c.default.is_none()
            && c.generated.is_none()
            && c.identity.is_none()
            && !c.options.contains_key("auto_increment")
    })
}

/// Plain step: the change as the diff renders it, in `phase`.
pub(super) fn simple<R: Renderer>(
    ctx: &Ctx<R>,
    c: &Change,
    phase: Phase,
    lock: &str,
    summary: String,
) -> Step {
    let (mut inv, lossy) = inverse(ctx.from, ctx.to, c);
    if matches!(c, Change::DropTable { .. }) {
        // Keys and indexes this plan drops on their own are re-created by those steps' downs.
        inv.retain(|i| match i {
            Change::AddForeignKey {
                schema, table, key, ..
            } => !ctx.drops_exactly(schema, table, &key.name),
            Change::CreateIndex {
                schema,
                table,
                index,
                ..
            } => !ctx.drops_exactly(schema, table, &index.name),
            _ => true,
        });
    }
    let mut down: Vec<SqlStatement> = inv.iter().flat_map(|i| ctx.sql(i)).collect();
    if matches!(c, Change::DropIndex { online: true, .. }) {
        // The index is rebuilt online on rollback.
        down.iter_mut().for_each(|s| s.transactional = false);
    }
    let mut step = ctx.step(phase, summary, lock, ctx.sql(c), down);
    step.irreversible = lossy;
    step
}

pub(super) fn destructive<R: Renderer>(
    ctx: &Ctx<R>,
    c: &Change,
    summary: String,
    lock: &str,
    hazard: &str,
) -> Result<Vec<Step>> {
    let mut s = simple(ctx, c, Phase::Contract, lock, summary);
    s.hazards.push(hazard.to_string());
    s.irreversible = true;
    let _ = ctx.opts;
    Ok(vec![s])
}

pub(super) fn describe_target(t: &CommentTarget) -> String {
    match t {
        CommentTarget::Schema { schema } => format!("schema {schema}"),
        CommentTarget::Table { schema, table } => format!("table {schema}.{table}"),
        CommentTarget::Column {
            schema,
            table,
            column,
        } => format!("column {schema}.{table}.{column}"),
        CommentTarget::Index {
            schema,
            table,
            index,
        } => format!("index {schema}.{table}.{index}"),
        CommentTarget::View { schema, view, .. } => format!("view {schema}.{view}"),
        CommentTarget::Constraint {
            table, constraint, ..
        } => format!("constraint {constraint} on {table}"),
        CommentTarget::Enum { schema, name } => format!("type {schema}.{name}"),
        CommentTarget::Sequence { schema, name } => format!("sequence {schema}.{name}"),
        CommentTarget::Extension { name } => format!("extension {name}"),
        CommentTarget::Routine {
            schema,
            name,
            kind,
            arguments,
        } => format!("{kind} {schema}.{name}({arguments})"),
        CommentTarget::Trigger {
            schema,
            table,
            trigger,
        } => format!("trigger {trigger} on {schema}.{table}"),
        CommentTarget::Domain { schema, name } => format!("domain {schema}.{name}"),
        CommentTarget::Type { schema, name } => format!("type {schema}.{name}"),
        CommentTarget::Policy {
            schema,
            table,
            policy,
        } => format!("policy {policy} on {schema}.{table}"),
    }
}

/// What a shadow-column recipe builds again on the new column: indexes, and checks where the
/// dialect can add one without blocking writes.
#[derive(Debug, Default)]
pub(super) struct Rebuilt {
    pub indexes: Vec<crate::schema::Index>,
    /// The checks: (as they are, over the old name; as declared, over the final name).
    pub checks: Vec<(crate::schema::Check, crate::schema::Check)>,
    /// The indexes the plan adds on a renamed column (built on it by their own step in expand).
    pub added_indexes: Vec<String>,
}

/// What of `schema.table` a shadow-column recipe can build again on the new column (`old`
/// renamed `new`, or a type change: `old` = `new`): the indexes that use it only as a plain
/// key part (default operator class and collation) or an `INCLUDE` column and, when
/// `online_checks` (Postgres: `NOT VALID`, then validated), the checks that use it; each
/// otherwise the same before and after the plan, as declared after it. Refuses (see
/// [`require_plain_column`]) when the column has any other user.
pub(super) fn rebuildable<R>(
    ctx: &Ctx<R>,
    schema: &str,
    table: &str,
    (old, new): (&str, &str),
    what: &str,
    online_checks: bool,
) -> Result<Rebuilt> {
    use crate::schema::IndexKey;
    let (Some(before), Some(after)) = (
        ctx.from.table(schema, ctx.name_before(schema, table)),
        ctx.to.table(schema, table),
    ) else {
        return require_plain_column(ctx, schema, table, (old, new), what, &[])
            .map(|_| Rebuilt::default());
    };
    let key = |c: &str| IndexKey::Column(c.to_string());
    // The index's other columns must stay as they are: one recipe rebuilds an index.
    let unchanged = |other: &String| {
        other == new
            || matches!((before.column(other), after.column(other)), (Some(b), Some(a)) if b.data_type == a.data_type)
    };
    let plain = |i: &crate::schema::Index| {
        let mentions = |text: &str| crate::diff::mentions(text, new);
        let uses = i.parts.iter().any(|p| p.key == key(new)) || i.include.iter().any(|c| c == new);
        uses && i.valid
            && before.index(&i.name) == Some(&with_column_replaced(i, new, old))
            && !i.predicate.as_deref().is_some_and(mentions)
            && i.include.iter().all(unchanged)
            && i.parts.iter().all(|p| match &p.key {
                IndexKey::Column(c) if c == new => p.opclass.is_none() && p.collation.is_none(),
                IndexKey::Column(c) => unchanged(c),
                IndexKey::Expr(e) => !mentions(e),
            })
    };
    let indexes: Vec<crate::schema::Index> =
        after.indexes.iter().filter(|i| plain(i)).cloned().collect();
    let mut names: Vec<String> = indexes
        .iter()
        .map(|i| format!("index {}", i.name))
        .collect();
    // A rename's new column exists under its final name from expand on, so an index this plan
    // adds on it is built there by its own step (after the column: the rehearsal proves the
    // order) and is untouched by the swap. Not so for a type change, whose shadow column only
    // takes the name in contract.
    let added_indexes: Vec<String> = match old != new {
        false => Vec::new(),
        true => after
            .indexes
            .iter()
            .filter(|i| before.index(&i.name).is_none())
            .filter(|i| {
                i.parts.iter().any(|p| p.key == key(new)) || i.include.iter().any(|c| c == new)
            })
            .map(|i| i.name.clone())
            .collect(),
    };
    names.extend(added_indexes.iter().map(|i| format!("index {i}")));
    // A check is copied onto the new column when only this column changes in it (its other
    // columns keep name and type: one recipe rebuilds a check).
    let checks: Vec<(crate::schema::Check, crate::schema::Check)> = match online_checks {
        false => Vec::new(),
        true => after
            .checks
            .iter()
            .filter(|c| crate::diff::mentions(&c.expr, new))
            .filter_map(|c| before.check(&c.name).map(|b| (b, c)))
            .filter(|(b, c)| {
                crate::diff::table::rename_column_in_expr(&b.expr, old, new) == c.expr
                    && b.validated == c.validated
                    && b.no_inherit == c.no_inherit
            })
            .filter(|(_, c)| {
                after
                    .columns
                    .iter()
                    .filter(|o| crate::diff::mentions(&c.expr, &o.name))
                    .all(|o| unchanged(&o.name))
            })
            .map(|(b, c)| (b.clone(), c.clone()))
            .collect(),
    };
    names.extend(checks.iter().map(|(_, c)| format!("check {}", c.name)));
    require_plain_column(ctx, schema, table, (old, new), what, &names)?;
    Ok(Rebuilt {
        indexes,
        checks,
        added_indexes,
    })
}

/// `index` rebuilt with `column` replaced by `on`, under migrator's own name for it (`kind`:
/// `new` on the new column, `old` on the old column of a rollback), built online (Postgres
/// `CONCURRENTLY`, MySQL `ALGORITHM=INPLACE, LOCK=NONE`).
pub(super) fn index_on(
    schema: &str,
    table: &str,
    index: &crate::schema::Index,
    column: &str,
    on: &str,
    kind: &str,
) -> Change {
    let mut built = with_column_replaced(index, column, on);
    built.name = index_copy_name(kind, table, &index.name);
    built.comment = None;
    Change::CreateIndex {
        schema: schema.into(),
        table: table.into(),
        index: built,
        online: true,
    }
}

/// The name of migrator's `kind` copy of index `index` of `table` (see [`index_on`]); the swap
/// renames the copy to `index`.
pub(super) fn index_copy_name(kind: &str, table: &str, index: &str) -> String {
    own_name(kind, table, index)
}

/// `index` with `column` replaced by `on` in its key parts and `INCLUDE` columns.
fn with_column_replaced(
    index: &crate::schema::Index,
    column: &str,
    on: &str,
) -> crate::schema::Index {
    use crate::schema::IndexKey;
    let mut out = index.clone();
    for p in &mut out.parts {
        if p.key == IndexKey::Column(column.to_string()) {
            p.key = IndexKey::Column(on.to_string());
        }
    }
    for c in &mut out.include {
        if c == column {
            *c = on.to_string();
        }
    }
    out
}

/// Refuses a shadow-column recipe for a column other objects depend on (not supported yet),
/// except the users named in `allowed` ("index i"), which the recipe rebuilds.
fn require_plain_column<R>(
    ctx: &Ctx<R>,
    schema: &str,
    table: &str,
    (old, new): (&str, &str),
    what: &str,
    allowed: &[String],
) -> Result<()> {
    let mut users = users_of(ctx.from, schema, ctx.name_before(schema, table), old);
    for u in users_of(ctx.to, schema, table, new) {
        if !users.contains(&u) {
            users.push(u);
        }
    }
    users.retain(|u| !allowed.contains(u));
    if users.is_empty() {
        return Ok(());
    }
    // A check is carried over only when nothing else in it changes (see [`rebuildable`]).
    let checks = match users.iter().any(|u| u.starts_with("check ")) {
        true => "; a check is carried over to the new column only when the plan changes nothing else in it (its text, validity, other columns)",
        false => "",
    };
    Err(Error::Refused(format!(
        "{schema}.{table}.{old}: {what} through a shadow column is not supported yet for a column used by {} (before or after the change){checks}; change those objects in a separate release, or write this migration by hand",
        users.join(", ")
    )))
}

/// The objects of `db` that use `schema.table.column`: keys, indexes, checks, foreign keys,
/// views.
fn users_of(db: &Database, schema: &str, table: &str, column: &str) -> Vec<String> {
    let Some(t) = db.table(schema, table) else {
        return Vec::new();
    };
    let mentions = |text: &str| crate::diff::mentions(text, column);
    let mut users = Vec::new();
    if t.primary_key
        .as_ref()
        .is_some_and(|k| k.columns.iter().any(|c| c == column))
    {
        users.push("the primary key".to_string());
    }
    for i in &t.indexes {
        if i.parts.iter().any(|p| match &p.key {
            crate::schema::IndexKey::Column(c) => c == column,
            crate::schema::IndexKey::Expr(e) => mentions(e),
        }) || i.include.iter().any(|c| c == column)
            || i.predicate.as_deref().is_some_and(mentions)
        {
            users.push(format!("index {}", i.name));
        }
    }
    for u in &t.uniques {
        if u.columns.iter().any(|c| c == column) {
            users.push(format!("unique constraint {}", u.name));
        }
    }
    for ch in &t.checks {
        if mentions(&ch.expr) {
            users.push(format!("check {}", ch.name));
        }
    }
    // A generated column reads it by identity: the shadow column would leave it reading the old
    // one, and dropping the old column would fail (or rewrite the table to recompute it).
    for g in &t.columns {
        if g.name != column && g.generated.as_ref().is_some_and(|gen| mentions(&gen.expr)) {
            users.push(format!("generated column {}", g.name));
        }
    }
    for f in &t.foreign_keys {
        if f.columns.iter().any(|c| c == column) {
            users.push(format!("foreign key {}", f.name));
        }
    }
    if let Some(s) = db.schema(schema) {
        for v in &s.views {
            if crate::diff::mentions(&v.definition, table) && mentions(&v.definition) {
                users.push(format!("view {}", v.name));
            }
        }
        for other in &s.tables {
            for f in &other.foreign_keys {
                if f.ref_table == table && f.ref_columns.iter().any(|c| c == column) {
                    users.push(format!("foreign key {} of {}", f.name, other.name));
                }
            }
        }
    }
    users
}

/// The view that keeps a renamed table's old name working for the old application version:
/// `CREATE VIEW old AS SELECT <the old columns> FROM new`. The columns are listed, not `*`: a
/// view made later (the contract's down) must not take in columns the plan adds, or their
/// own down could not drop them. The view is simple, so both servers keep it updatable.
pub(super) fn compatibility_view<R: Renderer>(
    ctx: &Ctx<R>,
    schema: &str,
    old: &str,
    new: &str,
) -> SqlStatement {
    let d = ctx.dialect();
    let columns = ctx
        .from
        .table(schema, old)
        .map(|t| {
            t.columns
                .iter()
                .map(|c| d.ident(&c.name))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "*".into());
    SqlStatement::new(format!(
        "CREATE VIEW {} AS SELECT {columns} FROM {}",
        d.table_ref(schema, old),
        d.table_ref(schema, new)
    ))
}

/// Marks the rename back of a table in a down file: rolling back means the application version
/// that used the new name is rolled back too, so the rename-table lint rule does not apply.
pub(super) const ROLLBACK_RENAME: &str =
    "-- migrator-lint: ignore rename-table -- rollback: the version using the new name is rolled back first";

/// Phases in order; within a phase, the diff's dependency order is kept (stable sort), except
/// that the contract ends fill triggers before it ends shadow columns' sync triggers: a
/// rollback runs the contract's downs in reverse, so the sync triggers come back first and
/// the fill triggers, created after them, fire after them (MySQL: `FOLLOWS` needs them).
pub(super) fn by_phase(mut steps: Vec<Step>) -> Vec<Step> {
    steps.sort_by_key(|s| (s.phase, s.phase == Phase::Contract && !s.ends_fill));
    steps
}

/// The old and the new definition of a column renamed from `old` to `new`, or a refusal when
/// the rename also changes the type (one shadow column cannot do both).
pub(super) fn renamed_columns<R>(
    ctx: &Ctx<R>,
    schema: &str,
    table: &str,
    old: &str,
    new: &str,
) -> Result<(crate::schema::Column, crate::schema::Column)> {
    let find = |db: &Database, table: &str, name: &str| {
        db.table(schema, table)
            .and_then(|t| t.column(name))
            .cloned()
            .ok_or_else(|| Error::Refused(format!("{schema}.{table}.{name} not found")))
    };
    let (from_col, to_col) = (
        find(ctx.from, ctx.name_before(schema, table), old)?,
        find(ctx.to, table, new)?,
    );
    if from_col.data_type != to_col.data_type {
        return Err(Error::Refused(format!("{schema}.{table}: renaming {old} to {new} and changing its type at once is not supported yet; do the rename in one release and the type change in the next")));
    }
    Ok((from_col, to_col))
}

/// The hazard of a step that rebuilds, copies or scans an existing table in one statement
/// (an index build, `MODIFY … NOT NULL`, a copy): unlike a backfill it cannot wait between
/// batches, and statement-based or not, a replica starts it only once the primary finished it.
pub(super) const UNTHROTTLED: &str =
    "one statement over the whole table: the load and replica-lag throttles \
(--max-load, --max-replica-lag) cannot pause it, and each replica runs it only after the primary \
finished it, so replica lag grows by its duration; `apply` reports its progress while it runs";

/// Adds [`UNTHROTTLED`] to the step's hazards (once).
pub(super) fn unthrottled(step: &mut Step) {
    if !step.hazards.iter().any(|h| h == UNTHROTTLED) {
        step.hazards.push(UNTHROTTLED.to_string());
    }
}
