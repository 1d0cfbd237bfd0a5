//! `copying-type-change` (MySQL / MariaDB, error): `MODIFY` / `CHANGE` that changes a column's
//! type in a way the server can only do by copying the table.
//!
//! Why: most type changes run with ALGORITHM=COPY: the table is copied row by row while writes
//! are blocked (ONLINE_DDL.md, "other type changes: COPY, blocks writes").
//!
//! Not flagged (in place or instant): the same type (only NULL / default / comment restated —
//! see `not-null-rebuild` for NOT NULL); `VARCHAR(n)` → `VARCHAR(m ≥ n)` when both stay in the
//! same length-byte class (under 256 bytes, or both 256 and over; bytes = characters × 4 for
//! utf8mb4, the assumed character set unless the column says `CHARACTER SET latin1` / `ascii`
//! (1) or `utf8mb3` (3)); `ENUM` / `SET` with values only appended and the same storage size.
//!
//! Conservative: the old type must be known — from a `CREATE TABLE`, `ADD COLUMN`, `MODIFY` or
//! `CHANGE` earlier in the file or in an earlier up file of the same run. Otherwise the rule says
//! nothing; `require-algorithm-lock` then makes sure an unexpected copy is refused by the server
//! rather than run. Not flagged: a table created earlier in the same file.
//!
//! Safe alternative: a new column of the new type, triggers keeping both in sync, a batched
//! backfill, then the switch (what `migrator plan` does) — or an online schema-change tool.

use crate::lint::sql::{ActionKind, SqlType, Stmt};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::Dialect;

pub struct CopyingTypeChange;

/// Bytes per character of a character set (utf8mb4 when unknown).
fn bytes_per_char(charset: Option<&str>) -> u64 {
    match charset {
        Some("latin1" | "ascii" | "binary") => 1,
        Some("utf8" | "utf8mb3") => 3,
        Some("ucs2") => 2,
        _ => 4,
    }
}

fn set_bytes(n: usize) -> usize {
    match n.div_ceil(8) {
        0 | 1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        _ => 8,
    }
}

/// `None` when in place, else why it copies.
fn copies(old: &SqlType, new: &SqlType) -> Option<String> {
    let charset = new.charset.as_deref().or(old.charset.as_deref());
    if old.charset.is_some() && new.charset.is_some() && old.charset != new.charset {
        return Some("the character set changes".into());
    }
    if old.same_as(new) {
        return None;
    }
    let from_to = format!("{} → {}", old.display(), new.display());
    match (old.base.as_str(), new.base.as_str()) {
        ("varchar", "varchar") => {
            let (Some(o), Some(n)) = (old.arg(0), new.arg(0)) else {
                return Some(from_to);
            };
            let bpc = bytes_per_char(charset);
            if n < o {
                Some(format!("{from_to} shrinks the column"))
            } else if (o * bpc < 256) != (n * bpc < 256) {
                Some(format!(
                    "{from_to} crosses the 255-byte length boundary ({bpc} bytes per character)"
                ))
            } else {
                None
            }
        }
        ("enum", "enum") | ("set", "set") => {
            let appended = new.values.len() >= old.values.len() && new.values.starts_with(&old.values);
            let same_size = if old.base == "enum" {
                (old.values.len() <= 255) == (new.values.len() <= 255)
            } else {
                set_bytes(old.values.len()) == set_bytes(new.values.len())
            };
            match (appended, same_size) {
                (true, true) => None,
                (false, _) => Some(format!("{from_to} does not only append values")),
                (true, false) => Some(format!("{from_to} changes the storage size")),
            }
        }
        _ => Some(from_to),
    }
}

