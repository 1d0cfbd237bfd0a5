//! Loading a migrations directory (or the same files embedded at compile time) into a
//! [`MigrationSet`], and the two commands that write to it: `new` and `rehash`.

use super::directive::{self, Directives, Phase};
use super::split::{self, Statement};
use super::sum::{SumFile, SUM_FILE};
use super::{normalize, Checksum, Version};
use crate::{Dialect, Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One `.up.sql` or `.down.sql` file, normalized.
#[derive(Debug, Clone)]
pub struct SqlFile {
    /// File name without directory, e.g. `20261123120000_add_users.up.sql`.
    pub name: String,
    /// Normalized text (UTF-8, no BOM, LF line ends).
    pub text: String,
    pub checksum: Checksum,
    pub directives: Directives,
}

impl SqlFile {
    fn new(name: &str, bytes: &[u8]) -> Result<SqlFile> {
        let text = normalize(name, bytes)?;
        let directives = directive::parse(name, &text)?;
        Ok(SqlFile {
            name: name.to_string(),
            checksum: Checksum::of(text.as_bytes()),
            text,
            directives,
        })
    }

    /// The statements of the file for `dialect`.
    pub fn statements(&self, dialect: Dialect) -> Result<Vec<Statement>> {
        split::split(&self.name, &self.text, dialect)
    }

    /// Whether the file holds nothing to run: only blank lines and `--` comments (directives
    /// included). A down file marked `-- migrator:irreversible` is not empty: it says something.
    pub fn is_empty(&self) -> bool {
        !self.directives.irreversible
            && self
                .text
                .lines()
                .map(str::trim)
                .all(|l| l.is_empty() || l.starts_with("--"))
    }

    /// Whether the file runs in one transaction: not when it says `no-transaction`, nor when a
    /// statement uses `CONCURRENTLY` (Postgres refuses it inside a transaction block).
    pub fn transactional(&self, dialect: Dialect, statements: &[Statement]) -> bool {
        !self.directives.no_transaction
            && !statements
                .iter()
                .any(|s| split::has_keyword(&s.sql, dialect, "CONCURRENTLY"))
    }
}

/// A version with its up and down files.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: Version,
    /// The name part of the file names (`add_users`).
    pub name: String,
    pub up: SqlFile,
    pub down: SqlFile,
}

impl Migration {
    pub fn phase(&self) -> Phase {
        self.up.directives.phase()
    }

    /// `<version>_<name>`, the stem shared by both files.
    pub fn stem(&self) -> String {
        format!("{}_{}", self.version, self.name)
    }
}

/// A problem between the files and `migrator.sum`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrityProblem {
    pub file: String,
    pub message: String,
}

impl From<&IntegrityProblem> for Error {
    fn from(p: &IntegrityProblem) -> Error {
        Error::Integrity {
            file: p.file.clone(),
            message: p.message.clone(),
        }
    }
}

/// Every migration of a directory, ordered by version, with the integrity check result.
#[derive(Debug, Clone)]
pub struct MigrationSet {
    pub migrations: Vec<Migration>,
    /// The directory path, or `embedded`.
    pub origin: String,
    /// Differences with `migrator.sum`; empty when the directory is intact.
    pub integrity: Vec<IntegrityProblem>,
}

/// Migration files compiled into a binary by `embed_migrations!`.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigrations {
    /// `(file name, bytes)` of every `.sql` file and of `migrator.sum`.
    pub files: &'static [(&'static str, &'static [u8])],
}

