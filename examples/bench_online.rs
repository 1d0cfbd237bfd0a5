//! Benchmark: the online impact of a schema change on a busy Postgres or MariaDB / MySQL table.
//!
//! ```sh
//! cargo build --release -p migrator-cli -p migrator-examples
//! target/release/bench_online postgres://user:pw@127.0.0.1:5432/postgres [--rows 1000000] [--clients 4] [--rate 0] [--pause-ms 0] [--batch 5000]
//! target/release/bench_online mysql://user:pw@127.0.0.1:3306/mysql [same options]
//! ```
//!
//! Creates a database with an `accounts` table of N rows, runs a read/write workload
//! (point selects, updates, inserts) on it throughout, and measures three schema changes. The
//! workload runs flat out by default (`--rate 0`: the server saturated, so any extra work shows
//! as latency), or at `--rate` queries per second in all, like `pgbench -R`: a busy but not
//! saturated server, latency counted from each query's scheduled start.
//!
//! 1. migrator's plan for "add a NOT NULL column computed from other columns";
//! 2. migrator's plan for "rename a column";
//! 3. the naive way: `ALTER TABLE ADD COLUMN; UPDATE; SET NOT NULL` in one transaction on
//!    Postgres; on MySQL (no transactional DDL) the same three statements with the server's
//!    default algorithms.
//!
//! For each: failed workload transactions, workload p50 / p99 / max latency during the change
//! against the same workload before it, the slowest workload query (an upper bound on how long
//! any query waited on a lock), total time, backfill rows/s and its ratio to one plain UPDATE of
//! the same rows (measured here, without workload, and as a control during the workload on a
//! twin table the workload never touches: its latency shows what that much work alone costs
//! the workload on this machine), the write slowdown while sync triggers are
//! installed, and the peak memory of the `migrator` process.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Sample {
    at: Instant,
    write: bool,
    latency: Duration,
}

#[derive(Default)]
struct Recorder {
    samples: Mutex<Vec<Sample>>,
    errors: Mutex<Vec<(Instant, String)>>,
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// One connection to either server, used as an application would (text protocol).
enum Conn {
    Pg(tokio_postgres::Client),
    My(mysql_async::Conn),
}

impl Conn {
    async fn open(url: &str) -> Conn {
        if url.starts_with("mysql://") {
            Conn::My(mysql_async::Conn::from_url(url).await.expect("connect"))
        } else {
            let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            Conn::Pg(c)
        }
    }

    /// Runs one statement (Postgres: possibly several, `;`-separated).
    async fn run(&mut self, sql: &str) -> Result<(), String> {
        use mysql_async::prelude::Queryable;
        match self {
            Conn::Pg(c) => c.batch_execute(sql).await.map_err(|e| {
                e.as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string())
            }),
            Conn::My(c) => c.query_drop(sql).await.map_err(|e| e.to_string()),
        }
    }

    async fn exec(&mut self, sql: &str) {
        if let Err(e) = self.run(sql).await {
            panic!("{sql}: {e}");
        }
    }
}

/// The SQL of the benchmark in each dialect.
struct Dialect {
    mysql: bool,
}

impl Dialect {
    fn pick(&self, pg: &str, my: &str) -> String {
        if self.mysql { my } else { pg }.to_string()
    }
}

fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let base = &base[..base.rfind('/').expect("URL has a database path")];
    format!("{base}/{db}{query}")
}

