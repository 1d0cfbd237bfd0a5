//! A corpus of bad inputs, each run through the real `migrator` binary.
//!
//! Every case asserts (a) the exit code (1 for an error, 2 where the contract says "problems
//! found": `verify`, `lint`), (b) a distinctive substring of the message — it must name the
//! file / line / object and say what to do, and (c) that nothing panicked. Cases are grouped
//! in a few test functions; a group runs all its cases and reports every failure at once.
//!
//! Groups: `offline` (directory, sum file, directives, splitter, configuration, flags, URLs:
//! no server needed), `postgres` and `mariadb` (cases that need a live server: SQL errors,
//! credentials, unknown versions, permissions, backfill, rollback).
//!
//! `postgres_password_never_printed` and `mariadb_password_never_printed` run every command
//! that takes a database URL, in both output formats at the most verbose logging, on success
//! and on every kind of failure, and look for a distinctive password in the output.

use migrator_tests::*;
use std::process::Command;

const V1: &str = "20260101000001";
const V2: &str = "20260101000002";

/// One bad input: a project directory, a command, what must come out.
struct Case {
    name: String,
    dir: TempDir,
    url: Option<String>,
    args: Vec<String>,
    /// Extra environment variables for the run.
    env: Vec<(String, String)>,
    code: i32,
    /// Substrings the combined stdout + stderr must contain.
    needles: Vec<String>,
    /// Substrings it must not contain (a leaked password, …).
    absent: Vec<String>,
}

impl Case {
    fn new(name: &str) -> Case {
        Case {
            name: name.to_string(),
            dir: TempDir::new(),
            url: None,
            args: Vec::new(),
            env: Vec::new(),
            code: 1,
            needles: Vec::new(),
            absent: Vec::new(),
        }
    }

    /// Writes a file below the project root.
    fn file(self, rel: &str, contents: &str) -> Case {
        self.dir.write(rel, contents);
        self
    }

    fn bytes(self, rel: &str, contents: &[u8]) -> Case {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        self
    }

    /// A migration pair `migrations/<version>_<name>.{up,down}.sql`.
    fn pair(self, version: &str, name: &str, up: &str, down: &str) -> Case {
        self.file(&format!("migrations/{version}_{name}.up.sql"), up)
            .file(&format!("migrations/{version}_{name}.down.sql"), down)
    }

    /// Deletes a file below the project root.
    fn remove(self, rel: &str) -> Case {
        std::fs::remove_file(self.dir.path().join(rel)).unwrap();
        self
    }

