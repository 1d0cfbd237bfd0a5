//! The command line: global flags, subcommands and their flags (help texts included).

use clap::{Args, Parser, Subcommand, ValueEnum};
use migrator_core::migrations::Version;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "migrator",
    version,
    about = "Declarative, zero-downtime schema migrations for Postgres and MySQL/MariaDB"
)]
pub struct Cli {
    /// Target database: postgres://user:password@host:5432/db or mysql://user:password@host:3306/db.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Server for scratch databases (declared schemas and replayed directories are loaded there).
    #[arg(long, env = "MIGRATOR_DEV_URL", global = true, hide_env_values = true)]
    pub dev_url: Option<String>,
    /// Declared schema: a .sql file or a directory of them [default: schema.sql].
    #[arg(long, global = true)]
    pub schema: Option<PathBuf>,
    /// Migrations directory [default: migrations].
    #[arg(long, global = true)]
    pub dir: Option<PathBuf>,
    /// Output format [default: text]; github (workflow annotations) is for lint only.
    #[arg(long, value_enum, global = true)]
    pub format: Option<FormatArg>,
    /// Configuration file; its keys are the long flag names.
    #[arg(long, global = true, default_value = "migrator.toml")]
    pub config: PathBuf,
    /// Seconds one DDL statement may wait for a table lock before it is retried [default: 2].
    #[arg(long, global = true)]
    pub lock_timeout: Option<f64>,
    /// Retries after a lock timeout, with exponential backoff [default: 8].
    #[arg(long, global = true)]
    pub lock_retries: Option<u32>,
    /// Seconds to wait for another runner's lock [default: 900].
    #[arg(long, global = true)]
    pub runner_lock_wait: Option<f64>,
    /// Rows per backfill batch; overrides the files' `batch=N` [default: the file's, else 5000].
    #[arg(long, global = true, value_name = "N")]
    pub batch_size: Option<u64>,
    /// Seconds to sleep between backfill batches, e.g. 0.1 [default: 0].
    #[arg(long, global = true, value_name = "SECS")]
    pub pause: Option<f64>,
    /// Log more (repeat for debug); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// `--format` as given: `github` only means something to `lint`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`), for `lint`.
    Github,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    Postgres,
    Mysql,
}

// The argument structs below carry no doc comment of their own: a subcommand's help text is the
// doc comment of its variant here.
#[derive(Subcommand)]
pub enum Command {
    /// Print the SQL that turns FROM into TO (one phase, no files). Exit 0: no changes, 2: changes.
    Diff(DiffArgs),
    /// Plan the declared schema as expand / backfill / contract migration files (the migrations
    /// directory, replayed in a scratch database, is the starting point).
    Plan(PlanArgs),
    /// Create an empty up/down pair with the next version and update migrator.sum.
    New(NewArgs),
    /// Apply pending migrations; stops before the first contract migration unless --contract.
    Apply(ApplyArgs),
    /// Run the down files of applied migrations, newest first (default: the newest one).
    Rollback(RollbackArgs),
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
    Baseline(VersionArg),
    /// Forget a partial or failed run of VERSION after repairing the database by hand.
    Repair(VersionArg),
    /// Check hand-written migration SQL against safety rules (locks, rewrites, breaking
    /// changes). Exit 2 when any error-level finding remains.
    Lint(LintArgs),
}

#[derive(Args)]
pub struct DiffArgs {
    /// A database URL or a migrations directory (replayed).
    #[arg(long)]
    pub from: String,
    /// A database URL, or the declared schema: a .sql file or a directory of them.
    #[arg(long)]
    pub to: String,
    /// Allow drops and lossy type changes.
    #[arg(long)]
    pub allow_destructive: bool,
}

#[derive(Args)]
pub struct PlanArgs {
    /// Name part of the files.
    #[arg(long, default_value = "schema_change")]
    pub name: String,
    /// Print the plan without writing files.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow drops and lossy changes (planned in the contract phase).
    #[arg(long)]
    pub allow_destructive: bool,
    /// Write the files without rehearsing them in a scratch database first.
    #[arg(long)]
    pub no_rehearse: bool,
    /// Sample rows per table for the rehearsal [default: 200].
    #[arg(long, value_name = "N")]
    pub rehearse_rows: Option<u64>,
}

#[derive(Args)]
pub struct NewArgs {
    /// Name of the migration: letters, digits, `_`, `-`.
    pub name: String,
}

#[derive(Args)]
pub struct ApplyArgs {
    /// Apply up to and including this version.
    #[arg(long)]
    pub to: Option<Version>,
    /// Also run contract migrations (after the new application version is deployed).
    #[arg(long)]
    pub contract: bool,
}

#[derive(Args)]
pub struct RollbackArgs {
    /// How many migrations to roll back.
    #[arg(long, conflicts_with = "to")]
    pub steps: Option<usize>,
    /// Roll back every migration newer than this version (0 for all).
    #[arg(long)]
    pub to: Option<Version>,
    /// Run down files marked `-- migrator:irreversible` anyway.
    #[arg(long)]
    pub force: bool,
}

// The VERSION of `baseline` and `repair`.
#[derive(Args)]
pub struct VersionArg {
    pub version: Version,
}

#[derive(Args)]
pub struct LintArgs {
    /// Files to lint [default: every .up.sql and .down.sql in --dir].
    pub files: Vec<PathBuf>,
    /// SQL dialect [default: from the scheme of the database URL].
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// The files are run by psql / mysql, not by migrator: check that they set a lock
    /// timeout, and take Postgres statements as autocommitted unless the file says BEGIN.
    #[arg(long)]
    pub standalone: bool,
    /// Postgres major version the rules assume [default: 13].
    #[arg(long, value_name = "MAJOR")]
    pub postgres_version: Option<u32>,
    /// mysql or mariadb [default: mysql].
    #[arg(long, value_name = "FLAVOR")]
    pub mysql_flavor: Option<String>,
    /// Switch a rule off (repeatable; also `[lint] disabled` in migrator.toml).
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,
    /// List the rules and exit.
    #[arg(long, conflicts_with_all = ["files", "explain"])]
    pub list_rules: bool,
    /// Explain a rule (why, and what to write instead) and exit.
    #[arg(long, value_name = "RULE", conflicts_with = "files")]
    pub explain: Option<String>,
}