/// Runs the workload until `stop`: each client loops over select / update / insert.
/// `new_shape`: set once the new application version is deployed (after expand): its inserts
/// fill the new NOT NULL column, as the old version's never do.
///
/// `rate`: queries per second over all clients, each client on a fixed schedule, with latency
/// counted from the query's scheduled start (so a stall shows in full, as with `pgbench -R`);
/// 0 runs every client flat out (closed loop: the server saturated).
fn workload(
    url: String,
    clients: u64,
    rows: u64,
    rate: u64,
    stop: Arc<AtomicBool>,
    new_shape: Arc<AtomicBool>,
    rec: Arc<Recorder>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let next_id = Arc::new(AtomicU64::new(rows + 1));
    (0..clients)
        .map(|k| {
            let (url, stop, rec, next_id, new_shape) = (url.clone(), stop.clone(), rec.clone(), next_id.clone(), new_shape.clone());
            tokio::spawn(async move {
                let mut c = Conn::open(&url).await;
                let mut i: u64 = k * 7919;
                let interval = (rate > 0).then(|| Duration::from_secs_f64(clients as f64 / rate as f64));
                // Clients start spread over one interval, not all at once.
                let mut prev_done = Instant::now();
                let mut due = Instant::now() + interval.map_or(Duration::ZERO, |d| d.mul_f64(k as f64 / clients as f64));
                while !stop.load(Ordering::Relaxed) {
                    i = i.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let id = (i >> 33) % rows + 1;
                    let (sql, write) = match i % 10 {
                        0..=4 => (format!("SELECT id, email, balance FROM accounts WHERE id = {id}"), false),
                        5..=7 => (format!("UPDATE accounts SET balance = balance + 1 WHERE id = {id}"), true),
                        _ => {
                            let n = next_id.fetch_add(1, Ordering::Relaxed);
                            if new_shape.load(Ordering::Relaxed) {
                                (format!("INSERT INTO accounts (id, email, balance, email_domain) VALUES ({n}, 'user{n}@bench.example', 0, 'bench.example')"), true)
                            } else {
                                (format!("INSERT INTO accounts (id, email, balance) VALUES ({n}, 'user{n}@bench.example', 0)"), true)
                            }
                        }
                    };
                    // Behind schedule because the previous query ended after this one's slot:
                    // start at once and time from the slot, so the backlog counts. Otherwise
                    // wait for the slot and time from the wake-up (the timer's own lateness,
                    // up to a millisecond, is not the server's).
                    let t = match interval {
                        Some(d) => {
                            let slot = due;
                            due += d;
                            if prev_done > slot {
                                slot
                            } else {
                                tokio::time::sleep_until(slot.into()).await;
                                Instant::now()
                            }
                        }
                        None => Instant::now(),
                    };
                    let r = c.run(&sql).await;
                    prev_done = Instant::now();
                    let latency = prev_done - t;
                    match r {
                        Ok(()) => rec.samples.lock().unwrap().push(Sample { at: t, write, latency }),
                        Err(e) => rec.errors.lock().unwrap().push((t, e)),
                    }
                }
            })
        })
        .collect()
}

/// Runs the `migrator` binary, returning its wall time and peak RSS (KiB, from /proc).
fn run_migrator(
    bin: &std::path::Path,
    args: &[&str],
    dir: &std::path::Path,
    url: &str,
) -> (Duration, u64) {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .arg("--dir")
        .arg(dir.join("migrations"))
        .arg("--schema")
        .arg(dir.join("schema.sql"))
        .arg("-q")
        .env("DATABASE_URL", url)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run migrator");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "migrator {args:?} failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (t.elapsed(), peak)
}

struct Window {
    from: Instant,
    to: Instant,
}

fn stats(rec: &Recorder, w: &Window, writes_only: bool) -> (usize, Duration, Duration, Duration) {
    let samples = rec.samples.lock().unwrap();
    let v: Vec<Duration> = samples
        .iter()
        .filter(|s| s.at >= w.from && s.at < w.to && (!writes_only || s.write))
        .map(|s| s.latency)
        .collect();
    let n = v.len();
    let max = v.iter().max().copied().unwrap_or_default();
    (n, percentile(v.clone(), 0.5), percentile(v, 0.99), max)
}

fn errors_in(rec: &Recorder, w: &Window) -> Vec<String> {
    rec.errors
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| *t >= w.from && *t < w.to)
        .map(|(_, e)| e.clone())
        .collect()
}

