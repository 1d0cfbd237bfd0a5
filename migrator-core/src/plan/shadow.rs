//! The shadow-column recipe, written once: how a column is renamed or changes its type while
//! both application versions keep writing (pgroll-style: the start, the completion and the
//! rollback of the operation in one place). Each dialect supplies the SQL pieces through
//! [`ShadowSql`]; the order of the pieces, which is where the recipe is safe or not, lives here.
//!
//! - **expand**: the shadow column is added beside the old one (nullable, no default) and
//!   triggers keep it written: both ways for a rename (either application version may write
//!   either name), old → new through the conversion for a type change;
//! - **backfill**: existing rows are copied in key batches (only rows that differ);
//! - **contract**: the column's plain indexes (and, on Postgres, its checks: `NOT VALID`, then
//!   validated) are built again on the shadow online, the shadow gets its final definition
//!   (NOT NULL, default) while the triggers still fill it, then one atomic swap — the triggers
//!   go, the indexes and checks take their names, the names swap (type change) and the old
//!   column is dropped — so no write ever meets a state in between (a NOT NULL old column
//!   without the trigger that fills it, or a missing column);
//! - **rollback of the contract**: the same the other way: the old column comes back under a
//!   free name, kept from the new one by triggers, copied back, finished, indexed, and swapped
//!   back atomically; the shadow's final definition is relaxed to its expand state.

use super::common::{index_on, Ctx};
use super::Step;
use crate::migrations::Phase;
use crate::render::{Renderer, SqlStatement};
use crate::schema::{Column, Index};

/// What a shadow column carries over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Move {
    /// The column gets a new name (the shadow is the column under its new name).
    Rename,
    /// The column gets a new type (the shadow is converted, then takes the name).
    Retype,
}

/// One column moved through a shadow column.
pub(super) struct Shadow<'a> {
    pub schema: &'a str,
    pub table: &'a str,
    pub kind: Move,
    /// The column as it is (before the plan).
    pub from: Column,
    /// The column as declared (its final name and definition).
    pub to: Column,
    /// The column added in expand: the new name (rename) or `c__migrator_new` (type change).
    pub shadow: String,
    /// Where the old column comes back on rollback: its own name (rename; free again once the
    /// contract dropped it) or `c__migrator_old` (type change: the name is taken).
    pub aside: String,
    /// The new value from the old column, over the table's columns (quoted SQL).
    pub forward: String,
    /// The old value from the final column, for the rollback (quoted SQL).
    pub back: String,
    /// The single-column key batches walk.
    pub key: String,
    /// The column's plain indexes, built again on the shadow in contract.
    pub indexes: Vec<Index>,
    /// The column's checks, built again on the shadow in contract (Postgres).
    pub checks: Vec<CheckCopy>,
    /// A rename whose contract drops the shadow and gives the old column the new name, so what
    /// uses the old column (its checks, indexes) follows it (MariaDB, where adding a CHECK
    /// again would copy the table). Only where [`ShadowSql::rename_over`] exists, and only when
    /// the column's definition does not change.
    pub in_place: bool,
}

/// A check of the moved column, copied like its indexes: the dialect's statements, placed by
/// the recipe.
pub(super) struct CheckCopy {
    /// The copy on the shadow (under migrator's name), added and validated before the swap
    /// without blocking writes.
    pub build: Vec<SqlStatement>,
    /// In the swap: the original dropped, the copy given its name.
    pub take_name: Vec<SqlStatement>,
    /// The rollback's: a copy on the old column as it comes back, then the swap back.
    pub build_back: Vec<SqlStatement>,
    pub take_name_back: Vec<SqlStatement>,
}

impl Shadow<'_> {
    /// The shadow's definition in expand: nullable, without a default (triggers and the
    /// backfill write it; its final definition comes in contract).
    pub fn shadow_column(&self) -> Column {
        loose(&self.to, &self.shadow)
    }

    /// The shadow as it ends: the declared definition under the shadow's name.
    pub fn final_shadow(&self) -> Column {
        named(&self.to, &self.shadow)
    }

    /// The old column as the rollback re-adds it, and as it ends.
    pub fn aside_column(&self) -> (Column, Column) {
        (
            loose(&self.from, &self.aside),
            named(&self.from, &self.aside),
        )
    }

    /// The name of the old column while the plan runs.
    pub fn old(&self) -> &str {
        &self.from.name
    }

    /// The column's name once the plan is done.
    pub fn final_name(&self) -> &str {
        &self.to.name
    }
}

fn named(c: &Column, name: &str) -> Column {
    let mut c = c.clone();
    c.name = name.to_string();
    c
}

fn loose(c: &Column, name: &str) -> Column {
    let mut c = named(c, name);
    c.nullable = true;
    c.default = None;
    c
}

