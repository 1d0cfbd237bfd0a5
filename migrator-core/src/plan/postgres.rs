//! Postgres recipes: how each change is made without blocking traffic or breaking the running
//! application version (lock facts: `shared/ONLINE_DDL.md`).

use super::common::{
    blocks_new_writes, compatibility_view, describe_target, destructive, index_copy_name, own_name,
    plan_with, rebuildable, renamed_columns, simple, trigger_name,
};
use super::shadow::{self, Move, Shadow, ShadowSql, Swap, Sync};
use super::{PlanOptions, Planner, Step};
use crate::diff::Hints;
use crate::diff::{Change, CommentTarget};
use crate::migrations::Phase;
use crate::render::postgres::{
    column_definition, free_type_change, ident, literal, qualified, PostgresRenderer,
};
use crate::render::SqlStatement;
use crate::schema::{Column, Database, TriggerEnabled};
use crate::{Dialect, Error, Result};

use super::common::ROLLBACK_RENAME;

type Ctx<'a> = super::common::Ctx<'a, PostgresRenderer>;

const INSTANT: &str = "ACCESS EXCLUSIVE, instant (metadata only)";
const NONE: &str = "none on existing tables";
const ROWS: &str = "ROW EXCLUSIVE, one short transaction per batch";

/// Functions whose default makes `ADD COLUMN … DEFAULT` rewrite the table.
const VOLATILE: &[&str] = &[
    "random(",
    "clock_timestamp(",
    "gen_random_uuid(",
    "uuid_generate_v1",
    "uuid_generate_v4",
    "timeofday(",
    "nextval(",
    "txid_current(",
    "statement_timestamp(",
];

fn is_volatile(expr: &str) -> bool {
    let e = expr.to_ascii_lowercase();
    VOLATILE.iter().any(|f| e.contains(f))
}

/// Which rows a trigger fires for. Both narrow it without calling the function, which is what
/// a trigger costs on the backfill's rows and on the application's writes.
struct Fires<'a> {
    /// `UPDATE OF` these columns only (an update that does not set them skips the trigger).
    update_of: &'a [&'a str],
    /// `WHEN (…)`, over `NEW` only (it fires on inserts too).
    when: Option<String>,
}

impl<'a> Fires<'a> {
    fn update_of(columns: &'a [&'a str]) -> Self {
        Fires {
            update_of: columns,
            when: None,
        }
    }

    fn when(condition: String) -> Self {
        Fires {
            update_of: &[],
            when: Some(condition),
        }
    }
}

/// A trigger (and its function) named `name` on `schema.table` running `body` (PL/pgSQL
/// statements) before inserts and updates, as narrowed by `fires`.
fn trigger(
    schema: &str,
    table: &str,
    name: &str,
    body: &str,
    fires: Fires,
) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
    let f = qualified(schema, name);
    let of = if fires.update_of.is_empty() {
        String::new()
    } else {
        let cols: Vec<String> = fires.update_of.iter().map(|c| ident(c)).collect();
        format!(" OF {}", cols.join(", "))
    };
    let when = fires
        .when
        .map(|w| format!(" WHEN ({w})"))
        .unwrap_or_default();
    let up = vec![
        SqlStatement::new(format!(
            "CREATE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS $migrator$\nBEGIN\n{body}\n  RETURN NEW;\nEND\n$migrator$"
        )),
        SqlStatement::new(format!(
            "CREATE TRIGGER {} BEFORE INSERT OR UPDATE{of} ON {} FOR EACH ROW{when} EXECUTE FUNCTION {f}()",
            ident(name),
            qualified(schema, table)
        )),
    ];
    let down = drop_trigger(schema, table, name);
    (up, down)
}

fn drop_trigger(schema: &str, table: &str, name: &str) -> Vec<SqlStatement> {
    vec![
        SqlStatement::new(format!(
            "DROP TRIGGER IF EXISTS {} ON {}",
            ident(name),
            qualified(schema, table)
        )),
        SqlStatement::new(format!(
            "DROP FUNCTION IF EXISTS {}()",
            qualified(schema, name)
        )),
    ]
}

/// Evaluates a row expression (written over the table's column names) inside a trigger.
fn over_new(expr: &str, table: &str) -> String {
    format!("(SELECT {expr} FROM (SELECT NEW.*) AS {})", ident(table))
}

/// `UPDATE table SET set WHERE filter` over every row, in primary-key batches of `batch` rows
/// each committed on its own, as one `DO` block: for the downs of shadow-column recipes, which
/// copy a whole table back and are not backfill files. `filter` must skip rows already done, so
/// a rerun after a crash or a lock timeout only rescans. The block commits, so it runs outside a
/// transaction (those downs are `no-transaction`).
fn batched_update(
    schema: &str,
    table: &str,
    key: &str,
    set: &str,
    filter: &str,
    batch: u64,
) -> SqlStatement {
    let (t, k) = (qualified(schema, table), ident(key));
    let ty = format!("{t}.{k}%TYPE");
    SqlStatement::outside_transaction(format!(
        "DO $migrator$\nDECLARE\n  migrator_done {ty};\n  migrator_upto {ty};\nBEGIN\n  SELECT min({k}) INTO migrator_done FROM {t};\n  IF migrator_done IS NULL THEN RETURN; END IF;\n  UPDATE {t} SET {set} WHERE {k} = migrator_done AND ({filter});\n  COMMIT;\n  LOOP\n    SELECT max(b.k) INTO migrator_upto FROM (SELECT {k} AS k FROM {t} WHERE {k} > migrator_done ORDER BY {k} LIMIT {batch}) AS b;\n    EXIT WHEN migrator_upto IS NULL;\n    UPDATE {t} SET {set} WHERE {k} > migrator_done AND {k} <= migrator_upto AND ({filter});\n    COMMIT;\n    migrator_done := migrator_upto;\n  END LOOP;\nEND\n$migrator$"
    ))
}

/// `ALTER INDEX` giving migrator's `kind` copy of index `name` (see [`index_on`]) that name,
/// once the original is gone.
fn copy_takes_name(schema: &str, table: &str, name: &str, kind: &str) -> String {
    format!(
        "ALTER INDEX {} RENAME TO {}",
        qualified(schema, &index_copy_name(kind, table, name)),
        ident(name)
    )
}

/// Makes a column NOT NULL without a long lock: CHECK NOT VALID → VALIDATE (no write block) →
/// SET NOT NULL (skips its scan thanks to the validated check) → drop the check. Each statement
/// commits on its own (the contract file runs outside a transaction).
fn not_null_online(
    schema: &str,
    table: &str,
    column: &str,
) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
    let t = qualified(schema, table);
    let check = ident(&own_name("nn", table, column));
    let c = ident(column);
    let up = vec![
        SqlStatement::new(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID"
        )),
        SqlStatement::new(format!("ALTER TABLE {t} VALIDATE CONSTRAINT {check}")),
        SqlStatement::new(format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL")),
        SqlStatement::new(format!("ALTER TABLE {t} DROP CONSTRAINT {check}")),
    ];
    let down = vec![SqlStatement::new(format!(
        "ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL"
    ))];
    (up, down)
}

/// The Postgres [`Planner`].
pub struct PostgresPlanner;

impl Planner for PostgresPlanner {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn plan(
        &self,
        changes: &[Change],
        from: &Database,
        to: &Database,
        hints: &Hints,
        opts: PlanOptions,
    ) -> Result<Vec<Step>> {
        super::pg_policy::check(changes, from)?;
        let mut steps = plan_with(PostgresRenderer, (changes, from, to, hints, opts), recipe)?;
        super::partition::adjust_steps(from, to, &mut steps);
        Ok(steps)
    }
}

