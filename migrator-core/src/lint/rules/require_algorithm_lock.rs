//! `require-algorithm-lock` (MySQL / MariaDB, error): `ALTER TABLE`, `CREATE INDEX` or
//! `DROP INDEX` on an existing table without explicit `ALGORITHM=` and `LOCK=`, or with a
//! blocking choice (`ALGORITHM=COPY`, `LOCK=SHARED` / `EXCLUSIVE`).
//!
//! Why: without them the server picks the best algorithm it can — and silently falls back to a
//! table copy that blocks writes for the whole copy when the change cannot be done in place or
//! instantly (ONLINE_DDL.md: "Always write `ALGORITHM=` and `LOCK=` explicitly: then the server
//! errors instead of silently falling back to a blocking copy").
//!
//! Safe alternative: `ALGORITHM=INSTANT` (no `LOCK=` needed), or `ALGORITHM=INPLACE, LOCK=NONE`
//! (MariaDB also `NOCOPY`). If the server refuses, the change needs another plan (shadow
//! column / online schema-change tool). MariaDB's `ALTER ONLINE TABLE` counts as `LOCK=NONE`.
//! Not flagged: a table created earlier in the same file.

use crate::lint::sql::{Name, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RequireAlgorithmLock;

impl Rule for RequireAlgorithmLock {
    fn name(&self) -> &'static str {
        "require-algorithm-lock"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "ALTER TABLE / CREATE INDEX without explicit ALGORITHM= and LOCK= may silently copy the table"
    }
    fn explanation(&self) -> &'static str {
        "Without ALGORITHM= and LOCK= the server silently falls back to a table copy that \
         blocks writes when a change cannot run in place; with them it refuses instead. \
         ALGORITHM=COPY and LOCK=SHARED/EXCLUSIVE ask for the blocking behaviour outright."
    }
    fn safe_alternative(&self) -> &'static str {
        "Add ALGORITHM=INSTANT, or ALGORITHM=INPLACE, LOCK=NONE; if the server refuses, the \
         change needs another plan (shadow column + backfill, or an online schema-change tool)."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let (line, what, table, algorithm, lock): (usize, String, &Name, Option<&str>, Option<&str>) =
            match ctx.stmt() {
                Stmt::AlterTable(a) => (
                    ctx.statement().line,
                    format!("ALTER TABLE {}", a.name.quoted()),
                    &a.name,
                    a.algorithm.as_ref().map(|x| x.0.as_str()),
                    a.lock.as_ref().map(|x| x.0.as_str()),
                ),
                Stmt::CreateIndex(ix) => (
                    ix.line,
                    format!("CREATE INDEX on {}", ix.table.quoted()),
                    &ix.table,
                    ix.algorithm.as_deref(),
                    ix.lock.as_deref(),
                ),
                Stmt::DropIndex(d) => match &d.table {
                    Some(t) => (
                        d.line,
                        format!("DROP INDEX on {}", t.quoted()),
                        t,
                        d.algorithm.as_deref(),
                        d.lock.as_deref(),
                    ),
                    None => return vec![],
                },
                _ => return vec![],
            };
        if ctx.created_in_file(table) {
            return vec![];
        }
        let blocking = match (algorithm, lock) {
            (Some("COPY"), _) => Some("ALGORITHM=COPY copies the whole table, blocking writes until it is done"),
            (_, Some("EXCLUSIVE")) => Some("LOCK=EXCLUSIVE blocks reads and writes for the whole operation"),
            (_, Some("SHARED")) => Some("LOCK=SHARED blocks writes for the whole operation"),
            _ => None,
        };
        if let Some(why) = blocking {
            return vec![ctx.finding(
                self,
                line,
                format!("{what}: {why}"),
                "use ALGORITHM=INSTANT or ALGORITHM=INPLACE, LOCK=NONE; if the server refuses, use a shadow column + backfill or an online schema-change tool",
            )];
        }
        let missing = match (algorithm, lock) {
            (Some("INSTANT"), _) | (Some(_), Some(_)) => return vec![],
            (None, None) => "ALGORITHM= and LOCK=",
            (None, Some(_)) => "ALGORITHM=",
            (Some(_), None) => "LOCK=",
        };
        vec![ctx.finding(
            self,
            line,
            format!("{what} does not say {missing}: if the change cannot run in place, the server silently copies the table, blocking writes"),
            "add ALGORITHM=INSTANT, or ALGORITHM=INPLACE, LOCK=NONE, so the server refuses instead of blocking",
        )]
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Mysql;

    const RULE: &str = "require-algorithm-lock";

    #[test]
    fn flags_missing_or_blocking_options() {
        let f = lint(RULE, Mysql, "ALTER TABLE customers ADD COLUMN phone VARCHAR(32);");
        assert_one(&f, 1, &["ALTER TABLE \"customers\" does not say ALGORITHM= and LOCK=: if the change cannot run in place, the server silently copies the table", "ALGORITHM=INPLACE, LOCK=NONE"]);
        let f = lint(RULE, Mysql, "ALTER TABLE t ADD INDEX i (a), ALGORITHM=INPLACE;");
        assert_one(&f, 1, &["does not say LOCK="]);
        let f = lint(RULE, Mysql, "CREATE INDEX i ON t (a) LOCK=NONE;");
        assert_one(&f, 1, &["CREATE INDEX on \"t\" does not say ALGORITHM="]);
        let f = lint(RULE, Mysql, "ALTER TABLE t MODIFY a BIGINT, ALGORITHM=COPY, LOCK=SHARED;");
        assert_one(&f, 1, &["ALGORITHM=COPY copies the whole table"]);
        let f = lint(RULE, Mysql, "DROP INDEX i ON t;");
        assert_one(&f, 1, &["DROP INDEX on \"t\""]);
    }

    #[test]
    fn explicit_online_options_pass() {
        assert_none(&lint(RULE, Mysql, "ALTER TABLE t ADD COLUMN a INT, ALGORITHM=INSTANT;"));
        assert_none(&lint(RULE, Mysql, "ALTER TABLE t ADD INDEX i (a), ALGORITHM = INPLACE, LOCK = NONE;"));
        assert_none(&lint(RULE, Mysql, "ALTER TABLE t ALGORITHM=NOCOPY, LOCK=NONE, ADD INDEX i (a);"));
        assert_none(&lint(RULE, Mysql, "CREATE INDEX i ON t (a) ALGORITHM=INPLACE LOCK=NONE;"));
        assert_none(&lint(RULE, Mysql, "CREATE TABLE t (a INT);\nALTER TABLE t ADD INDEX i (a);\nCREATE INDEX j ON t (a);"));
        // Options inside a string or comment do not count, so this one is flagged.
        assert_eq!(lint(RULE, Mysql, "ALTER TABLE t COMMENT = 'ALGORITHM=INPLACE, LOCK=NONE' /* , ALGORITHM=INSTANT */;").len(), 1);
    }
}
