//! Postgres recipes for row-level security policies (the changes of `diff/policy.rs`), called
//! from [`super::postgres`].
//!
//! A policy cannot be staged: it holds for every session the moment it commits, so the old and
//! the new application version see the same policies whatever the phase. The phases follow
//! what each version needs:
//! - new policies and new definitions (`ALTER POLICY`, or a drop and a create in one
//!   transaction when the command or permissive / restrictive kind changes) go in **expand**:
//!   the new version may need them, and a table that gets row-level security in this plan gets
//!   its policies before (the diff orders `ENABLE ROW LEVEL SECURITY` after them);
//! - policies no longer declared go in **contract**, after the old version stopped, as every
//!   other drop (row-level security is turned off in expand, before).
//!
//! Every step says, as a hazard, that it takes effect at once for both versions.
//!
//! A column a policy reads cannot be renamed or change type through a shadow column (the swap
//! would leave the policy on the old column, which then cannot be dropped; Postgres refuses a
//! type change of such a column outright): the plan refuses it ([`check`]).

use super::common::simple;
use super::Step;
use crate::diff::{mentions, Change};
use crate::migrations::Phase;
use crate::render::postgres::PostgresRenderer;
use crate::schema::{Database, Policy};
use crate::{Error, Result};

type Ctx<'a> = super::common::Ctx<'a, PostgresRenderer>;

const NONE: &str = "none on existing tables";

fn at_once(what: &str) -> String {
    format!("{what} takes effect at once for every session: the old and the new application version both run under it from this step on (no staging is possible for a policy)")
}

/// What a policy lets through, in words (for hazards).
fn kind(p: &Policy) -> &'static str {
    if p.permissive {
        "permissive"
    } else {
        "restrictive"
    }
}

pub(super) fn recipe(ctx: &Ctx, c: &Change) -> Result<Vec<Step>> {
    use Change::*;
    use Phase::*;
    let lock = |schema: &str, table: &str| {
        if ctx.is_new(schema, table) {
            NONE.to_string()
        } else {
            format!("ACCESS EXCLUSIVE on {schema}.{table}, instant")
        }
    };
    let s = match c {
        CreatePolicy { schema, policy } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                &lock(schema, &policy.table),
                format!(
                    "create {} policy {} on {schema}.{}",
                    kind(policy),
                    policy.name,
                    policy.table
                ),
            );
            s.hazards
                .push(at_once(&format!("new policy {}", policy.name)));
            s
        }
        AlterPolicy { schema, to, .. } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                &lock(schema, &to.table),
                format!("alter policy {} on {schema}.{}", to.name, to.table),
            );
            s.hazards.push(at_once(&format!(
                "the new roles / USING / WITH CHECK of policy {}",
                to.name
            )));
            s
        }
        ReplacePolicy { schema, from, to } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                &lock(schema, &to.table),
                format!(
                    "drop and create policy {} on {schema}.{} (now {} for {})",
                    to.name,
                    to.table,
                    kind(to),
                    to.command.keyword()
                ),
            );
            s.hazards.push(at_once(&format!(
                "the new definition of policy {} ({} for {}, was {} for {})",
                to.name,
                kind(to),
                to.command.keyword(),
                kind(from),
                from.command.keyword()
            )));
            s.hazards.push("ALTER POLICY cannot change the command, the permissive / restrictive kind or remove an expression: dropped and created in one transaction, so no session sees the table without it".into());
            s
        }
        RenamePolicy {
            schema,
            table,
            from,
            to,
        } => {
            let mut s = simple(
                ctx,
                c,
                Expand,
                &lock(schema, table),
                format!("rename policy {from} on {schema}.{table} to {to}"),
            );
            s.hazards.push(at_once(&format!(
                "the rename of policy {from} to {to} (rows allowed are unchanged)"
            )));
            s
        }
        DropPolicy { schema, policy } => {
            let mut s = simple(
                ctx,
                c,
                Contract,
                &lock(schema, &policy.table),
                format!("drop policy {} on {schema}.{}", policy.name, policy.table),
            );
            let effect = if policy.permissive {
                "rows only it let through are no longer visible or writable"
            } else {
                "rows it kept out become visible and writable"
            };
            s.hazards.push(at_once(&format!(
                "dropping {} policy {} ({effect} while row-level security is on; rollback creates it again)",
                kind(policy),
                policy.name
            )));
            s
        }
        _ => return Ok(vec![]),
    };
    Ok(vec![s])
}

/// Refuses a column rename or type change (made through a shadow column) of a column that a
/// policy of the live database reads (a policy of its table, or of another table naming its
/// table); see the module comment.
pub(super) fn check(changes: &[Change], from: &Database) -> Result<()> {
    for c in changes {
        let (schema, table, column, what) = match c {
            Change::RenameColumn {
                schema,
                table,
                from,
                ..
            } => (schema, table, from, "rename"),
            Change::AlterColumn {
                schema,
                table,
                from,
                to,
                ..
            } if from.data_type != to.data_type => {
                (schema, table, &from.name, "change the type of")
            }
            _ => continue,
        };
        // Its own table's policies, and others naming the table (a subquery).
        let policies = from.schemas.iter().flat_map(|s| {
            s.policies
                .iter()
                .map(move |p| (&s.name == schema && &p.table == table, p))
        });
        for (own, p) in policies {
            let reads = [&p.using, &p.check]
                .into_iter()
                .flatten()
                .any(|e| mentions(e, column) && (own || mentions(e, table)));
            if reads {
                return Err(Error::Refused(format!(
                    "cannot {what} column {schema}.{table}.{column}: policy {} reads it, and the shadow-column swap that keeps both application versions working cannot move a policy (Postgres refuses to drop or retype a column a policy uses). Drop the policy (or stop it reading {column}) in one plan and make the change in the next, or write this migration by hand (`migrator new`)",
                    p.name
                )));
            }
        }
    }
    Ok(())
}