fn recipe(ctx: &Ctx, c: &Change, all: &[Change]) -> Result<Vec<Step>> {
    use Change::*;
    use Phase::*;
    if let Some(steps) = super::partition::recipe(ctx, c) {
        return steps;
    }
    let step = |phase, lock: &str, summary: String| Ok(vec![simple(ctx, c, phase, lock, summary)]);
    match c {
        CreateSchema { schema } => step(Expand, NONE, format!("create schema {schema}")),
        CreateExtension { extension, .. } => {
            step(Expand, NONE, format!("create extension {}", extension.name))
        }
        UpdateExtension { name, version } => step(
            Expand,
            "depends on the extension",
            format!("update extension {name} to {version}"),
        ),
        CreateEnum { schema, value } => {
            step(Expand, NONE, format!("create enum {schema}.{}", value.name))
        }
        AddEnumValue {
            schema,
            name,
            value,
            ..
        } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                "instant",
                format!("add value '{value}' to enum {schema}.{name}"),
            );
            s.hazards.push("a new enum value cannot be used in the transaction that adds it: runs in its own file".into());
            s.hazards.push(format!("rolling back rebuilds {schema}.{name} without '{value}', which fails while rows hold it"));
            Ok(vec![s])
        }
        CreateSequence { schema, sequence } => step(
            Expand,
            NONE,
            format!("create sequence {schema}.{}", sequence.name),
        ),
        AlterSequence { schema, to, .. } => step(
            Expand,
            "instant",
            format!("alter sequence {schema}.{}", to.name),
        ),
        RenameSequence { schema, from, to } => step(
            Expand,
            "instant",
            format!("rename sequence {schema}.{from} to {to}"),
        ),
        SetSequenceOwner { schema, name, .. } => step(
            Expand,
            "instant",
            format!("set owner of sequence {schema}.{name}"),
        ),
        CreateTable { schema, table } => step(
            Expand,
            NONE,
            format!("create table {schema}.{}", table.name),
        ),
        CreateView { schema, view } => {
            // A view dropped by this plan is rebuilt right after its drop (same file), so the
            // old application never sees it missing.
            step(
                Expand,
                "ACCESS EXCLUSIVE on the view, instant",
                format!(
                    "create {}view {schema}.{}",
                    if view.materialized {
                        "materialized "
                    } else {
                        ""
                    },
                    view.name
                ),
            )
        }
        DropView {
            schema,
            name,
            materialized,
        } => {
            let recreated = all.iter().any(|x| matches!(x, CreateView { schema: s, view } if s == schema && &view.name == name));
            let phase = if recreated { Expand } else { Contract };
            step(
                phase,
                "ACCESS EXCLUSIVE on the view, instant",
                format!(
                    "drop {}view {schema}.{name}",
                    if *materialized { "materialized " } else { "" }
                ),
            )
        }
        Comment { target, .. } => step(
            Expand,
            "instant",
            format!("comment on {}", describe_target(target)),
        ),
        RenameIndex {
            schema, from, to, ..
        } => step(
            Expand,
            "instant",
            format!("rename index {schema}.{from} to {to}"),
        ),
        RenameConstraint {
            table, from, to, ..
        } => step(
            Expand,
            "instant",
            format!("rename constraint {from} on {table} to {to}"),
        ),
        AlterTableOptions {
            schema,
            table,
            from,
            to,
        } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                "ACCESS EXCLUSIVE",
                format!("change options of {schema}.{table}"),
            );
            if from.get("row_security") != to.get("row_security") {
                s.hazards.push("row-level security changes at once for every session: both application versions run under the new setting from this step on (policies are created before it is turned on, dropped after it is turned off)".into());
            }
            if from.get("persistence") != to.get("persistence") {
                s.hazards.push(
                    "SET LOGGED / UNLOGGED rewrites the table under an ACCESS EXCLUSIVE lock"
                        .into(),
                );
            }
            Ok(vec![s])
        }
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
        RenameTable { schema, from, to } => rename_table(ctx, schema, from, to),
        CreateIndex {
            schema,
            table,
            index,
            online,
        } => {
            let summary = format!(
                "create {}index {} on {schema}.{table}",
                if index.unique { "unique " } else { "" },
                index.name
            );
            if *online
                && !ctx.is_new(schema, table)
                && ctx.replaces_index(schema, table, &index.name)
            {
                return Ok(replace_index(ctx, schema, table, index));
            }
            let later = ctx.drops_name(schema, &index.name);
            let phase = if later { Contract } else { Expand };
            if *online && !ctx.is_new(schema, table) {
                let mut s = simple(
                    ctx,
                    c,
                    phase,
                    "SHARE UPDATE EXCLUSIVE (CONCURRENTLY: reads and writes continue)",
                    summary,
                );
                s.hazards.push("builds without blocking writes, but scans the table twice; a failed build leaves an INVALID index that the runner drops before retrying".into());
                Ok(vec![s])
            } else if ctx.is_new(schema, table) {
                // Dropping the new table drops its indexes: a DROP INDEX in the down would only
                // take a lock for nothing.
                let mut s = simple(ctx, c, phase, NONE, summary);
                s.down.clear();
                Ok(vec![s])
            } else {
                step(phase, NONE, summary)
            }
        }
        AddUnique {
            schema,
            table,
            unique,
        } if !ctx.is_new(schema, table) => {
            constraint_using_index(ctx, c, schema, table, &unique.name, &unique.columns, false)
        }
        AddPrimaryKey { schema, table, key } if !ctx.is_new(schema, table) => {
            constraint_using_index(ctx, c, schema, table, &key.name, &key.columns, true)
        }
        AddPrimaryKey { schema, table, .. } | AddUnique { schema, table, .. } => step(
            Expand,
            NONE,
            format!("add key to new table {schema}.{table}"),
        ),
        AddCheck {
            schema,
            table,
            check,
        } => not_valid_then_validate(ctx, c, schema, table, &check.name, check.validated, "check"),
        AddForeignKey { schema, table, key } => not_valid_then_validate(
            ctx,
            c,
            schema,
            table,
            &key.name,
            key.validated,
            "foreign key",
        ),
        AddExclusion {
            schema,
            table,
            exclusion,
        } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                "ACCESS EXCLUSIVE while the index is built",
                format!(
                    "add exclusion constraint {} on {schema}.{table}",
                    exclusion.name
                ),
            );
            s.hazards.push("exclusion constraints build their index under an ACCESS EXCLUSIVE lock (no online alternative)".into());
            Ok(vec![s])
        }
        ValidateConstraint {
            schema,
            table,
            name,
        } => step(
            Contract,
            "SHARE UPDATE EXCLUSIVE (scans, writes continue)",
            format!("validate {name} on {schema}.{table}"),
        ),
        RecreateEnum { schema, to, .. } => {
            let mut s = simple(
                ctx,
                c,
                Contract,
                "ACCESS EXCLUSIVE on every table using it, rewrite",
                format!("rebuild enum {schema}.{}", to.name),
            );
            s.hazards.push("converts every column of the type: rewrites those tables under an ACCESS EXCLUSIVE lock".into());
            Ok(vec![s])
        }
        DropTable { schema, name } => destructive(
            ctx,
            c,
            format!("drop table {schema}.{name}"),
            "ACCESS EXCLUSIVE, instant",
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
                // column goes (instant).
                let t = qualified(schema, table);
                let mut relax = ctx.step(
                    Expand,
                    format!("allow NULL in {schema}.{table}.{column}, which the new version no longer writes"),
                    INSTANT,
                    vec![SqlStatement::new(format!(
                        "ALTER TABLE {t} ALTER COLUMN {} DROP NOT NULL",
                        ident(&col.name)
                    ))],
                    vec![],
                );
                relax.hazards.push(format!("rolling back leaves {column} nullable: rows the new version wrote hold none (as a dropped column comes back empty)"));
                steps.push(relax);
            }
            steps.extend(destructive(
                ctx,
                c,
                format!("drop column {schema}.{table}.{column}"),
                INSTANT,
                "data loss: the column's values",
            )?);
            Ok(steps)
        }
        DropSchema { schema } => destructive(
            ctx,
            c,
            format!("drop schema {schema}"),
            INSTANT,
            "drops the schema",
        ),
        DropSequence { schema, name } => destructive(
            ctx,
            c,
            format!("drop sequence {schema}.{name}"),
            INSTANT,
            "the sequence's position is lost",
        ),
        DropEnum { schema, name } => step(Contract, INSTANT, format!("drop enum {schema}.{name}")),
        CreateDomain { .. }
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
        | RenameEnumValue { .. } => super::pg_types::recipe(ctx, c, all),
        DropExtension { name } => step(Contract, INSTANT, format!("drop extension {name}")),
        // Replaced under the same name: the add recipe swaps the two.
        DropConstraint {
            schema,
            table,
            name,
        } if ctx.replaces_constraint(schema, table, name) && !ctx.is_new(schema, table) => {
            Ok(vec![])
        }
        DropConstraint {
            schema,
            table,
            name,
        } => {
            let loosening = ctx.loosening_drop(schema, table, name);
            let mut s = simple(
                ctx,
                c,
                if loosening.is_some() {
                    Expand
                } else {
                    Contract
                },
                INSTANT,
                format!("drop constraint {name} on {schema}.{table}"),
            );
            key_back_online(ctx, schema, table, name, &mut s);
            if let Some(hazards) = loosening {
                validate_if_rows_fit(&mut s);
                s.hazards.extend(hazards);
            }
            Ok(vec![s])
        }
        // Replaced under the same name: the create recipe swaps the two.
        DropIndex {
            schema,
            table,
            name,
            online: true,
        } if ctx.replaces_index(schema, table, name) && !ctx.is_new(schema, table) => Ok(vec![]),
        DropIndex { schema, name, .. } => step(
            Contract,
            "SHARE UPDATE EXCLUSIVE (CONCURRENTLY)",
            format!("drop index {schema}.{name}"),
        ),
        CreateRoutine { .. }
        | ReplaceRoutine { .. }
        | DropRoutine { .. }
        | CreateTrigger { .. }
        | ReplaceTrigger { .. }
        | SetTriggerEnabled { .. }
        | DropTrigger { .. } => routine_or_trigger(ctx, c),
        // Refused by the renderer's check before planning (MySQL only).
        CreateEvent { .. } | AlterEvent { .. } | DropEvent { .. } => Ok(vec![]),
        // MySQL partitioning, refused by the renderer's check.
        AlterPartitioning { .. } => Ok(vec![]),
        CreatePolicy { .. }
        | AlterPolicy { .. }
        | ReplacePolicy { .. }
        | RenamePolicy { .. }
        | DropPolicy { .. } => super::pg_policy::recipe(ctx, c),
        // Always planned by `partition::recipe` above.
        AttachPartition { .. } | DetachPartition { .. } | Repartition { .. } => Ok(vec![]),
    }
}

