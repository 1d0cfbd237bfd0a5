//! Printing: reports as text or JSON on stdout, errors on stderr (or as JSON on stdout).

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

/// An error: `{"error": "…"}` on stdout with `--format json`, else `error: …` on stderr.
pub fn error(e: &Error, json: bool) {
    if json {
        json_line(&serde_json::json!({ "error": e.to_string() }));
    } else {
        eprintln!("error: {e}");
    }
}