impl MigrationSet {
    /// Reads `dir`. A missing directory is an empty set (a project with no migrations yet).
    pub fn load_dir(dir: &Path) -> Result<MigrationSet> {
        let mut files = Vec::new();
        if dir.exists() {
            let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(dir, e))?;
                let path = entry.path();
                if !path.is_file() {
                    continue;
                }
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    return Err(Error::Directory {
                        file: path.display().to_string(),
                        message: "file name is not valid UTF-8; rename it".into(),
                    });
                };
                if name.ends_with(".sql") || name == SUM_FILE {
                    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                    files.push((name.to_string(), bytes));
                }
            }
        }
        Self::from_files(dir.display().to_string(), files)
    }

    pub fn from_embedded(embedded: &EmbeddedMigrations) -> Result<MigrationSet> {
        let files = embedded
            .files
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        Self::from_files("embedded".into(), files)
    }

    /// Builds a set from `(file name, bytes)` pairs; `migrator.sum` among them is checked.
    pub fn from_files(origin: String, files: Vec<(String, Vec<u8>)>) -> Result<MigrationSet> {
        let mut sum_text = None;
        let mut ups: BTreeMap<Version, SqlFile> = BTreeMap::new();
        let mut downs: BTreeMap<Version, SqlFile> = BTreeMap::new();
        let mut names: BTreeMap<Version, String> = BTreeMap::new();
        for (file, bytes) in files {
            if file == SUM_FILE {
                sum_text = Some(normalize(SUM_FILE, &bytes)?);
                continue;
            }
            let (version, name, is_up) = parse_file_name(&file)?;
            if let Some(other) = names.get(&version) {
                if other != &name {
                    return Err(Error::Directory {
                        file,
                        message: format!(
                            "version {version} is used twice ({version}_{other} and {version}_{name}); give one of them a new version (e.g. with `migrator new`)"
                        ),
                    });
                }
            }
            names.insert(version, name);
            let sql = SqlFile::new(&file, &bytes)?;
            if is_up {
                ups.insert(version, sql);
            } else {
                downs.insert(version, sql);
            }
        }
        let mut migrations = Vec::new();
        for (version, name) in names {
            let stem = format!("{version}_{name}");
            let up = ups.remove(&version).ok_or_else(|| Error::Directory {
                file: format!("{stem}.down.sql"),
                message: format!("has no {stem}.up.sql; add it or remove the down file"),
            })?;
            let down = downs.remove(&version).ok_or_else(|| Error::Directory {
                file: format!("{stem}.up.sql"),
                message: format!(
                    "has no {stem}.down.sql; write one (a file holding only `-- migrator:irreversible` if the change cannot be undone)"
                ),
            })?;
            migrations.push(Migration {
                version,
                name,
                up,
                down,
            });
        }
        let actual = sum_of(&migrations);
        let integrity = match sum_text {
            None if migrations.is_empty() => Vec::new(),
            None => vec![IntegrityProblem {
                file: SUM_FILE.into(),
                message:
                    "missing; run `migrator rehash` to create it, and commit it with the migrations"
                        .into(),
            }],
            Some(text) => match SumFile::parse(&text) {
                Err(e) => vec![IntegrityProblem {
                    file: SUM_FILE.into(),
                    message: match e {
                        Error::Syntax { line, message, .. } => format!("line {line}: {message}"),
                        other => other.to_string(),
                    },
                }],
                Ok(recorded) => recorded
                    .compare(&actual)
                    .into_iter()
                    .map(|p| IntegrityProblem {
                        file: p.file().to_string(),
                        message: p.message().to_string(),
                    })
                    .collect(),
            },
        };
        Ok(MigrationSet {
            migrations,
            origin,
            integrity,
        })
    }

    /// Fails with the first integrity problem (all of them are listed in the message).
    pub fn check_integrity(&self) -> Result<()> {
        match self.integrity.as_slice() {
            [] => Ok(()),
            [one] => Err(one.into()),
            [first, rest @ ..] => Err(Error::Integrity {
                file: first.file.clone(),
                message: format!(
                    "{}\n{}",
                    first.message,
                    rest.iter()
                        .map(|p| format!("{}: {}", p.file, p.message))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }),
        }
    }

    /// The files that hold no SQL ([`SqlFile::is_empty`]), with a warning each: an empty up
    /// file is recorded as applied without doing anything, an empty down file undoes nothing.
    pub fn empty_file_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.migrations {
            if m.up.is_empty() {
                out.push(format!(
                    "{}: empty (no SQL statement); applying it only records it as applied. Write the change, or delete the pair and run `migrator rehash`",
                    m.up.name
                ));
            }
            if m.down.is_empty() {
                out.push(format!(
                    "{}: empty (no SQL statement); rolling back {} would undo nothing. Write the undo, or mark it `-- migrator:irreversible`",
                    m.down.name,
                    m.stem()
                ));
            }
        }
        out
    }

    pub fn get(&self, version: Version) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.version == version)
    }

    pub fn last_version(&self) -> Option<Version> {
        self.migrations.last().map(|m| m.version)
    }
}