/// What the triggers of a recipe keep written.
#[derive(Debug, Clone, Copy)]
pub(super) enum Sync<'a> {
    /// `old` and `new` kept equal both ways: a write that sets one sets the other (a rename).
    Both { old: &'a str, new: &'a str },
    /// `target` computed from `source` by `expr` on every write that sets `source`. `kind` names
    /// the triggers (`conv` forward, `back` for the rollback).
    Convert {
        kind: &'static str,
        source: &'a str,
        target: &'a str,
        expr: &'a str,
    },
}

/// The pieces of the contract's swap. Where the swap is one transaction (Postgres), their order
/// is the dependencies' (a trigger reading the old column goes before it); where each
/// statement commits (MySQL, under `LOCK TABLES`), it is chosen so that a statement failing
/// half-way leaves a state both application versions can write.
pub(super) struct Swap {
    /// Dropping the triggers that keep the shadow written.
    pub triggers: Vec<SqlStatement>,
    /// Each index of the old column replaced by its copy on the shadow.
    pub indexes: Vec<SqlStatement>,
    /// The names swapped (type change only).
    pub columns: Vec<SqlStatement>,
    /// Dropping the old column.
    pub drop: Vec<SqlStatement>,
}

/// A dialect's SQL for the pieces of the recipe. Every method returns statements; none decides
/// the order.
pub(super) trait ShadowSql<R: Renderer> {
    /// Whether the dialect needs several triggers where Postgres has one (MySQL: one per
    /// event), for the step texts.
    fn plural_triggers(&self) -> bool;

    /// Adds `column` (nullable, no default) to the table, right after `after` when given.
    fn add_column(
        &self,
        ctx: &Ctx<R>,
        s: &Shadow,
        column: &Column,
        after: Option<&str>,
    ) -> Vec<SqlStatement>;

    /// Drops column `name` (quoted inside), as the expand's down does with the shadow.
    fn drop_column(&self, ctx: &Ctx<R>, s: &Shadow, name: &str) -> Vec<SqlStatement>;

    /// The triggers keeping `sync`, and the statements that drop them.
    fn triggers(
        &self,
        ctx: &Ctx<R>,
        s: &Shadow,
        sync: Sync,
    ) -> (Vec<SqlStatement>, Vec<SqlStatement>);

    /// SQL true when `a` and `b` differ, NULLs included.
    fn distinct(&self, a: &str, b: &str) -> String;

    /// The backfill step: `update` run in key batches.
    fn backfill(&self, ctx: &Ctx<R>, s: &Shadow, summary: String, update: String) -> Step;

    /// `UPDATE … SET set WHERE filter` over the whole table for a rollback, committed in
    /// batches where the dialect can (`column` names the helper objects).
    fn copy_all(
        &self,
        ctx: &Ctx<R>,
        s: &Shadow,
        column: &str,
        set: &str,
        filter: &str,
    ) -> Vec<SqlStatement>;

    /// Gives `column` (`loose`, as added) the definition `done` (NOT NULL, default) without
    /// blocking writes, and the statements that relax it back.
    fn finish(
        &self,
        ctx: &Ctx<R>,
        s: &Shadow,
        loose: &Column,
        done: &Column,
    ) -> (Vec<SqlStatement>, Vec<SqlStatement>);

    /// Index `name` replaced by migrator's `kind` copy of it (see [`index_on`]).
    fn index_takes_name(&self, s: &Shadow, name: &str, kind: &str) -> Vec<SqlStatement>;

    /// `column` renamed to `aside` and `incoming` to `column` (names unquoted).
    fn swap_names(
        &self,
        ctx: &Ctx<R>,
        s: &Shadow,
        column: &str,
        aside: &str,
        incoming: &str,
    ) -> Vec<SqlStatement>;

    /// Drops column `name` inside the swap.
    fn drop_in_swap(&self, ctx: &Ctx<R>, s: &Shadow, name: &str) -> Vec<SqlStatement>;

    /// Drops column `dropped` and renames `from` to `dropped` in one statement (an in-place
    /// rename's contract, see [`Shadow::in_place`]); its rollback is [`ShadowSql::swap_names`]
    /// with `aside` = `incoming`, which must then swap two existing columns in one statement.
    fn rename_over(&self, ctx: &Ctx<R>, s: &Shadow, dropped: &str, from: &str)
        -> Vec<SqlStatement>;

    /// The contract's swap in the order the dialect runs it (see [`Swap`]).
    fn order_swap(&self, swap: Swap) -> Vec<SqlStatement>;

    /// `stmts` run so that no write lands between them, and what that costs (the step's lock
    /// text). `triggers_change` says whether triggers are dropped or created among them (an
    /// index swap alone needs no protection).
    fn atomic(
        &self,
        ctx: &Ctx<R>,
        s: &Shadow,
        stmts: Vec<SqlStatement>,
        triggers_change: bool,
    ) -> (Vec<SqlStatement>, String);

