//! Benchmark: what the rehearsal costs `migrator plan`.
//!
//! ```sh
//! cargo build --release -p migrator-examples
//! target/release/bench_rehearse [--pg URL] [--mysql URL] [--runs 3] [--tables 200] [--rows 200]
//! ```
//!
//! `--pg` / `--mysql` default to `$MIGRATOR_TEST_PG_URL` / `$MIGRATOR_TEST_MYSQL_URL` (an empty
//! value skips that server); their users must be able to create databases. On each server it
//! times `plan` (the library's `ops::plan_directory`, as the CLI calls it) with and without
//! rehearsal (`--rows` sample rows per table, the CLI's default 200), the median of `--runs`
//! runs each, for:
//!
//! - **e-commerce**: the example project's declared versions
//!   (`examples/ecommerce/versions/<dialect>/v1.sql` … `v5.sql`), each planned in order into a
//!   fresh migrations directory (the files of a step are written before the next is planned,
//!   as in the walk-through); the time is the sum of the five plans;
//! - **N tables**: a generated schema of `--tables` tables (key, an integer, a varchar, a text;
//!   every tenth table references the previous one) already planned as v1, then one change
//!   touching every table: a nullable column, a NOT NULL column with a constant default and a
//!   new index on each (not a wider varchar: on Postgres its down, a narrowing `ALTER … TYPE`,
//!   is refused by `lint`, so the rehearsal refuses the plan) (planned with `--dry-run`, so every run plans the
//!   same step).
//!
//! It prints the medians and the ratio rehearsed / not rehearsed, per case and server.

#[path = "bench_common.rs"]
mod bench_common;

use bench_common::{median, quote, with_database, Conn};
use migrator_core::ops::plan_directory;
use migrator_core::plan::PlanOptions;
use migrator_core::rehearse::RehearseOptions;
use migrator_core::{DatabaseUrl, Dialect};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Args {
    pg: Option<String>,
    mysql: Option<String>,
    runs: usize,
    tables: usize,
    rows: u64,
}

