//! Ten copies of `examples/app_startup` start at once against one database: every migration runs
//! exactly once and all ten reach "ready" and serve.

use migrator_tests::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn app_bin() -> std::path::PathBuf {
    let migrator = migrator_bin();
    let bin = migrator.with_file_name("app_startup");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "-q",
            "-p",
            "migrator-examples",
            "--bin",
            "app_startup",
        ])
        .status()
        .expect("cargo build");
    assert!(status.success());
    bin
}

fn ten_replicas(url: &str) {
    let bin = app_bin();
    let mut children: Vec<_> = (0..10)
        .map(|_| {
            Command::new(&bin)
                .env("DATABASE_URL", url)
                .env("PORT", "0")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start app")
        })
        .collect();
    let mut applied_total = 0;
    for child in &mut children {
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut addr = None;
        let mut transcript = String::new();
        while addr.is_none() {
            assert!(
                Instant::now() < deadline,
                "a replica never became ready:\n{transcript}"
            );
            let Some(Ok(line)) = lines.next() else {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("a replica exited before ready:\n{transcript}\nstderr:\n{err}");
            };
            transcript.push_str(&line);
            transcript.push('\n');
            if let Some(n) = line
                .split(" migration(s) applied by this replica")
                .next()
                .filter(|_| line.contains("applied by this replica"))
            {
                applied_total += n.trim().parse::<usize>().unwrap();
            }
            addr = line
                .strip_prefix("ready: listening on ")
                .map(str::to_string);
        }
        // It serves.
        let mut s = std::net::TcpStream::connect(addr.unwrap()).unwrap();
        s.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        assert!(
            resp.starts_with("HTTP/1.1 200 OK") && resp.contains("ok: "),
            "{resp}"
        );
    }
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    let expected = migrator_core::MigrationSet::load_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations"
    )))
    .unwrap()
    .migrations
    .len();
    assert_eq!(
        applied_total, expected,
        "each migration applied by exactly one replica"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_replicas_start_at_once_postgres() {
    let Some(db) = fresh_pg_db("app10").await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || ten_replicas(&url))
        .await
        .unwrap();
    let rows = pg_query_strings(
        &db.url,
        "SELECT count(*), count(DISTINCT version) FROM migrator_history WHERE status = 'applied'",
    )
    .await;
    assert_eq!(rows[0][0], rows[0][1]);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_replicas_start_at_once_mariadb() {
    let Some(db) = fresh_mysql_db("app10").await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || ten_replicas(&url))
        .await
        .unwrap();
    let rows = mysql_query_strings(
        &db.url,
        "SELECT count(*), count(DISTINCT version) FROM migrator_history WHERE status = 'applied'",
    )
    .await;
    assert_eq!(rows[0][0], rows[0][1]);
    db.drop_db().await;
}
