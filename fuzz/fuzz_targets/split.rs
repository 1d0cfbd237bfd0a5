//! The statement splitter, both dialects, on any file content: never panics, and every
//! statement it returns is a non-empty slice of the file, in file order, with its own hash and a
//! line inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use migrator_core::migrations::{normalize, split, split::has_keyword, Checksum};
use migrator_core::Dialect;

fuzz_target!(|data: &[u8]| {
    // What the loader does with a file's bytes first.
    let Ok(text) = normalize("fuzz.up.sql", data) else {
        return;
    };
    let lines = text.lines().count().max(1);
    for dialect in [Dialect::Postgres, Dialect::Mysql] {
        let Ok(statements) = split("fuzz.up.sql", &text, dialect) else {
            continue;
        };
        let mut from = 0;
        let mut last_line = 0;
        for s in &statements {
            assert!(!s.sql.is_empty(), "empty statement");
            let at = text[from..].find(&s.sql).unwrap_or_else(|| {
                panic!("statement not in the file after offset {from}: {:?}", s.sql)
            });
            from += at + s.sql.len();
            assert_eq!(s.hash, Checksum::of(s.sql.as_bytes()));
            assert!(s.line >= 1 && s.line <= lines, "line {} of {lines}", s.line);
            assert!(s.line >= last_line, "statements out of order");
            last_line = s.line;
            // The runner's keyword probe runs on every statement.
            let _ = has_keyword(&s.sql, dialect, "CONCURRENTLY");
        }
    }
});
