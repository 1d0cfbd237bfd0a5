//! `migrator`: the command-line front of migrator-core. Parses arguments, reads `migrator.toml`,
//! calls the library and prints the result; no migration logic lives here.
//!
//! Exit codes: 0 success, 1 error (a usage error too), 2 "differences / problems found" (verify,
//! lint, drift, diff).

use clap::{Parser, Subcommand, ValueEnum};
use migrator_core::config::{batch_size, pause, seconds, FileConfig};
use migrator_core::diff::DiffOptions;
use migrator_core::lint::{self, LintOptions, Linter};
use migrator_core::migrations::{self, Version};
use migrator_core::ops::diff_sources;
use migrator_core::ops::plan_directory;
use migrator_core::plan::PlanOptions;
use migrator_core::render;
use migrator_core::runner::{ApplyOptions, RollbackTarget};
use migrator_core::source::Source;
use migrator_core::{DatabaseUrl, Dialect, Error, MigrationSet, Migrator, Settings};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "migrator",
    version,
    about = "Declarative, zero-downtime schema migrations for Postgres and MySQL/MariaDB"
)]
struct Cli {
    /// Target database: postgres://user:password@host:5432/db or mysql://user:password@host:3306/db.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Server for scratch databases (declared schemas and replayed directories are loaded there).
    #[arg(long, env = "MIGRATOR_DEV_URL", global = true, hide_env_values = true)]
    dev_url: Option<String>,
    /// Declared schema: a .sql file or a directory of them [default: schema.sql].
    #[arg(long, global = true)]
    schema: Option<PathBuf>,
    /// Migrations directory [default: migrations].
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    /// Output format [default: text]; github (workflow annotations) is for lint only.
    #[arg(long, value_enum, global = true)]
    format: Option<FormatArg>,
    /// Configuration file; its keys are the long flag names.
    #[arg(long, global = true, default_value = "migrator.toml")]
    config: PathBuf,
    /// Seconds one DDL statement may wait for a table lock before it is retried [default: 2].
    #[arg(long, global = true)]
    lock_timeout: Option<f64>,
    /// Retries after a lock timeout, with exponential backoff [default: 8].
    #[arg(long, global = true)]
    lock_retries: Option<u32>,
    /// Seconds to wait for another runner's lock [default: 900].
    #[arg(long, global = true)]
    runner_lock_wait: Option<f64>,
    /// Rows per backfill batch; overrides the files' `batch=N` [default: the file's, else 5000].
    #[arg(long, global = true, value_name = "N")]
    batch_size: Option<u64>,
    /// Seconds to sleep between backfill batches, e.g. 0.1 [default: 0].
    #[arg(long, global = true, value_name = "SECS")]
    pause: Option<f64>,
    /// Log more (repeat for debug); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// `--format` as given: `github` only means something to `lint`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`), for `lint`.
    Github,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DialectArg {
    Postgres,
    Mysql,
}

#[derive(Subcommand)]
enum Command {
    /// Print the SQL that turns FROM into TO (one phase, no files). Exit 0: no changes, 2: changes.
    Diff {
        /// A database URL or a migrations directory (replayed).
        #[arg(long)]
        from: String,
        /// A database URL, or the declared schema: a .sql file or a directory of them.
        #[arg(long)]
        to: String,
        /// Allow drops and lossy type changes.
        #[arg(long)]
        allow_destructive: bool,
    },
    /// Plan the declared schema as expand / backfill / contract migration files (the migrations
    /// directory, replayed in a scratch database, is the starting point).
    Plan {
        /// Name part of the files.
        #[arg(long, default_value = "schema_change")]
        name: String,
        /// Print the plan without writing files.
        #[arg(long)]
        dry_run: bool,
        /// Allow drops and lossy changes (planned in the contract phase).
        #[arg(long)]
        allow_destructive: bool,
        /// Write the files without rehearsing them in a scratch database first.
        #[arg(long)]
        no_rehearse: bool,
        /// Sample rows per table for the rehearsal [default: 200].
        #[arg(long, value_name = "N")]
        rehearse_rows: Option<u64>,
    },
    /// Create an empty up/down pair with the next version and update migrator.sum.
    New {
        /// Name of the migration: letters, digits, `_`, `-`.
        name: String,
    },
    /// Apply pending migrations; stops before the first contract migration unless --contract.
    Apply {
        /// Apply up to and including this version.
        #[arg(long)]
        to: Option<Version>,
        /// Also run contract migrations (after the new application version is deployed).
        #[arg(long)]
        contract: bool,
    },
    /// Run the down files of applied migrations, newest first (default: the newest one).
    Rollback {
        /// How many migrations to roll back.
        #[arg(long, conflicts_with = "to")]
        steps: Option<usize>,
        /// Roll back every migration newer than this version (0 for all).
        #[arg(long)]
        to: Option<Version>,
        /// Run down files marked `-- migrator:irreversible` anyway.
        #[arg(long)]
        force: bool,
    },
    /// Applied, pending, awaiting contract, partial/failed migrations and integrity problems.
    Status,
    /// The live database against the migrations (replayed) and the declared schema (when
    /// --schema is given or schema.sql exists), plus directory integrity, edited, missing and
    /// pending files. Exit 0 clean, 2 drift, 1 error.
    Drift,
    /// Check the directory against migrator.sum and, with a database, applied files against the
    /// history. Exit 2 on any problem.
    Verify,
    /// Rewrite migrator.sum from the files (after a deliberate hand edit of an unapplied file).
    Rehash,
    /// Adopt an existing database as already migrated up to VERSION (inclusive).
    Baseline { version: Version },
    /// Forget a partial or failed run of VERSION after repairing the database by hand.
    Repair { version: Version },
    /// Check hand-written migration SQL against safety rules (locks, rewrites, breaking
    /// changes). Exit 2 when any error-level finding remains.
    Lint {
        /// Files to lint [default: every .up.sql and .down.sql in --dir].
        files: Vec<PathBuf>,
        /// SQL dialect [default: from the scheme of the database URL].
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        /// The files are run by psql / mysql, not by migrator: check that they set a lock
        /// timeout, and take Postgres statements as autocommitted unless the file says BEGIN.
        #[arg(long)]
        standalone: bool,
        /// Postgres major version the rules assume [default: 13].
        #[arg(long, value_name = "MAJOR")]
        postgres_version: Option<u32>,
        /// mysql or mariadb [default: mysql].
        #[arg(long, value_name = "FLAVOR")]
        mysql_flavor: Option<String>,
        /// Switch a rule off (repeatable; also `[lint] disabled` in migrator.toml).
        #[arg(long, value_name = "RULE")]
        disable: Vec<String>,
        /// List the rules and exit.
        #[arg(long, conflicts_with_all = ["files", "explain"])]
        list_rules: bool,
        /// Explain a rule (why, and what to write instead) and exit.
        #[arg(long, value_name = "RULE", conflicts_with = "files")]
        explain: Option<String>,
    },
}

struct Ctx {
    /// `--format github` (lint and drift).
    github: bool,
    /// Whether `--schema` (or `schema` in migrator.toml) was given.
    schema_given: bool,
    dir: PathBuf,
    schema: PathBuf,
    dev_url: Option<String>,
    format: Format,
    database_url: Option<String>,
    settings: Settings,
}

impl Ctx {
    fn url(&self) -> Result<DatabaseUrl, Error> {
        let raw = self.database_url.as_deref().ok_or_else(|| Error::Config {
            file: "arguments".into(),
            message: "no database: pass --database-url, set DATABASE_URL, or put database-url in migrator.toml".into(),
        })?;
        DatabaseUrl::parse(raw)
    }

