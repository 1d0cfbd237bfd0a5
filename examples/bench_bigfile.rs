//! Benchmark: one migration file of many single-row `INSERT`s, applied with `migrator apply`
//! against the database's own client running the same file.
//!
//! ```sh
//! cargo build --release -p migrator-cli -p migrator-examples
//! target/release/bench_bigfile [--pg URL] [--mysql URL] [--rows 500000] [--rounds 1]
//! ```
//!
//! `--pg` / `--mysql` default to `$MIGRATOR_TEST_PG_URL` / `$MIGRATOR_TEST_MYSQL_URL` (an empty
//! value skips that database); their users must be able to create databases. The project has
//! two migrations: a `CREATE TABLE`, then one file of `--rows` `INSERT`s (one row each). Every
//! contender runs on a fresh database, in an order rotating from round to round:
//!
//! - Postgres, transactional file: `migrator apply` (the file and its history row in one
//!   transaction) against `psql -X -1 -f` (one transaction too);
//! - Postgres, the same file with `-- migrator:no-transaction`: `migrator apply` (groups of
//!   statements committed with their progress row) against `psql -X -f` (autocommit);
//! - MariaDB: `migrator apply` (groups, as above) against `mariadb < file` (autocommit).
//!
//! Every run is checked (row count, and the history row for migrator); the median times and
//! the ratio migrator / client are printed.

#[path = "bench_common.rs"]
mod bench_common;

use bench_common::{median, mysql_client, quote, run, with_database, Conn};
use migrator_core::Dialect;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

struct Args {
    pg: Option<String>,
    mysql: Option<String>,
    rows: usize,
    rounds: usize,
}

