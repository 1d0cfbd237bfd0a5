//! `require-not-valid-check` (Postgres, error): a CHECK constraint added to an existing table
//! without `NOT VALID` (`ADD [CONSTRAINT c] CHECK (…)`, or an inline CHECK in `ADD COLUMN`).
//!
//! Why: `ADD CHECK` holds an ACCESS EXCLUSIVE lock — no reads, no writes — while it scans the
//! whole table to validate the existing rows (ONLINE_DDL.md, `ADD CHECK`).
//!
//! Safe alternative: `ADD CONSTRAINT c CHECK (…) NOT VALID` (instant; new rows are checked),
//! then `VALIDATE CONSTRAINT c` in a later statement or migration (SHARE UPDATE EXCLUSIVE: reads
//! and writes go on).
//!
//! Not flagged: a table created earlier in the same file.

use crate::lint::sql::{ActionKind, ConstraintKind, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RequireNotValidCheck;

impl Rule for RequireNotValidCheck {
    fn name(&self) -> &'static str {
        "require-not-valid-check"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "ADD CHECK without NOT VALID scans the table under an ACCESS EXCLUSIVE lock"
    }
    fn explanation(&self) -> &'static str {
        "Adding a CHECK constraint validates every existing row while holding an ACCESS \
         EXCLUSIVE lock: neither reads nor writes run until the scan ends."
    }
    fn safe_alternative(&self) -> &'static str {
        "ADD CONSTRAINT … CHECK (…) NOT VALID, then ALTER TABLE … VALIDATE CONSTRAINT … in a \
         later statement or migration (SHARE UPDATE EXCLUSIVE)."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        if ctx.created_in_file(&a.name) {
            return vec![];
        }
        let table = a.name.quoted();
        let mut out = Vec::new();
        for action in &a.actions {
            match &action.kind {
                ActionKind::AddConstraint(k)
                    if !k.not_valid && matches!(k.kind, ConstraintKind::Check(_)) =>
                {
                    let name = k.name.as_ref().map(|n| format!(" {}", n.quoted())).unwrap_or_default();
                    let validate = k.name.as_ref().map_or("the constraint".to_string(), |n| n.quoted());
                    out.push(ctx.finding(
                        self,
                        action.line,
                        format!("ADD CHECK{name} on {table} scans the whole table under an ACCESS EXCLUSIVE lock (no reads or writes meanwhile)"),
                        format!("add it NOT VALID, then VALIDATE CONSTRAINT {validate} in a later statement or migration"),
                    ));
                }
                ActionKind::AddColumn(c) if c.check => {
                    out.push(ctx.finding(
                        self,
                        action.line,
                        format!("ADD COLUMN {} on {table} with an inline CHECK scans the whole table under an ACCESS EXCLUSIVE lock", c.name.quoted()),
                        "add the column without the CHECK, then ADD CONSTRAINT … CHECK (…) NOT VALID and VALIDATE CONSTRAINT in a later statement",
                    ));
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Postgres;

    const RULE: &str = "require-not-valid-check";

    #[test]
    fn flags_validated_checks() {
        let f = lint(RULE, Postgres, "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0);");
        assert_one(&f, 1, &["ADD CHECK \"positive\" on \"orders\" scans the whole table", "VALIDATE CONSTRAINT \"positive\""]);
        let f = lint(RULE, Postgres, "ALTER TABLE orders ADD COLUMN n int CHECK (n > 0);");
        assert_one(&f, 1, &["ADD COLUMN \"n\" on \"orders\" with an inline CHECK"]);
    }

    #[test]
    fn not_valid_passes() {
        assert_none(&lint(RULE, Postgres, "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;"));
        assert_none(&lint(RULE, Postgres, "CREATE TABLE t (a int);\nALTER TABLE t ADD CHECK (a > 0);"));
        // A string mentioning CHECK is no check.
        assert_none(&lint(RULE, Postgres, "ALTER TABLE t ADD COLUMN note text DEFAULT 'CHECK (x)';"));
    }
}
