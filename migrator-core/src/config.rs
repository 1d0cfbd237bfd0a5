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
    /// Set (from a Ctrl-C handler, or by an application shutting down) to make a running apply
    /// or rollback stop at its next safe point; see [`StopFlag`].
    pub stop: StopFlag,
    /// Between two backfill batches, wait while a replica is further behind than this
    /// (`--max-replica-lag`; see `runner::replica`). Default: off.
    pub max_replica_lag: Option<Duration>,
    /// The replicas whose lag `max_replica_lag` limits (`--replica-url`, repeatable). Empty:
    /// Postgres watches the standbys streaming from the primary; MySQL needs them.
    pub replica_urls: Vec<crate::DatabaseUrl>,
    // --- throttle (see `runner::throttle`)
    /// Load limits checked between backfill batches: while a metric is above its limit the
    /// backfill waits. MySQL/MariaDB: any `SHOW GLOBAL STATUS` variable (`Threads_running`);
    /// Postgres: `active` or `lock_waiters`. Empty: no check.
    pub max_load: Vec<LoadLimit>,
    /// Like `max_load`, but crossing one stops the backfill (resumable) with
    /// [`Error::Throttled`](crate::Error::Throttled) instead of waiting.
    pub critical_load: Vec<LoadLimit>,
    /// How long a backfill may wait on `max_load` before it stops as for `critical_load`.
    /// `None` (default): it waits as long as the load lasts.
    pub max_load_wait: Option<Duration>,
    /// Adaptive batches: the batch duration aimed at. The batch size (flag, file or default)
    /// is then the first and the largest size. `None` (default): fixed batches.
    pub batch_target: Option<Duration>,
    /// The smallest batch adaptive batches shrink to. Default [`DEFAULT_BATCH_MIN`].
    pub batch_min: u64,
    /// While one statement runs longer than this (an index build, a table rebuild, a
    /// validation scan), a line says so this often, with what the server reports of its
    /// progress (see `runner::watch`). Default [`DEFAULT_PROGRESS_EVERY`].
    pub progress_every: Duration,
}

/// How often a long statement's progress is logged, unless `--progress-every` says otherwise.
pub const DEFAULT_PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// The smallest adaptive batch, unless `--batch-min` says otherwise.
pub const DEFAULT_BATCH_MIN: u64 = 10;

/// One `METRIC=LIMIT` of `--max-load` / `--critical-load`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadLimit {
    pub metric: String,
    pub limit: u64,
}

impl std::fmt::Display for LoadLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.metric, self.limit)
    }
}

