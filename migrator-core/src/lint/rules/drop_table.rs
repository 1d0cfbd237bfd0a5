//! `drop-table` (both dialects): `DROP TABLE` of an existing table — an error outside a
//! contract-phase file, a warning in one; down files are not checked.
//!
//! Why: the data is gone for good, and the application version still running may use the
//! table. On Postgres the drop also takes an ACCESS EXCLUSIVE lock on the table (and on tables
//! referencing it by foreign key); on MySQL it takes an exclusive metadata lock.
//!
//! Down files are exempt: undoing the up file is their purpose (e.g. the down of a
//! `CREATE TABLE`), and a rollback is a deliberate operator action.
//!
//! Safe alternative: stop using the table, then drop it in a migration marked
//! `-- migrator:phase contract`. Not flagged: a table created earlier in the same file.

use crate::lint::sql::Stmt;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::migrations::Phase;
use crate::Dialect;

pub struct DropTable;

impl Rule for DropTable {
    fn name(&self) -> &'static str {
        "drop-table"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "DROP TABLE loses data and breaks the running app version (error; warning in a contract-phase file)"
    }
    fn explanation(&self) -> &'static str {
        "Dropping a table deletes its data for good, and the application version still running \
         may use it. It belongs in a contract-phase migration, where it is still reported as a \
         warning. Down files are not checked."
    }
    fn safe_alternative(&self) -> &'static str {
        "Stop using the table in the application, then drop it in a migration marked \
         -- migrator:phase contract (applied with migrator apply --contract)."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::DropTable { line, names } = ctx.stmt() else {
            return vec![];
        };
        if ctx.file.is_down {
            return vec![];
        }
        let contract = ctx.file.phase() == Phase::Contract;
        names
            .iter()
            .filter(|n| !ctx.created_in_file(n))
            .map(|n| {
                if contract {
                    ctx.finding_with(
                        self,
                        Severity::Warning,
                        *line,
                        format!("DROP TABLE {} deletes its data for good", n.quoted()),
                        "make sure no deployed application version uses it, and keep a backup if the data may be needed",
                    )
                } else {
                    ctx.finding(
                        self,
                        *line,
                        format!(
                            "DROP TABLE {} deletes its data and breaks the application version still running if it uses the table",
                            n.quoted()
                        ),
                        "drop tables only in a migration marked -- migrator:phase contract, after no deployed version uses them",
                    )
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::lint::Severity;
    use crate::Dialect::{Mysql, Postgres};

    const RULE: &str = "drop-table";

    #[test]
    fn error_outside_contract_warning_inside() {
        let f = lint(RULE, Postgres, "DROP TABLE IF EXISTS old_orders, legacy CASCADE;");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].to_string().contains("DROP TABLE \"old_orders\" deletes its data"));
        let f = lint(RULE, Mysql, "-- migrator:phase contract\nDROP TABLE `old_orders`;");
        assert_one(&f, 2, &["DROP TABLE \"old_orders\" deletes its data for good"]);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn down_files_and_new_tables_pass() {
        assert_none(&lint_with(only(RULE, Postgres), "1_a.down.sql", "DROP TABLE orders;"));
        assert_none(&lint(RULE, Postgres, "CREATE TABLE tmp (a int);\nDROP TABLE tmp;"));
        assert_none(&lint(RULE, Postgres, "DROP INDEX i; SELECT 'DROP TABLE x';"));
    }
}
