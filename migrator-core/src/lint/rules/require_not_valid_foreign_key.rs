//! `require-not-valid-foreign-key` (Postgres, error): a foreign key added to an existing table
//! without `NOT VALID` (`ADD [CONSTRAINT c] FOREIGN KEY …`, or `ADD COLUMN … REFERENCES …`).
//!
//! Why: adding a foreign key takes SHARE ROW EXCLUSIVE locks on both tables and validates every
//! existing row while holding them: writes to both tables wait for the whole scan
//! (ONLINE_DDL.md, `ADD FOREIGN KEY`). With an inline `REFERENCES` in `ADD COLUMN`, the scan runs
//! under the ACCESS EXCLUSIVE lock of the ADD COLUMN.
//!
//! Safe alternative: `ADD CONSTRAINT c FOREIGN KEY (…) REFERENCES … NOT VALID` (instant; new rows
//! are checked from then on), then `VALIDATE CONSTRAINT c` in a later statement or migration:
//! it scans under SHARE UPDATE EXCLUSIVE, which does not block reads or writes.
//!
//! Not flagged: a table created earlier in the same file.

use crate::lint::sql::{ActionKind, ConstraintKind, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RequireNotValidForeignKey;

impl Rule for RequireNotValidForeignKey {
    fn name(&self) -> &'static str {
        "require-not-valid-foreign-key"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "ADD FOREIGN KEY without NOT VALID validates every row while blocking writes to both tables"
    }
    fn explanation(&self) -> &'static str {
        "Adding a foreign key locks both tables in SHARE ROW EXCLUSIVE mode and scans the whole \
         referencing table to validate it: writes to both tables wait for the scan."
    }
    fn safe_alternative(&self) -> &'static str {
        "ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then ALTER TABLE … VALIDATE CONSTRAINT … in a \
         later statement or migration (SHARE UPDATE EXCLUSIVE: no read or write is blocked)."
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
                ActionKind::AddConstraint(k) if !k.not_valid => {
                    let ConstraintKind::ForeignKey { references } = &k.kind else {
                        continue;
                    };
                    let name = k.name.as_ref().map(|n| format!(" {}", n.quoted())).unwrap_or_default();
                    let target = references
                        .as_ref()
                        .map(|r| format!(" → {}", r.quoted()))
                        .unwrap_or_default();
                    let validate = k.name.as_ref().map_or("the constraint".to_string(), |n| n.quoted());
                    out.push(ctx.finding(
                        self,
                        action.line,
                        format!("ADD FOREIGN KEY{name} on {table}{target} validates every row while blocking writes to both tables"),
                        format!("add it NOT VALID, then VALIDATE CONSTRAINT {validate} in a later statement or migration (that does not block writes)"),
                    ));
                }
                ActionKind::AddColumn(c) => {
                    let Some(r) = &c.references else { continue };
                    out.push(ctx.finding(
                        self,
                        action.line,
                        format!(
                            "ADD COLUMN {} on {table} with REFERENCES {} validates every row under the ADD COLUMN's ACCESS EXCLUSIVE lock, and blocks writes to {}",
                            c.name.quoted(),
                            r.quoted(),
                            r.quoted()
                        ),
                        "add the column without REFERENCES, then ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT in a later statement",
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

    const RULE: &str = "require-not-valid-foreign-key";

    #[test]
    fn flags_validated_foreign_keys() {
        let f = lint(RULE, Postgres, "ALTER TABLE orders\n  ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);");
        assert_one(&f, 2, &["ADD FOREIGN KEY \"orders_customer_fk\" on \"orders\" → \"customers\" validates every row", "VALIDATE CONSTRAINT \"orders_customer_fk\""]);
        let f = lint(RULE, Postgres, "ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers;");
        assert_one(&f, 1, &["ADD COLUMN \"customer_id\" on \"orders\" with REFERENCES \"customers\""]);
        let f = lint(RULE, Postgres, "ALTER TABLE orders ADD FOREIGN KEY (a) REFERENCES c (id);");
        assert_one(&f, 1, &["ADD FOREIGN KEY on \"orders\" → \"c\""]);
    }

    #[test]
    fn not_valid_and_new_tables_pass() {
        assert_none(&lint(RULE, Postgres, "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES c (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT fk;"));
        assert_none(&lint(RULE, Postgres, "CREATE TABLE orders (id int, c int);\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES c (id);"));
        // A comment saying NOT VALID is not NOT VALID.
        assert_eq!(lint(RULE, Postgres, "ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES c (id) /* NOT VALID */;").len(), 1);
    }
}
