//! Ctrl-C during `apply` / `rollback`: the first one asks the run to stop at its next safe point
//! (the library's `StopFlag`; the run then says where it stopped and how to resume, exit 130);
//! a second one quits at once.

use migrator_core::StopFlag;

/// Watches for Ctrl-C while `command` runs.
pub fn stop_on_ctrl_c(stop: StopFlag, command: &'static str) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        eprintln!(
            "\ninterrupted: {command} stops after the statement or backfill batch in progress (a file run in one transaction finishes first). Press Ctrl-C again to quit at once"
        );
        stop.request();
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "quit at once: the statement in progress is cut off. On Postgres a file run in one transaction is rolled back as a whole; a statement of a file run statement by statement (and any MySQL statement) may or may not have taken effect. `migrator status` shows what is recorded; `migrator {command}` resumes from there"
            );
            std::process::exit(130);
        }
    });
}
