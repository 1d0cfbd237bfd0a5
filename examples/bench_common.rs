//! Helpers shared by the benchmark binaries (included with `#[path] mod bench_common;`): scratch
//! database URLs, one connection type for both dialects, medians.
//!
//! Benchmarks, not library code: a failed set-up step panics with the SQL that failed.
#![allow(dead_code)] // each binary uses its own subset

use migrator_core::{DatabaseUrl, Dialect};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `url` with its path (the database) replaced.
pub fn with_database(url: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL with ://");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let query = rest[end..]
        .find('?')
        .map(|i| &rest[end + i..])
        .unwrap_or("");
    format!("{scheme}://{}/{db}{query}", &rest[..end])
}

/// `name` quoted as an identifier of `dialect`.
pub fn quote(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
    }
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A connection to either dialect.
pub enum Conn {
    Pg(tokio_postgres::Client),
    My(mysql_async::Conn),
}

impl Conn {
    pub async fn open(url: &str) -> Conn {
        match DatabaseUrl::parse(url).expect("URL").dialect() {
            Dialect::Postgres => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect");
                tokio::spawn(conn);
                Conn::Pg(client)
            }
            Dialect::Mysql => Conn::My(
                mysql_async::Conn::new(mysql_async::Opts::from_url(url).expect("URL"))
                    .await
                    .expect("connect"),
            ),
        }
    }

    pub async fn exec(&mut self, sql: &str) {
        match self {
            Conn::Pg(c) => c
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e:?}")),
            Conn::My(c) => {
                use mysql_async::prelude::Queryable;
                c.query_drop(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// Runs `sql`, ignoring errors (e.g. CHECKPOINT without the privilege).
    pub async fn try_exec(&mut self, sql: &str) {
        match self {
            Conn::Pg(c) => {
                let _ = c.batch_execute(sql).await;
            }
            Conn::My(c) => {
                use mysql_async::prelude::Queryable;
                let _ = c.query_drop(sql).await;
            }
        }
    }

    /// The first column of the first row of `sql`, as an integer.
    pub async fn count(&mut self, sql: &str) -> i64 {
        match self {
            Conn::Pg(c) => c
                .query_one(sql, &[])
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
                .get(0),
            Conn::My(c) => {
                use mysql_async::prelude::Queryable;
                let n: Option<i64> = c
                    .query_first(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                n.unwrap_or(0)
            }
        }
    }

    pub async fn close(self) {
        if let Conn::My(c) = self {
            let _ = c.disconnect().await;
        }
    }
}

/// Runs a client command, its output discarded, and times it; a failure panics with its stderr.
pub fn run(cmd: &mut Command, what: &str) -> Duration {
    let started = Instant::now();
    let out = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let elapsed = started.elapsed();
    if !out.status.success() {
        panic!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    elapsed
}

/// The MariaDB / MySQL client: `mariadb` on PATH, else `mysql`.
pub fn mysql_client() -> &'static str {
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
    };
    if on_path("mariadb") {
        "mariadb"
    } else {
        "mysql"
    }
}
