//! `migrator lint`: safety rules on hand-written migration SQL, for Postgres and MySQL/MariaDB.
//!
//! The linter finds in migration files the patterns that `plan` avoids: statements that block
//! reads or writes for a long time (index builds, table rewrites, validation scans under a
//! lock), and statements that break the application version still running (renames, drops).
//!
//! How it works:
//!
//! 1. Each file is normalized, its `-- migrator:` directives are read (phase, `no-transaction`),
//!    and it is cut into statements by the same splitter the runner uses
//!    ([`crate::migrations::split`]), so the linter sees exactly what would run.
//! 2. Each statement is lexed into significant tokens (strings, quoted identifiers and comments
//!    are never mistaken for keywords) and recognised by a small parser ([`sql`]) — enough to
//!    know an `ALTER TABLE`'s actions, a column's type, an index's table. No full SQL grammar:
//!    what is not recognised yields no finding.
//! 3. Every enabled [`Rule`] of the dialect checks every statement, seeing the file around it
//!    ([`StatementContext`]): tables created earlier in the same file (changes to those are free:
//!    nobody uses them yet), explicit `BEGIN` blocks, whether migrator runs the file in a
//!    transaction, and column types declared by earlier statements and earlier (up) files of the
//!    same run ([`Knowledge`]).
//! 4. Findings of rules switched off by a `-- migrator-lint: ignore rule-a, rule-b` comment (see
//!    [`suppress`]) or by `[lint] disabled = [...]` in `migrator.toml` are dropped.
//!
//! Adding a rule: one file in `rules/` implementing [`Rule`] (doc comment, tests), and one line
//! in the registry in `rules/mod.rs`.

mod context;
mod report;
pub mod rules;
pub mod sql;
pub mod suppress;

pub use context::{FileContext, Knowledge, KnownColumn, ParsedStatement, StatementContext};
pub use report::LintReport;

use crate::config::LintConfig;
use crate::migrations::split::{self, TokenKind};
use crate::migrations::{directive, normalize};
use crate::{DatabaseUrl, Dialect, Error, Result};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// How bad a finding is: errors fail `migrator lint` (exit 2), warnings are printed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: String,
    /// 1-based line of the offending token (or of the statement).
    pub line: usize,
    pub rule: &'static str,
    pub severity: Severity,
    /// What is wrong, naming the table / index / column.
    pub message: String,
    /// The safe alternative.
    pub help: String,
}

/// A lint rule. Implementations live in [`rules`], one file each.
pub trait Rule: Sync {
    /// Kebab-case name, used in output, suppression comments and `[lint] disabled`.
    fn name(&self) -> &'static str;
    /// The dialects the rule applies to.
    fn dialects(&self) -> &'static [Dialect];
    /// The usual severity of its findings (a rule may lower it, e.g. drops in a contract file).
    fn severity(&self) -> Severity;
    /// One line: what the rule finds.
    fn doc(&self) -> &'static str;
    /// Why it matters: the lock taken and what it costs.
    fn explanation(&self) -> &'static str;
    /// What to write instead.
    fn safe_alternative(&self) -> &'static str;
    /// The findings for one statement.
    fn check(&self, ctx: &StatementContext) -> Vec<Finding>;
}

/// MySQL or MariaDB: a few online-DDL facts differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MysqlFlavor {
    /// MySQL 8.0 (the default: its rules are the stricter ones).
    #[default]
    Mysql,
    /// MariaDB 10.11+.
    Mariadb,
}

impl FromStr for MysqlFlavor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "mysql" => Ok(MysqlFlavor::Mysql),
            "mariadb" => Ok(MysqlFlavor::Mariadb),
            other => Err(format!("mysql-flavor `{other}`: use mysql or mariadb")),
        }
    }
}

/// The Postgres major version assumed when none is configured: the oldest one users run.
pub const DEFAULT_POSTGRES_VERSION: u32 = 13;

