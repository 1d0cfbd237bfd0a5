//! The progress of a backfill for people: a bar under a terminal, log lines otherwise. Its own
//! file because both the batch loop (`backfill`) and the throttle (`throttle`) tell it things.

use super::job::{BackfillJob, BackfillKey};
use crate::migrations::Migration;
use crate::Settings;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Shows how a backfill advances: a progress bar with rows/s when stderr is a terminal,
/// otherwise a log line every few seconds and one at the end.
pub(crate) struct Meter {
    bar: Option<indicatif::ProgressBar>,
    found: BackfillKey,
    started: Instant,
    last_log: Instant,
    rows_before: u64,
    file: String,
    table: String,
}

const LOG_EVERY: Duration = Duration::from_secs(5);

impl Meter {
    pub(super) fn new(
        settings: &Settings,
        m: &Migration,
        job: &BackfillJob,
        rows_before: u64,
    ) -> Meter {
        let bar = (settings.progress_bar && std::io::stderr().is_terminal()).then(|| {
            // Without a server estimate, the total comes from the key range once a batch is
            // done (`update`).
            let total = job.found.estimated_rows.filter(|&n| n > 0);
            let bar = match total {
                Some(n) => indicatif::ProgressBar::new(n.max(rows_before)),
                None if job.found.key_range.is_some() => {
                    indicatif::ProgressBar::new(rows_before.max(1))
                }
                None => indicatif::ProgressBar::no_length(),
            };
            let template = if total.is_some() || job.found.key_range.is_some() {
                "{msg} [{wide_bar}] {human_pos}/~{human_len} rows, {per_sec:0}, {elapsed} (ETA {eta})"
            } else {
                "{msg} {spinner} {human_pos} rows, {per_sec:0}, {elapsed}"
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("backfill {}", job.table));
            bar.set_position(rows_before);
            bar.reset_eta();
            bar
        });
        Meter {
            bar,
            found: job.found.clone(),
            started: Instant::now(),
            last_log: Instant::now(),
            rows_before,
            file: m.up.name.clone(),
            table: job.table.clone(),
        }
    }

    pub(super) fn rate(&self, rows: u64) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            (rows - self.rows_before) as f64 / secs
        } else {
            0.0
        }
    }

    pub(super) fn update(&mut self, rows: u64, batches: u64, last: &str) {
        match &self.bar {
            Some(bar) => {
                if bar.length().is_some() {
                    let total = self.found.estimated_total(rows, Some(last));
                    bar.set_length(total.unwrap_or(rows).max(rows));
                }
                bar.set_position(rows);
            }
            None if self.last_log.elapsed() >= LOG_EVERY => {
                self.last_log = Instant::now();
                tracing::info!(
                    "{}: backfill of {}: {rows} row(s) in {batches} batch(es), {:.0} rows/s, up to key {last}",
                    self.file,
                    self.table,
                    self.rate(rows)
                );
            }
            None => {}
        }
    }

    pub(super) fn finish(&mut self, rows: u64, batches: u64) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        tracing::info!(
            "{}: backfill of {} done: {rows} row(s) in {batches} batch(es), {:.0} rows/s over {:.1}s",
            self.file,
            self.table,
            self.rate(rows),
            self.started.elapsed().as_secs_f64()
        );
    }

    /// Says on the progress bar why the backfill does not advance (`None`: it runs again).
    /// Without a bar the throttle's log lines say it.
    pub(super) fn waiting(&mut self, why: Option<&str>) {
        if let Some(bar) = &self.bar {
            match why {
                Some(why) => bar.set_message(format!("backfill {} ({why})", self.table)),
                None => bar.set_message(format!("backfill {}", self.table)),
            }
        }
    }

    pub(super) fn abandon(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
    }
}
