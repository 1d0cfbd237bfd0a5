//! Postgres recipes: how each change is made without blocking traffic or breaking the running
//! application version (lock facts: `shared/ONLINE_DDL.md`).

use super::{Backfill, PlanOptions, Step};
use crate::diff::{types, Change, CommentTarget};
use crate::migrations::Phase;
use crate::render::postgres::{column_definition, ident, qualified, PostgresRenderer};
use crate::render::{Renderer, SqlStatement};
use crate::schema::{Column, Database, Table};
use crate::source::Hints;
use crate::{Error, Result};
use std::collections::BTreeSet;

const INSTANT: &str = "ACCESS EXCLUSIVE, instant (metadata only)";
const NONE: &str = "none on existing tables";

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

struct Ctx<'a> {
    from: &'a Database,
    to: &'a Database,
    hints: &'a Hints,
    opts: PlanOptions,
    r: PostgresRenderer,
    /// Tables created by this plan (no traffic yet: no online recipes needed).
    new_tables: BTreeSet<(String, String)>,
    /// (schema, table, column) handled by a shadow-column recipe.
    consumed: BTreeSet<(String, String, String)>,
    /// Constraint / index names dropped by this plan: re-adding the same name must wait for the
    /// drop, in contract.
    dropped_names: BTreeSet<(String, String)>,
}

impl Ctx<'_> {
    fn sql(&self, c: &Change) -> Vec<SqlStatement> {
        self.r.render(c)
    }

    fn is_new(&self, schema: &str, table: &str) -> bool {
        self.new_tables
            .contains(&(schema.to_string(), table.to_string()))
    }

    fn hint<'h>(
        &self,
        map: &'h std::collections::BTreeMap<(crate::source::hints::TableKey, String), String>,
        schema: &str,
        table: &str,
        column: &str,
    ) -> Option<&'h String> {
        map.get(&((schema.to_string(), table.to_string()), column.to_string()))
            .or_else(|| map.get(&((String::new(), table.to_string()), column.to_string())))
    }

    /// The single-column key batched updates walk, or a clear refusal.
    fn batch_key(&self, schema: &str, table: &str) -> Result<String> {
        let t = self
            .to
            .table(schema, table)
            .or_else(|| self.from.table(schema, table));
        match t.and_then(|t| t.primary_key.as_ref()) {
            Some(pk) if pk.columns.len() == 1 => Ok(pk.columns[0].clone()),
            _ => Err(Error::Refused(format!(
                "{schema}.{table}: a backfill walks the table in primary-key ranges and needs a single-column primary key; add one first (in an earlier release), or write this migration by hand"
            ))),
        }
    }

    fn step(
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
        }
    }
}

/// Short, stable object names for migrator's triggers and check constraints (≤ 63 bytes).
fn own_name(kind: &str, table: &str, column: &str) -> String {
    let name = format!("migrator_{kind}_{table}_{column}");
    if name.len() <= 63 {
        return name;
    }
    let digest = crate::migrations::Checksum::of(name.as_bytes()).to_string();
    format!("migrator_{kind}_{}", &digest["sha256:".len()..][..40])
}

