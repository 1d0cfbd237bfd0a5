//! The `-- migrator:` directive parser (and the backfill file's UPDATE reader it feeds) on any
//! file content: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use migrator_core::migrations::{directive, normalize, BatchedUpdate};
use migrator_core::Dialect;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = normalize("fuzz.up.sql", data) else {
        return;
    };
    let _ = directive::parse("fuzz.up.sql", &text);
    for dialect in [Dialect::Postgres, Dialect::Mysql] {
        if let Ok(u) = BatchedUpdate::parse(&text, dialect) {
            let _ = u.with_range("k > 1");
            let _ = u.updates("t", dialect);
        }
    }
});