/// Routines and triggers. New ones and new definitions go in expand (the new application
/// version may need them; the old one keeps working: a routine whose signature changes is a
/// new routine beside the old one); what is no longer declared goes in contract, after the
/// old version stopped calling it.
fn routine_or_trigger(ctx: &Ctx, c: &Change) -> Result<Vec<Step>> {
    use Change::*;
    use Phase::*;
    let on_table = |schema: &str, table: &str, lock: &str| {
        if ctx.is_new(schema, table) {
            NONE.to_string()
        } else {
            format!("{lock} on {schema}.{table}, instant")
        }
    };
    let s = match c {
        CreateRoutine { schema, routine } => simple(
            ctx,
            c,
            Expand,
            NONE,
            format!(
                "create {} {schema}.{}",
                routine.kind,
                routine.display_name()
            ),
        ),
        ReplaceRoutine { schema, from, to } => {
            let replaceable = crate::diff::routine::replaceable(from, to);
            let mut s = simple(
                ctx,
                c,
                Expand,
                if replaceable {
                    "instant"
                } else {
                    "ACCESS EXCLUSIVE on the routine, instant"
                },
                format!(
                    "{} {} {schema}.{}",
                    if replaceable {
                        "replace"
                    } else {
                        "drop and create"
                    },
                    to.kind,
                    to.display_name()
                ),
            );
            s.hazards.push(format!(
                "the old application version runs the new definition of {} from expand on",
                to.display_name()
            ));
            if from.signature != to.signature {
                s.hazards.push(format!("the new signature adds arguments with defaults to {}: a call written for the old one would match both and fail as ambiguous, so the old one is dropped and the new one created in one transaction (which fails while a default, check, view or trigger uses the old one)", from.display_name()));
            } else if !replaceable {
                s.hazards.push("its result, argument names, modes or defaults change under the same argument types, which CREATE OR REPLACE cannot do: it is dropped and created in one transaction (which fails while a default, check, view or trigger uses it)".to_string());
            }
            s
        }
        DropRoutine { schema, routine } => {
            let mut s = simple(
                ctx,
                c,
                Contract,
                "instant",
                format!("drop {} {schema}.{}", routine.kind, routine.display_name()),
            );
            s.hazards.push(format!(
                "drops {} {schema}.{}: callers that still use it fail (rollback creates it again)",
                routine.kind,
                routine.display_name()
            ));
            s
        }
        CreateTrigger { schema, trigger } => simple(
            ctx,
            c,
            Expand,
            &on_table(schema, &trigger.table, "SHARE ROW EXCLUSIVE"),
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
            let lock = if *in_place {
                "SHARE ROW EXCLUSIVE"
            } else {
                "ACCESS EXCLUSIVE"
            };
            let mut s = simple(
                ctx,
                c,
                Expand,
                &on_table(schema, &to.table, lock),
                format!(
                    "{} trigger {} on {schema}.{}",
                    if *in_place {
                        "replace"
                    } else {
                        "drop and create"
                    },
                    to.name,
                    to.table
                ),
            );
            s.hazards.push(format!(
                "writes of the old application version fire the new definition of {} from expand on",
                to.name
            ));
            s
        }
        SetTriggerEnabled {
            schema,
            table,
            name,
            to,
            ..
        } => simple(
            ctx,
            c,
            Expand,
            &on_table(schema, table, "SHARE ROW EXCLUSIVE"),
            format!(
                "set trigger {name} on {schema}.{table} {}",
                match to {
                    TriggerEnabled::Enabled => "enabled",
                    TriggerEnabled::Disabled => "disabled",
                    TriggerEnabled::Replica => "enabled on replicas only",
                    TriggerEnabled::Always => "enabled always",
                }
            ),
        ),
        DropTrigger { schema, trigger } => {
            let mut s = simple(
                ctx,
                c,
                Contract,
                &on_table(schema, &trigger.table, "ACCESS EXCLUSIVE"),
                format!(
                    "drop trigger {} on {schema}.{}",
                    trigger.name, trigger.table
                ),
            );
            s.hazards.push(format!(
                "writes stop firing trigger {} (rollback creates it again)",
                trigger.name
            ));
            s
        }
        _ => return Ok(vec![]),
    };
    Ok(vec![s])
}