/// What the linter assumes about the files and the server.
#[derive(Debug, Clone)]
pub struct LintOptions {
    pub dialect: Dialect,
    /// The files are run by `psql` / `mysql`, not by migrator: nobody sets a lock timeout for
    /// them (rule `require-lock-timeout`), and Postgres runs each statement in its own
    /// transaction unless the file says `BEGIN`.
    pub standalone: bool,
    /// Postgres major version (default [`DEFAULT_POSTGRES_VERSION`]).
    pub postgres_version: u32,
    pub mysql_flavor: MysqlFlavor,
    /// Rules switched off everywhere.
    pub disabled: BTreeSet<&'static str>,
}

impl LintOptions {
    pub fn new(dialect: Dialect) -> Self {
        LintOptions {
            dialect,
            standalone: false,
            postgres_version: DEFAULT_POSTGRES_VERSION,
            mysql_flavor: MysqlFlavor::default(),
            disabled: BTreeSet::new(),
        }
    }

    /// Applies the `[lint]` table of `config_file`; unknown rules or values are errors naming it.
    pub fn with_config(mut self, config: &LintConfig, config_file: &str) -> Result<Self> {
        let err = |message: String| Error::Config {
            file: config_file.to_string(),
            message,
        };
        for name in &config.disabled {
            self.disable(name)
                .map_err(|m| err(format!("[lint] disabled: {m}")))?;
        }
        if let Some(v) = config.postgres_version {
            self.postgres_version = check_postgres_version(v)
                .map_err(|m| err(format!("[lint] postgres-version: {m}")))?;
        }
        if let Some(f) = &config.mysql_flavor {
            self.mysql_flavor = f.parse().map_err(|m| err(format!("[lint] {m}")))?;
        }
        if let Some(s) = config.standalone {
            self.standalone = s;
        }
        Ok(self)
    }

    /// Switches a rule off; an unknown name is an error message.
    pub fn disable(&mut self, name: &str) -> Result<(), String> {
        let rule = rules::find(name).ok_or_else(|| {
            format!("unknown rule `{name}`; `migrator lint --list-rules` lists them")
        })?;
        self.disabled.insert(rule.name());
        Ok(())
    }

    fn enabled(&self) -> impl Iterator<Item = &'static dyn Rule> + '_ {
        rules::all()
            .iter()
            .copied()
            .filter(|r| r.dialects().contains(&self.dialect) && !self.disabled.contains(r.name()))
    }
}

/// A Postgres major version the rules know about.
pub fn check_postgres_version(v: u32) -> Result<u32, String> {
    if (9..=99).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "{v} is not a Postgres major version (e.g. 13, 15, 17)"
        ))
    }
}

/// The dialect to lint for: `flag` (`--dialect`), else the scheme of `database_url`, else an
/// error saying how to choose.
pub fn resolve_dialect(flag: Option<Dialect>, database_url: Option<&str>) -> Result<Dialect> {
    if let Some(d) = flag {
        return Ok(d);
    }
    match database_url {
        Some(url) => Ok(DatabaseUrl::parse(url)?.dialect()),
        None => Err(Error::Config {
            file: "arguments".into(),
            message: "lint needs to know the SQL dialect: pass --dialect postgres|mysql, or a database URL (--database-url, DATABASE_URL, or database-url in migrator.toml) whose scheme tells it".into(),
        }),
    }
}

/// A rule's description, for `--list-rules`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub name: &'static str,
    pub dialects: Vec<Dialect>,
    pub severity: Severity,
    pub doc: &'static str,
    pub explanation: &'static str,
    pub safe_alternative: &'static str,
}

impl From<&dyn Rule> for RuleInfo {
    fn from(r: &dyn Rule) -> Self {
        RuleInfo {
            name: r.name(),
            dialects: r.dialects().to_vec(),
            severity: r.severity(),
            doc: r.doc(),
            explanation: r.explanation(),
            safe_alternative: r.safe_alternative(),
        }
    }
}

/// Every rule, described.
pub fn rule_infos() -> Vec<RuleInfo> {
    rules::all().iter().map(|r| RuleInfo::from(*r)).collect()
}