/// A request to stop a running apply or rollback where it can stop cleanly and resume later:
/// before the next migration, between two statements of a file run statement by statement
/// (each is recorded as it finishes), or between two backfill batches. A transactional file
/// is never cut: it finishes (or fails) as a whole first. The run then returns
/// [`Error::Interrupted`](crate::Error::Interrupted), saying where it stopped and how to go on.
/// Clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl StopFlag {
    /// Asks the run to stop at its next safe point.
    pub fn request(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn requested(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
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
            stop: StopFlag::default(),
            max_load: Vec::new(),
            critical_load: Vec::new(),
            max_load_wait: None,
            batch_target: None,
            batch_min: DEFAULT_BATCH_MIN,
            progress_every: DEFAULT_PROGRESS_EVERY,
            max_replica_lag: None,
            replica_urls: Vec::new(),
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
    /// `schema = "schema.sql"`, or the `[schema]` table (`path`, `ignore`).
    pub schema: Option<SchemaConfig>,
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
    /// `"Threads_running=25"` (comma-separated for several): wait while above.
    pub backfill_max_load: Option<String>,
    /// Same form: stop the backfill (resumable) when above.
    pub backfill_critical_load: Option<String>,
    /// Seconds, or `"10m"`: the longest wait on the load before stopping.
    pub backfill_max_load_wait: Option<DurationValue>,
    /// Seconds, or `"100ms"`: the batch duration adaptive batches aim at.
    pub backfill_batch_target: Option<DurationValue>,
    /// Rows: the smallest adaptive batch.
    pub backfill_batch_min: Option<u64>,
    /// The replica lag a backfill waits out: seconds (`2`, `0.5`) or a duration (`"2s"`,
    /// `"500ms"`, `"1m"`).
    pub max_replica_lag: Option<DurationValue>,
    /// URLs of the replicas `max-replica-lag` watches.
    pub replica_urls: Option<Vec<String>>,
    /// Seconds, or `"30s"`: how often a long statement's progress is logged.
    pub progress_every: Option<DurationValue>,
    /// The `[lint]` table: settings of `migrator lint`.
    #[serde(default)]
    pub lint: LintConfig,
    /// `[targets.NAME]` tables: fleets of databases or schemas for `--targets NAME` (see
    /// [`crate::fleet`]).
    #[serde(default)]
    pub targets: std::collections::BTreeMap<String, TargetsConfig>,
    /// The file this was read from (set by [`FileConfig::load`]), for error messages.
    #[serde(skip)]
    pub path: Option<String>,
}

/// The declared schema in `migrator.toml`: a path, or a table
///
/// ```toml
/// [schema]
/// path = "db/schema.sql"                 # default schema.sql
/// ignore = ["grants", "roles"]           # kinds plan, diff and drift pass over (see source::Unmodelled)
/// ```
#[derive(Debug, Clone, Default)]
pub struct SchemaConfig {
    pub path: Option<String>,
    pub ignore: Vec<String>,
}

impl<'de> Deserialize<'de> for SchemaConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SchemaConfig;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a path (schema = \"schema.sql\") or a [schema] table with path and ignore",
                )
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<SchemaConfig, E> {
                Ok(SchemaConfig {
                    path: Some(v.to_string()),
                    ignore: Vec::new(),
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<SchemaConfig, A::Error> {
                let mut out = SchemaConfig::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "path" => out.path = Some(map.next_value()?),
                        "ignore" => out.ignore = map.next_value()?,
                        other => {
                            return Err(serde::de::Error::custom(format!(
                                "unknown key `{other}` in [schema]: use path and ignore"
                            )))
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

impl FileConfig {
    /// The declared schema's path, when the file gives one.
    pub fn schema_path(&self) -> Option<&str> {
        self.schema.as_ref().and_then(|s| s.path.as_deref())
    }

    /// `[schema] ignore` as written (checked by `source::Ignore::parse`, which names the file).
    pub fn schema_ignore(&self) -> &[String] {
        self.schema.as_ref().map_or(&[], |s| s.ignore.as_slice())
    }
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
        Self::load_inner(path, false)
    }

    /// Reads `path`, which must exist (a configuration file named explicitly, e.g. with
    /// `--config`): a missing file is an error saying so.
    pub fn load_required(path: &Path) -> Result<FileConfig> {
        Self::load_inner(path, true)
    }

    fn load_inner(path: &Path, required: bool) -> Result<FileConfig> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(FileConfig::default())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Config {
                    file: path.display().to_string(),
                    message: "no such configuration file; check the --config path (without --config, migrator.toml is read when it exists)".into(),
                })
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut config: FileConfig = toml::from_str(&text).map_err(|e| {
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
        })?;
        config.path = Some(path.display().to_string());
        Ok(config)
    }

    /// Applies the file's runner keys on top of `settings`.
    pub fn apply_to(&self, settings: &mut Settings) -> Result<()> {
        let file = self.path.as_deref();
        if let Some(s) = self.lock_timeout {
            settings.lock_timeout = seconds_in("lock-timeout", file, s)?;
        }
        if let Some(n) = self.lock_retries {
            settings.lock_retries = n;
        }
        if let Some(s) = self.runner_lock_wait {
            settings.runner_lock_wait = seconds_in("runner-lock-wait", file, s)?;
        }
        if let Some(n) = self.backfill_batch_size {
            settings.backfill_batch_size = Some(batch_size_in("backfill-batch-size", file, n)?);
        }
        if let Some(s) = self.backfill_pause {
            settings.backfill_pause = pause_in("backfill-pause", file, s)?;
        }
        if let Some(s) = &self.backfill_max_load {
            settings.max_load = load_limits_in("backfill-max-load", file, s)?;
        }
        if let Some(s) = &self.backfill_critical_load {
            settings.critical_load = load_limits_in("backfill-critical-load", file, s)?;
        }
        if let Some(v) = &self.backfill_max_load_wait {
            settings.max_load_wait = Some(v.to_duration("backfill-max-load-wait", file)?);
        }
        if let Some(v) = &self.backfill_batch_target {
            settings.batch_target = Some(v.to_duration("backfill-batch-target", file)?);
        }
        if let Some(n) = self.backfill_batch_min {
            settings.batch_min = batch_size_in("backfill-batch-min", file, n)?;
        }
        if let Some(v) = &self.max_replica_lag {
            settings.max_replica_lag = Some(v.to_duration("max-replica-lag", file)?);
        }
        if let Some(urls) = &self.replica_urls {
            settings.replica_urls = replica_urls_in("replica-urls", file, urls)?;
        }
        if let Some(v) = &self.progress_every {
            settings.progress_every = v.to_duration("progress-every", file)?;
        }
        Ok(())
    }
}

/// A duration in `migrator.toml`: a number of seconds or a text such as `"100ms"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DurationValue {
    Seconds(f64),
    Text(String),
}

impl DurationValue {
    fn to_duration(&self, key: &str, file: Option<&str>) -> Result<Duration> {
        match self {
            DurationValue::Seconds(s) => seconds_in(key, file, *s),
            DurationValue::Text(t) => duration_in(key, file, t),
        }
    }
}

/// A positive duration as written on the command line: `100ms`, `2s`, `1.5m`, `1h`, or a plain
/// number of seconds (`key` as for [`seconds`]).
pub fn duration(key: &str, text: &str) -> Result<Duration> {
    duration_in(key, None, text)
}

fn duration_in(key: &str, file: Option<&str>, text: &str) -> Result<Duration> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => f64::NAN,
    };
    number
        .parse::<f64>()
        .ok()
        .and_then(|n| Duration::try_from_secs_f64(n * scale).ok())
        .filter(|d| *d > Duration::ZERO)
        .ok_or_else(|| {
            invalid(
                key,
                file,
                &format!("{text:?}"),
                "a positive duration such as 100ms, 2s, 10m or 1h",
            )
        })
}

