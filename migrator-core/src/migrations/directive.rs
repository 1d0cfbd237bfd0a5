//! `-- migrator:` directives: one per line in the comment block at the top of a migration file.
//!
//! ```sql
//! -- migrator:phase contract
//! -- migrator:no-transaction
//! -- migrator:irreversible
//! -- migrator:backfill table=users key=id batch=5000
//! -- migrator:new-tables "public"."orders" "public"."order_lines"
//! ```

use crate::{Error, Result};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The phase of an expand → backfill → contract migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Backward compatible: both application versions work after it. The default.
    #[default]
    Expand,
    /// Data copy in batches; backward compatible.
    Backfill,
    /// Breaks the old application version; run with `apply --contract` once it is gone.
    Contract,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Expand => "expand",
            Phase::Backfill => "backfill",
            Phase::Contract => "contract",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Phase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "expand" => Ok(Phase::Expand),
            "backfill" => Ok(Phase::Backfill),
            "contract" => Ok(Phase::Contract),
            other => Err(format!(
                "unknown phase `{other}`; use expand, backfill or contract"
            )),
        }
    }
}

/// `-- migrator:backfill table=T key=K batch=N`: the file's statement is a batched update.
/// `T` and `K` are written as in SQL: a name that needs quoting is quoted (`table="Order Lines"`,
/// `` key=`select` ``, doubled quote characters inside), and kept quoted here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackfillDirective {
    pub table: String,
    pub key: String,
    pub batch: Option<u64>,
}

/// The directives of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Directives {
    /// `None` when the file has no `phase` directive (treated as expand).
    pub phase: Option<Phase>,
    pub no_transaction: bool,
    pub irreversible: bool,
    pub backfill: Option<BackfillDirective>,
    /// `-- migrator:new-tables T…`: tables an earlier file of the same plan created, written as
    /// in SQL. No application has written to them yet, so the linter treats them as created in
    /// this file (an index on one needs no `CONCURRENTLY`). `plan` writes it where it splits
    /// a table's creation and the work on it into several files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub new_tables: Vec<String>,
}

impl Directives {
    pub fn phase(&self) -> Phase {
        self.phase.unwrap_or_default()
    }
}

const KNOWN: &str = "phase, no-transaction, irreversible, backfill, new-tables";

/// Parses the directives of a (normalized) file. Directives must stand in the leading block of
/// comments and blank lines; a `-- migrator:` line after the first statement is an error, so a
/// misplaced directive is never silently ignored.
pub fn parse(file: &str, text: &str) -> Result<Directives> {
    let mut d = Directives::default();
    let mut in_header = true;
    let err = |line: usize, message: String| Error::Syntax {
        file: file.to_string(),
        line,
        message,
    };
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        let body = line
            .strip_prefix("--")
            .map(str::trim_start)
            .and_then(|l| l.strip_prefix("migrator:"));
        let Some(body) = body else {
            if !(line.is_empty() || line.starts_with("--")) {
                in_header = false;
            }
            continue;
        };
        if !in_header {
            return Err(err(
                line_no,
                "`-- migrator:` directive after the first statement; move it to the top of the file"
                    .into(),
            ));
        }
        let (name, args) = match body.split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (body, ""),
        };
        let no_args = |d: &str| {
            if args.is_empty() {
                Ok(())
            } else {
                Err(err(
                    line_no,
                    format!("`{d}` takes no argument, found `{args}`"),
                ))
            }
        };
        match name {
            "phase" => {
                if d.phase.is_some() {
                    return Err(err(line_no, "`phase` given twice".into()));
                }
                d.phase = Some(args.parse().map_err(|m| err(line_no, m))?);
            }
            "no-transaction" => {
                no_args(name)?;
                d.no_transaction = true;
            }
            "irreversible" => {
                no_args(name)?;
                d.irreversible = true;
            }
            "backfill" => {
                if d.backfill.is_some() {
                    return Err(err(line_no, "`backfill` given twice".into()));
                }
                d.backfill = Some(parse_backfill(args).map_err(|m| err(line_no, m))?);
            }
            "new-tables" => {
                let names = sql_words(args).map_err(|m| err(line_no, m))?;
                if names.is_empty() {
                    return Err(err(line_no, "`new-tables` needs at least one table".into()));
                }
                d.new_tables.extend(names);
            }
            "" => return Err(err(line_no, format!("empty directive; known: {KNOWN}"))),
            other => {
                return Err(err(
                    line_no,
                    format!("unknown directive `{other}`; known: {KNOWN}"),
                ))
            }
        }
    }
    Ok(d)
}