    fn migrator(&self) -> Result<Migrator, Error> {
        Ok(Migrator::from_dir(&self.dir)?.with_settings(self.settings.clone()))
    }

    /// Prints a report as text or JSON.
    fn print<T: Serialize + std::fmt::Display>(&self, value: &T) {
        match self.format {
            Format::Text => print!("{value}"),
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(value).expect("reports serialize")
            ),
        }
    }
}

fn main() -> ExitCode {
    // A usage error exits 1 like any other error (clap's default, 2, means "problems found"
    // for verify / lint / drift / diff); --help and --version exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::from(e.use_stderr()));
        }
    };
    init_logging(cli.verbose, cli.quiet);
    let format = cli.format;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if format == Some(FormatArg::Json) {
                println!("{}", serde_json::json!({ "error": e.to_string() }));
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) => "info",
        (_, 1) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MIGRATOR_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            // Replays into scratch databases (plan, diff, drift) only report warnings.
            "migrator_core={level},migrator_core[scratch]={}",
            if quiet { "error" } else { "warn" }
        ))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .init();
}

async fn run(cli: Cli) -> Result<u8, Error> {
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
    let format = match format_arg {
        FormatArg::Json => Format::Json,
        FormatArg::Text => Format::Text,
        FormatArg::Github if matches!(cli.command, Command::Lint { .. } | Command::Drift) => {
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
    let schema_given = cli.schema.is_some() || file.schema.is_some();
    let ctx = Ctx {
        github: matches!(format_arg, FormatArg::Github),
        schema_given,
        dir: cli
            .dir
            .or(file.dir.map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("migrations")),
        schema: cli
            .schema
            .or(file.schema.map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("schema.sql")),
        format,
        dev_url: cli.dev_url.or(file.dev_url),
        database_url: cli.database_url.or(file.database_url),
        settings,
    };

    match cli.command {
        Command::Diff {
            from,
            to,
            allow_destructive,
        } => {
            let from = Source::parse(&from)?;
            let to = Source::parse(&to)?;
            let dev = ctx.dev_url.as_deref().map(DatabaseUrl::parse).transpose()?;
            let opts = DiffOptions { allow_destructive };
            let result = diff_sources(&from, &to, dev.as_ref(), opts).await?;
            match ctx.format {
                Format::Text if result.statements.is_empty() => {
                    eprintln!("no changes");
                }
                Format::Text => print!("{}", render::script(&result.statements)),
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&result).expect("diffs serialize")
                ),
            }
            Ok(if result.changes.is_empty() { 0 } else { 2 })
        }
        Command::Plan {
            name,
            dry_run,
            allow_destructive,
            no_rehearse,
            rehearse_rows,
        } => {
            let dev = match ctx.dev_url.as_deref().or(ctx.database_url.as_deref()) {
                Some(u) => DatabaseUrl::parse(u)?,
                None => {
                    return Err(Error::Config {
                        file: "arguments".into(),
                        message: "plan needs a database server for scratch databases: pass --dev-url or --database-url".into(),
                    })
                }
            };
            let opts = PlanOptions {
                allow_destructive,
                batch_size: ctx
                    .settings
                    .backfill_batch_size
                    .unwrap_or(migrator_core::config::DEFAULT_BACKFILL_BATCH),
            };
            let rehearse = migrator_core::rehearse::RehearseOptions {
                rows: rehearse_rows.unwrap_or(migrator_core::rehearse::DEFAULT_ROWS),
                lint: Some(LintOptions::new(dev.dialect()).with_config(&file.lint, &config_file)?),
                settings: ctx.settings.clone(),
            };
            let rehearse = (!no_rehearse).then_some(&rehearse);
            let report =
                plan_directory(&ctx.dir, &ctx.schema, &dev, &name, opts, dry_run, rehearse).await?;
            ctx.print(&report);
            Ok(0)
        }
        Command::New { name } => {
            let (up, down) = migrations::new_migration(&ctx.dir, &name)?;
            let out = serde_json::json!({ "up": up, "down": down });
            match ctx.format {
                Format::Text => println!("created {}\ncreated {}", up.display(), down.display()),
                Format::Json => println!("{out}"),
            }
            Ok(0)
        }
        Command::Rehash => {
            let path = migrations::rehash(&ctx.dir)?;
            match ctx.format {
                Format::Text => println!("wrote {}", path.display()),
                Format::Json => println!("{}", serde_json::json!({ "sum": path })),
            }
            Ok(0)
        }
        Command::Apply { to, contract } => {
            let report = ctx
                .migrator()?
                .apply_with(&ctx.url()?, &ApplyOptions { to, contract })
                .await?;
            ctx.print(&report);
            Ok(0)
        }
        Command::Rollback { steps, to, force } => {
            let what = match (steps, to) {
                (_, Some(v)) => RollbackTarget::To(v),
                (Some(n), None) => RollbackTarget::Steps(n),
                (None, None) => RollbackTarget::Steps(1),
            };
            let report = ctx.migrator()?.rollback(&ctx.url()?, &what, force).await?;
            ctx.print(&report);
            Ok(0)
        }
        Command::Status => {
            let report = ctx.migrator()?.status(&ctx.url()?).await?;
            ctx.print(&report);
            Ok(0)
        }
        Command::Drift => {
            let url = ctx.url()?;
            let dev = ctx.dev_url.as_deref().map(DatabaseUrl::parse).transpose()?;
            let declared =
                (ctx.schema_given || ctx.schema.exists()).then_some(ctx.schema.as_path());
            let report = migrator_core::ops::drift(&url, &ctx.dir, declared, dev.as_ref()).await?;
            if ctx.github {
                print!("{}", report.github());
            } else {
                ctx.print(&report);
            }
            Ok(if report.clean() { 0 } else { 2 })
        }
        Command::Verify => {
            let set = MigrationSet::load_dir(&ctx.dir)?;
            let migrator = Migrator::new(set).with_settings(ctx.settings.clone());
            let report = match &ctx.database_url {
                Some(_) => Some(migrator.status(&ctx.url()?).await?),
                None => None,
            };
            let mut problems: Vec<String> = migrator
                .set
                .integrity
                .iter()
                .map(|p| format!("{}: {}", p.file, p.message))
                .collect();
            if let Some(r) = &report {
                use migrator_core::runner::State;
                for e in &r.migrations {
                    if matches!(
                        e.state,
                        State::Edited | State::MissingFile | State::OutOfOrder
                    ) {
                        let file = e
                            .file
                            .clone()
                            .unwrap_or_else(|| format!("{}_{}.up.sql", e.version, e.name));
                        problems.push(format!("{file}: {}", e.state.as_str()));
                    }
                }
            }
            match ctx.format {
                Format::Text if problems.is_empty() => println!(
                    "{}: {} migration(s), migrator.sum matches{}",
                    ctx.dir.display(),
                    migrator.set.migrations.len(),
                    if report.is_some() {
                        ", applied files unchanged"
                    } else {
                        ""
                    }
                ),
                Format::Text => {
                    for p in &problems {
                        println!("{p}");
                    }
                }
                Format::Json => println!(
                    "{}",
                    serde_json::json!({ "ok": problems.is_empty(), "problems": problems })
                ),
            }
            Ok(if problems.is_empty() { 0 } else { 2 })
        }
        Command::Baseline { version } => {
            let n = ctx.migrator()?.baseline(&ctx.url()?, version).await?;
            match ctx.format {
                Format::Text => {
                    println!("recorded {n} migration(s) up to {version} as applied (baseline)")
                }
                Format::Json => println!(
                    "{}",
                    serde_json::json!({ "baselined": n, "version": version })
                ),
            }
            Ok(0)
        }
        Command::Lint {
            files,
            dialect,
            standalone,
            postgres_version,
            mysql_flavor,
            disable,
            list_rules,
            explain,
        } => {
            if list_rules {
                match ctx.format {
                    Format::Text => print!("{}", lint::rules_table()),
                    Format::Json => println!(
                        "{}",
                        serde_json::to_string_pretty(&lint::rule_infos()).expect("rules serialize")
                    ),
                }
                return Ok(0);
            }
            if let Some(name) = explain {
                print!("{}", lint::explain(&name)?);
                return Ok(0);
            }
            let dialect = lint::resolve_dialect(
                dialect.map(|d| match d {
                    DialectArg::Postgres => Dialect::Postgres,
                    DialectArg::Mysql => Dialect::Mysql,
                }),
                ctx.database_url.as_deref(),
            )?;
            let flag_error = |flag: &str, message: String| Error::Config {
                file: flag.to_string(),
                message,
            };
            let mut options = LintOptions::new(dialect).with_config(&file.lint, &config_file)?;
            options.standalone |= standalone;
            if let Some(v) = postgres_version {
                options.postgres_version = lint::check_postgres_version(v)
                    .map_err(|m| flag_error("--postgres-version", m))?;
            }
            if let Some(f) = mysql_flavor {
                options.mysql_flavor = f.parse().map_err(|m| flag_error("--mysql-flavor", m))?;
            }
            for rule in &disable {
                options
                    .disable(rule)
                    .map_err(|m| flag_error("--disable", m))?;
            }
            let linter = Linter::new(options);
            let report = if files.is_empty() {
                linter.lint_dir(&ctx.dir)?
            } else {
                linter.lint_paths(&files)?
            };
            match (format_arg, ctx.format) {
                (FormatArg::Github, _) => print!("{}", report.github()),
                (_, Format::Text) => print!("{report}"),
                (_, Format::Json) => println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("reports serialize")
                ),
            }
            Ok(report.exit_code())
        }
        Command::Repair { version } => {
            let status = ctx.migrator()?.repair(&ctx.url()?, version).await?;
            match ctx.format {
                Format::Text => println!("forgot the {status} run of {version}; `migrator apply` will run it from the start"),
                Format::Json => println!("{}", serde_json::json!({ "repaired": version, "was": status })),
            }
            Ok(0)
        }
    }
}
