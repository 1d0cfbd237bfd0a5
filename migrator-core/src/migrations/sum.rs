//! `migrator.sum`: the integrity file of a migrations directory.
//!
//! ```text
//! sha256:<hash over every line below, each ending in \n>
//! 20261123120000_create_users.down.sql sha256:<hex>
//! 20261123120000_create_users.up.sql sha256:<hex>
//! ```
//!
//! File checksums are over normalized bytes (see [`super::normalize`]). The first line detects an
//! edited or merge-conflicted sum file; the per-file lines detect edited, added or removed files.

use super::Checksum;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fmt;

pub const SUM_FILE: &str = "migrator.sum";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SumFile {
    /// File name → checksum, sorted by name.
    pub entries: BTreeMap<String, Checksum>,
}

/// One difference between `migrator.sum` and the files on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumProblem {
    Changed(String),
    Added(String),
    Missing(String),
}

impl SumProblem {
    pub fn file(&self) -> &str {
        match self {
            SumProblem::Changed(f) | SumProblem::Added(f) | SumProblem::Missing(f) => f,
        }
    }
}

impl SumProblem {
    /// What is wrong and what to do, without the file name.
    pub fn message(&self) -> &'static str {
        match self {
            SumProblem::Changed(_) => "changed since migrator.sum was written; if the edit is intended and the file was never applied anywhere, run `migrator rehash`",
            SumProblem::Added(_) => "not in migrator.sum (added or renamed by hand?); create migrations with `migrator new`, or run `migrator rehash` after checking it",
            SumProblem::Missing(_) => "listed in migrator.sum but missing from the directory; restore it, or run `migrator rehash` if it was removed on purpose",
        }
    }
}

impl fmt::Display for SumProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file(), self.message())
    }
}

impl SumFile {
    pub fn from_files<I: IntoIterator<Item = (String, Checksum)>>(files: I) -> SumFile {
        SumFile {
            entries: files.into_iter().collect(),
        }
    }

    fn body(&self) -> String {
        let mut body = String::new();
        for (name, sum) in &self.entries {
            body.push_str(name);
            body.push(' ');
            body.push_str(&sum.to_string());
            body.push('\n');
        }
        body
    }

    /// The file's text: the total line, then one line per file.
    pub fn render(&self) -> String {
        let body = self.body();
        format!("{}\n{body}", Checksum::of(body.as_bytes()))
    }

