//! `set-not-null-without-check` (Postgres, error): `ALTER COLUMN c SET NOT NULL` on an existing
//! table without a validated `CHECK (c IS NOT NULL)` before it in the same file.
//!
//! Why: `SET NOT NULL` scans the whole table under an ACCESS EXCLUSIVE lock — no reads, no
//! writes — unless a validated `CHECK (c IS NOT NULL)` already proves it (Postgres ≥ 12). Before
//! Postgres 12 the scan always happens (ONLINE_DDL.md, `SET NOT NULL`).
//!
//! Safe alternative: `ADD CONSTRAINT c_not_null CHECK (c IS NOT NULL) NOT VALID`;
//! `VALIDATE CONSTRAINT c_not_null` (SHARE UPDATE EXCLUSIVE: no read or write blocked);
//! `SET NOT NULL` (no scan); `DROP CONSTRAINT c_not_null`.
//!
//! What counts as the validated check: in the same file, before the `SET NOT NULL`, a
//! `VALIDATE CONSTRAINT k` on the same table, where `k` is either added earlier in the file as
//! `CHECK (c IS NOT NULL)` or not defined in this file at all (its definition, in an earlier
//! migration, cannot be seen, so it is trusted); or an `ADD … CHECK (c IS NOT NULL)` without
//! `NOT VALID` (validated on the spot — `require-not-valid-check` flags that one). Not flagged:
//! a table created earlier in the same file.

use crate::lint::sql::{ActionKind, ConstraintKind, Ident, Name, Stmt, Tok};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct SetNotNullWithoutCheck;

impl Rule for SetNotNullWithoutCheck {
    fn name(&self) -> &'static str {
        "set-not-null-without-check"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "SET NOT NULL without a validated CHECK (c IS NOT NULL) scans the table under an ACCESS EXCLUSIVE lock"
    }
    fn explanation(&self) -> &'static str {
        "SET NOT NULL verifies every row while holding an ACCESS EXCLUSIVE lock (no reads, no \
         writes). Postgres 12+ skips the scan when a validated CHECK (c IS NOT NULL) exists."
    }
    fn safe_alternative(&self) -> &'static str {
        "ADD CONSTRAINT k CHECK (c IS NOT NULL) NOT VALID; ALTER TABLE … VALIDATE CONSTRAINT k; \
         then SET NOT NULL (no scan on Postgres 12+); then DROP CONSTRAINT k."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        if ctx.created_in_file(&a.name) {
            return vec![];
        }
        let old_server = ctx.options().postgres_version < 12;
        let mut out = Vec::new();
        for (i, action) in a.actions.iter().enumerate() {
            let ActionKind::SetNotNull(column) = &action.kind else {
                continue;
            };
            if !old_server && proven(ctx, &a.name, column, &a.actions[..i]) {
                continue;
            }
            let target = format!("{}.{}", a.name.quoted(), column.quoted());
            out.push(if old_server {
                ctx.finding(
                    self,
                    action.line,
                    format!(
                        "SET NOT NULL on {target} scans the whole table under an ACCESS EXCLUSIVE lock (before Postgres 12 even a validated CHECK does not avoid it)"
                    ),
                    "on Postgres < 12 keep a validated CHECK (c IS NOT NULL) NOT VALID constraint instead of NOT NULL, or run this in a maintenance window",
                )
            } else {
                ctx.finding(
                    self,
                    action.line,
                    format!(
                        "SET NOT NULL on {target} scans the whole table under an ACCESS EXCLUSIVE lock (no reads or writes meanwhile)"
                    ),
                    format!(
                        "first ADD CONSTRAINT … CHECK ({} IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT it (no write block), then SET NOT NULL skips the scan; drop the check after",
                        column.text
                    ),
                )
            });
        }
        out
    }
}

