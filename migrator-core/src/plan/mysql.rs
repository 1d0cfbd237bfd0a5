//! MySQL / MariaDB recipes: how each change is made without blocking traffic or breaking the
//! running application version (lock facts: `shared/ONLINE_DDL.md`).
//!
//! What differs from Postgres, and why:
//! - every `ALTER TABLE` carries `ALGORITHM=` / `LOCK=` (the renderer picks them), so the server
//!   refuses instead of silently copying; a step's lock and hazards are read from that clause;
//! - triggers are `BEFORE INSERT` / `BEFORE UPDATE` pairs setting `NEW.` values (a trigger
//!   cannot update its own table); expressions are rewritten to read `NEW.` columns;
//! - there is no `NOT VALID`: NOT NULL is a `MODIFY … NOT NULL` (an online rebuild, flagged);
//!   a foreign key is added with `foreign_key_checks=0` (`SET STATEMENT … FOR` on MariaDB; on
//!   MySQL the session variable set before and after the `ALTER`, which the runner restores
//!   whatever happens) and its existing rows are checked for orphans in key-range batches in
//!   contract (an anonymous block on MariaDB, a stored procedure on MySQL; flagged as validated
//!   by that check only);
//! - what the server can do is asked of its [`MysqlFlavor`] (MariaDB or MySQL proper, and the
//!   version): MySQL refuses `ADD COLUMN` with a non-deterministic default (it is added plain,
//!   given its default and backfilled) and the rename or drop of a column a CHECK uses (refused
//!   with what to do instead);
//! - DDL is not transactional: where triggers must go and columns swap with no write in
//!   between, the contract holds `LOCK TABLES … WRITE` over those few instant statements (the
//!   history table is locked too, so the runner can record each statement's progress).

use super::common::{
    blocks_new_writes, compatibility_view, describe_target, destructive, index_copy_name, own_name,
    plan_with, rebuildable, renamed_columns, simple, trigger_name,
};
use super::shadow::{self, Move, Shadow, ShadowSql, Swap, Sync};
use super::{PlanOptions, Planner, Step};
use crate::diff::mysql::ADD_KEY_OPTION;
use crate::diff::Change;
use crate::diff::Hints;
use crate::flavor::{MysqlFlavor, UncheckedForeignKey};
use crate::migrations::split::{significant_tokens, TokenKind};
use crate::migrations::Phase;
use crate::render::mysql::{
    alter, column_definition, constant_default, ident, literal, Algorithm, MysqlRenderer,
};
use crate::render::SqlStatement;
use crate::runner::history::HISTORY_TABLE;
use crate::schema::{Column, Database, ForeignKey};
use crate::{Dialect, Error, Result};

use super::common::{unthrottled, ROLLBACK_RENAME, UNTHROTTLED};

type Ctx<'a> = super::common::Ctx<'a, MysqlRenderer>;

const INSTANT: &str = "metadata lock, instant";
const NONE: &str = "none on existing tables";
const ROWS: &str = "row locks, one short transaction per batch";

/// The MySQL / MariaDB [`Planner`].
pub struct MysqlPlanner;

impl Planner for MysqlPlanner {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn plan(
        &self,
        changes: &[Change],
        from: &Database,
        to: &Database,
        hints: &Hints,
        opts: PlanOptions,
    ) -> Result<Vec<Step>> {
        // The renderer reads the database the SQL runs on (FULLTEXT tables, clustered keys).
        let mut steps = plan_with(
            MysqlRenderer::for_database(from),
            (changes, from, to, hints, opts),
            recipe,
        )?;
        for step in &mut steps {
            acknowledge_blocking(step);
        }
        Ok(steps)
    }
}

/// A statement that blocks writes because the table allows nothing better (a FULLTEXT table,
/// a stored generated column, a CHECK MySQL only validates by copying) carries the lint
/// rule's suppression with the reason, next to the hazard the step already states: the files
/// `plan` writes pass `migrator lint`, and the choice is visible where it is made.
fn acknowledge_blocking(step: &mut Step) {
    let marker = "-- migrator-lint: ignore require-algorithm-lock";
    for st in step.up.iter_mut().chain(step.down.iter_mut()) {
        let blocking = [Algorithm::InplaceShared, Algorithm::Copy]
            .iter()
            .any(|a| st.sql.contains(a.clause()));
        if blocking && !st.sql.contains(marker) {
            st.sql = format!(
                "{marker} -- no online algorithm for this change on this table (see the step's hazards)\n{}",
                st.sql
            );
        }
    }
}

/// Renames table `from` to `to` with a view named `from` in its place, without an instant in
/// which `from` names nothing (MySQL cannot rename and create a view in one transaction): the
/// view is made first under a temporary name, over an empty placeholder table named `to` (a
/// view needs its table to exist), the placeholder is dropped, and one `RENAME TABLE` swaps
/// both names atomically; the view resolves `to` by name when queried, so it reads and
/// writes the renamed table from then on.
fn rename_behind_view(ctx: &Ctx, schema: &str, from: &str, to: &str) -> Vec<SqlStatement> {
    let tmp: String = format!("_migrator_view_{from}").chars().take(64).collect();
    let view = compatibility_view(ctx, schema, from, to);
    let view_sql = view.sql.replacen(
        &format!("CREATE VIEW {}", ident(from)),
        &format!("CREATE VIEW {}", ident(&tmp)),
        1,
    );
    vec![
        SqlStatement::new(format!("CREATE TABLE {} LIKE {}", ident(to), ident(from))),
        SqlStatement::new(view_sql),
        SqlStatement::new(format!("DROP TABLE {}", ident(to))),
        SqlStatement::new(format!(
            "-- migrator-lint: ignore rename-table -- a view with the old name takes its place in the same statement\nRENAME TABLE {} TO {}, {} TO {}",
            ident(from),
            ident(to),
            ident(&tmp),
            ident(from)
        )),
    ]
}

/// The values appended to an `enum(...)` / `set(...)` type when that is the whole type change
/// (`enum('a','b')` → `enum('a','b','c')`: `'c'`), as MySQL prints them.
fn appended_choices<'a>(from: &str, to: &'a str) -> Option<&'a str> {
    let head = from.strip_suffix(')')?;
    if !(head.starts_with("enum(") || head.starts_with("set(")) {
        return None;
    }
    to.strip_prefix(head)?.strip_prefix(',')?.strip_suffix(')')
}

/// The down of appended enum / set values takes them out again: a copying `MODIFY` (MySQL has
/// no in-place way to remove a value), refused while rows hold one of them, like Postgres'
/// rebuilt enum type. The step says so, and the down statement carries the suppression of the
/// lint rule that would refuse it, so the files `plan` writes pass `migrator lint`.
fn acknowledge_removed_choices(step: &mut Step, table: &str, column: &str, values: &str) {
    let marker = "-- migrator-lint: ignore copying-type-change";
    for st in step.down.iter_mut() {
        if st.sql.contains(Algorithm::Copy.clause()) && !st.sql.contains(marker) {
            st.sql = format!(
                "{marker} -- the rollback of appended values {values}: a copy, only ever on the way back\n{}",
                st.sql
            );
        }
    }
    step.hazards.push(format!(
        "rolling back removes {values} from {table}.{column} by copying the table, which fails while rows hold them"
    ));
}

/// The lock an `ALTER TABLE` takes, and its hazard, read from the `ALGORITHM=` / `LOCK=` clause
/// the renderer wrote (the strongest of the statements).
fn lock_of(stmts: &[SqlStatement]) -> (&'static str, Option<&'static str>) {
    let has = |clause: &str| stmts.iter().any(|s| s.sql.contains(clause));
    if has(Algorithm::Copy.clause()) {
        (
            "copies the table under LOCK=SHARED: reads continue, writes wait",
            Some("rebuilds the table by copying it; writes wait for the whole copy"),
        )
    } else if has(Algorithm::InplaceShared.clause()) {
        (
            "rebuilds in place under LOCK=SHARED: reads continue, writes wait",
            Some("writes wait while the table is rebuilt (a FULLTEXT / SPATIAL index or a FULLTEXT table)"),
        )
    } else if has(Algorithm::Inplace.clause()) {
        (
            "INPLACE, LOCK=NONE: brief metadata locks at start and end; reads and writes continue",
            None,
        )
    } else {
        (INSTANT, None)
    }
}

/// A plain step (see [`simple`]) whose lock and hazards come from the rendered statements.
fn plain(ctx: &Ctx, c: &Change, phase: Phase, summary: String) -> Step {
    let mut s = simple(ctx, c, phase, "", summary);
    let (lock, hazard) = lock_of(&s.up);
    s.lock = lock.to_string();
    s.hazards.extend(hazard.map(str::to_string));
    if hazard.is_some() {
        unthrottled(&mut s);
    }
    s
}

