//! The result of a lint run, and its three renderings: text, JSON (via `Serialize`) and GitHub
//! workflow annotations.

use super::{Finding, Severity};
use serde::Serialize;
use std::fmt;

/// Every finding of a run, in file order then line order.
///
/// JSON shape (stable): `{"files": N, "errors": N, "warnings": N, "findings": [{"file", "line",
/// "rule", "severity": "error"|"warning", "message", "help"}]}`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LintReport {
    /// How many files were linted.
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

impl LintReport {
    pub(super) fn new(files: usize, findings: Vec<Finding>) -> Self {
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        LintReport {
            files,
            errors,
            warnings: findings.len() - errors,
            findings,
        }
    }

    /// 0 without error-level findings, 2 with any (warnings alone do not fail).
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            2
        } else {
            0
        }
    }

    /// `::error file=…,line=…,title=…::…` lines for GitHub Actions, then the summary.
    pub fn github(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&format!(
                "::{} file={},line={},title={}::{}\n",
                f.severity,
                escape_property(&f.file),
                f.line,
                escape_property(f.rule),
                escape_data(&format!("{}; {}", f.message, f.help)),
            ));
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// `3 files linted: 1 error, 2 warnings`.
    pub fn summary(&self) -> String {
        let files = plural(self.files, "file");
        if self.findings.is_empty() {
            format!("{files} linted: no findings")
        } else {
            format!(
                "{files} linted: {}, {}",
                plural(self.errors, "error"),
                plural(self.warnings, "warning")
            )
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

impl fmt::Display for Finding {
    /// `file:line: rule: message; help` (`rule (warning)` for warnings).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "",
            Severity::Warning => " (warning)",
        };
        write!(
            f,
            "{}:{}: {}{severity}: {}; {}",
            self.file, self.line, self.rule, self.message, self.help
        )
    }
}

impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        writeln!(f, "{}", self.summary())
    }
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity) -> Finding {
        Finding {
            file: "m/1_a.up.sql".into(),
            line: 3,
            rule: "require-concurrent-index",
            severity,
            message: "CREATE INDEX on \"t\" blocks writes, 100%".into(),
            help: "use CREATE INDEX CONCURRENTLY".into(),
        }
    }

    #[test]
    fn renders_text_json_and_github() {
        let r = LintReport::new(
            2,
            vec![finding(Severity::Error), finding(Severity::Warning)],
        );
        assert_eq!(r.exit_code(), 2);
        let text = r.to_string();
        assert!(text.starts_with("m/1_a.up.sql:3: require-concurrent-index: CREATE INDEX on \"t\" blocks writes, 100%; use CREATE INDEX CONCURRENTLY\n"), "{text}");
        assert!(
            text.contains("require-concurrent-index (warning): "),
            "{text}"
        );
        assert!(
            text.ends_with("2 files linted: 1 error, 1 warning\n"),
            "{text}"
        );
        let gh = r.github();
        assert!(
            gh.starts_with("::error file=m/1_a.up.sql,line=3,title=require-concurrent-index::CREATE INDEX on \"t\" blocks writes, 100%25; use"),
            "{gh}"
        );
        assert!(gh.contains("\n::warning file="), "{gh}");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["errors"], 1);
        assert_eq!(json["findings"][1]["severity"], "warning");
        assert_eq!(json["findings"][0]["help"], "use CREATE INDEX CONCURRENTLY");
        assert_eq!(LintReport::new(1, vec![]).exit_code(), 0);
        assert_eq!(
            LintReport::new(1, vec![finding(Severity::Warning)]).exit_code(),
            0
        );
    }
}
