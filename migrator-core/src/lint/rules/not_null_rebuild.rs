//! `not-null-rebuild` (MySQL / MariaDB, warning): `MODIFY` / `CHANGE` making a column
//! `NOT NULL` (when it is, or may be, nullable today).
//!
//! Why: NULL → NOT NULL rebuilds the whole table (ALGORITHM=INPLACE: online with LOCK=NONE, but
//! every row is rewritten — I/O, replica lag), needs strict SQL mode, and fails if any row
//! holds NULL (ONLINE_DDL.md, "make NULL / NOT NULL: INPLACE rebuild").
//!
//! Not flagged: a column known (from earlier statements or earlier up files) to be NOT NULL
//! already — restating NOT NULL in a MODIFY costs nothing then; a table created earlier in the
//! same file. An unknown column is flagged, with "if … is nullable today".
//!
//! Safe alternative: backfill the NULLs in batches first; run the change with
//! `ALGORITHM=INPLACE, LOCK=NONE` at a quiet time, expecting a full rebuild; or keep the column
//! nullable and enforce the rule in the application.

use crate::lint::sql::{ActionKind, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct NotNullRebuild;

impl Rule for NotNullRebuild {
    fn name(&self) -> &'static str {
        "not-null-rebuild"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn doc(&self) -> &'static str {
        "MODIFY … NOT NULL on a nullable column rebuilds the table and fails on existing NULLs"
    }
    fn explanation(&self) -> &'static str {
        "Making a column NOT NULL rebuilds the whole table (INPLACE, online with LOCK=NONE but \
         every row is rewritten), needs strict mode, and fails if a row holds NULL."
    }
    fn safe_alternative(&self) -> &'static str {
        "Backfill NULLs in batches first, then run it with ALGORITHM=INPLACE, LOCK=NONE at a \
         quiet time; or keep the column nullable."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        if ctx.created_in_file(&a.name) {
            return vec![];
        }
        let mut out = Vec::new();
        for action in &a.actions {
            let (verb, old, def) = match &action.kind {
                ActionKind::Modify(def) => ("MODIFY", &def.name, def),
                ActionKind::Change { old, def } => ("CHANGE", old, def),
                _ => continue,
            };
            if !def.not_null {
                continue;
            }
            let known = ctx.knowledge.column(&a.name, old);
            if known.is_some_and(|k| k.not_null) {
                continue;
            }
            let condition = if known.is_some() {
                String::new()
            } else {
                format!("if {} is nullable today, ", old.quoted())
            };
            out.push(ctx.finding(
                self,
                action.line,
                format!(
                    "{verb} {} … NOT NULL on {}: {condition}this rebuilds the whole table and fails if any row holds NULL",
                    old.quoted(),
                    a.name.quoted()
                ),
                "backfill NULLs in batches first, then run it with ALGORITHM=INPLACE, LOCK=NONE at a quiet time (full rebuild)",
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Mysql;

    const RULE: &str = "not-null-rebuild";

    #[test]
    fn flags_null_to_not_null() {
        let files = [("1_a.up.sql", "CREATE TABLE t (a INT, b INT NOT NULL);"), ("2_b.up.sql", "ALTER TABLE t MODIFY a INT NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;")];
        assert_one(&lint_files(RULE, Mysql, &files), 1, &["MODIFY \"a\" … NOT NULL on \"t\": this rebuilds the whole table"]);
        let f = lint(RULE, Mysql, "ALTER TABLE t CHANGE a a INT NOT NULL;");
        assert_one(&f, 1, &["if \"a\" is nullable today"]);
    }

    #[test]
    fn already_not_null_or_nullable_passes() {
        let files = [("1_a.up.sql", "CREATE TABLE t (a INT, b INT NOT NULL);"), ("2_b.up.sql", "ALTER TABLE t MODIFY b BIGINT NOT NULL, MODIFY a INT NULL;")];
        assert_none(&lint_files(RULE, Mysql, &files));
        assert_none(&lint(RULE, Mysql, "ALTER TABLE t MODIFY a INT COMMENT 'NOT NULL';"));
    }
}