/// A `BEFORE INSERT` and a `BEFORE UPDATE` trigger on `table` (names derived from `kind` and
/// `column`), and the statements that drop them. With `follows`, they fire after the sync
/// triggers of that (renamed) column, which must exist when these are created.
fn triggers(
    table: &str,
    (kind, column): (&str, &str),
    on_insert: &str,
    on_update: &str,
    follows: Option<&str>,
) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
    let names = [
        trigger_name(&format!("{kind}_i"), table, column),
        trigger_name(&format!("{kind}_u"), table, column),
    ];
    let order = |event: &str| match follows {
        Some(c) => format!(
            " FOLLOWS {}",
            ident(&trigger_name(&format!("sync_{event}"), table, c))
        ),
        None => String::new(),
    };
    // The UPDATE trigger first: DDL is not transactional here, and a row an INSERT trigger
    // filled while no UPDATE trigger kept it current would keep a stale value (the backfill
    // only fills NULLs). Rows inserted before the INSERT trigger exists are left NULL, which
    // both the UPDATE trigger and the backfill fill.
    let up = vec![
        SqlStatement::new(format!(
            "CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW{} BEGIN\n{on_update}\nEND",
            ident(&names[1]),
            ident(table),
            order("u")
        )),
        SqlStatement::new(format!(
            "CREATE TRIGGER {} BEFORE INSERT ON {} FOR EACH ROW{} BEGIN\n{on_insert}\nEND",
            ident(&names[0]),
            ident(table),
            order("i")
        )),
    ];
    let down = names
        .iter()
        .map(|n| SqlStatement::new(format!("DROP TRIGGER IF EXISTS {}", ident(n))))
        .collect();
    (up, down)
}

/// The expand statements of a new column kept filled by triggers: `add` (the column), then the
/// triggers; undone by dropping the triggers, then the column (`column` quoted).
fn column_with_triggers(
    table: &str,
    column: &str,
    add: Vec<SqlStatement>,
    (triggers_up, triggers_down): (&[SqlStatement], &[SqlStatement]),
) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
    let mut up = add;
    up.extend_from_slice(triggers_up);
    let mut down = triggers_down.to_vec();
    down.push(alter(
        table,
        &format!("DROP COLUMN {column}"),
        Algorithm::Instant,
    ));
    (up, down)
}

/// `expr` (written over `table`'s column names) rewritten to read the row being written:
/// every column reference becomes `NEW.col`. Function names (a word before `(`) and qualified
/// names are left alone.
fn over_new(ctx: &Ctx, schema: &str, table: &str, expr: &str) -> String {
    // The table as it is during expand: its old columns and the new ones.
    let columns: Vec<&str> = [ctx.from, ctx.to]
        .iter()
        .filter_map(|db| db.table(schema, table))
        .flat_map(|t| t.columns.iter().map(|c| c.name.as_str()))
        .collect();
    let toks = significant_tokens(expr, Dialect::Mysql);
    let mut out = String::new();
    let mut at = 0;
    for (i, t) in toks.iter().enumerate() {
        let name = match t.kind {
            TokenKind::Word => t.text.to_string(),
            TokenKind::Quoted if t.text.starts_with('`') && t.text.len() >= 2 => {
                t.text[1..t.text.len() - 1].replace("``", "`")
            }
            _ => continue,
        };
        let qualified = i > 0 && toks[i - 1].is_symbol(".");
        let call = toks.get(i + 1).is_some_and(|n| n.is_symbol("("));
        let qualifier = toks.get(i + 1).is_some_and(|n| n.is_symbol("."));
        let Some(col) = columns.iter().find(|c| c.eq_ignore_ascii_case(&name)) else {
            continue;
        };
        if qualified || call || qualifier {
            continue;
        }
        out.push_str(&expr[at..t.start]);
        out.push_str(&format!("NEW.{}", ident(col)));
        at = t.end();
    }
    out.push_str(&expr[at..]);
    out
}

/// The tables `LOCK TABLES` must name to run DDL on `table`: the table, the tables its foreign
/// keys reference and those referencing it (the server checks them), and the history table.
fn lock_tables(ctx: &Ctx, schema: &str, table: &str) -> (SqlStatement, SqlStatement) {
    let mut names = vec![table.to_string()];
    // Before the plan, a table it renames has its old name.
    for (db, table) in [(ctx.from, ctx.name_before(schema, table)), (ctx.to, table)] {
        let Some(s) = db.schema(schema) else { continue };
        for t in &s.tables {
            for f in &t.foreign_keys {
                if t.name == table && f.ref_schema == schema {
                    names.push(f.ref_table.clone());
                }
                if f.ref_table == table && f.ref_schema == schema {
                    names.push(t.name.clone());
                }
            }
        }
    }
    // Only tables there before and after this plan (others may not exist at that point).
    names.retain(|n| {
        ctx.to.table(schema, n).is_some()
            && ctx.from.table(schema, ctx.name_before(schema, n)).is_some()
    });
    names.push(HISTORY_TABLE.to_string());
    names.sort();
    names.dedup();
    let list = names
        .iter()
        .map(|n| format!("{} WRITE", ident(n)))
        .collect::<Vec<_>>()
        .join(", ");
    (
        SqlStatement::new(format!("LOCK TABLES {list}")),
        SqlStatement::new("UNLOCK TABLES"),
    )
}

/// `stmts` run holding `LOCK TABLES` (so no write slips between them).
fn locked(ctx: &Ctx, schema: &str, table: &str, stmts: Vec<SqlStatement>) -> Vec<SqlStatement> {
    let (lock, unlock) = lock_tables(ctx, schema, table);
    let mut out = vec![lock];
    out.extend(stmts);
    out.push(unlock);
    out
}