fn sum_of(migrations: &[Migration]) -> SumFile {
    SumFile::from_files(
        migrations
            .iter()
            .flat_map(|m| [&m.up, &m.down])
            .map(|f| (f.name.clone(), f.checksum)),
    )
}

/// `<version>_<name>.up.sql` → (version, name, is_up).
fn parse_file_name(file: &str) -> Result<(Version, String, bool)> {
    let bad = |why: &str| {
        Error::Directory {
        file: file.to_string(),
        message: format!(
            "{why}; migration files are named <version>_<name>.up.sql and <version>_<name>.down.sql (create them with `migrator new NAME`)"
        ),
    }
    };
    let (stem, is_up) = if let Some(s) = file.strip_suffix(".up.sql") {
        (s, true)
    } else if let Some(s) = file.strip_suffix(".down.sql") {
        (s, false)
    } else {
        return Err(bad("not a migration file name"));
    };
    let (version, name) = stem
        .split_once('_')
        .ok_or_else(|| bad("no `_` between version and name"))?;
    let version_text = version;
    let version: Version = version.parse().map_err(|m: String| bad(&m))?;
    check_timestamp(version_text).map_err(|message| Error::Directory {
        file: file.to_string(),
        message,
    })?;
    validate_name(name).map_err(|m| bad(&m))?;
    Ok((version, name.to_string(), is_up))
}

/// A 14-digit version is a UTC timestamp `YYYYMMDDHHMMSS` (what `migrator new` and `migrator
/// plan` write), and its date and hour must be real: `20261399000000` (month 13) is a typo that
/// sorts the file among the wrong migrations (`new` and `plan` count whole seconds, so
/// several files written within one second never pass :59). Shorter or longer versions are hand
/// numbering (`1`, `2`, …), accepted as they are.
fn check_timestamp(version: &str) -> Result<(), String> {
    if version.len() != 14
        || !version.bytes().all(|b| b.is_ascii_digit())
        || Version::is_valid_timestamp(version)
    {
        return Ok(());
    }
    Err(format!(
        "version {version} is not a valid UTC timestamp YYYYMMDDHHMMSS (year {}, month {}, day {}, time {}:{}:{}); fix it in both file names, then run `migrator rehash`",
        &version[0..4],
        &version[4..6],
        &version[6..8],
        &version[8..10],
        &version[10..12],
        &version[12..14],
    ))
}

/// The name part of a migration's file names: letters, digits, `_` and `-`, not empty.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "name `{name}` must be non-empty and use only letters, digits, `_` and `-`"
        ));
    }
    Ok(())
}

/// Creates an empty up/down pair with the next version (UTC now, or one past the last version if
/// that is later) and updates `migrator.sum`. Refuses when the directory is not intact, so that
/// `new` never blesses a hand edit.
pub fn new_migration(dir: &Path, name: &str) -> Result<(PathBuf, PathBuf)> {
    validate_name(name).map_err(|message| Error::Directory {
        file: name.to_string(),
        message,
    })?;
    let set = MigrationSet::load_dir(dir)?;
    set.check_integrity()?;
    let version = Version::next_after(set.last_version());
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let up = dir.join(format!("{version}_{name}.up.sql"));
    let down = dir.join(format!("{version}_{name}.down.sql"));
    write(&up, &format!("-- {name}: the change. Directives (optional, at the top): -- migrator:phase expand|backfill|contract, -- migrator:no-transaction\n"))?;
    write(&down, &format!("-- {name}: undo the change. Write -- migrator:irreversible at the top if it cannot be undone.\n"))?;
    rehash(dir)?;
    Ok((up, down))
}

