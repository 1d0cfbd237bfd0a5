//! The statement splitter: SQL text → statements, for the dialect the file will run on.
//!
//! PLACEHOLDER: a naive split on `;`. Replaced by the real lexer-based splitter.

use super::Checksum;
use crate::{Dialect, Result};

/// One statement of a migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement text from its first token to its end, without the terminating delimiter.
    pub sql: String,
    /// 1-based line of the first token in the file.
    pub line: usize,
    /// SHA-256 of `sql`, recorded per statement so a resumed file can prove the applied ones are
    /// unchanged.
    pub hash: Checksum,
}

/// Splits normalized SQL text into statements. `file` is used in error messages.
pub fn split(file: &str, text: &str, dialect: Dialect) -> Result<Vec<Statement>> {
    let _ = (file, dialect);
    let mut out = Vec::new();
    let mut line = 1;
    for part in text.split(';') {
        let lead = part.len() - part.trim_start().len();
        let start_line = line + part[..lead].matches('\n').count();
        line += part.matches('\n').count();
        let sql = part.trim();
        if sql.is_empty()
            || sql
                .lines()
                .all(|l| l.trim().is_empty() || l.trim().starts_with("--"))
        {
            continue;
        }
        out.push(Statement {
            sql: sql.to_string(),
            line: start_line,
            hash: Checksum::of(sql.as_bytes()),
        });
    }
    Ok(out)
}

/// Whether `keyword` appears as a word in `sql` outside quotes and comments (case-insensitive).
pub fn has_keyword(sql: &str, dialect: Dialect, keyword: &str) -> bool {
    let _ = dialect;
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w.eq_ignore_ascii_case(keyword))
}
