//! `migrator`: the command-line front of migrator-core. Parses arguments, reads `migrator.toml`,
//! calls the library and prints the result; no migration logic lives here.
//!
//! Exit codes: 0 success, 1 error (a usage error too), 2 "differences / problems found" (verify,
//! lint, drift, diff).
//!
//! - [`args`]: the clap definitions (flags, subcommands, help texts);
//! - [`context`]: flags + environment + `migrator.toml` → [`context::Ctx`];
//! - [`commands`]: one module per subcommand, report → output and exit code;
//! - [`output`]: text / JSON printing and error printing; [`logging`]: stderr logs.

mod args;
mod commands;
mod context;
mod logging;
mod output;

use args::{Cli, Command, FormatArg};
use clap::Parser;
use context::Ctx;
use migrator_core::Error;
use std::process::ExitCode;

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
    logging::init(cli.verbose, cli.quiet);
    let format = cli.format;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::error(&e, format == Some(FormatArg::Json));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

async fn run(cli: Cli) -> Result<u8, Error> {
    let ctx = Ctx::resolve(&cli)?;
    match cli.command {
        Command::Diff(args) => commands::diff::run(&ctx, args).await,
        Command::Plan(args) => commands::plan::run(&ctx, args).await,
        Command::New(args) => commands::new::run(&ctx, args),
        Command::Apply(args) => commands::apply::run(&ctx, args).await,
        Command::Rollback(args) => commands::rollback::run(&ctx, args).await,
        Command::Status => commands::status::run(&ctx).await,
        Command::Drift => commands::drift::run(&ctx).await,
        Command::Verify => commands::verify::run(&ctx).await,
        Command::Rehash => commands::rehash::run(&ctx),
        Command::Baseline(args) => commands::baseline::run(&ctx, args).await,
        Command::Repair(args) => commands::repair::run(&ctx, args).await,
        Command::Lint(args) => commands::lint::run(&ctx, args),
    }
}