fn recipe(ctx: &Ctx, c: &Change, all: &[Change]) -> Result<Vec<Step>> {
    use Change::*;
    use Phase::*;
    let step = |phase, summary: String| Ok(vec![plain(ctx, c, phase, summary)]);
    match c {
        CreateTable { schema, table } => {
            let mut s = plain(
                ctx,
                c,
                Expand,
                format!("create table {schema}.{}", table.name),
            );
            s.lock = NONE.into();
            Ok(vec![s])
        }
        CreateView { schema, view } => step(Expand, format!("create view {schema}.{}", view.name)),
        DropView { schema, name, .. } => {
            let recreated = all.iter().any(|x| matches!(x, CreateView { schema: s, view } if s == schema && &view.name == name));
            step(
                if recreated { Expand } else { Contract },
                format!("drop view {schema}.{name}"),
            )
        }
        Comment { target, .. } => step(Expand, format!("comment on {}", describe_target(target))),
        RenameIndex {
            schema, from, to, ..
        } => step(Expand, format!("rename index {schema}.{from} to {to}")),
        AlterTableOptions { schema, table, .. } => {
            step(Expand, format!("change options of {schema}.{table}"))
        }
        AlterPartitioning { .. } => super::mysql_partition::recipe(ctx, c),
        AddColumn {
            schema,
            table,
            column,
        } => add_column(ctx, c, schema, table, column),
        AlterColumn {
            schema,
            table,
            from,
            to,
            using,
        } => alter_column(ctx, c, schema, table, from, to, using),
        RenameColumn {
            schema,
            table,
            from,
            to,
        } => rename_column(ctx, schema, table, from, to),
        RenameTable { schema, from, to } => {
            let s = ctx.step(
                Expand,
                format!("rename table {schema}.{from} to {to}; a view named {from} keeps the old name working"),
                INSTANT,
                rename_behind_view(ctx, schema, from, to),
                vec![
                    SqlStatement::new(format!("DROP VIEW IF EXISTS {}", ident(from))),
                    SqlStatement::new(format!("{ROLLBACK_RENAME}\nRENAME TABLE {} TO {}", ident(to), ident(from))),
                ],
            );
            let mut drop = ctx.step(
                Contract,
                format!("drop the compatibility view {schema}.{from}"),
                INSTANT,
                vec![SqlStatement::new(format!("DROP VIEW {}", ident(from)))],
                vec![compatibility_view(ctx, schema, from, to)],
            );
            drop.hazards.push(format!(
                "the old application version (using {from}) must be gone"
            ));
            Ok(vec![s, drop])
        }
        CreateIndex {
            schema,
            table,
            index,
            ..
        } => {
            let later = ctx.drops_name(schema, &index.name);
            let summary = format!(
                "create {}index {} on {schema}.{table}",
                if index.unique { "unique " } else { "" },
                index.name
            );
            if ctx.is_new(schema, table) {
                let mut s = plain(ctx, c, Expand, summary);
                s.lock = NONE.into();
                s.hazards.clear();
                return Ok(vec![s]);
            }
            let mut s = plain(ctx, c, if later { Contract } else { Expand }, summary);
            if index.unique {
                s.hazards
                    .push("fails if existing rows have duplicates".into());
            }
            unthrottled(&mut s);
            Ok(vec![s])
        }
        AddPrimaryKey { schema, table, .. } | AddUnique { schema, table, .. } => {
            let mut s = plain(ctx, c, Expand, format!("add key to {schema}.{table}"));
            if ctx.is_new(schema, table) {
                s.lock = NONE.into();
            } else {
                s.hazards.push(
                    "fails if existing rows have duplicates (or NULLs, for a primary key)".into(),
                );
                if matches!(c, AddPrimaryKey { .. }) {
                    s.hazards
                        .push("a new primary key rebuilds the table (online, LOCK=NONE)".into());
                }
                unthrottled(&mut s);
            }
            Ok(vec![s])
        }
        AddCheck {
            schema,
            table,
            check,
        } => {
            let later = ctx.drops_name(schema, &check.name);
            let mut s = plain(
                ctx,
                c,
                if later { Contract } else { Expand },
                format!("add check {} on {schema}.{table}", check.name),
            );
            if ctx.is_new(schema, table) {
                s.lock = NONE.into();
                s.hazards.clear();
            } else {
                s.hazards.push("MySQL / MariaDB check existing rows only by copying the table (no NOT VALID): fails if a row violates it".into());
                unthrottled(&mut s);
            }
            Ok(vec![s])
        }
        AddForeignKey { schema, table, key } => add_foreign_key(ctx, c, schema, table, key),
        ValidateConstraint { .. } => Ok(vec![]),
        DropTable { schema, name } => destructive(
            ctx,
            c,
            format!("drop table {schema}.{name}"),
            INSTANT,
            "data loss: the table and its rows",
        ),
        DropColumn {
            schema,
            table,
            column,
        } => {
            if ctx
                .consumed
                .contains_key(&(schema.clone(), table.clone(), column.clone()))
            {
                return Ok(vec![]);
            }
            let mut steps = Vec::new();
            if let Some(col) = blocks_new_writes(ctx, schema, table, column) {
                // The new version leaves it out of its INSERTs: NULL is allowed until the
                // column goes.
                let mut loose = col.clone();
                loose.nullable = true;
                let relax = Change::AlterColumn {
                    schema: schema.clone(),
                    table: table.clone(),
                    from: col.clone(),
                    to: loose,
                    using: None,
                };
                let mut s = plain(
                    ctx,
                    &relax,
                    Expand,
                    format!("allow NULL in {schema}.{table}.{column}, which the new version no longer writes"),
                );
                s.down.clear();
                s.hazards.push(format!("rolling back leaves {column} nullable: rows the new version wrote hold none (as a dropped column comes back empty)"));
                steps.push(s);
            }
            let mut drop = destructive(
                ctx,
                c,
                format!("drop column {schema}.{table}.{column}"),
                INSTANT,
                "data loss: the column's values",
            )?;
            let (lock, hazard) = lock_of(&drop[0].up);
            drop[0].lock = lock.into();
            drop[0].hazards.extend(hazard.map(str::to_string));
            foreign_keys_back_unchecked(ctx, c, &mut drop[0]);
            steps.append(&mut drop);
            Ok(steps)
        }
        DropConstraint {
            schema,
            table,
            name,
        } => {
            let loosening = ctx.loosening_drop(schema, table, name);
            let mut s = plain(
                ctx,
                c,
                if loosening.is_some() {
                    Expand
                } else {
                    Contract
                },
                format!("drop constraint {name} on {schema}.{table}"),
            );
            foreign_keys_back_unchecked(ctx, c, &mut s);
            let check = ctx.from.table(schema, table).and_then(|t| t.check(name));
            if loosening.is_some() && check.is_some() {
                // No NOT VALID: MariaDB can skip the rows already there, MySQL checks them all.
                match ctx.r.flavor().unchecked_check_prefix() {
                    Some(prefix) => {
                        // After a leading lint marker, which must open the statement.
                        for st in s.down.iter_mut() {
                            if let Some(at) = st.sql.find("ALTER TABLE ") {
                                st.sql.insert_str(at, prefix);
                            }
                        }
                        s.hazards.push("rolling back adds the CHECK again with a table copy (writes wait) without checking the rows: those the new version wrote that break it stay".into());
                    }
                    None => s.hazards.push("rolling back adds the CHECK again with a table copy (writes wait) that fails while rows the new version wrote break it: fix them first".into()),
                }
            }
            s.hazards.extend(loosening.into_iter().flatten());
            Ok(vec![s])
        }
        DropIndex { schema, name, .. } => step(Contract, format!("drop index {schema}.{name}")),
        // Refused by the renderer's check before planning (Postgres-only kinds).
        CreateSchema { .. }
        | DropSchema { .. }
        | CreateExtension { .. }
        | UpdateExtension { .. }
        | DropExtension { .. }
        | CreateEnum { .. }
        | AddEnumValue { .. }
        | RecreateEnum { .. }
        | DropEnum { .. }
        | RenameSequence { .. }
        | SetSequenceOwner { .. }
        | AddExclusion { .. }
        | RenameConstraint { .. }
        | SetTriggerEnabled { .. }
        | CreateDomain { .. }
        | DropDomain { .. }
        | SetDomainDefault { .. }
        | SetDomainNotNull { .. }
        | AddDomainCheck { .. }
        | ValidateDomainCheck { .. }
        | DropDomainCheck { .. }
        | CreateComposite { .. }
        | DropComposite { .. }
        | AddAttribute { .. }
        | DropAttribute { .. }
        | AlterAttribute { .. }
        | CreateRange { .. }
        | DropRange { .. }
        | RenameEnum { .. }
        | RenameEnumValue { .. }
        | AttachPartition { .. }
        | DetachPartition { .. }
        | Repartition { .. }
        | CreatePolicy { .. }
        | AlterPolicy { .. }
        | ReplacePolicy { .. }
        | RenamePolicy { .. }
        | DropPolicy { .. } => Ok(vec![]),
        // Events and MariaDB sequences: `plan/mysql_event.rs`.
        CreateEvent { .. }
        | AlterEvent { .. }
        | DropEvent { .. }
        | CreateSequence { .. }
        | AlterSequence { .. }
        | DropSequence { .. } => super::mysql_event::recipe(ctx, c),
        CreateRoutine { schema, routine } => step(
            Expand,
            format!("create {} {schema}.{}", routine.kind, routine.name),
        ),
        ReplaceRoutine { schema, to, .. } => {
            let mut s = plain(
                ctx,
                c,
                Expand,
                format!("replace {} {schema}.{}", to.kind, to.name),
            );
            s.hazards.push(format!(
                "the old application version runs the new definition of {} from expand on",
                to.name
            ));
            if !MysqlFlavor::of(ctx.from).create_or_replace_trigger() {
                s.hazards.push(format!(
                    "MySQL has no CREATE OR REPLACE {}: it is dropped and created, and calls in between fail",
                    to.kind.keyword()
                ));
            }
            Ok(vec![s])
        }
        DropRoutine { schema, routine } => {
            let mut s = plain(
                ctx,
                c,
                Contract,
                format!("drop {} {schema}.{}", routine.kind, routine.name),
            );
            s.hazards.push(format!(
                "drops {} {schema}.{}: callers that still use it fail (rollback creates it again)",
                routine.kind, routine.name
            ));
            Ok(vec![s])
        }
        CreateTrigger { schema, trigger } => step(
            Expand,
            format!(
                "create trigger {} on {schema}.{}",
                trigger.name, trigger.table
            ),
        ),
        ReplaceTrigger {
            schema,
            to,
            in_place,
            ..
        } => {
            let mut s = plain(
                ctx,
                c,
                Expand,
                format!("replace trigger {} on {schema}.{}", to.name, to.table),
            );
            s.hazards.push(format!(
                "writes of the old application version fire the new definition of {} from expand on",
                to.name
            ));
            if !*in_place {
                s.hazards.push(format!(
                    "MySQL has no CREATE OR REPLACE TRIGGER: it is dropped and created, and writes in between do not fire {}",
                    to.name
                ));
            }
            Ok(vec![s])
        }
        DropTrigger { schema, trigger } => {
            let mut s = plain(
                ctx,
                c,
                Contract,
                format!(
                    "drop trigger {} on {schema}.{}",
                    trigger.name, trigger.table
                ),
            );
            s.hazards.push(format!(
                "writes stop firing trigger {} (rollback creates it again)",
                trigger.name
            ));
            Ok(vec![s])
        }
    }
}

/// The value a column gets from a backfill hint, or its default.
fn fill_value(ctx: &Ctx, schema: &str, table: &str, column: &Column) -> Option<String> {
    ctx.hint(&ctx.hints.backfill, schema, table, &column.name)
        .cloned()
        .or_else(|| column.default.clone())
}