/// An index whose definition changes under the same name: the new definition is built first
/// (CONCURRENTLY, under migrator's own name), so no moment is without an index; contract drops
/// the old one (CONCURRENTLY) and gives the new one its name. Rollback does the same the other
/// way.
fn replace_index(ctx: &Ctx, schema: &str, table: &str, index: &crate::schema::Index) -> Vec<Step> {
    let build = |i: &crate::schema::Index| {
        let mut copy = i.clone();
        copy.name = index_copy_name("new", table, &i.name);
        copy.comment = None;
        ctx.sql(&Change::CreateIndex {
            schema: schema.into(),
            table: table.into(),
            index: copy,
            online: true,
        })
    };
    let drop = |name: &str| {
        ctx.sql(&Change::DropIndex {
            schema: schema.into(),
            table: table.into(),
            name: name.into(),
            online: true,
        })
    };
    let old = ctx
        .from
        .table(schema, table)
        .and_then(|t| t.index(&index.name))
        .cloned();
    let copy = index_copy_name("new", table, &index.name);
    let mut expand = ctx.step(
        Phase::Expand,
        format!(
            "build the new definition of index {schema}.{} beside the old one",
            index.name
        ),
        "SHARE UPDATE EXCLUSIVE (CONCURRENTLY: reads and writes continue)",
        build(index),
        drop(&copy),
    );
    expand.hazards.push("builds without blocking writes, but scans the table twice; a failed build leaves an INVALID index that the runner drops before retrying".into());
    let mut up = drop(&index.name);
    up.push(SqlStatement::new(copy_takes_name(
        schema,
        table,
        &index.name,
        "new",
    )));
    // Rollback: back to the expand state — the new definition under migrator's name again,
    // the old one rebuilt under its own (the expand's down then drops the new one).
    let mut down = vec![SqlStatement::new(format!(
        "ALTER INDEX {} RENAME TO {}",
        qualified(schema, &index.name),
        ident(&copy)
    ))];
    if let Some(old) = &old {
        down.extend(ctx.sql(&Change::CreateIndex {
            schema: schema.into(),
            table: table.into(),
            index: old.clone(),
            online: true,
        }));
    }
    let contract = ctx.step(
        Phase::Contract,
        format!(
            "drop the old definition of index {schema}.{} and give the new one its name",
            index.name
        ),
        "SHARE UPDATE EXCLUSIVE (CONCURRENTLY), then an instant rename",
        up,
        down,
    );
    vec![expand, contract]
}

/// FK / CHECK on an existing table: `NOT VALID` (instant, enforced for new rows) in expand,
/// `VALIDATE` (scans without blocking writes) in contract.
fn not_valid_then_validate(
    ctx: &Ctx,
    c: &Change,
    schema: &str,
    table: &str,
    name: &str,
    validated: bool,
    what: &str,
) -> Result<Vec<Step>> {
    if validated && !ctx.is_new(schema, table) && ctx.replaces_constraint(schema, table, name) {
        if let Change::AddCheck { check, .. } = c {
            if let Some(steps) = replace_check(ctx, (schema, table), check) {
                return Ok(steps);
            }
        }
        return Ok(replace_constraint(ctx, c, (schema, table, name), what));
    }
    let later = ctx.drops_name(schema, name);
    let phase = if later {
        Phase::Contract
    } else {
        Phase::Expand
    };
    if ctx.is_new(schema, table) || !validated {
        let lock = if what == "foreign key" {
            "SHARE ROW EXCLUSIVE on both tables"
        } else {
            INSTANT
        };
        return Ok(vec![simple(
            ctx,
            c,
            phase,
            lock,
            format!("add {what} {name} on {schema}.{table}"),
        )]);
    }
    let mut not_valid = c.clone();
    match &mut not_valid {
        Change::AddCheck { check, .. } => check.validated = false,
        Change::AddForeignKey { key, .. } => key.validated = false,
        _ => unreachable!("only checks and foreign keys"),
    }
    let mut add = simple(
        ctx,
        &not_valid,
        phase,
        if what == "foreign key" {
            "SHARE ROW EXCLUSIVE on both tables, instant (NOT VALID)"
        } else {
            "ACCESS EXCLUSIVE, instant (NOT VALID)"
        },
        format!("add {what} {name} on {schema}.{table} NOT VALID"),
    );
    add.hazards
        .push("enforced for new writes at once; existing rows are checked in contract".into());
    let validate = Change::ValidateConstraint {
        schema: schema.into(),
        table: table.into(),
        name: name.into(),
    };
    let v = ctx.step(
        Phase::Contract,
        format!("validate {what} {name} on {schema}.{table}"),
        "SHARE UPDATE EXCLUSIVE (scans, reads and writes continue)",
        ctx.sql(&validate),
        vec![],
    );
    Ok(vec![add, v])
}

/// `ALTER TABLE t DROP CONSTRAINT name` (`t` already qualified).
fn drop_constraint(t: &str, name: &str) -> SqlStatement {
    SqlStatement::new(format!("ALTER TABLE {t} DROP CONSTRAINT {}", ident(name)))
}

/// `ALTER TABLE t RENAME CONSTRAINT from TO to` (`t` already qualified).
fn rename_constraint(t: &str, from: &str, to: &str) -> SqlStatement {
    SqlStatement::new(format!(
        "ALTER TABLE {t} RENAME CONSTRAINT {} TO {}",
        ident(from),
        ident(to)
    ))
}

/// `ALTER TABLE t VALIDATE CONSTRAINT name` (`t` already qualified).
fn validate_constraint(t: &str, name: &str) -> SqlStatement {
    SqlStatement::new(format!(
        "ALTER TABLE {t} VALIDATE CONSTRAINT {}",
        ident(name)
    ))
}

/// A CHECK whose condition changes under the same name. Neither condition alone lets both
/// application versions write (the old one refuses the new version's values, the new one the
/// old version's), so from expand to contract the table checks their OR, under migrator's name
/// and `NOT VALID` (instant); contract adds the new one under its name `NOT VALID`, validates it
/// (a scan that lets writes go on) and drops the OR. Rollback returns to the old condition,
/// validated when every row fits it.
fn replace_check(
    ctx: &Ctx,
    (schema, table): (&str, &str),
    new: &crate::schema::Check,
) -> Option<Vec<Step>> {
    let old = ctx.from.table(schema, table)?.check(&new.name)?.clone();
    let t = qualified(schema, table);
    let either = crate::schema::Check {
        name: own_name("either", table, &new.name),
        expr: format!("({}) OR ({})", old.expr, new.expr),
        validated: false,
        no_inherit: new.no_inherit,
        comment: None,
    };
    let add = |k: &crate::schema::Check| {
        ctx.sql(&Change::AddCheck {
            schema: schema.into(),
            table: table.into(),
            check: crate::schema::Check {
                validated: false,
                ..k.clone()
            },
        })
    };
    let drop = |n: &str| drop_constraint(&t, n);
    let validate = |n: &str| validate_constraint(&t, n);
    let name = &new.name;
    let mut up = add(&either);
    up.push(drop(name));
    let mut down = add(&old);
    down.push(validate(name));
    down.push(drop(&either.name));
    let mut expand = ctx.step(
        Phase::Expand,
        format!("check {name} on {schema}.{table} accepts what the old or the new condition accepts until contract (NOT VALID)"),
        "ACCESS EXCLUSIVE, instant (NOT VALID)",
        up,
        down,
    );
    expand.hazards.push(format!(
        "until contract, {schema}.{table} accepts a row when the old or the new condition of {name} holds, so both application versions can write"
    ));
    validate_if_rows_fit(&mut expand);
    let mut up = add(new);
    up.push(validate(name));
    up.push(drop(&either.name));
    let mut down = add(&either);
    down.push(drop(name));
    let mut contract = ctx.step(
        Phase::Contract,
        format!("check {name} on {schema}.{table}: the new condition, validated"),
        "SHARE UPDATE EXCLUSIVE for the validation scan (reads and writes continue), then an instant drop",
        up,
        down,
    );
    contract
        .hazards
        .push("fails if a row written before contract breaks the new condition (the old application version's): fix those rows first".into());
    Some(vec![expand, contract])
}

