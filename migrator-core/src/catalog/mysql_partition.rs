//! MySQL / MariaDB partitioning: `information_schema.PARTITIONS` read into each table's
//! [`PartitionBy`], completed from `SHOW CREATE TABLE` with what that view does not hold: each
//! partition's and subpartition's options (`MAX_ROWS`, `MIN_ROWS`, `DATA DIRECTORY`,
//! `INDEX DIRECTORY`, `TABLESPACE`, `NODEGROUP`) and a KEY method's `ALGORITHM`.
//!
//! Both servers print the expression and the values the way they store them (``year(`d`)``,
//! MariaDB `` `id` MOD 7`` where MySQL prints ``(`id` % 7)``); a declared schema is loaded on the
//! same server as the one it is compared with, so the printed forms compare equal.

use super::mysql_row::text;
use crate::migrations::split::{significant_tokens, TokenKind};
use crate::schema::{PartitionBy, PartitionDef, SubPartitionDef};
use crate::Dialect;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};
use std::collections::BTreeMap;

/// The query (`{filter:COLUMN}` as in `catalog/mysql.rs`): one row per partition, or per
/// subpartition, in order.
pub(super) const QUERY: &str =
    "SELECT TABLE_SCHEMA, TABLE_NAME, PARTITION_NAME, SUBPARTITION_NAME, \
        PARTITION_METHOD, PARTITION_EXPRESSION, SUBPARTITION_METHOD, SUBPARTITION_EXPRESSION, \
        PARTITION_DESCRIPTION, PARTITION_COMMENT \
 FROM information_schema.PARTITIONS \
 WHERE {filter:TABLE_SCHEMA} AND PARTITION_NAME IS NOT NULL \
 ORDER BY TABLE_SCHEMA, TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION";

/// What `SHOW CREATE TABLE` adds to a table's partitioning.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Shown {
    /// `ALGORITHM = n` of `PARTITION BY [LINEAR] KEY` and of `SUBPARTITION BY [LINEAR] KEY`.
    algorithm: Option<String>,
    sub_algorithm: Option<String>,
    /// Options by partition or subpartition name (names are unique across both in a table).
    options: BTreeMap<String, BTreeMap<String, String>>,
}

/// `SHOW CREATE TABLE` of every partitioned table in `rows` (the [`QUERY`]'s), one round trip
/// each: only partitioned tables pay for it.
pub(super) async fn fetch_shown(
    conn: &mut Conn,
    rows: &[Row],
) -> Result<BTreeMap<(String, String), Shown>, mysql_async::Error> {
    let mut out = BTreeMap::new();
    let q = |s: &str| Dialect::Mysql.ident(s);
    for row in rows {
        let key = (
            text(row, 0).unwrap_or_default(),
            text(row, 1).unwrap_or_default(),
        );
        if out.contains_key(&key) {
            continue;
        }
        let shown: Option<Row> = conn
            .query_first(format!("SHOW CREATE TABLE {}.{}", q(&key.0), q(&key.1)))
            .await?;
        let create = shown.and_then(|r| text(&r, 1)).unwrap_or_default();
        out.insert(key, parse_shown(&create));
    }
    Ok(out)
}

