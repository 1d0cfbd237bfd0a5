//! Verify: can the migrations directory be trusted (`migrator verify`)?
//!
//! Checks the directory against `migrator.sum` (files edited, added or removed by hand, a sum
//! file edited, missing or left with merge conflicts) and, when a database is given, the applied
//! migrations against its history: applied files edited since they ran, history rows whose files
//! are gone, pending files older than the newest applied one. Any finding fails verification
//! (exit 2 in the CLI). Unlike [`crate::drift`] it never compares schemas, so it needs no scratch
//! database, and without a database no server at all.

use crate::migrations::dir::IntegrityProblem;
use crate::runner::{Entry, State, StatusReport};
use crate::{DatabaseUrl, MigrationSet, Migrator, Result};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::fmt;
use std::path::{Path, PathBuf};

/// One reason the directory cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `integrity` (the directory against `migrator.sum`), or, from the history, `edited`,
    /// `missing-file` or `out-of-order`.
    pub kind: &'static str,
    /// The file it is about, relative to the directory (`migrator.sum` for the sum file itself).
    pub file: String,
    pub message: String,
}

impl Finding {
    fn integrity(p: &IntegrityProblem) -> Finding {
        Finding {
            kind: "integrity",
            file: p.file.clone(),
            message: p.message.clone(),
        }
    }

    /// The finding for a migration in `status`, when its state is one verify fails on.
    fn history(e: &Entry) -> Option<Finding> {
        let kind = match e.state {
            State::Edited => "edited",
            State::MissingFile => "missing-file",
            State::OutOfOrder => "out-of-order",
            _ => return None,
        };
        Some(Finding {
            kind,
            file: e
                .file
                .clone()
                .unwrap_or_else(|| format!("{}_{}.up.sql", e.version, e.name)),
            message: e.state.as_str().to_string(),
        })
    }
}

/// `file: message`, one line of `migrator verify`.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// What `migrator verify` found. Displays as the CLI's text output; serializes as its JSON,
/// `{"ok": bool, "problems": ["file: message", …]}`.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The migrations directory, as given.
    pub dir: PathBuf,
    /// How many migrations it holds.
    pub migrations: usize,
    /// The database whose history was checked (password redacted), when one was given.
    pub database: Option<String>,
    /// Directory problems first, then history problems oldest first.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Builds the report from a loaded directory and, when a database was checked, its status.
    /// Needs no server.
    pub fn new(dir: &Path, set: &MigrationSet, status: Option<&StatusReport>) -> VerifyReport {
        let mut findings: Vec<Finding> = set.integrity.iter().map(Finding::integrity).collect();
        if let Some(status) = status {
            findings.extend(status.migrations.iter().filter_map(Finding::history));
        }
        VerifyReport {
            dir: dir.to_path_buf(),
            migrations: set.migrations.len(),
            database: status.map(|s| s.database.clone()),
            findings,
        }
    }

    /// No finding: the directory matches `migrator.sum` (and the applied files are unchanged).
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The CLI's exit code: 0 clean, 2 with any finding.
    pub fn exit_code(&self) -> u8 {
        if self.is_clean() {
            0
        } else {
            2
        }
    }

    /// The findings as `file: message` lines.
    pub fn problems(&self) -> Vec<String> {
        self.findings.iter().map(Finding::to_string).collect()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return writeln!(
                f,
                "{}: {} migration(s), migrator.sum matches{}",
                self.dir.display(),
                self.migrations,
                if self.database.is_some() {
                    ", applied files unchanged"
                } else {
                    ""
                }
            );
        }
        for x in &self.findings {
            writeln!(f, "{x}")?;
        }
        Ok(())
    }
}

impl Serialize for VerifyReport {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("VerifyReport", 2)?;
        out.serialize_field("ok", &self.is_clean())?;
        out.serialize_field("problems", &self.problems())?;
        out.end()
    }
}

/// Verifies the migrations in `dir` and, with `url`, the applied ones against its history
/// (read without taking the runner lock).
pub async fn verify(dir: &Path, url: Option<&DatabaseUrl>) -> Result<VerifyReport> {
    verify_set(dir, MigrationSet::load_dir(dir)?, url).await
}

