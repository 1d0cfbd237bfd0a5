//! `drop-column` (both dialects): `DROP COLUMN` on an existing table — an error outside a
//! contract-phase file, a warning in one; down files are not checked.
//!
//! Why: the data is gone for good, and the application version still running may read or write
//! the column. Dropping belongs to the contract phase (`-- migrator:phase contract`), applied
//! with `migrator apply --contract` once no deployed version uses the column; even there it
//! stays a warning, because the data cannot come back. Lock-wise it is cheap: Postgres ACCESS
//! EXCLUSIVE briefly (no rewrite); MySQL INSTANT from 8.0.29 (a rebuild before, or when the
//! column is indexed), MariaDB INSTANT (ONLINE_DDL.md).
//!
//! Down files are exempt: undoing the up file is their purpose, and a rollback is a deliberate
//! operator action (`-- migrator:irreversible` marks the ones that cannot restore data).
//!
//! Safe alternative: stop using the column in the application first, then drop it in a contract
//! migration. Not flagged: a table created earlier in the same file.

use crate::lint::sql::{ActionKind, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::migrations::Phase;
use crate::Dialect;

pub struct DropColumn;

impl Rule for DropColumn {
    fn name(&self) -> &'static str {
        "drop-column"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "DROP COLUMN loses data and breaks the running app version (error; warning in a contract-phase file)"
    }
    fn explanation(&self) -> &'static str {
        "Dropping a column deletes its data for good, and the application version still running \
         may use it. It belongs in a contract-phase migration, where it is still reported as a \
         warning. Down files are not checked."
    }
    fn safe_alternative(&self) -> &'static str {
        "Stop using the column in the application, then drop it in a migration marked \
         -- migrator:phase contract (applied with migrator apply --contract)."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        if ctx.file.is_down || ctx.created_in_file(&a.name) {
            return vec![];
        }
        let contract = ctx.file.phase() == Phase::Contract;
        let mut out = Vec::new();
        for action in &a.actions {
            let ActionKind::DropColumn(column) = &action.kind else {
                continue;
            };
            let target = format!("{}.{}", a.name.quoted(), column.quoted());
            out.push(if contract {
                ctx.finding_with(
                    self,
                    Severity::Warning,
                    action.line,
                    format!("DROP COLUMN {target} deletes its data for good"),
                    "make sure no deployed application version uses it, and keep a backup if the data may be needed",
                )
            } else {
                ctx.finding(
                    self,
                    action.line,
                    format!(
                        "DROP COLUMN {target} deletes its data and breaks the application version still running if it uses the column"
                    ),
                    "drop columns only in a migration marked -- migrator:phase contract, after no deployed version uses them",
                )
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::lint::Severity;
    use crate::Dialect::{Mysql, Postgres};

    const RULE: &str = "drop-column";

    #[test]
    fn error_outside_contract_warning_inside() {
        let f = lint(RULE, Postgres, "ALTER TABLE customers DROP COLUMN phone;");
        assert_one(&f, 1, &["DROP COLUMN \"customers\".\"phone\" deletes its data", "phase contract"]);
        assert_eq!(f[0].severity, Severity::Error);
        let f = lint(RULE, Mysql, "-- migrator:phase contract\nALTER TABLE customers DROP phone, ALGORITHM=INSTANT;");
        assert_one(&f, 2, &["deletes its data for good"]);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn down_files_constraints_and_new_tables_pass() {
        assert_none(&lint_with(only(RULE, Postgres), "1_a.down.sql", "ALTER TABLE customers DROP COLUMN phone;"));
        assert_none(&lint(RULE, Postgres, "ALTER TABLE c DROP CONSTRAINT k, DROP DEFAULT;"));
        assert_none(&lint(RULE, Mysql, "ALTER TABLE c DROP INDEX k, DROP PRIMARY KEY, DROP FOREIGN KEY f;"));
        assert_none(&lint(RULE, Postgres, "CREATE TABLE c (a int, b int);\nALTER TABLE c DROP COLUMN b;"));
    }
}
