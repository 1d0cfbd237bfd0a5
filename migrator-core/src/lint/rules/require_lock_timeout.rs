//! `require-lock-timeout` (both dialects, error; only with `--standalone`): DDL that locks an
//! existing table in a file that does not set a lock timeout first.
//!
//! Why: every ALTER needs a strong lock (Postgres ACCESS EXCLUSIVE for most, MySQL an exclusive
//! metadata lock). While it waits for running transactions, every later query on the table
//! queues behind it — a long-running SELECT turns a millisecond ALTER into an outage. A lock
//! timeout makes it give up instead (ONLINE_DDL.md: "always `SET lock_timeout`"; MySQL's
//! `lock_wait_timeout` defaults to a year).
//!
//! When it applies: migrator itself sets `lock_timeout` / `lock_wait_timeout` (default 2 s,
//! `--lock-timeout`) and retries with backoff, so files it runs need nothing. The rule therefore
//! only runs with `--standalone` (or `[lint] standalone = true`), for files run by `psql` /
//! `mysql` or another tool. One finding per file, at the first locking statement with no
//! `SET lock_timeout = …` (Postgres, not 0) / `SET [SESSION] lock_wait_timeout = …` (MySQL)
//! before it. A MariaDB `ALTER TABLE … WAIT n` / `NOWAIT` brings its own timeout.
//!
//! Locking statements: ALTER TABLE, CREATE INDEX (not CONCURRENTLY), DROP INDEX (not
//! CONCURRENTLY), DROP TABLE, RENAME TABLE, CREATE TABLE with a foreign key to an existing
//! table, TRUNCATE, LOCK, CREATE TRIGGER, REINDEX, CLUSTER, VACUUM FULL and REFRESH
//! MATERIALIZED VIEW without CONCURRENTLY — on tables not created earlier in the file.
//!
//! Safe alternative: start the file with `SET lock_timeout = '2s';` (Postgres) or
//! `SET SESSION lock_wait_timeout = 2;` (MySQL), and retry the file when it times out.

use crate::lint::context::{FileContext, ParsedStatement};
use crate::lint::sql::{Name, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RequireLockTimeout;

impl Rule for RequireLockTimeout {
    fn name(&self) -> &'static str {
        "require-lock-timeout"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "--standalone files: locking DDL without SET lock_timeout / lock_wait_timeout first"
    }
    fn explanation(&self) -> &'static str {
        "While DDL waits for its lock, every later query on the table queues behind it. \
         migrator sets a short lock timeout itself, so this rule only checks files linted with \
         --standalone (run by psql / mysql)."
    }
    fn safe_alternative(&self) -> &'static str {
        "Start the file with SET lock_timeout = '2s' (Postgres) or SET SESSION \
         lock_wait_timeout = 2 (MySQL), and retry when it times out."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        if !ctx.options().standalone {
            return vec![];
        }
        let dialect = ctx.dialect();
        // The first locking statement of the file, unless a timeout is set before it.
        let first = ctx.file.memo(self.name(), || {
            for (i, s) in ctx.file.statements.iter().enumerate() {
                if sets_timeout(s, dialect) {
                    return None;
                }
                if let Some(found) = locking(ctx.file, i) {
                    return Some((i, found));
                }
            }
            None
        });
        let Some((index, (line, what))) = first.as_ref() else {
            return vec![];
        };
        if *index != ctx.index {
            return vec![];
        }
        let (line, what) = (*line, what.clone());
        let help = match dialect {
            Dialect::Postgres => "start the file with SET lock_timeout = '2s' and retry it when it times out",
            Dialect::Mysql => "start the file with SET SESSION lock_wait_timeout = 2 (the default is a year) and retry it when it times out",
        };
        vec![ctx.finding(
            self,
            line,
            format!("{what} runs without a lock timeout: while it waits for its lock, every later query on the table queues behind it"),
            help,
        )]
    }
}

/// Whether a statement sets a (non-zero) lock timeout.
fn sets_timeout(s: &ParsedStatement, dialect: Dialect) -> bool {
    let var = match dialect {
        Dialect::Postgres => "lock_timeout",
        Dialect::Mysql => "lock_wait_timeout",
    };
    match &s.stmt {
        Stmt::Set { vars, .. } => vars
            .iter()
            .any(|(n, v)| n == var && !matches!(v.as_str(), "0" | "0ms" | "0s" | "default")),
        _ => s.starts_with(&["SELECT"]) && s.toks.windows(3).any(|w| {
            w[0].is("set_config") && w[1].sym("(") && w[2].string_value().as_deref() == Some(var)
        }),
    }
}

