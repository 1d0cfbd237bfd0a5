//! A small service that applies its migrations at start-up, before serving.
//!
//! The example project's migrations directory (`../migrations`) is compiled into the binary with
//! `embed_migrations!`. Every replica calls `apply` at start-up: one applies what is pending, the
//! others wait for its lock and then find nothing to do; with nothing pending it costs one query
//! and takes no lock. Only then does the service listen.
//!
//! ```sh
//! DATABASE_URL=postgres://user:password@localhost:5432/app cargo run -p migrator-examples --bin app_startup
//! curl localhost:8080/health
//! ```
//!
//! `PORT` (default 8080; 0 picks a free port) sets where it listens. It prints
//! `ready: listening on ADDR` once serving, and stops on Ctrl-C / SIGTERM.

use migrator_core::{embed_migrations, Migrator};
use std::process::ExitCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(database_url) = std::env::var("DATABASE_URL") else {
        eprintln!("set DATABASE_URL (postgres://… or mysql://…)");
        return ExitCode::from(2);
    };
    let migrator = match Migrator::from_embedded(embed_migrations!("../migrations")) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("embedded migrations are broken: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Refuse to serve on a schema the code does not expect.
    let report = match migrator.apply(&database_url).await {
        Ok(report) => report,
        Err(e) => {
            eprintln!("migrations failed, not starting: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{report}");
    let summary = format!(
        "{} migration(s) applied by this replica, {} already applied",
        report.applied.len(),
        report.up_to_date
    );
    println!("{summary}");

    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let listener = match TcpListener::bind(format!("127.0.0.1:{port}")).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on port {port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().expect("bound");
    println!("ready: listening on {addr}");
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((mut socket, _)) = accepted else { continue };
                let body = format!("ok: {summary}\n");
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let _ = socket.read(&mut buf).await;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
            _ = tokio::signal::ctrl_c() => {
                println!("stopping");
                return ExitCode::SUCCESS;
            }
        }
    }
}