/// Fill triggers: `column` set to `expr` by writes that leave it NULL. For a new column
/// (`derived`), also kept current by updates of the columns `expr` reads that do not set
/// `column` themselves: what the old application does, as it knows the sources but not the
/// column. They fire after the sync triggers of a renamed column `expr` reads.
fn fill_triggers(
    ctx: &Ctx,
    (schema, table, column): (&str, &str, &str),
    expr: &str,
    derived: bool,
) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
    let col = ident(column);
    let value = over_new(ctx, schema, table, expr);
    let read = ctx.columns_read_by(schema, table, expr, column);
    let sources = match derived {
        true => read.clone(),
        false => Vec::new(),
    };
    let on_insert =
        format!("  IF NEW.{col} IS NULL THEN\n    SET NEW.{col} = ({value});\n  END IF;");
    let on_update = if sources.is_empty() {
        on_insert.clone()
    } else {
        let unchanged: Vec<String> = sources
            .iter()
            .map(|c| format!("NEW.{0} <=> OLD.{0}", ident(c)))
            .collect();
        format!(
            "  IF NEW.{col} IS NULL OR (NEW.{col} <=> OLD.{col} AND NOT ({})) THEN\n    SET NEW.{col} = ({value});\n  END IF;",
            unchanged.join(" AND ")
        )
    };
    let follows = read
        .iter()
        .find(|c| ctx.renamed_from(schema, table, c).is_some());
    triggers(
        table,
        ("fill", column),
        &on_insert,
        &on_update,
        follows.map(String::as_str),
    )
}

fn add_column(
    ctx: &Ctx,
    c: &Change,
    schema: &str,
    table: &str,
    column: &Column,
) -> Result<Vec<Step>> {
    let summary = format!("add column {schema}.{table}.{}", column.name);
    let flavor = ctx.r.flavor();
    let volatile = column
        .default
        .as_deref()
        .is_some_and(|d| !constant_default(d));
    // MySQL refuses ADD COLUMN with a non-deterministic default (ERROR 1674): add the column
    // without it, give it its default (metadata only), fill the existing rows in batches.
    let unsafe_default = !flavor.add_column_with_volatile_default()
        && column.generated.is_none()
        && column
            .default
            .as_deref()
            .is_some_and(|d| flavor.volatile_default(d));
    let needs_value = !column.nullable
        && (column.default.is_none() || volatile)
        && column.generated.is_none()
        && !column.options.contains_key("auto_increment");
    if ctx.is_new(schema, table) || column.options.contains_key(ADD_KEY_OPTION) {
        return Ok(vec![plain(ctx, c, Phase::Expand, summary)]);
    }
    if unsafe_default && !needs_value {
        return add_column_with_volatile_default(ctx, schema, table, column, summary);
    }
    if !needs_value {
        return Ok(vec![plain(ctx, c, Phase::Expand, summary)]);
    }
    // Nullable first, filled for writers that do not know it, backfilled, then NOT NULL.
    let expr = fill_value(ctx, schema, table, column).ok_or_else(|| Error::Refused(format!(
        "{schema}.{table}.{}: a new NOT NULL column without a default needs a value for existing rows; add `-- migrator:backfill <expression>` on the column's line in the declared schema (or give it a DEFAULT)",
        column.name
    )))?;
    let key = ctx.batch_key(schema, table)?;
    let col = ident(&column.name);
    let mut nullable = column.clone();
    nullable.nullable = true;
    nullable.default = None;
    let add = Change::AddColumn {
        schema: schema.into(),
        table: table.into(),
        column: nullable.clone(),
    };
    let (tu, td) = fill_triggers(ctx, (schema, table, &column.name), &expr, true);
    let (up, down) = column_with_triggers(table, &col, ctx.sql(&add), (&tu, &td));
    let mut expand = ctx.step(
        Phase::Expand,
        format!("{summary} (nullable, filled by triggers for writers that do not set it)"),
        lock_of(&up).0,
        up,
        down,
    );
    expand
        .hazards
        .push("the fill triggers add work to every insert and update until contract".into());
    let backfill = ctx.backfill_step(
        (schema, table, &key),
        ROWS,
        format!(
            "backfill {schema}.{table}.{} in batches of {}",
            column.name, ctx.opts.batch_size
        ),
        format!(
            "UPDATE {} SET {col} = ({expr}) WHERE {col} IS NULL",
            ident(table)
        ),
    );
    let make_not_null = Change::AlterColumn {
        schema: schema.into(),
        table: table.into(),
        from: nullable.clone(),
        to: column.clone(),
        using: None,
    };
    let relax = Change::AlterColumn {
        schema: schema.into(),
        table: table.into(),
        from: column.clone(),
        to: nullable,
        using: None,
    };
    let mut up = ctx.sql(&make_not_null);
    let lock = lock_of(&up).0;
    up.extend(td);
    let mut down = tu;
    down.extend(ctx.sql(&relax));
    let mut contract = ctx.step(
        Phase::Contract,
        format!(
            "make {schema}.{table}.{} NOT NULL (MODIFY, an online rebuild) and drop the fill triggers",
            column.name
        ),
        lock,
        up,
        down,
    );
    contract.ends_fill = true;
    contract.hazards.push(
        "MODIFY … NOT NULL rebuilds the table (INPLACE, LOCK=NONE: writes continue); fails if NULLs remain"
            .into(),
    );
    Ok(vec![expand, backfill, contract])
}

/// A nullable column whose default MySQL will not compute for existing rows in `ADD COLUMN`
/// (`uuid()`, `rand()`, …: ERROR 1674): added without a default, given its default (instant;
/// new rows get it at once), then the rows that existed before filled with it in batches.
fn add_column_with_volatile_default(
    ctx: &Ctx,
    schema: &str,
    table: &str,
    column: &Column,
    summary: String,
) -> Result<Vec<Step>> {
    let default = column.default.clone().unwrap_or_default();
    let key = ctx.batch_key(schema, table)?;
    let mut bare = column.clone();
    bare.default = None;
    let add = Change::AddColumn {
        schema: schema.into(),
        table: table.into(),
        column: bare.clone(),
    };
    let set_default = Change::AlterColumn {
        schema: schema.into(),
        table: table.into(),
        from: bare,
        to: column.clone(),
        using: None,
    };
    let mut up = ctx.sql(&add);
    up.extend(ctx.sql(&set_default));
    let down = ctx.sql(&Change::DropColumn {
        schema: schema.into(),
        table: table.into(),
        column: column.name.clone(),
    });
    let mut expand = ctx.step(
        Phase::Expand,
        format!("{summary} without its default, then DEFAULT {default} (MySQL computes no non-deterministic default in ADD COLUMN)"),
        lock_of(&up).0,
        up,
        down,
    );
    expand.hazards.push(format!(
        "rows that existed before read NULL in {} until the backfill gives them {default}",
        column.name
    ));
    let col = ident(&column.name);
    let backfill = ctx.backfill_step(
        (schema, table, &key),
        ROWS,
        format!(
            "backfill {schema}.{table}.{} with its default in batches of {}",
            column.name, ctx.opts.batch_size
        ),
        format!(
            "UPDATE {} SET {col} = {default} WHERE {col} IS NULL",
            ident(table)
        ),
    );
    Ok(vec![expand, backfill])
}

/// MySQL cannot rename or drop a column a CHECK constraint uses (ERROR 3959), and a shadow
/// column recipe must do both: refused with what to do instead.
fn refuse_checked_column(
    ctx: &Ctx,
    schema: &str,
    table: &str,
    column: &str,
    what: &str,
) -> Result<()> {
    if ctx.r.flavor().rename_column_used_by_check() {
        return Ok(());
    }
    let Some(t) = ctx.from.table(schema, ctx.name_before(schema, table)) else {
        return Ok(());
    };
    let uses = |expr: &str| {
        significant_tokens(expr, Dialect::Mysql).iter().any(|tok| {
            let name = match tok.kind {
                TokenKind::Word => tok.text.to_string(),
                TokenKind::Quoted if tok.text.starts_with('`') && tok.text.len() >= 2 => {
                    tok.text[1..tok.text.len() - 1].replace("``", "`")
                }
                _ => return false,
            };
            name.eq_ignore_ascii_case(column)
        })
    };
    let checks: Vec<&str> = t
        .checks
        .iter()
        .filter(|k| uses(&k.expr))
        .map(|k| k.name.as_str())
        .collect();
    if checks.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{schema}.{table}.{column}: {what} needs a shadow column that replaces it, but {} cannot rename or drop a column that a CHECK constraint uses (ERROR 3959; check {} uses it). Drop the check in one migration (declare the schema without it and plan), make this change in the next, and declare the check again (on the new column) after it",
        ctx.r.flavor(),
        checks.join(", ")
    )))
}

