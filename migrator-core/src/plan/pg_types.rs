//! Postgres recipes for domains, composite and range types and enum renames (the changes of
//! `diff/domain.rs`), called from [`super::postgres`].
//!
//! - New types: expand, before the tables using them. Types no longer declared: contract, after
//!   the columns using them are gone.
//! - A domain whose base type or collation changes, a range whose definition changes, a
//!   composite type whose attributes are reordered: dropped and made again in expand while
//!   nothing uses them, refused otherwise (Postgres has no ALTER for them).
//! - A new CHECK on an existing domain: `ADD CONSTRAINT … NOT VALID` in expand (checked on every
//!   new write from then on), `VALIDATE CONSTRAINT` in contract. NOT NULL set on a domain:
//!   contract (it scans every column of the domain). Relaxing (drop NOT NULL, default): expand;
//!   a dropped CHECK: contract, as table constraints.
//! - Enum renames: expand, with their hazard (the old application's SQL naming the type or the
//!   value fails from then on).

use super::common::{destructive, simple};
use super::Step;
use crate::diff::Change;
use crate::migrations::Phase;
use crate::render::postgres::PostgresRenderer;
use crate::{Error, Result};

type Ctx<'a> = super::common::Ctx<'a, PostgresRenderer>;

const NONE: &str = "none on existing tables";
const INSTANT: &str = "instant (catalog only)";
const SCAN: &str = "SHARE on every table with a column of the domain, while they are scanned";

/// Whether `all` makes type `name` of `schema` again (a drop followed by a create).
fn recreated(all: &[Change], schema: &str, name: &str) -> bool {
    all.iter().any(|c| match c {
        Change::CreateDomain { schema: s, domain } => s == schema && domain.name == name,
        Change::CreateComposite {
            schema: s,
            composite,
        } => s == schema && composite.name == name,
        Change::CreateRange { schema: s, range } => s == schema && range.name == name,
        _ => false,
    })
}

/// Refuses to make `what` again while the database uses it.
fn refuse_if_used(ctx: &Ctx, schema: &str, name: &str, what: &str, why: &str) -> Result<()> {
    let users = crate::diff::domain::users(ctx.from, schema, name);
    if users.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{what} {schema}.{name}: {why}, which Postgres can only do by dropping and creating it again, and it is used by {}. Declare a new type under another name, move the columns to it (a column type change, in its own release), then drop the old one",
        users.join(", ")
    )))
}

