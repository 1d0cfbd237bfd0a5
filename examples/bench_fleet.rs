//! Benchmark: one migrations directory applied to many tenant schemas of one Postgres database,
//! `migrator apply --targets` at several `--parallel` against a shell loop of `migrator apply`
//! per tenant (a URL whose `options` set the tenant's `search_path`: what a user does without
//! fleets), in the same run.
//!
//! ```sh
//! cargo build --release -p migrator-cli -p migrator-examples
//! target/release/bench_fleet [--pg URL] [--tenants 1000] [--parallel 1,4,8] [--no-loop]
//! ```
//!
//! `--pg` defaults to `$MIGRATOR_TEST_PG_URL`; its user must be able to create databases. The
//! project has 5 migrations (a table, a column, an index, a second table with a foreign key, a
//! row). Every contender starts from a fresh database with `--tenants` empty schemas; each run
//! is checked (every tenant at the last version). Printed: wall time, tenants per second, the
//! loop's time over each fleet run's, and the fleet run's peak memory (`/usr/bin/time`), also
//! at a quarter of the tenants, to show it does not grow with their number.

#[path = "bench_common.rs"]
mod bench_common;

use bench_common::{quote, with_database, Conn};
use migrator_core::Dialect;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Args {
    pg: String,
    tenants: usize,
    parallel: Vec<usize>,
    shell_loop: bool,
}

fn args() -> Args {
    let mut a = Args {
        pg: std::env::var("MIGRATOR_TEST_PG_URL").unwrap_or_default(),
        tenants: 1000,
        parallel: vec![1, 4, 8],
        shell_loop: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--pg" => a.pg = value(),
            "--tenants" => a.tenants = value().parse().expect("--tenants N"),
            "--parallel" => {
                a.parallel = value()
                    .split(',')
                    .map(|p| p.trim().parse().expect("--parallel 1,4,8"))
                    .collect()
            }
            "--no-loop" => a.shell_loop = false,
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(
        !a.pg.is_empty(),
        "give --pg URL or set MIGRATOR_TEST_PG_URL"
    );
    a
}

const MIGRATIONS: [(&str, &str, &str); 5] = [
    ("create_accounts", "CREATE TABLE accounts (id BIGINT PRIMARY KEY, email TEXT NOT NULL);\n", "DROP TABLE accounts;\n"),
    ("add_name", "ALTER TABLE accounts ADD COLUMN name TEXT;\n", "ALTER TABLE accounts DROP COLUMN name;\n"),
    ("index_email", "CREATE UNIQUE INDEX accounts_email ON accounts (email);\n", "DROP INDEX accounts_email;\n"),
    ("create_orders", "CREATE TABLE orders (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts (id));\n", "DROP TABLE orders;\n"),
    ("first_account", "INSERT INTO accounts (id, email) VALUES (1, 'owner@example.com');\n", "DELETE FROM accounts WHERE id = 1;\n"),
];

fn migrator_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let bin = exe.with_file_name("migrator");
    assert!(
        bin.is_file(),
        "build it first: cargo build --release -p migrator-cli ({})",
        bin.display()
    );
    bin
}

fn project(dir: &Path, db_url: &str) {
    let m = dir.join("migrations");
    std::fs::create_dir_all(&m).unwrap();
    for (i, (name, up, down)) in MIGRATIONS.iter().enumerate() {
        let v = format!("2026010100000{}", i + 1);
        std::fs::write(m.join(format!("{v}_{name}.up.sql")), up).unwrap();
        std::fs::write(m.join(format!("{v}_{name}.down.sql")), down).unwrap();
    }
    std::fs::write(
        dir.join("migrator.toml"),
        format!("[targets.bench]\nurl = \"{db_url}\"\nschemas = 't\\_%'\n"),
    )
    .unwrap();
    let out = Command::new(migrator_bin())
        .arg("rehash")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rehash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh database with `n` empty tenant schemas, and a project for it.
async fn fresh(server: &str, n: usize, tag: &str) -> (String, String, PathBuf) {
    let db = format!("bench_fleet_{}_{tag}", std::process::id());
    let mut admin = Conn::open(server).await;
    admin
        .exec(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote(Dialect::Postgres, &db)
        ))
        .await;
    admin
        .exec(&format!(
            "CREATE DATABASE {}",
            quote(Dialect::Postgres, &db)
        ))
        .await;
    admin.close().await;
    let url = with_database(server, &db);
    let mut conn = Conn::open(&url).await;
    let ddl: String = (0..n).map(|i| format!("CREATE SCHEMA t_{i:04};")).collect();
    conn.exec(&ddl).await;
    conn.close().await;
    let dir = std::env::temp_dir().join(&db);
    let _ = std::fs::remove_dir_all(&dir);
    project(&dir, &url);
    (db, url, dir)
}