/// A trigger (and its function) named `name` on `schema.table` running `body` (PL/pgSQL
/// statements) before every insert and update.
fn trigger(
    schema: &str,
    table: &str,
    name: &str,
    body: &str,
) -> (Vec<SqlStatement>, Vec<SqlStatement>) {
    let f = qualified(schema, name);
    let up = vec![
        SqlStatement::new(format!(
            "CREATE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS $migrator$\nBEGIN\n{body}\n  RETURN NEW;\nEND\n$migrator$"
        )),
        SqlStatement::new(format!(
            "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {f}()",
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

pub fn plan(
    changes: &[Change],
    from: &Database,
    to: &Database,
    hints: &Hints,
    opts: PlanOptions,
) -> Result<Vec<Step>> {
    let mut ctx = Ctx {
        from,
        to,
        hints,
        opts,
        r: PostgresRenderer,
        new_tables: BTreeSet::new(),
        consumed: BTreeSet::new(),
        dropped_names: BTreeSet::new(),
    };
    for c in changes {
        match c {
            Change::CreateTable { schema, table } => {
                ctx.new_tables.insert((schema.clone(), table.name.clone()));
            }
            Change::DropConstraint { table, name, .. } => {
                ctx.dropped_names.insert((table.clone(), name.clone()));
            }
            Change::DropIndex { schema, name, .. } => {
                ctx.dropped_names.insert((schema.clone(), name.clone()));
            }
            _ => {}
        }
    }
    // Shadow-column recipes claim their columns first, so the plain column changes skip them.
    for c in changes {
        if let Change::RenameColumn {
            schema,
            table,
            to: col,
            ..
        } = c
        {
            ctx.consumed
                .insert((schema.clone(), table.clone(), col.clone()));
        }
    }
    let mut steps = Vec::new();
    for c in changes {
        steps.extend(recipe(&ctx, c, changes)?);
    }
    // Phases in order; within a phase, the diff's dependency order is kept (stable sort).
    steps.sort_by_key(|s| s.phase);
    Ok(steps)
}

fn inverse_comment(ctx: &Ctx, target: &CommentTarget) -> Option<String> {
    let f = ctx.from;
    match target {
        CommentTarget::Schema { schema } => f.schema(schema).and_then(|s| s.comment.clone()),
        CommentTarget::Table { schema, table } => {
            f.table(schema, table).and_then(|t| t.comment.clone())
        }
        CommentTarget::Column {
            schema,
            table,
            column,
        } => f
            .table(schema, table)
            .and_then(|t| t.column(column))
            .and_then(|c| c.comment.clone()),
        CommentTarget::Index { schema, index } => f.schema(schema).and_then(|s| {
            s.tables
                .iter()
                .flat_map(|t| &t.indexes)
                .chain(s.views.iter().flat_map(|v| &v.indexes))
                .find(|i| &i.name == index)
                .and_then(|i| i.comment.clone())
        }),
        CommentTarget::View { schema, view, .. } => f
            .schema(schema)
            .and_then(|s| s.view(view))
            .and_then(|v| v.comment.clone()),
        CommentTarget::Constraint {
            schema,
            table,
            constraint,
        } => f.table(schema, table).and_then(|t| {
            t.primary_key
                .iter()
                .filter(|k| &k.name == constraint)
                .map(|k| k.comment.clone())
                .chain(
                    t.uniques
                        .iter()
                        .filter(|u| &u.name == constraint)
                        .map(|u| u.comment.clone()),
                )
                .chain(
                    t.checks
                        .iter()
                        .filter(|u| &u.name == constraint)
                        .map(|u| u.comment.clone()),
                )
                .chain(
                    t.foreign_keys
                        .iter()
                        .filter(|u| &u.name == constraint)
                        .map(|u| u.comment.clone()),
                )
                .next()
                .flatten()
        }),
        CommentTarget::Enum { schema, name } => f
            .schema(schema)
            .and_then(|s| s.enum_type(name))
            .and_then(|e| e.comment.clone()),
        CommentTarget::Sequence { schema, name } => f
            .schema(schema)
            .and_then(|s| s.sequence(name))
            .and_then(|q| q.comment.clone()),
        CommentTarget::Extension { .. } => None,
    }
}

/// The change that undoes `c` (for down files), and whether data is lost on the way.
fn inverse(ctx: &Ctx, c: &Change) -> (Vec<Change>, bool) {
    use Change::*;
    let from_table =
        |schema: &str, table: &str| -> Option<&Table> { ctx.from.table(schema, table) };
    match c {
        CreateSchema { schema } => (
            vec![DropSchema {
                schema: schema.clone(),
            }],
            false,
        ),
        CreateExtension { extension, .. } => (
            vec![DropExtension {
                name: extension.name.clone(),
            }],
            false,
        ),
        CreateEnum { schema, value } => (
            vec![DropEnum {
                schema: schema.clone(),
                name: value.name.clone(),
            }],
            false,
        ),
        CreateSequence { schema, sequence } => (
            vec![DropSequence {
                schema: schema.clone(),
                name: sequence.name.clone(),
            }],
            false,
        ),
        CreateTable { schema, table } => (
            vec![DropTable {
                schema: schema.clone(),
                name: table.name.clone(),
            }],
            false,
        ),
        CreateView { schema, view } => (
            vec![DropView {
                schema: schema.clone(),
                name: view.name.clone(),
                materialized: view.materialized,
            }],
            false,
        ),
        AddColumn {
            schema,
            table,
            column,
        } => (
            vec![DropColumn {
                schema: schema.clone(),
                table: table.clone(),
                column: column.name.clone(),
            }],
            false,
        ),
        AddPrimaryKey { schema, table, key } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: key.name.clone(),
            }],
            false,
        ),
        AddUnique {
            schema,
            table,
            unique,
        } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: unique.name.clone(),
            }],
            false,
        ),
        AddCheck {
            schema,
            table,
            check,
        } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: check.name.clone(),
            }],
            false,
        ),
        AddExclusion {
            schema,
            table,
            exclusion,
        } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: exclusion.name.clone(),
            }],
            false,
        ),
        AddForeignKey { schema, table, key } => (
            vec![DropConstraint {
                schema: schema.clone(),
                table: table.clone(),
                name: key.name.clone(),
            }],
            false,
        ),
        CreateIndex {
            schema,
            table,
            index,
            online,
        } => (
            vec![DropIndex {
                schema: schema.clone(),
                table: table.clone(),
                name: index.name.clone(),
                online: *online,
            }],
            false,
        ),
        RenameTable { schema, from, to } => (
            vec![RenameTable {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        RenameColumn {
            schema,
            table,
            from,
            to,
        } => (
            vec![RenameColumn {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        RenameConstraint {
            schema,
            table,
            from,
            to,
        } => (
            vec![RenameConstraint {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }],
            false,
        ),
        RenameIndex {
            schema,
            table,
            from,
            to,
        } => (
            vec![RenameIndex {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
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
        AlterColumn {
            schema,
            table,
            from,
            to,
            ..
        } => (
            vec![AlterColumn {
                schema: schema.clone(),
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
                using: None,
            }],
            !types::lossless(&to.data_type.name, &from.data_type.name),
        ),
        AlterTableOptions {
            schema,
            table,
            from,
            to,
        } => (
            vec![AlterTableOptions {
                schema: schema.clone(),
                table: table.clone(),
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
        UpdateExtension { name, .. } => {
            let old = ctx
                .from
                .schemas
                .iter()
                .flat_map(|s| &s.extensions)
                .find(|e| &e.name == name);
            (
                old.map(|e| UpdateExtension {
                    name: name.clone(),
                    version: e.version.clone(),
                })
                .into_iter()
                .collect(),
                false,
            )
        }
        SetSequenceOwner { schema, name, .. } => {
            let owner = ctx
                .from
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
        AddEnumValue { schema, name, .. } => match (
            ctx.from.schema(schema).and_then(|s| s.enum_type(name)),
            ctx.to.schema(schema).and_then(|s| s.enum_type(name)),
        ) {
            // Postgres cannot remove an enum value: rebuild the type without it.
            (Some(old), Some(new)) => (
                vec![RecreateEnum {
                    schema: schema.clone(),
                    from: new.clone(),
                    to: old.clone(),
                    columns: enum_columns(ctx.to, schema, name),
                }],
                false,
            ),
            _ => (vec![], false),
        },
        RecreateEnum {
            schema,
            from,
            to,
            columns,
        } => (
            vec![RecreateEnum {
                schema: schema.clone(),
                from: to.clone(),
                to: from.clone(),
                columns: columns.clone(),
            }],
            false,
        ),
        ValidateConstraint { .. } => (vec![], false),
        Comment { target, .. } => (
            vec![Comment {
                target: target.clone(),
                comment: inverse_comment(ctx, target),
            }],
            false,
        ),
        DropSchema { schema } => (
            vec![CreateSchema {
                schema: schema.clone(),
            }],
            false,
        ),
        DropExtension { name } => {
            let e = ctx
                .from
                .schemas
                .iter()
                .find_map(|s| s.extension(name).map(|e| (s.name.clone(), e.clone())));
            (
                e.map(|(schema, extension)| CreateExtension { schema, extension })
                    .into_iter()
                    .collect(),
                false,
            )
        }
        DropEnum { schema, name } => (
            ctx.from
                .schema(schema)
                .and_then(|s| s.enum_type(name))
                .map(|e| CreateEnum {
                    schema: schema.clone(),
                    value: e.clone(),
                })
                .into_iter()
                .collect(),
            false,
        ),
        DropSequence { schema, name } => (
            ctx.from
                .schema(schema)
                .and_then(|s| s.sequence(name))
                .map(|q| CreateSequence {
                    schema: schema.clone(),
                    sequence: q.clone(),
                })
                .into_iter()
                .collect(),
            true,
        ),
        DropTable { schema, name } => (
            from_table(schema, name)
                .map(|t| {
                    let mut t = t.clone();
                    t.foreign_keys.clear();
                    t.indexes.clear();
                    CreateTable {
                        schema: schema.clone(),
                        table: t,
                    }
                })
                .into_iter()
                .collect(),
            true,
        ),
        DropColumn {
            schema,
            table,
            column,
        } => {
            let col = from_table(schema, table)
                .and_then(|t| t.column(column))
                .cloned()
                .map(|mut c| {
                    // Re-added empty: it can only be NOT NULL once refilled.
                    c.nullable = true;
                    c
                });
            (
                col.map(|column| AddColumn {
                    schema: schema.clone(),
                    table: table.clone(),
                    column,
                })
                .into_iter()
                .collect(),
                true,
            )
        }
        DropConstraint {
            schema,
            table,
            name,
        } => {
            let t = from_table(schema, table);
            let back = t.and_then(|t| {
                if let Some(k) = t.primary_key.as_ref().filter(|k| &k.name == name) {
                    return Some(AddPrimaryKey {
                        schema: schema.clone(),
                        table: table.clone(),
                        key: k.clone(),
                    });
                }
                if let Some(u) = t.uniques.iter().find(|u| &u.name == name) {
                    return Some(AddUnique {
                        schema: schema.clone(),
                        table: table.clone(),
                        unique: u.clone(),
                    });
                }
                if let Some(c) = t.checks.iter().find(|u| &u.name == name) {
                    let mut c = c.clone();
                    c.validated = false;
                    return Some(AddCheck {
                        schema: schema.clone(),
                        table: table.clone(),
                        check: c,
                    });
                }
                if let Some(f) = t.foreign_keys.iter().find(|u| &u.name == name) {
                    let mut f = f.clone();
                    f.validated = false;
                    return Some(AddForeignKey {
                        schema: schema.clone(),
                        table: table.clone(),
                        key: f,
                    });
                }
                t.exclusions
                    .iter()
                    .find(|u| &u.name == name)
                    .map(|x| AddExclusion {
                        schema: schema.clone(),
                        table: table.clone(),
                        exclusion: x.clone(),
                    })
            });
            (back.into_iter().collect(), false)
        }
        DropIndex {
            schema,
            name,
            online,
            ..
        } => {
            let idx = ctx.from.schema(schema).and_then(|s| {
                s.tables
                    .iter()
                    .find_map(|t| t.index(name).map(|i| (t.name.clone(), i.clone())))
            });
            (
                idx.map(|(table, index)| CreateIndex {
                    schema: schema.clone(),
                    table,
                    index,
                    online: *online,
                })
                .into_iter()
                .collect(),
                false,
            )
        }
        DropView { schema, name, .. } => (
            ctx.from
                .schema(schema)
                .and_then(|s| s.view(name))
                .map(|v| {
                    let mut v = v.clone();
                    v.indexes.clear();
                    CreateView {
                        schema: schema.clone(),
                        view: v,
                    }
                })
                .into_iter()
                .collect(),
            false,
        ),
    }
}

fn enum_columns(db: &Database, schema: &str, name: &str) -> Vec<crate::diff::EnumColumn> {
    let mut out = Vec::new();
    if let Some(s) = db.schema(schema) {
        for t in &s.tables {
            for c in &t.columns {
                if c.data_type
                    .user_type
                    .as_ref()
                    .is_some_and(|u| u.schema == schema && u.name == name)
                {
                    out.push(crate::diff::EnumColumn {
                        schema: schema.into(),
                        table: t.name.clone(),
                        column: c.name.clone(),
                        default: c.default.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Plain step: the change as the diff renders it, in `phase`.
fn simple(ctx: &Ctx, c: &Change, phase: Phase, lock: &str, summary: String) -> Step {
    let (inv, lossy) = inverse(ctx, c);
    let mut down: Vec<SqlStatement> = inv.iter().flat_map(|i| ctx.sql(i)).collect();
    if matches!(c, Change::DropIndex { online: true, .. }) {
        // The index is rebuilt online on rollback.
        down.iter_mut().for_each(|s| s.transactional = false);
    }
    let mut step = ctx.step(phase, summary, lock, ctx.sql(c), down);
    step.irreversible = lossy;
    step
}

fn recipe(ctx: &Ctx, c: &Change, all: &[Change]) -> Result<Vec<Step>> {
    use Change::*;
    use Phase::*;
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
            let later = ctx
                .dropped_names
                .contains(&(schema.clone(), index.name.clone()));
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
                .contains(&(schema.clone(), table.clone(), column.clone()))
            {
                return Ok(vec![]);
            }
            destructive(
                ctx,
                c,
                format!("drop column {schema}.{table}.{column}"),
                INSTANT,
                "data loss: the column's values",
            )
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
        DropExtension { name } => step(Contract, INSTANT, format!("drop extension {name}")),
        DropConstraint {
            schema,
            table,
            name,
        } => step(
            Contract,
            INSTANT,
            format!("drop constraint {name} on {schema}.{table}"),
        ),
        DropIndex { schema, name, .. } => step(
            Contract,
            "SHARE UPDATE EXCLUSIVE (CONCURRENTLY)",
            format!("drop index {schema}.{name}"),
        ),
    }
}

fn describe_target(t: &CommentTarget) -> String {
    match t {
        CommentTarget::Schema { schema } => format!("schema {schema}"),
        CommentTarget::Table { schema, table } => format!("table {schema}.{table}"),
        CommentTarget::Column {
            schema,
            table,
            column,
        } => format!("column {schema}.{table}.{column}"),
        CommentTarget::Index { schema, index } => format!("index {schema}.{index}"),
        CommentTarget::View { schema, view, .. } => format!("view {schema}.{view}"),
        CommentTarget::Constraint {
            table, constraint, ..
        } => format!("constraint {constraint} on {table}"),
        CommentTarget::Enum { schema, name } => format!("type {schema}.{name}"),
        CommentTarget::Sequence { schema, name } => format!("sequence {schema}.{name}"),
        CommentTarget::Extension { name } => format!("extension {name}"),
    }
}

fn destructive(
    ctx: &Ctx,
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
    let later = ctx
        .dropped_names
        .contains(&(table.to_string(), name.to_string()));
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

/// UNIQUE / PRIMARY KEY on an existing table: build the unique index concurrently, then attach
/// it (`USING INDEX`, instant).
fn constraint_using_index(
    ctx: &Ctx,
    c: &Change,
    schema: &str,
    table: &str,
    name: &str,
    columns: &[String],
    primary: bool,
) -> Result<Vec<Step>> {
    let cols = columns
        .iter()
        .map(|c| ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let t = qualified(schema, table);
    let index = ident(name);
    let build = ctx.step(
        Phase::Expand,
        format!("build unique index {name} on {schema}.{table} concurrently"),
        "SHARE UPDATE EXCLUSIVE (CONCURRENTLY: reads and writes continue)",
        vec![SqlStatement::outside_transaction(format!(
            "CREATE UNIQUE INDEX CONCURRENTLY {index} ON {t} ({cols})"
        ))],
        vec![SqlStatement::outside_transaction(format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            qualified(schema, name)
        ))],
    );
    let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
    let mut attach = ctx.step(
        Phase::Expand,
        format!("attach it as {} {name}", kind.to_lowercase()),
        INSTANT,
        vec![SqlStatement::new(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {index} {kind} USING INDEX {index}"
        ))],
        vec![SqlStatement::new(format!(
            "ALTER TABLE {t} DROP CONSTRAINT {index}"
        ))],
    );
    if primary {
        attach.hazards.push("ADD PRIMARY KEY sets NOT NULL on its columns: a scan under the lock unless they are NOT NULL already".into());
    }
    let _ = c;
    Ok(vec![build, attach])
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
    let trig = own_name("fill", table, &column.name);
    let (trig_up, trig_down) = trigger(
        schema,
        table,
        &trig,
        &format!(
            "  IF NEW.{col} IS NULL THEN\n    NEW.{col} := {};\n  END IF;",
            over_new(&expr, table)
        ),
    );
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
    let mut backfill = ctx.step(
        Phase::Backfill,
        format!(
            "backfill {schema}.{table}.{} in batches of {}",
            column.name, ctx.opts.batch_size
        ),
        "ROW EXCLUSIVE, one short transaction per batch",
        vec![SqlStatement::new(update.clone())],
        vec![],
    );
    backfill.backfill = Some(Backfill {
        table: format!("{schema}.{table}"),
        key,
        update,
    });

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
        .contains(&(schema.to_string(), table.to_string(), to.name.clone()))
    {
        return Ok(vec![]);
    }
    let summary = format!("alter column {schema}.{table}.{}", to.name);
    let type_change = from.data_type != to.data_type;
    if ctx.is_new(schema, table) {
        return Ok(vec![simple(ctx, c, Phase::Expand, INSTANT, summary)]);
    }
    let cheap_type = !type_change || cheap_type_change(&from.data_type.name, &to.data_type.name);
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
            let trig = own_name("fill", table, &to.name);
            let (tu, td) = trigger(
                schema,
                table,
                &trig,
                &format!(
                    "  IF NEW.{col} IS NULL THEN\n    NEW.{col} := {};\n  END IF;",
                    over_new(expr, table)
                ),
            );
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
            let mut b = ctx.step(
                Phase::Backfill,
                format!("backfill NULLs of {schema}.{table}.{}", to.name),
                "ROW EXCLUSIVE, one short transaction per batch",
                vec![SqlStatement::new(update.clone())],
                vec![],
            );
            b.backfill = Some(Backfill {
                table: format!("{schema}.{table}"),
                key,
                update,
            });
            steps.push(b);
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
        s.hazards
            .push("fails if NULLs remain (add a `-- migrator:backfill` hint to fill them)".into());
        steps.push(s);
    } else if !from.nullable && to.nullable {
        let t = qualified(schema, table);
        let col = ident(&to.name);
        steps.push(ctx.step(
            Phase::Expand,
            format!("allow NULL in {schema}.{table}.{}", to.name),
            INSTANT,
            vec![SqlStatement::new(format!(
                "ALTER TABLE {t} ALTER COLUMN {col} DROP NOT NULL"
            ))],
            vec![SqlStatement::new(format!(
                "ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"
            ))],
        ));
    }
    Ok(steps)
}

/// Type changes Postgres makes without rewriting the table or rescanning it.
fn cheap_type_change(from: &str, to: &str) -> bool {
    let base = |t: &str| t.split('(').next().unwrap_or(t).trim().to_string();
    match (base(from).as_str(), base(to).as_str()) {
        ("character varying", "character varying") | ("character varying", "text") => {
            types::lossless(from, to)
        }
        ("numeric", "numeric") => {
            to == "numeric"
                || types::lossless(from, to)
                    && base(from) == "numeric"
                    && from.split(',').nth(1) == to.split(',').nth(1)
        }
        _ => false,
    }
}

/// Refuses a shadow-column recipe for a column other objects depend on (not supported yet).
fn require_plain_column(
    ctx: &Ctx,
    schema: &str,
    table: &str,
    column: &str,
    what: &str,
) -> Result<()> {
    let Some(t) = ctx.from.table(schema, table) else {
        return Ok(());
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
    for f in &t.foreign_keys {
        if f.columns.iter().any(|c| c == column) {
            users.push(format!("foreign key {}", f.name));
        }
    }
    if let Some(s) = ctx.from.schema(schema) {
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
    if users.is_empty() {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "{schema}.{table}.{column}: {what} through a shadow column is not supported yet for a column used by {}; change those objects in a separate release, or write this migration by hand",
            users.join(", ")
        )))
    }
}

/// Rename via a shadow column: add the new column, keep both in sync with a trigger, copy in
/// batches; contract drops the trigger and the old column.
fn rename_column(ctx: &Ctx, schema: &str, table: &str, old: &str, new: &str) -> Result<Vec<Step>> {
    require_plain_column(ctx, schema, table, old, "renaming")?;
    let from_col = ctx
        .from
        .table(schema, table)
        .and_then(|t| t.column(old))
        .cloned()
        .ok_or_else(|| Error::Refused(format!("{schema}.{table}.{old} not found")))?;
    let to_col = ctx
        .to
        .table(schema, table)
        .and_then(|t| t.column(new))
        .cloned()
        .ok_or_else(|| Error::Refused(format!("{schema}.{table}.{new} not found")))?;
    if from_col.data_type != to_col.data_type {
        return Err(Error::Refused(format!("{schema}.{table}: renaming {old} to {new} and changing its type at once is not supported yet; do the rename in one release and the type change in the next")));
    }
    let key = ctx.batch_key(schema, table)?;
    let t = qualified(schema, table);
    let (o, n) = (ident(old), ident(new));
    let mut shadow = to_col.clone();
    shadow.nullable = true;
    shadow.default = None;
    let trig = own_name("sync", table, new);
    let body = format!(
        "  IF TG_OP = 'INSERT' THEN\n    IF NEW.{n} IS NULL THEN NEW.{n} := NEW.{o}; ELSE NEW.{o} := NEW.{n}; END IF;\n  ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN\n    NEW.{o} := NEW.{n};\n  ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN\n    NEW.{n} := NEW.{o};\n  END IF;"
    );
    let (tu, td) = trigger(schema, table, &trig, &body);
    let mut up = vec![SqlStatement::new(format!(
        "ALTER TABLE {t} ADD COLUMN {}",
        column_definition(&shadow)
    ))];
    up.extend(tu.clone());
    let mut down = td.clone();
    down.push(SqlStatement::new(format!(
        "ALTER TABLE {t} DROP COLUMN {n}"
    )));
    let mut expand = ctx.step(
        Phase::Expand,
        format!("add {schema}.{table}.{new} beside {old}, kept in sync both ways by a trigger"),
        INSTANT,
        up,
        down,
    );
    expand
        .hazards
        .push("the sync trigger adds work to every insert and update until contract".into());
    if !from_col.nullable {
        // The old column stays NOT NULL: the trigger fills it from the new one for new writers.
        expand.hazards.push(format!(
            "{old} stays NOT NULL until contract; the trigger fills it from {new}"
        ));
    }

    let update = format!("UPDATE {t} SET {n} = {o} WHERE {n} IS DISTINCT FROM {o}");
    let mut backfill = ctx.step(
        Phase::Backfill,
        format!("copy {old} into {new} in batches"),
        "ROW EXCLUSIVE, one short transaction per batch",
        vec![SqlStatement::new(update.clone())],
        vec![],
    );
    backfill.backfill = Some(Backfill {
        table: format!("{schema}.{table}"),
        key,
        update,
    });

    let mut up = td.clone();
    let mut down_rev: Vec<SqlStatement> = Vec::new();
    if !to_col.nullable {
        let (nn_up, nn_down) = not_null_online(schema, table, new);
        up.extend(nn_up);
        down_rev.extend(nn_down);
    }
    if let Some(d) = &to_col.default {
        up.push(SqlStatement::new(format!(
            "ALTER TABLE {t} ALTER COLUMN {n} SET DEFAULT {d}"
        )));
        down_rev.push(SqlStatement::new(format!(
            "ALTER TABLE {t} ALTER COLUMN {n} DROP DEFAULT"
        )));
    }
    up.push(SqlStatement::new(format!(
        "ALTER TABLE {t} DROP COLUMN {o}"
    )));
    // Rolling the contract back re-creates the old column from the new one and the trigger.
    let mut readd = from_col.clone();
    readd.nullable = true;
    let mut down = vec![
        SqlStatement::new(format!(
            "ALTER TABLE {t} ADD COLUMN {}",
            column_definition(&readd)
        )),
        SqlStatement::new(format!("UPDATE {t} SET {o} = {n}")),
    ];
    if !from_col.nullable {
        down.push(SqlStatement::new(format!(
            "ALTER TABLE {t} ALTER COLUMN {o} SET NOT NULL"
        )));
    }
    down.extend(down_rev);
    down.extend(tu);
    let mut contract = ctx.step(
        Phase::Contract,
        format!("drop the sync trigger and the old column {schema}.{table}.{old}"),
        INSTANT,
        up,
        down,
    );
    contract.hazards.push(format!(
        "the old application version (reading {old}) must be gone"
    ));
    Ok(vec![expand, backfill, contract])
}

/// Type change via a shadow column converted by a trigger, copied in batches, swapped in.
fn change_type(
    ctx: &Ctx,
    schema: &str,
    table: &str,
    from: &Column,
    to: &Column,
    using: &Option<String>,
) -> Result<Vec<Step>> {
    require_plain_column(ctx, schema, table, &from.name, "changing the type")?;
    let key = ctx.batch_key(schema, table)?;
    let t = qualified(schema, table);
    let c = ident(&to.name);
    let shadow_name = format!("{}__migrator_new", to.name);
    let old_name = format!("{}__migrator_old", to.name);
    let s = ident(&shadow_name);
    let conv = using
        .clone()
        .unwrap_or_else(|| format!("{c}::{}", to.data_type.name));
    let mut shadow = to.clone();
    shadow.name = shadow_name.clone();
    shadow.nullable = true;
    shadow.default = None;
    let trig = own_name("conv", table, &to.name);
    let body = format!(
        "  IF TG_OP = 'INSERT' OR NEW.{c} IS DISTINCT FROM OLD.{c} THEN\n    NEW.{s} := {};\n  END IF;",
        over_new(&conv, table)
    );
    let (tu, td) = trigger(schema, table, &trig, &body);
    let mut up = vec![SqlStatement::new(format!(
        "ALTER TABLE {t} ADD COLUMN {}",
        column_definition(&shadow)
    ))];
    up.extend(tu.clone());
    let mut down = td.clone();
    down.push(SqlStatement::new(format!(
        "ALTER TABLE {t} DROP COLUMN {s}"
    )));
    let mut expand = ctx.step(
        Phase::Expand,
        format!(
            "add shadow column {shadow_name} ({}) converted from {} by a trigger",
            to.data_type.name, to.name
        ),
        INSTANT,
        up,
        down,
    );
    expand
        .hazards
        .push("the conversion trigger adds work to every insert and update until contract".into());

    let update = format!("UPDATE {t} SET {s} = ({conv}) WHERE {s} IS DISTINCT FROM ({conv})");
    let mut backfill = ctx.step(
        Phase::Backfill,
        format!(
            "convert {}.{} into {shadow_name} in batches",
            table, to.name
        ),
        "ROW EXCLUSIVE, one short transaction per batch",
        vec![SqlStatement::new(update.clone())],
        vec![],
    );
    backfill.backfill = Some(Backfill {
        table: format!("{schema}.{table}"),
        key,
        update,
    });

    // NOT NULL on the shadow while the trigger still fills it; then the trigger goes and the
    // columns swap in one statement (a DO block), so no write escapes conversion and no query
    // ever sees the column missing.
    let mut up = Vec::new();
    if !to.nullable {
        up.extend(not_null_online(schema, table, &shadow_name).0);
    }
    let mut swap = format!(
        "DO $migrator$ BEGIN\n  DROP TRIGGER {} ON {t};\n  DROP FUNCTION {}();\n  ALTER TABLE {t} RENAME COLUMN {c} TO {};\n  ALTER TABLE {t} RENAME COLUMN {s} TO {c};\n  ALTER TABLE {t} DROP COLUMN {};\n",
        ident(&trig),
        qualified(schema, &trig),
        ident(&old_name),
        ident(&old_name)
    );
    let _ = td;
    if let Some(d) = &to.default {
        swap.push_str(&format!(
            "  ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d};\n"
        ));
    }
    swap.push_str("END $migrator$");
    up.push(SqlStatement::new(swap));
    let back_conv = format!("{c}::{}", from.data_type.name);
    let mut readd = from.clone();
    readd.name = old_name.clone();
    readd.nullable = true;
    readd.default = None;
    let down_swap = format!(
        "DO $migrator$ BEGIN\n  ALTER TABLE {t} ADD COLUMN {};\n  UPDATE {t} SET {} = {back_conv};\n  ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT;\n  ALTER TABLE {t} RENAME COLUMN {c} TO {s};\n  ALTER TABLE {t} RENAME COLUMN {} TO {c};\n{}{}  ALTER TABLE {t} ALTER COLUMN {s} DROP NOT NULL;\nEND $migrator$",
        column_definition(&readd),
        ident(&old_name),
        ident(&old_name),
        from.default.as_ref().map(|d| format!("  ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d};\n")).unwrap_or_default(),
        if from.nullable { String::new() } else { format!("  ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\n") },
    );
    let mut down = vec![SqlStatement::new(down_swap)];
    down.extend(tu);
    let mut contract = ctx.step(
        Phase::Contract,
        format!(
            "swap {shadow_name} in as {} and drop the old column",
            to.name
        ),
        "ACCESS EXCLUSIVE, instant (renames and a drop)",
        up,
        down,
    );
    contract.hazards.push(format!(
        "the old application version (writing {} as {}) must be gone",
        to.name, from.data_type.name
    ));
    Ok(vec![expand, backfill, contract])
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
            SqlStatement::new(format!("CREATE VIEW {o} AS SELECT * FROM {n}")),
        ],
        vec![
            SqlStatement::new(format!("DROP VIEW IF EXISTS {o}")),
            SqlStatement::new(format!("ALTER TABLE {n} RENAME TO {}", ident(old))),
        ],
    );
    let mut contract = ctx.step(
        Phase::Contract,
        format!("drop the compatibility view {schema}.{old}"),
        "ACCESS EXCLUSIVE on the view, instant",
        vec![SqlStatement::new(format!("DROP VIEW {o}"))],
        vec![SqlStatement::new(format!(
            "CREATE VIEW {o} AS SELECT * FROM {n}"
        ))],
    );
    contract.hazards.push(format!(
        "the old application version (using {old}) must be gone"
    ));
    let _ = ctx.opts;
    Ok(vec![expand, contract])
}
