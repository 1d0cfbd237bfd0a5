//! Runner settings, from defaults, `migrator.toml` and command-line flags (in that order).

use crate::{Error, Result};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// How the runner behaves. `Default` is what production wants: short lock waits, retries.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long one DDL statement may wait for a table lock before it gives up and retries
    /// (`lock_timeout` on Postgres, `lock_wait_timeout` on MySQL). Default 2 s.
    pub lock_timeout: Duration,
    /// How many times a statement (Postgres: a transactional file) that hit the lock timeout is
    /// retried, with exponential backoff, before the run fails. Default 8.
    pub lock_retries: u32,
    /// How long a runner waits for another runner's lock before giving up. Default 15 min.
    pub runner_lock_wait: Duration,
    /// Rows per batch of a backfill migration. Overrides the file's `batch=N`; when neither is
    /// given, [`DEFAULT_BACKFILL_BATCH`].
    pub backfill_batch_size: Option<u64>,
    /// Sleep between two backfill batches, to leave the server room for production traffic.
    /// Default 0.
    pub backfill_pause: Duration,
    /// Draw a progress bar for backfills when stderr is a terminal (otherwise, and when this is
    /// off, progress is logged every few seconds). Default on; `-q` turns it off.
    pub progress_bar: bool,
}

/// Rows per backfill batch when neither the file nor the settings say. A batch of a simple
/// `UPDATE` of 5000 rows holds its row locks for some 10-20 ms; with 1000-row batches the fixed
/// cost of each batch (two round trips, BEGIN/COMMIT) made a 1,000,000-row backfill 1.4x as
/// slow as one plain `UPDATE` on the 2-core test machine, with 5000 about 1.15x (see
/// `examples/bench_backfill.rs`).
pub const DEFAULT_BACKFILL_BATCH: u64 = 5000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lock_timeout: Duration::from_secs(2),
            lock_retries: 8,
            runner_lock_wait: Duration::from_secs(15 * 60),
            backfill_batch_size: None,
            backfill_pause: Duration::ZERO,
            progress_bar: true,
        }
    }
}

/// The keys of `migrator.toml`. Every key is optional; flags and environment variables win.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub dev_url: Option<String>,
    pub dir: Option<String>,
    pub schema: Option<String>,
    pub format: Option<String>,
    /// Seconds, e.g. `2` or `0.5`.
    pub lock_timeout: Option<f64>,
    pub lock_retries: Option<u32>,
    /// Seconds.
    pub runner_lock_wait: Option<f64>,
    /// Rows per backfill batch (overrides the files' `batch=N`).
    pub backfill_batch_size: Option<u64>,
    /// Seconds to sleep between backfill batches, e.g. `0.1`.
    pub backfill_pause: Option<f64>,
    /// The `[lint]` table: settings of `migrator lint`.
    #[serde(default)]
    pub lint: LintConfig,
}

/// `[lint]` in `migrator.toml`:
///
/// ```toml
/// [lint]
/// disabled = ["require-algorithm-lock"]   # rules switched off everywhere
/// postgres-version = 15                   # major version the rules assume (default 13)
/// mysql-flavor = "mariadb"                # mysql (default) or mariadb
/// standalone = false                      # files run by psql/mysql, not by migrator
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LintConfig {
    #[serde(default)]
    pub disabled: Vec<String>,
    pub postgres_version: Option<u32>,
    pub mysql_flavor: Option<String>,
    pub standalone: Option<bool>,
}

impl FileConfig {
    /// Reads `path`; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<FileConfig> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        toml::from_str(&text).map_err(|e| {
            // The parser's own text quotes the offending line, which may hold a password: say
            // where and what, never the line itself.
            let at = e
                .span()
                .map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
                    let column = before.len() - line_start + 1;
                    // The key is safe to name (a bare key, never a value).
                    let key = text[line_start..]
                        .split(['=', '\n'])
                        .next()
                        .map(str::trim)
                        .filter(|k| {
                            !k.is_empty()
                                && k.chars()
                                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                        })
                        .map(|k| format!(" (key `{k}`)"))
                        .unwrap_or_default();
                    format!("line {line}, column {column}{key}: ")
                })
                .unwrap_or_default();
            Error::Config {
                file: path.display().to_string(),
                message: format!(
                    "{at}{}",
                    crate::url::redact_text(e.message().trim()).replace('\n', " ")
                ),
            }
        })
    }

    /// Applies the file's runner keys on top of `settings`.
    pub fn apply_to(&self, settings: &mut Settings) -> Result<()> {
        if let Some(s) = self.lock_timeout {
            settings.lock_timeout = seconds("lock-timeout", s)?;
        }
        if let Some(n) = self.lock_retries {
            settings.lock_retries = n;
        }
        if let Some(s) = self.runner_lock_wait {
            settings.runner_lock_wait = seconds("runner-lock-wait", s)?;
        }
        if let Some(n) = self.backfill_batch_size {
            settings.backfill_batch_size = Some(batch_size("backfill-batch-size", n)?);
        }
        if let Some(s) = self.backfill_pause {
            settings.backfill_pause = pause("backfill-pause", s)?;
        }
        Ok(())
    }
}