    /// Rewrites a file below the project root.
    fn edit(self, rel: &str, f: impl FnOnce(String) -> String) -> Case {
        let path = self.dir.path().join(rel);
        let old = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, f(old)).unwrap();
        self
    }

    fn url(mut self, url: &str) -> Case {
        self.url = Some(url.to_string());
        self
    }

    fn env(mut self, key: &str, value: &str) -> Case {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Runs `migrator ARGS` now (setup) and requires success.
    fn setup(self, args: &[&str]) -> Case {
        let o = self.command(args).output().expect("run migrator");
        assert!(
            o.status.success(),
            "{}: setup `migrator {}` failed:\n{}",
            self.name,
            args.join(" "),
            output_text(&o)
        );
        self
    }

    /// Runs `migrator ARGS` now (setup) and requires exit `code` (a run meant to fail).
    fn setup_code(self, args: &[&str], code: i32) -> Case {
        let o = self.command(args).output().expect("run migrator");
        assert_eq!(
            o.status.code(),
            Some(code),
            "{}: setup `migrator {}`:\n{}",
            self.name,
            args.join(" "),
            output_text(&o)
        );
        self
    }

    fn rehash(self) -> Case {
        self.setup(&["rehash"])
    }

    /// The command under test.
    fn run(mut self, args: &[&str]) -> Case {
        self.args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    fn code(mut self, code: i32) -> Case {
        self.code = code;
        self
    }

    fn says(mut self, needle: &str) -> Case {
        self.needles.push(needle.to_string());
        self
    }

    fn hides(mut self, text: &str) -> Case {
        self.absent.push(text.to_string());
        self
    }

    /// The password of `url` (`scheme://user:PASSWORD@…`), when it has one, must not be printed.
    fn hides_password_of(self, url: &str) -> Case {
        let password = url
            .split_once("://")
            .and_then(|(_, rest)| rest.split(['/', '?']).next())
            .and_then(|authority| authority.rsplit_once('@'))
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .map(|(_, p)| p.to_string())
            .filter(|p| !p.is_empty());
        match password {
            Some(p) => self.hides(&p),
            None => self,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        migrator_command(self.dir.path(), self.url.as_deref(), args, &env)
    }

    /// Runs the case; `Err` describes what went wrong.
    fn check(&self) -> Result<(), String> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let o = self
            .command(&args)
            .output()
            .map_err(|e| format!("cannot run migrator: {e}"))?;
        let all = output_text(&o);
        let mut problems = Vec::new();
        if o.status.code() != Some(self.code) {
            problems.push(format!("expected exit {}", self.code));
        }
        for bad in ["panicked", "RUST_BACKTRACE"] {
            if all.contains(bad) {
                problems.push(format!("output contains `{bad}`"));
            }
        }
        for needle in &self.needles {
            if !all.contains(needle.as_str()) {
                problems.push(format!("output lacks `{needle}`"));
            }
        }
        for absent in &self.absent {
            if all.contains(absent.as_str()) {
                problems.push(format!("output contains `{absent}`"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} (`migrator {}`): {}\n{all}",
                self.name,
                args.join(" "),
                problems.join("; ")
            ))
        }
    }
}

/// Checks every case, then fails once listing every failed case.
#[track_caller]
fn check_all(group: &str, cases: Vec<Case>) {
    let total = cases.len();
    let failures: Vec<String> = cases.iter().filter_map(|c| c.check().err()).collect();
    eprintln!(
        "{group}: {} of {total} bad-input cases behave",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{group}: {} of {total} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A project with one valid migration and its sum file.
fn valid(name: &str) -> Case {
    Case::new(name)
        .pair(
            V1,
            "create_a",
            "CREATE TABLE a (id BIGINT PRIMARY KEY);\n",
            "DROP TABLE a;\n",
        )
        .rehash()
}

/// A URL that must never be reached (offline commands ignore it).
const NOWHERE_PG: &str = "postgres://u:pw@127.0.0.1:1/x";

// ------------------------------------------------------------------------------ offline

#[test]
fn offline() {
    let up = |v: &str| format!("migrations/{v}_create_a.up.sql");
    let cases = vec![
        // ---- the migrations directory
        Case::new("duplicate version")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .pair(
                V1,
                "create_b",
                "CREATE TABLE b (id INT);\n",
                "DROP TABLE b;\n",
            )
            .run(&["rehash"])
            .says(V1)
            .says("create_b"),
        Case::new("plan: --dev-url of another dialect than the database")
            .file("schema.sql", "CREATE TABLE a (id INT);\n")
            .url(NOWHERE_PG)
            .run(&["plan", "--dev-url", "mysql://u:devpw@127.0.0.1:1/x"])
            .says("--dev-url is a mysql server but --database-url is a postgres database")
            .hides("devpw"),
        Case::new("drift: --dev-url of another dialect than the database")
            .url(NOWHERE_PG)
            .run(&["drift", "--dev-url", "mysql://u:devpw@127.0.0.1:1/x"])
            .says("--dev-url is a mysql server but --database-url is a postgres database")
            .hides("devpw"),
        Case::new("missing down file")
            .file(&up(V1), "CREATE TABLE a (id INT);\n")
            .run(&["rehash"])
            .says("create_a")
            .says("down"),
        Case::new("down without up")
            .file(
                "migrations/20260101000001_create_a.down.sql",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.down.sql"),
        Case::new("bad file name")
            .file("migrations/create_a.up.sql", "CREATE TABLE a (id INT);\n")
            .run(&["rehash"])
            .says("create_a.up.sql"),
        Case::new("bad version in file name")
            .pair(
                "2026x",
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("2026x_create_a"),
        Case::new("non-UTF-8 file")
            .bytes(
                &up(V1),
                b"CREATE TABLE a (note VARCHAR(10) DEFAULT '\xe9t\xe9');\n",
            )
            .file(
                "migrations/20260101000001_create_a.down.sql",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql")
            .says("UTF-8"),
        // ---- directives
        Case::new("unknown directive")
            .pair(
                V1,
                "create_a",
                "-- migrator:no-transactoin\nCREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql:1")
            .says("unknown directive `no-transactoin`"),
        Case::new("unknown phase")
            .pair(
                V1,
                "create_a",
                "-- migrator:phase cleanup\nCREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql:1")
            .says("unknown phase `cleanup`"),
        Case::new("directive after the first statement")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT);\n-- migrator:phase contract\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql:2")
            .says("move it to the top"),
        Case::new("directive with an argument it does not take")
            .pair(
                V1,
                "create_a",
                "-- migrator:irreversible yes\nCREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql:1")
            .says("takes no argument"),
        Case::new("backfill directive without key")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table=a\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_fill.up.sql:1")
            .says("backfill needs key=K"),
        Case::new("backfill directive with batch=0")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table=a key=id batch=0\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_fill.up.sql:1")
            .says("not a positive number"),
        Case::new("backfill directive with an unknown option")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table=a key=id size=10\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("unknown backfill option `size`"),
        Case::new("phase given twice")
            .pair(
                V1,
                "create_a",
                "-- migrator:phase expand\n-- migrator:phase contract\nCREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql:2")
            .says("given twice"),
        // ---- the statement splitter (lint reads files the way the runner does)
        Case::new("unterminated single quote")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT);\nINSERT INTO a VALUES ('oops);\n",
                "DROP TABLE a;\n",
            )
            .run(&["lint", "--dialect", "postgres"])
            .says("20260101000001_create_a.up.sql:2")
            .says("unterminated"),
        Case::new("unterminated dollar quote")
            .pair(
                V1,
                "fn",
                "CREATE FUNCTION f() RETURNS int AS $body$\nSELECT 1;\n",
                "DROP FUNCTION f();\n",
            )
            .run(&["lint", "--dialect", "postgres"])
            .says("20260101000001_fn.up.sql:1")
            .says("$body$"),
        Case::new("unterminated block comment")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT);\n/* comment\nnever closed\n",
                "DROP TABLE a;\n",
            )
            .run(&["lint", "--dialect", "postgres"])
            .says("20260101000001_create_a.up.sql:2")
            .says("comment"),
        Case::new("unterminated backtick (mysql)")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE `a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["lint", "--dialect", "mysql"])
            .says("20260101000001_create_a.up.sql:1")
            .says("unterminated"),
        Case::new("unterminated double quote")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE \"a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["lint", "--dialect", "postgres"])
            .says("20260101000001_create_a.up.sql:1")
            .says("unterminated"),
        // ---- migrator.sum
        valid("tampered sum file: file edited after rehash")
            .file(&up(V1), "CREATE TABLE a (id BIGINT PRIMARY KEY, v INT);\n")
            .run(&["verify"])
            .code(2)
            .says("20260101000001_create_a.up.sql")
            .says("migrator rehash"),
        valid("tampered sum file: line edited by hand")
            .edit("migrations/migrator.sum", |s| {
                s.lines()
                    .map(|l| match l.split_once(".up.sql sha256:") {
                        Some((name, _)) => format!("{name}.up.sql sha256:{}\n", "0".repeat(64)),
                        None => format!("{l}\n"),
                    })
                    .collect()
            })
            .run(&["verify"])
            .code(2)
            .says("migrator.sum: line 1")
            .says("edited by hand"),
        valid("empty sum file")
            .file("migrations/migrator.sum", "")
            .run(&["verify"])
            .code(2)
            .says("migrator.sum: line 1")
            .says("migrator rehash"),
        valid("conflicted sum file")
            .file(
                "migrations/migrator.sum",
                "<<<<<<< HEAD\nsha256:00\n=======\nsha256:11\n>>>>>>> branch\n",
            )
            .run(&["verify"])
            .code(2)
            .says("migrator.sum: line 1")
            .says("merge conflict"),
        Case::new("missing sum file")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["verify"])
            .code(2)
            .says("migrator.sum: missing")
            .says("migrator rehash"),
        valid("file added by hand")
            .pair(
                V2,
                "create_b",
                "CREATE TABLE b (id INT);\n",
                "DROP TABLE b;\n",
            )
            .run(&["verify"])
            .code(2)
            .says("20260101000002_create_b.up.sql")
            .says("not in migrator.sum"),
        valid("new refuses a directory that does not match its sum")
            .file(&up(V1), "CREATE TABLE a (id INT, v INT);\n")
            .run(&["new", "next"])
            .says("20260101000001_create_a.up.sql"),
        valid("new with a bad name")
            .run(&["new", "bad name!"])
            .says("bad name!"),
        // ---- configuration
        valid("config: unknown key")
            .file("migrator.toml", "lock-timout = 3\n")
            .run(&["verify"])
            .says("migrator.toml")
            .says("lock-timout"),
        valid("config: bad type")
            .file("migrator.toml", "lock-retries = \"many\"\n")
            .run(&["verify"])
            .says("migrator.toml")
            .says("lock-retries"),
        valid("config: negative lock-timeout")
            .file("migrator.toml", "lock-timeout = -1\n")
            .run(&["verify"])
            .says("migrator.toml")
            .says("lock-timeout"),
        valid("config: not TOML")
            .file("migrator.toml", "lock-timeout = \n[[[\n")
            .run(&["verify"])
            .says("migrator.toml"),
        valid("config: bad format value")
            .file("migrator.toml", "format = \"yaml\"\n")
            .run(&["verify"])
            .says("migrator.toml")
            .says("yaml"),
        valid("config: [schema] ignore names an unknown kind")
            .file("migrator.toml", "[schema]\nignore = [\"grant\"]\n")
            .run(&["verify"])
            .says("migrator.toml")
            .says("\"grant\" is not a kind")
            .says("grants, roles"),
        valid("config: unknown key in [schema]")
            .file("migrator.toml", "[schema]\npaths = \"schema.sql\"\n")
            .run(&["verify"])
            .says("migrator.toml")
            .says("unknown key `paths` in [schema]"),
        valid("config: schema neither a path nor a table")
            .file("migrator.toml", "schema = 3\n")
            .run(&["verify"])
            .says("migrator.toml")
            .says("a path (schema = \"schema.sql\") or a [schema] table"),
        valid("config: unknown lint rule")
            .file("migrator.toml", "[lint]\ndisabled = [\"no-such-rule\"]\n")
            .run(&["lint", "--dialect", "postgres"])
            .says("no-such-rule"),
        // ---- flags
        valid("bad --format")
            .run(&["verify", "--format", "yaml"])
            .says("yaml"),
        valid("--batch-size 0")
            .url(NOWHERE_PG)
            .run(&["apply", "--batch-size", "0"])
            .says("--batch-size"),
        valid("negative --lock-timeout")
            .url(NOWHERE_PG)
            .run(&["apply", "--lock-timeout=-3"])
            .says("--lock-timeout"),
        valid("negative --pause")
            .url(NOWHERE_PG)
            .run(&["apply", "--pause=-1"])
            .says("--pause"),
        valid("--to that is not a version")
            .url(NOWHERE_PG)
            .run(&["apply", "--to", "yesterday"])
            .says("yesterday"),
        valid("unknown lint rule in --explain")
            .run(&["lint", "--explain", "no-such-rule"])
            .says("no-such-rule"),
        valid("lint of a file that does not exist")
            .run(&["lint", "--dialect", "postgres", "nope.sql"])
            .says("nope.sql"),
        valid("lint without a dialect")
            .run(&["lint"])
            .says("--dialect"),
        valid("lint finds a problem: exit 2")
            .file("x.sql", "CREATE INDEX i ON a (id);\n")
            .run(&["lint", "--dialect", "postgres", "x.sql"])
            .code(2)
            .says("x.sql:1")
            .says("require-concurrent-index"),
        // ---- URLs
        valid("no database").run(&["apply"]).says("--database-url"),
        valid("bad URL scheme")
            .url("sqlite:///tmp/x.db")
            .run(&["status"])
            .says("sqlite"),
        valid("URL without a scheme")
            .url("localhost:5432/app")
            .run(&["status"])
            .says("postgres://"),
        valid("mysql URL without a host")
            .url("mysql:///app")
            .run(&["status"])
            .says("host"),
        valid("URL with a bad port")
            .url("postgres://u:secretpw@localhost:99999/app")
            .run(&["status"])
            .says("99999")
            .says("invalid value for option `port`")
            .hides("secretpw"),
        valid("unreachable host/port")
            .url("postgres://u:secretpw@127.0.0.1:1/app")
            .run(&["status"])
            .says("127.0.0.1:1")
            .hides("secretpw"),
        valid("unreachable mysql host/port")
            .url("mysql://u:secretpw@127.0.0.1:1/app")
            .run(&["status"])
            .says("127.0.0.1:1")
            .hides("secretpw"),
        // ---- issue 18: input that used to be accepted, flags named as flags
        Case::new("status: the migrations directory does not exist")
            .url(NOWHERE_PG)
            .run(&["status"])
            .says("migrations: no such migrations directory")
            .says("--dir"),
        Case::new("apply: the migrations directory does not exist")
            .url(NOWHERE_PG)
            .run(&["apply"])
            .says("no such migrations directory"),
        Case::new("verify: the migrations directory does not exist")
            .run(&["verify"])
            .says("no such migrations directory"),
        Case::new("rehash: the migrations directory does not exist")
            .run(&["rehash"])
            .says("no such migrations directory"),
        Case::new("rollback: the migrations directory does not exist")
            .url(NOWHERE_PG)
            .run(&["rollback"])
            .says("no such migrations directory"),
        Case::new("drift: the migrations directory does not exist")
            .url(NOWHERE_PG)
            .run(&["drift"])
            .says("no such migrations directory"),
        Case::new("baseline: the migrations directory does not exist")
            .url(NOWHERE_PG)
            .run(&["baseline", V1])
            .says("no such migrations directory"),
        Case::new("--dir is a file")
            .file("migrations", "not a directory\n")
            .url(NOWHERE_PG)
            .run(&["status"])
            .says("migrations: not a directory"),
        valid("--config that does not exist")
            .url(NOWHERE_PG)
            .run(&["verify", "--config", "nope.toml"])
            .says("nope.toml: no such configuration file"),
        valid("postgres URL without a database name")
            .url("postgres://u:secretpw@127.0.0.1:1")
            .run(&["status"])
            .says("no database name")
            .says("postgres://user:password@host:5432/DATABASE")
            .hides("secretpw"),
        valid("postgres URL with an empty database name")
            .url("postgres://u:secretpw@127.0.0.1:1/")
            .run(&["apply"])
            .says("no database name")
            .hides("secretpw"),
        valid("mysql URL without a database name")
            .url("mysql://u:secretpw@127.0.0.1:1")
            .run(&["status"])
            .says("no database name")
            .says("mysql://user:password@host:3306/DATABASE")
            .hides("secretpw"),
        valid("drift: URL without a database name")
            .url("postgres://u:secretpw@127.0.0.1:1")
            .run(&["drift"])
            .says("no database name")
            .hides("secretpw"),
        Case::new("version that is not a valid UTC timestamp (month 13)")
            .pair(
                "20261301000000",
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20261301000000_create_a")
            .says("not a valid UTC timestamp")
            .says("month 13"),
        Case::new("version that is not a valid UTC timestamp (February 30)")
            .pair(
                "20260230120000",
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260230120000_create_a")
            .says("day 30"),
        Case::new("version that is not a valid UTC timestamp (hour 24)")
            .pair(
                "20260101240000",
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("time 24:00:00"),
        Case::new("version that is not a valid UTC timestamp (minute 60)")
            .pair(
                "20260101126000",
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101126000_create_a")
            .says("time 12:60:00"),
        Case::new("version that is not a valid UTC timestamp (second 60)")
            .pair(
                "20260101125960",
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("time 12:59:60"),
        Case::new("empty up file: a warning naming it")
            .pair(V1, "create_a", "", "DROP TABLE a;\n")
            .rehash()
            .run(&["verify"])
            .code(0)
            .says("warning: 20260101000001_create_a.up.sql: empty"),
        Case::new("comment-only down file: a warning naming it")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "-- undo later\n",
            )
            .rehash()
            .run(&["verify"])
            .code(0)
            .says("warning: 20260101000001_create_a.down.sql: empty")
            .says("migrator:irreversible"),
        valid("--lock-timeout 0 names the flag, not the file")
            .url(NOWHERE_PG)
            .run(&["apply", "--lock-timeout", "0"])
            .says("--lock-timeout: 0 is not valid")
            .hides("migrator.toml"),
        valid("--lock-timeout -3 (without =) names the flag")
            .url(NOWHERE_PG)
            .run(&["apply", "--lock-timeout", "-3"])
            .says("--lock-timeout: -3 is not valid")
            .hides("migrator.toml"),
        valid("--lock-timeout NaN")
            .url(NOWHERE_PG)
            .run(&["status", "--lock-timeout", "NaN"])
            .says("--lock-timeout: NaN is not valid"),
        valid("--pause NaN names the flag, not the file")
            .url(NOWHERE_PG)
            .run(&["apply", "--pause", "NaN"])
            .says("--pause: NaN is not valid")
            .hides("migrator.toml"),
        valid("--pause inf")
            .url(NOWHERE_PG)
            .run(&["apply", "--pause", "inf"])
            .says("--pause: inf is not valid"),
        valid("--pause -1 (without =)")
            .url(NOWHERE_PG)
            .run(&["apply", "--pause", "-1"])
            .says("--pause: -1 is not valid"),
        valid("--batch-size 0 names the flag, not the file")
            .url(NOWHERE_PG)
            .run(&["apply", "--batch-size", "0"])
            .says("--batch-size")
            .says("expected a positive number of rows")
            .hides("migrator.toml"),
        valid("--batch-size -1")
            .url(NOWHERE_PG)
            .run(&["apply", "--batch-size", "-1"])
            .says("'--batch-size <N>'")
            .says("expected a positive number of rows"),
        valid("--lock-retries -1")
            .url(NOWHERE_PG)
            .run(&["apply", "--lock-retries", "-1"])
            .says("'--lock-retries <N>'")
            .says("zero or a positive whole number"),
        valid("--runner-lock-wait 0")
            .url(NOWHERE_PG)
            .run(&["apply", "--runner-lock-wait", "0"])
            .says("--runner-lock-wait: 0 is not valid"),
        valid("config file: backfill-pause = nan names the file and key")
            .file("migrator.toml", "backfill-pause = nan\n")
            .url(NOWHERE_PG)
            .run(&["apply"])
            .says("migrator.toml: backfill-pause = NaN"),
        valid("config file given with --config: its own name in the message")
            .file("other.toml", "lock-timeout = 0\n")
            .url(NOWHERE_PG)
            .run(&["apply", "--config", "other.toml"])
            .says("other.toml: lock-timeout = 0"),
        valid("completions for an unknown shell")
            .run(&["completions", "tcsh"])
            .says("tcsh")
            .says("bash, zsh, fish, powershell"),
        valid("man page of an unknown command")
            .run(&["man", "nope"])
            .says("no command `nope`"),
        valid("bad --color value")
            .run(&["verify", "--color", "sometimes"])
            .says("sometimes")
            .says("auto, always, never"),
        // ---- declarative inputs
        valid("plan without a database")
            .file("schema.sql", "CREATE TABLE a (id BIGINT PRIMARY KEY);\n")
            .run(&["plan"])
            .says("--database-url"),
        valid("diff with a bad --from")
            .file("schema.sql", "CREATE TABLE a (id BIGINT PRIMARY KEY);\n")
            .run(&["diff", "--from", "nowhere/at/all", "--to", "schema.sql"])
            .says("nowhere/at/all"),
        // ---- fleets: flags (`--targets NAME`, `--target URL`…)
        valid("--parallel 0")
            .url(NOWHERE_PG)
            .run(&["apply", "--target", NOWHERE_PG, "--parallel", "0"])
            .says("'--parallel <N>'")
            .says("0 is not in 1..=1000"),
        valid("--parallel above its limit")
            .url(NOWHERE_PG)
            .run(&["status", "--target", NOWHERE_PG, "--parallel", "5000"])
            .says("'--parallel <N>'")
            .says("5000 is not in 1..=1000"),
        valid("--parallel -1 names the flag")
            .url(NOWHERE_PG)
            .run(&["apply", "--target", NOWHERE_PG, "--parallel", "-1"])
            .says("invalid value '-1' for '--parallel <N>'"),
        valid("--parallel that is not a number")
            .url(NOWHERE_PG)
            .run(&["rollback", "--target", NOWHERE_PG, "--parallel", "many"])
            .says("invalid value 'many' for '--parallel <N>'"),
        valid("--canary 0 (it would skip the canary stage)")
            .url(NOWHERE_PG)
            .run(&["apply", "--target", NOWHERE_PG, "--canary", "0"])
            .says("invalid value '0' for '--canary <K>'")
            .says("expected a positive whole number"),
        valid("--canary -1 names the flag")
            .url(NOWHERE_PG)
            .run(&["apply", "--target", NOWHERE_PG, "--canary", "-1"])
            .says("invalid value '-1' for '--canary <K>'"),
        valid("--continue without --canary")
            .url(NOWHERE_PG)
            .run(&["apply", "--target", NOWHERE_PG, "--continue"])
            .says("required arguments were not provided")
            .says("--canary <K>"),
        valid("--targets and --target together")
            .url(NOWHERE_PG)
            .run(&["apply", "--targets", "prod", "--target", NOWHERE_PG])
            .says("'--targets <NAME>' cannot be used with '--target <URL>'"),
        valid("--parallel without a fleet (it would run on the one database URL)")
            .url(NOWHERE_PG)
            .run(&["apply", "--parallel", "3"])
            .says("--parallel: only applies to a fleet")
            .says("add --targets NAME or --target URL"),
        valid("--canary without a fleet")
            .url(NOWHERE_PG)
            .run(&["rollback", "--canary", "1"])
            .says("--canary: only applies to a fleet"),
        valid("--continue-on-error without a fleet")
            .url(NOWHERE_PG)
            .run(&["drift", "--continue-on-error"])
            .says("--continue-on-error: only applies to a fleet"),
        valid("--target that is empty")
            .run(&["apply", "--target", ""])
            .says("not a URL")
            .says("postgres://user"),
        valid("--target with an unknown scheme")
            .run(&["status", "--target", "sqlite://u:secretpw@127.0.0.1:1/x"])
            .says("unsupported scheme `sqlite`")
            .hides("secretpw"),
        valid("--target without a database name")
            .run(&["apply", "--target", "postgres://u:secretpw@127.0.0.1:1"])
            .says("no database name")
            .hides("secretpw"),
        valid("--target with a bad port")
            .run(&["apply", "--target", "postgres://u:secretpw@127.0.0.1:99999/x"])
            .says("127.0.0.1:99999/x: FAILED")
            .says("invalid value for option `port`")
            .hides("secretpw"),
        valid("--targets naming a table the file does not declare")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"postgres://u:secretpw@127.0.0.1:1/x\"\n",
            )
            .run(&["apply", "--targets", "staging"])
            .says("migrator.toml: --targets staging: no [targets.staging] table; it declares prod")
            .hides("secretpw"),
        valid("--targets without any [targets] table")
            .run(&["status", "--targets", "prod"])
            .says("--targets prod: the file declares no [targets.NAME] table"),
        // ---- fleets: [targets.NAME] tables of migrator.toml
        valid("config: [targets] with both url and urls")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"postgres://u:secretpw@127.0.0.1:1/a\"\nurls = [\"postgres://u:secretpw@127.0.0.1:1/b\"]\n",
            )
            .run(&["apply", "--targets", "prod"])
            .says("migrator.toml: [targets.prod] urls = (given too)")
            .says("not both")
            .hides("secretpw"),
        valid("config: [targets] schemas on a MySQL URL")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"mysql://u:secretpw@127.0.0.1:1/admin\"\nschemas = 'tenant\\_%'\n",
            )
            .run(&["apply", "--targets", "prod"])
            .says("[targets.prod] schemas = mysql://u:***@127.0.0.1:1/admin")
            .says("use `databases`")
            .hides("secretpw"),
        valid("config: [targets] databases on a Postgres URL")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"postgres://u:secretpw@127.0.0.1:1/app\"\ndatabases = 'tenant\\_%'\n",
            )
            .run(&["status", "--targets", "prod"])
            .says("[targets.prod] databases = ")
            .says("use `schemas`")
            .hides("secretpw"),
        valid("config: [targets] with an empty pattern")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"postgres://u:secretpw@127.0.0.1:1/app\"\nschemas = \"\"\n",
            )
            .run(&["apply", "--targets", "prod"])
            .says("migrator.toml: [targets.prod] schemas = \"\"")
            .says("a LIKE pattern")
            .hides("secretpw"),
        valid("config: [targets] without a URL")
            .file("migrator.toml", "[targets.prod]\nschemas = 'tenant\\_%'\n")
            .run(&["apply", "--targets", "prod"])
            .says("migrator.toml: [targets.prod] url = (missing)"),
        valid("config: [targets] with an unknown key")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"postgres://u:secretpw@127.0.0.1:1/app\"\nschema = 'tenant\\_%'\n",
            )
            .run(&["apply", "--targets", "prod"])
            .says("migrator.toml: line 3")
            .says("unknown field `schema`")
            .hides("secretpw"),
        valid("config: [targets] with two generators")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"postgres://u:secretpw@127.0.0.1:1/app\"\nschemas = 'tenant\\_%'\nquery = \"SELECT 'a'\"\n",
            )
            .run(&["rollback", "--targets", "prod"])
            .says("[targets.prod] query = (given too)")
            .says("one generator per fleet"),
        valid("config: [targets] NAME given a URL instead of a table")
            .file(
                "migrator.toml",
                "[targets]\nprod = \"postgres://u:secretpw@127.0.0.1:1/app\"\n",
            )
            .run(&["apply", "--targets", "prod"])
            .says("migrator.toml: line 2")
            .says("(key `prod`)")
            .hides("secretpw"),
        valid("config: [targets] URL with an unknown scheme")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"sqlite://u:secretpw@127.0.0.1:1/app\"\n",
            )
            .run(&["status", "--targets", "prod"])
            .says("[targets.prod] url = sqlite://u:***@")
            .says("unsupported scheme `sqlite`")
            .hides("secretpw"),
        valid("config: [targets] URL without a database name")
            .file(
                "migrator.toml",
                "[targets.prod]\nurl = \"postgres://u:secretpw@127.0.0.1:1\"\nschemas = 'tenant\\_%'\n",
            )
            .run(&["apply", "--targets", "prod"])
            .says("no database name")
            .hides("secretpw"),
        // ---- rollback flags
        valid("rollback --steps 0")
            .url(NOWHERE_PG)
            .run(&["rollback", "--steps", "0"])
            .says("invalid value '0' for '--steps <STEPS>'")
            .says("expected a positive whole number"),
        valid("rollback --steps -1 names the flag")
            .url(NOWHERE_PG)
            .run(&["rollback", "--steps", "-1"])
            .says("invalid value '-1' for '--steps <STEPS>'"),
        valid("rollback --steps that is not a number")
            .url(NOWHERE_PG)
            .run(&["rollback", "--steps", "all"])
            .says("invalid value 'all' for '--steps <STEPS>'"),
        valid("rollback --steps and --to together")
            .url(NOWHERE_PG)
            .run(&["rollback", "--steps", "1", "--to", V1])
            .says("'--steps <STEPS>' cannot be used with '--to <TO>'"),
        valid("rollback --to a file name instead of a version")
            .url(NOWHERE_PG)
            .run(&["rollback", "--to", "20260101000001_create_a"])
            .says("`20260101000001_create_a` is not a version")
            .says("expected digits"),
        // ---- apply flags
        valid("apply --to -1 names the flag")
            .url(NOWHERE_PG)
            .run(&["apply", "--to", "-1"])
            .says("invalid value '-1' for '--to <TO>'"),
        valid("--max-replica-lag -2s names the flag")
            .url(NOWHERE_PG)
            .run(&["apply", "--max-replica-lag", "-2s"])
            .says("--max-replica-lag: \"-2s\" is not valid")
            .says("a positive duration"),
        valid("--max-replica-lag that is not a duration")
            .url(NOWHERE_PG)
            .run(&["apply", "--max-replica-lag", "lots"])
            .says("--max-replica-lag: \"lots\" is not valid"),
        valid("--replica-url with an unknown scheme")
            .url(NOWHERE_PG)
            .run(&["apply", "--replica-url", "sqlite://u:secretpw@127.0.0.1:1/x"])
            .says("--replica-url: sqlite://u:***@127.0.0.1:1/x is not valid")
            .hides("secretpw"),
        valid("--replica-url that is a host name, not a URL")
            .url(NOWHERE_PG)
            .run(&["apply", "--replica-url", "replica-host"])
            .says("--replica-url: replica-host is not valid")
            .says("not a URL"),
        valid("--max-replica-lag is for apply only")
            .url(NOWHERE_PG)
            .run(&["status", "--max-replica-lag", "2s"])
            .says("unexpected argument '--max-replica-lag'"),
        valid("--max-load without a limit")
            .url(NOWHERE_PG)
            .run(&["apply", "--max-load", "Threads_running"])
            .says("--max-load: \"Threads_running\" is not valid")
            .says("METRIC=LIMIT"),
        valid("--critical-load without a metric")
            .url(NOWHERE_PG)
            .run(&["apply", "--critical-load", "=5"])
            .says("--critical-load: \"=5\" is not valid"),
        valid("--max-load-wait 0")
            .url(NOWHERE_PG)
            .run(&["apply", "--max-load-wait", "0"])
            .says("--max-load-wait: \"0\" is not valid"),
        valid("--batch-target that is not a duration")
            .url(NOWHERE_PG)
            .run(&["apply", "--batch-target", "fast"])
            .says("--batch-target: \"fast\" is not valid")
            .says("100ms, 2s, 10m or 1h"),
        valid("--batch-target -1s names the flag")
            .url(NOWHERE_PG)
            .run(&["apply", "--batch-target", "-1s"])
            .says("--batch-target: \"-1s\" is not valid"),
        valid("--batch-min 0")
            .url(NOWHERE_PG)
            .run(&["apply", "--batch-min", "0"])
            .says("invalid value '0' for '--batch-min <N>'"),
        valid("--progress-every that is not a duration")
            .url(NOWHERE_PG)
            .run(&["apply", "--progress-every", "soon"])
            .says("--progress-every: \"soon\" is not valid"),
        valid("--lock-retries 1.5")
            .url(NOWHERE_PG)
            .run(&["apply", "--lock-retries", "1.5"])
            .says("invalid value '1.5' for '--lock-retries <N>'"),
        valid("--runner-lock-wait that is not a number")
            .url(NOWHERE_PG)
            .run(&["apply", "--runner-lock-wait", "soon"])
            .says("invalid value 'soon' for '--runner-lock-wait <SECS>'"),
        valid("--pause with a unit")
            .url(NOWHERE_PG)
            .run(&["apply", "--pause", "1s"])
            .says("invalid value '1s' for '--pause <SECS>'"),
        valid("--lock-timeout too large")
            .url(NOWHERE_PG)
            .run(&["apply", "--lock-timeout", "1e400"])
            .says("--lock-timeout: inf is not valid"),
        valid("--batch-size that is not a number")
            .url(NOWHERE_PG)
            .run(&["apply", "--batch-size", "many"])
            .says("invalid value 'many' for '--batch-size <N>'"),
        valid("--lock-timeout without a value")
            .url(NOWHERE_PG)
            .run(&["apply", "--lock-timeout"])
            .says("a value is required for '--lock-timeout <SECS>'"),
        // ---- --format for the wrong command
        valid("plan --format dot")
            .url(NOWHERE_PG)
            .run(&["plan", "--format", "dot"])
            .says("`migrator plan` prints --format text, json or mermaid"),
        valid("status --format mermaid")
            .url(NOWHERE_PG)
            .run(&["status", "--format", "mermaid"])
            .says("--format mermaid, dot and svg are for `migrator erd`"),
        valid("apply --format github")
            .url(NOWHERE_PG)
            .run(&["apply", "--format", "github"])
            .says("--format github is only supported by `migrator lint` and `migrator drift`"),
        valid("erd --format json")
            .run(&["erd", "--format", "json"])
            .says("`migrator erd` draws --format mermaid (default), dot or svg"),
        // ---- plan flags (refused before any server is reached)
        valid("plan --name with a space and a `!`")
            .file("schema.sql", "CREATE TABLE a (id BIGINT PRIMARY KEY);\n")
            .url(NOWHERE_PG)
            .run(&["plan", "--name", "bad name!"])
            .says("--name: name `bad name!` must be non-empty")
            .hides("127.0.0.1:1"),
        valid("plan --name that is empty")
            .file("schema.sql", "CREATE TABLE a (id BIGINT PRIMARY KEY);\n")
            .url(NOWHERE_PG)
            .run(&["plan", "--name", ""])
            .says("--name: name `` must be non-empty"),
        valid("plan --rehearse-rows -1 names the flag")
            .url(NOWHERE_PG)
            .run(&["plan", "--rehearse-rows", "-1"])
            .says("invalid value '-1' for '--rehearse-rows <N>'"),
        valid("plan --dev-url with an unknown scheme")
            .file("schema.sql", "CREATE TABLE a (id BIGINT PRIMARY KEY);\n")
            .run(&["plan", "--dev-url", "sqlite://u:devpw@127.0.0.1:1/x"])
            .says("unsupported scheme `sqlite`")
            .hides("devpw"),
        // ---- lint flags
        valid("lint --dialect oracle")
            .run(&["lint", "--dialect", "oracle"])
            .says("invalid value 'oracle' for '--dialect <DIALECT>'")
            .says("postgres, mysql"),
        valid("lint --postgres-version 7")
            .run(&["lint", "--dialect", "postgres", "--postgres-version", "7"])
            .says("--postgres-version: 7 is not a Postgres major version"),
        valid("lint --postgres-version -1 names the flag")
            .run(&["lint", "--dialect", "postgres", "--postgres-version", "-1"])
            .says("invalid value '-1' for '--postgres-version <MAJOR>'"),
        valid("lint --mysql-flavor percona")
            .run(&["lint", "--dialect", "mysql", "--mysql-flavor", "percona"])
            .says("--mysql-flavor")
            .says("use mysql or mariadb"),
        valid("lint --disable of an unknown rule")
            .run(&["lint", "--dialect", "postgres", "--disable", "no-such-rule"])
            .says("--disable: unknown rule `no-such-rule`")
            .says("--list-rules"),
        valid("lint --list-rules with --explain")
            .run(&["lint", "--list-rules", "--explain", "drop-table"])
            .says("'--list-rules' cannot be used with '--explain <RULE>'"),
        valid("lint --explain with files")
            .file("x.sql", "SELECT 1;\n")
            .run(&["lint", "--explain", "drop-table", "x.sql"])
            .says("'--explain <RULE>' cannot be used with '[FILES]...'"),
        valid("lint with a database URL of an unknown scheme")
            .url("sqlite://u:secretpw@127.0.0.1:1/x")
            .run(&["lint"])
            .says("unsupported scheme `sqlite`")
            .hides("secretpw"),
        // ---- migrator.toml: keys of the wrong type or value
        valid("config: [lint] postgres-version 7")
            .file("migrator.toml", "[lint]\npostgres-version = 7\n")
            .run(&["lint", "--dialect", "postgres"])
            .says("migrator.toml: [lint] postgres-version: 7 is not a Postgres major version"),
        valid("config: [lint] mysql-flavor percona")
            .file("migrator.toml", "[lint]\nmysql-flavor = \"percona\"\n")
            .run(&["lint", "--dialect", "mysql"])
            .says("migrator.toml: [lint] mysql-flavor `percona`")
            .says("use mysql or mariadb"),
        valid("config: [lint] disable instead of disabled")
            .file("migrator.toml", "[lint]\ndisable = [\"drop-table\"]\n")
            .run(&["lint", "--dialect", "postgres"])
            .says("migrator.toml: line 2")
            .says("unknown field `disable`")
            .says("`disabled`"),
        valid("config: [lint] standalone is not a boolean")
            .file("migrator.toml", "[lint]\nstandalone = \"yes\"\n")
            .run(&["lint", "--dialect", "postgres"])
            .says("migrator.toml: line 2")
            .says("(key `standalone`)"),
        valid("config: negative lock-retries")
            .file("migrator.toml", "lock-retries = -1\n")
            .run(&["verify"])
            .says("migrator.toml: line 1")
            .says("(key `lock-retries`)"),
        valid("config: runner-lock-wait = 0")
            .file("migrator.toml", "runner-lock-wait = 0\n")
            .run(&["verify"])
            .says("migrator.toml: runner-lock-wait = 0")
            .says("a positive number of seconds"),
        valid("config: backfill-batch-size is not a number")
            .file("migrator.toml", "backfill-batch-size = \"big\"\n")
            .run(&["verify"])
            .says("(key `backfill-batch-size`)"),
        valid("config: backfill-batch-min = 0")
            .file("migrator.toml", "backfill-batch-min = 0\n")
            .run(&["verify"])
            .says("migrator.toml: backfill-batch-min = 0"),
        valid("config: backfill-pause with a unit")
            .file("migrator.toml", "backfill-pause = \"1s\"\n")
            .run(&["verify"])
            .says("(key `backfill-pause`)"),
        valid("config: backfill-max-load without a limit")
            .file("migrator.toml", "backfill-max-load = \"Threads_running\"\n")
            .run(&["verify"])
            .says("migrator.toml: backfill-max-load = \"Threads_running\"")
            .says("METRIC=LIMIT"),
        valid("config: backfill-max-load-wait that is not a duration")
            .file("migrator.toml", "backfill-max-load-wait = \"forever\"\n")
            .run(&["verify"])
            .says("migrator.toml: backfill-max-load-wait = \"forever\""),
        valid("config: negative max-replica-lag")
            .file("migrator.toml", "max-replica-lag = \"-1s\"\n")
            .run(&["verify"])
            .says("migrator.toml: max-replica-lag = \"-1s\""),
        valid("config: replica-urls as one string")
            .file(
                "migrator.toml",
                "replica-urls = \"postgres://u:secretpw@127.0.0.1:1/x\"\n",
            )
            .run(&["verify"])
            .says("(key `replica-urls`)")
            .says("expected a sequence")
            .hides("secretpw"),
        valid("config: replica-urls with an unknown scheme")
            .file(
                "migrator.toml",
                "replica-urls = [\"sqlite://u:secretpw@127.0.0.1:1/x\"]\n",
            )
            .run(&["verify"])
            .says("migrator.toml: replica-urls = sqlite://u:***@")
            .hides("secretpw"),
        valid("config: progress-every that is not a duration")
            .file("migrator.toml", "progress-every = \"often\"\n")
            .run(&["verify"])
            .says("migrator.toml: progress-every = \"often\""),
        valid("config: dir is a number")
            .file("migrator.toml", "dir = 3\n")
            .run(&["verify"])
            .says("(key `dir`)")
            .says("expected a string"),
        valid("config: a key given twice")
            .file("migrator.toml", "format = \"json\"\nformat = \"text\"\n")
            .run(&["verify"])
            .says("migrator.toml: line 2")
            .says("duplicate key `format`"),
        valid("config: database-url not quoted")
            .file(
                "migrator.toml",
                "database-url = postgres://u:secretpw@127.0.0.1:1/x\n",
            )
            .run(&["status"])
            .says("migrator.toml: line 1")
            .says("(key `database-url`)")
            .hides("secretpw"),
        valid("config: database-url with an unknown scheme")
            .file(
                "migrator.toml",
                "database-url = \"sqlite://u:secretpw@127.0.0.1:1/x\"\n",
            )
            .run(&["status"])
            .says("unsupported scheme `sqlite`")
            .hides("secretpw"),
        // ---- new
        valid("new with an empty name").run(&["new", ""]).says("name `` must be non-empty"),
        valid("new with a path as the name")
            .run(&["new", "../escape"])
            .says("name `../escape` must be non-empty and use only letters"),
        // ---- file names and versions
        Case::new("no `_` between version and name")
            .file(&format!("migrations/{V1}.up.sql"), "CREATE TABLE a (id INT);\n")
            .file(&format!("migrations/{V1}.down.sql"), "DROP TABLE a;\n")
            .run(&["rehash"])
            .says("20260101000001.")
            .says("no `_` between version and name"),
        Case::new("upper-case .UP.sql")
            .file(
                "migrations/20260101000001_create_a.UP.sql",
                "CREATE TABLE a (id INT);\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.UP.sql: not a migration file name"),
        Case::new("file name without a version")
            .pair("", "create_a", "CREATE TABLE a (id INT);\n", "DROP TABLE a;\n")
            .run(&["rehash"])
            .says("_create_a.")
            .says("`` is not a version"),
        Case::new("version too large")
            .pair(
                "99999999999999999999",
                "create_a",
                "CREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("`99999999999999999999` is not a version"),
        Case::new("name with a space")
            .pair(V1, "create a", "CREATE TABLE a (id INT);\n", "DROP TABLE a;\n")
            .run(&["rehash"])
            .says("20260101000001_create a.")
            .says("name `create a` must be non-empty"),
        Case::new("empty name")
            .pair(V1, "", "CREATE TABLE a (id INT);\n", "DROP TABLE a;\n")
            .run(&["rehash"])
            .says("20260101000001_.")
            .says("name `` must be non-empty"),
        Case::new("up and down files named differently")
            .file(&up(V1), "CREATE TABLE a (id INT);\n")
            .file(
                "migrations/20260101000001_create_table_a.down.sql",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("version 20260101000001 is used twice")
            .says("create_table_a"),
        // ---- migrator.sum
        valid("file removed by hand")
            .pair(
                V2,
                "create_b",
                "CREATE TABLE b (id INT);\n",
                "DROP TABLE b;\n",
            )
            .rehash()
            .remove("migrations/20260101000002_create_b.up.sql")
            .remove("migrations/20260101000002_create_b.down.sql")
            .run(&["verify"])
            .code(2)
            .says("20260101000002_create_b.up.sql: listed in migrator.sum but missing")
            .says("migrator rehash"),
        valid("sum file with another hash algorithm")
            .edit("migrations/migrator.sum", |s| s.replace("sha256:", "sha1:"))
            .run(&["verify"])
            .code(2)
            .says("migrator.sum: line 1")
            .says("expected sha256:<hex>"),
        // ---- directives
        Case::new("empty directive")
            .pair(
                V1,
                "create_a",
                "-- migrator:\nCREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql:1: empty directive")
            .says("known: phase, no-transaction"),
        Case::new("phase without a value")
            .pair(
                V1,
                "create_a",
                "-- migrator:phase\nCREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql:1")
            .says("use expand, backfill or contract"),
        Case::new("phase in upper case")
            .pair(
                V1,
                "create_a",
                "-- migrator:phase CONTRACT\nCREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("unknown phase `CONTRACT`"),
        Case::new("backfill directive given twice")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table=a key=id\n-- migrator:backfill table=a key=id batch=10\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_fill.up.sql:2: `backfill` given twice"),
        Case::new("backfill directive with an empty table=")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table= key=id\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_fill.up.sql:1: `table=` has no value"),
        Case::new("backfill directive with a bare word")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table=a key=id batch\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("`batch`: expected key=value"),
        Case::new("backfill directive without table")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill key=id\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_fill.up.sql:1: backfill needs table=T"),
        Case::new("backfill directive with batch that is not a number")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table=a key=id batch=lots\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("batch=`lots` is not a positive number"),
        Case::new("backfill directive with key= given twice")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table=a key=id key=v\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_fill.up.sql:1: `key=` given twice"),
        Case::new("backfill directive with an unterminated quoted name")
            .pair(
                V1,
                "fill",
                "-- migrator:backfill table=\"order lines key=id\nUPDATE a SET v = 1;\n",
                "SELECT 1;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_fill.up.sql:1: unterminated \""),
        Case::new("new-tables directive without a table")
            .pair(
                V1,
                "create_a",
                "-- migrator:new-tables\nCREATE INDEX i ON a (id);\n",
                "DROP INDEX i;\n",
            )
            .run(&["rehash"])
            .says("20260101000001_create_a.up.sql:1: `new-tables` needs at least one table"),
        Case::new("no-transaction with an argument")
            .pair(
                V1,
                "create_a",
                "-- migrator:no-transaction true\nCREATE TABLE a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .run(&["rehash"])
            .says("`no-transaction` takes no argument, found `true`"),
        // ---- the statement splitter
        Case::new("unterminated single quote (mysql)")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT);\nINSERT INTO a VALUES ('it\\'s);\n",
                "DROP TABLE a;\n",
            )
            .run(&["lint", "--dialect", "mysql"])
            .says("20260101000001_create_a.up.sql:2")
            .says("unterminated"),
        // ---- URLs
        valid("postgres URL with an unknown parameter")
            .url("postgres://u:secretpw@127.0.0.1:1/app?bogus=1")
            .run(&["status"])
            .says("unknown option `bogus`")
            .hides("secretpw"),
        valid("mysql URL with a bad port")
            .url("mysql://u:secretpw@127.0.0.1:99999/app")
            .run(&["status"])
            .says("mysql://u:***@127.0.0.1:99999/app")
            .says("invalid port number")
            .hides("secretpw"),
        valid("postgres URL with an unknown sslmode")
            .url("postgres://u:secretpw@127.0.0.1:1/app?sslmode=bogus")
            .run(&["apply"])
            .says("`sslmode=bogus` is not a TLS mode")
            .says("verify-full")
            .hides("secretpw"),
        valid("mysql URL with an unknown ssl-mode")
            .url("mysql://u:secretpw@127.0.0.1:1/app?ssl-mode=bogus")
            .run(&["status"])
            .says("`ssl-mode=bogus` is not a TLS mode")
            .says("VERIFY_IDENTITY")
            .hides("secretpw"),
        valid("postgres URL without a host")
            .url("postgres://u:secretpw@/app")
            .run(&["status"])
            .says("postgres://u:***@/app")
            .says("host and hostaddr are missing")
            .hides("secretpw"),
        valid("http URL")
            .url("http://u:secretpw@127.0.0.1:1/app")
            .run(&["status"])
            .says("unsupported scheme `http`")
            .hides("secretpw"),
        valid("DATABASE_URL set but empty")
            .url("")
            .run(&["status"])
            .says("no database: pass --database-url, set DATABASE_URL"),
        // ---- commands and their arguments
        valid("no command")
            .run(&[])
            .says("requires a subcommand")
            .says("[subcommands: diff, plan, new, apply"),
        valid("unknown command")
            .run(&["upgrade"])
            .says("unrecognized subcommand 'upgrade'"),
        valid("completions without a shell")
            .run(&["completions"])
            .says("<SHELL>"),
        valid("completions for two shells")
            .run(&["completions", "bash", "zsh"])
            .says("unexpected argument 'zsh'"),
        valid("man --out-dir with a command")
            .run(&["man", "--out-dir", "pages", "apply"])
            .says("'--out-dir <DIR>' cannot be used with '[COMMAND]'"),
        valid("backfill without an action")
            .url(NOWHERE_PG)
            .run(&["backfill"])
            .says("backfill' requires a subcommand")
            .says("pause, resume, status"),
        valid("backfill with an unknown action")
            .url(NOWHERE_PG)
            .run(&["backfill", "stop"])
            .says("unrecognized subcommand 'stop'"),
        valid("backfill pause of something that is not a version")
            .url(NOWHERE_PG)
            .run(&["backfill", "pause", "users"])
            .says("invalid value 'users' for '[VERSION]'"),
        valid("baseline without a version")
            .url(NOWHERE_PG)
            .run(&["baseline"])
            .says("<VERSION>"),
        valid("repair of a file name instead of a version")
            .url(NOWHERE_PG)
            .run(&["repair", "20260101000001_create_a"])
            .says("invalid value '20260101000001_create_a' for '<VERSION>'"),
        valid("diff without --to")
            .run(&["diff", "--from", "migrations"])
            .says("--to <TO>"),
        valid("diff --to a file that does not exist")
            .run(&["diff", "--from", "migrations", "--to", "nope.sql"])
            .says("nope.sql: no such file or directory"),
        valid("erd --from a file that does not exist")
            .run(&["erd", "--from", "nope.sql"])
            .says("nope.sql: no such file or directory"),
        valid("erd --from a URL with an unknown scheme")
            .run(&["erd", "--from", "sqlite://u:secretpw@127.0.0.1:1/x"])
            .says("unsupported scheme `sqlite`")
            .hides("secretpw"),
    ];
    check_all("offline", cases);
}

// ------------------------------------------------------------------------------ servers

const FILE1: &str = "20260101000001_create_a.up.sql";

/// Cases every engine must handle; `db` yields a fresh database URL per case.
async fn common_cases(engine: &str, fresh: &dyn Fn() -> Fresh, bad_login: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: wrong password"))
            .url(&with_password(&db, "wrong-secret-pw"))
            .run(&["status"])
            .says("cannot connect to")
            .says(bad_login)
            .hides("wrong-secret-pw"),
    );
    let db = fresh().await;
    cases.push(
        Case::new(&format!("{engine}: syntax error"))
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABL b (id INT);\n",
                "DROP TABLE a;\n",
            )
            .rehash()
            .url(&db)
            .run(&["apply"])
            .says(&format!("{FILE1}: statement 2 of 2 (line 2) failed"))
            .says("CREATE TABL b"),
    );
    let db = fresh().await;
    cases.push(
        Case::new(&format!("{engine}: unknown type"))
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INTEGR PRIMARY KEY);\n",
                "DROP TABLE a;\n",
            )
            .rehash()
            .url(&db)
            .run(&["apply"])
            .says(&format!("{FILE1}: statement 1 of 1 (line 1) failed"))
            .says("INTEGR"),
    );
    let db = fresh().await;
    cases.push(
        Case::new(&format!("{engine}: unterminated quote, refused before any SQL runs"))
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(9));\nINSERT INTO a VALUES (1, 'oops);\n",
                "DROP TABLE a;\n",
            )
            .rehash()
            .url(&db)
            .run(&["apply"])
            .says(&format!("{FILE1}:2"))
            .says("unterminated"),
    );
    let db = fresh().await;
    cases.push(
        Case::new(&format!("{engine}: a file starting with a BOM works"))
            .bytes(
                &format!("migrations/{FILE1}"),
                b"\xef\xbb\xbfCREATE TABLE a (id INT PRIMARY KEY);\n",
            )
            .bytes(
                "migrations/20260101000001_create_a.down.sql",
                b"\xef\xbb\xbfDROP TABLE a;\r\n",
            )
            .rehash()
            .url(&db)
            .setup(&["apply"])
            .setup(&["rollback"])
            .run(&["apply"])
            .code(0)
            .says(V1),
    );
    // ---- issue 18: status exits 2 when something needs attention; partial runs report
    // what they did before the error.
    let two = |name: &str, up2: &str, down1: &str| {
        Case::new(name)
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT PRIMARY KEY);\n",
                down1,
            )
            .pair(V2, "create_b", up2, "DROP TABLE b;\n")
            .rehash()
    };
    let fails_at_2 = "CREATE TABLE b (id INT PRIMARY KEY);\nCREATE TABL c (id INT);\n";
    // Outside a transaction, statement 1 stays applied: the run is partial on both engines (a
    // failed transactional Postgres file leaves nothing behind: it is pending again).
    let partial_at_2 =
        "-- migrator:no-transaction\nCREATE TABLE b (id INT PRIMARY KEY);\nCREATE TABL c (id INT);\n";
    let db = fresh().await;
    cases.push(
        two(
            &format!("{engine}: status exits 2 after a partial run"),
            partial_at_2,
            "DROP TABLE a;\n",
        )
        .url(&db)
        .setup_code(&["apply"], 1)
        .run(&["status"])
        .code(2)
        .says("20260101000002")
        .says("1 applied, 0 pending, 0 awaiting contract, 1 partial/failed"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: status exits 0 when all is applied"))
            .url(&db)
            .setup(&["apply"])
            .run(&["status"])
            .code(0)
            .says("1 applied, 0 pending, 0 awaiting contract, 0 partial/failed, 0 problem(s)"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: status exits 0 with pending migrations"))
            .url(&db)
            .run(&["status"])
            .code(0)
            .says("0 applied, 1 pending"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: status exits 2 for a file edited after apply"
        ))
        .url(&db)
        .setup(&["apply"])
        .file(
            &format!("migrations/{FILE1}"),
            "CREATE TABLE a (id BIGINT PRIMARY KEY, v INT);\n",
        )
        .rehash()
        .run(&["status"])
        .code(2)
        .says("edited"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: status exits 2 for an applied file that is missing"
        ))
        .url(&db)
        .setup(&["apply"])
        .pair(
            V2,
            "create_b",
            "CREATE TABLE b (id INT);\n",
            "DROP TABLE b;\n",
        )
        .rehash()
        .setup(&["apply"])
        .remove(&format!("migrations/{FILE1}"))
        .remove("migrations/20260101000001_create_a.down.sql")
        .rehash()
        .run(&["status", "--format", "json"])
        .code(2)
        .says("missing"),
    );
    let db = fresh().await;
    cases.push(
        two(
            &format!("{engine}: apply that fails part-way lists what it applied"),
            fails_at_2,
            "DROP TABLE a;\n",
        )
        .url(&db)
        .run(&["apply"])
        .says("applied 20260101000001_create_a [expand]")
        .says("error: 20260101000002_create_b.up.sql: statement 2 of 2 (line 2) failed")
        .says("1 migration(s) applied before the error: 20260101000001_create_a")
        .says("migrator status"),
    );
    let db = fresh().await;
    cases.push(
        two(
            &format!("{engine}: apply -q that fails part-way lists what it applied"),
            fails_at_2,
            "DROP TABLE a;\n",
        )
        .url(&db)
        .run(&["apply", "-q"])
        .says("applied 20260101000001_create_a [expand]")
        .says("1 migration(s) applied before the error: 20260101000001_create_a"),
    );
    let db = fresh().await;
    cases.push(
        two(
            &format!("{engine}: apply --format json that fails part-way lists what it applied"),
            fails_at_2,
            "DROP TABLE a;\n",
        )
        .url(&db)
        .run(&["apply", "--format", "json", "-q"])
        .says("{\"applied\":[{")
        .says("\"name\":\"create_a\"")
        .says("\"error\":\"20260101000002_create_b.up.sql: statement 2 of 2"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: apply --format json that fails before any migration"
        ))
        .pair(
            V2,
            "create_b",
            "CREATE TABL b (id INT);\n",
            "DROP TABLE b;\n",
        )
        .rehash()
        .url(&db)
        .setup(&["apply", "--to", V1])
        .run(&["apply", "--format", "json"])
        .says("{\"applied\":[],\"error\":\"20260101000002_create_b.up.sql"),
    );
    let db = fresh().await;
    cases.push(
        two(
            &format!("{engine}: rollback that fails part-way lists what it rolled back"),
            "CREATE TABLE b (id INT PRIMARY KEY);\n",
            "DROP TABLE no_such_table_xyz;\n",
        )
        .url(&db)
        .setup(&["apply"])
        .run(&["rollback", "--steps", "2"])
        .says("rolled back 20260101000002_create_b [expand]")
        .says("no_such_table_xyz")
        .says("1 migration(s) rolled back before the error: 20260101000002_create_b"),
    );
    let db = fresh().await;
    cases.push(
        two(
            &format!("{engine}: rollback --format json that fails part-way"),
            "CREATE TABLE b (id INT PRIMARY KEY);\n",
            "DROP TABLE no_such_table_xyz;\n",
        )
        .url(&db)
        .setup(&["apply"])
        .run(&["rollback", "--steps", "2", "--format", "json"])
        .says("\"error\":\"")
        .says("\"rolled_back\":[{")
        .says("\"name\":\"create_b\""),
    );
    let db = fresh().await;
    let missing = url_with_database(&db, "no_such_database_xyz");
    cases.push(
        valid(&format!("{engine}: database does not exist"))
            .url(&missing)
            .run(&["status"])
            .says("no_such_database_xyz"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: apply --to an unknown version"))
            .url(&db)
            .run(&["apply", "--to", "20990101000000"])
            .says("20990101000000"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: rollback --to an unknown version"))
            .url(&db)
            .setup(&["apply"])
            .run(&["rollback", "--to", "20250101000009"])
            .says("20250101000009"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: baseline of an unknown version"))
            .url(&db)
            .run(&["baseline", "20990101000000"])
            .says("20990101000000"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: repair of a version with no row"))
            .url(&db)
            .setup(&["apply"])
            .run(&["repair", V1])
            .says(V1),
    );
    let db = fresh().await;
    cases.push(
        Case::new(&format!("{engine}: irreversible down without --force"))
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INT PRIMARY KEY);\n",
                "-- migrator:irreversible\nDROP TABLE a;\n",
            )
            .rehash()
            .url(&db)
            .setup(&["apply"])
            .run(&["rollback"])
            .says("20260101000001_create_a.down.sql")
            .says("--force"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: tampered directory refused before any SQL runs"
        ))
        .edit(&format!("migrations/{FILE1}"), |s| {
            s + "CREATE TABLE z (id INT);\n"
        })
        .url(&db)
        .run(&["apply"])
        .says(FILE1)
        .says("migrator rehash"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: applied file edited: verify finds it"))
            .url(&db)
            .setup(&["apply"])
            .edit(&format!("migrations/{FILE1}"), |s| {
                s + "-- edited\nCREATE TABLE z (id INT);\n"
            })
            .rehash()
            .run(&["verify"])
            .code(2)
            .says(FILE1),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: down file fails"))
            .edit("migrations/20260101000001_create_a.down.sql", |_| {
                "DROP TABLE no_such_table_q;\n".into()
            })
            .rehash()
            .url(&db)
            .setup(&["apply"])
            .run(&["rollback"])
            .says("20260101000001_create_a.down.sql: statement 1 of 1 (line 1) failed")
            .says("no_such_table_q"),
    );
    let db = fresh().await;
    cases.push(
        Case::new(&format!("{engine}: backfill on a table without a primary key"))
            .pair(
                V1,
                "create_t",
                "CREATE TABLE t (id INT, v INT);\nINSERT INTO t VALUES (1, NULL), (2, NULL);\n",
                "DROP TABLE t;\n",
            )
            .pair(
                V2,
                "fill_t",
                "-- migrator:phase backfill\n-- migrator:backfill table=t key=id\nUPDATE t SET v = id;\n",
                "SELECT 1;\n",
            )
            .rehash()
            .url(&db)
            .run(&["apply"])
            .says("20260101000002_fill_t.up.sql")
            .says("primary key"),
    );
    // ---- backfill files the runner refuses before any batch runs
    let fill = |name: &str, up2: &str| valid(name).pair(V2, "fill_a", up2, "SELECT 1;\n").rehash();
    let db = fresh().await;
    cases.push(
        fill(
            &format!("{engine}: backfill file holding a CREATE"),
            "-- migrator:phase backfill\n-- migrator:backfill table=a key=id\nCREATE TABLE x (id INT);\n",
        )
        .url(&db)
        .run(&["apply"])
        .says("20260101000002_fill_a.up.sql: statement 1 (line 3)")
        .says("a backfill file holds one UPDATE statement, not `CREATE`; nothing was run"),
    );
    let db = fresh().await;
    cases.push(
        fill(
            &format!("{engine}: backfill file holding two UPDATEs"),
            "-- migrator:phase backfill\n-- migrator:backfill table=a key=id\nUPDATE a SET id = id;\nUPDATE a SET id = id;\n",
        )
        .url(&db)
        .run(&["apply"])
        .says("20260101000002_fill_a.up.sql")
        .says("this one has 2")
        .says("Move the other statements to their own migration"),
    );
    let db = fresh().await;
    cases.push(
        fill(
            &format!("{engine}: backfill of a table that does not exist"),
            "-- migrator:phase backfill\n-- migrator:backfill table=no_such_t key=id\nUPDATE no_such_t SET id = id;\n",
        )
        .url(&db)
        .run(&["apply"])
        .says("20260101000002_fill_a.up.sql: backfill table no_such_t does not exist")
        .says("fix table= in the directive"),
    );
    let db = fresh().await;
    cases.push(
        fill(
            &format!("{engine}: backfill by a key column that does not exist"),
            "-- migrator:phase backfill\n-- migrator:backfill table=a key=no_such_col\nUPDATE a SET id = id;\n",
        )
        .url(&db)
        .run(&["apply"])
        .says("20260101000002_fill_a.up.sql")
        .says("the table has no column no_such_col")
        .says("use key=id"),
    );
    // ---- commands on a database in the wrong state
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: baseline of a database migrator already manages"
        ))
        .url(&db)
        .setup(&["apply"])
        .run(&["baseline", V1])
        .says("already has 1 migration(s) in migrator_history")
        .says("baseline only adopts a database that migrator never touched"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: repair of a migration that is applied, not partial"
        ))
        .url(&db)
        .setup(&["apply"])
        .run(&["repair", V1])
        .says("20260101000001_create_a is applied, not partial")
        .says("migrator rollback"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: backfill pause with no backfill running"
        ))
        .url(&db)
        .setup(&["apply"])
        .run(&["backfill", "pause"])
        .says("no unfinished backfill in migrator_backfill")
        .says("migrator backfill status"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: backfill resume of a version with no backfill"
        ))
        .url(&db)
        .setup(&["apply"])
        .run(&["backfill", "resume", "20990101000000"])
        .says("no unfinished backfill of 20990101000000"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: erd -o into a directory that does not exist"
        ))
        .url(&db)
        .setup(&["apply"])
        .run(&["erd", "--from", &db, "-o", "no/such/dir/erd.mmd"])
        .says("no/such/dir/erd.mmd"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: erd --from a URL with a wrong password"))
            .url(&db)
            .run(&["erd", "--from", &with_password(&db, "wrong-secret-pw")])
            .says("cannot connect to")
            .says(bad_login)
            .hides("wrong-secret-pw"),
    );
    // ---- declared schemas (schema.sql) that cannot be loaded
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: declared schema creating a database"))
            .file(
                "schema.sql",
                "CREATE TABLE a (id BIGINT PRIMARY KEY);\n\nCREATE DATABASE bad_input_never_created;\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:3: `CREATE DATABASE` in a declared schema")
            .says("remove it"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: declared schema creating a table twice"))
            .file(
                "schema.sql",
                "CREATE TABLE a (id BIGINT PRIMARY KEY);\n\nCREATE TABLE a (id INT);\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:3: the declared schema does not load")
            .says("already exists"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: declared schema with an unterminated string"))
            .file(
                "schema.sql",
                "CREATE TABLE a (id BIGINT PRIMARY KEY);\nCREATE TABLE b (v VARCHAR(9) DEFAULT 'oops);\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:2: unterminated string literal"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: declared schema directory without .sql files"
        ))
        .file("db/schema/README.md", "the schema goes here\n")
        .url(&db)
        .run(&["plan", "--dry-run", "--schema", "db/schema"])
        .says("db/schema: no .sql files in the declared schema directory"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: empty declared schema would drop every table"
        ))
        .file("schema.sql", "")
        .url(&db)
        .run(&["plan", "--dry-run"])
        .says("the plan would lose data")
        .says("drops table")
        .says("--allow-destructive"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: drift --schema of a file that does not exist"
        ))
        .url(&db)
        .setup(&["apply"])
        .run(&["drift", "--schema", "nope.sql"])
        .says("nope.sql"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: diff --to a declared schema with an unknown type"
        ))
        .file(
            "schema.sql",
            "CREATE TABLE a (id BIGINT PRIMARY KEY);\nCREATE TABLE b (id INTEGR);\n",
        )
        .url(&db)
        .run(&["diff", "--from", &db, "--to", "schema.sql"])
        .says("schema.sql:2: the declared schema does not load"),
    );
    let db = fresh().await;
    cases.push(
        Case::new(&format!(
            "{engine}: plan from a directory that does not replay"
        ))
        .pair(
            V1,
            "create_a",
            "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABL b (id INT);\n",
            "DROP TABLE a;\n",
        )
        .rehash()
        .file("schema.sql", "CREATE TABLE a (id INT PRIMARY KEY);\n")
        .url(&db)
        .run(&["plan", "--dry-run"])
        .says(&format!("{FILE1}: statement 2 of 2 (line 2) failed")),
    );
    // ---- fleets
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: fleet target with a wrong password"))
            .url(&db)
            .run(&["apply", "--target", &with_password(&db, "wrong-secret-pw")])
            .says(": FAILED: cannot connect to")
            .says("1 target(s): 0 done, 1 failed, 0 not run")
            .hides("wrong-secret-pw"),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!(
            "{engine}: fleet status with a database that does not exist"
        ))
        .url(&db)
        .setup(&["apply"])
        .run(&[
            "status",
            "--target",
            &db,
            "--target",
            &url_with_database(&db, "no_such_database_xyz"),
        ])
        .code(2)
        .says("1 target(s) unreadable")
        .says("no_such_database_xyz")
        .hides_password_of(&db),
    );
    let pattern_key = if engine == "postgres" {
        "schemas"
    } else {
        "databases"
    };
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: [targets] pattern that matches nothing"))
            .file(
                "migrator.toml",
                &format!(
                    "[targets.tenants]\nurl = \"{db}\"\n{pattern_key} = 'no\\_such\\_tenant\\_%'\n"
                ),
            )
            .url(&db)
            .run(&["apply", "--targets", "tenants"])
            .says("targets `tenants`: the generator finds no target")
            .says("check the pattern or query in [targets.tenants]")
            .hides_password_of(&db),
    );
    let db = fresh().await;
    cases.push(
        valid(&format!("{engine}: [targets] query that fails"))
            .file(
                "migrator.toml",
                &format!("[targets.tenants]\nurl = \"{db}\"\nquery = \"SELECT no_such_col\"\n"),
            )
            .url(&db)
            .run(&["status", "--targets", "tenants"])
            .says("running the targets' query on")
            .says("no_such_col")
            .hides_password_of(&db),
    );
    cases
}

type Fresh = std::pin::Pin<Box<dyn std::future::Future<Output = String>>>;

#[tokio::test(flavor = "multi_thread")]
async fn postgres() {
    let Some(server) = pg_url() else { return };
    let fresh = || -> Fresh {
        Box::pin(async {
            fresh_pg_db("bad_input")
                .await
                .expect("server configured")
                .url
        })
    };
    let mut cases = common_cases("postgres", &fresh, "password authentication failed").await;

    // Permission denied on DDL: a role that can log in and use the history table, but has no
    // CREATE on schema public.
    let db = fresh().await;
    let role = unique_name("restricted");
    pg_exec(
        &server,
        &format!("CREATE ROLE {role} LOGIN PASSWORD 'restricted-pw'"),
    )
    .await;
    let case = valid("postgres: permission denied on DDL")
        .url(&db)
        .setup(&["apply"])
        .pair(
            V2,
            "create_b",
            "CREATE TABLE b (id INT);\n",
            "DROP TABLE b;\n",
        )
        .rehash();
    pg_exec(
        &db,
        &format!(
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n\
             GRANT USAGE ON SCHEMA public TO {role};\n\
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};"
        ),
    )
    .await;
    cases.push(
        case.url(&with_user(&db, &role, "restricted-pw"))
            .run(&["apply"])
            .says("20260101000002_create_b.up.sql: statement 1 of 1 (line 1) failed")
            .says("permission denied for schema public")
            .says("CREATE TABLE b"),
    );

    let db = fresh().await;
    cases.push(
        valid("postgres: declared schema does not load")
            .file(
                "schema.sql",
                "CREATE TABLE a (id BIGINT PRIMARY KEY);\nCREATE TABLE b (id INTEGR);\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:2: the declared schema does not load")
            .says("integr"),
    );
    let db = fresh().await;
    cases.push(
        valid("postgres: declared schema path does not exist")
            .url(&db)
            .run(&["plan", "--schema", "nope/schema.sql"])
            .says("nope/schema.sql"),
    );
    let db = fresh().await;
    cases.push(
        valid("postgres: diff --from a database that does not exist")
            .file("schema.sql", "CREATE TABLE a (id BIGINT PRIMARY KEY);\n")
            .url(&db)
            .run(&[
                "diff",
                "--from",
                &url_with_database(&db, "no_such_database_xyz"),
                "--to",
                "schema.sql",
            ])
            .says("no_such_database_xyz"),
    );
    let db = fresh().await;
    cases.push(
        Case::new("postgres: diff --from a directory that does not replay")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE a (id INTEGR);\n",
                "DROP TABLE a;\n",
            )
            .rehash()
            .file("schema.sql", "CREATE TABLE a (id BIGINT PRIMARY KEY);\n")
            .url(&db)
            .env("MIGRATOR_DEV_URL", &db)
            .run(&["diff", "--from", "migrations", "--to", "schema.sql"])
            .says(FILE1),
    );
    // Declared objects migrator does not model are refused at their line, never ignored
    // (functions, procedures and triggers are managed: see the convergence suites).
    let unmodelled = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n\n\
        CREATE AGGREGATE my_sum(integer) (sfunc = int4pl, stype = integer);\n\n\
        CREATE RULE users_keep AS ON DELETE TO users\n  DO INSTEAD NOTHING;\n";
    for args in [
        &["plan", "--dry-run"][..],
        &["diff", "--from", "DB", "--to", "schema.sql"],
        &["drift", "--schema", "schema.sql"],
    ] {
        let db = fresh().await;
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "DB" { db.as_str() } else { a })
            .collect();
        cases.push(
            valid(&format!(
                "postgres: {} of a schema declaring an aggregate and a rule",
                args[0]
            ))
            .file("schema.sql", unmodelled)
            .url(&db)
            .run(&args)
            .says("schema.sql:3: declares aggregate public.my_sum(integer)")
            .says("which migrator does not manage yet")
            .says("rule users_keep on public.users (schema.sql:5)"),
        );
    }
    // Statements that leave no trace in the catalog are refused by their first words…
    let privileged = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n\n\
        GRANT SELECT ON users TO no_such_role_xyz;\n\n\
        CREATE STATISTICS users_stats (dependencies) ON id, email FROM users;\n";
    let db = fresh().await;
    cases.push(
        valid("postgres: plan of a schema declaring a GRANT and extended statistics")
            .file("schema.sql", privileged)
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:3: declares grants (a `GRANT SELECT` statement)")
            .says("ignore = [\"grants\"]")
            .says("statistics (schema.sql:5)"),
    );
    // … unless their kinds are ignored in migrator.toml: then they are not loaded (the role
    // does not exist), the aggregate and the rule are passed over, and the plan says so.
    let db = fresh().await;
    cases.push(
        valid("postgres: plan with [schema] ignore passes over the kinds it names")
            .file(
                "schema.sql",
                &format!(
                    "CREATE TABLE a (id BIGINT PRIMARY KEY);\n{privileged}\n{}",
                    &unmodelled[unmodelled.find("CREATE AGGREGATE").unwrap()..]
                ),
            )
            .file(
                "migrator.toml",
                "[schema]\npath = \"schema.sql\"\nignore = [\"grants\", \"statistics\", \"aggregates\", \"rules\"]\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run", "--no-rehearse"])
            .code(0)
            .says("not loaded and not compared: 1 grants, 1 statistics")
            .says("aggregate public.my_sum(integer)")
            .says("rule users_keep on public.users")
            .says("would write"),
    );
    let db = fresh().await;
    cases.push(
        valid("postgres: declared schema with a psql meta-command (a pg_dump file)")
            .file(
                "schema.sql",
                "CREATE TABLE a (id BIGINT PRIMARY KEY);\n\\connect app\nCREATE TABLE b (id INT);\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:2: the declared schema does not load")
            .says("syntax error"),
    );
    let db = fresh().await;
    cases.push(
        valid("postgres: declared schema altering a database")
            .file(
                "schema.sql",
                "CREATE TABLE a (id BIGINT PRIMARY KEY);\nALTER DATABASE app SET search_path = app, public;\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:2: `ALTER DATABASE` in a declared schema"),
    );
    check_all("postgres", cases);
    pg_exec(&server, &format!("DROP OWNED BY {role} CASCADE")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb() {
    if mysql_url().is_none() {
        return;
    }
    let fresh = || -> Fresh {
        Box::pin(async {
            fresh_mysql_db("bad_input")
                .await
                .expect("server configured")
                .url
        })
    };
    let mut cases = common_cases("mariadb", &fresh, "Access denied").await;
    let db = fresh().await;
    cases.push(
        Case::new("mariadb: failing statement leaves a partial run")
            .pair(
                V1,
                "five",
                "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (id INT PRIMARY KEY);\nALTER TABLE missing_table ADD COLUMN x INT;\n",
                "DROP TABLE b;\nDROP TABLE a;\n",
            )
            .rehash()
            .url(&db)
            .run(&["apply"])
            .says("20260101000001_five.up.sql: statement 3 of 3 (line 3) failed")
            .says("missing_table")
            .says("statements 1-2 ran and are recorded"),
    );
    let db = fresh().await;
    cases.push(
        Case::new("mariadb: unterminated backtick, refused before any SQL runs")
            .pair(
                V1,
                "create_a",
                "CREATE TABLE `a (id INT);\n",
                "DROP TABLE a;\n",
            )
            .rehash()
            .url(&db)
            .run(&["apply"])
            .says(&format!("{FILE1}:1"))
            .says("unterminated"),
    );
    // Declared objects migrator does not model are refused at their line, never ignored.
    // (triggers, stored routines, events, sequences and partitioned tables are managed: see
    // the convergence suites; the partitioned table and the event below are not refused).
    let unmodelled = "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100));\n\n\
        CREATE TABLE prices (id int PRIMARY KEY, amount int) WITH SYSTEM VERSIONING;\n\n\
        CREATE TABLE events (at date NOT NULL) PARTITION BY RANGE (year(at)) (PARTITION p0 VALUES LESS THAN MAXVALUE);\n\n\
        CREATE EVENT cleanup ON SCHEDULE EVERY 1 DAY DO DELETE FROM users WHERE id < 0;\n";
    for args in [
        &["plan", "--dry-run"][..],
        &["drift", "--schema", "schema.sql"],
    ] {
        let db = fresh().await;
        cases.push(
            valid(&format!(
                "mariadb: {} of a schema declaring a system-versioned table, a partitioned table and an event",
                args[0]
            ))
            .file("schema.sql", unmodelled)
            .url(&db)
            .run(args)
            .says("which migrator does not manage yet")
            .says("schema.sql:3: declares")
            .says("prices")
            // Partitioned tables and events are managed: neither is refused.
            .hides("partitioned table")
            .hides("more:"),
        );
    }
    // A user with its password: refused at its line, the password never printed.
    let db = fresh().await;
    cases.push(
        valid("mariadb: plan of a schema declaring a user")
            .file(
                "schema.sql",
                "CREATE TABLE users (id bigint PRIMARY KEY);\n\nCREATE USER 'app_xyz'@'%' IDENTIFIED BY 'Decl4red-pw';\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:3: declares roles (a `CREATE USER` statement)")
            .says("ignore = [\"roles\"]")
            .hides("Decl4red-pw"),
    );
    // A mysqldump file switches to its database: loaded as it is, it would create tables there.
    let db = fresh().await;
    cases.push(
        valid("mariadb: declared schema switching databases with USE")
            .file(
                "schema.sql",
                "CREATE TABLE a (id BIGINT PRIMARY KEY);\n\nUSE `bad_input_other`;\nCREATE TABLE b (id INT);\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:3: `USE` in a declared schema")
            .says("remove it"),
    );
    let db = fresh().await;
    cases.push(
        valid("mariadb: declared schema creating a schema (a database on MariaDB)")
            .file(
                "schema.sql",
                "CREATE SCHEMA IF NOT EXISTS bad_input_never_created;\nCREATE TABLE a (id BIGINT PRIMARY KEY);\n",
            )
            .url(&db)
            .run(&["drift", "--schema", "schema.sql"])
            .says("schema.sql:1: `CREATE SCHEMA` in a declared schema"),
    );
    let db = fresh().await;
    cases.push(
        valid("mariadb: declared schema with a syntax error")
            .file(
                "schema.sql",
                "CREATE TABLE a (id BIGINT PRIMARY KEY);\nCREATE TABLE b (id INT,\n  v TEXT\n  w INT);\n",
            )
            .url(&db)
            .run(&["plan", "--dry-run"])
            .says("schema.sql:2: the declared schema does not load")
            .says("error in your SQL syntax"),
    );
    check_all("mariadb", cases);
}

// ------------------------------------------------------------------------------ passwords

/// The password of the login the runs use: distinctive enough that finding it in any output
/// can only be a leak (URL-safe, so it is written the same way encoded or not).
const SECRET: &str = "Sekr1t-Zq8vX-pw";
/// A wrong password for the same login, which must not be printed either.
const WRONG_SECRET: &str = "Wr0ng-Kp3mY-pw";
const V2_FILE: &str = "20260101000002_create_b";

/// One command of a sequence and what it must do besides not printing the password.
struct Step {
    args: Vec<String>,
    /// Accepted exit codes.
    codes: &'static [i32],
    /// Substring the output must contain (shows the scenario really happened).
    says: &'static str,
}

fn step(args: &[&str], codes: &'static [i32], says: &'static str) -> Step {
    Step {
        args: args.iter().map(|a| a.to_string()).collect(),
        codes,
        says,
    }
}

/// Steps run in order on one project and database.
struct Sequence {
    name: String,
    project: TempDir,
    url: String,
    steps: Vec<Step>,
}

/// A project with two migrations and a declared schema matching them; with `fail_midway`,
/// the second migration (no transaction, so it stops half-way on both engines) fails on its
/// second statement.
fn password_project(url: &str, fail_midway: bool) -> TempDir {
    let dir = TempDir::new();
    dir.write(
        &format!("migrations/{V1}_create_a.up.sql"),
        "CREATE TABLE a (id INT PRIMARY KEY);\n",
    );
    dir.write(
        &format!("migrations/{V1}_create_a.down.sql"),
        "DROP TABLE a;\n",
    );
    let v2 = if fail_midway {
        "-- migrator:no-transaction\nCREATE TABLE b (id INT PRIMARY KEY);\nINSERT INTO no_such_table_pw VALUES (1);\n"
    } else {
        "CREATE TABLE b (id INT PRIMARY KEY);\n"
    };
    dir.write(&format!("migrations/{V2_FILE}.up.sql"), v2);
    dir.write(&format!("migrations/{V2_FILE}.down.sql"), "DROP TABLE b;\n");
    dir.write(
        "schema.sql",
        "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (id INT PRIMARY KEY);\n",
    );
    let o = migrator_in(dir.path(), Some(url), &["rehash"], &[]);
    assert!(o.status.success(), "{}", output_text(&o));
    dir
}

/// Every command that takes a URL, against a URL that cannot be used.
fn failing_steps(url: &str, says: &'static str) -> Vec<Step> {
    let e: &'static [i32] = &[1];
    vec![
        step(&["apply"], e, says),
        step(&["apply", "--contract"], e, says),
        step(&["status"], e, says),
        step(&["drift", "--schema", "schema.sql"], e, says),
        step(&["verify"], e, says),
        step(&["diff", "--from", url, "--to", "schema.sql"], e, says),
        step(&["plan", "--dry-run", "--dev-url", url], e, says),
        step(&["rollback"], e, says),
        step(&["baseline", V1], e, says),
        step(&["repair", V2], e, says),
        // lint needs no server: it only reads the dialect from the URL.
        step(&["lint"], &[0, 2], ""),
    ]
}

/// Runs one step with `--format FORMAT` and the most verbose logging; `Err` says what is wrong.
fn run_step(seq: &Sequence, s: &Step, format: &str) -> Result<(), String> {
    let mut args: Vec<&str> = s.args.iter().map(String::as_str).collect();
    args.extend(["--format", format, "-vv"]);
    let o = migrator_in(
        seq.project.path(),
        Some(&seq.url),
        &args,
        &[("MIGRATOR_LOG", "trace"), ("RUST_LOG", "trace")],
    );
    let all = output_text(&o);
    let mut problems = Vec::new();
    for secret in [SECRET, WRONG_SECRET] {
        if all.contains(secret) {
            problems.push(format!("THE PASSWORD {secret} IS IN THE OUTPUT"));
        }
    }
    if all.contains("panicked") {
        problems.push("panicked".into());
    }
    if !o.status.code().is_some_and(|c| s.codes.contains(&c)) {
        problems.push(format!("expected exit {:?}", s.codes));
    }
    if !all.contains(s.says) {
        problems.push(format!("output lacks `{}`", s.says));
    }
    if problems.is_empty() {
        return Ok(());
    }
    // Shown without the password, should it be there.
    let shown = all
        .replace(SECRET, "<SECRET>")
        .replace(WRONG_SECRET, "<WRONG>");
    let shown: String = shown.chars().take(3000).collect();
    Err(format!(
        "{} [{format}] `migrator {}`: {}\n{shown}",
        seq.name,
        args.join(" ")
            .replace(SECRET, "<SECRET>")
            .replace(WRONG_SECRET, "<WRONG>"),
        problems.join("; ")
    ))
}

/// Runs every sequence (in parallel, each in order) and fails listing every bad step.
fn run_sequences(group: &str, sequences: Vec<Sequence>) {
    let runs: usize = sequences.iter().map(|s| s.steps.len()).sum();
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(seq) = sequences.get(i) else { break };
                let format = if seq.name.ends_with("json") {
                    "json"
                } else {
                    "text"
                };
                for s in &seq.steps {
                    if let Err(e) = run_step(seq, s, format) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "{group}: {} runs, {} without a problem",
        runs,
        runs - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{group}: {} of {runs} runs went wrong:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The sequences of one engine: success paths, a migration failing half-way, and every kind
/// of unusable URL — each in both output formats. `url()` yields a fresh database's URL with
/// the SECRET login; `tls_fail` is a query string whose TLS check the server fails.
async fn password_sequences(
    engine: &str,
    fresh: &dyn Fn() -> Fresh,
    plan_codes: &'static [i32],
    tls_fail: &str,
) -> Vec<Sequence> {
    let mut out = Vec::new();
    for format in ["text", "json"] {
        let url = fresh().await;
        out.push(Sequence {
            name: format!("{engine}: success, {format}"),
            project: password_project(&url, false),
            steps: vec![
                step(&["status"], &[0], "pending"),
                step(&["verify"], &[0], ""),
                step(&["apply"], &[0], V2_FILE),
                step(&["status"], &[0], "applied"),
                step(&["drift", "--schema", "schema.sql"], &[0], ""),
                step(&["diff", "--from", &url, "--to", "schema.sql"], &[0], ""),
                step(&["plan", "--dry-run", "--dev-url", &url], plan_codes, ""),
                step(&["rollback"], &[0], V2_FILE),
                step(&["lint"], &[0], ""),
            ],
            url,
        });
        let url = fresh().await;
        out.push(Sequence {
            name: format!("{engine}: baseline, {format}"),
            project: password_project(&url, false),
            steps: vec![step(&["baseline", V1], &[0], V1)],
            url,
        });
        let url = fresh().await;
        out.push(Sequence {
            name: format!("{engine}: server error mid-run, {format}"),
            project: password_project(&url, true),
            steps: vec![
                step(&["apply"], &[1], "no_such_table_pw"),
                step(&["status"], &[2], "partial"),
                step(&["drift", "--schema", "schema.sql"], &[2], "partial"),
                step(&["verify"], &[0, 2], ""),
                step(&["repair", V2], &[0], V2),
                step(&["rollback"], &[0], V1),
            ],
            url,
        });
        let good = fresh().await;
        let bad_urls = [
            (
                "wrong password",
                with_password(&good, WRONG_SECRET),
                "cannot connect",
            ),
            (
                "unreachable server",
                with_host(&good, "127.0.0.1:1"),
                "cannot connect",
            ),
            (
                "database does not exist",
                url_with_database(&good, "no_such_database_pw"),
                "no_such_database_pw",
            ),
            (
                "TLS check fails",
                with_params(&good, tls_fail),
                "cannot connect",
            ),
        ];
        for (what, url, says) in bad_urls {
            out.push(Sequence {
                name: format!("{engine}: {what}, {format}"),
                project: password_project(&url, false),
                steps: failing_steps(&url, says),
                url,
            });
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_password_never_printed() {
    let Some(server) = pg_url() else { return };
    let role = unique_name("pw_leak");
    pg_exec(
        &server,
        &format!("CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{SECRET}'"),
    )
    .await;
    let fresh = || -> Fresh {
        let role = role.clone();
        Box::pin(async move {
            let db = fresh_pg_db("pw_leak").await.expect("server configured");
            with_user(&db.url, &role, SECRET)
        })
    };
    let sequences = password_sequences("postgres", &fresh, &[0], "sslmode=verify-full").await;
    run_sequences("postgres passwords", sequences);
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_password_never_printed() {
    let Some(server) = mysql_url() else { return };
    let user = unique_name("pw_leak");
    mysql_create_login(&server, &user, SECRET, "").await;
    let fresh = || -> Fresh {
        let user = user.clone();
        Box::pin(async move {
            let db = fresh_mysql_db("pw_leak").await.expect("server configured");
            with_user(&db.url, &user, SECRET)
        })
    };
    // `plan` is not implemented for MySQL yet (exit 1); once it is, this becomes &[0].
    let sequences =
        password_sequences("mariadb", &fresh, &[0, 1], "ssl-mode=VERIFY_IDENTITY").await;
    run_sequences("mariadb passwords", sequences);
}
