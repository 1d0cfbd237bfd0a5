//! The command line: global flags, subcommands and their flags (help texts included).

use clap::{Args, Parser, Subcommand, ValueEnum};
use migrator_core::migrations::Version;
use std::path::PathBuf;

/// The heading global options are listed under in a subcommand's `--help` (its own options
/// come first).
const GLOBAL: &str = "Global options";

#[derive(Parser)]
#[command(
    name = "migrator",
    version,
    about = "Declarative, zero-downtime schema migrations for Postgres and MySQL/MariaDB"
)]
pub struct Cli {
    /// Target database: postgres://user:password@host:5432/db or mysql://user:password@host:3306/db.
    #[arg(long, env = "DATABASE_URL", global = true, help_heading = GLOBAL, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Server for scratch databases (declared schemas and replayed directories are loaded there).
    #[arg(long, env = "MIGRATOR_DEV_URL", global = true, help_heading = GLOBAL, hide_env_values = true)]
    pub dev_url: Option<String>,
    /// Declared schema: a .sql file or a directory of them [default: schema.sql].
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub schema: Option<PathBuf>,
    /// Migrations directory [default: migrations].
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub dir: Option<PathBuf>,
    /// Output format [default: text]; github (GitHub Actions workflow annotations) is for
    /// `lint` and `drift` only.
    #[arg(long, value_enum, global = true, help_heading = GLOBAL)]
    pub format: Option<FormatArg>,
    /// Configuration file; its keys are the long flag names. Must exist when given
    /// [default: migrator.toml, when it exists].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Seconds one DDL statement may wait for a table lock before it is retried [default: 2].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "SECS", allow_negative_numbers = true)]
    pub lock_timeout: Option<f64>,
    /// Retries after a lock timeout, with exponential backoff [default: 8].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "N", allow_negative_numbers = true, value_parser = count)]
    pub lock_retries: Option<u32>,
    /// Seconds to wait for another runner's lock [default: 900].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "SECS", allow_negative_numbers = true)]
    pub runner_lock_wait: Option<f64>,
    /// Rows per backfill batch; overrides the files' `batch=N` [default: the file's, else 5000].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "N", allow_negative_numbers = true, value_parser = rows)]
    pub batch_size: Option<u64>,
    /// Seconds to sleep between backfill batches, e.g. 0.1 [default: 0].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "SECS", allow_negative_numbers = true)]
    pub pause: Option<f64>,
    // --- backfill throttle (see `migrator_core::runner::throttle`)
    /// Between backfill batches, wait while a server metric is above its limit:
    /// METRIC=N[,METRIC=N…]. MySQL/MariaDB: a SHOW GLOBAL STATUS variable (Threads_running=25);
    /// Postgres: active (sessions running a query) or lock_waiters (sessions waiting on a lock).
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "METRIC=N", allow_hyphen_values = true)]
    pub max_load: Option<String>,
    /// Like --max-load, but stop the backfill (resumable with `apply`, exit 75) instead of waiting.
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "METRIC=N", allow_hyphen_values = true)]
    pub critical_load: Option<String>,
    /// Longest wait on --max-load before stopping as --critical-load does, e.g. 10m
    /// [default: no limit].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DURATION", allow_hyphen_values = true)]
    pub max_load_wait: Option<String>,
    /// Adaptive backfill batches: resize each batch to take about this long, e.g. 100ms;
    /// --batch-size (or the file's batch=N) is then the first and largest size [default: off].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DURATION", allow_hyphen_values = true)]
    pub batch_target: Option<String>,
    /// Smallest adaptive batch, in rows [default: 10].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "N", allow_negative_numbers = true, value_parser = rows)]
    pub batch_min: Option<u64>,
    /// While one statement runs (an index build, a table rebuild), say so this often, with the
    /// server's progress, e.g. 30s [default: 10s].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DURATION", allow_hyphen_values = true)]
    pub progress_every: Option<String>,
    /// Log more (repeat for debug); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = GLOBAL)]
    pub verbose: u8,
    /// Only errors on stderr (reports on stdout are still printed).
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,
    /// Colour in logs, help and usage errors: auto (when stderr is a terminal and NO_COLOR is
    /// not set), always or never.
    #[arg(long, value_enum, global = true, help_heading = GLOBAL, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(subcommand)]
    pub command: Command,
}

