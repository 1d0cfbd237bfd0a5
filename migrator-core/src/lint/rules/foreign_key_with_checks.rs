//! `foreign-key-with-checks` (MySQL / MariaDB, error): `ADD FOREIGN KEY` on an existing table
//! while `foreign_key_checks` is on.
//!
//! Why: with `foreign_key_checks = 1` InnoDB adds a foreign key only with ALGORITHM=COPY,
//! copying the table while writes are blocked; with `foreign_key_checks = 0` it is INPLACE
//! (ONLINE_DDL.md, "add FOREIGN KEY: online only with `foreign_key_checks=0`") — but then the
//! existing rows are not validated.
//!
//! Passes when an earlier statement of the file runs `SET [SESSION] foreign_key_checks = 0`
//! (or `OFF`) and no statement in between sets it back on. migrator runs a file's statements on
//! one session, so the setting holds for the rest of the file (and the runner's session: set
//! it back to 1 after).
//!
//! Safe alternative: make sure the referencing column is indexed, check for orphan rows in
//! batches, then `SET foreign_key_checks = 0; ALTER TABLE … ADD FOREIGN KEY …, ALGORITHM=INPLACE,
//! LOCK=NONE; SET foreign_key_checks = 1;`. Not flagged: a table created earlier in the file.

use crate::lint::sql::{ActionKind, ConstraintKind, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct ForeignKeyWithChecks;

impl Rule for ForeignKeyWithChecks {
    fn name(&self) -> &'static str {
        "foreign-key-with-checks"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "ADD FOREIGN KEY with foreign_key_checks on copies the table, blocking writes"
    }
    fn explanation(&self) -> &'static str {
        "With foreign_key_checks = 1, adding a foreign key uses ALGORITHM=COPY (writes blocked \
         for the whole copy). With foreign_key_checks = 0 it runs in place, but existing rows \
         are not validated."
    }
    fn safe_alternative(&self) -> &'static str {
        "Index the column, check for orphans in batches, then SET foreign_key_checks = 0; ADD \
         FOREIGN KEY …, ALGORITHM=INPLACE, LOCK=NONE; SET foreign_key_checks = 1."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        let adds_foreign_key = a.actions.iter().any(|x| {
            matches!(&x.kind, ActionKind::AddConstraint(k) if matches!(k.kind, ConstraintKind::ForeignKey { .. }))
        });
        if !adds_foreign_key || ctx.created_in_file(&a.name) || checks_off(ctx) {
            return vec![];
        }
        a.actions
            .iter()
            .filter_map(|action| match &action.kind {
                ActionKind::AddConstraint(k) => match &k.kind {
                    ConstraintKind::ForeignKey { references } => Some((action.line, k, references)),
                    _ => None,
                },
                _ => None,
            })
            .map(|(line, k, references)| {
                let name = k.name.as_ref().map(|n| format!(" {}", n.quoted())).unwrap_or_default();
                let target = references.as_ref().map(|r| format!(" → {}", r.quoted())).unwrap_or_default();
                ctx.finding(
                    self,
                    line,
                    format!(
                        "ADD FOREIGN KEY{name} on {}{target} with foreign_key_checks on copies the whole table, blocking writes",
                        a.name.quoted()
                    ),
                    "check for orphan rows in batches, then SET foreign_key_checks = 0 before it (existing rows are then not validated) and back to 1 after",
                )
            })
            .collect()
    }
}

/// Whether the last `foreign_key_checks` setting before this statement turned checks off.
fn checks_off(ctx: &StatementContext) -> bool {
    let mut off = false;
    for s in ctx.earlier() {
        if let Stmt::Set { vars, .. } = &s.stmt {
            for (name, value) in vars {
                if name == "foreign_key_checks" {
                    off = matches!(value.as_str(), "0" | "off" | "false");
                }
            }
        }
    }
    off
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Mysql;

    const RULE: &str = "foreign-key-with-checks";

    #[test]
    fn flags_foreign_key_with_checks_on() {
        let f = lint(RULE, Mysql, "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id), ALGORITHM=INPLACE, LOCK=NONE;");
        assert_one(&f, 1, &["ADD FOREIGN KEY \"fk\" on \"orders\" → \"customers\" with foreign_key_checks on copies the whole table"]);
        // Turned back on before it.
        let text = "SET foreign_key_checks = 0;\nSET foreign_key_checks = 1;\nALTER TABLE o ADD FOREIGN KEY (c) REFERENCES c (id);";
        assert_one(&lint(RULE, Mysql, text), 3, &["\"o\""]);
    }

    #[test]
    fn checks_off_passes() {
        let text = "SET SESSION foreign_key_checks = 0;\nALTER TABLE o ADD FOREIGN KEY (c) REFERENCES c (id), ALGORITHM=INPLACE, LOCK=NONE;\nSET foreign_key_checks = 1;";
        assert_none(&lint(RULE, Mysql, text));
        assert_none(&lint(RULE, Mysql, "SET @@foreign_key_checks=OFF;\nALTER TABLE o ADD FOREIGN KEY (c) REFERENCES c (id);"));
        assert_none(&lint(RULE, Mysql, "CREATE TABLE o (c INT);\nALTER TABLE o ADD FOREIGN KEY (c) REFERENCES c (id);"));
    }
}
