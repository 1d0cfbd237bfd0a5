//! Printing: reports as text or JSON on stdout, errors on stderr (or as JSON on stdout).

use migrator_core::runner::MigrationRun;
use migrator_core::Error;
use serde::Serialize;
use std::fmt::Display;

/// `print!` that never panics: a reader that went away (`migrator status | head -1`) is not an
/// error, and a run (an apply) goes on to its end whatever happens to its output.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_text(&format!($($arg)*))
    };
}

/// `println!` that never panics (see [`out!`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write_text(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

/// Text on stdout; a closed pipe or a failing stdout is ignored (said once on stderr, unless
/// it is a closed pipe).
pub fn write_text(text: &str) {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static FAILED: AtomicBool = AtomicBool::new(false);
    if FAILED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        FAILED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!(
                "warning: writing to stdout failed: {e}; the command goes on without its output"
            );
        }
    }
}

/// The output format of a command (`--format github` prints text where it is not an
/// annotation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// A report as text (its `Display`) or pretty JSON.
pub fn report<T: Serialize + Display>(format: Format, value: &T) {
    match format {
        Format::Text => out!("{value}"),
        Format::Json => pretty_json(value),
    }
}

/// Raw bytes on stdout (a generated script or page); a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: impl AsRef<[u8]>) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes.as_ref()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}

/// A value as pretty JSON on one or more lines.
pub fn pretty_json<T: Serialize + ?Sized>(value: &T) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).expect("reports serialize")
    );
}

/// A value as compact JSON on one line.
pub fn json_line<T: Serialize + ?Sized>(value: &T) {
    outln!(
        "{}",
        serde_json::to_string(value).expect("reports serialize")
    );
}

/// A run of `apply` / `rollback` that failed, with what it did before the error (`key`:
/// `applied` or `rolled_back`): `{"applied": [...], "error": "…"}` on stdout with `--format
/// json`; else the error on stderr followed, when some migrations were done, by the list of
/// them (the "applied …" lines were printed on stdout as they finished; this repeats them next
/// to the error, also with `-q`). Returns the exit code, 1.
pub fn partial_failure(
    format: Format,
    key: &str,
    done: &[MigrationRun],
    e: &Error,
    next: &str,
) -> u8 {
    match format {
        Format::Json => {
            let mut value = serde_json::Map::new();
            value.insert(key.into(), serde_json::json!(done));
            value.insert("error".into(), e.to_string().into());
            json_line(&value);
        }
        Format::Text => {
            eprintln!("error: {e}");
            if !done.is_empty() {
                let verb = if key == "applied" {
                    "applied"
                } else {
                    "rolled back"
                };
                eprintln!(
                    "{} migration(s) {verb} before the error: {}",
                    done.len(),
                    done.iter()
                        .map(|r| format!("{}_{}", r.version, r.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                eprintln!("{next}");
            }
        }
    }
    e.exit_code() as u8
}

/// An error: `{"error": "…"}` on stdout with `--format json`, else `error: …` on stderr.
pub fn error(e: &Error, json: bool) {
    if json {
        json_line(&serde_json::json!({ "error": e.to_string() }));
    } else {
        eprintln!("error: {e}");
    }
}