/// `--lock-retries`: a whole number, zero or more (clap names the flag in its message).
fn count(s: &str) -> Result<u32, String> {
    s.trim()
        .parse()
        .map_err(|_| "expected zero or a positive whole number, e.g. 8".to_string())
}

/// `--batch-size`: a positive number of rows.
fn rows(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| "expected a positive number of rows, e.g. 5000".to_string())
}

/// `--canary`, `--steps`: a positive whole number (0 would do nothing, or, for `--canary`, skip
/// the canary stage).
fn positive(s: &str) -> Result<usize, String> {
    s.trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| "expected a positive whole number, e.g. 1".to_string())
}

/// `--format` as given: `github` only means something to `lint` and `drift`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// For people.
    Text,
    /// For programs: one JSON document on stdout (errors too: `{"error": "…"}`).
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`), for `lint` and `drift`.
    Github,
    /// Mermaid: an `erDiagram` for `erd` (its default), a `timeline` of the phases for `plan`.
    Mermaid,
    /// Graphviz DOT, for `erd`.
    Dot,
    /// A stand-alone SVG picture, for `erd` (laid out by migrator: no Graphviz needed).
    Svg,
}

/// `--color`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum ColorArg {
    /// Colour when stderr is a terminal and NO_COLOR is not set (to a non-empty value).
    Auto,
    /// Always colour, even into a pipe or file (NO_COLOR is ignored).
    Always,
    /// Never colour.
    Never,
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
    /// directory, replayed in a scratch database, is the starting point). `--format mermaid`
    /// prints the plan as a timeline of its phases.
    Plan(PlanArgs),
    /// Create an empty up/down pair with the next version and update migrator.sum.
    New(NewArgs),
    /// Apply pending migrations; stops before the first contract migration unless --contract.
    Apply(ApplyArgs),
    /// Run the down files of applied migrations, newest first (default: the newest one).
    Rollback(RollbackArgs),
    /// Applied, pending, awaiting contract, partial/failed migrations and integrity problems.
    /// Exit 0 when nothing needs attention, 2 when a migration is partial, failed, edited after
    /// apply, out of order or missing its file, or migrator.sum does not match.
    Status(StatusArgs),
    /// The live database against the migrations (replayed) and the declared schema (when
    /// --schema is given or schema.sql exists), plus directory integrity, edited, missing and
    /// pending files. Exit 0 clean, 2 drift, 1 error. `--format github` prints the findings
    /// as GitHub Actions annotations. On a fleet (`--targets` / `--target`): every target, one
    /// line each, exit 2 when any drifted.
    Drift(DriftArgs),
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
    /// changes). Exit 2 when any error-level finding remains. `--format github` prints the
    /// findings as GitHub Actions annotations (`::error file=…,line=…::…`) on the files.
    Lint(LintArgs),
    /// Print a shell completion script: `source <(migrator completions bash)`, or save it where
    /// your shell loads completions from.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of migrator, or of one command: `migrator man | man -l -`.
    Man(ManArgs),
    /// Draw the schema as an entity-relationship diagram: tables with their columns and keys,
    /// one line per foreign key with crow's-foot cardinalities (a nullable key: zero or one
    /// parent; a unique key: one-to-one). `--format mermaid` (default), `dot` or `svg`.
    Erd(ErdArgs),
    /// Pause, resume or show running backfills, from any machine: `backfill pause` makes a
    /// running backfill wait before its next batch until `backfill resume`.
    Backfill(BackfillArgs),
}

#[derive(Args)]
pub struct BackfillArgs {
    #[command(subcommand)]
    pub action: BackfillAction,
}

#[derive(Subcommand)]
pub enum BackfillAction {
    /// Make unfinished backfills wait before their next batch (all, or VERSION's).
    Pause(OptionalVersion),
    /// Let paused backfills go on (all, or VERSION's).
    Resume(OptionalVersion),
    /// Each backfill: table, rows, batches, last key and state (running, paused, waiting on
    /// load, stopped, done).
    Status,
}

#[derive(Args)]
pub struct OptionalVersion {
    /// The migration version of the backfill [default: every unfinished backfill].
    pub version: Option<Version>,
}

#[derive(Args)]
pub struct ErdArgs {
    /// What to draw: a database URL, a migrations directory (replayed), or a declared schema
    /// (.sql file or directory) [default: the declared schema, --schema]
    #[arg(long)]
    pub from: Option<String>,
    /// Write the diagram to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: ShellArg,
}

/// The shells `completions` supports.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Args)]
pub struct ManArgs {
    /// A command to print the page of (e.g. apply) [default: the overview page, migrator(1)].
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
    /// Write migrator.1 and one migrator-COMMAND.1 per command into this directory instead.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub out_dir: Option<PathBuf>,
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
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
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
    #[arg(long, allow_negative_numbers = true)]
    pub to: Option<Version>,
    /// Also run contract migrations (after the new application version is deployed).
    #[arg(long)]
    pub contract: bool,
    /// Between backfill batches, wait while a replica is further behind than this: seconds or
    /// a duration, e.g. 2s, 500ms [default: no limit].
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub max_replica_lag: Option<String>,
    /// A replica whose lag --max-replica-lag limits (repeatable). Postgres without it: the
    /// standbys streaming from the primary (pg_stat_replication); MySQL/MariaDB need it.
    /// Prefer replica-urls in migrator.toml: a password on the command line is visible to
    /// other local users.
    #[arg(long = "replica-url", value_name = "URL")]
    pub replica_urls: Vec<String>,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// Many targets instead of --database-url (apply, rollback, status).
#[derive(Args, Default)]
pub struct FleetArgs {
    /// Run on the targets of [targets.NAME] in migrator.toml (databases, or every schema or
    /// database matching a pattern) instead of the one database URL.
    #[arg(long, value_name = "NAME", help_heading = FLEET)]
    pub targets: Option<String>,
    /// A target database URL (repeatable), instead of the one database URL.
    #[arg(long = "target", value_name = "URL", conflicts_with = "targets", help_heading = FLEET)]
    pub target: Vec<String>,
    /// Targets migrated at once, one connection each [default: 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000), allow_negative_numbers = true, help_heading = FLEET)]
    pub parallel: Option<u16>,
    /// Migrate the first K targets first, and stop there unless --continue.
    #[arg(long, value_name = "K", value_parser = positive, allow_negative_numbers = true, help_heading = FLEET)]
    pub canary: Option<usize>,
    /// With --canary: go on to the other targets once the canary targets succeeded.
    #[arg(long = "continue", requires = "canary", help_heading = FLEET)]
    pub past_canary: bool,
    /// Go on with the other targets after one failed (default: start no new target).
    #[arg(long, help_heading = FLEET)]
    pub continue_on_error: bool,
}

const FLEET: &str = "Many targets";

#[derive(Args)]
pub struct RollbackArgs {
    /// How many migrations to roll back.
    #[arg(long, conflicts_with = "to", value_parser = positive, allow_negative_numbers = true)]
    pub steps: Option<usize>,
    /// Roll back every migration newer than this version (0 for all).
    #[arg(long, allow_negative_numbers = true)]
    pub to: Option<Version>,
    /// Run down files marked `-- migrator:irreversible` anyway.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
}

// The VERSION of `baseline` and `repair`.
#[derive(Args)]
pub struct VersionArg {
    /// A migration version: the digits before the first `_` of its file names, e.g.
    /// 20261123120000.
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
    #[arg(long, value_name = "MAJOR", allow_negative_numbers = true)]
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
