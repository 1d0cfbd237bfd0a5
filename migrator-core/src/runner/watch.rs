//! Progress of one long statement: an index build, a table rebuild, a validation scan. Such a
//! statement is one round trip that may last minutes; without a word meanwhile an operator
//! cannot tell a big rebuild from a statement stuck behind a lock. While it runs, a line every
//! [`Settings::progress_every`](crate::Settings::progress_every) says how long it has run and
//! what the server reports of it (the index build's phase and share done, the lock it waits
//! for and who holds it, MariaDB's stage and percentage), read on a second connection opened at
//! the first line ([`Target::watch_point`]; a borrowed connection gets the time only).
//!
//! The statement itself cannot be throttled or paused once sent: this only reports. The plan
//! names those statements as hazards (see `plan::mysql::lock_of`).

use super::connect;
use super::target::{Target, WatchPoint};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Runs `statement` (a future sending one statement on the runner's connection), logging its
/// progress every `every` while it lasts. `what` names it in the lines (file, statement, line).
pub(super) async fn watched<T>(
    statement: impl Future<Output = T>,
    every: Duration,
    point: Option<WatchPoint>,
    what: impl Fn() -> String,
) -> T {
    tokio::pin!(statement);
    let started = Instant::now();
    let mut ticks = tokio::time::interval_at(started + every, every);
    let mut watcher = Watcher::new(point);
    loop {
        tokio::select! {
            done = &mut statement => {
                watcher.close().await;
                return done;
            }
            _ = ticks.tick() => {
                let progress = watcher.progress().await;
                tracing::info!(
                    "{}: still running after {}s{}",
                    what(),
                    started.elapsed().as_secs(),
                    progress.map(|p| format!(" ({p})")).unwrap_or_default()
                );
            }
        }
    }
}

/// The second connection, opened at the first progress line and kept for the statement.
struct Watcher {
    point: Option<WatchPoint>,
    conn: Option<Box<dyn Target>>,
}

impl Watcher {
    fn new(point: Option<WatchPoint>) -> Watcher {
        Watcher { point, conn: None }
    }

    /// What the server says of the watched session; `None` when it cannot be asked (no watch
    /// point, the connection failed: said once, then the lines carry the time only).
    async fn progress(&mut self) -> Option<String> {
        let point = self.point.as_ref()?;
        if self.conn.is_none() {
            match connect::connect(&point.url).await {
                Ok(conn) => self.conn = Some(conn),
                Err(e) => {
                    tracing::debug!("no second connection to watch the statement: {e}");
                    self.point = None;
                    return None;
                }
            }
        }
        let conn = self.conn.as_mut()?;
        match conn.statement_progress(&point.session).await {
            Ok(progress) => progress,
            Err(e) => {
                tracing::debug!("reading the statement's progress: {}", e.message);
                None
            }
        }
    }

    async fn close(self) {
        if let Some(conn) = self.conn {
            conn.close().await;
        }
    }
}
