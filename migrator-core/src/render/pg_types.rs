//! Postgres SQL of domains, composite and range types, and enum renames (the changes of
//! `diff/domain.rs`), called from [`super::postgres`].

use super::SqlStatement;
use crate::diff::Change;
use crate::schema::{Attribute, Domain, DomainCheck, Range};
use crate::Dialect;

// Quoting straight from the dialect, not from `render/postgres.rs`, which calls this module.
fn ident(name: &str) -> String {
    Dialect::Postgres.ident(name)
}

fn literal(text: &str) -> String {
    Dialect::Postgres.literal(text)
}

fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// `CONSTRAINT n CHECK (expr)`.
fn check_clause(c: &DomainCheck) -> String {
    format!("CONSTRAINT {} CHECK ({})", ident(&c.name), c.expr)
}

/// `CREATE DOMAIN`, with its validated checks; NOT VALID ones follow as `ALTER DOMAIN`.
fn create_domain(schema: &str, d: &Domain) -> Vec<SqlStatement> {
    let name = qualified(schema, &d.name);
    let mut sql = format!("CREATE DOMAIN {name} AS {}", d.base.name);
    if let Some(c) = &d.collation {
        sql.push_str(&format!(" COLLATE {c}"));
    }
    if let Some(x) = &d.default {
        sql.push_str(&format!(" DEFAULT {x}"));
    }
    if d.not_null {
        sql.push_str(" NOT NULL");
    }
    for c in d.checks.iter().filter(|c| c.validated) {
        sql.push(' ');
        sql.push_str(&check_clause(c));
    }
    let mut out = vec![SqlStatement::new(sql)];
    out.extend(
        d.checks
            .iter()
            .filter(|c| !c.validated)
            .map(|c| add_check(schema, &d.name, c)),
    );
    out
}

fn add_check(schema: &str, domain: &str, c: &DomainCheck) -> SqlStatement {
    SqlStatement::new(format!(
        "ALTER DOMAIN {} ADD {}{}",
        qualified(schema, domain),
        check_clause(c),
        if c.validated { "" } else { " NOT VALID" }
    ))
}

/// `name type [COLLATE c]`.
fn attribute(a: &Attribute) -> String {
    let mut sql = format!("{} {}", ident(&a.name), a.data_type.name);
    if let Some(c) = &a.collation {
        sql.push_str(&format!(" COLLATE {c}"));
    }
    sql
}

fn create_range(schema: &str, r: &Range) -> String {
    let mut options = vec![format!("SUBTYPE = {}", r.subtype.name)];
    if let Some(o) = &r.subtype_opclass {
        options.push(format!("SUBTYPE_OPCLASS = {o}"));
    }
    if let Some(c) = &r.collation {
        options.push(format!("COLLATION = {c}"));
    }
    if let Some(f) = &r.subtype_diff {
        options.push(format!("SUBTYPE_DIFF = {f}"));
    }
    format!(
        "CREATE TYPE {} AS RANGE ({})",
        qualified(schema, &r.name),
        options.join(", ")
    )
}

/// The SQL of one change of `diff/domain.rs` (nothing for any other change).
pub(crate) fn render(change: &Change) -> Vec<SqlStatement> {
    use Change::*;
    let one = |sql: String| vec![SqlStatement::new(sql)];
    match change {
        CreateDomain { schema, domain } => create_domain(schema, domain),
        DropDomain { schema, name } => one(format!("DROP DOMAIN {}", qualified(schema, name))),
        SetDomainDefault {
            schema,
            name,
            default,
        } => one(format!(
            "ALTER DOMAIN {} {}",
            qualified(schema, name),
            match default {
                Some(d) => format!("SET DEFAULT {d}"),
                None => "DROP DEFAULT".into(),
            }
        )),
        SetDomainNotNull {
            schema,
            name,
            not_null,
        } => one(format!(
            "ALTER DOMAIN {} {} NOT NULL",
            qualified(schema, name),
            if *not_null { "SET" } else { "DROP" }
        )),
        AddDomainCheck {
            schema,
            domain,
            check,
        } => vec![add_check(schema, domain, check)],
        ValidateDomainCheck {
            schema,
            domain,
            name,
        } => one(format!(
            "ALTER DOMAIN {} VALIDATE CONSTRAINT {}",
            qualified(schema, domain),
            ident(name)
        )),
        DropDomainCheck {
            schema,
            domain,
            name,
        } => one(format!(
            "ALTER DOMAIN {} DROP CONSTRAINT {}",
            qualified(schema, domain),
            ident(name)
        )),
        CreateComposite { schema, composite } => one(format!(
            "CREATE TYPE {} AS ({})",
            qualified(schema, &composite.name),
            composite
                .attributes
                .iter()
                .map(attribute)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        DropComposite { schema, name } | DropRange { schema, name } => {
            one(format!("DROP TYPE {}", qualified(schema, name)))
        }
        AddAttribute {
            schema,
            composite,
            attribute: a,
        } => one(format!(
            "ALTER TYPE {} ADD ATTRIBUTE {}",
            qualified(schema, composite),
            attribute(a)
        )),
        DropAttribute {
            schema,
            composite,
            name,
        } => one(format!(
            "ALTER TYPE {} DROP ATTRIBUTE {}",
            qualified(schema, composite),
            ident(name)
        )),
        AlterAttribute {
            schema,
            composite,
            to,
            ..
        } => one(format!(
            "ALTER TYPE {} ALTER ATTRIBUTE {} SET DATA TYPE {}{}",
            qualified(schema, composite),
            ident(&to.name),
            to.data_type.name,
            to.collation
                .as_ref()
                .map(|c| format!(" COLLATE {c}"))
                .unwrap_or_default()
        )),
        CreateRange { schema, range } => one(create_range(schema, range)),
        RenameEnum { schema, from, to } => one(format!(
            "ALTER TYPE {} RENAME TO {}",
            qualified(schema, from),
            ident(to)
        )),
        RenameEnumValue {
            schema,
            name,
            from,
            to,
        } => one(format!(
            "ALTER TYPE {} RENAME VALUE {} TO {}",
            qualified(schema, name),
            literal(from),
            literal(to)
        )),
        _ => vec![],
    }
}
