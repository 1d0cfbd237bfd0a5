//! `rewriting-type-change` (Postgres, error; warning when it cannot tell): `ALTER COLUMN … TYPE`
//! that rewrites the table.
//!
//! Why: most type changes rewrite the whole table and rebuild its indexes under an ACCESS
//! EXCLUSIVE lock — no reads, no writes until done (ONLINE_DDL.md, `ALTER COLUMN TYPE`).
//!
//! No rewrite (not flagged): `varchar(n)` → `varchar(m ≥ n)`, `varchar` / `text`;
//! `varchar` ↔ `text`; `numeric(p, s)` → `numeric(q ≥ p, s)` or unconstrained `numeric`;
//! `varbit(n)` → `varbit(m ≥ n)`; `cidr` → `inet`; the same type. The old type is taken from
//! earlier statements of the file or earlier up files of the same run. When it is unknown and
//! the new type is one of those targets, the finding is a warning ("unless the old type is …");
//! any other target type, and any `USING` clause, is an error. `timestamp` → `timestamptz` is a
//! warning: it skips the rewrite only when the session TimeZone is UTC (Postgres ≥ 12).
//!
//! Safe alternative: a new column with the new type, triggers keeping both in sync, a batched
//! backfill, then swap the names and drop the old column in a contract migration (what
//! `migrator plan` does). Not flagged: a table created earlier in the same file.

