//! The migrations directory: `<version>_<name>.up.sql` / `.down.sql` files, their `-- migrator:`
//! directives, the statement splitter and the `migrator.sum` integrity file.
//!
//! - [`directive`]: `-- migrator:phase …` and friends at the top of a file;
//! - [`split`]: SQL text → statements (quotes, dollar quotes, comments, `BEGIN … END` bodies);
//! - [`update`]: the `UPDATE` of a backfill file, read to add key ranges to it;
//! - [`sum`]: `migrator.sum`, the checksum of every file plus one over all of them;
//! - [`dir`]: loading a directory (or embedded files) into a [`MigrationSet`], `new`, `rehash`.

pub mod dir;
pub mod directive;
pub mod split;
pub mod sum;
pub mod update;

pub use dir::{
    new_migration, rehash, validate_name, EmbeddedMigrations, Migration, MigrationSet, SqlFile,
};
pub use directive::{BackfillDirective, Directives, Phase};
pub use split::{split, Statement};
pub use sum::{SumFile, SumProblem, SUM_FILE};
pub use update::BatchedUpdate;

use crate::{Error, Result};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// A SHA-256 digest, written `sha256:<64 hex digits>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    pub fn of(bytes: &[u8]) -> Checksum {
        Checksum(Sha256::digest(bytes).into())
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Checksum {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let hex_part = s
            .strip_prefix("sha256:")
            .ok_or_else(|| format!("`{s}` is not a checksum (expected sha256:<hex>)"))?;
        let bytes = hex::decode(hex_part).map_err(|e| format!("`{s}`: {e}"))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("`{s}`: a SHA-256 checksum has 64 hex digits"))?;
        Ok(Checksum(arr))
    }
}

impl Serialize for Checksum {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A migration version: a UTC timestamp `YYYYMMDDHHMMSS` (any positive integer is accepted, so
/// hand-numbered directories work too).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Version(pub u64);

const TIMESTAMP: &str = "%Y%m%d%H%M%S";

impl Version {
    /// The version of a migration written now: the current UTC time, or one second past
    /// `last` when that is not earlier (several files written within one second).
    pub fn next_after(last: Option<Version>) -> Version {
        let now = chrono::Utc::now().naive_utc();
        let now = Version::from_time(now);
        match last {
            Some(last) if last >= now => last.plus(1),
            _ => now,
        }
    }

    /// `k` seconds later when the version is a timestamp (`…0959` + 1 = `…1000`, never the
    /// invalid `…0960`); `k` more otherwise (hand numbering).
    pub fn plus(self, k: u64) -> Version {
        let text = self.0.to_string();
        match chrono::NaiveDateTime::parse_from_str(&text, TIMESTAMP) {
            Ok(t) if text.len() == 14 => {
                let seconds = i64::try_from(k).unwrap_or(i64::MAX);
                t.checked_add_signed(chrono::TimeDelta::seconds(seconds))
                    .map_or(Version(self.0 + k), Version::from_time)
            }
            _ => Version(self.0 + k),
        }
    }

    fn from_time(t: chrono::NaiveDateTime) -> Version {
        Version(
            t.format(TIMESTAMP)
                .to_string()
                .parse()
                .expect("a formatted timestamp is digits"),
        )
    }

    /// Whether a 14-digit version is a real UTC timestamp (other lengths are hand numbering).
    pub(crate) fn is_valid_timestamp(text: &str) -> bool {
        // chrono reads second 60 as a leap second; a version never holds one.
        chrono::NaiveDateTime::parse_from_str(text, TIMESTAMP).is_ok() && !text.ends_with("60")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 18 {
            return Err(format!(
                "`{s}` is not a version (expected digits, e.g. 20261123120000)"
            ));
        }
        s.parse().map(Version).map_err(|e| format!("`{s}`: {e}"))
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Normalizes file bytes before hashing or parsing: UTF-8 required, BOM stripped, CRLF → LF.
pub fn normalize(file: &str, bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::Syntax {
            file: file.to_string(),
            line,
            message: "file is not valid UTF-8; save it as UTF-8".into(),
        }
    })?;
    Ok(text.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_in_seconds_when_they_are_timestamps() {
        assert_eq!(Version(20261203125959).plus(1), Version(20261203130000));
        assert_eq!(Version(20261231235958).plus(3), Version(20270101000001));
        assert_eq!(Version(7).plus(2), Version(9));
        // After a last version in the future (a clock behind), one second past it.
        assert_eq!(
            Version::next_after(Some(Version(29991231235959))),
            Version(30000101000000)
        );
        let now = Version::next_after(None);
        assert!(Version::is_valid_timestamp(&now.to_string()), "{now}");
        assert!(Version::next_after(Some(Version(1))) >= now);
        assert!(!Version::is_valid_timestamp("20261203125960"));
        assert!(!Version::is_valid_timestamp("20261203126000"));
        assert!(Version::is_valid_timestamp("20261203125959"));
    }

    #[test]
    fn normalization_makes_crlf_and_bom_irrelevant() {
        let a = normalize("a", b"\xEF\xBB\xBFSELECT 1;\r\nSELECT 2;\r\n").unwrap();
        let b = normalize("b", b"SELECT 1;\nSELECT 2;\n").unwrap();
        assert_eq!(a, b);
        assert_eq!(Checksum::of(a.as_bytes()), Checksum::of(b.as_bytes()));
    }

    #[test]
    fn non_utf8_names_file_and_line() {
        let err = normalize("x.up.sql", b"SELECT 1;\nSELECT '\xff';\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.up.sql:2: file is not valid UTF-8; save it as UTF-8"
        );
    }

    #[test]
    fn checksum_round_trips() {
        let c = Checksum::of(b"abc");
        assert_eq!(c.to_string().parse::<Checksum>().unwrap(), c);
        assert!("md5:00".parse::<Checksum>().is_err());
    }
}