/// `--list-rules` as text: one line per rule.
pub fn rules_table() -> String {
    let width = rules::all()
        .iter()
        .map(|r| r.name().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for r in rules::all() {
        let dialects: Vec<String> = r.dialects().iter().map(|d| d.to_string()).collect();
        out.push_str(&format!(
            "{:width$}  {:14}  {:7}  {}\n",
            r.name(),
            dialects.join(","),
            r.severity().to_string(),
            r.doc()
        ));
    }
    out
}

/// `--explain RULE` as text.
pub fn explain(name: &str) -> Result<String> {
    let r = rules::find(name).ok_or_else(|| Error::Config {
        file: "arguments".into(),
        message: format!("unknown rule `{name}`; `migrator lint --list-rules` lists them"),
    })?;
    let dialects: Vec<String> = r.dialects().iter().map(|d| d.to_string()).collect();
    Ok(format!(
        "{} ({}, {})\n  {}\n\nWhy:\n  {}\n\nInstead:\n  {}\n\nSuppress for one statement with `-- migrator-lint: ignore {}` on the line above it,\nor everywhere with `[lint] disabled = [\"{}\"]` in migrator.toml.\n",
        r.name(),
        dialects.join(", "),
        r.severity(),
        r.doc(),
        r.explanation(),
        r.safe_alternative(),
        r.name(),
        r.name()
    ))
}

/// Lints migration files.
#[derive(Debug, Clone)]
pub struct Linter {
    pub options: LintOptions,
}

impl Linter {
    pub fn new(options: LintOptions) -> Self {
        Linter { options }
    }

    /// Lints every `.up.sql` and `.down.sql` file of `dir`, in version order (each up file before
    /// its down file). A missing directory is an error.
    pub fn lint_dir(&self, dir: &Path) -> Result<LintReport> {
        let entries = std::fs::read_dir(dir).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Directory {
                file: dir.display().to_string(),
                message: "no such directory; pass --dir DIR, or the files to lint".into(),
            },
            _ => Error::io(dir, e),
        })?;
        let mut files: Vec<(String, bool, PathBuf)> = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| Error::io(dir, e))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let key = if let Some(stem) = name.strip_suffix(".up.sql") {
                (stem.to_string(), false)
            } else if let Some(stem) = name.strip_suffix(".down.sql") {
                (stem.to_string(), true)
            } else {
                continue;
            };
            if path.is_file() {
                files.push((key.0, key.1, path));
            }
        }
        files.sort();
        let paths: Vec<PathBuf> = files.into_iter().map(|(_, _, p)| p).collect();
        self.lint_paths(&paths)
    }

    /// Lints `paths` in the given order.
    pub fn lint_paths(&self, paths: &[PathBuf]) -> Result<LintReport> {
        let mut sources = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            sources.push((path.display().to_string(), bytes));
        }
        self.lint_sources(&sources)
    }

    /// Lints `(file name, bytes)` pairs in order; what up files declare is known to later files.
    pub fn lint_sources(&self, sources: &[(String, Vec<u8>)]) -> Result<LintReport> {
        let mut knowledge = Knowledge::default();
        let mut findings = Vec::new();
        for (name, bytes) in sources {
            let text = normalize(name, bytes)?;
            findings.extend(self.lint_text(name, &text, &mut knowledge)?);
        }
        Ok(LintReport::new(sources.len(), findings))
    }

    /// Lints one normalized file; `knowledge` holds what earlier files declared and learns from
    /// this one when it is not a down file.
    pub fn lint_text(
        &self,
        name: &str,
        text: &str,
        knowledge: &mut Knowledge,
    ) -> Result<Vec<Finding>> {
        let dialect = self.options.dialect;
        let directives = directive::parse(name, text)?;
        let statements = split::split(name, text, dialect)?;
        let tokens = split::tokens(name, text, dialect)?;

        // Where each statement lies: it starts at the first significant token after the
        // previous one, and its text is exactly the file's text from there.
        let mut spans = Vec::with_capacity(statements.len());
        let mut parsed = Vec::with_capacity(statements.len());
        let mut next = 0;
        for statement in &statements {
            let first = tokens[next..]
                .iter()
                .position(|t| {
                    !matches!(
                        t.kind,
                        TokenKind::Space
                            | TokenKind::Comment
                            | TokenKind::Delimiter
                            | TokenKind::DelimiterCommand
                    )
                })
                .map(|i| next + i)
                .filter(|&i| text[tokens[i].start..].starts_with(&statement.sql))
                .ok_or_else(|| Error::Syntax {
                    file: name.to_string(),
                    line: statement.line,
                    message: "the linter could not find this statement's tokens (a bug: please report it)".into(),
                })?;
            let start = tokens[first].start;
            let end = start + statement.sql.len();
            let last = tokens[first..]
                .iter()
                .position(|t| t.start >= end)
                .map_or(tokens.len(), |i| first + i);
            let toks = sql::significant(&tokens[first..last], dialect);
            let end_line = statement.line + statement.sql.matches('\n').count();
            spans.push(suppress::Span {
                start,
                end,
                end_line,
            });
            parsed.push((&text[start..end], statement.line, toks));
            next = last;
        }
        let suppressions = suppress::parse(name, &tokens)?;
        let targets = suppress::assign(name, &suppressions, &spans)?;

        let statements: Vec<ParsedStatement> = parsed
            .into_iter()
            .map(|(sql, line, toks)| ParsedStatement {
                sql,
                line,
                stmt: sql::parse(&toks, dialect),
                toks,
            })
            .collect();
        // `stmt` borrows nothing from `toks` itself (only the file text), so moving is fine.
        let file = FileContext::new(name, &self.options, directives, statements);
        let mut findings = Vec::new();
        for index in 0..file.statements.len() {
            let ctx = StatementContext {
                file: &file,
                index,
                knowledge,
            };
            let ignored: BTreeSet<&str> = suppressions
                .iter()
                .zip(&targets)
                .filter(|(_, &t)| t == index)
                .flat_map(|(s, _)| s.rules.iter().copied())
                .collect();
            for rule in self.options.enabled() {
                if ignored.contains(rule.name()) {
                    continue;
                }
                findings.extend(rule.check(&ctx));
            }
            if !file.is_down {
                knowledge.apply(&file.statements[index].stmt);
            }
        }
        findings.sort_by(|a, b| a.line.cmp(&b.line).then(a.rule.cmp(b.rule)));
        Ok(findings)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the rules' tests.
    use super::*;

    /// Options with only `rule` enabled.
    pub fn only(rule: &str, dialect: Dialect) -> LintOptions {
        let mut options = LintOptions::new(dialect);
        assert!(rules::find(rule).is_some(), "no rule {rule}");
        options.disabled = rules::all()
            .iter()
            .map(|r| r.name())
            .filter(|n| *n != rule)
            .collect();
        options
    }

    /// The findings of `rule` on `text` as file `t.up.sql`.
    pub fn lint(rule: &str, dialect: Dialect, text: &str) -> Vec<Finding> {
        lint_with(only(rule, dialect), "t.up.sql", text)
    }

    /// The findings with `options` on `text` as file `name`.
    pub fn lint_with(options: LintOptions, name: &str, text: &str) -> Vec<Finding> {
        Linter::new(options)
            .lint_text(name, text, &mut Knowledge::default())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Lints several files in order (what earlier ones declare is known to later ones).
    pub fn lint_files(rule: &str, dialect: Dialect, files: &[(&str, &str)]) -> Vec<Finding> {
        let sources: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect();
        Linter::new(only(rule, dialect))
            .lint_sources(&sources)
            .unwrap_or_else(|e| panic!("{e}"))
            .findings
    }

    /// Asserts exactly one finding, at `line`, whose message contains every needle.
    #[track_caller]
    pub fn assert_one(findings: &[Finding], line: usize, needles: &[&str]) {
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].line, line, "{findings:#?}");
        let text = findings[0].to_string();
        for n in needles {
            assert!(text.contains(n), "`{text}` should contain `{n}`");
        }
    }

    #[track_caller]
    pub fn assert_none(findings: &[Finding]) {
        assert!(findings.is_empty(), "{findings:#?}");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn registry_names_are_unique_kebab_case_and_documented() {
        let mut seen = BTreeSet::new();
        for r in rules::all() {
            assert!(seen.insert(r.name()), "duplicate {}", r.name());
            assert!(
                r.name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.name()
            );
            assert!(!r.dialects().is_empty());
            assert!(
                !r.doc().is_empty() && !r.doc().contains('\n'),
                "{}",
                r.name()
            );
            assert!(!r.explanation().is_empty() && !r.safe_alternative().is_empty());
        }
        assert!(rules_table().contains("require-concurrent-index"));
        assert!(explain("require-concurrent-index")
            .unwrap()
            .contains("CONCURRENTLY"));
        assert!(explain("nope").is_err());
    }

    #[test]
    fn suppression_comment_before_inside_and_after_a_statement() {
        let text = "CREATE TABLE a (id int);\n\
            -- migrator-lint: ignore require-concurrent-index -- small table\n\
            CREATE INDEX i1 ON t (a);\n\
            CREATE INDEX i2 ON t (a); -- migrator-lint: ignore require-concurrent-index\n\
            CREATE INDEX i3\n  /* migrator-lint: ignore require-concurrent-index, drop-table */\n  ON t (a);\n\
            CREATE INDEX i4 ON t (a);\n";
        let f = lint("require-concurrent-index", Dialect::Postgres, text);
        assert_one(&f, 8, &["\"i4\""]);
    }

    #[test]
    fn suppression_errors_name_file_and_line() {
        let linter = Linter::new(LintOptions::new(Dialect::Postgres));
        let cases = [
            (
                "SELECT 1;\n-- migrator-lint: ignore no-such-rule\nSELECT 2;",
                2,
                "unknown rule `no-such-rule`",
            ),
            ("-- migrator-lint: ignore\nSELECT 2;", 1, "names no rule"),
            (
                "-- migrator-lint: skip drop-table\nSELECT 2;",
                1,
                "must be followed by `ignore",
            ),
            (
                "SELECT 1;\n\n-- migrator-lint: ignore drop-table\n",
                3,
                "followed by no statement",
            ),
        ];
        for (text, line, needle) in cases {
            let e = linter
                .lint_text("x.up.sql", text, &mut Knowledge::default())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("x.up.sql:{line}: ")), "{e}");
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn suppression_does_not_break_directives() {
        // A suppression after the first statement is not a `-- migrator:` directive.
        let text = "-- migrator:phase contract\nSELECT 1;\n-- migrator-lint: ignore drop-table\nDROP TABLE t;\n";
        assert_none(&lint("drop-table", Dialect::Postgres, text));
        crate::migrations::directive::parse("x", text).unwrap();
    }

    #[test]
    fn config_disables_and_rejects_unknown_rules() {
        let config = LintConfig {
            disabled: vec!["drop-table".into()],
            postgres_version: Some(11),
            mysql_flavor: Some("mariadb".into()),
            standalone: Some(true),
        };
        let o = LintOptions::new(Dialect::Postgres)
            .with_config(&config, "migrator.toml")
            .unwrap();
        assert!(o.disabled.contains("drop-table") && o.standalone);
        assert_eq!(
            (o.postgres_version, o.mysql_flavor),
            (11, MysqlFlavor::Mariadb)
        );
        let bad = LintConfig {
            disabled: vec!["drop-tables".into()],
            ..LintConfig::default()
        };
        let e = LintOptions::new(Dialect::Postgres)
            .with_config(&bad, "migrator.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("migrator.toml: [lint] disabled: unknown rule `drop-tables`"),
            "{e}"
        );
    }

    #[test]
    fn dialect_comes_from_flag_then_url() {
        assert_eq!(
            resolve_dialect(Some(Dialect::Mysql), Some("postgres://h/db")).unwrap(),
            Dialect::Mysql
        );
        assert_eq!(
            resolve_dialect(None, Some("mariadb://u:secret@h/db")).unwrap(),
            Dialect::Mysql
        );
        let e = resolve_dialect(None, None).unwrap_err().to_string();
        assert!(e.contains("--dialect"), "{e}");
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let linter = Linter::new(LintOptions::new(Dialect::Postgres));
        let e = linter
            .lint_text(
                "bad.up.sql",
                "SELECT 1;\nSELECT $x$ never closed;\n",
                &mut Knowledge::default(),
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("bad.up.sql:2: unterminated dollar quote"),
            "{e}"
        );
    }

    #[test]
    fn mysql_custom_delimiters_and_statement_positions() {
        let text = "DELIMITER //\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END//\nDELIMITER ;\n/* x */ ALTER TABLE t ADD INDEX i (a);\n";
        let f = lint("require-algorithm-lock", Dialect::Mysql, text);
        assert_one(&f, 4, &["\"t\""]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// SQL-ish pieces: far likelier than arbitrary text to reach the parser's corners.
    fn soup() -> impl Strategy<Value = String> {
        let pieces = vec![
            "ALTER TABLE t ",
            "ALTER ",
            "TABLE ",
            "ADD ",
            "COLUMN ",
            "CONSTRAINT ",
            "CREATE ",
            "INDEX ",
            "UNIQUE ",
            "ON ",
            "ONLY ",
            "DROP ",
            "RENAME ",
            "TO ",
            "AS ",
            "MODIFY ",
            "CHANGE ",
            "ALGORITHM",
            "LOCK",
            "=",
            "INPLACE ",
            "COPY ",
            "BEGIN",
            "COMMIT",
            "END ",
            "SET ",
            "NOT ",
            "NULL ",
            "VALID ",
            "DEFAULT ",
            "random()",
            "CHECK ",
            "FOREIGN KEY ",
            "REFERENCES ",
            "PRIMARY KEY ",
            "USING ",
            "TYPE ",
            "VALUE ",
            "CONCURRENTLY ",
            "FULLTEXT ",
            "AFTER ",
            "FIRST ",
            "ENUM('a','b') ",
            "VARCHAR(10) ",
            "numeric(",
            "int ",
            "GENERATED ",
            "IDENTITY ",
            "STORED ",
            "VIEW ",
            "WAIT ",
            "(",
            ")",
            ",",
            ";",
            ".",
            "'x'",
            "''",
            "\"q\"",
            "`b`",
            "$$ $$",
            "$a$;$a$",
            "E'\\''",
            "x ",
            "y ",
            "\n",
            " ",
            "/* c */",
            "-- c\n",
            "# c\n",
            "-- migrator-lint: ignore drop-table\n",
            "DELIMITER //\n",
            "//",
            "DELIMITER ;\n",
            "é",
            "0 ",
            "foreign_key_checks ",
            "lock_timeout ",
        ];
        prop::collection::vec(prop::sample::select(pieces), 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn lint_never_panics_and_finds_every_statement(text in prop_oneof![soup(), any::<String>()]) {
            for dialect in [Dialect::Postgres, Dialect::Mysql] {
                for standalone in [false, true] {
                    let mut options = LintOptions::new(dialect);
                    options.standalone = standalone;
                    let result = Linter::new(options)
                        .lint_text("p.up.sql", &text, &mut Knowledge::default());
                    match result {
                        Ok(findings) => {
                            for f in findings {
                                prop_assert!(f.line >= 1 && f.line <= text.lines().count().max(1), "{f:?}\n{text}");
                            }
                        }
                        Err(Error::Syntax { message, .. }) => {
                            prop_assert!(!message.contains("a bug"), "{message}\n{text}");
                        }
                        Err(other) => prop_assert!(false, "{other}"),
                    }
                }
            }
        }
    }
}
