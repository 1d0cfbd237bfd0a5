//! Benchmark: migrator's batched backfill against one plain `UPDATE` of the same rows.
//!
//! ```sh
//! cargo run --release -p migrator-examples --bin bench_backfill -- URL [--rows N] [--batch N] [--runs R]
//! ```
//!
//! `URL` is a server URL (postgres:// or mysql://) whose user may create databases: the bench
//! creates a scratch database `migrator_bench_backfill_<pid>` and drops it at the end. For each
//! of `--runs` rounds (default 3) it loads a fresh table `bench_backfill (id bigint primary key,
//! a int, b int, c bigint)` of `--rows` rows (default 1,000,000), then times
//!
//! - migrator: `Migrator::apply` of a migrations directory holding one backfill file,
//!   `UPDATE bench_backfill SET c = a * 3 + b` with `-- migrator:backfill table=bench_backfill
//!   key=id` (batch size: `--batch`, else migrator's default);
//! - plain: one `UPDATE bench_backfill SET c = a * 3 + b` on a fresh table,
//!
//! alternating which goes first, and prints the medians, rows/s, the ratio and this process's
//! peak resident memory (`VmHWM` of /proc/self/status), which is where a backfill that loaded
//! keys into memory would show.

#[path = "bench_common.rs"]
mod bench_common;

use bench_common::{median, with_database, Conn};
use migrator_core::{DatabaseUrl, Migrator, Settings};
use std::time::{Duration, Instant};

const TABLE: &str = "bench_backfill";
const EXPR: &str = "a * 3 + b";

struct Args {
    url: String,
    rows: u64,
    batch: Option<u64>,
    runs: usize,
}

fn args() -> Args {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        url: String::new(),
        rows: 1_000_000,
        batch: None,
        runs: 3,
    };
    let usage = || -> ! {
        eprintln!("usage: bench_backfill URL [--rows N] [--batch N] [--runs R]");
        std::process::exit(2)
    };
    while let Some(arg) = it.next() {
        let mut num = || -> u64 {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| usage())
        };
        match arg.as_str() {
            "--rows" => a.rows = num(),
            "--batch" => a.batch = Some(num()),
            "--runs" => a.runs = num().max(1) as usize,
            _ if a.url.is_empty() && !arg.starts_with('-') => a.url = arg,
            _ => usage(),
        }
    }
    if a.url.is_empty() {
        usage();
    }
    a
}

/// A fresh, analyzed table of `rows` rows, with migrator's bookkeeping reset.
async fn load(url: &str, rows: u64) {
    let mut c = Conn::open(url).await;
    c.exec(&format!(
        "DROP TABLE IF EXISTS {TABLE}, migrator_history, migrator_backfill"
    ))
    .await;
    c.exec(&format!(
        "CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, a INT NOT NULL, b INT NOT NULL, c BIGINT NULL)"
    ))
    .await;
    match c {
        Conn::Pg(_) => {
            c.exec(&format!(
                "INSERT INTO {TABLE} (id, a, b) SELECT g, g % 1000, g % 7 FROM generate_series(1, {rows}) g"
            ))
            .await;
            c.exec(&format!("VACUUM ANALYZE {TABLE}")).await;
            c.try_exec("CHECKPOINT").await;
        }
        Conn::My(_) => {
            let mut id = 1;
            while id <= rows {
                let upto = (id + 4999).min(rows);
                let values: Vec<String> = (id..=upto)
                    .map(|i| format!("({i},{},{})", i % 1000, i % 7))
                    .collect();
                c.exec(&format!(
                    "INSERT INTO {TABLE} (id, a, b) VALUES {}",
                    values.join(",")
                ))
                .await;
                id = upto + 1;
            }
            c.exec(&format!("ANALYZE TABLE {TABLE}")).await;
        }
    }
    c.close().await;
}

async fn check(url: &str, rows: u64) {
    let sql = format!("SELECT count(*) FROM {TABLE} WHERE c = {EXPR}");
    let mut c = Conn::open(url).await;
    let n = c.count(&sql).await;
    c.close().await;
    assert_eq!(n as u64, rows, "not every row was updated");
}

