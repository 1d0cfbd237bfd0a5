//! Logs on stderr: `-v` / `-q`, or `MIGRATOR_LOG` (an `EnvFilter`) when set; colour per
//! `--color` / `NO_COLOR`.

use tracing::Level;
use tracing_subscriber::filter::{dynamic_filter_fn, EnvFilter, FilterExt};
use tracing_subscriber::prelude::*;

/// Installs the stderr logger; `ansi`: colour (see `--color`).
pub fn init(verbose: u8, quiet: bool, ansi: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) => "info",
        (_, 1) => "debug",
        _ => "trace",
    };
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi)
        .without_time();
    if let Ok(filter) = EnvFilter::try_from_env("MIGRATOR_LOG") {
        tracing_subscriber::registry()
            .with(fmt.with_filter(filter))
            .init();
        return;
    }
    // Replays into scratch databases (plan, diff, drift, the rehearsal) only report warnings
    // unless -v: they are migrator's own bookkeeping, not the user's database. An `EnvFilter`
    // span directive cannot lower a level its target already enables, hence the second filter.
    let scratch_level = if verbose > 0 {
        Level::TRACE
    } else {
        Level::WARN
    };
    let quiet_scratch = dynamic_filter_fn(move |meta, cx| {
        meta.is_span()
            || *meta.level() <= scratch_level
            || !cx
                .lookup_current()
                .is_some_and(|s| s.scope().any(|s| s.name() == "scratch"))
    });
    let filter = EnvFilter::new(format!("migrator_core={level}")).and(quiet_scratch);
    tracing_subscriber::registry()
        .with(fmt.with_filter(filter))
        .init();
}
