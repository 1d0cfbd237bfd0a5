//! Logs on stderr: `-v` / `-q`, or `MIGRATOR_LOG` (an `EnvFilter`) when set.

pub fn init(verbose: u8, quiet: bool) {
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
