//! What every command works with: flags, environment and `migrator.toml` resolved into one
//! context (flags win over the file, the file over the defaults).

use crate::args::{Cli, Command, FleetArgs, FormatArg};
use crate::output::{self, Format};
use migrator_core::config::{
    batch_size, duration, load_limits, pause, replica_urls, seconds, FileConfig, LintConfig,
    TargetsConfig,
};
use migrator_core::fleet::{FleetOptions, FleetSpec};
use migrator_core::source::Ignore;
use migrator_core::{DatabaseUrl, Error, MigrationSet, Migrator, Settings};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub struct Ctx {
    /// `--format github` (lint and drift).
    pub github: bool,
    /// Whether `--schema` (or `schema` in migrator.toml) was given.
    pub schema_given: bool,
    pub dir: PathBuf,
    pub schema: PathBuf,
    pub dev_url: Option<String>,
    pub format: Format,
    /// `--format` as given: which drawing `erd` makes.
    pub diagram: FormatArg,
    pub database_url: Option<String>,
    pub settings: Settings,
    /// The `[lint]` table of the configuration file.
    pub lint: LintConfig,
    /// `[schema] ignore` of migrator.toml: kinds of declared objects passed over.
    pub ignore: Ignore,
    /// The configuration file's path, for its error messages.
    pub config_file: String,
    /// `-q`: no warnings on stderr.
    pub quiet: bool,
    /// The `[targets.NAME]` tables of the configuration file.
    pub targets: std::collections::BTreeMap<String, TargetsConfig>,
}

