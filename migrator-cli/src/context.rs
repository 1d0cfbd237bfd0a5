//! What every command works with: flags, environment and `migrator.toml` resolved into one
//! context (flags win over the file, the file over the defaults).

use crate::args::{Cli, Command, FormatArg};
use crate::output::{self, Format};
use migrator_core::config::{batch_size, pause, seconds, FileConfig, LintConfig};
use migrator_core::{DatabaseUrl, Error, Migrator, Settings};
use serde::Serialize;
use std::path::PathBuf;

pub struct Ctx {
    /// `--format github` (lint and drift).
    pub github: bool,
    /// Whether `--schema` (or `schema` in migrator.toml) was given.
    pub schema_given: bool,
    pub dir: PathBuf,
    pub schema: PathBuf,
    pub dev_url: Option<String>,
    pub format: Format,
    pub database_url: Option<String>,
    pub settings: Settings,
    /// The `[lint]` table of the configuration file.
    pub lint: LintConfig,
    /// The configuration file's path, for its error messages.
    pub config_file: String,
}

impl Ctx {
    /// Reads the configuration file and applies the flags on top of it.
    pub fn resolve(cli: &Cli) -> Result<Ctx, Error> {
        let file = FileConfig::load(&cli.config)?;
        let mut settings = Settings::default();
        file.apply_to(&mut settings)?;
        if let Some(s) = cli.lock_timeout {
            settings.lock_timeout = seconds("--lock-timeout", s)?;
        }
        if let Some(n) = cli.lock_retries {
            settings.lock_retries = n;
        }
        if let Some(s) = cli.runner_lock_wait {
            settings.runner_lock_wait = seconds("--runner-lock-wait", s)?;
        }
        if let Some(n) = cli.batch_size {
            settings.backfill_batch_size = Some(batch_size("--batch-size", n)?);
        }
        if let Some(s) = cli.pause {
            settings.backfill_pause = pause("--pause", s)?;
        }
        settings.progress_bar = !cli.quiet;
        let config_file = cli.config.display().to_string();
        let format_arg = match (cli.format, file.format.as_deref()) {
            (Some(f), _) => f,
            (None, None | Some("text")) => FormatArg::Text,
            (None, Some("json")) => FormatArg::Json,
            (None, Some("github")) => FormatArg::Github,
            (None, Some(other)) => {
                return Err(Error::Config {
                    file: config_file,
                    message: format!("format = \"{other}\": use \"text\", \"json\" or \"github\""),
                })
            }
        };
        let format =
            match format_arg {
                FormatArg::Json => Format::Json,
                FormatArg::Text => Format::Text,
                FormatArg::Github if matches!(cli.command, Command::Lint(_) | Command::Drift) => {
                    Format::Text
                }
                FormatArg::Github => return Err(Error::Config {
                    file: "arguments".into(),
                    message:
                        "--format github is only supported by `migrator lint` and `migrator drift`"
                            .into(),
                }),
            };
        Ok(Ctx {
            github: matches!(format_arg, FormatArg::Github),
            schema_given: cli.schema.is_some() || file.schema.is_some(),
            dir: cli
                .dir
                .clone()
                .or(file.dir.map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("migrations")),
            schema: cli
                .schema
                .clone()
                .or(file.schema.map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("schema.sql")),
            format,
            dev_url: cli.dev_url.clone().or(file.dev_url),
            database_url: cli.database_url.clone().or(file.database_url),
            settings,
            lint: file.lint,
            config_file,
        })
    }

    /// The target database; an error when none was given.
    pub fn url(&self) -> Result<DatabaseUrl, Error> {
        let raw = self.database_url.as_deref().ok_or_else(|| Error::Config {
            file: "arguments".into(),
            message: "no database: pass --database-url, set DATABASE_URL, or put database-url in migrator.toml".into(),
        })?;
        DatabaseUrl::parse(raw)
    }

    /// The server for scratch databases, when one was given.
    pub fn dev_url(&self) -> Result<Option<DatabaseUrl>, Error> {
        self.dev_url.as_deref().map(DatabaseUrl::parse).transpose()
    }

    /// The migrations directory, with the settings.
    pub fn migrator(&self) -> Result<Migrator, Error> {
        Ok(Migrator::from_dir(&self.dir)?.with_settings(self.settings.clone()))
    }

    /// Prints a report as text or (pretty) JSON.
    pub fn print<T: Serialize + std::fmt::Display>(&self, value: &T) {
        output::report(self.format, value);
    }
}