/// `METRIC=LIMIT[,METRIC=LIMIT…]` of `--max-load` / `--critical-load` (`key` as for
/// [`seconds`]). Metric names are checked by the server's target when the backfill starts.
pub fn load_limits(key: &str, text: &str) -> Result<Vec<LoadLimit>> {
    load_limits_in(key, None, text)
}

fn load_limits_in(key: &str, file: Option<&str>, text: &str) -> Result<Vec<LoadLimit>> {
    let expected = "METRIC=LIMIT[,METRIC=LIMIT…] with a whole-number limit, e.g. Threads_running=25 (MySQL/MariaDB) or active=20,lock_waiters=5 (Postgres)";
    let mut limits = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let limit = part.split_once('=').and_then(|(m, n)| {
            let m = m.trim();
            let ok = !m.is_empty() && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            Some(LoadLimit {
                metric: m.to_string(),
                limit: n.trim().parse().ok()?,
            })
            .filter(|_| ok)
        });
        limits.push(limit.ok_or_else(|| invalid(key, file, &format!("{part:?}"), expected))?);
    }
    if limits.is_empty() {
        return Err(invalid(key, file, &format!("{text:?}"), expected));
    }
    Ok(limits)
}

/// Replica URLs (`key` as for [`duration`]); a bad one is named without its password.
pub fn replica_urls(key: &str, urls: &[String]) -> Result<Vec<crate::DatabaseUrl>> {
    replica_urls_in(key, None, urls)
}

fn replica_urls_in(
    key: &str,
    file: Option<&str>,
    urls: &[String],
) -> Result<Vec<crate::DatabaseUrl>> {
    urls.iter()
        .map(|u| {
            crate::DatabaseUrl::parse(u).map_err(|e| {
                invalid(
                    key,
                    file,
                    &crate::url::redact(u),
                    &format!(
                        "a replica URL ({})",
                        crate::url::redact_text(&e.to_string())
                    ),
                )
            })
        })
        .collect()
}

/// One `[targets.NAME]` table of `migrator.toml`: the servers (`url` or `urls`) and, to make
/// many targets of each, a generator: `schemas` (Postgres: every schema of the database whose
/// name is LIKE it), `databases` (MySQL/MariaDB: every database of the server LIKE it) or
/// `query` (its first column names the schemas / databases). Without a generator the URLs are
/// the targets.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TargetsConfig {
    pub url: Option<String>,
    pub urls: Option<Vec<String>>,
    pub schemas: Option<String>,
    pub databases: Option<String>,
    pub query: Option<String>,
}

