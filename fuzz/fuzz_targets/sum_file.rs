//! The `migrator.sum` parser on any content: never panics, and a sum file it accepts renders
//! back to text that parses to the same entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use migrator_core::migrations::SumFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(sum) = SumFile::parse(text) {
        let again = SumFile::parse(&sum.render()).expect("a rendered sum file parses");
        assert_eq!(again, sum);
        let _ = sum.compare(&again);
    }
});
