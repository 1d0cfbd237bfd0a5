//! `rename-table` (both dialects, error): renaming an existing table (`ALTER TABLE … RENAME TO`,
//! MySQL `RENAME TABLE a TO b`).
//!
//! Why: instant on both servers, but the running application version still queries the old
//! name and fails from that moment (ONLINE_DDL.md, `RENAME TABLE`).
//!
//! Safe alternative: rename and, in the same migration, create a view with the old name
//! (`CREATE VIEW old AS SELECT * FROM new`: simple views are updatable on Postgres and MySQL),
//! then drop the view in a contract migration once no deployed version uses the old name. A
//! rename followed in the same file by `CREATE [OR REPLACE] VIEW <old name>` is that recipe and
//! is not flagged; nor is a table created earlier in the same file.

use crate::lint::sql::{Cursor, Name, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RenameTable;

impl Rule for RenameTable {
    fn name(&self) -> &'static str {
        "rename-table"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "renaming a table breaks the application version that still uses the old name"
    }
    fn explanation(&self) -> &'static str {
        "The rename is instant, but the application version running during the deploy still \
         queries the old name and fails from that moment on."
    }
    fn safe_alternative(&self) -> &'static str {
        "Rename, and in the same migration CREATE VIEW <old name> AS SELECT * FROM <new name> \
         (updatable); drop the view in a contract migration."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let (line, pairs): (usize, Vec<(&Name, &Name)>) = match ctx.stmt() {
            Stmt::AlterTable(a) => {
                let renames: Vec<(&Name, &Name)> = a
                    .actions
                    .iter()
                    .filter_map(|x| match &x.kind {
                        crate::lint::sql::ActionKind::RenameTable(to) => Some((&a.name, to)),
                        _ => None,
                    })
                    .collect();
                let line = a
                    .actions
                    .iter()
                    .find(|x| matches!(x.kind, crate::lint::sql::ActionKind::RenameTable(_)))
                    .map_or(ctx.statement().line, |x| x.line);
                (line, renames)
            }
            Stmt::RenameTable { line, pairs } => (*line, pairs.iter().map(|(a, b)| (a, b)).collect()),
            _ => return vec![],
        };
        pairs
            .into_iter()
            .filter(|(from, _)| !ctx.created_in_file(from) && !view_follows(ctx, from))
            .map(|(from, to)| {
                ctx.finding(
                    self,
                    line,
                    format!(
                        "renaming table {} to {} breaks the application version still running, which uses {}",
                        from.quoted(),
                        to.quoted(),
                        from.quoted()
                    ),
                    format!(
                        "in the same migration, CREATE VIEW {} AS SELECT * FROM {} (updatable) and drop the view in a contract migration",
                        from.last().text,
                        to.last().text
                    ),
                )
            })
            .collect()
    }
}

/// Whether a later statement of the file creates a view named `old`.
fn view_follows(ctx: &StatementContext, old: &Name) -> bool {
    ctx.later().iter().any(|s| {
        let mut c = Cursor::new(&s.toks, ctx.dialect());
        if !c.eat("CREATE") {
            return false;
        }
        c.eat_seq(&["OR", "REPLACE"]);
        while c.at_any(&["ALGORITHM", "DEFINER", "SQL"]) {
            // MySQL view options: ALGORITHM = x, DEFINER = u@h, SQL SECURITY x.
            while !c.done() && !c.at("VIEW") {
                c.bump();
            }
        }
        c.eat("VIEW") && c.name().is_some_and(|n| n.same(old))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::{Mysql, Postgres};

    const RULE: &str = "rename-table";

    #[test]
    fn flags_table_renames() {
        let f = lint(RULE, Postgres, "ALTER TABLE orders RENAME TO purchases;");
        assert_one(&f, 1, &["renaming table \"orders\" to \"purchases\" breaks", "CREATE VIEW orders AS SELECT * FROM purchases"]);
        let f = lint(RULE, Mysql, "RENAME TABLE orders TO purchases, a TO b;");
        assert_eq!(f.len(), 2, "{f:#?}");
        let f = lint(RULE, Mysql, "ALTER TABLE orders RENAME AS purchases;");
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn rename_with_compatibility_view_passes() {
        let text = "ALTER TABLE orders RENAME TO purchases;\nCREATE VIEW orders AS SELECT * FROM purchases;";
        assert_none(&lint(RULE, Postgres, text));
        let text = "RENAME TABLE orders TO purchases;\nCREATE ALGORITHM=MERGE VIEW orders AS SELECT * FROM purchases;";
        assert_none(&lint(RULE, Mysql, text));
        assert_none(&lint(RULE, Postgres, "ALTER TABLE orders RENAME COLUMN a TO b;"));
        assert_none(&lint(RULE, Postgres, "CREATE TABLE x (a int);\nALTER TABLE x RENAME TO y;"));
    }
}
