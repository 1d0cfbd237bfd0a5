//! Postgres SQL of row-level security policies (the changes of `diff/policy.rs`), called from
//! [`super::postgres`].

use super::SqlStatement;
use crate::diff::Change;
use crate::schema::{Policy, PUBLIC_ROLE};
use crate::Dialect;

// Quoting straight from the dialect, not from `render/postgres.rs`, which calls this module.
fn ident(name: &str) -> String {
    Dialect::Postgres.ident(name)
}

fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// `TO …`: role names quoted, `PUBLIC` as the keyword.
fn roles(p: &Policy) -> String {
    let list: Vec<String> = p
        .roles
        .iter()
        .map(|r| {
            if r == PUBLIC_ROLE {
                r.clone()
            } else {
                ident(r)
            }
        })
        .collect();
    if list.is_empty() {
        PUBLIC_ROLE.to_string()
    } else {
        list.join(", ")
    }
}

/// `USING (…)` / `WITH CHECK (…)` clauses, those the policy has.
fn expressions(p: &Policy) -> String {
    let mut out = String::new();
    if let Some(u) = &p.using {
        out.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &p.check {
        out.push_str(&format!(" WITH CHECK ({c})"));
    }
    out
}

pub(super) fn create_policy(schema: &str, p: &Policy) -> String {
    format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}{}",
        ident(&p.name),
        qualified(schema, &p.table),
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command.keyword(),
        roles(p),
        expressions(p)
    )
}

fn drop_policy(schema: &str, p: &Policy) -> String {
    format!(
        "DROP POLICY {} ON {}",
        ident(&p.name),
        qualified(schema, &p.table)
    )
}

/// The SQL of a policy change (other changes: nothing).
pub(super) fn render(change: &Change) -> Vec<SqlStatement> {
    let one = |sql: String| vec![SqlStatement::new(sql)];
    match change {
        Change::CreatePolicy { schema, policy } => one(create_policy(schema, policy)),
        Change::AlterPolicy { schema, to, .. } => one(format!(
            "ALTER POLICY {} ON {} TO {}{}",
            ident(&to.name),
            qualified(schema, &to.table),
            roles(to),
            expressions(to)
        )),
        // One transaction (one step): the table is never without the policy.
        Change::ReplacePolicy { schema, from, to } => vec![
            SqlStatement::new(drop_policy(schema, from)),
            SqlStatement::new(create_policy(schema, to)),
        ],
        Change::RenamePolicy {
            schema,
            table,
            from,
            to,
        } => one(format!(
            "ALTER POLICY {} ON {} RENAME TO {}",
            ident(from),
            qualified(schema, table),
            ident(to)
        )),
        Change::DropPolicy { schema, policy } => one(drop_policy(schema, policy)),
        _ => Vec::new(),
    }
}