/// A URL flag or variable, unless it is blank.
fn given(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

impl Ctx {
    /// Reads the configuration file and applies the flags on top of it.
    pub fn resolve(cli: &Cli) -> Result<Ctx, Error> {
        // An explicit --config must exist; the default one is read when it does.
        let config_path = cli
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from("migrator.toml"));
        let file = match &cli.config {
            Some(path) => FileConfig::load_required(path)?,
            None => FileConfig::load(&config_path)?,
        };
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
        if let Some(s) = &cli.max_load {
            settings.max_load = load_limits("--max-load", s)?;
        }
        if let Some(s) = &cli.critical_load {
            settings.critical_load = load_limits("--critical-load", s)?;
        }
        if let Some(s) = &cli.max_load_wait {
            settings.max_load_wait = Some(duration("--max-load-wait", s)?);
        }
        if let Some(s) = &cli.batch_target {
            settings.batch_target = Some(duration("--batch-target", s)?);
        }
        if let Some(n) = cli.batch_min {
            settings.batch_min = batch_size("--batch-min", n)?;
        }
        if let Some(s) = &cli.progress_every {
            settings.progress_every = duration("--progress-every", s)?;
        }
        if let Command::Apply(apply) = &cli.command {
            if let Some(text) = &apply.max_replica_lag {
                settings.max_replica_lag = Some(duration("--max-replica-lag", text)?);
            }
            if !apply.replica_urls.is_empty() {
                settings.replica_urls = replica_urls("--replica-url", &apply.replica_urls)?;
            }
        }
        settings.progress_bar = !cli.quiet;
        let config_file = config_path.display().to_string();
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
        let diagram = matches!(cli.command, Command::Erd(_));
        let timeline = matches!(cli.command, Command::Plan(_));
        let format = match format_arg {
            FormatArg::Json if !diagram => Format::Json,
            FormatArg::Text => Format::Text,
            FormatArg::Mermaid | FormatArg::Dot | FormatArg::Svg if diagram => Format::Text,
            // `plan --format mermaid` draws the plan's phases; its log stays text.
            FormatArg::Mermaid if timeline => Format::Text,
            FormatArg::Json | FormatArg::Mermaid | FormatArg::Dot | FormatArg::Svg => {
                return Err(Error::Config {
                    file: "arguments".into(),
                    message: if diagram {
                        "`migrator erd` draws --format mermaid (default), dot or svg".into()
                    } else if timeline {
                        "`migrator plan` prints --format text, json or mermaid (a timeline of its phases)".into()
                    } else {
                        "--format mermaid, dot and svg are for `migrator erd` (and mermaid for `migrator plan`); this command prints text or json".into()
                    },
                })
            }
            FormatArg::Github if matches!(cli.command, Command::Lint(_) | Command::Drift(_)) => {
                Format::Text
            }
            FormatArg::Github => {
                return Err(Error::Config {
                    file: "arguments".into(),
                    message:
                        "--format github is only supported by `migrator lint` and `migrator drift`"
                            .into(),
                })
            }
        };
        let ignore = Ignore::parse(
            file.path.as_deref().unwrap_or("migrator.toml"),
            file.schema_ignore(),
        )?;
        let schema_path = file.schema_path().map(PathBuf::from);
        Ok(Ctx {
            ignore,
            github: matches!(format_arg, FormatArg::Github),
            diagram: format_arg,
            schema_given: cli.schema.is_some() || schema_path.is_some(),
            dir: cli
                .dir
                .clone()
                .or(file.dir.map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("migrations")),
            schema: cli
                .schema
                .clone()
                .or(schema_path)
                .unwrap_or_else(|| PathBuf::from("schema.sql")),
            format,
            // An empty DATABASE_URL / MIGRATOR_DEV_URL (a CI secret that is not set) is no URL.
            dev_url: given(&cli.dev_url).or(file.dev_url),
            database_url: given(&cli.database_url).or(file.database_url),
            settings,
            lint: file.lint,
            targets: file.targets,
            config_file,
            quiet: cli.quiet,
        })
    }

    /// The target database; an error when none was given, or when it names no database.
    pub fn url(&self) -> Result<DatabaseUrl, Error> {
        let raw = self.database_url.as_deref().ok_or_else(|| Error::Config {
            file: "arguments".into(),
            message: "no database: pass --database-url, set DATABASE_URL, or put database-url in migrator.toml".into(),
        })?;
        let url = DatabaseUrl::parse(raw)?;
        url.require_database()?;
        Ok(url)
    }

    /// The targets of `--targets NAME` / `--target URL`…, in order; `None` when neither was
    /// given (the command runs on --database-url).
    pub async fn fleet(&self, args: &FleetArgs) -> Result<Option<Vec<DatabaseUrl>>, Error> {
        if let Some(name) = &args.targets {
            let config = self.targets.get(name).ok_or_else(|| Error::Config {
                file: self.config_file.clone(),
                message: if self.targets.is_empty() {
                    format!("--targets {name}: the file declares no [targets.NAME] table")
                } else {
                    format!(
                        "--targets {name}: no [targets.{name}] table; it declares {}",
                        self.targets.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                },
            })?;
            let spec = FleetSpec::from_config(name, config, Some(&self.config_file))?;
            return spec.resolve().await.map(Some);
        }
        if args.target.is_empty() {
            // Without a fleet they would be ignored, and the run would go to the one database
            // URL (DATABASE_URL, perhaps) all at once: a forgotten --targets is not a canary.
            let fleet_only = [
                (args.parallel.is_some(), "--parallel"),
                (args.canary.is_some(), "--canary"),
                (args.continue_on_error, "--continue-on-error"),
            ];
            if let Some((_, flag)) = fleet_only.iter().find(|(given, _)| *given) {
                return Err(Error::Config {
                    file: flag.to_string(),
                    message: "only applies to a fleet: add --targets NAME or --target URL (without them the command runs on the one database URL)".into(),
                });
            }
            return Ok(None);
        }
        args.target
            .iter()
            .map(|raw| {
                let url = DatabaseUrl::parse(raw)?;
                url.require_database()?;
                Ok(url)
            })
            .collect::<Result<Vec<_>, Error>>()
            .map(Some)
    }

    /// How a fleet run goes, from the flags.
    pub fn fleet_options(&self, args: &FleetArgs) -> FleetOptions {
        FleetOptions {
            parallel: args
                .parallel
                .map_or(FleetOptions::default().parallel, usize::from),
            canary: args.canary.unwrap_or(0),
            past_canary: args.canary.is_none() || args.past_canary,
            continue_on_error: args.continue_on_error,
        }
    }

    /// The migrations directory, which must exist (a mistyped --dir is not "no migrations").
    pub fn existing_dir(&self) -> Result<&Path, Error> {
        if self.dir.is_dir() {
            return Ok(&self.dir);
        }
        let message = if self.dir.exists() {
            "not a directory; --dir (or `dir` in migrator.toml) names the migrations directory"
        } else {
            "no such migrations directory; check --dir (or `dir` in migrator.toml), or create the first migration with `migrator new NAME`"
        };
        Err(Error::Directory {
            file: self.dir.display().to_string(),
            message: message.into(),
        })
    }

    /// The server for scratch databases, when one was given.
    pub fn dev_url(&self) -> Result<Option<DatabaseUrl>, Error> {
        self.dev_url.as_deref().map(DatabaseUrl::parse).transpose()
    }

    /// The migrations directory (which must exist), with the settings. Warns about empty
    /// files.
    pub fn migrator(&self) -> Result<Migrator, Error> {
        let set = MigrationSet::load_dir(self.existing_dir()?)?;
        self.warn_empty_files(&set);
        Ok(Migrator::new(set).with_settings(self.settings.clone()))
    }

    /// `warning: FILE: empty …` on stderr for each file without SQL (not with `-q`).
    pub fn warn_empty_files(&self, set: &MigrationSet) {
        if !self.quiet {
            for w in set.empty_file_warnings() {
                eprintln!("warning: {w}");
            }
        }
    }

    /// Prints a report as text or (pretty) JSON.
    pub fn print<T: Serialize + std::fmt::Display>(&self, value: &T) {
        output::report(self.format, value);
    }
}