/// A check or foreign key whose definition changes under the same name: the new one is added
/// `NOT VALID` under migrator's name in expand, beside the old (both enforced for new writes,
/// so no moment is without one); contract validates it, drops the old and hands over the name.
/// Rollback returns to the expand state.
fn replace_constraint(
    ctx: &Ctx,
    c: &Change,
    (schema, table, name): (&str, &str, &str),
    what: &str,
) -> Vec<Step> {
    let t = qualified(schema, table);
    let temp = own_name("new", table, name);
    let not_valid = |c: &Change, as_name: &str| {
        let mut c = c.clone();
        match &mut c {
            Change::AddCheck { check, .. } => {
                check.validated = false;
                check.name = as_name.to_string();
            }
            Change::AddForeignKey { key, .. } => {
                key.validated = false;
                key.name = as_name.to_string();
            }
            _ => unreachable!("only checks and foreign keys"),
        }
        ctx.sql(&c)
    };
    let lock = if what == "foreign key" {
        "SHARE ROW EXCLUSIVE on both tables, instant (NOT VALID)"
    } else {
        "ACCESS EXCLUSIVE, instant (NOT VALID)"
    };
    let drop = |n: &str| drop_constraint(&t, n);
    let rename = |a: &str, b: &str| rename_constraint(&t, a, b);
    let validate = |n: &str| validate_constraint(&t, n);
    let mut expand = ctx.step(
        Phase::Expand,
        format!("add the new definition of {what} {name} on {schema}.{table} NOT VALID, beside the old one"),
        lock,
        not_valid(c, &temp),
        vec![drop(&temp)],
    );
    expand
        .hazards
        .push("enforced for new writes at once, together with the old definition; existing rows are checked in contract".into());
    let old = ctx.from.table(schema, table).and_then(|tb| match c {
        Change::AddCheck { .. } => tb.check(name).map(|k| Change::AddCheck {
            schema: schema.into(),
            table: table.into(),
            check: k.clone(),
        }),
        _ => tb.foreign_key(name).map(|k| Change::AddForeignKey {
            schema: schema.into(),
            table: table.into(),
            key: k.clone(),
        }),
    });
    let mut down = vec![rename(name, &temp)];
    if let Some(old) = &old {
        down.extend(not_valid(old, name));
        down.push(validate(name));
    }
    let contract = ctx.step(
        Phase::Contract,
        format!("validate the new {what} {name} on {schema}.{table}, drop the old one and give it the name"),
        "SHARE UPDATE EXCLUSIVE for the validation scan (reads and writes continue), then instant drops and a rename",
        vec![validate(&temp), drop(name), rename(&temp, name)],
        down,
    );
    vec![expand, contract]
}

/// UNIQUE / PRIMARY KEY on an existing table: build the unique index concurrently, then attach
/// it (`USING INDEX`, instant). A unique constraint redefined under the same name is built under
/// migrator's name beside the old one, and contract swaps them in one statement, so no moment is
/// without one; rollback builds the old definition again and swaps back.
fn constraint_using_index(
    ctx: &Ctx,
    c: &Change,
    schema: &str,
    table: &str,
    name: &str,
    columns: &[String],
    primary: bool,
) -> Result<Vec<Step>> {
    let t = qualified(schema, table);
    let unique = match c {
        Change::AddUnique { unique, .. } => Some(unique),
        _ => None,
    };
    let replacing = unique.is_some() && ctx.replaces_constraint(schema, table, name);
    let built = match replacing {
        true => own_name("new", table, name),
        false => name.to_string(),
    };
    let cols = |cs: &[String]| cs.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
    let create = |index: &str, cs: &[String], u: Option<&crate::schema::Unique>| {
        let mut sql = format!(
            "CREATE UNIQUE INDEX CONCURRENTLY {} ON {t} ({})",
            ident(index),
            cols(cs)
        );
        if let Some(u) = u {
            if !u.include.is_empty() {
                sql.push_str(&format!(" INCLUDE ({})", cols(&u.include)));
            }
            if u.nulls_not_distinct {
                sql.push_str(" NULLS NOT DISTINCT");
            }
        }
        SqlStatement::outside_transaction(sql)
    };
    let drop_index = |index: &str| {
        SqlStatement::outside_transaction(format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            qualified(schema, index)
        ))
    };
    let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
    let attach = |index: &str, u: Option<&crate::schema::Unique>| {
        let mut sql = format!(
            "ADD CONSTRAINT {} {kind} USING INDEX {}",
            ident(name),
            ident(index)
        );
        if u.is_some_and(|u| u.deferrable) {
            sql.push_str(" DEFERRABLE");
            if u.is_some_and(|u| u.initially_deferred) {
                sql.push_str(" INITIALLY DEFERRED");
            }
        }
        sql
    };
    let build = ctx.step(
        Phase::Expand,
        format!("build unique index {built} on {schema}.{table} concurrently"),
        "SHARE UPDATE EXCLUSIVE (CONCURRENTLY: reads and writes continue)",
        vec![create(&built, columns, unique)],
        vec![drop_index(&built)],
    );
    if replacing {
        let old = ctx
            .from
            .table(schema, table)
            .and_then(|tb| tb.unique(name))
            .cloned();
        let old_copy = own_name("old", table, name);
        let swap = |index: &str, u: Option<&crate::schema::Unique>| {
            SqlStatement::new(format!(
                "ALTER TABLE {t} DROP CONSTRAINT {}, {}",
                ident(name),
                attach(index, u)
            ))
        };
        let down = match &old {
            Some(o) => vec![
                create(&old_copy, &o.columns, Some(o)),
                swap(&old_copy, Some(o)),
            ],
            None => vec![],
        };
        let contract = ctx.step(
            Phase::Contract,
            format!("swap unique constraint {name} on {schema}.{table} for its new definition"),
            "ACCESS EXCLUSIVE, instant (drop the old constraint, attach the new index, one statement)",
            vec![swap(&built, unique)],
            down,
        );
        return Ok(vec![build, contract]);
    }
    let mut attach_step = ctx.step(
        Phase::Expand,
        format!("attach it as {} {name}", kind.to_lowercase()),
        INSTANT,
        vec![SqlStatement::new(format!(
            "ALTER TABLE {t} {}",
            attach(&built, unique)
        ))],
        vec![drop_constraint(&t, name)],
    );
    if primary {
        attach_step.hazards.push("ADD PRIMARY KEY sets NOT NULL on its columns: a scan under the lock unless they are NOT NULL already".into());
    }
    Ok(vec![build, attach_step])
}

/// The down of dropping unique or primary key `name` of an existing table: its index is built
/// again `CONCURRENTLY` and attached `USING INDEX` (as [`constraint_using_index`] adds one),
/// instead of a plain `ADD CONSTRAINT`, which builds the index under ACCESS EXCLUSIVE (`lint`
/// refuses it). Keys with `INCLUDE`, `NULLS NOT DISTINCT` or `DEFERRABLE` keep the plain form.
/// The down of a CHECK or foreign key dropped in expand: the new application may have written
/// rows it rejects, which a plain `VALIDATE CONSTRAINT` would refuse, leaving the rollback
/// stuck. It validates when every row fits and otherwise leaves the constraint `NOT VALID`
/// (enforced for new writes) with a WARNING, as MySQL's unchecked re-add does.
fn validate_if_rows_fit(step: &mut Step) {
    let mut changed = false;
    for st in &mut step.down {
        if st.sql.starts_with("ALTER TABLE ")
            && st.sql.contains(" VALIDATE CONSTRAINT ")
            && !st.sql.contains("$migrator$")
        {
            st.sql = format!(
                "DO $migrator$\nBEGIN\n  {};\nEXCEPTION WHEN check_violation OR foreign_key_violation THEN\n  RAISE WARNING 'left NOT VALID, rows break it (fix them, then VALIDATE CONSTRAINT): %', SQLERRM;\nEND\n$migrator$",
                st.sql
            );
            changed = true;
        }
    }
    if changed {
        step.hazards.push("rolling back re-adds it NOT VALID and validates it when every row fits; rows the new version wrote that break it leave it NOT VALID, with a WARNING".into());
    }
}