async fn drop_db(server: &str, db: &str, dir: &Path) {
    let mut admin = Conn::open(server).await;
    admin
        .exec(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote(Dialect::Postgres, db)
        ))
        .await;
    admin.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Every tenant at the last version: each has `accounts` with its row and 5 history rows.
async fn check(url: &str, n: usize) {
    let mut conn = Conn::open(url).await;
    let done = conn
        .count("SELECT count(*) FROM pg_tables WHERE tablename = 'migrator_history' AND schemaname LIKE 't\\_%'")
        .await;
    assert_eq!(done as usize, n, "tenants with a history");
    let mut complete = 0;
    for i in (0..n).step_by((n / 20).max(1)) {
        complete += conn
            .count(&format!(
                "SELECT count(*) FROM t_{i:04}.migrator_history WHERE status = 'applied'"
            ))
            .await;
        assert_eq!(
            conn.count(&format!("SELECT count(*) FROM t_{i:04}.accounts"))
                .await,
            1
        );
    }
    assert_eq!(
        complete as usize,
        5 * n.div_ceil((n / 20).max(1)),
        "applied migrations"
    );
    conn.close().await;
}

/// Runs `migrator apply --targets bench --parallel P` under `/usr/bin/time`: wall time and
/// peak resident memory (KiB).
fn fleet_run(dir: &Path, parallel: usize) -> (Duration, u64) {
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "peak-kib %M"])
        .arg(migrator_bin())
        .args([
            "-q",
            "apply",
            "--targets",
            "bench",
            "--parallel",
            &parallel.to_string(),
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .output()
        .expect("/usr/bin/time");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "fleet run: {stderr}");
    let kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-kib "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (took, kib)
}

/// The shell loop: one `migrator apply` per tenant, its URL setting the tenant's search_path.
fn shell_loop(dir: &Path, url: &str, n: usize) -> Duration {
    let sep = if url.contains('?') { '&' } else { '?' };
    let started = Instant::now();
    for i in 0..n {
        let tenant = format!("{url}{sep}options=-c%20search_path%3Dt_{i:04}");
        let out = Command::new(migrator_bin())
            .args(["-q", "apply", "--database-url", &tenant])
            .current_dir(dir)
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "loop, tenant {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let a = args();
    let n = a.tenants;
    println!(
        "fleet of {n} tenant schemas x {} migrations (Postgres)",
        MIGRATIONS.len()
    );
    let mut results: Vec<(String, Duration, Option<u64>)> = Vec::new();
    for &p in &a.parallel {
        let (db, url, dir) = fresh(&a.pg, n, &format!("p{p}")).await;
        let (took, kib) = fleet_run(&dir, p);
        check(&url, n).await;
        drop_db(&a.pg, &db, &dir).await;
        results.push((
            format!("migrator apply --targets, --parallel {p}"),
            took,
            Some(kib),
        ));
    }
    let looped = if a.shell_loop {
        let (db, url, dir) = fresh(&a.pg, n, "loop").await;
        let took = shell_loop(&dir, &url, n);
        check(&url, n).await;
        drop_db(&a.pg, &db, &dir).await;
        results.push(("shell loop of migrator apply".into(), took, None));
        Some(took)
    } else {
        None
    };
    // Memory against the number of targets: a quarter of the tenants at the widest parallel.
    let widest = a.parallel.iter().copied().max().unwrap_or(8);
    let quarter = (n / 4).max(1);
    let (db, url, dir) = fresh(&a.pg, quarter, "quarter").await;
    let (_, quarter_kib) = fleet_run(&dir, widest);
    check(&url, quarter).await;
    drop_db(&a.pg, &db, &dir).await;

    println!(
        "{:<45} {:>9} {:>12} {:>10} {:>10}",
        "contender", "seconds", "tenants/s", "loop / it", "peak MiB"
    );
    for (name, took, kib) in &results {
        let ratio = looped.map_or("-".into(), |l| {
            format!("{:.1}x", l.as_secs_f64() / took.as_secs_f64())
        });
        println!(
            "{name:<45} {:>9.1} {:>12.1} {:>10} {:>10}",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64(),
            ratio,
            kib.map_or("-".into(), |k| format!("{:.1}", k as f64 / 1024.0))
        );
    }
    let full_kib = results
        .iter()
        .find(|(name, ..)| name.ends_with(&format!("--parallel {widest}")))
        .and_then(|r| r.2)
        .unwrap_or(0);
    println!(
        "peak memory at --parallel {widest}: {:.1} MiB for {quarter} tenants, {:.1} MiB for {n} ({:.2}x)",
        quarter_kib as f64 / 1024.0,
        full_kib as f64 / 1024.0,
        full_kib as f64 / quarter_kib.max(1) as f64
    );
}