#[tokio::main]
async fn main() {
    let server = std::env::args()
        .nth(1)
        .filter(|a| a.contains("://"))
        .expect("usage: bench_online POSTGRES_OR_MYSQL_URL [--rows N] [--clients K]");
    let rows = arg("--rows", 1_000_000);
    let clients = arg("--clients", 4);
    let rate = arg("--rate", 0);
    let bin = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .join("migrator");
    assert!(
        bin.exists(),
        "build the CLI first: cargo build --release -p migrator-cli"
    );
    let d = Dialect {
        mysql: server.starts_with("mysql://"),
    };
    let db = format!("bench_online_{}", std::process::id());
    let mut admin = Conn::open(&server).await;
    admin.exec(&format!("CREATE DATABASE {db}")).await;
    let url = with_db(&server, &db);
    let mut c = Conn::open(&url).await;
    let t = Instant::now();
    c.exec(&d.pick(
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, name text, balance bigint NOT NULL)",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(200) NOT NULL, name varchar(100), balance bigint NOT NULL)",
    ))
    .await;
    c.exec(&d.pick(
        &format!("INSERT INTO accounts SELECT g, 'user' || g || '@example.com', 'name ' || g, 0 FROM generate_series(1, {rows}) g"),
        &format!("INSERT INTO accounts SELECT seq, CONCAT('user', seq, '@example.com'), CONCAT('name ', seq), 0 FROM seq_1_to_{rows}"),
    ))
    .await;
    c.exec(&d.pick("VACUUM ANALYZE accounts", "ANALYZE TABLE accounts"))
        .await;
    println!(
        "setup: {rows} rows in {:.1}s, {clients} workload clients ({}); backfill batches of {} rows, {} ms pause between batches",
        t.elapsed().as_secs_f64(),
        if rate > 0 { format!("{rate} queries/s in all, latency from each query's scheduled start") } else { "flat out: the server saturated".to_string() },
        arg("--batch", 5000),
        arg("--pause-ms", 0)
    );

    // Baseline for the backfill: one plain UPDATE of every row, no workload.
    c.exec(&d.pick(
        "ALTER TABLE accounts ADD COLUMN scratch text",
        "ALTER TABLE accounts ADD COLUMN scratch varchar(200)",
    ))
    .await;
    let t = Instant::now();
    c.exec(&d.pick(
        "UPDATE accounts SET scratch = split_part(email, '@', 2)",
        "UPDATE accounts SET scratch = SUBSTRING_INDEX(email, '@', -1)",
    ))
    .await;
    let plain_update = t.elapsed();
    c.exec("ALTER TABLE accounts DROP COLUMN scratch").await;
    if !d.mysql {
        c.exec("VACUUM accounts").await;
    }
    println!(
        "plain UPDATE of {rows} rows (no workload): {:.2}s",
        plain_update.as_secs_f64()
    );
    // A twin of the table for the control: the same UPDATE during the workload, on rows the
    // workload never touches, shows what the work alone costs it on this machine (CPU, I/O).
    c.exec("CREATE TABLE accounts_twin AS SELECT * FROM accounts")
        .await;
    c.exec(&d.pick(
        "ALTER TABLE accounts_twin ADD PRIMARY KEY (id), ADD COLUMN scratch text",
        "ALTER TABLE accounts_twin ADD PRIMARY KEY (id), ADD COLUMN scratch varchar(200)",
    ))
    .await;

    let work = tempdir();
    let v1 = d.pick(
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, name text, balance bigint NOT NULL);\n",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(200) NOT NULL, name varchar(100), balance bigint NOT NULL);\n",
    );
    std::fs::write(work.join("schema.sql"), &v1).unwrap();
    run_migrator(&bin, &["plan", "--name", "v1"], &work, &url);
    run_migrator(&bin, &["baseline", &last_version(&work)], &work, &url);

    let rec = Arc::new(Recorder::default());
    let stop = Arc::new(AtomicBool::new(false));
    let new_shape = Arc::new(AtomicBool::new(false));
    let tasks = workload(
        url.clone(),
        clients,
        rows,
        rate,
        stop.clone(),
        new_shape.clone(),
        rec.clone(),
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    let baseline = Window {
        from: Instant::now() - Duration::from_secs(4),
        to: Instant::now(),
    };
    let control_start = Instant::now();
    c.exec(&d.pick(
        "UPDATE accounts_twin SET scratch = split_part(email, '@', 2)",
        "UPDATE accounts_twin SET scratch = SUBSTRING_INDEX(email, '@', -1)",
    ))
    .await;
    let control = Window {
        from: control_start,
        to: Instant::now(),
    };
    c.exec("DROP TABLE accounts_twin").await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut results = Vec::new();
    let scenarios: [(&str, String); 2] = [
        ("add NOT NULL column computed from email", d.pick(
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, name text, balance bigint NOT NULL,\n  email_domain text NOT NULL -- migrator:backfill split_part(email, '@', 2)\n);\n",
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(200) NOT NULL, name varchar(100), balance bigint NOT NULL,\n  email_domain varchar(200) NOT NULL -- migrator:backfill SUBSTRING_INDEX(email, '@', -1)\n);\n",
        )),
        ("rename column name -> full_name", d.pick(
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL,\n  full_name text, -- migrator:renamed-from name\n  balance bigint NOT NULL, email_domain text NOT NULL);\n",
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(200) NOT NULL,\n  full_name varchar(100), -- migrator:renamed-from name\n  balance bigint NOT NULL, email_domain varchar(200) NOT NULL);\n",
        )),
    ];
    for (label, schema) in scenarios {
        std::fs::write(work.join("schema.sql"), &schema).unwrap();
        let start = Instant::now();
        let (plan_t, plan_mem) = run_migrator(&bin, &["plan", "--name", "change"], &work, &url);
        let expand_start = Instant::now();
        let pause = format!("{}", arg("--pause-ms", 0) as f64 / 1000.0);
        let batch = arg("--batch", 5000).to_string();
        let (apply_t, apply_mem) = run_migrator(
            &bin,
            &["apply", "--pause", &pause, "--batch-size", &batch],
            &work,
            &url,
        );
        // The new application version is deployed; the old one is gone. Triggers are still
        // installed until contract: measure their write overhead on their own for 3 s.
        new_shape.store(true, Ordering::Relaxed);
        let quiet = Instant::now();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let triggers = Window {
            from: quiet,
            to: Instant::now(),
        };
        let contract_start = Instant::now();
        let (contract_t, contract_mem) = run_migrator(&bin, &["apply", "--contract"], &work, &url);
        let window = Window {
            from: start,
            to: Instant::now(),
        };
        let phases = vec![
            (
                "plan (scratch database)",
                Window {
                    from: start,
                    to: expand_start,
                },
            ),
            (
                "expand + backfill",
                Window {
                    from: expand_start,
                    to: quiet,
                },
            ),
            (
                "contract",
                Window {
                    from: contract_start,
                    to: window.to,
                },
            ),
        ];
        let backfill_rate = rows as f64 / apply_t.as_secs_f64();
        results.push((
            label.to_string(),
            window,
            phases,
            Some(triggers),
            plan_t + apply_t + contract_t,
            Some((apply_t, backfill_rate)),
            plan_mem.max(apply_mem).max(contract_mem),
        ));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    // The naive way, in one transaction.
    let start = Instant::now();
    let mut naive = Conn::open(&url).await;
    let r = naive
        .run(&d.pick(
            "BEGIN; ALTER TABLE accounts ADD COLUMN email_user text DEFAULT ''; UPDATE accounts SET email_user = split_part(email, '@', 1); ALTER TABLE accounts ALTER COLUMN email_user SET NOT NULL; COMMIT;",
            "ALTER TABLE accounts ADD COLUMN email_user varchar(200) DEFAULT ''",
        ))
        .await;
    let r = match r {
        Ok(()) if d.mysql => {
            let r = naive
                .run("UPDATE accounts SET email_user = SUBSTRING_INDEX(email, '@', 1)")
                .await;
            match r {
                Ok(()) => naive
                    .run("ALTER TABLE accounts MODIFY email_user varchar(200) NOT NULL DEFAULT ''")
                    .await,
                e => e,
            }
        }
        r => r,
    };
    let naive_t = start.elapsed();
    if let Err(e) = r {
        println!("naive migration failed: {e}");
    }
    results.push((
        d.pick(
            "naive: ALTER + UPDATE + SET NOT NULL in one transaction",
            "naive: ALTER ADD COLUMN + UPDATE + MODIFY NOT NULL (server's default algorithms)",
        ),
        Window {
            from: start,
            to: Instant::now(),
        },
        Vec::new(),
        None,
        naive_t,
        None,
        0,
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }

    let (bn, b50, b99, bmax) = stats(&rec, &baseline, false);
    let (_, bw50, _, _) = stats(&rec, &baseline, true);
    println!(
        "\nworkload before any change: {bn} queries in 4 s, p50 {} ms, p99 {} ms, max {} ms",
        ms(b50),
        ms(b99),
        ms(bmax)
    );
    let control_t = control.to.duration_since(control.from);
    let (cn, c50, c99, cmax) = stats(&rec, &control, false);
    println!(
        "control: the same UPDATE of {rows} rows on a twin table the workload never touches, during the workload: {:.2} s; workload meanwhile {cn} queries, p50 / p99 / max {} / {} / {} ms (p99 ratio {:.2}x: what the work alone costs the workload on this machine)",
        control_t.as_secs_f64(),
        ms(c50),
        ms(c99),
        ms(cmax),
        c99.as_secs_f64() / b99.as_secs_f64()
    );
    for (label, w, phases, triggers, total, backfill, mem) in &results {
        let (n, p50, p99, max) = stats(&rec, w, false);
        let errors = errors_in(&rec, w);
        println!("\n{label}");
        println!("  total migration time      {:.2} s", total.as_secs_f64());
        println!(
            "  failed workload queries   {} (of {})",
            errors.len(),
            n + errors.len()
        );
        if let Some(e) = errors.first() {
            let mut kinds: std::collections::BTreeMap<&str, usize> = Default::default();
            for e in &errors {
                *kinds.entry(e.as_str()).or_default() += 1;
            }
            for (k, n) in kinds.iter().take(3) {
                println!("    {n} x {k}");
            }
            let _ = e;
        }
        println!("  workload p50 / p99 / max  {} / {} / {} ms  (before: {} / {} / {} ms; p99 ratio {:.2}x)", ms(p50), ms(p99), ms(max), ms(b50), ms(b99), ms(bmax), p99.as_secs_f64() / b99.as_secs_f64());
        println!("  slowest workload query    {} ms (upper bound on any lock wait; migrator's lock_timeout is 2000 ms)", ms(max));
        for (phase, pw) in phases {
            let (n, p50, p99, max) = stats(&rec, pw, false);
            println!(
                "    {phase:<24} {:.2} s, {n} queries, p50 / p99 / max {} / {} / {} ms",
                pw.to.duration_since(pw.from).as_secs_f64(),
                ms(p50),
                ms(p99),
                ms(max)
            );
        }
        if let Some((t, rate)) = backfill {
            println!("  expand + backfill         {:.2} s, {:.0} rows/s, {:.2}x one plain UPDATE without workload ({:.2} s), {:.2}x the control's UPDATE during it ({:.2} s)", t.as_secs_f64(), rate, t.as_secs_f64() / plain_update.as_secs_f64(), plain_update.as_secs_f64(), t.as_secs_f64() / control_t.as_secs_f64(), control_t.as_secs_f64());
        }
        if let Some(tw) = triggers {
            let (_, w50, _, _) = stats(&rec, tw, true);
            println!("  write p50 with triggers   {} ms vs {} ms before ({:.2}x; 3 s after backfill, before contract)", ms(w50), ms(bw50), w50.as_secs_f64() / bw50.as_secs_f64());
        }
        if *mem > 0 {
            println!(
                "  migrator peak memory      {:.1} MiB",
                *mem as f64 / 1024.0
            );
        }
    }
    drop(c);
    drop(naive);
    let _ = admin
        .run(&d.pick(
            &format!("DROP DATABASE {db} WITH (FORCE)"),
            &format!("DROP DATABASE {db}"),
        ))
        .await;
    let _ = std::fs::remove_dir_all(&work);
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("bench-online-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn last_version(work: &std::path::Path) -> String {
    let mut v: Vec<String> = std::fs::read_dir(work.join("migrations"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".up.sql"))
        .map(|n| n.split('_').next().unwrap().to_string())
        .collect();
    v.sort();
    v.pop().unwrap()
}