fn key_back_online(ctx: &Ctx, schema: &str, table: &str, name: &str, step: &mut Step) {
    let Some(t) = ctx.from.table(schema, table) else {
        return;
    };
    let (columns, primary) = if let Some(u) = t.unique(name) {
        if !u.include.is_empty() || u.nulls_not_distinct || u.deferrable {
            return;
        }
        (&u.columns, false)
    } else if let Some(pk) = t.primary_key.as_ref().filter(|p| p.name == name) {
        if !pk.include.is_empty() || pk.deferrable {
            return;
        }
        (&pk.columns, true)
    } else {
        return;
    };
    let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
    let q = qualified(schema, table);
    let index = ident(name);
    let add = format!("ALTER TABLE {q} ADD CONSTRAINT {index} {kind} (");
    let Some(pos) = step.down.iter().position(|st| st.sql.starts_with(&add)) else {
        return;
    };
    let cols = columns
        .iter()
        .map(|c| ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    step.down.splice(
        pos..=pos,
        [
            SqlStatement::outside_transaction(format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {index} ON {q} ({cols})"
            )),
            SqlStatement::outside_transaction(format!(
                "ALTER TABLE {q} ADD CONSTRAINT {index} {kind} USING INDEX {index}"
            )),
        ],
    );
}

/// The fill trigger of `column` (its name, and its up and down statements): set to `expr` by
/// writes that leave it NULL. For a new column (`derived`), also kept current by updates of the
/// columns `expr` reads that do not set `column` themselves: what the old application does, as
/// it knows the sources but not the column. Its name sorts after shadow columns' sync triggers
/// (see `trigger_name`).
fn fill_trigger(
    ctx: &Ctx,
    (schema, table, column): (&str, &str, &str),
    expr: &str,
    derived: bool,
) -> (String, (Vec<SqlStatement>, Vec<SqlStatement>)) {
    let name = trigger_name("fill", table, column);
    let col = ident(column);
    let value = over_new(expr, table);
    let sources = match derived {
        true => ctx.columns_read_by(schema, table, expr, column),
        false => Vec::new(),
    };
    let made = if sources.is_empty() {
        // A constant: only rows written without it need it.
        trigger(
            schema,
            table,
            &name,
            &format!("  IF NEW.{col} IS NULL THEN\n    NEW.{col} := {value};\n  END IF;"),
            Fires::when(format!("NEW.{col} IS NULL")),
        )
    } else {
        // `UPDATE OF` sees the statement's SET list only: a renamed source is set under its old
        // name by the old application (and copied by the sync trigger, which does not count).
        let mut of: Vec<&str> = sources.iter().map(String::as_str).collect();
        for c in &sources {
            of.extend(ctx.renamed_from(schema, table, c));
        }
        trigger(
            schema,
            table,
            &name,
            &format!(
                "  IF TG_OP = 'INSERT' THEN\n    IF NEW.{col} IS NULL THEN\n      NEW.{col} := {value};\n    END IF;\n  ELSIF NEW.{col} IS NULL OR NEW.{col} IS NOT DISTINCT FROM OLD.{col} THEN\n    NEW.{col} := {value};\n  END IF;"
            ),
            Fires {
                update_of: &of,
                when: None,
            },
        )
    };
    (name, made)
}

fn add_column(
    ctx: &Ctx,
    c: &Change,
    schema: &str,
    table: &str,
    column: &Column,
) -> Result<Vec<Step>> {
    let summary = format!("add column {schema}.{table}.{}", column.name);
    let volatile = column.default.as_deref().is_some_and(is_volatile);
    let needs_value = !column.nullable
        && (column.default.is_none() || volatile)
        && column.identity.is_none()
        && column.generated.is_none();
    if ctx.is_new(schema, table) || (!needs_value && !volatile) {
        let mut s = simple(ctx, c, Phase::Expand, INSTANT, summary);
        if column.generated.is_some() || column.identity.is_some() {
            s.lock = "ACCESS EXCLUSIVE for a table rewrite".into();
            s.hazards
                .push("generated / identity columns are filled by rewriting the table".into());
        }
        return Ok(vec![s]);
    }
    // Nullable first, filled for writers that do not know it, backfilled, then NOT NULL.
    let expr = ctx
        .hint(&ctx.hints.backfill, schema, table, &column.name)
        .cloned()
        .or_else(|| column.default.clone())
        .ok_or_else(|| Error::Refused(format!(
            "{schema}.{table}.{}: a new NOT NULL column without a default needs a value for existing rows; add `-- migrator:backfill <expression>` on the column's line in the declared schema (or give it a DEFAULT)",
            column.name
        )))?;
    let key = ctx.batch_key(schema, table)?;
    let t = qualified(schema, table);
    let col = ident(&column.name);
    let mut nullable = column.clone();
    nullable.nullable = true;
    nullable.default = None;
    let (trig, (trig_up, trig_down)) =
        fill_trigger(ctx, (schema, table, &column.name), &expr, true);
    let mut up = vec![SqlStatement::new(format!(
        "ALTER TABLE {t} ADD COLUMN {}",
        column_definition(&nullable)
    ))];
    up.extend(trig_up.clone());
    let mut down = trig_down.clone();
    down.push(SqlStatement::new(format!(
        "ALTER TABLE {t} DROP COLUMN {col}"
    )));
    let mut expand = ctx.step(
        Phase::Expand,
        format!("{summary} (nullable, filled by a trigger for writers that do not set it)"),
        INSTANT,
        up,
        down,
    );
    expand
        .hazards
        .push("the fill trigger adds work to every insert and update until contract".into());

    let update = format!("UPDATE {t} SET {col} = ({expr}) WHERE {col} IS NULL");
    let backfill = ctx.backfill_step(
        (schema, table, &key),
        ROWS,
        format!(
            "backfill {schema}.{table}.{} in batches of {}",
            column.name, ctx.opts.batch_size
        ),
        update,
    );

    let (nn_up, nn_down) = not_null_online(schema, table, &column.name);
    let mut up = nn_up;
    let mut down = Vec::new();
    if let Some(d) = &column.default {
        up.push(SqlStatement::new(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {d}"
        )));
        down.push(SqlStatement::new(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT"
        )));
    }
    up.extend(drop_trigger(schema, table, &trig));
    // Undo: the fill trigger back, then the default and NOT NULL off (execution order).
    let mut down_all = trig_up;
    down_all.append(&mut down);
    down_all.extend(nn_down);
    let down = down_all;
    let mut contract = ctx.step(Phase::Contract, format!("make {schema}.{table}.{} NOT NULL (check NOT VALID, validate, set, drop check) and drop the fill trigger", column.name), "ACCESS EXCLUSIVE instants; the validation scan takes SHARE UPDATE EXCLUSIVE", up, down);
    contract.ends_fill = true;
    contract
        .hazards
        .push("VALIDATE scans the table (writes continue)".into());
    Ok(vec![expand, backfill, contract])
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
    let type_change = from.data_type != to.data_type;
    if ctx.is_new(schema, table) {
        return Ok(vec![simple(ctx, c, Phase::Expand, INSTANT, summary)]);
    }
    let cheap_type = !type_change || free_type_change(&from.data_type.name, &to.data_type.name);
    if type_change && !cheap_type {
        return change_type(ctx, schema, table, from, to, using);
    }
    let mut steps = Vec::new();
    // Everything but nullability is instant (defaults, identity) or a cheap type change.
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
        let mut s = simple(ctx, &change, Phase::Expand, INSTANT, summary.clone());
        if from.collation != to.collation {
            s.hazards
                .push("a collation change rebuilds the column's indexes under the lock".into());
        }
        if type_change && !free_type_change(&to.data_type.name, &from.data_type.name) {
            // A widening's down narrows, and Postgres cannot narrow without rewriting the
            // table. A rollback is the emergency path: the down says so instead of `lint`
            // refusing the plan of a metadata-only up.
            for d in s.down.iter_mut().filter(|d| d.sql.contains(" TYPE ")) {
                d.sql = format!(
                    "-- migrator-lint: ignore rewriting-type-change -- rollback only: narrowing back rewrites the table\n{}",
                    d.sql
                );
            }
            s.hazards.push(format!(
                "rolling back narrows {} to {} again: that rewrites the table under an ACCESS EXCLUSIVE lock, and fails if wider values were written meanwhile",
                to.name, from.data_type.name
            ));
            // Nothing is lost: the narrowing fails on a value that does not fit (see the
            // renderer) instead of cutting it.
            s.irreversible = false;
        }
        steps.push(s);
    }
    if from.nullable && !to.nullable {
        let t = qualified(schema, table);
        let col = ident(&to.name);
        let hint = ctx
            .hint(&ctx.hints.backfill, schema, table, &to.name)
            .cloned();
        let mut contract_up = Vec::new();
        let mut contract_down = Vec::new();
        if let Some(expr) = &hint {
            let key = ctx.batch_key(schema, table)?;
            // The old application knows this column: its own values stay.
            let (_, (tu, td)) = fill_trigger(ctx, (schema, table, &to.name), expr, false);
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
            let update = format!("UPDATE {t} SET {col} = ({expr}) WHERE {col} IS NULL");
            steps.push(ctx.backfill_step(
                (schema, table, &key),
                ROWS,
                format!("backfill NULLs of {schema}.{table}.{}", to.name),
                update,
            ));
            contract_up.extend(td);
            contract_down.extend(tu);
        }
        let (nn_up, nn_down) = not_null_online(schema, table, &to.name);
        let mut up = nn_up;
        up.extend(contract_up);
        let mut down = contract_down;
        down.extend(nn_down);
        let mut s = ctx.step(
            Phase::Contract,
            format!(
                "make {schema}.{table}.{} NOT NULL without a long lock",
                to.name
            ),
            "ACCESS EXCLUSIVE instants; the validation scan takes SHARE UPDATE EXCLUSIVE",
            up,
            down,
        );
        s.ends_fill = true;
        s.hazards
            .push("fails if NULLs remain (add a `-- migrator:backfill` hint to fill them)".into());
        steps.push(s);
    } else if !from.nullable && to.nullable {
        let t = qualified(schema, table);
        let col = ident(&to.name);
        // The down makes the column NOT NULL again the online way (a bare SET NOT NULL scans
        // the table under ACCESS EXCLUSIVE, which `lint` refuses), each statement committed on
        // its own so the validation scan holds no ACCESS EXCLUSIVE lock.
        let (nn_up, _) = not_null_online(schema, table, &to.name);
        let down = nn_up
            .into_iter()
            .map(|s| SqlStatement::outside_transaction(s.sql))
            .collect();
        let mut s = ctx.step(
            Phase::Expand,
            format!("allow NULL in {schema}.{table}.{}", to.name),
            INSTANT,
            vec![SqlStatement::new(format!(
                "ALTER TABLE {t} ALTER COLUMN {col} DROP NOT NULL"
            ))],
            down,
        );
        s.hazards
            .push("rolling back fails if NULLs were written meanwhile (fill them first)".into());
        steps.push(s);
    }
    Ok(steps)
}

