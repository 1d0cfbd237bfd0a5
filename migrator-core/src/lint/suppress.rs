//! Suppression comments: `-- migrator-lint: ignore rule-a, rule-b [-- why]`.
//!
//! The comment switches the named rules off for one statement: the statement it stands in, the
//! statement whose last line it ends (a trailing comment), or else the next statement — so it
//! normally goes on the line(s) directly above the statement. It deliberately does not start
//! with `-- migrator:`, which is reserved for file directives.

use crate::migrations::split::{SqlToken, TokenKind};
use crate::{Error, Result};
use std::collections::BTreeSet;

/// The marker that makes a comment a suppression.
pub const MARKER: &str = "migrator-lint:";

/// A suppression comment: its line, byte offset and the rules it names.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub line: usize,
    pub start: usize,
    pub rules: BTreeSet<&'static str>,
}

/// The suppressions among the comment tokens of a file; unknown rules and malformed comments are
/// errors naming `file:line`.
pub fn parse(file: &str, tokens: &[SqlToken]) -> Result<Vec<Suppression>> {
    let mut out = Vec::new();
    for t in tokens.iter().filter(|t| t.kind == TokenKind::Comment) {
        let body = comment_body(t.text);
        let Some(rest) = body.strip_prefix(MARKER) else {
            continue;
        };
        let err = |message: String| Error::Syntax {
            file: file.to_string(),
            line: t.line,
            message,
        };
        let rest = rest.trim_start();
        let Some(list) = rest
            .strip_prefix("ignore")
            .filter(|r| r.is_empty() || r.starts_with(char::is_whitespace))
        else {
            return Err(err(format!(
                "`{MARKER}` must be followed by `ignore RULE[, RULE…]`, found `{}`",
                rest.split_whitespace().next().unwrap_or("")
            )));
        };
        // An explanation may follow after ` -- `.
        let list = list.split(" --").next().unwrap_or("");
        let mut rules = BTreeSet::new();
        for name in list.split([',', ' ', '\t']).filter(|n| !n.is_empty()) {
            match super::rules::find(name) {
                Some(rule) => {
                    rules.insert(rule.name());
                }
                None => {
                    return Err(err(format!(
                        "unknown rule `{name}` in `{MARKER} ignore`; `migrator lint --list-rules` lists them"
                    )))
                }
            }
        }
        if rules.is_empty() {
            return Err(err(format!(
                "`{MARKER} ignore` names no rule; write `-- {MARKER} ignore rule-a, rule-b`"
            )));
        }
        out.push(Suppression {
            line: t.line,
            start: t.start,
            rules,
        });
    }
    Ok(out)
}

/// A comment's text without its markers, trimmed.
fn comment_body(text: &str) -> &str {
    let body = if let Some(b) = text.strip_prefix("--") {
        b
    } else if let Some(b) = text.strip_prefix('#') {
        b
    } else {
        text.strip_prefix("/*")
            .map(|b| b.strip_suffix("*/").unwrap_or(b))
            .unwrap_or(text)
    };
    body.trim()
}

/// Where a statement lies in the file.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub end_line: usize,
}

/// For each suppression, the index of the statement it applies to; an error when it applies to
/// none.
pub fn assign(file: &str, suppressions: &[Suppression], spans: &[Span]) -> Result<Vec<usize>> {
    suppressions
        .iter()
        .map(|s| {
            if let Some(i) = spans.iter().position(|p| p.start <= s.start && s.start < p.end) {
                return Ok(i);
            }
            if let Some(i) = spans
                .iter()
                .rposition(|p| p.end <= s.start && p.end_line == s.line)
            {
                return Ok(i);
            }
            spans
                .iter()
                .position(|p| p.start > s.start)
                .ok_or_else(|| Error::Syntax {
                    file: file.to_string(),
                    line: s.line,
                    message: format!(
                        "`{MARKER} ignore` is followed by no statement; put it on the line above the statement it is about"
                    ),
                })
        })
        .collect()
}
