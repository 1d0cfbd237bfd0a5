//! SQL for Postgres.

use super::{Renderer, SqlStatement};
use crate::diff::{Change, CommentTarget};
use crate::schema::{
    Check, Column, ForeignKey, Identity, IdentityGeneration, Index, IndexKey, Options, PrimaryKey,
    Routine, Sequence, Table, Trigger, TriggerEnabled, Unique, View,
};
use crate::Dialect;

pub struct PostgresRenderer;

/// Type changes Postgres makes without rewriting the table or rescanning it (binary-coercible
/// or a length check relaxed): `varchar` growth, `varchar` → `text`, `numeric` precision growth.
pub fn free_type_change(from: &str, to: &str) -> bool {
    let base = |t: &str| t.split('(').next().unwrap_or(t).trim().to_string();
    match (base(from).as_str(), base(to).as_str()) {
        ("character varying", "character varying") | ("character varying", "text") => {
            crate::diff::types::lossless(from, to)
        }
        ("numeric", "numeric") => {
            to == "numeric"
                || crate::diff::types::lossless(from, to)
                    && from.split(',').nth(1) == to.split(',').nth(1)
        }
        _ => false,
    }
}

/// `"name"`, with embedded quotes doubled.
pub fn ident(name: &str) -> String {
    Dialect::Postgres.ident(name)
}

/// `"schema"."name"`.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// A string literal (standard_conforming_strings: only quotes need doubling).
pub fn literal(text: &str) -> String {
    Dialect::Postgres.literal(text)
}

fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

fn deferrable(deferrable: bool, initially_deferred: bool) -> &'static str {
    match (deferrable, initially_deferred) {
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        _ => "",
    }
}