/// The steps of one change of `diff/domain.rs`.
pub(super) fn recipe(ctx: &Ctx, c: &Change, all: &[Change]) -> Result<Vec<Step>> {
    use Change::*;
    use Phase::*;
    let step = |phase, lock: &str, summary: String| Ok(vec![simple(ctx, c, phase, lock, summary)]);
    match c {
        CreateDomain { schema, domain } => step(
            Expand,
            NONE,
            format!("create domain {schema}.{}", domain.name),
        ),
        CreateComposite { schema, composite } => step(
            Expand,
            NONE,
            format!("create composite type {schema}.{}", composite.name),
        ),
        CreateRange { schema, range } => step(
            Expand,
            NONE,
            format!("create range type {schema}.{}", range.name),
        ),
        DropDomain { schema, name } if recreated(all, schema, name) => {
            refuse_if_used(
                ctx,
                schema,
                name,
                "domain",
                "its base type or collation changes",
            )?;
            step(
                Expand,
                INSTANT,
                format!("drop domain {schema}.{name} to make it again"),
            )
        }
        DropComposite { schema, name } if recreated(all, schema, name) => {
            refuse_if_used(
                ctx,
                schema,
                name,
                "composite type",
                "its attributes are reordered (or inserted before existing ones)",
            )?;
            step(
                Expand,
                INSTANT,
                format!("drop composite type {schema}.{name} to make it again"),
            )
        }
        DropRange { schema, name } if recreated(all, schema, name) => {
            refuse_if_used(
                ctx,
                schema,
                name,
                "range type",
                "its subtype or options change",
            )?;
            step(
                Expand,
                INSTANT,
                format!("drop range type {schema}.{name} to make it again"),
            )
        }
        DropDomain { schema, name } => {
            step(Contract, INSTANT, format!("drop domain {schema}.{name}"))
        }
        DropComposite { schema, name } => step(
            Contract,
            INSTANT,
            format!("drop composite type {schema}.{name}"),
        ),
        DropRange { schema, name } => step(
            Contract,
            INSTANT,
            format!("drop range type {schema}.{name}"),
        ),
        SetDomainDefault { schema, name, .. } => step(
            Expand,
            INSTANT,
            format!("set the default of domain {schema}.{name}"),
        ),
        SetDomainNotNull {
            schema,
            name,
            not_null: false,
        } => step(
            Expand,
            INSTANT,
            format!("allow NULL in domain {schema}.{name}"),
        ),
        SetDomainNotNull {
            schema,
            name,
            not_null: true,
        } => {
            let mut s = simple(
                ctx,
                c,
                Contract,
                SCAN,
                format!("make domain {schema}.{name} NOT NULL"),
            );
            s.hazards.push(format!("scans every column of domain {schema}.{name} while writes to their tables wait, and fails if one holds NULL (Postgres has no NOT VALID form for a domain's NOT NULL): fill them first"));
            Ok(vec![s])
        }
        AddDomainCheck {
            schema,
            domain,
            check,
        } => {
            let summary = format!("add check {} to domain {schema}.{domain}", check.name);
            let new_domain = recreated(all, schema, domain);
            // Re-added under a name this plan drops: after the drop, in contract.
            let replaces = all.iter().any(|x| matches!(x, DropDomainCheck { schema: s, domain: d, name } if s == schema && d == domain && name == &check.name));
            let phase = if replaces { Contract } else { Expand };
            if new_domain || !check.validated {
                return step(phase, INSTANT, summary);
            }
            // NOT VALID now: new writes are checked at once; existing values in contract.
            let mut not_valid = check.clone();
            not_valid.validated = false;
            let add = AddDomainCheck {
                schema: schema.clone(),
                domain: domain.clone(),
                check: not_valid,
            };
            let mut first = simple(ctx, &add, phase, INSTANT, format!("{summary} NOT VALID"));
            first.hazards.push(format!(
                "the old application's writes that break check {} fail from this step on",
                check.name
            ));
            let validate = ValidateDomainCheck {
                schema: schema.clone(),
                domain: domain.clone(),
                name: check.name.clone(),
            };
            let mut second = simple(
                ctx,
                &validate,
                Contract,
                SCAN,
                format!("validate check {} of domain {schema}.{domain}", check.name),
            );
            second.hazards.push(format!("scans every column of domain {schema}.{domain} holding a SHARE lock on their tables (writes wait) on Postgres 13 to 18, and fails if a value breaks the check: fix those rows first"));
            Ok(vec![first, second])
        }
        ValidateDomainCheck {
            schema,
            domain,
            name,
        } => {
            let mut s = simple(
                ctx,
                c,
                Contract,
                SCAN,
                format!("validate check {name} of domain {schema}.{domain}"),
            );
            s.hazards.push(format!("scans every column of domain {schema}.{domain} holding a SHARE lock on their tables (writes wait) on Postgres 13 to 18"));
            Ok(vec![s])
        }
        DropDomainCheck {
            schema,
            domain,
            name,
        } => step(
            Contract,
            INSTANT,
            format!("drop check {name} of domain {schema}.{domain}"),
        ),
        AddAttribute {
            schema,
            composite,
            attribute,
        } => step(
            Expand,
            INSTANT,
            format!(
                "add attribute {} to composite type {schema}.{composite}",
                attribute.name
            ),
        ),
        DropAttribute {
            schema,
            composite,
            name,
        } => destructive(
            ctx,
            c,
            format!("drop attribute {name} of composite type {schema}.{composite}"),
            INSTANT,
            "data loss: the attribute's values in every column of the type",
        ),
        AlterAttribute {
            schema,
            composite,
            to,
            ..
        } => {
            let users = crate::diff::domain::users(ctx.from, schema, composite);
            let columns: Vec<&String> = users.iter().filter(|u| u.starts_with("column ")).collect();
            if !columns.is_empty() {
                return Err(Error::Refused(format!(
                    "composite type {schema}.{composite}: changing the type of attribute {} is refused by Postgres while a column uses the type ({}). Add a new attribute instead (and stop using the old one), or move the columns to a new type in their own release",
                    to.name,
                    columns.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
            step(
                Expand,
                INSTANT,
                format!(
                    "change attribute {} of composite type {schema}.{composite}",
                    to.name
                ),
            )
        }
        RenameEnum { schema, from, to } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                INSTANT,
                format!("rename enum {schema}.{from} to {to}"),
            );
            s.hazards.push(format!("SQL of the old application that names the type ({from}, casts such as `::{from}`) fails from this step on; columns of the type keep working"));
            Ok(vec![s])
        }
        RenameEnumValue {
            schema,
            name,
            from,
            to,
        } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                INSTANT,
                format!("rename value '{from}' of enum {schema}.{name} to '{to}'"),
            );
            s.hazards.push(format!("rows holding '{from}' hold '{to}' at once; the old application's writes of '{from}' fail from this step on (deploy the new version right after it)"));
            Ok(vec![s])
        }
        _ => Ok(vec![]),
    }
}