/// Whether the statements before (and the actions before, in the same statement) validated a
/// `CHECK (column IS NOT NULL)` on `table`.
fn proven(ctx: &StatementContext, table: &Name, column: &Ident, before: &[crate::lint::sql::Action]) -> bool {
    // (constraint name, whether it proves the column) of the checks added on the table here.
    let mut added: Vec<(Option<String>, bool)> = Vec::new();
    let mut validated: Vec<String> = Vec::new();
    let earlier = ctx.earlier().iter().filter_map(|s| match &s.stmt {
        Stmt::AlterTable(a) if a.name.same(table) => Some(a.actions.as_slice()),
        _ => None,
    });
    for actions in earlier.chain(std::iter::once(before)) {
        for action in actions {
            match &action.kind {
                ActionKind::AddConstraint(k) => {
                    if let ConstraintKind::Check(expr) = &k.kind {
                        let proves = is_not_null_check(expr, column, ctx.dialect());
                        if proves && !k.not_valid {
                            return true;
                        }
                        added.push((k.name.as_ref().map(|n| n.key.clone()), proves));
                    }
                }
                ActionKind::ValidateConstraint(name) => validated.push(name.key.clone()),
                _ => {}
            }
        }
    }
    validated.iter().any(|v| {
        match added.iter().find(|(name, _)| name.as_deref() == Some(v)) {
            Some((_, proves)) => *proves,
            // Defined in an earlier migration: its text cannot be seen here, trust it.
            None => true,
        }
    })
}

/// `c IS NOT NULL`, possibly in parentheses.
fn is_not_null_check(expr: &[Tok], column: &Ident, dialect: Dialect) -> bool {
    let mut e = expr;
    while e.len() >= 2 && e[0].sym("(") && e[e.len() - 1].sym(")") {
        e = &e[1..e.len() - 1];
    }
    e.len() == 4
        && e[0].ident(dialect).is_some_and(|i| i.key == column.key)
        && e[1].is("IS")
        && e[2].is("NOT")
        && e[3].is("NULL")
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Postgres;

    const RULE: &str = "set-not-null-without-check";

    #[test]
    fn flags_bare_set_not_null() {
        let f = lint(RULE, Postgres, "ALTER TABLE customers ALTER COLUMN email SET NOT NULL;");
        assert_one(&f, 1, &["SET NOT NULL on \"customers\".\"email\" scans the whole table", "CHECK (email IS NOT NULL) NOT VALID"]);
    }

    #[test]
    fn validated_check_in_the_same_file_passes() {
        let text = "ALTER TABLE customers ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
                    ALTER TABLE customers VALIDATE CONSTRAINT email_nn;\n\
                    ALTER TABLE customers ALTER COLUMN email SET NOT NULL;\n\
                    ALTER TABLE customers DROP CONSTRAINT email_nn;";
        assert_none(&lint(RULE, Postgres, text));
        // Check added in an earlier migration, validated here: trusted.
        let text = "ALTER TABLE customers VALIDATE CONSTRAINT email_nn;\nALTER TABLE customers ALTER email SET NOT NULL;";
        assert_none(&lint(RULE, Postgres, text));
    }

    #[test]
    fn wrong_or_unvalidated_checks_do_not_count() {
        // Not validated.
        let text = "ALTER TABLE c ADD CONSTRAINT k CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE c ALTER COLUMN email SET NOT NULL;";
        assert_one(&lint(RULE, Postgres, text), 2, &["\"email\""]);
        // Validated, but about another column.
        let text = "ALTER TABLE c ADD CONSTRAINT k CHECK (name IS NOT NULL) NOT VALID;\nALTER TABLE c VALIDATE CONSTRAINT k;\nALTER TABLE c ALTER COLUMN email SET NOT NULL;";
        assert_one(&lint(RULE, Postgres, text), 3, &["\"email\""]);
        // Validated on another table.
        let text = "ALTER TABLE d VALIDATE CONSTRAINT k;\nALTER TABLE c ALTER COLUMN email SET NOT NULL;";
        assert_one(&lint(RULE, Postgres, text), 2, &["\"c\""]);
    }

    #[test]
    fn postgres_before_12_always_scans() {
        let mut o = only(RULE, Postgres);
        o.postgres_version = 11;
        let text = "ALTER TABLE c VALIDATE CONSTRAINT k;\nALTER TABLE c ALTER COLUMN email SET NOT NULL;";
        assert_one(&lint_with(o, "t.up.sql", text), 2, &["before Postgres 12"]);
    }

    #[test]
    fn new_table_passes() {
        assert_none(&lint(RULE, Postgres, "CREATE TABLE c (email text);\nALTER TABLE c ALTER COLUMN email SET NOT NULL;"));
    }
}