impl Rule for CopyingTypeChange {
    fn name(&self) -> &'static str {
        "copying-type-change"
    }
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Mysql]
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "MODIFY / CHANGE to another column type copies the table, blocking writes (old type must be known)"
    }
    fn explanation(&self) -> &'static str {
        "Most type changes run with ALGORITHM=COPY, blocking writes for the whole copy. In \
         place: VARCHAR growth within the same length-byte class, ENUM/SET values appended. \
         Only reported when the old type is known from earlier statements or files."
    }
    fn safe_alternative(&self) -> &'static str {
        "Add a new column of the new type, sync it with triggers, backfill in batches, then \
         switch (migrator plan does this), or use an online schema-change tool."
    }
    fn check(&self, ctx: &StatementContext) -> Vec<Finding> {
        let Stmt::AlterTable(a) = ctx.stmt() else {
            return vec![];
        };
        if ctx.created_in_file(&a.name) {
            return vec![];
        }
        let refused = matches!(a.algorithm.as_ref().map(|x| x.0.as_str()), Some("INPLACE" | "INSTANT" | "NOCOPY"));
        let mut out = Vec::new();
        for action in &a.actions {
            let (verb, old, def) = match &action.kind {
                ActionKind::Modify(def) => ("MODIFY", &def.name, def),
                ActionKind::Change { old, def } => ("CHANGE", old, def),
                _ => continue,
            };
            let Some(known) = ctx.knowledge.column(&a.name, old) else {
                continue;
            };
            let Some(why) = copies(&known.ty, &def.ty) else {
                continue;
            };
            let consequence = if refused {
                "needs ALGORITHM=COPY, so the server will refuse this statement".to_string()
            } else {
                "the server copies the whole table, blocking writes".to_string()
            };
            out.push(ctx.finding(
                self,
                action.line,
                format!("{verb} {} on {}: {why}; {consequence}", old.quoted(), a.name.quoted()),
                "add a new column of the new type, sync it with triggers, backfill in batches, then switch (or use an online schema-change tool)",
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::*;
    use crate::Dialect::Mysql;

    const RULE: &str = "copying-type-change";
    const CREATE: &str = "CREATE TABLE t (id INT NOT NULL, name VARCHAR(40), code VARCHAR(10) CHARACTER SET latin1, kind ENUM('a','b'), flags SET('x'));";

    fn change(sql: &str) -> Vec<crate::lint::Finding> {
        lint_files(RULE, Mysql, &[("1_a.up.sql", CREATE), ("2_b.up.sql", sql)])
    }

    #[test]
    fn flags_copying_changes_of_known_columns() {
        let f = change("ALTER TABLE t MODIFY id BIGINT NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;");
        assert_one(&f, 1, &["MODIFY \"id\" on \"t\": int → bigint; needs ALGORITHM=COPY, so the server will refuse"]);
        let f = change("ALTER TABLE t MODIFY name VARCHAR(80);");
        assert_one(&f, 1, &["varchar(40) → varchar(80) crosses the 255-byte length boundary (4 bytes per character)", "blocking writes"]);
        let f = change("ALTER TABLE t CHANGE COLUMN name name VARCHAR(20);");
        assert_one(&f, 1, &["shrinks"]);
        let f = change("ALTER TABLE t MODIFY kind ENUM('b','a','c');");
        assert_one(&f, 1, &["does not only append"]);
    }

    #[test]
    fn in_place_changes_pass() {
        assert_none(&change("ALTER TABLE t MODIFY name VARCHAR(60);"));
        assert_none(&change("ALTER TABLE t MODIFY code VARCHAR(200) CHARACTER SET latin1;"));
        assert_none(&change("ALTER TABLE t MODIFY kind ENUM('a','b','c') NOT NULL;"));
        assert_none(&change("ALTER TABLE t MODIFY flags SET('x','y');"));
        assert_none(&change("ALTER TABLE t MODIFY id INT NOT NULL DEFAULT 0;"));
    }

    #[test]
    fn unknown_columns_and_new_tables_pass() {
        assert_none(&lint(RULE, Mysql, "ALTER TABLE t MODIFY id BIGINT;"));
        let text = format!("{CREATE}\nALTER TABLE t MODIFY id BIGINT;");
        assert_none(&lint(RULE, Mysql, &text));
    }
}
