//! `explicit-transaction` (both dialects; Postgres error, MySQL warning): `BEGIN` / `COMMIT` /
//! `ROLLBACK` in a file that migrator runs. Not checked with `--standalone`.
//!
//! Why (Postgres): migrator runs the file in its own transaction — together with the history
//! row that records it — or, for `no-transaction` files, statement by statement with progress
//! recorded after each. A `COMMIT` in the file ends migrator's transaction early: the statements
//! before it stay committed even if a later one fails, a lock-timeout retry re-runs them, and
//! the history no longer tells what ran. Why (MySQL): DDL commits implicitly, so a `BEGIN` …
//! `COMMIT` around it makes nothing atomic — misleading rather than harmful (warning).
//!
//! Safe alternative: no transaction control in migration files; mark a file
//! `-- migrator:no-transaction` when it must not run in a transaction. One finding per file, at
//! the first such statement.

use crate::lint::sql::Stmt;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct ExplicitTransaction;

impl Rule for ExplicitTransaction {
    fn name(&self) -> &'static str {
        "explicit-transaction"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "BEGIN/COMMIT in a migration file fights migrator's own transaction handling (MySQL: warning)"
    }
    fn explanation(&self) -> &'static str {
        "On Postgres migrator wraps each file (and its history row) in one transaction, or runs \
         it statement by statement recording progress; a COMMIT in the file breaks both. On \
         MySQL DDL commits implicitly, so BEGIN/COMMIT make nothing atomic."
    }
    fn safe_alternative(&self) -> &'static str {
        "Remove BEGIN/COMMIT/ROLLBACK; mark the file -- migrator:no-transaction if it must not \
         run in a transaction."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        if ctx.options().standalone || !matches!(ctx.stmt(), Stmt::Begin | Stmt::End) {
            return vec![];
        }
        if ctx.earlier().iter().any(|s| matches!(s.stmt, Stmt::Begin | Stmt::End)) {
            return vec![];
        }
        let word = ctx.statement().toks[0].text.to_ascii_uppercase();
        let line = ctx.statement().line;
        match ctx.dialect() {
            Dialect::Postgres => vec![ctx.finding(
                self,
                line,
                format!(
                    "{word} in a migration file: migrator runs the file in its own transaction (with the history row) or statement by statement, and a COMMIT here ends that early"
                ),
                "remove the transaction control; mark the file -- migrator:no-transaction if it must not run in a transaction",
            )],
            Dialect::Mysql => vec![ctx.finding_with(
                self,
                Severity::Warning,
                line,
                format!("{word} makes nothing atomic here: MySQL commits implicitly after every DDL statement"),
                "remove the transaction control; migrator records progress after each statement",
            )],
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::lint::Severity;
    use crate::Dialect::{Mysql, Postgres};

    const RULE: &str = "explicit-transaction";

    #[test]
    fn flags_first_transaction_statement() {
        let f = lint(RULE, Postgres, "SELECT 1;\nBEGIN;\nALTER TABLE t ADD a int;\nCOMMIT;");
        assert_one(&f, 2, &["BEGIN in a migration file"]);
        let f = lint(RULE, Mysql, "START TRANSACTION;\nALTER TABLE t ADD a int;\nCOMMIT;");
        assert_one(&f, 1, &["START makes nothing atomic"]);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn standalone_and_compound_statements_pass() {
        let mut o = only(RULE, Postgres);
        o.standalone = true;
        assert_none(&lint_with(o, "x.sql", "BEGIN;\nSELECT 1;\nCOMMIT;"));
        let text = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$;";
        assert_none(&lint(RULE, Postgres, text));
        assert_none(&lint(RULE, Mysql, "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\nBEGIN NOT ATOMIC SELECT 1; END;"));
    }
}
