//! Taking the runner lock: polled with backoff, telling who holds it while waiting, bounded.

use super::target::Target;
use crate::{Error, Result};
use rand::Rng;
use std::time::{Duration, Instant};

/// Polls `try_lock` until it succeeds or `wait` elapses. Returns the holder seen while waiting,
/// if the runner had to wait.
pub async fn acquire(target: &mut dyn Target, wait: Duration) -> Result<Option<String>> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(25);
    let mut last_report: Option<Instant> = None;
    let mut holder_seen = None;
    loop {
        if target.try_lock().await? {
            if holder_seen.is_some() {
                tracing::info!(
                    "migration lock acquired after waiting {:.1}s",
                    start.elapsed().as_secs_f64()
                );
            }
            return Ok(holder_seen);
        }
        // Report the holder at once, again when it changes (a holder is sometimes only known
        // by its session id for a moment), and every 5 s while waiting.
        let holder = target
            .lock_holder()
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| "another runner".into());
        if holder_seen.as_ref() != Some(&holder)
            || last_report.is_none_or(|t| t.elapsed() >= Duration::from_secs(5))
        {
            tracing::info!("waiting for the migration lock, held by {holder}");
            last_report = Some(Instant::now());
        }
        holder_seen = Some(holder);
        if start.elapsed() >= wait {
            return Err(Error::Lock(format!(
                "gave up after {:.0}s waiting for the migration lock, held by {}; if that runner is stuck, stop it (its lock is released when its session ends), or raise --runner-lock-wait",
                wait.as_secs_f64(),
                holder_seen.unwrap_or_else(|| "another runner".into())
            )));
        }
        let jitter = rand::thread_rng().gen_range(0..=delay.as_millis() as u64 / 2);
        tokio::time::sleep(delay + Duration::from_millis(jitter)).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// Exponential backoff with jitter for lock-timeout retries: 250 ms, 500 ms, 1 s … capped at 8 s.
pub fn retry_delay(attempt: u32) -> Duration {
    let base = Duration::from_millis(250) * 2u32.saturating_pow(attempt.min(5));
    let base = base.min(Duration::from_secs(8));
    let jitter = rand::thread_rng().gen_range(0..=base.as_millis() as u64 / 4);
    base + Duration::from_millis(jitter)
}