/// The line and description of statement `i` when it locks an existing table.
fn locking(file: &FileContext, i: usize) -> Option<(usize, String)> {
    let new = |n: &Name| file.table_created_before(i, n);
    let s = &file.statements[i];
    // Only Postgres builds an index without blocking writes (CONCURRENTLY).
    let pg = match file.dialect {
        Dialect::Postgres => true,
        Dialect::Mysql => false,
    };
    match &s.stmt {
        Stmt::AlterTable(a) if !a.wait && !new(&a.name) => {
            Some((s.line, format!("ALTER TABLE {}", a.name.quoted())))
        }
        Stmt::CreateIndex(ix) if !(new(&ix.table) || pg && ix.concurrently) => {
            Some((ix.line, format!("CREATE INDEX on {}", ix.table.quoted())))
        }
        Stmt::DropIndex(d) if !(pg && d.concurrently) => Some((d.line, "DROP INDEX".to_string())),
        Stmt::DropTable { line, names } => names
            .iter()
            .find(|n| !new(n))
            .map(|n| (*line, format!("DROP TABLE {}", n.quoted()))),
        Stmt::RenameTable { line, pairs } => pairs
            .iter()
            .find(|(from, _)| !new(from))
            .map(|(from, _)| (*line, format!("RENAME TABLE {}", from.quoted()))),
        Stmt::CreateTable(t) => t
            .references
            .iter()
            .find(|r| !new(r) && !r.same(&t.name))
            .map(|r| {
                (
                    s.line,
                    format!("CREATE TABLE {} with a foreign key to {}", t.name.quoted(), r.quoted()),
                )
            }),
        Stmt::Other => {
            let concurrently = s.has_word("CONCURRENTLY");
            let words = [
                (&["TRUNCATE"][..], false),
                (&["LOCK"][..], false),
                (&["CREATE", "TRIGGER"][..], false),
                (&["CREATE", "OR", "REPLACE", "TRIGGER"][..], false),
                (&["REINDEX"][..], true),
                (&["CLUSTER"][..], false),
                (&["VACUUM", "FULL"][..], false),
                (&["REFRESH", "MATERIALIZED", "VIEW"][..], true),
            ];
            words
                .iter()
                .find(|(w, skip_concurrently)| s.starts_with(w) && !(*skip_concurrently && concurrently))
                .map(|(w, _)| (s.line, w.join(" ")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::lint::LintOptions;
    use crate::Dialect::{self, Mysql, Postgres};

    const RULE: &str = "require-lock-timeout";

    fn standalone(dialect: Dialect) -> LintOptions {
        let mut o = only(RULE, dialect);
        o.standalone = true;
        o
    }

    #[test]
    fn flags_first_locking_statement_without_timeout() {
        let text = "CREATE TABLE n (id int);\nALTER TABLE n ADD b int;\nALTER TABLE orders ADD note text;\nCREATE INDEX i ON orders (a);";
        let f = lint_with(standalone(Postgres), "fix.sql", text);
        assert_one(&f, 3, &["fix.sql:3: require-lock-timeout: ALTER TABLE \"orders\" runs without a lock timeout", "SET lock_timeout = '2s'"]);
        let f = lint_with(standalone(Mysql), "fix.sql", "ALTER TABLE orders ADD note text, ALGORITHM=INSTANT;");
        assert_one(&f, 1, &["lock_wait_timeout = 2"]);
        let f = lint_with(standalone(Postgres), "fix.sql", "CREATE TABLE items (id int, order_id int REFERENCES orders (id));");
        assert_one(&f, 1, &["with a foreign key to \"orders\""]);
    }

    #[test]
    fn timeout_set_first_passes() {
        let text = "SET lock_timeout = '2s';\nALTER TABLE orders ADD note text;";
        assert_none(&lint_with(standalone(Postgres), "fix.sql", text));
        let text = "SET SESSION lock_wait_timeout = 2;\nALTER TABLE orders ADD note text;";
        assert_none(&lint_with(standalone(Mysql), "fix.sql", text));
        assert_none(&lint_with(standalone(Mysql), "fix.sql", "ALTER TABLE orders WAIT 2 ADD note text;"));
        assert_none(&lint_with(standalone(Postgres), "fix.sql", "CREATE INDEX CONCURRENTLY i ON t (a);"));
        // A zero timeout is none.
        let f = lint_with(standalone(Postgres), "fix.sql", "SET lock_timeout = 0;\nALTER TABLE orders ADD note text;");
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn files_run_by_migrator_are_not_checked() {
        assert_none(&lint(RULE, Postgres, "ALTER TABLE orders ADD note text;"));
    }
}
