//! The one error type of the library. Every variant names the object it is about (file, line,
//! statement, URL with the password removed) and, where there is one, what to do next.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// SQL text or a directive that cannot be understood (statement splitter, directives).
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },

    /// The migrations directory is malformed (names, pairs, duplicates, encoding).
    #[error("{file}: {message}")]
    Directory { file: String, message: String },

    /// The directory does not match `migrator.sum` or the history: edited, reordered or missing
    /// files. Raised before any SQL runs.
    #[error("{file}: {message}")]
    Integrity { file: String, message: String },

    /// A database URL that cannot be used. `url` has its password removed.
    #[error("database URL {url}: {message}")]
    Url { url: String, message: String },

    /// Could not connect. `target` has its password removed.
    #[error("cannot connect to {target}: {message}")]
    Connect { target: String, message: String },

    /// A statement of a migration file failed.
    #[error("{file}: statement {index} of {total} (line {line}) failed: {message}\n  statement: {excerpt}{hint}")]
    Statement {
        file: String,
        /// 1-based.
        index: usize,
        total: usize,
        line: usize,
        excerpt: String,
        message: String,
        /// Empty or "\n  hint: …".
        hint: String,
    },

    /// A database operation of migrator itself (history, lock, session set-up) failed.
    #[error("{context}: {message}")]
    Database { context: String, message: String },

    /// The runner lock could not be taken in time.
    #[error("{0}")]
    Lock(String),

    /// An operation that would be unsafe was refused (irreversible down, changed partial file…).
    #[error("{0}")]
    Refused(String),

    /// Bad configuration (`migrator.toml`, flags).
    #[error("{file}: {message}")]
    Config { file: String, message: String },

    /// A plan failed its rehearsal ([`crate::rehearse`]): the report says where and why.
    #[error("{0}")]
    Rehearsal(Box<crate::rehearse::RehearsalReport>),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn db(context: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::Database {
            context: context.into(),
            message: message.to_string(),
        }
    }

    /// The process exit code the CLI uses for this error (1 for every error; 2 is reserved for
    /// "differences found" outcomes, which are not errors).
    pub fn exit_code(&self) -> i32 {
        1
    }
}