/// Seconds → Duration, refusing negative and absurd values with the key named.
pub fn seconds(key: &str, s: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| *d > Duration::ZERO)
        .ok_or_else(|| Error::Config {
            file: "migrator.toml".into(),
            message: format!("{key} = {s}: expected a positive number of seconds"),
        })
}

/// A backfill batch size: a positive number of rows.
pub fn batch_size(key: &str, n: u64) -> Result<u64> {
    if n == 0 {
        return Err(Error::Config {
            file: "migrator.toml".into(),
            message: format!("{key} = 0: expected a positive number of rows"),
        });
    }
    Ok(n)
}

/// A pause between backfill batches: zero or a positive number of seconds.
pub fn pause(key: &str, s: f64) -> Result<Duration> {
    if s == 0.0 {
        return Ok(Duration::ZERO);
    }
    Duration::try_from_secs_f64(s).map_err(|_| Error::Config {
        file: "migrator.toml".into(),
        message: format!("{key} = {s}: expected zero or a positive number of seconds"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_bad_keys_are_errors_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("migrator-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("migrator.toml");
        std::fs::write(&p, "lock-timeout = 0.5\ndir = \"db\"\n").unwrap();
        let c = FileConfig::load(&p).unwrap();
        let mut s = Settings::default();
        c.apply_to(&mut s).unwrap();
        assert_eq!(s.lock_timeout, Duration::from_millis(500));
        assert_eq!(c.dir.as_deref(), Some("db"));
        std::fs::write(&p, "lock_timout = 3\n").unwrap();
        let e = FileConfig::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("migrator.toml") && e.contains("lock_timout"),
            "{e}"
        );
        std::fs::write(&p, "lock-timeout = -1\n").unwrap();
        let e = FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap_err();
        assert!(e.to_string().contains("positive"), "{e}");
        assert!(FileConfig::load(&dir.join("absent.toml")).is_ok());
        std::fs::write(
            &p,
            "[lint]\ndisabled = [\"drop-table\"]\npostgres-version = 12\n",
        )
        .unwrap();
        let c = FileConfig::load(&p).unwrap();
        assert_eq!(c.lint.disabled, vec!["drop-table"]);
        assert_eq!(c.lint.postgres_version, Some(12));
        std::fs::write(&p, "[lint]\ndisable = []\n").unwrap();
        let e = FileConfig::load(&p).unwrap_err().to_string();
        assert!(e.contains("disable"), "{e}");
        std::fs::write(&p, "backfill-batch-size = 500\nbackfill-pause = 0.25\n").unwrap();
        FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap();
        assert_eq!(s.backfill_batch_size, Some(500));
        assert_eq!(s.backfill_pause, Duration::from_millis(250));
        std::fs::write(&p, "backfill-batch-size = 0\n").unwrap();
        let e = FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap_err();
        assert!(e.to_string().contains("backfill-batch-size"), "{e}");
        std::fs::write(&p, "backfill-pause = -1\n").unwrap();
        assert!(FileConfig::load(&p).unwrap().apply_to(&mut s).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_malformed_file_is_reported_by_line_without_echoing_it() {
        let dir = std::env::temp_dir().join(format!("migrator-cfg-pw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("migrator.toml");
        for text in [
            "dir = \"db\"\ndatabase-url = postgres://app:hunter2@db/prod\n",
            "lock-timeout = \"mysql://app:hunter2@db/prod\"\n",
            "database-url = \"postgres://app:hunter2@db/prod\n",
        ] {
            std::fs::write(&p, text).unwrap();
            let e = FileConfig::load(&p).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "password printed: {e}");
            assert!(e.contains("migrator.toml") && e.contains("line "), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
