//! Applying migrations at application start-up.
//!
//! The migrations directory of the example project (`../migrations`) is compiled into this
//! binary. At start-up every replica calls `apply`: one applies what is pending, the others wait
//! for its lock and then find nothing to do; with nothing pending it costs one query.
//!
//! ```sh
//! DATABASE_URL=postgres://user:password@localhost:5432/app cargo run -p migrator-examples --bin app_startup
//! ```

use migrator_core::{embed_migrations, Migrator};
use std::process::ExitCode;

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
    match migrator.apply(&database_url).await {
        Ok(report) => {
            print!("{report}");
            println!(
                "schema ready ({} applied now, {} already applied); serving",
                report.applied.len(),
                report.up_to_date
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            // Refuse to start on a schema the code does not expect.
            eprintln!("migrations failed, not starting: {e}");
            ExitCode::FAILURE
        }
    }
}