/// Rename through a shadow column (see [`shadow`]).
fn rename_column(ctx: &Ctx, schema: &str, table: &str, old: &str, new: &str) -> Result<Vec<Step>> {
    let rebuilt = rebuildable(ctx, schema, table, (old, new), "renaming", true)?;
    let (from, to) = renamed_columns(ctx, schema, table, old, new)?;
    let checks = check_copies(
        ctx,
        (schema, table),
        &rebuilt.checks,
        (old, new),
        (old, old),
    );
    let s = Shadow {
        schema,
        table,
        kind: Move::Rename,
        shadow: new.to_string(),
        aside: old.to_string(),
        forward: ident(old),
        back: ident(new),
        key: ctx.batch_key(schema, table)?,
        indexes: rebuilt.indexes,
        checks,
        in_place: false,
        from,
        to,
    };
    Ok(shadow::recipe(ctx, &PgShadow, &s))
}

/// Type change through a shadow column converted by a trigger (see [`shadow`]).
fn change_type(
    ctx: &Ctx,
    schema: &str,
    table: &str,
    from: &Column,
    to: &Column,
    using: &Option<String>,
) -> Result<Vec<Step>> {
    let rebuilt = rebuildable(
        ctx,
        schema,
        table,
        (&to.name, &to.name),
        "changing the type",
        true,
    )?;
    let c = ident(&to.name);
    let (shadow, aside) = (
        format!("{}__migrator_new", to.name),
        format!("{}__migrator_old", to.name),
    );
    let checks = check_copies(
        ctx,
        (schema, table),
        &rebuilt.checks,
        (&to.name, &shadow),
        (&to.name, &aside),
    );
    let s = Shadow {
        schema,
        table,
        kind: Move::Retype,
        shadow,
        aside,
        forward: using
            .clone()
            .unwrap_or_else(|| format!("{c}::{}", to.data_type.name)),
        back: format!("{c}::{}", from.data_type.name),
        key: ctx.batch_key(schema, table)?,
        indexes: rebuilt.indexes,
        checks,
        in_place: false,
        from: from.clone(),
        to: to.clone(),
    };
    Ok(shadow::recipe(ctx, &PgShadow, &s))
}

/// The checks of a shadow-column move, copied onto the column that takes over: `forward`
/// (the declared check's column, the shadow) in contract, `back` (the column before the
/// plan, the old column as the rollback brings it back) in the rollback. Each copy is added
/// `NOT VALID` under migrator's name (instant) and validated on its own (a scan under SHARE
/// UPDATE EXCLUSIVE: writes go on); the swap drops the original and renames the copy.
fn check_copies(
    ctx: &Ctx,
    (schema, table): (&str, &str),
    checks: &[(crate::schema::Check, crate::schema::Check)],
    forward: (&str, &str),
    back: (&str, &str),
) -> Vec<shadow::CheckCopy> {
    use crate::diff::table::rename_column_in_expr;
    let t = qualified(schema, table);
    let copy = |check: &crate::schema::Check, kind: &str, (from, to): (&str, &str)| {
        let name = own_name(kind, table, &check.name);
        let mut build = ctx.sql(&Change::AddCheck {
            schema: schema.into(),
            table: table.into(),
            check: crate::schema::Check {
                name: name.clone(),
                expr: rename_column_in_expr(&check.expr, from, to),
                validated: false,
                comment: None,
                ..check.clone()
            },
        });
        if check.validated {
            build.push(validate_constraint(&t, &name));
        }
        let mut take_name = vec![
            drop_constraint(&t, &check.name),
            rename_constraint(&t, &name, &check.name),
        ];
        if check.comment.is_some() {
            take_name.extend(ctx.sql(&Change::Comment {
                target: CommentTarget::Constraint {
                    schema: schema.into(),
                    table: table.into(),
                    constraint: check.name.clone(),
                },
                comment: check.comment.clone(),
            }));
        }
        (build, take_name)
    };
    checks
        .iter()
        .map(|(before, check)| {
            let (build, take_name) = copy(check, "new", forward);
            let (build_back, take_name_back) = copy(before, "old", back);
            shadow::CheckCopy {
                build,
                take_name,
                build_back,
                take_name_back,
            }
        })
        .collect()
}

/// The Postgres pieces of the shadow-column recipe: one PL/pgSQL trigger, `NOT NULL` through a
/// validated check, batches in a `DO` block that commits, the swap in one `DO` block.
struct PgShadow;

impl ShadowSql<PostgresRenderer> for PgShadow {
    fn plural_triggers(&self) -> bool {
        false
    }

    fn add_column(
        &self,
        _: &Ctx,
        s: &Shadow,
        column: &Column,
        _after: Option<&str>,
    ) -> Vec<SqlStatement> {
        // Postgres cannot place a column; its position is not part of the schema here. A
        // comment is not part of a column's definition: it follows, so the column keeps it.
        let t = qualified(s.schema, s.table);
        let mut stmts = vec![SqlStatement::new(format!(
            "ALTER TABLE {t} ADD COLUMN {}",
            column_definition(column)
        ))];
        if let Some(text) = &column.comment {
            stmts.push(SqlStatement::new(format!(
                "COMMENT ON COLUMN {t}.{} IS {}",
                ident(&column.name),
                literal(text)
            )));
        }
        stmts
    }

