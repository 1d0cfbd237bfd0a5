//! `migrator`: the command-line front of migrator-core. Parses arguments, reads `migrator.toml`,
//! calls the library and prints the result; no migration logic lives here.
//!
//! Exit codes: 0 success, 1 error, 2 "differences / problems found" (verify).

use clap::{Parser, Subcommand, ValueEnum};
use migrator_core::config::{batch_size, pause, seconds, FileConfig};
use migrator_core::migrations::{self, Version};
use migrator_core::runner::{ApplyOptions, RollbackTarget};
use migrator_core::{DatabaseUrl, Error, MigrationSet, Migrator, Settings};
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
    /// Migrations directory [default: migrations].
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    /// Output format [default: text].
    #[arg(long, value_enum, global = true)]
    format: Option<Format>,
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

#[derive(Subcommand)]
enum Command {
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
    /// Check the directory against migrator.sum and, with a database, applied files against the
    /// history. Exit 2 on any problem.
    Verify,
    /// Rewrite migrator.sum from the files (after a deliberate hand edit of an unapplied file).
    Rehash,
    /// Adopt an existing database as already migrated up to VERSION (inclusive).
    Baseline { version: Version },
    /// Forget a partial or failed run of VERSION after repairing the database by hand.
    Repair { version: Version },
}

struct Ctx {
    dir: PathBuf,
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
    let cli = Cli::parse();
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
            if format == Some(Format::Json) {
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
    let filter = tracing_subscriber::EnvFilter::try_from_env("MIGRATOR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("migrator_core={level}")));
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
    let format = match (cli.format, file.format.as_deref()) {
        (Some(f), _) => f,
        (None, None | Some("text")) => Format::Text,
        (None, Some("json")) => Format::Json,
        (None, Some(other)) => {
            return Err(Error::Config {
                file: cli.config.display().to_string(),
                message: format!("format = \"{other}\": use \"text\" or \"json\""),
            })
        }
    };
    let ctx = Ctx {
        dir: cli
            .dir
            .or(file.dir.map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("migrations")),
        format,
        database_url: cli.database_url.or(file.database_url),
        settings,
    };

    match cli.command {
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
