//! `migrator`: the command-line front of migrator-core. Parses arguments, reads `migrator.toml`,
//! calls the library and prints the result; no migration logic lives here.
//!
//! Exit codes: 0 success, 1 error (a usage error too), 2 "differences / problems found" (verify,
//! lint, drift, diff, status).
//!
//! - [`args`]: the clap definitions (flags, subcommands, help texts);
//! - [`context`]: flags + environment + `migrator.toml` → [`context::Ctx`];
//! - [`commands`]: one module per subcommand, report → output and exit code;
//! - [`output`]: text / JSON printing and error printing; [`fleet`]: a fleet run's lines;
//!   [`logging`]: stderr logs.

mod args;
mod commands;
mod context;
mod fleet;
mod interrupt;
mod logging;
mod output;

use args::{Cli, ColorArg, Command, FormatArg};
use clap::{CommandFactory, FromArgMatches};
use context::Ctx;
use migrator_core::Error;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A usage error exits 1 like any other error (clap's default, 2, means "problems found"
    // for verify / lint / drift / diff); --help and --version exit 0.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let color = color_flag(&args);
    let parsed = Cli::command()
        .color(match color {
            Some(ColorArg::Always) => clap::ColorChoice::Always,
            Some(ColorArg::Never) => clap::ColorChoice::Never,
            // clap's own `auto` honours NO_COLOR and whether the stream is a terminal.
            Some(ColorArg::Auto) | None => clap::ColorChoice::Auto,
        })
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::from(e.use_stderr()));
        }
    };
    logging::init(cli.verbose, cli.quiet, use_color(cli.color));
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

/// `--color WHEN` / `--color=WHEN` as given, read before clap parses (its own help and errors
/// are coloured by then); `None` when absent or not a valid value (clap reports that).
fn color_flag(args: &[std::ffi::OsString]) -> Option<ColorArg> {
    use clap::ValueEnum;
    let mut found = None;
    let mut iter = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--color") {
            Some("") => iter.next().map(|v| v.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => continue,
        };
        if let Some(v) = value.and_then(|v| ColorArg::from_str(&v, false).ok()) {
            found = Some(v);
        }
    }
    found
}

/// Whether stderr gets colour: `--color always|never`, else when it is a terminal and NO_COLOR
/// is unset or empty (<https://no-color.org>).
fn use_color(choice: ColorArg) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

async fn run(cli: Cli) -> Result<u8, Error> {
    // Commands that need neither configuration nor database.
    match cli.command {
        Command::Completions(args) => return commands::completions::run(args),
        Command::Man(args) => return commands::man::run(args),
        _ => {}
    }
    let ctx = Ctx::resolve(&cli)?;
    match cli.command {
        Command::Diff(args) => commands::diff::run(&ctx, args).await,
        Command::Plan(args) => commands::plan::run(&ctx, args).await,
        Command::New(args) => commands::new::run(&ctx, args),
        Command::Apply(args) => commands::apply::run(&ctx, args).await,
        Command::Rollback(args) => commands::rollback::run(&ctx, args).await,
        Command::Status(args) => commands::status::run(&ctx, args).await,
        Command::Drift(args) => commands::drift::run(&ctx, args).await,
        Command::Verify => commands::verify::run(&ctx).await,
        Command::Rehash => commands::rehash::run(&ctx),
        Command::Baseline(args) => commands::baseline::run(&ctx, args).await,
        Command::Repair(args) => commands::repair::run(&ctx, args).await,
        Command::Lint(args) => commands::lint::run(&ctx, args),
        Command::Erd(args) => commands::erd::run(&ctx, args).await,
        Command::Backfill(args) => commands::backfill::run(&ctx, args).await,
        Command::Completions(_) | Command::Man(_) => unreachable!("handled above"),
    }
}