    fn drop_column(&self, _: &Ctx, s: &Shadow, name: &str) -> Vec<SqlStatement> {
        vec![SqlStatement::new(format!(
            "ALTER TABLE {} DROP COLUMN {}",
            qualified(s.schema, s.table),
            ident(name)
        ))]
    }

    fn triggers(&self, _: &Ctx, s: &Shadow, sync: Sync) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
        match sync {
            Sync::Both { old, new } => {
                let (o, n) = (ident(old), ident(new));
                let body = format!(
                    "  IF TG_OP = 'INSERT' THEN\n    IF NEW.{n} IS NULL THEN NEW.{n} := NEW.{o}; ELSE NEW.{o} := NEW.{n}; END IF;\n  ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN\n    NEW.{o} := NEW.{n};\n  ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN\n    NEW.{n} := NEW.{o};\n  END IF;"
                );
                // Nothing to sync while the two agree: that skips the batched copy's own rows
                // and every write that touches neither column.
                trigger(
                    s.schema,
                    s.table,
                    &trigger_name("sync", s.table, new),
                    &body,
                    Fires {
                        update_of: &[old, new],
                        when: Some(format!("NEW.{n} IS DISTINCT FROM NEW.{o}")),
                    },
                )
            }
            Sync::Convert {
                kind,
                source,
                target,
                expr,
            } => {
                let (c, t) = (ident(source), ident(target));
                let body = format!(
                    "  IF TG_OP = 'INSERT' OR NEW.{c} IS DISTINCT FROM OLD.{c} THEN\n    NEW.{t} := {};\n  END IF;",
                    over_new(expr, s.table)
                );
                // Only writes that set the source column have anything to convert (not the
                // batched copy).
                trigger(
                    s.schema,
                    s.table,
                    &trigger_name(kind, s.table, s.final_name()),
                    &body,
                    Fires::update_of(&[source]),
                )
            }
        }
    }

    fn distinct(&self, a: &str, b: &str) -> String {
        format!("{a} IS DISTINCT FROM {b}")
    }

    fn backfill(&self, ctx: &Ctx, s: &Shadow, summary: String, update: String) -> Step {
        ctx.backfill_step((s.schema, s.table, &s.key), ROWS, summary, update)
    }

    fn copy_all(
        &self,
        ctx: &Ctx,
        s: &Shadow,
        _column: &str,
        set: &str,
        filter: &str,
    ) -> Vec<SqlStatement> {
        vec![batched_update(
            s.schema,
            s.table,
            &s.key,
            set,
            filter,
            ctx.opts.batch_size.max(1),
        )]
    }

    fn finish(
        &self,
        _: &Ctx,
        s: &Shadow,
        loose: &Column,
        done: &Column,
    ) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
        let t = qualified(s.schema, s.table);
        let c = ident(&done.name);
        let (mut up, mut down) = (Vec::new(), Vec::new());
        if loose.nullable && !done.nullable {
            let (nn_up, nn_down) = not_null_online(s.schema, s.table, &done.name);
            up.extend(nn_up);
            down.extend(nn_down);
        }
        if loose.default != done.default {
            if let Some(d) = &done.default {
                up.push(SqlStatement::new(format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d}"
                )));
                down.push(SqlStatement::new(format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"
                )));
            }
        }
        (up, down)
    }

    fn index_takes_name(&self, s: &Shadow, name: &str, kind: &str) -> Vec<SqlStatement> {
        vec![
            SqlStatement::new(format!("DROP INDEX {}", qualified(s.schema, name))),
            SqlStatement::new(copy_takes_name(s.schema, s.table, name, kind)),
        ]
    }

    fn swap_names(
        &self,
        _ctx: &Ctx,
        s: &Shadow,
        column: &str,
        aside: &str,
        incoming: &str,
    ) -> Vec<SqlStatement> {
        let t = qualified(s.schema, s.table);
        let rename = |from: &str, to: &str| {
            SqlStatement::new(format!(
                "ALTER TABLE {t} RENAME COLUMN {} TO {}",
                ident(from),
                ident(to)
            ))
        };
        if aside == incoming {
            // Two columns trade names: through a third, inside the swap's one transaction.
            let third = format!("{column}__migrator_swap");
            return vec![
                rename(column, &third),
                rename(incoming, column),
                rename(&third, incoming),
            ];
        }
        vec![rename(column, aside), rename(incoming, column)]
    }

    fn drop_in_swap(&self, ctx: &Ctx, s: &Shadow, name: &str) -> Vec<SqlStatement> {
        self.drop_column(ctx, s, name)
    }

    fn rename_over(&self, ctx: &Ctx, s: &Shadow, dropped: &str, from: &str) -> Vec<SqlStatement> {
        let mut out = self.drop_column(ctx, s, dropped);
        out.push(SqlStatement::new(format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            qualified(s.schema, s.table),
            ident(from),
            ident(dropped)
        )));
        out
    }

    fn order_swap(&self, swap: Swap) -> Vec<SqlStatement> {
        // One transaction: the trigger (its `UPDATE OF` depends on the old column) goes first.
        [swap.triggers, swap.indexes, swap.columns, swap.drop].concat()
    }

    fn atomic(
        &self,
        _: &Ctx,
        _: &Shadow,
        stmts: Vec<SqlStatement>,
        _triggers_change: bool,
    ) -> (Vec<SqlStatement>, String) {
        // One DO block: one statement, one transaction, its locks taken and released together.
        // A trigger function's body is dollar-quoted like the block, so it is created first.
        let (functions, rest): (Vec<_>, Vec<_>) = stmts
            .into_iter()
            .partition(|s| s.sql.starts_with("CREATE FUNCTION"));
        let mut out = functions;
        let mut block = String::from("DO $migrator$ BEGIN\n");
        for s in &rest {
            block.push_str(&format!("  {};\n", s.sql));
        }
        block.push_str("END $migrator$");
        out.push(SqlStatement::new(block));
        (
            out,
            "ACCESS EXCLUSIVE for one instant block (triggers, index and column names swapped, old column dropped); indexes are built CONCURRENTLY and NOT NULL validated before it, writes continue".into(),
        )
    }

    fn expand_lock(&self, _: &[SqlStatement]) -> String {
        INSTANT.into()
    }

    fn finish_hazards(&self, _: &Shadow, _: &[SqlStatement]) -> Vec<String> {
        Vec::new()
    }
}

/// Rename a table, leaving an updatable view under the old name for the old application version.
fn rename_table(ctx: &Ctx, schema: &str, old: &str, new: &str) -> Result<Vec<Step>> {
    let (o, n) = (qualified(schema, old), qualified(schema, new));
    let expand = ctx.step(
        Phase::Expand,
        format!(
            "rename table {schema}.{old} to {new}; a view named {old} keeps the old name working"
        ),
        INSTANT,
        vec![
            SqlStatement::new(format!("ALTER TABLE {o} RENAME TO {}", ident(new))),
            compatibility_view(ctx, schema, old, new),
        ],
        vec![
            SqlStatement::new(format!("DROP VIEW IF EXISTS {o}")),
            SqlStatement::new(format!(
                "{ROLLBACK_RENAME}\nALTER TABLE {n} RENAME TO {}",
                ident(old)
            )),
        ],
    );
    let mut contract = ctx.step(
        Phase::Contract,
        format!("drop the compatibility view {schema}.{old}"),
        "ACCESS EXCLUSIVE on the view, instant",
        vec![SqlStatement::new(format!("DROP VIEW {o}"))],
        vec![compatibility_view(ctx, schema, old, new)],
    );
    contract.hazards.push(format!(
        "the old application version (using {old}) must be gone"
    ));
    let _ = ctx.opts;
    Ok(vec![expand, contract])
}
