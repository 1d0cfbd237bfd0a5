//! `require-unique-using-index` (Postgres, error): `ADD PRIMARY KEY` / `ADD UNIQUE` (or an
//! inline `PRIMARY KEY` / `UNIQUE` in `ADD COLUMN`) on an existing table without `USING INDEX`.
//!
//! Why: the constraint builds its unique index while holding an ACCESS EXCLUSIVE lock — no reads,
//! no writes for the whole build; a primary key also sets NOT NULL on its columns, one more
//! scan under that lock (ONLINE_DDL.md, `ADD UNIQUE` / `ADD PRIMARY KEY`).
//!
//! Safe alternative: `CREATE UNIQUE INDEX CONCURRENTLY i ON t (…)` in a file of its own, then
//! `ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX i` (or `PRIMARY KEY USING INDEX i`,
//! after the columns are NOT NULL): instant. Not flagged: a table created earlier in the same
//! file.

use crate::lint::sql::{ActionKind, ConstraintKind, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RequireUniqueUsingIndex;

impl Rule for RequireUniqueUsingIndex {
    fn name(&self) -> &'static str {
        "require-unique-using-index"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "ADD PRIMARY KEY / UNIQUE without USING INDEX builds the index under an ACCESS EXCLUSIVE lock"
    }
    fn explanation(&self) -> &'static str {
        "ADD PRIMARY KEY and ADD UNIQUE build a unique index while holding an ACCESS EXCLUSIVE \
         lock on the table: no reads or writes for the whole build."
    }
    fn safe_alternative(&self) -> &'static str {
        "CREATE UNIQUE INDEX CONCURRENTLY first (own file), then ADD CONSTRAINT … UNIQUE USING \
         INDEX … (or PRIMARY KEY USING INDEX …), which is instant."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        if ctx.created_in_file(&a.name) {
            return vec![];
        }
        let table = a.name.quoted();
        let mut out = Vec::new();
        for action in &a.actions {
            let what = match &action.kind {
                ActionKind::AddConstraint(k) if !k.using_index => match k.kind {
                    ConstraintKind::PrimaryKey => "ADD PRIMARY KEY".to_string(),
                    ConstraintKind::Unique => "ADD UNIQUE".to_string(),
                    _ => continue,
                },
                ActionKind::AddColumn(c) if c.primary_key || c.unique => format!(
                    "ADD COLUMN {} … {}",
                    c.name.quoted(),
                    if c.primary_key { "PRIMARY KEY" } else { "UNIQUE" }
                ),
                _ => continue,
            };
            let kind = if what.ends_with("PRIMARY KEY") { "PRIMARY KEY" } else { "UNIQUE" };
            out.push(ctx.finding(
                self,
                action.line,
                format!("{what} on {table} builds its index under an ACCESS EXCLUSIVE lock (no reads or writes for the whole build)"),
                format!("CREATE UNIQUE INDEX CONCURRENTLY first (in a file of its own), then ADD CONSTRAINT … {kind} USING INDEX …"),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Postgres;

    const RULE: &str = "require-unique-using-index";

    #[test]
    fn flags_constraints_that_build_an_index() {
        let f = lint(RULE, Postgres, "ALTER TABLE customers ADD CONSTRAINT email_key UNIQUE (email);");
        assert_one(&f, 1, &["ADD UNIQUE on \"customers\" builds its index", "UNIQUE USING INDEX"]);
        let f = lint(RULE, Postgres, "ALTER TABLE t\n  ADD PRIMARY KEY (id);");
        assert_one(&f, 2, &["ADD PRIMARY KEY on \"t\"", "PRIMARY KEY USING INDEX"]);
        let f = lint(RULE, Postgres, "ALTER TABLE t ADD COLUMN code text UNIQUE;");
        assert_one(&f, 1, &["ADD COLUMN \"code\" … UNIQUE"]);
    }

    #[test]
    fn using_index_and_new_tables_pass() {
        assert_none(&lint(RULE, Postgres, "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;"));
        assert_none(&lint(RULE, Postgres, "ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX k_idx;"));
        assert_none(&lint(RULE, Postgres, "CREATE TABLE t (id int);\nALTER TABLE t ADD PRIMARY KEY (id);"));
    }
}