fn args() -> Args {
    let usage = || -> ! {
        eprintln!(
            "usage: bench_rehearse [--pg URL] [--mysql URL] [--runs 3] [--tables 200] [--rows 200]\n\
             (URLs default to $MIGRATOR_TEST_PG_URL / $MIGRATOR_TEST_MYSQL_URL)"
        );
        std::process::exit(2)
    };
    let env = |k: &str| std::env::var(k).ok().filter(|u| !u.is_empty());
    let mut a = Args {
        pg: env("MIGRATOR_TEST_PG_URL"),
        mysql: env("MIGRATOR_TEST_MYSQL_URL"),
        runs: 3,
        tables: 200,
        rows: migrator_core::rehearse::DEFAULT_ROWS,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--pg" => a.pg = Some(value()).filter(|u| !u.is_empty()),
            "--mysql" => a.mysql = Some(value()).filter(|u| !u.is_empty()),
            "--runs" => a.runs = value().parse().unwrap_or_else(|_| usage()),
            "--tables" => a.tables = value().parse().unwrap_or_else(|_| usage()),
            "--rows" => a.rows = value().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    if a.runs == 0 || a.tables == 0 {
        usage()
    }
    a
}

/// A directory removed on drop.
struct Temp(PathBuf);

impl Temp {
    fn new(label: &str) -> Temp {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("bench_rehearse_{label}_{}_{k}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const OPTS: PlanOptions = PlanOptions {
    allow_destructive: true,
    batch_size: 5000,
    ignore: migrator_core::source::Ignore::NONE,
};

/// Plans `schema_sql` into `dir` (written unless `dry_run`), rehearsed or not; returns the
/// time taken.
async fn plan(
    dev: &DatabaseUrl,
    dir: &Path,
    schema_sql: &str,
    name: &str,
    dry_run: bool,
    rehearse: Option<&RehearseOptions>,
) -> Duration {
    let schema = dir.join("schema.sql");
    std::fs::write(&schema, schema_sql).unwrap();
    let mig = dir.join("migrations");
    let t = Instant::now();
    let report = plan_directory(&mig, &schema, dev, name, OPTS, dry_run, rehearse)
        .await
        .unwrap_or_else(|e| panic!("plan {name}: {e}"));
    let took = t.elapsed();
    assert!(!report.files.is_empty(), "plan {name}: nothing planned");
    if let Some(r) = &report.rehearsal {
        assert!(r.passed, "plan {name}: rehearsal did not pass");
    }
    took
}

fn ecommerce_versions(dialect: Dialect) -> Vec<(String, String)> {
    let sub = match dialect {
        Dialect::Postgres => "postgres",
        Dialect::Mysql => "mysql",
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ecommerce/versions")
        .join(sub);
    (1..=5)
        .map(|i| {
            let p = dir.join(format!("v{i}.sql"));
            let sql =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (format!("v{i}"), sql)
        })
        .collect()
}

/// The generated schema: `n` tables, before (`v2 = false`) or after the change.
fn many_tables(dialect: Dialect, n: usize, v2: bool) -> String {
    let q = |s: &str| quote(dialect, s);
    let mut out = String::new();
    for i in 0..n {
        let t = format!("t{i:04}");
        let mut cols = vec![
            format!("{} bigint PRIMARY KEY", q("id")),
            format!("{} integer", q("a")),
            format!("{} varchar(40)", q("b")),
            format!("{} text", q("c")),
        ];
        if i % 10 == 9 {
            cols.push(format!(
                "{} bigint REFERENCES {} ({})",
                q("parent_id"),
                q(&format!("t{:04}", i - 1)),
                q("id")
            ));
        }
        if v2 {
            cols.push(format!("{} integer", q("d")));
            cols.push(format!("{} integer NOT NULL DEFAULT 0", q("e")));
        }
        out.push_str(&format!(
            "CREATE TABLE {} (\n  {}\n);\n",
            q(&t),
            cols.join(",\n  ")
        ));
        if v2 {
            out.push_str(&format!(
                "CREATE INDEX {} ON {} ({});\n",
                q(&format!("{t}_a")),
                q(&t),
                q("a")
            ));
        }
    }
    out
}

/// `(not rehearsed, rehearsed)` medians.
type Pair = (Duration, Duration);

async fn bench_ecommerce(dev: &DatabaseUrl, runs: usize, ro: &RehearseOptions) -> Pair {
    let versions = ecommerce_versions(dev.dialect());
    let mut off = Vec::new();
    let mut on = Vec::new();
    for run in 0..runs {
        // Alternate which mode goes first, so neither always meets a warmer server.
        for mode in if run % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        } {
            let dir = Temp::new("shop");
            let mut total = Duration::ZERO;
            for (name, sql) in &versions {
                total += plan(dev, &dir.0, sql, name, false, mode.then_some(ro)).await;
            }
            if mode { &mut on } else { &mut off }.push(total);
        }
    }
    (median(off), median(on))
}

async fn bench_tables(dev: &DatabaseUrl, n: usize, runs: usize, ro: &RehearseOptions) -> Pair {
    let dialect = dev.dialect();
    let dir = Temp::new("tables");
    plan(
        dev,
        &dir.0,
        &many_tables(dialect, n, false),
        "v1",
        false,
        None,
    )
    .await;
    let v2 = many_tables(dialect, n, true);
    let mut off = Vec::new();
    let mut on = Vec::new();
    for run in 0..runs {
        for mode in if run % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        } {
            let took = plan(dev, &dir.0, &v2, "v2", true, mode.then_some(ro)).await;
            if mode { &mut on } else { &mut off }.push(took);
        }
    }
    (median(off), median(on))
}

fn line(server: &str, case: &str, (off, on): Pair) {
    println!(
        "{server:<9} {case:<28} plan --no-rehearse {:>8.2} s   plan (rehearsed) {:>8.2} s   ratio {:>5.1}x   rehearsal adds {:>7.2} s",
        off.as_secs_f64(),
        on.as_secs_f64(),
        on.as_secs_f64() / off.as_secs_f64().max(1e-9),
        on.as_secs_f64() - off.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let a = args();
    let ro = RehearseOptions {
        rows: a.rows,
        ..Default::default()
    };
    println!(
        "bench_rehearse: median of {} run(s); {} sample rows per table; {} generated tables",
        a.runs, a.rows, a.tables
    );
    for (server, url) in [("postgres", &a.pg), ("mysql", &a.mysql)] {
        let Some(url) = url else { continue };
        let dialect = DatabaseUrl::parse(url).expect("URL").dialect();
        // A database of our own as the dev URL (the scratch databases go next to it).
        let name = format!("bench_rehearse_{}", std::process::id());
        let mut admin = Conn::open(url).await;
        admin
            .exec(&format!("CREATE DATABASE {}", quote(dialect, &name)))
            .await;
        let dev = DatabaseUrl::parse(&with_database(url, &name)).expect("URL");
        line(
            server,
            "e-commerce v1..v5 (5 plans)",
            bench_ecommerce(&dev, a.runs, &ro).await,
        );
        line(
            server,
            &format!("{} tables, 1 change each", a.tables),
            bench_tables(&dev, a.tables, a.runs, &ro).await,
        );
        admin
            .exec(&format!("DROP DATABASE {}", quote(dialect, &name)))
            .await;
        admin.close().await;
    }
}
