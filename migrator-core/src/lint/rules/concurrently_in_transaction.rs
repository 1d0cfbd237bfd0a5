//! `concurrently-in-transaction` (Postgres): a `CONCURRENTLY` statement inside an explicit
//! transaction block (error), or sharing its file with other statements (warning).
//!
//! Why: `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY` and
//! `DETACH PARTITION … CONCURRENTLY` cannot run inside a transaction block: after a `BEGIN` in
//! the file, Postgres refuses them (ONLINE_DDL.md, `CREATE INDEX`). Without a `BEGIN`, migrator
//! detects `CONCURRENTLY` and runs the whole file statement by statement, outside a
//! transaction: the file's other statements lose their atomicity, and a failed build leaves an
//! INVALID index behind — a resumed run then fails on it, or with `IF NOT EXISTS` silently
//! keeps the broken index.
//!
//! Safe alternative: each `CONCURRENTLY` statement in a migration file of its own, with no
//! `BEGIN` / `COMMIT`. The warning is not given with `--standalone` (psql runs each statement
//! on its own anyway); `SET` statements do not count as other statements.

use crate::lint::sql::Stmt;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct ConcurrentlyInTransaction;

impl Rule for ConcurrentlyInTransaction {
    fn name(&self) -> &'static str {
        "concurrently-in-transaction"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "CONCURRENTLY inside BEGIN … COMMIT (error), or mixed with other statements in one file (warning)"
    }
    fn explanation(&self) -> &'static str {
        "CONCURRENTLY statements cannot run in a transaction block: after BEGIN, Postgres \
         refuses them. Without BEGIN, migrator runs such a file outside a transaction, so its \
         other statements lose atomicity, and a failed build leaves an INVALID index."
    }
    fn safe_alternative(&self) -> &'static str {
        "Put each CONCURRENTLY statement in a migration file of its own, without BEGIN/COMMIT."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let s = ctx.statement();
        let Some(keyword) = s.toks.iter().find(|t| t.is("CONCURRENTLY")) else {
            return vec![];
        };
        // REFRESH MATERIALIZED VIEW CONCURRENTLY may run in a transaction.
        if s.starts_with(&["REFRESH"]) {
            return vec![];
        }
        let what = s
            .toks
            .iter()
            .take_while(|t| !t.is("CONCURRENTLY"))
            .take(4)
            .map(|t| t.text.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(begin) = ctx.explicit_begin_line() {
            return vec![ctx.finding(
                self,
                keyword.line,
                format!("{what} CONCURRENTLY runs inside the transaction block opened by BEGIN at line {begin}: Postgres refuses it there"),
                "remove BEGIN/COMMIT and put the statement in a migration file of its own (migrator runs it outside a transaction)",
            )];
        }
        if ctx.options().standalone {
            return vec![];
        }
        let others = ctx
            .file
            .statements
            .iter()
            .enumerate()
            .filter(|(i, o)| *i != ctx.index && !matches!(o.stmt, Stmt::Set { .. }))
            .count();
        let first = !ctx.earlier().iter().any(|o| o.has_word("CONCURRENTLY") && !o.starts_with(&["REFRESH"]));
        if others == 0 || !first {
            return vec![];
        }
        vec![ctx.finding_with(
            self,
            Severity::Warning,
            keyword.line,
            format!(
                "{what} CONCURRENTLY shares its file with {others} other statement(s): migrator runs such a file without a transaction, so they are not atomic and a failed build leaves an INVALID index behind"
            ),
            "put each CONCURRENTLY statement in a migration file of its own",
        )]
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::lint::Severity;
    use crate::Dialect::Postgres;

    const RULE: &str = "concurrently-in-transaction";

    #[test]
    fn flags_concurrently_inside_begin() {
        let text = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;";
        let f = lint(RULE, Postgres, text);
        assert_one(&f, 2, &["CREATE INDEX CONCURRENTLY runs inside the transaction block opened by BEGIN at line 1"]);
        assert_eq!(f[0].severity, Severity::Error);
        // Even for files run by psql.
        let mut o = only(RULE, Postgres);
        o.standalone = true;
        assert_eq!(lint_with(o, "x.sql", text).len(), 1);
    }

    #[test]
    fn warns_when_mixed_with_other_statements() {
        let text = "ALTER TABLE t ADD COLUMN a int;\nCREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;";
        let f = lint(RULE, Postgres, text);
        assert_one(&f, 2, &["shares its file with 2 other statement(s)"]);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn alone_or_after_commit_passes() {
        assert_none(&lint(RULE, Postgres, "SET statement_timeout = 0;\nCREATE INDEX CONCURRENTLY i ON t (a);"));
        let mut o = only(RULE, Postgres);
        o.standalone = true;
        assert_none(&lint_with(o, "x.sql", "BEGIN;\nSELECT 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);\nSELECT 2;"));
        assert_none(&lint(RULE, Postgres, "SELECT 'CONCURRENTLY';\nSELECT 1;"));
        assert_none(&lint(RULE, Postgres, "BEGIN;\nREFRESH MATERIALIZED VIEW CONCURRENTLY v;\nCOMMIT;"));
    }
}
