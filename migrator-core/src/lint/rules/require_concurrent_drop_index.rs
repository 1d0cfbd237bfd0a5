//! `require-concurrent-drop-index` (Postgres, error): `DROP INDEX` without `CONCURRENTLY`.
//!
//! Why: `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is
//! quick, but the lock request queues behind every running transaction on the table, and every
//! later query — reads included — queues behind it (ONLINE_DDL.md, `DROP INDEX`).
//!
//! Safe alternative: `DROP INDEX CONCURRENTLY` (one index per statement, no `CASCADE`), in a
//! file of its own: it cannot run inside a transaction block. Down files are checked too: a
//! rollback runs in production as well.
//!
//! Not flagged: an index created earlier in the same file.

use crate::lint::sql::Stmt;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RequireConcurrentDropIndex;

impl Rule for RequireConcurrentDropIndex {
    fn name(&self) -> &'static str {
        "require-concurrent-drop-index"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table"
    }
    fn explanation(&self) -> &'static str {
        "DROP INDEX locks the index's table in ACCESS EXCLUSIVE mode: while it waits for running \
         transactions, every later query on the table (reads too) queues behind it."
    }
    fn safe_alternative(&self) -> &'static str {
        "DROP INDEX CONCURRENTLY (one index per statement, no CASCADE), in a migration file of \
         its own: it cannot run inside a transaction."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::DropIndex(d) = ctx.stmt() else {
            return vec![];
        };
        if d.concurrently || d.names.iter().all(|n| ctx.index_created_in_file(n)) {
            return vec![];
        }
        let names: Vec<String> = d.names.iter().map(|n| n.quoted()).collect();
        vec![ctx.finding(
            self,
            d.line,
            format!(
                "DROP INDEX {} takes an ACCESS EXCLUSIVE lock on its table: while it waits, every query on the table queues behind it",
                names.join(", ")
            ),
            "use DROP INDEX CONCURRENTLY, one index per statement (in a file of its own, it runs outside a transaction)",
        )]
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Postgres;

    const RULE: &str = "require-concurrent-drop-index";

    #[test]
    fn flags_plain_drop() {
        let f = lint(RULE, Postgres, "DROP INDEX IF EXISTS app.orders_idx;");
        assert_one(&f, 1, &["DROP INDEX \"app.orders_idx\" takes an ACCESS EXCLUSIVE lock", "use DROP INDEX CONCURRENTLY"]);
        // Down files too.
        let f = lint_with(only(RULE, Postgres), "1_x.down.sql", "DROP INDEX a, b;");
        assert_one(&f, 1, &["\"a\", \"b\""]);
    }

    #[test]
    fn concurrently_and_new_indexes_pass() {
        assert_none(&lint(RULE, Postgres, "DROP INDEX CONCURRENTLY IF EXISTS orders_idx;"));
        let text = "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\nDROP INDEX i;";
        assert_none(&lint(RULE, Postgres, text));
        assert_none(&lint(RULE, Postgres, "SELECT 'DROP INDEX i';"));
    }
}