/// Rewrites `migrator.sum` from the files on disk (after a deliberate hand edit).
pub fn rehash(dir: &Path) -> Result<PathBuf> {
    let set = MigrationSet::load_dir(dir)?;
    let path = dir.join(SUM_FILE);
    write(&path, &sum_of(&set.migrations).render())?;
    Ok(path)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn pairs_files_and_orders_by_version() {
        let mut f = files(&[
            ("2_b.up.sql", "-- migrator:phase contract\nSELECT 2;"),
            ("2_b.down.sql", "SELECT 0;"),
            ("1_a.up.sql", "SELECT 1;"),
            ("1_a.down.sql", ""),
        ]);
        let set = MigrationSet::from_files("t".into(), f.clone()).unwrap();
        assert_eq!(set.migrations.len(), 2);
        assert_eq!(set.migrations[0].stem(), "1_a");
        assert_eq!(set.migrations[1].phase(), Phase::Contract);
        assert_eq!(set.integrity[0].file, SUM_FILE);
        f.push((
            SUM_FILE.into(),
            sum_of(&set.migrations).render().into_bytes(),
        ));
        let set = MigrationSet::from_files("t".into(), f).unwrap();
        assert!(set.integrity.is_empty(), "{:?}", set.integrity);
    }

    #[test]
    fn malformed_directories_are_refused_with_the_file_named() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: &[Case] = &[
            (&[("1_a.up.sql", "")], "1_a.up.sql", "has no 1_a.down.sql"),
            (&[("1_a.down.sql", "")], "1_a.down.sql", "has no 1_a.up.sql"),
            (&[("x_a.up.sql", "")], "x_a.up.sql", "not a version"),
            (
                &[("20261399000000_a.up.sql", "")],
                "20261399000000_a.up.sql",
                "not a valid UTC timestamp",
            ),
            (
                &[("20260230120000_a.up.sql", "")],
                "20260230120000_a.up.sql",
                "day 30",
            ),
            (
                &[("20261203125960_a.up.sql", "")],
                "20261203125960_a.up.sql",
                "time 12:59:60",
            ),
            (&[("1.up.sql", "")], "1.up.sql", "no `_`"),
            (&[("1_a b.up.sql", "")], "1_a b.up.sql", "letters, digits"),
            (
                &[("notes.sql", "")],
                "notes.sql",
                "not a migration file name",
            ),
            (
                &[("1_a.up.sql", ""), ("1_a.down.sql", ""), ("1_b.up.sql", "")],
                "1_b.up.sql",
                "used twice",
            ),
        ];
        for (list, file, needle) in cases {
            let e = MigrationSet::from_files("t".into(), files(list)).unwrap_err();
            let msg = e.to_string();
            assert!(msg.starts_with(&format!("{file}: ")), "{msg}");
            assert!(msg.contains(needle), "{msg} should contain {needle}");
        }
    }

    #[test]
    fn empty_files_are_warned_about_but_irreversible_downs_are_not() {
        let set = MigrationSet::from_files(
            "t".into(),
            files(&[
                ("20260101000001_a.up.sql", "-- just a comment\n\n"),
                ("20260101000001_a.down.sql", "DROP TABLE a;"),
                ("20260101000002_b.up.sql", "CREATE TABLE b (id int);"),
                ("20260101000002_b.down.sql", "-- migrator:irreversible\n"),
                ("20260101000003_c.up.sql", "CREATE TABLE c (id int);"),
                ("20260101000003_c.down.sql", ""),
            ]),
        )
        .unwrap();
        let w = set.empty_file_warnings();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("20260101000001_a.up.sql: empty"), "{w:?}");
        assert!(
            w[1].starts_with("20260101000003_c.down.sql: empty"),
            "{w:?}"
        );
    }

    #[test]
    fn new_and_rehash_keep_the_sum_current() {
        let dir = std::env::temp_dir().join(format!("migrator-dir-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (up1, _) = new_migration(&dir, "first").unwrap();
        let (up2, _) = new_migration(&dir, "second").unwrap();
        assert!(up1 < up2, "versions increase");
        let set = MigrationSet::load_dir(&dir).unwrap();
        assert_eq!(set.migrations.len(), 2);
        set.check_integrity().unwrap();
        std::fs::write(&up1, "CREATE TABLE t (id int);").unwrap();
        let set = MigrationSet::load_dir(&dir).unwrap();
        let e = set.check_integrity().unwrap_err().to_string();
        assert!(e.contains("first.up.sql") && e.contains("changed"), "{e}");
        assert!(
            new_migration(&dir, "third").is_err(),
            "new refuses an edited dir"
        );
        rehash(&dir).unwrap();
        MigrationSet::load_dir(&dir)
            .unwrap()
            .check_integrity()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