#[allow(clippy::too_many_arguments)]
fn alter_column(
    ctx: &Ctx,
    c: &Change,
    schema: &str,
    table: &str,
    from: &Column,
    to: &Column,
    using: &Option<String>,
) -> Result<Vec<Step>> {
    if ctx
        .consumed
        .contains_key(&(schema.to_string(), table.to_string(), to.name.clone()))
    {
        return Ok(vec![]);
    }
    let summary = format!("alter column {schema}.{table}.{}", to.name);
    if ctx.is_new(schema, table) {
        return Ok(vec![plain(ctx, c, Phase::Expand, summary)]);
    }
    let rendered = ctx.sql(c);
    let copies = rendered
        .iter()
        .any(|s| s.sql.contains(Algorithm::Copy.clause()));
    // A shadow column cannot replace a column a CHECK uses on MySQL (ERROR 3959); and adding
    // the CHECK back would copy the table anyway (MySQL validates a CHECK only by copying).
    // The server's own copy is then the one rebuild, flagged in the step's hazards.
    let shadow_closed =
        refuse_checked_column(ctx, schema, table, &to.name, "changing its type").is_err();
    if from.data_type != to.data_type
        && copies
        && from.generated.is_none()
        && to.generated.is_none()
        && !shadow_closed
    {
        return change_type(ctx, schema, table, from, to, using);
    }
    let mut steps = Vec::new();
    // Everything but nullability in expand (the renderer picks the algorithm).
    let mut rest = to.clone();
    rest.nullable = from.nullable;
    if rest != *from {
        let change = Change::AlterColumn {
            schema: schema.into(),
            table: table.into(),
            from: from.clone(),
            to: rest.clone(),
            using: using.clone(),
        };
        let mut step = plain(ctx, &change, Phase::Expand, summary.clone());
        if let Some(values) = appended_choices(&from.data_type.name, &to.data_type.name) {
            acknowledge_removed_choices(&mut step, table, &to.name, values);
        }
        if shadow_closed && from.data_type != to.data_type {
            step.hazards.push(format!(
                "{} cannot change a column a CHECK uses online (no shadow column: ERROR 3959; the CHECK is only validated by a copy): the table is copied once",
                ctx.r.flavor()
            ));
        }
        steps.push(step);
    }
    let nullability = Change::AlterColumn {
        schema: schema.into(),
        table: table.into(),
        from: rest.clone(),
        to: to.clone(),
        using: None,
    };
    if from.nullable && !to.nullable {
        let mut contract_up = ctx.sql(&nullability);
        let lock = lock_of(&contract_up).0;
        let mut contract_down = Vec::new();
        if let Some(expr) = ctx
            .hint(&ctx.hints.backfill, schema, table, &to.name)
            .cloned()
        {
            let key = ctx.batch_key(schema, table)?;
            // The old application knows this column: its own values stay.
            let (tu, td) = fill_triggers(ctx, (schema, table, &to.name), &expr, false);
            steps.push(ctx.step(
                Phase::Expand,
                format!(
                    "fill {schema}.{table}.{} for writers that leave it NULL",
                    to.name
                ),
                INSTANT,
                tu.clone(),
                td.clone(),
            ));
            let col = ident(&to.name);
            steps.push(ctx.backfill_step(
                (schema, table, &key),
                ROWS,
                format!("backfill NULLs of {schema}.{table}.{}", to.name),
                format!(
                    "UPDATE {} SET {col} = ({expr}) WHERE {col} IS NULL",
                    ident(table)
                ),
            ));
            contract_up.extend(td);
            contract_down.extend(tu);
        }
        let relax = Change::AlterColumn {
            schema: schema.into(),
            table: table.into(),
            from: to.clone(),
            to: rest,
            using: None,
        };
        contract_down.extend(ctx.sql(&relax));
        let mut s = ctx.step(
            Phase::Contract,
            format!(
                "make {schema}.{table}.{} NOT NULL (MODIFY, an online rebuild)",
                to.name
            ),
            lock,
            contract_up,
            contract_down,
        );
        s.ends_fill = true;
        s.hazards.push("MODIFY … NOT NULL rebuilds the table (INPLACE, LOCK=NONE: writes continue); fails if NULLs remain (add a `-- migrator:backfill` hint to fill them)".into());
        unthrottled(&mut s);
        steps.push(s);
    } else if !from.nullable && to.nullable {
        let mut s = plain(
            ctx,
            &nullability,
            Phase::Expand,
            format!("allow NULL in {schema}.{table}.{}", to.name),
        );
        s.hazards
            .push("MODIFY … NULL rebuilds the table (INPLACE, LOCK=NONE: writes continue)".into());
        s.hazards
            .push("rolling back fails if NULLs were written meanwhile (fill them first)".into());
        unthrottled(&mut s);
        steps.push(s);
    }
    Ok(steps)
}

/// Rename through a shadow column kept in sync by triggers (see [`shadow`]).
fn rename_column(ctx: &Ctx, schema: &str, table: &str, old: &str, new: &str) -> Result<Vec<Step>> {
    refuse_checked_column(ctx, schema, table, old, &format!("renaming it to {new}"))?;
    // A CHECK is added again only by copying the table (ERROR 1845), so a column checks use
    // is renamed in place: the contract drops the shadow and gives the old column the new
    // name, inside its checks too (MariaDB; MySQL refused above).
    let rebuilt = rebuildable(ctx, schema, table, (old, new), "renaming", true)?;
    let (from, to) = renamed_columns(ctx, schema, table, old, new)?;
    let in_place = !rebuilt.checks.is_empty();
    if in_place {
        refuse_changed_in_place((schema, table), &from, &to, &rebuilt.added_indexes)?;
    }
    let s = Shadow {
        schema,
        table,
        kind: Move::Rename,
        shadow: new.to_string(),
        aside: old.to_string(),
        forward: ident(old),
        back: ident(new),
        key: ctx.batch_key(schema, table)?,
        // In place, the old column's indexes follow it.
        indexes: match in_place {
            true => Vec::new(),
            false => rebuilt.indexes,
        },
        checks: Vec::new(),
        in_place,
        from,
        to,
    };
    Ok(shadow::recipe(ctx, &MyShadow, &s))
}

/// An in-place rename keeps the old column as it is, and drops the shadow with whatever the
/// plan built on it: refused when the declared column differs in more than its name, or when
/// the plan adds indexes on it (`new_indexes`), saying what to do.
fn refuse_changed_in_place(
    (schema, table): (&str, &str),
    from: &Column,
    to: &Column,
    new_indexes: &[String],
) -> Result<()> {
    let (old, new) = (&from.name, &to.name);
    let renamed = Column {
        name: new.clone(),
        ..from.clone()
    };
    let why = if renamed != *to {
        "its definition changes too"
    } else if !new_indexes.is_empty() {
        "the plan adds an index on it"
    } else {
        return Ok(());
    };
    Err(Error::Refused(format!(
        "{schema}.{table}.{old}: renaming it to {new} while CHECK constraints use it is done in place (the column keeps its identity and checks; adding a CHECK again would copy the table), and {why}{}. Rename it in one release and make the other change in the next",
        match new_indexes.is_empty() {
            true => String::new(),
            false => format!(" ({})", new_indexes.join(", ")),
        }
    )))
}

/// Type change through a shadow column converted by triggers (see [`shadow`]). Without a
/// `USING` hint, assignment converts (and, in strict mode, refuses what does not fit).
fn change_type(
    ctx: &Ctx,
    schema: &str,
    table: &str,
    from: &Column,
    to: &Column,
    using: &Option<String>,
) -> Result<Vec<Step>> {
    refuse_checked_column(ctx, schema, table, &from.name, "changing its type")?;
    let indexes = rebuildable(
        ctx,
        schema,
        table,
        (&to.name, &to.name),
        "changing the type",
        false,
    )?
    .indexes;
    let c = ident(&to.name);
    let s = Shadow {
        schema,
        table,
        kind: Move::Retype,
        shadow: format!("{}__migrator_new", to.name),
        aside: format!("{}__migrator_old", to.name),
        forward: using.clone().unwrap_or_else(|| c.clone()),
        back: c,
        key: ctx.batch_key(schema, table)?,
        indexes,
        checks: Vec::new(),
        in_place: false,
        from: from.clone(),
        to: to.clone(),
    };
    Ok(shadow::recipe(ctx, &MyShadow, &s))
}

/// The MySQL pieces of the shadow-column recipe: `BEFORE INSERT` / `BEFORE UPDATE` trigger
/// pairs, column definitions finished by an online `MODIFY`, batches by a stored procedure, the
/// swap under `LOCK TABLES` (DDL is not transactional).
struct MyShadow;

impl ShadowSql<MysqlRenderer> for MyShadow {
    fn plural_triggers(&self) -> bool {
        true
    }

    fn add_column(
        &self,
        ctx: &Ctx,
        s: &Shadow,
        column: &Column,
        after: Option<&str>,
    ) -> Vec<SqlStatement> {
        let mut stmts = ctx.sql(&Change::AddColumn {
            schema: s.schema.into(),
            table: s.table.into(),
            column: column.clone(),
        });
        if let Some(after) = after {
            // `ADD COLUMN def, ALGORITHM=…` → `ADD COLUMN def AFTER c, ALGORITHM=…`.
            let def = column_definition(column);
            let anywhere = ctx.r.flavor().instant_add_column_anywhere();
            for st in &mut stmts {
                st.sql = st
                    .sql
                    .replacen(&def, &format!("{def} AFTER {}", ident(after)), 1);
                if !anywhere {
                    // MySQL < 8.0.29 adds a column instantly only at the end.
                    st.sql = st
                        .sql
                        .replace(Algorithm::Instant.clause(), Algorithm::Inplace.clause());
                }
            }
        }
        stmts
    }

    fn drop_column(&self, ctx: &Ctx, s: &Shadow, name: &str) -> Vec<SqlStatement> {
        ctx.sql(&Change::DropColumn {
            schema: s.schema.into(),
            table: s.table.into(),
            column: name.into(),
        })
    }

