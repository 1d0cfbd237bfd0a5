//! Printing: reports as text or JSON on stdout, errors on stderr (or as JSON on stdout).

use migrator_core::runner::MigrationRun;
use migrator_core::Error;
use serde::Serialize;
use std::fmt::Display;

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
        Format::Text => print!("{value}"),
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
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("reports serialize")
    );
}

/// A value as compact JSON on one line.
pub fn json_line<T: Serialize + ?Sized>(value: &T) {
    println!(
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
