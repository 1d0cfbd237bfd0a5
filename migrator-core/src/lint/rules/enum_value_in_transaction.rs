//! `enum-value-in-transaction` (Postgres, error): `ALTER TYPE … ADD VALUE` in a transaction
//! before Postgres 12, or the new value used later in the same transaction.
//!
//! Why: adding an enum value is instant, but before Postgres 12 it cannot run inside a
//! transaction block at all, and on any version the new value cannot be used in the transaction
//! that added it ("unsafe use of new value") — ONLINE_DDL.md, `ALTER TYPE … ADD VALUE`. Migrator
//! runs a Postgres file in one transaction unless it says `-- migrator:no-transaction` (or
//! holds a `CONCURRENTLY` statement); an explicit `BEGIN` block counts too.
//!
//! Safe alternative: the `ADD VALUE` in a migration of its own (with `-- migrator:no-transaction`
//! before Postgres 12), and statements using the value in a later migration. The version comes
//! from `[lint] postgres-version` / `--postgres-version` (default 13). A later statement "uses"
//! the value when it holds a string literal equal to it.

use crate::lint::sql::Stmt;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct EnumValueInTransaction;

impl Rule for EnumValueInTransaction {
    fn name(&self) -> &'static str {
        "enum-value-in-transaction"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "ALTER TYPE … ADD VALUE in a transaction before PG 12, or its new value used in the same transaction"
    }
    fn explanation(&self) -> &'static str {
        "Before Postgres 12, ALTER TYPE … ADD VALUE cannot run inside a transaction block; on \
         every version, the new value cannot be used in the transaction that added it."
    }
    fn safe_alternative(&self) -> &'static str {
        "Add the value in a migration of its own (with -- migrator:no-transaction before PG 12) \
         and use it in a later migration."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let mut out = Vec::new();
        if let Stmt::AddEnumValue { line, type_name, value } = ctx.stmt() {
            if ctx.in_transaction() && ctx.options().postgres_version < 12 {
                out.push(ctx.finding(
                    self,
                    *line,
                    format!(
                        "ALTER TYPE {} ADD VALUE '{value}' cannot run inside a transaction before Postgres 12, and this file runs in one",
                        type_name.quoted()
                    ),
                    "put it in a migration of its own marked -- migrator:no-transaction (without BEGIN/COMMIT)",
                ));
            }
            return out;
        }
        for &i in ctx.file.enum_additions().iter().take_while(|&&i| i < ctx.index) {
            let Stmt::AddEnumValue { line, type_name, value } = &ctx.file.statements[i].stmt else {
                continue;
            };
            if !ctx.same_transaction(i, ctx.index) {
                continue;
            }
            let used = ctx
                .statement()
                .toks
                .iter()
                .find(|t| t.string_value().as_deref() == Some(value.as_str()));
            if let Some(t) = used {
                out.push(ctx.finding(
                    self,
                    t.line,
                    format!(
                        "uses the enum value '{value}' that ALTER TYPE {} ADD VALUE (line {line}) adds in the same transaction: Postgres refuses it (unsafe use of new value)",
                        type_name.quoted()
                    ),
                    "use the new value in a later migration, or mark this file -- migrator:no-transaction",
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Postgres;

    const RULE: &str = "enum-value-in-transaction";

    #[test]
    fn flags_use_of_new_value_in_the_same_transaction() {
        let text = "ALTER TYPE mood ADD VALUE 'ecstatic';\nUPDATE people\n  SET mood = 'ecstatic' WHERE id = 1;";
        assert_one(&lint(RULE, Postgres, text), 3, &["uses the enum value 'ecstatic'", "(line 1)"]);
    }

    #[test]
    fn no_transaction_file_passes() {
        let text = "-- migrator:no-transaction\nALTER TYPE mood ADD VALUE 'ecstatic';\nUPDATE people SET mood = 'ecstatic';";
        assert_none(&lint(RULE, Postgres, text));
        // A comment mentioning the value is no use of it.
        assert_none(&lint(RULE, Postgres, "ALTER TYPE mood ADD VALUE 'x';\nSELECT 1; -- 'x'"));
    }

    #[test]
    fn before_postgres_12_add_value_needs_no_transaction() {
        let mut o = only(RULE, Postgres);
        o.postgres_version = 11;
        let f = lint_with(o.clone(), "t.up.sql", "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok';");
        assert_one(&f, 1, &["cannot run inside a transaction before Postgres 12"]);
        assert_none(&lint_with(o.clone(), "t.up.sql", "-- migrator:no-transaction\nALTER TYPE mood ADD VALUE 'ok';"));
        // With psql each statement is its own transaction, unless BEGIN says otherwise.
        o.standalone = true;
        assert_none(&lint_with(o.clone(), "t.sql", "ALTER TYPE mood ADD VALUE 'ok';"));
        assert_eq!(lint_with(o, "t.sql", "BEGIN;\nALTER TYPE mood ADD VALUE 'ok';\nCOMMIT;").len(), 1);
        // Postgres 12+: fine on its own.
        assert_none(&lint(RULE, Postgres, "ALTER TYPE mood ADD VALUE 'ok';"));
    }
}