/// An invalid value of `key`: a flag (`--lock-timeout`, named as given on the command line) or
/// a key of the configuration file at `file` (`migrator.toml` when `None`). The message names
/// where the value came from, so that a bad flag is not reported as a bad file.
pub(crate) fn invalid(
    key: &str,
    file: Option<&str>,
    value: &dyn std::fmt::Display,
    expected: &str,
) -> Error {
    if key.starts_with("--") {
        Error::Config {
            file: key.to_string(),
            message: format!("{value} is not valid: expected {expected}"),
        }
    } else {
        Error::Config {
            file: file.unwrap_or("migrator.toml").to_string(),
            message: format!("{key} = {value}: expected {expected}"),
        }
    }
}

/// Seconds → Duration, refusing zero, negative, NaN and absurd values with the key named: a
/// flag when `key` starts with `--`, else a key of `migrator.toml`.
pub fn seconds(key: &str, s: f64) -> Result<Duration> {
    seconds_in(key, None, s)
}

fn seconds_in(key: &str, file: Option<&str>, s: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| *d > Duration::ZERO)
        .ok_or_else(|| invalid(key, file, &s, "a positive number of seconds, e.g. 2 or 0.5"))
}

/// A backfill batch size: a positive number of rows (`key` as for [`seconds`]).
pub fn batch_size(key: &str, n: u64) -> Result<u64> {
    batch_size_in(key, None, n)
}

fn batch_size_in(key: &str, file: Option<&str>, n: u64) -> Result<u64> {
    if n == 0 {
        return Err(invalid(
            key,
            file,
            &n,
            "a positive number of rows, e.g. 5000",
        ));
    }
    Ok(n)
}

/// A pause between backfill batches: zero or a positive number of seconds (`key` as for
/// [`seconds`]).
pub fn pause(key: &str, s: f64) -> Result<Duration> {
    pause_in(key, None, s)
}