fn args() -> Args {
    let usage = || -> ! {
        eprintln!(
            "usage: bench_bigfile [--pg URL] [--mysql URL] [--rows 500000] [--rounds 1]\n\
             (URLs default to $MIGRATOR_TEST_PG_URL / $MIGRATOR_TEST_MYSQL_URL)"
        );
        std::process::exit(2)
    };
    let env = |k: &str| std::env::var(k).ok().filter(|u| !u.is_empty());
    let mut a = Args {
        pg: env("MIGRATOR_TEST_PG_URL"),
        mysql: env("MIGRATOR_TEST_MYSQL_URL"),
        rows: 500_000,
        rounds: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--pg" => a.pg = Some(value()).filter(|u| !u.is_empty()),
            "--mysql" => a.mysql = Some(value()).filter(|u| !u.is_empty()),
            "--rows" => a.rows = value().parse().unwrap_or_else(|_| usage()),
            "--rounds" => a.rounds = value().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    if (a.pg.is_none() && a.mysql.is_none()) || a.rows == 0 || a.rounds == 0 {
        usage();
    }
    a
}

/// One way of running the file on one engine.
struct Case {
    label: &'static str,
    dialect: Dialect,
    /// `-- migrator:no-transaction` at the top of the big file.
    no_transaction: bool,
    /// What the client does (for the table).
    client: &'static str,
}

const CREATE: &str =
    "CREATE TABLE big (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, qty INT NOT NULL);\n";

/// Writes the project and the client's script; returns the migrations directory and script.
fn write_project(root: &Path, case: &Case, rows: usize) -> (PathBuf, PathBuf) {
    let tag = case.label.replace([' ', ','], "-");
    let dir = root.join(format!("{tag}-migrations"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the migrations directory");
    let mut inserts = String::with_capacity(rows * 70);
    if case.no_transaction {
        inserts.push_str("-- migrator:no-transaction\n");
    }
    for i in 1..=rows {
        let _ = writeln!(
            inserts,
            "INSERT INTO big (id, name, qty) VALUES ({i}, 'row {i}', {});",
            i % 100
        );
    }
    let files = [
        ("20260101000001_create_big", CREATE, "DROP TABLE big;\n"),
        (
            "20260101000002_fill_big",
            inserts.as_str(),
            "DELETE FROM big;\n",
        ),
    ];
    for (stem, up, down) in files {
        std::fs::write(dir.join(format!("{stem}.up.sql")), up).expect("write");
        std::fs::write(dir.join(format!("{stem}.down.sql")), down).expect("write");
    }
    migrator_core::migrations::rehash(&dir).expect("write migrator.sum");
    let script = root.join(format!("{tag}.sql"));
    std::fs::write(&script, format!("{CREATE}{inserts}")).expect("write the script");
    (dir, script)
}

/// The client command for `url`, reading `script`.
fn client(case: &Case, url: &str, script: &Path) -> Command {
    match case.dialect {
        Dialect::Postgres => {
            let mut c = Command::new("psql");
            c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]);
            if !case.no_transaction {
                c.arg("-1");
            }
            c.arg("-f").arg(script).arg(url);
            c
        }
        Dialect::Mysql => {
            let opts = mysql_async::Opts::from_url(url).expect("mysql URL");
            let mut c = Command::new(mysql_client());
            c.arg("--protocol=TCP")
                .arg(format!("--host={}", opts.ip_or_hostname()))
                .arg(format!("--port={}", opts.tcp_port()))
                .arg(format!("--user={}", opts.user().unwrap_or("root")))
                .arg(opts.db_name().expect("database in the URL"))
                .stdin(std::fs::File::open(script).expect("open the script"));
            // The password goes through the environment, never the command line.
            if let Some(pass) = opts.pass() {
                c.env("MYSQL_PWD", pass);
            }
            c
        }
    }
}

async fn check(url: &str, rows: usize, with_history: bool) {
    let mut c = Conn::open(url).await;
    assert_eq!(
        c.count("SELECT count(*) FROM big").await as usize,
        rows,
        "rows in {url:?}"
    );
    if with_history {
        let applied = c
            .count("SELECT count(*) FROM migrator_history WHERE status = 'applied'")
            .await;
        assert_eq!(applied, 2, "history rows");
    }
    c.close().await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = args();
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("migrator")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| {
            eprintln!("the migrator binary is not built next to this one: cargo build --release -p migrator-cli -p migrator-examples");
            std::process::exit(2)
        });
    let root = std::env::temp_dir().join(format!("migrator-bench-bigfile-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("temp dir");
    let cases = [
        Case {
            label: "postgres",
            dialect: Dialect::Postgres,
            no_transaction: false,
            client: "psql -1 -f (one transaction)",
        },
        Case {
            label: "postgres, no-transaction",
            dialect: Dialect::Postgres,
            no_transaction: true,
            client: "psql -f (autocommit)",
        },
        Case {
            label: "mariadb",
            dialect: Dialect::Mysql,
            no_transaction: false,
            client: "mariadb < file (autocommit)",
        },
    ];
    let mut summary = Vec::new();
    for case in &cases {
        let server = match case.dialect {
            Dialect::Postgres => &a.pg,
            Dialect::Mysql => &a.mysql,
        };
        let Some(server) = server else { continue };
        let (dir, script) = write_project(&root, case, a.rows);
        println!(
            "\n{}: {} single-row INSERTs in one file, {} round(s)",
            case.label, a.rows, a.rounds
        );
        let mut admin = Conn::open(server).await;
        // 0: migrator, 1: the client.
        let mut times = [Vec::new(), Vec::new()];
        for r in 0..a.rounds {
            let mut line = format!("  round {}:", r + 1);
            for k in 0..2 {
                let i = (r + k) % 2;
                let db = format!("bench_bigfile_{i}");
                admin
                    .exec(&format!(
                        "DROP DATABASE IF EXISTS {}",
                        quote(case.dialect, &db)
                    ))
                    .await;
                admin
                    .exec(&format!("CREATE DATABASE {}", quote(case.dialect, &db)))
                    .await;
                let url = with_database(server, &db);
                let (name, took) = if i == 0 {
                    let mut c = Command::new(&bin);
                    c.args(["apply", "-q", "--dir"])
                        .arg(&dir)
                        .args(["--database-url", &url]);
                    ("migrator", run(&mut c, "migrator apply"))
                } else {
                    ("client", run(&mut client(case, &url, &script), case.client))
                };
                check(&url, a.rows, i == 0).await;
                admin
                    .exec(&format!(
                        "DROP DATABASE IF EXISTS {}",
                        quote(case.dialect, &db)
                    ))
                    .await;
                let _ = write!(line, "  {name} {:.0} ms", took.as_secs_f64() * 1e3);
                times[i].push(took);
            }
            println!("{line}");
        }
        admin.close().await;
        let [m, c] = times;
        summary.push((case, median(m), median(c)));
    }
    println!(
        "\n{} rows, median of {} round(s) (fresh databases, order rotating)",
        a.rows, a.rounds
    );
    println!(
        "{:<26} {:>14} {:>12} {:>8}   client",
        "case", "migrator apply", "client", "ratio"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for (case, m, c) in summary {
        println!(
            "{:<26} {:>11.0} ms {:>9.0} ms {:>7.2}x   {}",
            case.label,
            ms(m),
            ms(c),
            ms(m) / ms(c),
            case.client
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