/// Storage parameters only: keys the catalog reader adds for other table properties are
/// rendered by their own clauses.
fn storage_params(options: &Options) -> Vec<(String, String)> {
    options
        .iter()
        .filter(|(k, _)| !["tablespace", "persistence", "row_security"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn with_clause(options: &Options) -> String {
    let params = storage_params(options);
    if params.is_empty() {
        String::new()
    } else {
        format!(
            " WITH ({})",
            params
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn identity_clause(i: &Identity) -> String {
    let gen = match i.generation {
        IdentityGeneration::Always => "ALWAYS",
        IdentityGeneration::ByDefault => "BY DEFAULT",
    };
    format!(
        "GENERATED {gen} AS IDENTITY (START WITH {} INCREMENT BY {} MINVALUE {} MAXVALUE {} CACHE {}{})",
        i.start,
        i.increment,
        i.min,
        i.max,
        i.cache,
        if i.cycle { " CYCLE" } else { " NO CYCLE" }
    )
}

/// `"c" type [COLLATE x] [GENERATED …] [DEFAULT …] [NOT NULL]`.
pub fn column_definition(c: &Column) -> String {
    let mut sql = format!("{} {}", ident(&c.name), c.data_type.name);
    if let Some(coll) = &c.collation {
        sql.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(g) = &c.generated {
        // The kind is always spelled: on Postgres 18 a bare `GENERATED ALWAYS AS (…)` is
        // virtual, before it was refused. A virtual column only comes from an 18+ catalog.
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        sql.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.expr));
    }
    if let Some(i) = &c.identity {
        sql.push(' ');
        sql.push_str(&identity_clause(i));
    }
    if let Some(d) = &c.default {
        sql.push_str(&format!(" DEFAULT {d}"));
    }
    if !c.nullable {
        sql.push_str(" NOT NULL");
    }
    sql
}

fn primary_key_clause(k: &PrimaryKey) -> String {
    let mut sql = format!(
        "CONSTRAINT {} PRIMARY KEY ({})",
        ident(&k.name),
        idents(&k.columns)
    );
    if !k.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", idents(&k.include)));
    }
    sql.push_str(deferrable(k.deferrable, k.initially_deferred));
    sql
}

fn unique_clause(u: &Unique) -> String {
    let mut sql = format!(
        "CONSTRAINT {} UNIQUE{} ({})",
        ident(&u.name),
        if u.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        idents(&u.columns)
    );
    if !u.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", idents(&u.include)));
    }
    sql.push_str(deferrable(u.deferrable, u.initially_deferred));
    sql
}

fn check_clause(c: &Check) -> String {
    format!(
        "CONSTRAINT {} CHECK ({}){}",
        ident(&c.name),
        c.expr,
        if c.no_inherit { " NO INHERIT" } else { "" }
    )
}

/// `FOREIGN KEY … REFERENCES …` (without NOT VALID).
pub fn foreign_key_clause(f: &ForeignKey) -> String {
    let mut sql = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        ident(&f.name),
        idents(&f.columns),
        qualified(&f.ref_schema, &f.ref_table),
        idents(&f.ref_columns)
    );
    if f.match_full {
        sql.push_str(" MATCH FULL");
    }
    if f.on_update.sql() != "NO ACTION" {
        sql.push_str(&format!(" ON UPDATE {}", f.on_update.sql()));
    }
    if f.on_delete.sql() != "NO ACTION" {
        sql.push_str(&format!(" ON DELETE {}", f.on_delete.sql()));
    }
    sql.push_str(deferrable(f.deferrable, f.initially_deferred));
    sql
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] "i" ON "s"."t" USING m (…) …`.
pub fn create_index(schema: &str, table: &str, i: &Index, concurrently: bool) -> String {
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => ident(c),
                IndexKey::Expr(e) => format!("({e})"),
            };
            if let Some(c) = &p.collation {
                s.push_str(&format!(" COLLATE {c}"));
            }
            if let Some(o) = &p.opclass {
                s.push_str(&format!(" {o}"));
            }
            // NULLS FIRST is the default for DESC, NULLS LAST for ASC.
            match (p.desc, p.nulls_first) {
                (true, true) => s.push_str(" DESC"),
                (true, false) => s.push_str(" DESC NULLS LAST"),
                (false, true) => s.push_str(" NULLS FIRST"),
                (false, false) => {}
            }
            s
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX {}{} ON {} USING {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        if concurrently { "CONCURRENTLY " } else { "" },
        ident(&i.name),
        qualified(schema, table),
        i.method,
        parts.join(", ")
    );
    if !i.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", idents(&i.include)));
    }
    if i.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    sql.push_str(&with_clause(&i.options));
    if let Some(ts) = i.options.get("tablespace") {
        sql.push_str(&format!(" TABLESPACE {}", ident(ts)));
    }
    if let Some(p) = &i.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    sql
}

fn create_table(schema: &str, t: &Table) -> Vec<SqlStatement> {
    let mut lines: Vec<String> = t.columns.iter().map(column_definition).collect();
    if let Some(k) = &t.primary_key {
        lines.push(primary_key_clause(k));
    }
    lines.extend(t.uniques.iter().map(unique_clause));
    lines.extend(t.checks.iter().map(check_clause));
    lines.extend(t.exclusions.iter().map(|x| {
        format!(
            "CONSTRAINT {} {}{}",
            ident(&x.name),
            x.definition,
            deferrable(x.deferrable, x.initially_deferred)
        )
    }));
    let unlogged = t
        .options
        .get("persistence")
        .is_some_and(|p| p == "unlogged");
    let mut sql = super::partition::create_head(schema, t, unlogged, &lines);
    sql.push_str(&with_clause(&t.options));
    if let Some(ts) = t.options.get("tablespace") {
        sql.push_str(&format!(" TABLESPACE {}", ident(ts)));
    }
    let mut out = vec![SqlStatement::new(sql)];
    out.extend(row_security(
        schema,
        &t.name,
        None,
        t.options.get("row_security").map(String::as_str),
    ));
    out
}

fn row_security(
    schema: &str,
    table: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Vec<SqlStatement> {
    if from == to {
        return vec![];
    }
    let t = qualified(schema, table);
    let mut out = Vec::new();
    match to {
        Some("enabled") | Some("forced") if from.is_none() => {
            out.push(SqlStatement::new(format!(
                "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"
            )));
        }
        None => out.push(SqlStatement::new(format!(
            "ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"
        ))),
        _ => {}
    }
    match (from, to) {
        (_, Some("forced")) => out.push(SqlStatement::new(format!(
            "ALTER TABLE {t} FORCE ROW LEVEL SECURITY"
        ))),
        (Some("forced"), _) => out.push(SqlStatement::new(format!(
            "ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY"
        ))),
        _ => {}
    }
    out
}

fn sequence_options(q: &Sequence) -> String {
    format!(
        "AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {}{}",
        q.data_type,
        q.increment,
        q.min,
        q.max,
        q.start,
        q.cache,
        if q.cycle { " CYCLE" } else { " NO CYCLE" }
    )
}

fn alter_column(
    schema: &str,
    table: &str,
    from: &Column,
    to: &Column,
    using: &Option<String>,
) -> Vec<SqlStatement> {
    let t = qualified(schema, table);
    let c = ident(&to.name);
    // A generated column's expression cannot be altered in place (before Postgres 16), nor can a
    // column become or stop being generated: rebuild it (its values are derived).
    if from.generated != to.generated {
        return vec![SqlStatement::new(format!(
            "ALTER TABLE {t} DROP COLUMN {c}, ADD COLUMN {}",
            column_definition(to)
        ))];
    }
    let mut actions: Vec<String> = Vec::new();
    let type_changes = from.data_type != to.data_type || from.collation != to.collation;
    if from.identity.is_some() && from.identity != to.identity {
        actions.push(format!("ALTER COLUMN {c} DROP IDENTITY"));
    }
    if from.default.is_some() && (type_changes || to.default.is_none()) {
        actions.push(format!("ALTER COLUMN {c} DROP DEFAULT"));
    }
    if type_changes {
        let mut s = format!("ALTER COLUMN {c} TYPE {}", to.data_type.name);
        if let Some(coll) = &to.collation {
            s.push_str(&format!(" COLLATE {coll}"));
        }
        if from.data_type != to.data_type {
            match using {
                Some(expr) => s.push_str(&format!(" USING ({expr})")),
                // The server's own assignment cast keeps the table as it is.
                None if free_type_change(&from.data_type.name, &to.data_type.name) => {}
                // Narrowing what a free change widens (varchar(80) to varchar(40), numeric
                // precision): the assignment cast fails on a value that does not fit, where
                // an explicit cast would cut a string short.
                None if free_type_change(&to.data_type.name, &from.data_type.name) => {}
                None => s.push_str(&format!(" USING {c}::{}", to.data_type.name)),
            }
        }
        actions.push(s);
    }
    if let Some(d) = &to.default {
        if type_changes || from.default.as_ref() != Some(d) {
            actions.push(format!("ALTER COLUMN {c} SET DEFAULT {d}"));
        }
    }
    if let Some(i) = &to.identity {
        if from.identity.as_ref() != Some(i) {
            actions.push(format!("ALTER COLUMN {c} ADD {}", identity_clause(i)));
        }
    }
    if from.nullable != to.nullable {
        actions.push(format!(
            "ALTER COLUMN {c} {} NOT NULL",
            if to.nullable { "DROP" } else { "SET" }
        ));
    }
    if actions.is_empty() {
        return vec![];
    }
    vec![SqlStatement::new(format!(
        "ALTER TABLE {t} {}",
        actions.join(", ")
    ))]
}

fn alter_options(schema: &str, table: &str, from: &Options, to: &Options) -> Vec<SqlStatement> {
    let t = qualified(schema, table);
    let mut out = Vec::new();
    let (fp, tp) = (storage_params(from), storage_params(to));
    let set: Vec<String> = tp
        .iter()
        .filter(|kv| !fp.contains(kv))
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    let reset: Vec<String> = fp
        .iter()
        .filter(|(k, _)| !tp.iter().any(|(k2, _)| k2 == k))
        .map(|(k, _)| k.clone())
        .collect();
    if !set.is_empty() {
        out.push(SqlStatement::new(format!(
            "ALTER TABLE {t} SET ({})",
            set.join(", ")
        )));
    }
    if !reset.is_empty() {
        out.push(SqlStatement::new(format!(
            "ALTER TABLE {t} RESET ({})",
            reset.join(", ")
        )));
    }
    let (fu, tu) = (
        from.get("persistence").map(String::as_str),
        to.get("persistence").map(String::as_str),
    );
    if fu != tu {
        out.push(SqlStatement::new(format!(
            "ALTER TABLE {t} SET {}",
            if tu == Some("unlogged") {
                "UNLOGGED"
            } else {
                "LOGGED"
            }
        )));
    }
    let (fs, ts) = (from.get("tablespace"), to.get("tablespace"));
    if fs != ts {
        out.push(SqlStatement::new(format!(
            "ALTER TABLE {t} SET TABLESPACE {}",
            ident(ts.map(String::as_str).unwrap_or("pg_default"))
        )));
    }
    out.extend(row_security(
        schema,
        table,
        from.get("row_security").map(String::as_str),
        to.get("row_security").map(String::as_str),
    ));
    out
}

fn create_view(schema: &str, v: &View) -> String {
    let def = v.definition.trim().trim_end_matches(';').trim_end();
    let mut params: Vec<String> = v
        .options
        .iter()
        .filter(|(k, _)| k.as_str() != "tablespace")
        .map(|(k, val)| format!("{k} = {val}"))
        .collect();
    params.sort();
    let with = if params.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", params.join(", "))
    };
    if v.materialized {
        let ts = v
            .options
            .get("tablespace")
            .map(|t| format!(" TABLESPACE {}", ident(t)))
            .unwrap_or_default();
        format!(
            "CREATE MATERIALIZED VIEW {}{with}{ts} AS\n{def}",
            qualified(schema, &v.name)
        )
    } else {
        format!("CREATE VIEW {}{with} AS\n{def}", qualified(schema, &v.name))
    }
}

fn comment(target: &CommentTarget, text: &Option<String>) -> String {
    let what = match target {
        CommentTarget::Schema { schema } => format!("SCHEMA {}", ident(schema)),
        CommentTarget::Table { schema, table } => format!("TABLE {}", qualified(schema, table)),
        CommentTarget::Column {
            schema,
            table,
            column,
        } => format!("COLUMN {}.{}", qualified(schema, table), ident(column)),
        CommentTarget::Index { schema, index, .. } => format!("INDEX {}", qualified(schema, index)),
        CommentTarget::View {
            schema,
            view,
            materialized,
        } => format!(
            "{}VIEW {}",
            if *materialized { "MATERIALIZED " } else { "" },
            qualified(schema, view)
        ),
        CommentTarget::Constraint {
            schema,
            table,
            constraint,
        } => format!(
            "CONSTRAINT {} ON {}",
            ident(constraint),
            qualified(schema, table)
        ),
        CommentTarget::Enum { schema, name } => format!("TYPE {}", qualified(schema, name)),
        CommentTarget::Sequence { schema, name } => format!("SEQUENCE {}", qualified(schema, name)),
        CommentTarget::Extension { name } => format!("EXTENSION {}", ident(name)),
        CommentTarget::Routine {
            schema,
            name,
            kind,
            arguments,
        } => format!(
            "{} {}({arguments})",
            kind.keyword(),
            qualified(schema, name)
        ),
        CommentTarget::Trigger {
            schema,
            table,
            trigger,
        } => format!("TRIGGER {} ON {}", ident(trigger), qualified(schema, table)),
        CommentTarget::Domain { schema, name } => format!("DOMAIN {}", qualified(schema, name)),
        CommentTarget::Type { schema, name } => format!("TYPE {}", qualified(schema, name)),
        CommentTarget::Policy {
            schema,
            table,
            policy,
        } => format!("POLICY {} ON {}", ident(policy), qualified(schema, table)),
    };
    format!(
        "COMMENT ON {what} IS {}",
        text.as_deref()
            .map(literal)
            .unwrap_or_else(|| "NULL".into())
    )
}

impl Renderer for PostgresRenderer {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn check(&self, change: &Change) -> crate::Result<()> {
        match change {
            Change::CreateEvent { event, .. }
            | Change::AlterEvent { to: event, .. }
            | Change::DropEvent { event, .. } => Err(crate::Error::Refused(format!(
                "cannot express this change on Postgres: event {}: events are MySQL / MariaDB's (use pg_cron)",
                event.name
            ))),
            Change::AlterPartitioning { table, .. } => Err(crate::Error::Refused(format!(
                "cannot express this change on Postgres: table {table}: MySQL partitioning (Postgres partitions are tables: PARTITION OF)"
            ))),
            _ => Ok(()),
        }
    }

    fn render(&self, change: &Change) -> Vec<SqlStatement> {
        use Change::*;
        let one = |sql: String| vec![SqlStatement::new(sql)];
        match change {
            CreateSchema { schema } => one(format!("CREATE SCHEMA {}", ident(schema))),
            DropSchema { schema } => one(format!("DROP SCHEMA {}", ident(schema))),
            CreateExtension { schema, extension } => one(format!(
                "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {} VERSION {}",
                ident(&extension.name),
                ident(schema),
                literal(&extension.version)
            )),
            UpdateExtension { name, version } => one(format!(
                "ALTER EXTENSION {} UPDATE TO {}",
                ident(name),
                literal(version)
            )),
            DropExtension { name } => one(format!("DROP EXTENSION {}", ident(name))),
            CreateEnum { schema, value } => one(format!(
                "CREATE TYPE {} AS ENUM ({})",
                qualified(schema, &value.name),
                value
                    .values
                    .iter()
                    .map(|v| literal(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            // A new enum value cannot be used in the transaction that adds it.
            AddEnumValue {
                schema,
                name,
                value,
                before,
            } => vec![SqlStatement::outside_transaction(format!(
                "ALTER TYPE {} ADD VALUE {}{}",
                qualified(schema, name),
                literal(value),
                before
                    .as_ref()
                    .map(|b| format!(" BEFORE {}", literal(b)))
                    .unwrap_or_default()
            ))],
            RecreateEnum {
                schema,
                from,
                to,
                columns,
            } => {
                let old = format!("{}__migrator_old", from.name);
                let mut out = vec![
                    SqlStatement::new(format!(
                        "ALTER TYPE {} RENAME TO {}",
                        qualified(schema, &from.name),
                        ident(&old)
                    )),
                    SqlStatement::new(format!(
                        "CREATE TYPE {} AS ENUM ({})",
                        qualified(schema, &to.name),
                        to.values
                            .iter()
                            .map(|v| literal(v))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ];
                for c in columns {
                    let t = qualified(&c.schema, &c.table);
                    let col = ident(&c.column);
                    // What reads the column with the old type's constants goes first.
                    for k in &c.checks {
                        out.push(SqlStatement::new(format!(
                            "ALTER TABLE {t} DROP CONSTRAINT {}",
                            ident(&k.name)
                        )));
                    }
                    for i in &c.indexes {
                        out.push(SqlStatement::new(format!(
                            "-- migrator-lint: ignore require-concurrent-drop-index -- the type conversion below rewrites the table under the same lock\nDROP INDEX {}",
                            qualified(&c.schema, &i.name)
                        )));
                    }
                    // Whatever default the column has when this runs (`c.default` is the one
                    // it gets back, which may differ) cannot be cast automatically: dropped.
                    let mut actions = vec![format!("ALTER COLUMN {col} DROP DEFAULT")];
                    actions.push(format!(
                        "ALTER COLUMN {col} TYPE {} USING {col}::text::{}",
                        qualified(schema, &to.name),
                        qualified(schema, &to.name)
                    ));
                    out.push(SqlStatement::new(format!(
                        "ALTER TABLE {t} {}",
                        actions.join(", ")
                    )));
                    if let Some(d) = &c.default {
                        let d = d.replace(
                            &format!("::{}", qualified(schema, &from.name)),
                            &format!("::{}", qualified(schema, &to.name)),
                        );
                        out.push(SqlStatement::new(format!(
                            "ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {d}"
                        )));
                    }
                    // …and comes back over the new type (the column was rewritten anyway).
                    for k in &c.checks {
                        out.push(SqlStatement::new(format!(
                            "ALTER TABLE {t} ADD {} NOT VALID",
                            check_clause(k)
                        )));
                        out.push(SqlStatement::new(format!(
                            "ALTER TABLE {t} VALIDATE CONSTRAINT {}",
                            ident(&k.name)
                        )));
                    }
                    for i in &c.indexes {
                        out.push(SqlStatement::new(format!(
                            "-- migrator-lint: ignore require-concurrent-index -- built in the transaction that rewrote the table, before anyone can miss it\n{}",
                            create_index(&c.schema, &c.table, i, false)
                        )));
                    }
                }
                out.push(SqlStatement::new(format!(
                    "DROP TYPE {}",
                    qualified(schema, &old)
                )));
                out
            }
            DropEnum { schema, name } => one(format!("DROP TYPE {}", qualified(schema, name))),
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
            | RenameEnumValue { .. } => super::pg_types::render(change),
            CreatePolicy { .. }
            | AlterPolicy { .. }
            | ReplacePolicy { .. }
            | RenamePolicy { .. }
            | DropPolicy { .. } => super::pg_policy::render(change),
            CreateSequence { schema, sequence } => one(format!(
                "CREATE SEQUENCE {} {}",
                qualified(schema, &sequence.name),
                sequence_options(sequence)
            )),
            AlterSequence { schema, from, to } => {
                // Narrower bounds may exclude the current value: restart (flagged as data loss).
                let restart = if to.min > from.min || to.max < from.max {
                    " RESTART"
                } else {
                    ""
                };
                one(format!(
                    "ALTER SEQUENCE {} {}{restart}",
                    qualified(schema, &to.name),
                    sequence_options(to)
                ))
            }
            RenameSequence { schema, from, to } => one(format!(
                "ALTER SEQUENCE {} RENAME TO {}",
                qualified(schema, from),
                ident(to)
            )),
            SetSequenceOwner {
                schema,
                name,
                owner,
            } => one(format!(
                "ALTER SEQUENCE {} OWNED BY {}",
                qualified(schema, name),
                owner
                    .as_ref()
                    .map(|o| format!("{}.{}", qualified(schema, &o.table), ident(&o.column)))
                    .unwrap_or_else(|| "NONE".into())
            )),
            DropSequence { schema, name } => one(format!(
                "DROP SEQUENCE IF EXISTS {}",
                qualified(schema, name)
            )),
            CreateTable { schema, table } => create_table(schema, table),
            RenameTable { schema, from, to } => one(format!(
                "ALTER TABLE {} RENAME TO {}",
                qualified(schema, from),
                ident(to)
            )),
            AlterTableOptions {
                schema,
                table,
                from,
                to,
            } => alter_options(schema, table, from, to),
            DropTable { schema, name } => one(format!("DROP TABLE {}", qualified(schema, name))),
            AttachPartition {
                schema,
                table,
                parent,
                ..
            } => {
                // The parent's columns (an identity stays the parent's) and checks.
                let mut lines: Vec<String> = parent
                    .columns
                    .iter()
                    .map(|c| {
                        column_definition(&Column {
                            identity: None,
                            ..c.clone()
                        })
                    })
                    .collect();
                lines.extend(table.primary_key.iter().map(primary_key_clause));
                lines.extend(table.uniques.iter().map(unique_clause));
                lines.extend(parent.checks.iter().chain(&table.checks).map(check_clause));
                super::partition::attach(schema, table, parent, &lines)
            }
            DetachPartition {
                schema,
                name,
                parent_schema,
                parent,
                concurrently,
            } => super::partition::detach(schema, name, parent_schema, parent, *concurrently),
            Repartition { .. } => vec![],
            AddColumn {
                schema,
                table,
                column,
            } => one(format!(
                "ALTER TABLE {} ADD COLUMN {}",
                qualified(schema, table),
                column_definition(column)
            )),
            RenameColumn {
                schema,
                table,
                from,
                to,
            } => one(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                qualified(schema, table),
                ident(from),
                ident(to)
            )),
            AlterColumn {
                schema,
                table,
                from,
                to,
                using,
            } => alter_column(schema, table, from, to, using),
            DropColumn {
                schema,
                table,
                column,
            } => one(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                qualified(schema, table),
                ident(column)
            )),
            AddPrimaryKey { schema, table, key } => one(format!(
                "ALTER TABLE {} ADD {}",
                qualified(schema, table),
                primary_key_clause(key)
            )),
            AddUnique {
                schema,
                table,
                unique,
            } => one(format!(
                "ALTER TABLE {} ADD {}",
                qualified(schema, table),
                unique_clause(unique)
            )),
            AddCheck {
                schema,
                table,
                check,
            } => one(format!(
                "ALTER TABLE {} ADD {}{}",
                qualified(schema, table),
                check_clause(check),
                if check.validated { "" } else { " NOT VALID" }
            )),
            AddExclusion {
                schema,
                table,
                exclusion,
            } => one(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {}{}",
                qualified(schema, table),
                ident(&exclusion.name),
                exclusion.definition,
                deferrable(exclusion.deferrable, exclusion.initially_deferred)
            )),
            AddForeignKey { schema, table, key } => one(format!(
                "ALTER TABLE {} ADD {}{}",
                qualified(schema, table),
                foreign_key_clause(key),
                if key.validated { "" } else { " NOT VALID" }
            )),
            ValidateConstraint {
                schema,
                table,
                name,
            } => one(format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                qualified(schema, table),
                ident(name)
            )),
            RenameConstraint {
                schema,
                table,
                from,
                to,
            } => one(format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                qualified(schema, table),
                ident(from),
                ident(to)
            )),
            DropConstraint {
                schema,
                table,
                name,
            } => one(format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                qualified(schema, table),
                ident(name)
            )),
            CreateIndex {
                schema,
                table,
                index,
                online,
            } => {
                let sql = create_index(schema, table, index, *online);
                vec![if *online {
                    SqlStatement::outside_transaction(sql)
                } else {
                    SqlStatement::new(sql)
                }]
            }
            RenameIndex {
                schema, from, to, ..
            } => one(format!(
                "ALTER INDEX {} RENAME TO {}",
                qualified(schema, from),
                ident(to)
            )),
            DropIndex {
                schema,
                name,
                online,
                ..
            } => {
                if *online {
                    vec![SqlStatement::outside_transaction(format!(
                        "DROP INDEX CONCURRENTLY {}",
                        qualified(schema, name)
                    ))]
                } else {
                    one(format!("DROP INDEX {}", qualified(schema, name)))
                }
            }
            CreateView { schema, view } => one(create_view(schema, view)),
            DropView {
                schema,
                name,
                materialized,
            } => one(format!(
                "DROP {}VIEW {}",
                if *materialized { "MATERIALIZED " } else { "" },
                qualified(schema, name)
            )),
            Comment {
                target,
                comment: text,
            } => one(comment(target, text)),
            CreateRoutine { schema, routine } => one(create_routine(schema, routine)),
            ReplaceRoutine { schema, from, to } => {
                if crate::diff::routine::replaceable(from, to) {
                    one(to.definition.clone())
                } else {
                    vec![
                        SqlStatement::new(drop_routine(schema, from)),
                        SqlStatement::new(create_routine(schema, to)),
                    ]
                }
            }
            DropRoutine { schema, routine } => one(drop_routine(schema, routine)),
            CreateTrigger { schema, trigger } => {
                let mut out = one(trigger.definition.clone());
                out.extend(trigger_state(schema, trigger, TriggerEnabled::Enabled));
                out
            }
            ReplaceTrigger {
                schema,
                from,
                to,
                in_place,
            } => {
                // Either way the trigger comes back enabled (`CREATE OR REPLACE TRIGGER` resets
                // the state too).
                let _ = from;
                let mut out = if *in_place {
                    one(or_replace_trigger(&to.definition))
                } else {
                    vec![
                        SqlStatement::new(drop_trigger(schema, &to.table, &to.name)),
                        SqlStatement::new(to.definition.clone()),
                    ]
                };
                out.extend(trigger_state(schema, to, TriggerEnabled::Enabled));
                out
            }
            SetTriggerEnabled {
                schema,
                table,
                name,
                to,
                ..
            } => one(set_trigger_enabled(schema, table, name, *to)),
            DropTrigger { schema, trigger } => {
                one(drop_trigger(schema, &trigger.table, &trigger.name))
            }
            // Refused by `check`: MySQL only (the Postgres inspector finds none).
            CreateEvent { .. } | AlterEvent { .. } | DropEvent { .. } => vec![],
            // Refused by `check`.
            AlterPartitioning { .. } => vec![],
        }
    }
}

/// `CREATE FUNCTION` / `CREATE PROCEDURE` from the server's definition (which says `CREATE OR
/// REPLACE`: a new routine must not silently replace one that exists).
fn create_routine(_schema: &str, r: &Routine) -> String {
    let def = r.definition.trim_end();
    match def.strip_prefix("CREATE OR REPLACE ") {
        Some(rest) => format!("CREATE {rest}"),
        None => def.to_string(),
    }
}

fn drop_routine(schema: &str, r: &Routine) -> String {
    format!(
        "DROP {} {}({})",
        r.kind.keyword(),
        qualified(schema, &r.name),
        r.arguments
    )
}

fn drop_trigger(schema: &str, table: &str, name: &str) -> String {
    format!(
        "DROP TRIGGER {} ON {}",
        ident(name),
        qualified(schema, table)
    )
}

/// Postgres 14+: the server's `CREATE TRIGGER …` as `CREATE OR REPLACE TRIGGER …`.
fn or_replace_trigger(definition: &str) -> String {
    match definition.strip_prefix("CREATE TRIGGER ") {
        Some(rest) => format!("CREATE OR REPLACE TRIGGER {rest}"),
        None => definition.to_string(),
    }
}

fn set_trigger_enabled(schema: &str, table: &str, name: &str, state: TriggerEnabled) -> String {
    let how = match state {
        TriggerEnabled::Enabled => "ENABLE",
        TriggerEnabled::Disabled => "DISABLE",
        TriggerEnabled::Replica => "ENABLE REPLICA",
        TriggerEnabled::Always => "ENABLE ALWAYS",
    };
    format!(
        "ALTER TABLE {} {how} TRIGGER {}",
        qualified(schema, table),
        ident(name)
    )
}

/// The statement giving `t` its enabled state, when it is not `current` already.
fn trigger_state(schema: &str, t: &Trigger, current: TriggerEnabled) -> Vec<SqlStatement> {
    if t.enabled == current {
        Vec::new()
    } else {
        vec![SqlStatement::new(set_trigger_enabled(
            schema, &t.table, &t.name, t.enabled,
        ))]
    }
}