async fn plain(url: &str) -> Duration {
    let t = Instant::now();
    let mut c = Conn::open(url).await;
    c.exec(&format!("UPDATE {TABLE} SET c = {EXPR}")).await;
    c.close().await;
    t.elapsed()
}

async fn backfill(url: &str, migrator: &Migrator) -> (Duration, u64) {
    let t = Instant::now();
    let report = migrator.apply(url).await.expect("backfill");
    let elapsed = t.elapsed();
    (elapsed, report.applied[0].batches.unwrap_or(0))
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let scratch = format!("migrator_bench_backfill_{}", std::process::id());
    let dialect = DatabaseUrl::parse(&a.url).expect("URL").dialect();
    let quoted = bench_common::quote(dialect, &scratch);
    let mut admin = Conn::open(&a.url).await;
    admin.exec(&format!("CREATE DATABASE {quoted}")).await;
    let url = with_database(&a.url, &scratch);

    let dir = std::env::temp_dir().join(&scratch);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let stem = dir.join("20260101000001_backfill_c");
    std::fs::write(
        stem.with_extension("up.sql"),
        format!("-- migrator:phase backfill\n-- migrator:backfill table={TABLE} key=id\nUPDATE {TABLE} SET c = {EXPR};\n"),
    )
    .expect("write migration");
    std::fs::write(
        stem.with_extension("down.sql"),
        format!("UPDATE {TABLE} SET c = NULL;\n"),
    )
    .expect("write migration");
    migrator_core::migrations::rehash(&dir).expect("rehash");
    let settings = Settings {
        backfill_batch_size: a.batch,
        progress_bar: false,
        ..Settings::default()
    };
    let migrator = Migrator::from_dir(&dir)
        .expect("migrations")
        .with_settings(settings);

    let rss_start = status_kib("VmRSS:");
    println!(
        "{dialect}: {} rows, UPDATE {TABLE} SET c = {EXPR}; batch size {}; {} run(s), order alternating",
        a.rows,
        a.batch
            .map(|b| b.to_string())
            .unwrap_or_else(|| format!("default ({})", migrator_core::config::DEFAULT_BACKFILL_BATCH)),
        a.runs
    );
    let (mut bt, mut pt) = (Vec::new(), Vec::new());
    let mut batches = 0;
    for run in 0..a.runs {
        let once = |first: bool| {
            let (url, migrator) = (&url, &migrator);
            async move {
                load(url, a.rows).await;
                if first {
                    let (t, b) = backfill(url, migrator).await;
                    check(url, a.rows).await;
                    (Some((t, b)), None)
                } else {
                    let t = plain(url).await;
                    check(url, a.rows).await;
                    (None, Some(t))
                }
            }
        };
        let order = if run % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for backfill_now in order {
            match once(backfill_now).await {
                (Some((t, b)), _) => {
                    batches = b;
                    println!(
                        "  run {}: backfill {:>8.3} s ({b} batches)",
                        run + 1,
                        t.as_secs_f64()
                    );
                    bt.push(t);
                }
                (_, Some(t)) => {
                    println!("  run {}: plain    {:>8.3} s", run + 1, t.as_secs_f64());
                    pt.push(t);
                }
                _ => unreachable!(),
            }
        }
    }
    let (b, p) = (median(bt), median(pt));
    let rate = |d: Duration| a.rows as f64 / d.as_secs_f64();
    println!(
        "median  backfill {:.3} s ({:.0} rows/s, {batches} batches)   plain UPDATE {:.3} s ({:.0} rows/s)   ratio {:.2}x",
        b.as_secs_f64(),
        rate(b),
        p.as_secs_f64(),
        rate(p),
        b.as_secs_f64() / p.as_secs_f64()
    );
    println!(
        "memory  peak RSS (VmHWM) {} KiB; RSS at start {} KiB, at end {} KiB",
        status_kib("VmHWM:"),
        rss_start,
        status_kib("VmRSS:")
    );

    let _ = std::fs::remove_dir_all(&dir);
    admin
        .exec(&format!("DROP DATABASE IF EXISTS {quoted}"))
        .await;
    admin.close().await;
}
