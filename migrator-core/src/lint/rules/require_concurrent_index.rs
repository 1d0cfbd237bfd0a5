//! `require-concurrent-index` (Postgres, error): `CREATE INDEX` without `CONCURRENTLY` on an
//! existing table.
//!
//! Why: a plain `CREATE [UNIQUE] INDEX` takes a SHARE lock on the table for the whole build —
//! reads go on, every INSERT / UPDATE / DELETE waits until the index is built (minutes on a big
//! table). See ONLINE_DDL.md, Postgres, `CREATE INDEX`.
//!
//! Safe alternative: `CREATE INDEX CONCURRENTLY` (SHARE UPDATE EXCLUSIVE: writes go on). It
//! cannot run inside a transaction block; migrator runs a file holding `CONCURRENTLY` statement
//! by statement, so give it a file of its own. If it fails it leaves an INVALID index that must
//! be dropped before a retry.
//!
//! Not flagged: an index on a table created earlier in the same file (nobody uses it yet), and
//! `CREATE INDEX … ON ONLY parent` (the partitioned table's own index: nothing is built; build
//! each partition's index CONCURRENTLY and `ALTER INDEX … ATTACH PARTITION` it).
//! An index on a table created by an *earlier* migration is flagged: the linter cannot know
//! whether that migration is deployed; suppress the finding if it is not.

use crate::lint::sql::Stmt;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RequireConcurrentIndex;

impl Rule for RequireConcurrentIndex {
    fn name(&self) -> &'static str {
        "require-concurrent-index"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "CREATE INDEX without CONCURRENTLY on an existing table blocks writes for the whole build"
    }
    fn explanation(&self) -> &'static str {
        "CREATE INDEX takes a SHARE lock on the table until the index is built: reads continue, \
         but every write waits for the whole build."
    }
    fn safe_alternative(&self) -> &'static str {
        "CREATE INDEX CONCURRENTLY, in a migration file of its own (it cannot run in a \
         transaction; migrator then runs the file outside one). If it fails, drop the INVALID \
         index it leaves before retrying."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::CreateIndex(ix) = ctx.stmt() else {
            return vec![];
        };
        if ix.concurrently || ix.only || ix.special.is_some() || ctx.created_in_file(&ix.table) {
            return vec![];
        }
        let unique = if ix.unique { "UNIQUE " } else { "" };
        let name = ix
            .name
            .as_ref()
            .map(|n| format!(" {}", n.quoted()))
            .unwrap_or_default();
        vec![ctx.finding(
            self,
            ix.line,
            format!(
                "CREATE {unique}INDEX{name} on {} blocks writes for the whole build",
                ix.table.quoted()
            ),
            format!(
                "use CREATE {unique}INDEX CONCURRENTLY (in a file of its own, it runs outside a transaction)"
            ),
        )]
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Postgres;

    const RULE: &str = "require-concurrent-index";

    #[test]
    fn flags_plain_index_on_existing_table() {
        let f = lint(RULE, Postgres, "SET search_path = app;\n\nCREATE INDEX orders_idx\n  ON public.orders (customer_id);\n");
        assert_one(&f, 3, &["t.up.sql:3: require-concurrent-index: CREATE INDEX \"orders_idx\" on \"public.orders\" blocks writes for the whole build; use CREATE INDEX CONCURRENTLY"]);
        let f = lint(RULE, Postgres, "create unique index on \"Orders\" (a)");
        assert_one(&f, 1, &["CREATE UNIQUE INDEX on \"Orders\"", "use CREATE UNIQUE INDEX CONCURRENTLY"]);
    }

    #[test]
    fn concurrently_passes() {
        assert_none(&lint(RULE, Postgres, "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (a);"));
        assert_none(&lint(RULE, Postgres, "CREATE INDEX i ON ONLY measurements (a);"));
    }

    #[test]
    fn table_created_in_the_same_file_passes() {
        let text = "CREATE TABLE public.orders (id int);\nCREATE INDEX i ON orders (id);\n";
        assert_none(&lint(RULE, Postgres, text));
        // But not an index created before the table, nor on another table.
        let text = "CREATE INDEX i ON orders (id);\nCREATE TABLE orders (id int);\nCREATE INDEX j ON other (id);\n";
        assert_eq!(lint(RULE, Postgres, text).len(), 2);
    }

    #[test]
    fn table_of_the_new_tables_directive_passes() {
        let text = "-- migrator:new-tables \"public\".\"orders\" \"Lines\"\nCREATE INDEX i ON orders (id);\nCREATE INDEX j ON public.\"Lines\" (id);\nCREATE INDEX k ON lines (id);\n";
        // `lines` is not `"Lines"`: only the named tables pass.
        assert_one(&lint(RULE, Postgres, text), 4, &["\"k\""]);
    }

    #[test]
    fn keywords_in_strings_and_comments_are_not_statements() {
        let text = "-- CREATE INDEX i ON t (a);\nSELECT 'CREATE INDEX i ON t (a)';\nCOMMENT ON TABLE t IS $$CREATE INDEX x ON t (a)$$;\n/* CREATE INDEX */ SELECT 1;\n";
        assert_none(&lint(RULE, Postgres, text));
    }

    #[test]
    fn suppression_comment_switches_it_off() {
        let text = "-- migrator-lint: ignore require-concurrent-index -- table is tiny\nCREATE INDEX i ON t (a);\nCREATE INDEX j ON t (b);\n";
        assert_one(&lint(RULE, Postgres, text), 3, &["\"j\""]);
    }
}