    /// Parses and checks the total line. Errors name `migrator.sum` and the line.
    pub fn parse(text: &str) -> Result<SumFile> {
        let err = |line: usize, message: String| Error::Syntax {
            file: SUM_FILE.to_string(),
            line,
            message,
        };
        let text = text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .replace("\r\n", "\n");
        for (i, line) in text.lines().enumerate() {
            if ["<<<<<<<", "=======", ">>>>>>>", "|||||||"]
                .iter()
                .any(|m| line.starts_with(m))
            {
                return Err(err(
                    i + 1,
                    "merge conflict markers; resolve the conflict in the migration files (give clashing versions new numbers), then run `migrator rehash`".into(),
                ));
            }
        }
        let mut lines = text.lines().enumerate();
        let total: Checksum = match lines.next() {
            Some((_, l)) => l.trim().parse().map_err(|m: String| {
                err(1, format!("first line must be the total checksum: {m}"))
            })?,
            None => return Err(err(1, "empty file; run `migrator rehash`".into())),
        };
        let mut entries = BTreeMap::new();
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let (name, sum) = line.rsplit_once(' ').ok_or_else(|| {
                err(
                    i + 1,
                    format!("expected `<file> sha256:<hex>`, found `{line}`"),
                )
            })?;
            let sum: Checksum = sum.parse().map_err(|m| err(i + 1, m))?;
            if entries.insert(name.to_string(), sum).is_some() {
                return Err(err(i + 1, format!("{name} is listed twice")));
            }
        }
        let sum = SumFile { entries };
        if Checksum::of(sum.body().as_bytes()) != total {
            return Err(err(
                1,
                "the total checksum does not match the lines below it: migrator.sum was edited by hand; restore it from version control, or run `migrator rehash` after checking every file".into(),
            ));
        }
        Ok(sum)
    }

    /// What differs between this (recorded) sum and `actual` (computed from the files).
    pub fn compare(&self, actual: &SumFile) -> Vec<SumProblem> {
        let mut problems = Vec::new();
        for (name, sum) in &actual.entries {
            match self.entries.get(name) {
                None => problems.push(SumProblem::Added(name.clone())),
                Some(s) if s != sum => problems.push(SumProblem::Changed(name.clone())),
                _ => {}
            }
        }
        for name in self.entries.keys() {
            if !actual.entries.contains_key(name) {
                problems.push(SumProblem::Missing(name.clone()));
            }
        }
        problems.sort_by(|a, b| a.file().cmp(b.file()));
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SumFile {
        SumFile::from_files([
            ("1_a.up.sql".to_string(), Checksum::of(b"a")),
            ("1_a.down.sql".to_string(), Checksum::of(b"b")),
        ])
    }

    #[test]
    fn render_parse_round_trip() {
        let s = sample();
        let text = s.render();
        assert!(text
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("1_a.down.sql sha256:"));
        assert_eq!(SumFile::parse(&text).unwrap(), s);
        assert_eq!(SumFile::parse(&text.replace('\n', "\r\n")).unwrap(), s);
    }

    #[test]
    fn tampering_is_detected() {
        let text = sample().render();
        // One hex digit of one entry changed: the total line no longer matches.
        let entry = text.lines().nth(2).unwrap();
        let last = entry.chars().last().unwrap();
        let flipped = if last == '0' { '1' } else { '0' };
        let tampered = text.replace(entry, &format!("{}{flipped}", &entry[..entry.len() - 1]));
        let e = SumFile::parse(&tampered).unwrap_err().to_string();
        assert!(e.starts_with("migrator.sum:1:"), "{e}");
        assert!(e.contains("edited by hand"), "{e}");
        let reordered: String = {
            let mut l: Vec<&str> = text.lines().collect();
            l.swap(1, 2);
            l.join("\n")
        };
        // Same entries in another order is still the same content after sorting, but the total
        // line covers the canonical order, so a hand-reordered file is accepted (sorted on parse)
        // only when the content is unchanged.
        assert_eq!(SumFile::parse(&reordered).unwrap(), sample());
        let conflict = format!("{text}<<<<<<< HEAD\n");
        assert!(SumFile::parse(&conflict)
            .unwrap_err()
            .to_string()
            .contains("merge conflict"));
        assert!(SumFile::parse("").is_err());
        assert!(SumFile::parse("garbage\n").is_err());
    }

    #[test]
    fn compare_names_each_file() {
        let recorded = sample();
        let mut actual = sample();
        actual
            .entries
            .insert("1_a.up.sql".into(), Checksum::of(b"edited"));
        actual.entries.remove("1_a.down.sql");
        actual
            .entries
            .insert("2_b.up.sql".into(), Checksum::of(b"x"));
        assert_eq!(
            recorded.compare(&actual),
            vec![
                SumProblem::Missing("1_a.down.sql".into()),
                SumProblem::Changed("1_a.up.sql".into()),
                SumProblem::Added("2_b.up.sql".into()),
            ]
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn file_name() -> impl Strategy<Value = String> {
            prop_oneof![
                "[0-9]{1,14}_[a-z_]{1,20}\\.(up|down)\\.sql",
                // Anything on one line, spaces included (the checksum is split off the right).
                "[^\n\r<=>|][^\n\r]{0,30}",
            ]
        }

        fn sum_file() -> impl Strategy<Value = SumFile> {
            proptest::collection::btree_map(file_name(), any::<Vec<u8>>(), 0..8).prop_map(|files| {
                SumFile::from_files(
                    files
                        .into_iter()
                        .map(|(name, bytes)| (name, Checksum::of(&bytes))),
                )
            })
        }

        proptest! {
            #[test]
            fn parse_never_panics(text in "\\PC{0,300}") {
                let _ = SumFile::parse(&text);
            }

            #[test]
            fn parse_never_panics_on_sum_like_text(
                lines in proptest::collection::vec(
                    prop_oneof![
                        "sha256:[0-9a-f]{0,70}",
                        "[a-z0-9_.]{0,20} sha256:[0-9a-fA-F]{0,66}",
                        "(<<<<<<<|=======|>>>>>>>)[^\n]{0,10}",
                        "[^\n]{0,40}",
                    ],
                    0..10,
                ),
            ) {
                let _ = SumFile::parse(&lines.join("\n"));
            }

            #[test]
            fn render_parse_round_trip(sum in sum_file()) {
                let text = sum.render();
                prop_assert_eq!(SumFile::parse(&text).unwrap(), sum.clone());
                // A BOM and CRLF line endings (an editor on Windows) read the same.
                let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
                prop_assert_eq!(SumFile::parse(&windows).unwrap(), sum);
            }

            #[test]
            fn any_edited_line_is_detected(sum in sum_file(), line in 1usize..10, extra in "[a-z0-9]") {
                let text = sum.render();
                let lines: Vec<&str> = text.lines().collect();
                prop_assume!(line < lines.len());
                let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                edited[line].insert_str(0, &extra);
                let edited = edited.join("\n") + "\n";
                prop_assert!(SumFile::parse(&edited).is_err(), "{}", edited);
            }
        }
    }
}