/// [`verify`] for a directory already loaded from `dir`.
pub async fn verify_set(
    dir: &Path,
    set: MigrationSet,
    url: Option<&DatabaseUrl>,
) -> Result<VerifyReport> {
    let migrator = Migrator::new(set);
    let status = match url {
        Some(url) => Some(migrator.status(url).await?),
        None => None,
    };
    Ok(VerifyReport::new(dir, &migrator.set, status.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::{new_migration, rehash, Phase, Version};

    /// A fresh directory with two migrations and a matching `migrator.sum`.
    fn project(test: &str) -> (PathBuf, PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("migrator-verify-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (up1, _) = new_migration(&dir, "first").unwrap();
        std::fs::write(&up1, "CREATE TABLE a (id INT);\n").unwrap();
        rehash(&dir).unwrap();
        new_migration(&dir, "second").unwrap();
        (dir, up1)
    }

    fn json(r: &VerifyReport) -> String {
        serde_json::to_string(r).unwrap()
    }

    #[tokio::test]
    async fn an_intact_directory_is_clean_without_a_database() {
        let (dir, _) = project("clean");
        let r = verify(&dir, None).await.unwrap();
        assert!(r.is_clean(), "{r}");
        assert_eq!(r.exit_code(), 0);
        assert_eq!(r.migrations, 2);
        assert_eq!(
            r.to_string(),
            format!("{}: 2 migration(s), migrator.sum matches\n", dir.display())
        );
        assert_eq!(json(&r), r#"{"ok":true,"problems":[]}"#);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_file_edited_after_rehash_is_found_without_a_database() {
        let (dir, up1) = project("edited");
        std::fs::write(&up1, "CREATE TABLE a (id BIGINT);\n").unwrap();
        let r = verify(&dir, None).await.unwrap();
        assert_eq!(r.exit_code(), 2);
        let name = up1.file_name().unwrap().to_str().unwrap();
        assert_eq!(r.findings.len(), 1, "{r}");
        assert_eq!(r.findings[0].kind, "integrity");
        assert_eq!(r.findings[0].file, name);
        let text = r.to_string();
        assert!(
            text.starts_with(&format!("{name}: changed since")),
            "{text}"
        );
        assert!(text.contains("migrator rehash"), "{text}");
        let v: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["problems"][0], text.trim_end());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_tampered_or_missing_sum_file_is_found() {
        let (dir, _) = project("sum");
        let sum = dir.join("migrator.sum");
        let text = std::fs::read_to_string(&sum).unwrap();
        let tampered: String = text
            .lines()
            .map(|l| match l.split_once(".up.sql sha256:") {
                Some((name, _)) => format!("{name}.up.sql sha256:{}\n", "0".repeat(64)),
                None => format!("{l}\n"),
            })
            .collect();
        std::fs::write(&sum, tampered).unwrap();
        let r = verify(&dir, None).await.unwrap();
        assert_eq!(r.exit_code(), 2);
        assert!(r.to_string().starts_with("migrator.sum: line 1: "), "{r}");
        assert!(r.to_string().contains("edited by hand"), "{r}");

        std::fs::remove_file(&sum).unwrap();
        let r = verify(&dir, None).await.unwrap();
        assert_eq!(
            r.problems(),
            ["migrator.sum: missing; run `migrator rehash` to create it, and commit it with the migrations"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn history_problems_are_named_by_file() {
        let (dir, _) = project("history");
        let set = MigrationSet::load_dir(&dir).unwrap();
        let entry = |v: u64, name: &str, state: State, file: bool| Entry {
            version: Version(v),
            name: name.into(),
            phase: Phase::Expand,
            state,
            file: file.then(|| format!("{v}_{name}.up.sql")),
            history: None,
        };
        let status = StatusReport {
            database: "postgres://app:***@db:5432/app".into(),
            migrations: vec![
                entry(1, "a", State::Applied, true),
                entry(2, "b", State::Edited, true),
                entry(3, "c", State::MissingFile, false),
                entry(4, "d", State::OutOfOrder, true),
                entry(5, "e", State::Pending, true),
                entry(6, "f", State::Failed, true),
            ],
            integrity: Vec::new(),
        };
        let r = VerifyReport::new(&dir, &set, Some(&status));
        assert_eq!(
            r.findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
            ["edited", "missing-file", "out-of-order"]
        );
        assert_eq!(
            r.to_string(),
            "2_b.up.sql: edited after apply\n3_c.up.sql: file missing\n4_d.up.sql: out of order\n"
        );
        assert_eq!(r.exit_code(), 2);

        let status = StatusReport {
            migrations: vec![entry(1, "a", State::Applied, true)],
            ..status
        };
        let r = VerifyReport::new(&dir, &set, Some(&status));
        assert_eq!(
            r.to_string(),
            format!(
                "{}: 2 migration(s), migrator.sum matches, applied files unchanged\n",
                dir.display()
            )
        );
        assert_eq!(
            r.database.as_deref(),
            Some("postgres://app:***@db:5432/app")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