    fn triggers(
        &self,
        ctx: &Ctx,
        s: &Shadow,
        sync: Sync,
    ) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
        match sync {
            Sync::Both { old, new } => {
                let (o, n) = (ident(old), ident(new));
                let on_insert = format!(
                    "  IF NEW.{n} IS NULL THEN\n    SET NEW.{n} = NEW.{o};\n  ELSE\n    SET NEW.{o} = NEW.{n};\n  END IF;"
                );
                let on_update = format!(
                    "  IF NOT (NEW.{n} <=> OLD.{n}) THEN\n    SET NEW.{o} = NEW.{n};\n  ELSEIF NOT (NEW.{o} <=> OLD.{o}) THEN\n    SET NEW.{n} = NEW.{o};\n  END IF;"
                );
                triggers(s.table, ("sync", new), &on_insert, &on_update, None)
            }
            Sync::Convert {
                kind,
                source,
                target,
                expr,
            } => {
                let (c, t) = (ident(source), ident(target));
                let value = over_new(ctx, s.schema, s.table, expr);
                let on_insert = format!("  SET NEW.{t} = ({value});");
                let on_update = format!(
                    "  IF NOT (NEW.{c} <=> OLD.{c}) THEN\n    SET NEW.{t} = ({value});\n  END IF;"
                );
                triggers(
                    s.table,
                    (kind, s.final_name()),
                    &on_insert,
                    &on_update,
                    None,
                )
            }
        }
    }

    fn distinct(&self, a: &str, b: &str) -> String {
        format!("NOT ({a} <=> {b})")
    }

    fn backfill(&self, ctx: &Ctx, s: &Shadow, summary: String, update: String) -> Step {
        ctx.backfill_step((s.schema, s.table, &s.key), ROWS, summary, update)
    }

    fn copy_all(
        &self,
        ctx: &Ctx,
        s: &Shadow,
        column: &str,
        set: &str,
        filter: &str,
    ) -> Vec<SqlStatement> {
        batched_update(ctx, s.schema, s.table, column, set, filter)
    }

    fn finish(
        &self,
        ctx: &Ctx,
        s: &Shadow,
        loose: &Column,
        done: &Column,
    ) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
        if loose == done {
            return (Vec::new(), Vec::new());
        }
        let alter = |from: &Column, to: &Column| {
            ctx.sql(&Change::AlterColumn {
                schema: s.schema.into(),
                table: s.table.into(),
                from: from.clone(),
                to: to.clone(),
                using: None,
            })
        };
        (alter(loose, done), alter(done, loose))
    }

    fn index_takes_name(&self, s: &Shadow, name: &str, kind: &str) -> Vec<SqlStatement> {
        vec![swap_index(s.table, name, kind)]
    }

    fn swap_names(
        &self,
        ctx: &Ctx,
        s: &Shadow,
        column: &str,
        aside: &str,
        incoming: &str,
    ) -> Vec<SqlStatement> {
        vec![swap_names(
            ctx.r.rename_algorithm(s.schema, s.table),
            s.table,
            &ident(column),
            &ident(aside),
            &ident(incoming),
        )]
    }

    fn drop_in_swap(&self, ctx: &Ctx, s: &Shadow, name: &str) -> Vec<SqlStatement> {
        self.drop_column(ctx, s, name)
    }

    fn rename_over(&self, ctx: &Ctx, s: &Shadow, dropped: &str, from: &str) -> Vec<SqlStatement> {
        // The drop's algorithm for this table (a FULLTEXT table's drop is not instant), with
        // the rename added to the same statement.
        let drop = format!("DROP COLUMN {}", ident(dropped));
        let rename = format!(
            "{drop}, RENAME COLUMN {} TO {}",
            ident(from),
            ident(dropped)
        );
        self.drop_column(ctx, s, dropped)
            .into_iter()
            .map(|mut st| {
                st.sql = format!(
                    "-- migrator-lint: ignore rename-column -- the in-place rename's contract; no deployed version reads {from}\n{}",
                    st.sql.replacen(&drop, &rename, 1)
                );
                st
            })
            .collect()
    }

    fn order_swap(&self, swap: Swap) -> Vec<SqlStatement> {
        if swap.columns.is_empty() {
            // A rename: the old column goes before the triggers, so if its drop fails (an
            // algorithm the table refuses, a lock wait), the sync triggers still fill it and
            // both versions keep writing. Index swaps first: dropping a column only shortens a
            // composite index that uses it.
            [swap.indexes, swap.drop, swap.triggers].concat()
        } else {
            // A type change: the triggers read the names the swap moves, so they go first.
            [swap.triggers, swap.indexes, swap.columns, swap.drop].concat()
        }
    }

    fn atomic(
        &self,
        ctx: &Ctx,
        s: &Shadow,
        stmts: Vec<SqlStatement>,
        triggers_change: bool,
    ) -> (Vec<SqlStatement>, String) {
        if !triggers_change {
            // Index swaps alone: each is one statement, atomic on its own.
            return (stmts, INSTANT.into());
        }
        let mut lock = format!(
            "LOCK TABLES … WRITE for {} statements (reads and writes wait that long)",
            stmts.len()
        );
        if let Some(h) = lock_of(&stmts).1 {
            lock.push_str(&format!("; one of them {h}"));
        }
        (locked(ctx, s.schema, s.table, stmts), lock)
    }

    fn expand_lock(&self, up: &[SqlStatement]) -> String {
        lock_of(up).0.to_string()
    }

    fn finish_hazards(&self, s: &Shadow, finish: &[SqlStatement]) -> Vec<String> {
        let mut hazards: Vec<String> = lock_of(finish)
            .1
            .map(|h| format!("finishing {}: {h}", s.shadow))
            .into_iter()
            .collect();
        if !finish.is_empty() && hazards.is_empty() {
            hazards.push(format!(
                "MODIFY of {} to its final definition rebuilds the table (INPLACE, LOCK=NONE: writes continue)",
                s.shadow
            ));
        }
        if !finish.is_empty() {
            hazards.push(UNTHROTTLED.to_string());
        }
        hazards
    }
}

/// Index `name` replaced by migrator's `kind` copy of it (see [`index_on`]) in one statement.
fn swap_index(table: &str, name: &str, kind: &str) -> SqlStatement {
    alter(
        table,
        &format!(
            "DROP INDEX {}, RENAME INDEX {} TO {}",
            ident(name),
            ident(&index_copy_name(kind, table, name)),
            ident(name)
        ),
        Algorithm::Inplace,
    )
}

/// `column` renamed to `aside` and `incoming` renamed to `column`, in one statement (instant
/// unless the table forbids it: [`MysqlRenderer::rename_algorithm`]). The lint rule against
/// renames is switched off for it: both application versions are past it.
fn swap_names(
    algorithm: Algorithm,
    table: &str,
    column: &str,
    aside: &str,
    incoming: &str,
) -> SqlStatement {
    let mut s = alter(
        table,
        &format!("RENAME COLUMN {column} TO {aside}, RENAME COLUMN {incoming} TO {column}"),
        algorithm,
    );
    s.sql = format!(
        "-- migrator-lint: ignore rename-column -- the shadow column swap; no deployed version reads {aside}\n{}",
        s.sql
    );
    s
}

/// `adds` (the rendered `ADD FOREIGN KEY` of an existing table) run with `foreign_key_checks=0`
/// and in place: enforced for new writes at once, existing rows not checked, no table copy.
fn unchecked(flavor: &MysqlFlavor, adds: Vec<SqlStatement>) -> Vec<SqlStatement> {
    let inplace = |s: SqlStatement| {
        s.sql
            .replace(Algorithm::Copy.clause(), Algorithm::Inplace.clause())
    };
    match flavor.unchecked_foreign_key() {
        UncheckedForeignKey::SetStatement => adds
            .into_iter()
            .map(|s| {
                SqlStatement::new(format!(
                    "SET STATEMENT foreign_key_checks=0 FOR {}",
                    inplace(s)
                ))
            })
            .collect(),
        // The runner restores foreign_key_checks after every file, so a failing ALTER cannot
        // leave the session without checks, and replays the SET when it resumes the file.
        UncheckedForeignKey::SessionVariable => {
            let mut up = vec![SqlStatement::new("SET SESSION foreign_key_checks = 0")];
            up.extend(adds.into_iter().map(|s| SqlStatement::new(inplace(s))));
            up.push(SqlStatement::new("SET SESSION foreign_key_checks = 1"));
            up
        }
    }
}

/// A contract step dropping a foreign key (alone or with its column): its down adds the key back
/// the same online way as [`add_foreign_key`] (with checks on it would copy the table, blocking
/// writes, which `lint` refuses), without the orphan check.
fn foreign_keys_back_unchecked(ctx: &Ctx, c: &Change, step: &mut Step) {
    let (inv, _) = super::inverse::inverse(ctx.from, ctx.to, c);
    if !inv
        .iter()
        .any(|i| matches!(i, Change::AddForeignKey { .. }))
    {
        return;
    }
    let flavor = ctx.r.flavor().clone();
    step.down = inv
        .into_iter()
        .flat_map(|i| match i {
            Change::AddForeignKey { .. } => unchecked(&flavor, ctx.sql(&i)),
            _ => ctx.sql(&i),
        })
        .collect();
    step.hazards.push("rolling back adds the foreign key again without checking the rows written while it was gone (MySQL cannot validate it afterwards)".into());
}