fn parse_backfill(args: &str) -> Result<BackfillDirective, String> {
    let (mut table, mut key, mut batch) = (None, None, None);
    for kv in sql_words(args)? {
        let kv = kv.as_str();
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("`{kv}`: expected key=value (table=T key=K batch=N)"))?;
        if v.is_empty() {
            return Err(format!("`{k}=` has no value"));
        }
        let given = match k {
            "table" => table.is_some(),
            "key" => key.is_some(),
            "batch" => batch.is_some(),
            _ => false,
        };
        if given {
            return Err(format!("`{k}=` given twice; keep one"));
        }
        match k {
            "table" => table = Some(v.to_string()),
            "key" => key = Some(v.to_string()),
            "batch" => {
                let n: u64 = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("batch=`{v}` is not a positive number"))?;
                batch = Some(n);
            }
            other => {
                return Err(format!(
                    "unknown backfill option `{other}` (table, key, batch)"
                ))
            }
        }
    }
    Ok(BackfillDirective {
        table: table.ok_or("backfill needs table=T")?,
        key: key.ok_or("backfill needs key=K")?,
        batch,
    })
}

/// Splits at whitespace outside `"…"` and `` `…` `` quotes (a doubled quote character inside
/// stays inside), so that quoted identifiers with spaces stay whole.
fn sql_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            // A doubled quote closes and reopens: the text is the same either way.
            Some(q) if c == q => {
                quote = None;
                cur.push(c);
            }
            Some(_) => cur.push(c),
            None if c == '"' || c == '`' => {
                quote = Some(c);
                cur.push(c);
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            None => cur.push(c),
        }
    }
    if let Some(q) = quote {
        return Err(format!("unterminated {q} in `{text}`"));
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_directives() {
        let d = parse(
            "f",
            "-- a comment\n--migrator:phase contract\n-- migrator:no-transaction\n\n-- migrator:irreversible\n-- migrator:backfill table=t key=id batch=10\nALTER TABLE t ADD c int;\n",
        )
        .unwrap();
        assert_eq!(d.phase, Some(Phase::Contract));
        assert!(d.no_transaction && d.irreversible);
        assert_eq!(
            d.backfill,
            Some(BackfillDirective {
                table: "t".into(),
                key: "id".into(),
                batch: Some(10)
            })
        );
    }

    #[test]
    fn new_tables_are_kept_as_written() {
        let d = parse(
            "f",
            "-- migrator:new-tables \"public\".\"Order Lines\" `t`\n-- migrator:new-tables u\nSELECT 1;\n",
        )
        .unwrap();
        assert_eq!(d.new_tables, ["\"public\".\"Order Lines\"", "`t`", "u"]);
    }

    #[test]
    fn defaults_to_expand() {
        let d = parse("f", "CREATE TABLE t (id int);").unwrap();
        assert_eq!(d, Directives::default());
        assert_eq!(d.phase(), Phase::Expand);
    }

    #[test]
    fn bad_directives_name_file_and_line() {
        let cases = [
            ("-- migrator:phase later\n", 1, "unknown phase"),
            (
                "\n-- migrator:frobnicate\n",
                2,
                "unknown directive `frobnicate`",
            ),
            ("-- migrator:irreversible yes\n", 1, "takes no argument"),
            (
                "-- migrator:phase expand\n-- migrator:phase contract\n",
                2,
                "twice",
            ),
            ("-- migrator:backfill table=t\n", 1, "needs key"),
            (
                "-- migrator:backfill table=t key=id batch=0\n",
                1,
                "positive",
            ),
            (
                "SELECT 1;\n-- migrator:no-transaction\n",
                2,
                "after the first statement",
            ),
            (
                "-- migrator:backfill table=\"a b key=id\n",
                1,
                "unterminated \"",
            ),
            ("-- migrator:new-tables\n", 1, "at least one table"),
        ];
        for (text, line, needle) in cases {
            let e = parse("m.up.sql", text).unwrap_err().to_string();
            assert!(e.starts_with(&format!("m.up.sql:{line}: ")), "{e}");
            assert!(e.contains(needle), "{e} should contain {needle}");
        }
    }

    #[test]
    fn backfill_names_that_need_quoting_stay_whole() {
        let d = parse(
            "m.up.sql",
            "-- migrator:backfill table=\"public\".\"; DROP TABLE x; --\" key=\"quo\"\"te d\" batch=7\nUPDATE t SET c = 1;\n",
        )
        .unwrap();
        assert_eq!(
            d.backfill,
            Some(BackfillDirective {
                table: "\"public\".\"; DROP TABLE x; --\"".into(),
                key: "\"quo\"\"te d\"".into(),
                batch: Some(7),
            })
        );
        let d = parse(
            "m.up.sql",
            "-- migrator:backfill table=`order lines` key=`select`\n",
        )
        .unwrap();
        assert_eq!(d.backfill.unwrap().table, "`order lines`");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Lines that look like directives (valid or not), statements, comments and noise.
        fn line() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("-- migrator:phase contract".to_string()),
                Just("-- migrator:no-transaction".to_string()),
                Just("-- migrator:irreversible".to_string()),
                Just("--migrator:backfill table=t key=id batch=10".to_string()),
                "-- migrator:[a-z=-]{0,12}( [a-z0-9=_ -]{0,20})?",
                "-- migrator:backfill( [a-z]{0,6}=[a-z0-9-]{0,6}){0,4}",
                "--[^\n]{0,30}",
                "SELECT [0-9]{1,3};",
                "\\PC{0,40}",
                "[ \t\r]{0,3}",
            ]
        }

        proptest! {
            #[test]
            fn parse_never_panics(text in "\\PC{0,200}") {
                let _ = parse("p.sql", &text);
            }

            #[test]
            fn parse_never_panics_on_directive_like_lines(
                lines in proptest::collection::vec(line(), 0..12),
                crlf in any::<bool>(),
            ) {
                let text = lines.join(if crlf { "\r\n" } else { "\n" });
                match parse("p.sql", &text) {
                    Ok(_) => {}
                    // Every error names the file and a line of it.
                    Err(Error::Syntax { file, line, .. }) => {
                        prop_assert_eq!(file, "p.sql");
                        prop_assert!(line >= 1 && line <= lines.len().max(1), "line {}", line);
                    }
                    Err(e) => prop_assert!(false, "unexpected error kind: {}", e),
                }
            }

            #[test]
            fn valid_backfill_round_trips(
                table in "[a-z_][a-z0-9_]{0,10}",
                key in "[a-z_][a-z0-9_]{0,10}",
                batch in proptest::option::of(1u64..1_000_000),
            ) {
                let mut text = format!("-- migrator:backfill table={table} key={key}");
                if let Some(b) = batch {
                    text += &format!(" batch={b}");
                }
                let d = parse("p.sql", &(text + "\nUPDATE t SET c = 1;\n")).unwrap();
                prop_assert_eq!(d.backfill, Some(BackfillDirective { table, key, batch }));
            }
        }
    }
}