fn pause_in(key: &str, file: Option<&str>, s: f64) -> Result<Duration> {
    if s == 0.0 {
        return Ok(Duration::ZERO);
    }
    Duration::try_from_secs_f64(s).map_err(|_| {
        invalid(
            key,
            file,
            &s,
            "zero or a positive number of seconds, e.g. 0.1",
        )
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
    fn a_bad_flag_is_reported_as_the_flag_and_a_bad_key_as_its_file() {
        let e = seconds("--lock-timeout", 0.0).unwrap_err().to_string();
        assert_eq!(
            e,
            "--lock-timeout: 0 is not valid: expected a positive number of seconds, e.g. 2 or 0.5"
        );
        let e = pause("--pause", f64::NAN).unwrap_err().to_string();
        assert!(e.starts_with("--pause: NaN is not valid"), "{e}");
        assert!(!e.contains("migrator.toml"), "{e}");
        let e = batch_size("--batch-size", 0).unwrap_err().to_string();
        assert!(e.starts_with("--batch-size: 0 is not valid"), "{e}");
        let dir = std::env::temp_dir().join(format!("migrator-cfg-src-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("other.toml");
        std::fs::write(&p, "runner-lock-wait = 0\n").unwrap();
        let e = FileConfig::load(&p)
            .unwrap()
            .apply_to(&mut Settings::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("other.toml: runner-lock-wait = 0"), "{e}");
        let e = FileConfig::load_required(&dir.join("absent.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("absent.toml: no such configuration file"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn throttle_settings_parse_and_name_their_key() {
        assert_eq!(
            load_limits("--max-load", "Threads_running=25, lock_waiters=3").unwrap(),
            vec![
                LoadLimit {
                    metric: "Threads_running".into(),
                    limit: 25
                },
                LoadLimit {
                    metric: "lock_waiters".into(),
                    limit: 3
                },
            ]
        );
        for bad in ["", "Threads_running", "x=-1", "a b=3", "x=1.5", "=3"] {
            let e = load_limits("--max-load", bad).unwrap_err().to_string();
            assert!(e.starts_with("--max-load: "), "{bad}: {e}");
        }
        assert_eq!(
            duration("--batch-target", "100ms").unwrap(),
            Duration::from_millis(100)
        );
        assert_eq!(
            duration("--batch-target", "2").unwrap(),
            Duration::from_secs(2)
        );
        assert_eq!(
            duration("--batch-target", "1.5m").unwrap(),
            Duration::from_secs(90)
        );
        for bad in ["0", "-1s", "fast", "10 parsecs", "ms"] {
            assert!(duration("--batch-target", bad).is_err(), "{bad}");
        }
        let dir = std::env::temp_dir().join(format!("migrator-cfg-thr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("migrator.toml");
        std::fs::write(
            &p,
            "backfill-max-load = \"Threads_running=25\"\nbackfill-critical-load = \"Threads_running=100\"\nbackfill-max-load-wait = \"10m\"\nbackfill-batch-target = 0.05\nbackfill-batch-min = 50\n",
        )
        .unwrap();
        let mut s = Settings::default();
        FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap();
        assert_eq!(s.max_load[0].to_string(), "Threads_running=25");
        assert_eq!(s.critical_load[0].limit, 100);
        assert_eq!(s.max_load_wait, Some(Duration::from_secs(600)));
        assert_eq!(s.batch_target, Some(Duration::from_millis(50)));
        assert_eq!(s.batch_min, 50);
        for (text, key) in [
            (
                "backfill-max-load = \"Threads_running\"\n",
                "backfill-max-load",
            ),
            (
                "backfill-batch-target = \"soon\"\n",
                "backfill-batch-target",
            ),
            ("backfill-batch-min = 0\n", "backfill-batch-min"),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = FileConfig::load(&p)
                .unwrap()
                .apply_to(&mut s)
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("migrator.toml: {key} = ")), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn progress_every_comes_from_the_file_and_refuses_nonsense() {
        let dir = std::env::temp_dir().join(format!("migrator-cfg-prog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("migrator.toml");
        let mut s = Settings::default();
        assert_eq!(s.progress_every, DEFAULT_PROGRESS_EVERY);
        std::fs::write(&p, "progress-every = \"30s\"\n").unwrap();
        FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap();
        assert_eq!(s.progress_every, Duration::from_secs(30));
        std::fs::write(&p, "progress-every = 2.5\n").unwrap();
        FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap();
        assert_eq!(s.progress_every, Duration::from_millis(2500));
        for bad in ["progress-every = 0\n", "progress-every = \"often\"\n"] {
            std::fs::write(&p, bad).unwrap();
            let e = FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap_err();
            assert!(e.to_string().contains("progress-every"), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn replica_lag_and_urls_come_from_the_file_and_flags() {
        let dir = std::env::temp_dir().join(format!("migrator-cfg-rep-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("migrator.toml");
        let mut s = Settings::default();
        assert_eq!(s.max_replica_lag, None);
        std::fs::write(
            &p,
            "max-replica-lag = \"500ms\"\nreplica-urls = [\"postgres://u:hunter2@r1/db\", \"postgres://u:pw@r2/db\"]\n",
        )
        .unwrap();
        FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap();
        assert_eq!(s.max_replica_lag, Some(Duration::from_millis(500)));
        assert_eq!(s.replica_urls.len(), 2);
        assert!(!format!("{s:?}").contains("hunter2"));
        std::fs::write(&p, "max-replica-lag = 2\n").unwrap();
        FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap();
        assert_eq!(s.max_replica_lag, Some(Duration::from_secs(2)));
        for bad in ["max-replica-lag = 0\n", "max-replica-lag = \"soon\"\n"] {
            std::fs::write(&p, bad).unwrap();
            let e = FileConfig::load(&p).unwrap().apply_to(&mut s).unwrap_err();
            assert!(e.to_string().contains("max-replica-lag"), "{e}");
        }
        std::fs::write(&p, "replica-urls = [\"sqlite://u:hunter2@x/db\"]\n").unwrap();
        let e = FileConfig::load(&p)
            .unwrap()
            .apply_to(&mut s)
            .unwrap_err()
            .to_string();
        assert!(e.contains("replica-urls") && !e.contains("hunter2"), "{e}");
        assert_eq!(
            duration("--max-replica-lag", "2s").unwrap(),
            Duration::from_secs(2)
        );
        assert_eq!(
            duration("--max-replica-lag", "1m").unwrap(),
            Duration::from_secs(60)
        );
        assert_eq!(
            duration("--max-replica-lag", "0.25").unwrap(),
            Duration::from_millis(250)
        );
        let e = duration("--max-replica-lag", "-1s")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--max-replica-lag: "), "{e}");
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
