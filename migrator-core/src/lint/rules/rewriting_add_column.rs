//! `rewriting-add-column` (Postgres, error): `ADD COLUMN` that rewrites the table — a volatile
//! default, a serial / identity column, a stored generated column (or, before Postgres 11, any
//! non-NULL default).
//!
//! Why: since Postgres 11, `ADD COLUMN` with no default or a constant (or STABLE, e.g. `now()`,
//! `CURRENT_TIMESTAMP`) default is instant. A volatile default (`random()`, `clock_timestamp()`,
//! `gen_random_uuid()`, `uuid_generate_v4()`, `timeofday()`, `nextval(…)` …) must be computed
//! per row: the table is rewritten under an ACCESS EXCLUSIVE lock (ONLINE_DDL.md, `ADD COLUMN …
//! DEFAULT volatile()`). Serial, identity and stored generated columns fill every row the same
//! way.
//!
//! Safe alternative: add the column without default (or with a constant one), `ALTER COLUMN …
//! SET DEFAULT …` in a later statement (affects new rows only), backfill existing rows in
//! batches. Not flagged: a table created earlier in the same file.

use crate::lint::sql::{ActionKind, Stmt, TokKind};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RewritingAddColumn;

/// Volatile functions commonly used as defaults.
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "clock_timestamp",
    "timeofday",
    "gen_random_uuid",
    "gen_random_bytes",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "nextval",
    "setseed",
];

impl Rule for RewritingAddColumn {
    fn name(&self) -> &'static str {
        "rewriting-add-column"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "ADD COLUMN with a volatile default, serial/identity or stored generated column rewrites the table"
    }
    fn explanation(&self) -> &'static str {
        "ADD COLUMN is instant with no default or a constant/STABLE one (now() is fine, PG 11+), \
         but a volatile default (random(), clock_timestamp(), gen_random_uuid(), nextval() …), \
         a serial/identity or a stored generated column fills every row: the table is \
         rewritten under an ACCESS EXCLUSIVE lock."
    }
    fn safe_alternative(&self) -> &'static str {
        "Add the column without a default, SET DEFAULT in a later statement (new rows only), \
         and backfill existing rows in batches."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        if ctx.created_in_file(&a.name) {
            return vec![];
        }
        let old_server = ctx.options().postgres_version < 11;
        let mut out = Vec::new();
        for action in &a.actions {
            let ActionKind::AddColumn(c) = &action.kind else {
                continue;
            };
            let volatile = c.default.as_ref().and_then(|expr| {
                expr.iter().enumerate().find_map(|(i, t)| {
                    let name = t.text.to_ascii_lowercase();
                    // A call (`public.gen_random_uuid()` too), not a column named so.
                    let called = expr.get(i + 1).is_some_and(|n| n.sym("("));
                    (t.kind == TokKind::Word && called && VOLATILE.contains(&name.as_str()))
                        .then(|| format!("{}()", t.text))
                })
            });
            let null_default = c
                .default
                .as_ref()
                .is_some_and(|e| e.len() == 1 && e[0].is("NULL"));
            let why = if let Some(f) = volatile {
                format!("with DEFAULT {f} (volatile)")
            } else if c.identity {
                format!("as {} (serial / identity)", c.ty.display())
            } else if c.stored_generated {
                "as a stored generated column".to_string()
            } else if old_server && c.default.is_some() && !null_default {
                "with a DEFAULT on Postgres < 11".to_string()
            } else {
                continue;
            };
            out.push(ctx.finding(
                self,
                action.line,
                format!(
                    "ADD COLUMN {} on {} {why} rewrites the whole table under an ACCESS EXCLUSIVE lock",
                    c.name.quoted(),
                    a.name.quoted()
                ),
                "add the column without that default, SET DEFAULT in a later statement (new rows only), and backfill existing rows in batches",
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Postgres;

    const RULE: &str = "rewriting-add-column";

    #[test]
    fn flags_volatile_defaults_and_identity() {
        let f = lint(RULE, Postgres, "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();");
        assert_one(&f, 1, &["ADD COLUMN \"token\" on \"orders\" with DEFAULT gen_random_uuid() (volatile) rewrites the whole table"]);
        let f = lint(RULE, Postgres, "ALTER TABLE t ADD COLUMN r float8 DEFAULT (random() * 10)::int;");
        assert_one(&f, 1, &["random()"]);
        let f = lint(RULE, Postgres, "ALTER TABLE t ADD COLUMN n bigint DEFAULT nextval('s');");
        assert_one(&f, 1, &["nextval()"]);
        let f = lint(RULE, Postgres, "ALTER TABLE t ADD COLUMN id bigserial;");
        assert_one(&f, 1, &["as bigserial"]);
        let f = lint(RULE, Postgres, "ALTER TABLE t ADD COLUMN id int GENERATED ALWAYS AS IDENTITY;");
        assert_one(&f, 1, &["serial / identity"]);
        let f = lint(RULE, Postgres, "ALTER TABLE t ADD COLUMN total int GENERATED ALWAYS AS (a + b) STORED;");
        assert_one(&f, 1, &["stored generated"]);
    }

    #[test]
    fn constant_and_stable_defaults_pass() {
        let text = "ALTER TABLE t ADD COLUMN a int DEFAULT 0 NOT NULL, ADD COLUMN b timestamptz DEFAULT now(), ADD COLUMN c timestamp DEFAULT CURRENT_TIMESTAMP, ADD COLUMN d text DEFAULT 'random()';";
        assert_none(&lint(RULE, Postgres, text));
        assert_none(&lint(RULE, Postgres, "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN id bigserial;"));
        assert_none(&lint(RULE, Postgres, "ALTER TABLE t ALTER COLUMN a SET DEFAULT random();"));
    }

    #[test]
    fn any_default_before_postgres_11() {
        let mut o = only(RULE, Postgres);
        o.postgres_version = 10;
        let f = lint_with(o.clone(), "t.up.sql", "ALTER TABLE t ADD COLUMN a int DEFAULT 0;");
        assert_one(&f, 1, &["Postgres < 11"]);
        assert_none(&lint_with(o, "t.up.sql", "ALTER TABLE t ADD COLUMN a int DEFAULT NULL;"));
    }
}