use crate::lint::sql::{ActionKind, SqlType, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct RewritingTypeChange;

/// Target types that can be reached without a rewrite from some old types.
const MAYBE_FREE: &[&str] = &["varchar", "text", "numeric", "varbit", "inet", "timestamptz"];

enum Verdict {
    Free,
    /// Rewrite certain.
    Rewrite,
    /// Free only under a condition (the text).
    Depends(String),
}

fn verdict(old: Option<&SqlType>, new: &SqlType) -> Verdict {
    let Some(old) = old else {
        if MAYBE_FREE.contains(&new.base.as_str()) && new.modifiers.is_empty() {
            let from = match new.base.as_str() {
                "varchar" | "text" => "a shorter or equal varchar, or text",
                "numeric" => "a numeric with lower precision and the same scale",
                "varbit" => "a shorter bit varying",
                "inet" => "cidr",
                _ => "timestamp, with the session TimeZone set to UTC",
            };
            return Verdict::Depends(format!("unless the old type is {from} (it is not known here)"));
        }
        return Verdict::Rewrite;
    };
    if old.same_as(new) {
        return Verdict::Free;
    }
    if !old.modifiers.is_empty() || !new.modifiers.is_empty() {
        return Verdict::Rewrite;
    }
    let grows = |i: usize| match (old.arg(i), new.arg(i)) {
        (_, None) if new.args.is_empty() => true,
        (Some(o), Some(n)) => n >= o,
        _ => false,
    };
    match (old.base.as_str(), new.base.as_str()) {
        ("varchar", "varchar") | ("varbit", "varbit") if grows(0) => Verdict::Free,
        ("varchar", "text") | ("text", "varchar") if new.args.is_empty() => Verdict::Free,
        ("numeric", "numeric") => {
            if new.args.is_empty() || (grows(0) && old.args.get(1).map(|s| s.trim()) == new.args.get(1).map(|s| s.trim()) && !old.args.is_empty()) {
                Verdict::Free
            } else {
                Verdict::Rewrite
            }
        }
        ("cidr", "inet") => Verdict::Free,
        ("timestamp", "timestamptz") if old.args == new.args => {
            Verdict::Depends("unless the session TimeZone is UTC (Postgres ≥ 12 then skips the rewrite)".into())
        }
        _ => Verdict::Rewrite,
    }
}

impl Rule for RewritingTypeChange {
    fn name(&self) -> &'static str {
        "rewriting-type-change"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "ALTER COLUMN … TYPE that rewrites the table under an ACCESS EXCLUSIVE lock"
    }
    fn explanation(&self) -> &'static str {
        "Most type changes rewrite the table and rebuild its indexes while holding an ACCESS \
         EXCLUSIVE lock. Exceptions: varchar growth, varchar → text, numeric precision growth \
         with the same scale, cidr → inet. Unknown old type with such a target: warning."
    }
    fn safe_alternative(&self) -> &'static str {
        "Add a new column of the new type, keep it in sync with triggers, backfill it in \
         batches, then swap names and drop the old column in a contract migration (migrator \
         plan does this)."
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
            let ActionKind::AlterColumnType { column, ty, using } = &action.kind else {
                continue;
            };
            let known = ctx.knowledge.column(&a.name, column).map(|k| &k.ty);
            let v = if *using { Verdict::Rewrite } else { verdict(known, ty) };
            let from = known.map(|k| format!(" from {}", k.display())).unwrap_or_default();
            let what = format!(
                "ALTER COLUMN {} TYPE {}{from} on {}",
                column.quoted(),
                ty.display(),
                a.name.quoted()
            );
            let help = format!(
                "add a new column of type {}, sync it with triggers, backfill in batches, then swap and drop the old one in a contract migration",
                ty.display()
            );
            match v {
                Verdict::Free => {}
                Verdict::Rewrite => out.push(ctx.finding(
                    self,
                    action.line,
                    format!(
                        "{what}{} rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock",
                        if *using { " with USING" } else { "" }
                    ),
                    help,
                )),
                Verdict::Depends(when) => out.push(ctx.finding_with(
                    self,
                    Severity::Warning,
                    action.line,
                    format!("{what} rewrites the whole table under an ACCESS EXCLUSIVE lock {when}"),
                    help,
                )),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::lint::Severity;
    use crate::Dialect::Postgres;

    const RULE: &str = "rewriting-type-change";

    #[test]
    fn flags_rewriting_changes() {
        let f = lint(RULE, Postgres, "ALTER TABLE orders ALTER COLUMN id TYPE bigint;");
        assert_one(&f, 1, &["ALTER COLUMN \"id\" TYPE bigint on \"orders\" rewrites the whole table"]);
        assert_eq!(f[0].severity, Severity::Error);
        let f = lint(RULE, Postgres, "ALTER TABLE t ALTER c SET DATA TYPE text USING c::text;");
        assert_one(&f, 1, &["with USING"]);
    }

    #[test]
    fn known_old_types_decide() {
        let create = "CREATE TABLE t (v varchar(20), n numeric(10,2), i int, s text);\n";
        let cases = [
            ("ALTER TABLE t ALTER v TYPE varchar(40)", false),
            ("ALTER TABLE t ALTER v TYPE character varying", false),
            ("ALTER TABLE t ALTER v TYPE text", false),
            ("ALTER TABLE t ALTER s TYPE varchar", false),
            ("ALTER TABLE t ALTER n TYPE numeric(12, 2)", false),
            ("ALTER TABLE t ALTER n TYPE decimal", false),
            ("ALTER TABLE t ALTER i TYPE integer", false),
            ("ALTER TABLE t ALTER v TYPE varchar(10)", true),
            ("ALTER TABLE t ALTER s TYPE varchar(10)", true),
            ("ALTER TABLE t ALTER n TYPE numeric(12, 3)", true),
            ("ALTER TABLE t ALTER i TYPE bigint", true),
        ];
        for (change, rewrites) in cases {
            // The table comes from an earlier file: it exists, and its types are known.
            let f = lint_files(RULE, Postgres, &[("1_a.up.sql", create), ("2_b.up.sql", change)]);
            assert_eq!(f.len(), usize::from(rewrites), "{change}: {f:#?}");
            if rewrites {
                assert_eq!(f[0].severity, Severity::Error, "{change}");
            }
        }
    }

    #[test]
    fn unknown_old_type_with_maybe_free_target_warns() {
        let f = lint(RULE, Postgres, "ALTER TABLE t ALTER COLUMN v TYPE varchar(50);");
        assert_one(&f, 1, &["unless the old type is a shorter or equal varchar"]);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn down_files_do_not_teach_types_and_new_tables_pass() {
        assert_none(&lint(RULE, Postgres, "CREATE TABLE t (i int);\nALTER TABLE t ALTER i TYPE bigint;"));
        let f = lint_files(RULE, Postgres, &[
            ("1_a.up.sql", "ALTER TABLE t ADD COLUMN v varchar(10);"),
            ("1_a.down.sql", "ALTER TABLE t DROP COLUMN v;"),
            ("2_b.up.sql", "ALTER TABLE t ALTER v TYPE varchar(20);"),
        ]);
        assert_none(&f);
    }
}
