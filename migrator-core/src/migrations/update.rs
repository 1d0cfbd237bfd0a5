//! The one `UPDATE` of a backfill file (`-- migrator:backfill table=T key=K`), read just enough
//! to run it in key-range batches: which table it updates, under which name the key column can
//! be referred to, and where its `WHERE` condition starts, so that a range condition can be
//! added to it.

use super::split::{significant_tokens, SqlToken, TokenKind};
use crate::Dialect;

/// An `UPDATE` statement prepared for batching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchedUpdate {
    /// The statement as written in the file.
    pub sql: String,
    /// The updated table as written (`t`, `s.t`, `"T"`), for checking against the directive.
    pub table: String,
    /// What to qualify the key column with inside the statement: the alias when the table has
    /// one, else the table as written.
    pub qualifier: String,
    /// Byte offset just after the top-level `WHERE` keyword, when there is one.
    where_end: Option<usize>,
}

/// Words that may follow the table of a MySQL `UPDATE` without being an alias.
const MYSQL_NOT_ALIAS: &[&str] = &[
    "SET",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "CROSS",
    "STRAIGHT_JOIN",
    "NATURAL",
    "USE",
    "FORCE",
    "IGNORE",
    "PARTITION",
];

impl BatchedUpdate {
    /// Reads `sql`, which must be a single `UPDATE` (optionally after a `WITH` clause) without
    /// `RETURNING`, `ORDER BY` or `LIMIT`. The error says what is wrong, for a message that names
    /// the file.
    pub fn parse(sql: &str, dialect: Dialect) -> Result<BatchedUpdate, String> {
        let toks = significant_tokens(sql, dialect);
        let first = toks.first().ok_or("the file has no statement")?;
        // Depth of every token (parentheses), and the top-level UPDATE.
        let mut depth = 0i32;
        let mut depths = Vec::with_capacity(toks.len());
        for t in &toks {
            if t.is_symbol(")") {
                depth -= 1;
            }
            depths.push(depth);
            if t.is_symbol("(") {
                depth += 1;
            }
        }
        let top = |i: usize| depths[i] == 0;
        let update_at = if first.is_word("UPDATE") {
            0
        } else if first.is_word("WITH") {
            (0..toks.len())
                .find(|&i| top(i) && toks[i].is_word("UPDATE"))
                .ok_or(
                    "a backfill statement must be an UPDATE; this WITH … is not followed by UPDATE",
                )?
        } else {
            return Err(format!(
                "a backfill file holds one UPDATE statement, not `{}`",
                first.text.to_uppercase()
            ));
        };

        let mut i = update_at + 1;
        let modifiers: &[&str] = match dialect {
            Dialect::Postgres => &["ONLY"],
            Dialect::Mysql => &["LOW_PRIORITY", "IGNORE"],
        };
        while toks
            .get(i)
            .is_some_and(|t| modifiers.iter().any(|m| t.is_word(m)))
        {
            i += 1;
        }
        // The table: name ( . name )*
        let name_start = i;
        let is_name = |t: &SqlToken| matches!(t.kind, TokenKind::Word | TokenKind::Quoted);
        if !toks.get(i).is_some_and(is_name) {
            return Err("cannot find the table after UPDATE".into());
        }
        i += 1;
        while toks.get(i).is_some_and(|t| t.is_symbol(".")) && toks.get(i + 1).is_some_and(is_name)
        {
            i += 2;
        }
        let table = sql[toks[name_start].start..toks[i - 1].end()].to_string();
        // Postgres `UPDATE t * …` (the table and its descendants).
        let descendants_star = match dialect {
            Dialect::Postgres => true,
            Dialect::Mysql => false,
        };
        if descendants_star && toks.get(i).is_some_and(|t| t.is_symbol("*")) {
            i += 1;
        }
        // An alias: `AS a`, or a bare name that is not the next clause.
        let alias = match toks.get(i) {
            Some(t) if t.is_word("AS") => {
                let a = toks
                    .get(i + 1)
                    .filter(|t| is_name(t))
                    .ok_or("cannot read the alias after AS")?;
                Some(a.text)
            }
            Some(t) if t.kind == TokenKind::Quoted => Some(t.text),
            Some(t) if t.kind == TokenKind::Word => {
                let not_alias = match dialect {
                    Dialect::Postgres => t.is_word("SET"),
                    Dialect::Mysql => MYSQL_NOT_ALIAS.iter().any(|w| t.is_word(w)),
                };
                (!not_alias).then_some(t.text)
            }
            _ => None,
        };

        let mut where_end = None;
        for (j, t) in toks.iter().enumerate().skip(i) {
            if !top(j) {
                continue;
            }
            if t.is_word("WHERE") && where_end.is_none() {
                if toks.get(j + 1).is_some_and(|n| n.is_word("CURRENT")) {
                    return Err("`WHERE CURRENT OF` cannot be batched".into());
                }
                where_end = Some(t.end());
            }
            for clause in ["RETURNING", "ORDER", "LIMIT"] {
                if t.is_word(clause) {
                    return Err(format!(
                        "a backfill UPDATE cannot have {clause}{}: it runs in key-range batches; remove it",
                        if clause == "ORDER" { " BY" } else { "" }
                    ));
                }
            }
            if t.is_symbol(";") {
                return Err("a backfill file holds exactly one statement".into());
            }
        }
        Ok(BatchedUpdate {
            sql: sql.to_string(),
            qualifier: alias.map(str::to_string).unwrap_or_else(|| table.clone()),
            table,
            where_end,
        })
    }

