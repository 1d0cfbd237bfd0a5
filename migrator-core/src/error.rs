//! The one error type of the library. Every variant names the object it is about (file, line,
//! statement, URL with the password removed) and, where there is one, what to do next.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `Debug` prints the message (the `Display`, hint included), not the variant's fields: an
/// error returned with `?` from `main` (directly, or as `Box<dyn std::error::Error>` or
/// [`Report`]) reads as the message a person needs. `{:#?}` adds the variant's name.
#[derive(thiserror::Error)]
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

    /// The run stopped on request ([`crate::StopFlag`], Ctrl-C in the CLI) at a safe point; the
    /// message says where and how to go on.
    #[error("stopped on request: {0}")]
    Interrupted(String),

    /// A backfill stopped by its throttle (a `--critical-load` limit crossed, or the wait on
    /// `--max-load` too long) between two batches: everything done is committed and `apply`
    /// resumes. The message names the metric, its value and limit.
    #[error("backfill stopped by the load throttle: {0}")]
    Throttled(String),

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

    /// The variant's name (`Statement`, `Config`, …), for `{:#?}` and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "Io",
            Error::Syntax { .. } => "Syntax",
            Error::Directory { .. } => "Directory",
            Error::Integrity { .. } => "Integrity",
            Error::Url { .. } => "Url",
            Error::Connect { .. } => "Connect",
            Error::Statement { .. } => "Statement",
            Error::Database { .. } => "Database",
            Error::Lock(_) => "Lock",
            Error::Refused(_) => "Refused",
            Error::Config { .. } => "Config",
            Error::Rehearsal(_) => "Rehearsal",
            Error::Interrupted(_) => "Interrupted",
            Error::Throttled(_) => "Throttled",
        }
    }

    /// Prints `error: MESSAGE` on stderr and exits the process with [`Error::exit_code`]: the
    /// end of an application that cannot start without its migrations, e.g.
    /// `migrator.apply(&url).await.unwrap_or_else(|e| e.exit())`.
    pub fn exit(&self) -> ! {
        eprintln!("error: {self}");
        std::process::exit(self.exit_code())
    }

    /// The process exit code the CLI uses for this error: 130 (as for SIGINT) for a run stopped
    /// on request, 75 (EX_TEMPFAIL: try again later) for a backfill stopped by its load
    /// throttle, 1 for every other error; 2 is reserved for "differences found" outcomes, which
    /// are not errors.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Interrupted(_) => 130,
            Error::Throttled(_) => 75,
            _ => 1,
        }
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if f.alternate() {
            write!(f, "migrator_core::Error::{}: ", self.kind())?;
        }
        std::fmt::Display::fmt(self, f)
    }
}

/// An [`Error`] for the end of a program: `fn main() -> Result<(), migrator_core::Report>`
/// prints `Error: <message>` (hint included) when it returns one, where a plain derived `Debug`
/// would print a struct. Converts from [`Error`], so `?` works in such a `main`.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> Result<(), migrator_core::Report> {
///     let url = std::env::var("DATABASE_URL").unwrap_or_default();
///     let report = migrator_core::Migrator::from_dir("migrations")?.apply(&url).await?;
///     println!("{report}");
///     Ok(())
/// }
/// ```
pub struct Report(pub Error);

impl Report {
    /// The error inside.
    pub fn into_inner(self) -> Error {
        self.0
    }

    /// See [`Error::exit`].
    pub fn exit(&self) -> ! {
        self.0.exit()
    }
}

impl From<Error> for Report {
    fn from(e: Error) -> Report {
        Report(e)
    }
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Report {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_the_message_with_its_hint() {
        let e = Error::Statement {
            file: "20260101000001_a.up.sql".into(),
            index: 1,
            total: 2,
            line: 3,
            excerpt: "CREATE TABLE a".into(),
            message: "relation \"a\" already exists".into(),
            hint: "\n  hint: drop it first".into(),
        };
        let debug = format!("{e:?}");
        assert_eq!(debug, e.to_string());
        assert!(debug.contains("hint: drop it first"), "{debug}");
        assert!(!debug.contains("excerpt:"), "{debug}");
        assert!(format!("{e:#?}").starts_with("migrator_core::Error::Statement: "));
        let report = Report::from(e);
        assert_eq!(format!("{report:?}"), report.to_string());
        let boxed: Box<dyn std::error::Error> = Box::new(report.into_inner());
        assert!(format!("{boxed:?}").starts_with("20260101000001_a.up.sql: statement 1 of 2"));
    }
}
