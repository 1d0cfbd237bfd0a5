//! Benchmark: application start-up with nothing pending.
//!
//! ```sh
//! cargo run --release -p migrator-examples --bin bench_startup -- URL [URL…]
//! ```
//!
//! For each database URL (postgres:// or mysql://) it applies the example project's embedded
//! migrations once, then measures, 20 runs each, the median of:
//! - baseline: open a connection, run `SELECT 1`, close;
//! - `Migrator::apply` in-process with nothing pending;
//! - the `migrator apply` command (process start included), when the binary is built.
//!
//! and prints the ratio of the in-process start-up to the baseline.

use migrator_core::{embed_migrations, DatabaseUrl, Dialect, Migrator};
use std::time::{Duration, Instant};

const RUNS: usize = 20;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn baseline(url: &DatabaseUrl, raw: &str) -> Duration {
    let t = Instant::now();
    match url.dialect() {
        Dialect::Postgres => {
            let (client, conn) = tokio_postgres::connect(raw, tokio_postgres::NoTls)
                .await
                .expect("connect");
            let h = tokio::spawn(conn);
            client.simple_query("SELECT 1").await.expect("select 1");
            drop(client);
            let _ = h.await;
        }
        Dialect::Mysql => {
            use mysql_async::prelude::*;
            let mut c = mysql_async::Conn::new(mysql_async::Opts::from_url(raw).expect("url"))
                .await
                .expect("connect");
            c.query_drop("SELECT 1").await.expect("select 1");
            c.disconnect().await.expect("disconnect");
        }
    }
    t.elapsed()
}

#[tokio::main]
async fn main() {
    let urls: Vec<String> = std::env::args().skip(1).collect();
    if urls.is_empty() {
        eprintln!("usage: bench_startup URL [URL…]");
        std::process::exit(2);
    }
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("migrator")))
        .filter(|p| p.exists());
    let migrator =
        Migrator::from_embedded(embed_migrations!("../migrations")).expect("embedded migrations");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    println!("start-up with nothing pending, median of {RUNS} runs");
    println!(
        "{:<10} {:>14} {:>18} {:>8} {:>16}",
        "database", "connect+SELECT1", "Migrator::apply", "ratio", "migrator apply"
    );
    for raw in urls {
        let url = DatabaseUrl::parse(&raw).expect("database URL");
        migrator.apply(&raw).await.expect("first apply");
        let base = median({
            let mut v = Vec::new();
            for _ in 0..RUNS {
                v.push(baseline(&url, &raw).await);
            }
            v
        });
        let lib = median({
            let mut v = Vec::new();
            for _ in 0..RUNS {
                let t = Instant::now();
                let r = migrator.apply(&raw).await.expect("apply");
                assert!(r.applied.is_empty());
                v.push(t.elapsed());
            }
            v
        });
        let cli = bin.as_ref().map(|bin| {
            median(
                (0..RUNS)
                    .map(|_| {
                        let t = Instant::now();
                        let s = std::process::Command::new(bin)
                            .args(["apply", "-q", "--dir", dir, "--database-url", &raw])
                            .stdout(std::process::Stdio::null())
                            .status()
                            .expect("run migrator");
                        assert!(s.success());
                        t.elapsed()
                    })
                    .collect(),
            )
        });
        println!(
            "{:<10} {:>12.2} ms {:>15.2} ms {:>7.2}x {:>13}",
            url.dialect().to_string(),
            base.as_secs_f64() * 1e3,
            lib.as_secs_f64() * 1e3,
            lib.as_secs_f64() / base.as_secs_f64(),
            cli.map(|c| format!("{:.2} ms", c.as_secs_f64() * 1e3))
                .unwrap_or_else(|| "not built".into())
        );
    }
}