    /// The statement limited to the rows matching `range` (a condition on the key): its own
    /// `WHERE` condition in parentheses `AND (range)`, or `WHERE range` when it has none.
    pub fn with_range(&self, range: &str) -> String {
        match self.where_end {
            Some(at) => format!(
                "{} ({}) AND ({range})",
                &self.sql[..at],
                self.sql[at..].trim()
            ),
            None => format!("{} WHERE {range}", self.sql),
        }
    }

    /// Whether the updated table is `directive_table` (`t` or `schema.t`, as in the directive).
    /// Names compare as the server would: Postgres folds unquoted names to lower case; MySQL
    /// compares case-insensitively here. A schema is compared only when both sides name one.
    pub fn updates(&self, directive_table: &str, dialect: Dialect) -> bool {
        let ours = name_parts(&self.table, dialect);
        let theirs = name_parts(directive_table, dialect);
        let eq = |a: &String, b: &String| dialect.same_name(a, b);
        match (ours.split_last(), theirs.split_last()) {
            (Some((a, sa)), Some((b, sb))) => {
                eq(a, b)
                    && (sa.is_empty() || sb.is_empty() || sa.iter().zip(sb).all(|(x, y)| eq(x, y)))
            }
            _ => false,
        }
    }
}

/// The parts of a possibly qualified, possibly quoted name, as the server reads them.
pub fn name_parts(name: &str, dialect: Dialect) -> Vec<String> {
    let quote = dialect.ident_quote();
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = name.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == quote {
                if chars.peek() == Some(&quote) {
                    cur.push(quote);
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == quote {
            quoted = true;
            was_quoted = true;
        } else if c == '.' {
            parts.push(fold(std::mem::take(&mut cur), was_quoted, dialect));
            was_quoted = false;
        } else if !c.is_whitespace() {
            cur.push(c);
        }
    }
    parts.push(fold(cur, was_quoted, dialect));
    parts
}

fn fold(part: String, quoted: bool, dialect: Dialect) -> String {
    dialect.fold(&part, quoted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Dialect::*;

    #[test]
    fn adds_the_range_to_the_where_clause() {
        let u =
            BatchedUpdate::parse("UPDATE t SET c = a + b WHERE a > 1 OR b < 2", Postgres).unwrap();
        assert_eq!(u.table, "t");
        assert_eq!(u.qualifier, "t");
        assert_eq!(
            u.with_range("t.id > $1"),
            "UPDATE t SET c = a + b WHERE (a > 1 OR b < 2) AND (t.id > $1)"
        );
        let u = BatchedUpdate::parse("UPDATE t SET c = (SELECT 1 WHERE true)", Postgres).unwrap();
        assert_eq!(
            u.with_range("x"),
            "UPDATE t SET c = (SELECT 1 WHERE true) WHERE x"
        );
    }

    #[test]
    fn reads_aliases_schemas_and_quotes() {
        let u = BatchedUpdate::parse(
            "UPDATE ONLY public.\"Users\" AS u SET c = 1 FROM x WHERE x.id = u.x_id",
            Postgres,
        )
        .unwrap();
        assert_eq!(u.table, "public.\"Users\"");
        assert_eq!(u.qualifier, "u");
        assert!(u.updates("public.\"Users\"", Postgres));
        assert!(u.updates("\"Users\"", Postgres));
        assert!(!u.updates("users", Postgres));
        let u = BatchedUpdate::parse(
            "UPDATE `app`.`t` x JOIN y ON y.id = x.y SET x.c = y.c",
            Mysql,
        )
        .unwrap();
        assert_eq!(u.qualifier, "x");
        assert!(u.updates("app.T", Mysql));
        let u = BatchedUpdate::parse("UPDATE LOW_PRIORITY t SET c = 1", Mysql).unwrap();
        assert_eq!(u.qualifier, "t");
        let u = BatchedUpdate::parse(
            "WITH v AS (SELECT 1 AS one) UPDATE t SET c = (SELECT one FROM v)",
            Postgres,
        )
        .unwrap();
        assert_eq!(u.table, "t");
        assert!(u.updates("T", Postgres));
    }

    #[test]
    fn refuses_what_cannot_be_batched() {
        for (sql, needle) in [
            ("DELETE FROM t", "not `DELETE`"),
            ("UPDATE t SET c = 1 RETURNING id", "RETURNING"),
            ("UPDATE t SET c = 1 ORDER BY id LIMIT 10", "ORDER BY"),
            ("UPDATE t SET c = 1 WHERE CURRENT OF cur", "CURRENT OF"),
        ] {
            let e = BatchedUpdate::parse(sql, Postgres).unwrap_err();
            assert!(e.contains(needle), "{sql}: {e}");
        }
    }
}