/// The partitioned tables of `rows`, by `(schema, table)`.
pub(super) fn build(
    rows: &[Row],
    shown: &BTreeMap<(String, String), Shown>,
) -> BTreeMap<(String, String), PartitionBy> {
    let mut out: BTreeMap<(String, String), PartitionBy> = BTreeMap::new();
    let none = Shown::default();
    for row in rows {
        let key = (
            text(row, 0).unwrap_or_default(),
            text(row, 1).unwrap_or_default(),
        );
        let extra = shown.get(&key).unwrap_or(&none);
        let with_algorithm = |method: String, algorithm: &Option<String>| match algorithm {
            Some(a) => format!("{} ALGORITHM = {a}", method.to_ascii_uppercase()),
            None => method.to_ascii_uppercase(),
        };
        let name = text(row, 2).unwrap_or_default();
        let scheme = out.entry(key).or_insert_with(|| PartitionBy {
            method: with_algorithm(text(row, 4).unwrap_or_default(), &extra.algorithm),
            // MySQL prints NULL for `KEY ()`, MariaDB an empty string.
            expression: text(row, 5).unwrap_or_default(),
            partitions: Vec::new(),
            sub: text(row, 6).map(|m| {
                (
                    with_algorithm(m, &extra.sub_algorithm),
                    text(row, 7).unwrap_or_default(),
                )
            }),
        });
        let options = |name: &str| extra.options.get(name).cloned().unwrap_or_default();
        if scheme.partitions.last().map(|p| &p.name) != Some(&name) {
            scheme.partitions.push(PartitionDef {
                values: text(row, 8),
                comment: text(row, 9).filter(|c| !c.is_empty()),
                options: options(&name),
                ..PartitionDef::named(name)
            });
        }
        if let (Some(sub), Some(p)) = (text(row, 3), scheme.partitions.last_mut()) {
            p.subpartitions.push(SubPartitionDef {
                options: options(&sub),
                name: sub,
            });
        }
    }
    for scheme in out.values_mut() {
        if scheme.is_list() {
            scheme.partitions.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
    out
}

/// A token of `SHOW CREATE TABLE`'s text.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A bare word or number, as written.
    Word(String),
    /// A `` `quoted` `` name, unquoted.
    Name(String),
    /// A string literal with its quotes, as written.
    Literal(String),
    Punct(char),
}

impl Token {
    fn is_word(&self, w: &str) -> bool {
        matches!(self, Token::Word(x) if x.eq_ignore_ascii_case(w))
    }

    /// The token as SQL.
    fn sql(&self) -> String {
        match self {
            Token::Word(w) | Token::Literal(w) => w.clone(),
            Token::Name(n) => Dialect::Mysql.ident(n),
            Token::Punct(c) => c.to_string(),
        }
    }
}

/// The tokens of `sql` (the project's MySQL lexer); MySQL's version comments
/// (`/*!50100 … */`), which the lexer keeps whole, are read as the SQL they hold.
fn tokens(sql: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for t in significant_tokens(sql, Dialect::Mysql) {
        let text = t.text;
        out.push(match t.kind {
            TokenKind::Word => Token::Word(text.to_string()),
            TokenKind::Quoted if text.starts_with("/*") => {
                let inner = text
                    .trim_start_matches("/*")
                    .trim_start_matches(['M', '!'])
                    .trim_start_matches(|c: char| c.is_ascii_digit());
                out.extend(tokens(inner.strip_suffix("*/").unwrap_or(inner)));
                continue;
            }
            TokenKind::Quoted if text.len() >= 2 && text.starts_with('`') => {
                Token::Name(text[1..text.len() - 1].replace("``", "`"))
            }
            TokenKind::Quoted => Token::Literal(text.to_string()),
            _ => Token::Punct(text.chars().next().unwrap_or(' ')),
        });
    }
    out
}

/// Reads the partitioning part of a `CREATE TABLE` statement as `SHOW CREATE TABLE` prints it.
fn parse_shown(create: &str) -> Shown {
    let toks = tokens(create);
    let mut shown = Shown::default();
    let Some(start) = (0..toks.len().saturating_sub(1))
        .find(|&i| toks[i].is_word("PARTITION") && toks[i + 1].is_word("BY"))
    else {
        return shown;
    };
    let mut i = start;
    while i < toks.len() {
        let t = &toks[i];
        let by = toks.get(i + 1).is_some_and(|n| n.is_word("BY"));
        if (t.is_word("PARTITION") || t.is_word("SUBPARTITION")) && by {
            // `[SUB]PARTITION BY [LINEAR] KEY ALGORITHM = n (…)`
            let mut j = i + 2;
            while j < toks.len()
                && matches!(toks[j], Token::Word(_))
                && !toks[j].is_word("ALGORITHM")
            {
                j += 1;
            }
            if toks.get(j).is_some_and(|a| a.is_word("ALGORITHM")) {
                let value = toks.get(j + 2).map(Token::sql);
                if t.is_word("PARTITION") {
                    shown.algorithm = value;
                } else {
                    shown.sub_algorithm = value;
                }
            }
            i = j;
            continue;
        }
        let name = match toks.get(i + 1) {
            Some(Token::Name(n)) => Some(n.clone()),
            Some(Token::Word(w)) => Some(w.clone()),
            _ => None,
        };
        if let (true, Some(name)) = (t.is_word("PARTITION") || t.is_word("SUBPARTITION"), name) {
            let (options, next) = definition_options(&toks, i + 2);
            if !options.is_empty() {
                shown.options.insert(name, options);
            }
            i = next;
            continue;
        }
        i += 1;
    }
    shown
}

/// The options of the partition definition whose name ends before `i`, and where it ends:
/// `VALUES …` and `DEFAULT` are passed over, `ENGINE` (the table's, for every partition) and
/// `COMMENT` (read from `information_schema`) left out.
fn definition_options(toks: &[Token], mut i: usize) -> (BTreeMap<String, String>, usize) {
    let mut options = BTreeMap::new();
    while i < toks.len() {
        match &toks[i] {
            Token::Punct(_) => break,
            t if t.is_word("VALUES") => {
                i += 1;
                while toks
                    .get(i)
                    .is_some_and(|t| t.is_word("LESS") || t.is_word("THAN") || t.is_word("IN"))
                {
                    i += 1;
                }
                if toks.get(i) == Some(&Token::Punct('(')) {
                    let mut depth = 0;
                    while i < toks.len() {
                        match toks[i] {
                            Token::Punct('(') => depth += 1,
                            Token::Punct(')') => depth -= 1,
                            _ => {}
                        }
                        i += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                } else {
                    i += 1; // MAXVALUE
                }
            }
            t if t.is_word("DEFAULT") => i += 1,
            Token::Word(_) => {
                let mut key = Vec::new();
                while let Some(Token::Word(w)) = toks.get(i) {
                    key.push(w.to_ascii_uppercase());
                    i += 1;
                }
                if toks.get(i) != Some(&Token::Punct('=')) {
                    break;
                }
                let value = toks.get(i + 1).map(Token::sql).unwrap_or_default();
                i += 2;
                let key = key.join(" ");
                if !matches!(key.as_str(), "ENGINE" | "STORAGE ENGINE" | "COMMENT") {
                    options.insert(key, value);
                }
            }
            _ => break,
        }
    }
    (options, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn mariadb_partition_and_subpartition_options() {
        let shown = parse_shown(
            "CREATE TABLE `t` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB MAX_ROWS=1000\n PARTITION BY RANGE (`id`)\nSUBPARTITION BY KEY ALGORITHM = 1 (`id`)\n(PARTITION `p0` VALUES LESS THAN (10) MAX_ROWS = 100 DATA DIRECTORY = '/srv/it''s' COMMENT = 'a, b (c)' ENGINE = InnoDB\n (SUBPARTITION `s0` MIN_ROWS = 7 ENGINE = InnoDB,\n  SUBPARTITION `s1` ENGINE = InnoDB),\n PARTITION `p1` VALUES LESS THAN MAXVALUE ENGINE = InnoDB\n (SUBPARTITION `s2` ENGINE = InnoDB,\n  SUBPARTITION `s3` ENGINE = InnoDB))",
        );
        assert_eq!(shown.algorithm, None);
        assert_eq!(shown.sub_algorithm.as_deref(), Some("1"));
        assert_eq!(
            shown.options,
            BTreeMap::from([
                (
                    "p0".to_string(),
                    opts(&[("MAX_ROWS", "100"), ("DATA DIRECTORY", "'/srv/it''s'")])
                ),
                ("s0".to_string(), opts(&[("MIN_ROWS", "7")])),
            ])
        );
    }

    #[test]
    fn mysql_version_comments_and_list_values() {
        let shown = parse_shown(
            "CREATE TABLE `k` (\n  `id` int NOT NULL\n) ENGINE=InnoDB\n/*!50100 PARTITION BY LINEAR KEY */ /*!50611 ALGORITHM = 1 */ /*!50100 (id)\nPARTITIONS 3 */",
        );
        assert_eq!(shown.algorithm.as_deref(), Some("1"));
        assert!(shown.options.is_empty());
        let shown = parse_shown(
            "CREATE TABLE `l` (`r` varchar(4)) /*!50100 PARTITION BY LIST COLUMNS(r)\n(PARTITION eu VALUES IN ('de','fr') MIN_ROWS = 2 ENGINE = InnoDB,\n PARTITION `rest` DEFAULT MAX_ROWS = 9 ENGINE = InnoDB) */",
        );
        assert_eq!(shown.algorithm, None);
        assert_eq!(
            shown.options,
            BTreeMap::from([
                ("eu".to_string(), opts(&[("MIN_ROWS", "2")])),
                ("rest".to_string(), opts(&[("MAX_ROWS", "9")])),
            ])
        );
    }

    #[test]
    fn a_table_without_partitioning_has_nothing_shown() {
        assert_eq!(
            parse_shown("CREATE TABLE `partition` (`by` int) COMMENT='PARTITION BY'"),
            Shown::default()
        );
    }
}
