//! `rename-column` (both dialects, error): renaming a column of an existing table
//! (`RENAME COLUMN a TO b`; MySQL `CHANGE a b …` with a new name).
//!
//! Why: the rename itself is instant (Postgres ACCESS EXCLUSIVE for a moment; MySQL / MariaDB
//! INSTANT), but the application version running while the migration runs still uses the old
//! name and fails from that moment (ONLINE_DDL.md, `RENAME COLUMN`). There is no phase in which
//! both app versions work.
//!
//! Safe alternative (what `migrator plan` does for `-- migrator:renamed-from`): expand — add the
//! new column, with triggers keeping old and new in sync both ways; backfill — copy old → new in
//! batches; contract — once no deployed version uses the old name, drop the triggers and the
//! old column. Not flagged: a table created earlier in the same file.

use crate::lint::sql::{ActionKind, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RenameColumn;

impl Rule for RenameColumn {
    fn name(&self) -> &'static str {
        "rename-column"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "RENAME COLUMN breaks the application version that still uses the old name"
    }
    fn explanation(&self) -> &'static str {
        "The rename is instant, but the application version running during the deploy still \
         reads and writes the old name, and fails from that moment on."
    }
    fn safe_alternative(&self) -> &'static str {
        "Add the new column with triggers keeping both in sync, backfill in batches, move the \
         application over, then drop the old column in a contract migration."
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
            let (from, to) = match &action.kind {
                ActionKind::RenameColumn { from, to } => (from, to),
                ActionKind::Change { old, def } if old.key != def.name.key => (old, &def.name),
                _ => continue,
            };
            out.push(ctx.finding(
                self,
                action.line,
                format!(
                    "renaming column {} to {} on {} breaks the application version still running, which uses {}",
                    from.quoted(),
                    to.quoted(),
                    a.name.quoted(),
                    from.quoted()
                ),
                format!(
                    "add {} next to {} with triggers keeping both in sync, backfill, switch the application, then drop {} in a contract migration",
                    to.quoted(),
                    from.quoted(),
                    from.quoted()
                ),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::{Mysql, Postgres};

    const RULE: &str = "rename-column";

    #[test]
    fn flags_renames_in_both_dialects() {
        let f = lint(RULE, Postgres, "ALTER TABLE customers RENAME COLUMN full_name TO name;");
        assert_one(&f, 1, &["renaming column \"full_name\" to \"name\" on \"customers\" breaks"]);
        let f = lint(RULE, Postgres, "ALTER TABLE customers RENAME full_name TO name;");
        assert_eq!(f.len(), 1);
        let f = lint(RULE, Mysql, "ALTER TABLE customers RENAME COLUMN full_name TO name, ALGORITHM=INSTANT;");
        assert_eq!(f.len(), 1);
        let f = lint(RULE, Mysql, "ALTER TABLE customers CHANGE COLUMN full_name name VARCHAR(200) NOT NULL;");
        assert_one(&f, 1, &["\"full_name\" to \"name\""]);
    }

    #[test]
    fn other_renames_and_new_tables_pass() {
        assert_none(&lint(RULE, Mysql, "ALTER TABLE c CHANGE full_name full_name VARCHAR(300);"));
        assert_none(&lint(RULE, Postgres, "ALTER TABLE c RENAME CONSTRAINT a TO b;"));
        assert_none(&lint(RULE, Postgres, "CREATE TABLE c (a int);\nALTER TABLE c RENAME COLUMN a TO b;"));
    }
}