    /// The expand step's lock, read from its statements.
    fn expand_lock(&self, up: &[SqlStatement]) -> String;

    /// Hazards of the contract beyond the recipe's own (rebuilds the finish causes).
    fn finish_hazards(&self, s: &Shadow, finish: &[SqlStatement]) -> Vec<String>;
}

/// `expr` in parentheses unless it is a plain (quoted) column name.
fn paren(expr: &str) -> String {
    let q = expr.chars().next();
    let plain = matches!(q, Some('"') | Some('`'))
        && expr.ends_with(q.unwrap())
        && expr[1..expr.len() - 1]
            .chars()
            .all(|c| c != q.unwrap() && c != '.');
    if plain {
        expr.to_string()
    } else {
        format!("({expr})")
    }
}

/// The three steps of a shadow-column move.
pub(super) fn recipe<R: Renderer, H: ShadowSql<R>>(ctx: &Ctx<R>, sql: &H, s: &Shadow) -> Vec<Step> {
    let (old, fin) = (s.old(), s.final_name());
    let q = |name: &str| ctx.dialect().ident(name);
    let (by, noun, adds, fills) = match sql.plural_triggers() {
        true => ("triggers", "triggers", "add", "fill"),
        false => ("a trigger", "trigger", "adds", "fills"),
    };
    let forward = match s.kind {
        Move::Rename => Sync::Both {
            old: s.old(),
            new: &s.shadow,
        },
        Move::Retype => Sync::Convert {
            kind: "conv",
            source: s.old(),
            target: &s.shadow,
            expr: &s.forward,
        },
    };
    // The shadow keeps the old column's place when it will take its name.
    let after = match s.kind {
        Move::Rename => None,
        Move::Retype => Some(old),
    };

    // Expand: the shadow column and the triggers writing it.
    let (sync_up, sync_down) = sql.triggers(ctx, s, forward);
    let mut up = sql.add_column(ctx, s, &s.shadow_column(), after);
    up.extend(sync_up.clone());
    let mut down = sync_down.clone();
    down.extend(sql.drop_column(ctx, s, &s.shadow));
    let (summary, hazard) = match s.kind {
        Move::Rename => (
            format!(
                "add {}.{}.{} beside {old}, kept in sync both ways by {by}",
                s.schema, s.table, s.shadow
            ),
            format!("the sync {noun} {adds} work to every insert and update until contract"),
        ),
        Move::Retype => (
            format!(
                "add shadow column {} ({}) converted from {old} by {by}",
                s.shadow, s.to.data_type.name
            ),
            format!("the conversion {noun} {adds} work to every insert and update until contract"),
        ),
    };
    let lock = sql.expand_lock(&up);
    let mut expand = ctx.step(Phase::Expand, summary, &lock, up, down);
    expand.hazards.push(hazard);
    if s.kind == Move::Rename && !s.from.nullable {
        expand.hazards.push(format!(
            "{old} stays NOT NULL until contract; the {noun} {fills} it from {}",
            s.shadow
        ));
    }

    // Backfill: existing rows, in key batches.
    let (target, value) = (q(&s.shadow), paren(&s.forward));
    let update = format!(
        "UPDATE {} SET {target} = {value} WHERE {}",
        ctx.dialect().table_ref(s.schema, s.table),
        sql.distinct(&target, &value)
    );
    let summary = match s.kind {
        Move::Rename => format!("copy {old} into {} in batches", s.shadow),
        Move::Retype => format!("convert {}.{old} into {} in batches", s.table, s.shadow),
    };
    let backfill = sql.backfill(ctx, s, summary, update);

    if s.in_place {
        let contract = rename_in_place(ctx, sql, s, (&sync_up, &sync_down));
        return vec![expand, backfill, contract];
    }

    // Contract: the shadow's final definition while the triggers still fill it (a MySQL
    // rebuild, before the new indexes exist), its indexes, then the swap in one go.
    let (finish_up, finish_down) = sql.finish(ctx, s, &s.shadow_column(), &s.final_shadow());
    let mut up = finish_up.clone();
    for i in &s.indexes {
        up.extend(ctx.sql(&index_on(s.schema, s.table, i, old, &s.shadow, "new")));
    }
    for c in &s.checks {
        up.extend(c.build.clone());
    }
    let mut swap = Swap {
        triggers: sync_down.clone(),
        indexes: s
            .indexes
            .iter()
            .flat_map(|i| sql.index_takes_name(s, &i.name, "new"))
            .chain(s.checks.iter().flat_map(|c| c.take_name.clone()))
            .collect(),
        columns: Vec::new(),
        drop: Vec::new(),
    };
    if s.shadow != fin {
        swap.columns = sql.swap_names(ctx, s, fin, &s.aside, &s.shadow);
        swap.drop = sql.drop_in_swap(ctx, s, &s.aside);
    } else {
        swap.drop = sql.drop_in_swap(ctx, s, old);
    }
    let (swap, lock) = sql.atomic(ctx, s, sql.order_swap(swap), true);
    up.extend(swap);

    // Its rollback: the old column back beside the final one, then swapped back.
    let (aside_loose, aside_done) = s.aside_column();
    let back = match s.kind {
        Move::Rename => forward,
        Move::Retype => Sync::Convert {
            kind: "back",
            source: fin,
            target: &s.aside,
            expr: &s.back,
        },
    };
    let (back_up, back_down) = match s.kind {
        Move::Rename => (sync_up.clone(), Vec::new()),
        Move::Retype => sql.triggers(ctx, s, back),
    };
    let mut down = sql.add_column(ctx, s, &aside_loose, after.map(|_| fin));
    down.extend(back_up);
    let (set_back, back_value) = (q(&s.aside), paren(&s.back));
    down.extend(sql.copy_all(
        ctx,
        s,
        &s.aside,
        &format!("{set_back} = {back_value}"),
        &sql.distinct(&set_back, &back_value),
    ));
    down.extend(sql.finish(ctx, s, &aside_loose, &aside_done).0);
    for i in &s.indexes {
        down.extend(ctx.sql(&index_on(s.schema, s.table, i, fin, &s.aside, "old")));
    }
    for c in &s.checks {
        down.extend(c.build_back.clone());
    }
    let mut unswap = back_down;
    for i in &s.indexes {
        unswap.extend(sql.index_takes_name(s, &i.name, "old"));
    }
    for c in &s.checks {
        unswap.extend(c.take_name_back.clone());
    }
    if s.shadow != fin {
        unswap.extend(sql.swap_names(ctx, s, fin, &s.shadow, &s.aside));
        unswap.extend(sync_up);
    }
    if !unswap.is_empty() {
        down.extend(sql.atomic(ctx, s, unswap, s.kind == Move::Retype).0);
    }
    down.extend(finish_down);

    let summary = match s.kind {
        Move::Rename => format!(
            "drop the sync {noun} and the old column {}.{}.{old}",
            s.schema, s.table
        ),
        Move::Retype => format!("swap {} in as {fin} and drop the old column", s.shadow),
    };
    let mut contract = ctx.step(Phase::Contract, summary, &lock, up, down);
    contract.hazards.push(match s.kind {
        Move::Rename => format!("the old application version (reading {old}) must be gone"),
        Move::Retype => format!(
            "the old application version (writing {fin} as {}) must be gone",
            s.from.data_type.name
        ),
    });
    contract.hazards.extend(sql.finish_hazards(s, &finish_up));
    vec![expand, backfill, contract]
}

