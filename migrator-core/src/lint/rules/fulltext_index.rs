//! `fulltext-index` (MySQL / MariaDB, error): a FULLTEXT or SPATIAL index added to an existing
//! table (`ADD FULLTEXT …`, `CREATE FULLTEXT INDEX …`, same for SPATIAL).
//!
//! Why: these indexes cannot be built with LOCK=NONE. MySQL blocks writes for the whole build
//! (the first FULLTEXT index of a table also rebuilds it to add `FTS_DOC_ID`); MariaDB builds
//! them with LOCK=SHARED at best — writes blocked too (ONLINE_DDL.md, "add FULLTEXT / SPATIAL").
//! The message follows `[lint] mysql-flavor`.
//!
//! Safe alternative: build it on a copy of the table with an online schema-change tool
//! (gh-ost, pt-online-schema-change), or in a maintenance window; or create it together with
//! the table. Not flagged: a table created earlier in the same file.

use crate::lint::sql::{ActionKind, ConstraintKind, Name, Stmt};
use crate::lint::{Finding, MysqlFlavor, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct FulltextIndex;

impl Rule for FulltextIndex {
    fn name(&self) -> &'static str {
        "fulltext-index"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "FULLTEXT / SPATIAL index on an existing table blocks writes for the whole build"
    }
    fn explanation(&self) -> &'static str {
        "FULLTEXT and SPATIAL indexes cannot be built with LOCK=NONE: MySQL blocks writes for \
         the whole build (the first FULLTEXT index also rebuilds the table), MariaDB needs at \
         least LOCK=SHARED."
    }
    fn safe_alternative(&self) -> &'static str {
        "Build it with an online schema-change tool (gh-ost, pt-online-schema-change) or in a \
         maintenance window."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let found: Vec<(usize, &str, &Name)> = match ctx.stmt() {
            Stmt::CreateIndex(ix) => match ix.special.as_deref() {
                Some(kind) => vec![(ix.line, kind, &ix.table)],
                None => vec![],
            },
            Stmt::AlterTable(a) => a
                .actions
                .iter()
                .filter_map(|x| match &x.kind {
                    ActionKind::AddConstraint(k) => match k.kind {
                        ConstraintKind::Fulltext => Some((x.line, "FULLTEXT", &a.name)),
                        ConstraintKind::Spatial => Some((x.line, "SPATIAL", &a.name)),
                        _ => None,
                    },
                    _ => None,
                })
                .collect(),
            _ => vec![],
        };
        let how = match ctx.options().mysql_flavor {
            MysqlFlavor::Mysql => "blocks writes for the whole build (the first FULLTEXT index also rebuilds the table)",
            MysqlFlavor::Mariadb => "needs LOCK=SHARED at best: writes are blocked for the whole build",
        };
        found
            .into_iter()
            .filter(|(_, _, table)| !ctx.created_in_file(table))
            .map(|(line, kind, table)| {
                ctx.finding(
                    self,
                    line,
                    format!("adding a {kind} index on {} {how}", table.quoted()),
                    "build it with an online schema-change tool (gh-ost, pt-online-schema-change) or in a maintenance window",
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

    const RULE: &str = "fulltext-index";

    #[test]
    fn flags_fulltext_and_spatial() {
        let f = lint(RULE, Mysql, "ALTER TABLE docs ADD FULLTEXT INDEX ft (body), ALGORITHM=INPLACE, LOCK=SHARED;");
        assert_one(&f, 1, &["adding a FULLTEXT index on \"docs\" blocks writes"]);
        let mut o = only(RULE, Mysql);
        o.mysql_flavor = MysqlFlavor::Mariadb;
        let f = lint_with(o, "t.up.sql", "CREATE SPATIAL INDEX g ON places (pos);");
        assert_one(&f, 1, &["SPATIAL index on \"places\" needs LOCK=SHARED"]);
    }

    #[test]
    fn plain_indexes_and_new_tables_pass() {
        assert_none(&lint(RULE, Mysql, "ALTER TABLE docs ADD INDEX i (title);"));
        assert_none(&lint(RULE, Mysql, "CREATE TABLE docs (body TEXT);\nALTER TABLE docs ADD FULLTEXT (body);"));
    }
}