/// A foreign key on an existing table: added with `foreign_key_checks=0` for that one statement
/// (in place, enforced for new writes at once), existing rows checked for orphans in contract,
/// in key-range batches (consistent reads, no locks).
fn add_foreign_key(
    ctx: &Ctx,
    c: &Change,
    schema: &str,
    table: &str,
    key: &ForeignKey,
) -> Result<Vec<Step>> {
    let summary = format!("add foreign key {} on {schema}.{table}", key.name);
    let later = ctx.drops_name(schema, &key.name);
    let phase = if later {
        Phase::Contract
    } else {
        Phase::Expand
    };
    if ctx.is_new(schema, table) {
        let mut s = plain(ctx, c, phase, summary);
        s.lock = NONE.into();
        s.hazards.clear();
        return Ok(vec![s]);
    }
    let flavor = ctx.r.flavor().clone();
    refuse_non_standard_parent_key(ctx, &flavor, schema, table, key)?;
    let up = unchecked(&flavor, ctx.sql(c));
    let mut add = simple(
        ctx,
        c,
        phase,
        "",
        format!("{summary} without checking existing rows"),
    );
    add.up = up;
    add.lock = "INPLACE, LOCK=NONE (foreign_key_checks=0): brief metadata locks; reads and writes continue".into();
    add.hazards.push("enforced for new writes at once; existing rows are checked for orphans in contract (validated by that check only: MySQL has no VALIDATE)".into());

    let check = if flavor.anonymous_blocks() {
        vec![SqlStatement::new(orphan_check(ctx, schema, table, key))]
    } else {
        orphan_procedure(ctx, schema, table, key)
    };
    let mut v = ctx.step(
        Phase::Contract,
        format!(
            "check existing rows of {schema}.{table} against foreign key {}",
            key.name
        ),
        "none (consistent reads in key-range batches)",
        check,
        vec![],
    );
    v.hazards.push(
        "fails, naming the foreign key, if a row has no parent: fix those rows and re-run".into(),
    );
    Ok(vec![add, v])
}

/// The table's primary key when it is one integer column: what a stored program can walk in
/// ranges with a `DECIMAL(65, 0)` variable.
fn int_key(ctx: &Ctx, schema: &str, table: &str) -> Option<String> {
    let tb = ctx.from.table(schema, table)?;
    let pk = tb.primary_key.as_ref()?;
    let [col] = pk.columns.as_slice() else {
        return None;
    };
    let ty = tb.column(col)?.data_type.name.to_ascii_lowercase();
    ty.contains("int").then(|| col.clone())
}

/// `UPDATE table SET set WHERE filter` over every row, for the downs of shadow-column recipes
/// (a whole table copied back; not a backfill file). With an integer primary key it runs in
/// ranges of the batch size, each committed on its own, by a stored procedure (named after
/// `column`) created, called and dropped; otherwise as one `UPDATE`. `filter` must skip rows
/// already done, so a rerun after a crash only rescans.
fn batched_update(
    ctx: &Ctx,
    schema: &str,
    table: &str,
    column: &str,
    set: &str,
    filter: &str,
) -> Vec<SqlStatement> {
    let t = ident(table);
    let Some(k) = int_key(ctx, schema, table) else {
        return vec![SqlStatement::new(format!(
            "UPDATE {t} SET {set} WHERE {filter}"
        ))];
    };
    let k = ident(&k);
    let n = ctx.opts.batch_size.max(1);
    let p = ident(&own_name("copy", table, column));
    vec![
        SqlStatement::new(format!("DROP PROCEDURE IF EXISTS {p}")),
        SqlStatement::new(format!(
            "CREATE PROCEDURE {p}()\nBEGIN\n  DECLARE migrator_lo DECIMAL(65, 0);\n  DECLARE migrator_nx DECIMAL(65, 0);\n  SELECT MIN({k}) - 1 INTO migrator_lo FROM {t};\n  WHILE migrator_lo IS NOT NULL DO\n    SET migrator_nx = (SELECT MAX(b.k) FROM (SELECT {k} AS k FROM {t} WHERE {k} > migrator_lo ORDER BY {k} LIMIT {n}) AS b);\n    IF migrator_nx IS NOT NULL THEN\n      UPDATE {t} SET {set} WHERE {k} > migrator_lo AND {k} <= migrator_nx AND ({filter});\n    END IF;\n    SET migrator_lo = migrator_nx;\n  END WHILE;\nEND"
        )),
        SqlStatement::new(format!("CALL {p}()")),
        SqlStatement::new(format!("DROP PROCEDURE {p}")),
    ]
}

/// MySQL 8.4's `restrict_fk_on_non_standard_key` (on by default): a foreign key must reference
/// the parent's primary key or a unique key of exactly its columns. Refused up front with the
/// variable's name, rather than by the server in the middle of a migration.
fn refuse_non_standard_parent_key(
    ctx: &Ctx,
    flavor: &MysqlFlavor,
    schema: &str,
    table: &str,
    key: &ForeignKey,
) -> Result<()> {
    if !flavor.fk_needs_unique_parent_key() {
        return Ok(());
    }
    let parent_schema = if key.ref_schema.is_empty() {
        schema
    } else {
        &key.ref_schema
    };
    let Some(parent) = ctx.to.table(parent_schema, &key.ref_table) else {
        return Ok(());
    };
    let same = |cols: &[String]| {
        cols.len() == key.ref_columns.len()
            && cols
                .iter()
                .zip(&key.ref_columns)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    };
    let primary = parent
        .primary_key
        .as_ref()
        .is_some_and(|k| same(&k.columns));
    let unique = parent.indexes.iter().any(|i| {
        i.unique
            && i.parts.iter().all(|p| p.length.is_none())
            && same(
                &i.parts
                    .iter()
                    .map(|p| p.key.column().unwrap_or_default().to_string())
                    .collect::<Vec<_>>(),
            )
    });
    if primary || unique {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{schema}.{table}: foreign key {} references {}.{} ({}), which is neither its primary key nor a unique key of exactly those columns; {} refuses such keys while restrict_fk_on_non_standard_key is ON (its default from 8.4): reference a primary or unique key",
        key.name,
        parent_schema,
        key.ref_table,
        key.ref_columns.join(", "),
        flavor
    )))
}

