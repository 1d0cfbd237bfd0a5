//! `column-position` (MySQL only, warning; not with `mysql-flavor = "mariadb"`): `ADD COLUMN …
//! FIRST` / `AFTER x` on an existing table.
//!
//! Why: MySQL adds a column instantly only at the last position before 8.0.29; `FIRST` / `AFTER`
//! rebuild the table there (ONLINE_DDL.md, "add column FIRST/AFTER: INSTANT ≥ 8.0.29, else
//! rebuild"). MariaDB adds them instantly, hence no finding with `mysql-flavor = "mariadb"`.
//!
//! Safe alternative: add the column at the end (no `FIRST` / `AFTER`) — column order rarely
//! matters to an application — or make sure every server runs MySQL ≥ 8.0.29 and say
//! `ALGORITHM=INSTANT`. Not flagged: a table created earlier in the same file.

use crate::lint::sql::{ActionKind, Stmt};
use crate::lint::{Finding, MysqlFlavor, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct ColumnPosition;

impl Rule for ColumnPosition {
    fn name(&self) -> &'static str {
        "column-position"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn doc(&self) -> &'static str {
        "ADD COLUMN … FIRST/AFTER rebuilds the table before MySQL 8.0.29 (not checked for MariaDB)"
    }
    fn explanation(&self) -> &'static str {
        "Before MySQL 8.0.29, only a column added at the last position is instant; FIRST / \
         AFTER rebuild the table. MariaDB adds such columns instantly."
    }
    fn safe_alternative(&self) -> &'static str {
        "Add the column at the end, or require MySQL ≥ 8.0.29 and write ALGORITHM=INSTANT."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        if ctx.options().mysql_flavor == MysqlFlavor::Mariadb
            || ctx.created_in_file(&a.name)
            || a.algorithm.as_ref().is_some_and(|x| x.0 == "INSTANT")
        {
            return vec![];
        }
        a.actions
            .iter()
            .filter_map(|x| match &x.kind {
                ActionKind::AddColumn(c) => c.position.as_ref().map(|p| (x.line, c, p)),
                _ => None,
            })
            .map(|(line, c, position)| {
                ctx.finding(
                    self,
                    line,
                    format!(
                        "ADD COLUMN {} … {position} on {} rebuilds the table before MySQL 8.0.29 (only the last position is instant there)",
                        c.name.quoted(),
                        a.name.quoted()
                    ),
                    "add the column at the end (without FIRST/AFTER), or require MySQL 8.0.29+ and write ALGORITHM=INSTANT",
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::lint::MysqlFlavor;
    use crate::Dialect::Mysql;

    const RULE: &str = "column-position";

    #[test]
    fn flags_positioned_columns_on_mysql() {
        let f = lint(RULE, Mysql, "ALTER TABLE t ADD COLUMN b INT AFTER a;");
        assert_one(&f, 1, &["ADD COLUMN \"b\" … AFTER a on \"t\" rebuilds the table before MySQL 8.0.29"]);
    }

    #[test]
    fn last_position_mariadb_and_instant_pass() {
        assert_none(&lint(RULE, Mysql, "ALTER TABLE t ADD COLUMN b INT;"));
        assert_none(&lint(RULE, Mysql, "ALTER TABLE t ADD COLUMN b INT FIRST, ALGORITHM=INSTANT;"));
        let mut o = only(RULE, Mysql);
        o.mysql_flavor = MysqlFlavor::Mariadb;
        assert_none(&lint_with(o, "t.up.sql", "ALTER TABLE t ADD COLUMN b INT FIRST;"));
    }
}