/// The contract of an in-place rename (see [`Shadow::in_place`]): the shadow is dropped and the
/// old column takes its name in one statement, then the triggers go (the dialect's order: if
/// the statement fails, the triggers still keep both names written). The rollback adds the old
/// name back as a copy kept in sync, copies into it, and swaps the two names in one statement:
/// the column that was the old one gets its name back with everything that uses it, and the
/// copy is the shadow again, as after expand.
fn rename_in_place<R: Renderer, H: ShadowSql<R>>(
    ctx: &Ctx<R>,
    sql: &H,
    s: &Shadow,
    (sync_up, sync_down): (&[SqlStatement], &[SqlStatement]),
) -> Step {
    let (old, fin) = (s.old(), s.final_name());
    let q = |name: &str| ctx.dialect().ident(name);
    let swap = Swap {
        triggers: sync_down.to_vec(),
        indexes: Vec::new(),
        columns: Vec::new(),
        drop: sql.rename_over(ctx, s, &s.shadow, old),
    };
    let (up, lock) = sql.atomic(ctx, s, sql.order_swap(swap), true);
    let (copy, _) = s.aside_column();
    let mut down = sql.add_column(ctx, s, &copy, None);
    down.extend(sync_up.to_vec());
    let (target, source) = (q(old), q(fin));
    down.extend(sql.copy_all(
        ctx,
        s,
        old,
        &format!("{target} = {source}"),
        &sql.distinct(&target, &source),
    ));
    down.extend(
        sql.atomic(ctx, s, sql.swap_names(ctx, s, fin, old, old), false)
            .0,
    );
    let noun = match sql.plural_triggers() {
        true => "triggers",
        false => "trigger",
    };
    let mut contract = ctx.step(
        Phase::Contract,
        format!(
            "drop the sync {noun} and the copy {}.{}.{fin}; the column {old} takes its name with its checks and indexes",
            s.schema, s.table
        ),
        &lock,
        up,
        down,
    );
    contract.hazards.push(format!(
        "the old application version (reading {old}) must be gone"
    ));
    contract
}