/// The orphan check as a MySQL stored procedure (MySQL has no anonymous blocks), created,
/// called and dropped: walks an integer primary key in ranges of the batch size, one
/// consistent read each (other keys: one read), and fails with SQLSTATE 45000 naming the
/// foreign key and the first orphan found (its primary key and key values).
fn orphan_procedure(ctx: &Ctx, schema: &str, table: &str, key: &ForeignKey) -> Vec<SqlStatement> {
    let t = ident(table);
    let matches = key
        .columns
        .iter()
        .zip(&key.ref_columns)
        .map(|(c, r)| format!("parent.{} = child.{}", ident(r), ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let not_null = key
        .columns
        .iter()
        .map(|c| format!("child.{} IS NOT NULL", ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let parent = if key.ref_schema == schema || key.ref_schema.is_empty() {
        ident(&key.ref_table)
    } else {
        format!("{}.{}", ident(&key.ref_schema), ident(&key.ref_table))
    };
    let pk: Vec<String> = ctx
        .from
        .table(schema, table)
        .and_then(|t| t.primary_key.as_ref())
        .map(|k| k.columns.clone())
        .unwrap_or_default();
    let mut described: Vec<String> = pk.clone();
    for c in &key.columns {
        if !described.iter().any(|d| d.eq_ignore_ascii_case(c)) {
            described.push(c.clone());
        }
    }
    let orphan = described
        .iter()
        .map(|c| {
            format!(
                "{}, '=', COALESCE(QUOTE(child.{}), 'NULL')",
                literal(c),
                ident(c)
            )
        })
        .collect::<Vec<_>>()
        .join(", ', ', ");
    let find = format!(
        "SELECT CONCAT({orphan}) FROM {t} AS child WHERE {not_null} AND NOT EXISTS (SELECT 1 FROM {parent} AS parent WHERE {matches})"
    );
    let prefix = literal(&format!(
        "{table}: foreign key {}: a row has no parent: ",
        key.name
    ));
    let fail = format!(
        "IF migrator_orphan IS NOT NULL THEN
      SET migrator_message = LEFT(CONCAT({prefix}, migrator_orphan), 128);
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = migrator_message;
    END IF;"
    );
    let body = match int_key(ctx, schema, table) {
        Some(k) => {
            let k = ident(&k);
            let n = ctx.opts.batch_size.max(1);
            format!(
                "  DECLARE migrator_lo DECIMAL(65, 0);
  DECLARE migrator_nx DECIMAL(65, 0);
  DECLARE migrator_orphan TEXT;
  DECLARE migrator_message VARCHAR(128);
  SELECT MIN({k}) - 1 INTO migrator_lo FROM {t};
  WHILE migrator_lo IS NOT NULL DO
    SET migrator_nx = (SELECT MAX(b.k) FROM (SELECT {k} AS k FROM {t} WHERE {k} > migrator_lo ORDER BY {k} LIMIT {n}) AS b);
    SET migrator_orphan = NULL;
    IF migrator_nx IS NOT NULL THEN
      SET migrator_orphan = ({find} AND child.{k} > migrator_lo AND child.{k} <= migrator_nx ORDER BY child.{k} LIMIT 1);
    END IF;
    {fail}
    SET migrator_lo = migrator_nx;
  END WHILE;"
            )
        }
        None => format!(
            "  DECLARE migrator_orphan TEXT;
  DECLARE migrator_message VARCHAR(128);
  SET migrator_orphan = ({find} LIMIT 1);
  {fail}"
        ),
    };
    let p = ident(&own_name("fkcheck", table, &key.name));
    vec![
        SqlStatement::new(format!("DROP PROCEDURE IF EXISTS {p}")),
        SqlStatement::new(format!("CREATE PROCEDURE {p}()\nBEGIN\n{body}\nEND")),
        SqlStatement::new(format!("CALL {p}()")),
        SqlStatement::new(format!("DROP PROCEDURE {p}")),
    ]
}

/// A MariaDB compound statement that fails (SQLSTATE 45000, naming the key) if a row of `table`
/// has no parent for `key`: walks an integer primary key in ranges of the batch size, one
/// consistent read each; other keys are checked in one read.
fn orphan_check(ctx: &Ctx, schema: &str, table: &str, key: &ForeignKey) -> String {
    let t = ident(table);
    let matches = key
        .columns
        .iter()
        .zip(&key.ref_columns)
        .map(|(c, r)| format!("parent.{} = child.{}", ident(r), ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let not_null = key
        .columns
        .iter()
        .map(|c| format!("child.{} IS NOT NULL", ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let parent = if key.ref_schema == schema {
        ident(&key.ref_table)
    } else {
        format!("{}.{}", ident(&key.ref_schema), ident(&key.ref_table))
    };
    let orphans = format!(
        "SELECT 1 FROM {t} AS child WHERE {not_null} AND NOT EXISTS (SELECT 1 FROM {parent} AS parent WHERE {matches})"
    );
    let mut message = format!(
        "{table}: rows without a parent for foreign key {}",
        key.name
    );
    message.truncate(120);
    let signal = format!(
        "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = {}",
        literal(&message)
    );
    let int_key = int_key(ctx, schema, table);
    match int_key {
        Some(k) => {
            let k = ident(&k);
            let n = ctx.opts.batch_size.max(1);
            format!(
                "BEGIN NOT ATOMIC\n  DECLARE migrator_lo DECIMAL(65, 0) DEFAULT (SELECT MIN({k}) FROM {t}) - 1;\n  DECLARE migrator_nx DECIMAL(65, 0);\n  WHILE migrator_lo IS NOT NULL DO\n    SET migrator_nx = (SELECT MAX(b.k) FROM (SELECT {k} AS k FROM {t} WHERE {k} > migrator_lo ORDER BY {k} LIMIT {n}) AS b);\n    IF migrator_nx IS NOT NULL AND EXISTS ({orphans} AND child.{k} > migrator_lo AND child.{k} <= migrator_nx) THEN\n      {signal};\n    END IF;\n    SET migrator_lo = migrator_nx;\n  END WHILE;\nEND"
            )
        }
        None => {
            format!("BEGIN NOT ATOMIC\n  IF EXISTS ({orphans}) THEN\n    {signal};\n  END IF;\nEND")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_enum_and_set_values() {
        let cases = [
            ("enum('a','b')", "enum('a','b','c')", Some("'c'")),
            ("set('a')", "set('a','b','c')", Some("'b','c'")),
            ("enum('a','b')", "enum('a','c','b')", None),
            ("enum('a','b')", "enum('a','b')", None),
            ("enum('a','b')", "enum('a','bc')", None),
            ("varchar(10)", "varchar(10),'x')", None),
        ];
        for (from, to, want) in cases {
            assert_eq!(appended_choices(from, to), want, "{from} -> {to}");
        }
    }
    use crate::schema::{ColumnType, ForeignKey, PrimaryKey, ReferentialAction, Schema, Table};

    fn table(name: &str, columns: &[&str]) -> Table {
        let mut t = Table::new(name);
        for c in columns {
            t.columns.push(Column {
                name: c.to_string(),
                data_type: ColumnType::builtin("bigint"),
                nullable: *c != "id",
                default: None,
                identity: None,
                generated: None,
                collation: None,
                comment: None,
                options: Default::default(),
            });
        }
        t.primary_key = Some(PrimaryKey {
            name: "PRIMARY".into(),
            columns: vec!["id".into()],
            include: vec![],
            deferrable: false,
            initially_deferred: false,
            comment: None,
        });
        t
    }

    fn db(server: &str) -> Database {
        let mut d = Database::new(Dialect::Mysql);
        let mut s = Schema::new("app");
        s.tables = vec![table("p", &["id"]), table("c", &["id", "p_id"])];
        d.schemas.push(s);
        d.server_version = server.into();
        d
    }

    fn add_fk() -> Change {
        Change::AddForeignKey {
            schema: "app".into(),
            table: "c".into(),
            key: ForeignKey {
                name: "c_p".into(),
                columns: vec!["p_id".into()],
                ref_schema: "app".into(),
                ref_table: "p".into(),
                ref_columns: vec!["id".into()],
                on_delete: ReferentialAction::Restrict,
                on_update: ReferentialAction::Restrict,
                match_full: false,
                deferrable: false,
                initially_deferred: false,
                validated: true,
                comment: None,
            },
        }
    }

    fn plan_on(server: &str) -> Result<Vec<Step>> {
        let d = db(server);
        let opts = PlanOptions {
            allow_destructive: false,
            batch_size: 100,
            ignore: crate::source::Ignore::NONE,
        };
        MysqlPlanner.plan(&[add_fk()], &d, &d, &Hints::default(), opts)
    }

    #[test]
    fn foreign_key_on_mariadb_is_added_unchecked_then_checked_for_orphans_in_batches() {
        let steps = plan_on("10.11.19-MariaDB-0+deb12u1").unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].phase, Phase::Expand);
        assert!(steps[0].up[0].sql.starts_with(
            "SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE `c` ADD CONSTRAINT `c_p`"
        ));
        assert!(steps[0].up[0].sql.ends_with("ALGORITHM=INPLACE, LOCK=NONE"));
        assert_eq!(steps[1].phase, Phase::Contract);
        let check = &steps[1].up[0].sql;
        assert!(check.starts_with("BEGIN NOT ATOMIC"), "{check}");
        assert!(check.contains("LIMIT 100"), "{check}");
        assert!(check.contains("SIGNAL SQLSTATE '45000'"), "{check}");
    }

    #[test]
    fn foreign_key_on_mysql_proper_sets_the_session_variable_around_the_alter() {
        let steps = plan_on("9.7.4-2").unwrap();
        assert_eq!(steps.len(), 2);
        let up: Vec<&str> = steps[0].up.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(up.len(), 3, "{up:?}");
        assert_eq!(up[0], "SET SESSION foreign_key_checks = 0");
        assert!(
            up[1].starts_with("ALTER TABLE `c` ADD CONSTRAINT `c_p`"),
            "{}",
            up[1]
        );
        assert!(up[1].ends_with("ALGORITHM=INPLACE, LOCK=NONE"), "{}", up[1]);
        assert_eq!(up[2], "SET SESSION foreign_key_checks = 1");
        assert!(up.iter().all(|s| !s.contains("SET STATEMENT")));
        let check: Vec<&str> = steps[1].up.iter().map(|s| s.sql.as_str()).collect();
        assert!(check.iter().all(|s| !s.contains("NOT ATOMIC")), "{check:?}");
        assert!(check[1].starts_with("CREATE PROCEDURE"), "{}", check[1]);
        assert!(check[1].contains("LIMIT 100"), "{}", check[1]);
        assert!(check[1].contains("SIGNAL SQLSTATE '45000'"), "{}", check[1]);
        assert!(check[2].starts_with("CALL "), "{}", check[2]);
    }

    #[test]
    fn expressions_read_the_new_row() {
        let d = db("10.11.19-MariaDB");
        let hints = Hints::default();
        let ctx = Ctx::new(
            &d,
            &d,
            &hints,
            PlanOptions::default(),
            MysqlRenderer::new(),
            &[],
        );
        assert_eq!(
            over_new(
                &ctx,
                "app",
                "c",
                "CONCAT(p_id, '-', `id`, c.p_id) + LENGTH(id)"
            ),
            "CONCAT(NEW.`p_id`, '-', NEW.`id`, c.p_id) + LENGTH(NEW.`id`)"
        );
    }
}
