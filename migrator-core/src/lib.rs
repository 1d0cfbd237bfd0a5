//! migrator-core: declarative, zero-downtime schema migrations for Postgres and MySQL/MariaDB.
//!
//! The library is a pipeline, and the module tree follows it:
//!
//! - [`source`]: where a schema comes from — a live database, declared SQL files or a migrations
//!   directory (both loaded into a scratch database);
//! - [`catalog`] → [`schema`]: introspection (one inspector per dialect) into a dialect-neutral model;
//! - [`diff`]: model × model (+ the declared schema's `-- migrator:` hints) → ordered changes;
//! - [`plan`]: changes → expand / backfill / contract steps with locks, hazards and downs;
//! - [`render`]: changes → SQL per dialect;
//! - [`migrations`]: the migrations directory — files, directives, statement splitting, `migrator.sum`;
//! - [`runner`]: history table, one-runner-at-a-time lock, apply / rollback / status / baseline;
//! - [`ops`]: the commands composed from those stages — `diff`, `plan`, `drift` — each returning
//!   a report (above every stage, so no stage imports its caller);
//! - [`rehearse`]: a computed plan run in a scratch database before `plan` writes it — sample
//!   rows, expand and backfill, old- and new-application probes, contract, rollback, lint;
//! - [`lint`]: safety rules on hand-written migration SQL (`migrator lint`), both dialects;
//! - [`server`]: creating and dropping scratch databases, loading a declared schema into one;
//! - [`connect`]: opening connections from a [`DatabaseUrl`] (the only place that sees a password),
//!   with the URL's TLS settings ([`tls`]: rustls, libpq / MySQL `ssl-mode` semantics).
//!
//! Dialect differences live behind one trait per concern (for the runner: [`runner::Target`]),
//! never as `if postgres` branches scattered through the pipeline.
//!
//! Start-up embedding:
//!
//! ```no_run
//! # async fn start(database_url: &str) -> Result<(), migrator_core::Error> {
//! let report = migrator_core::Migrator::from_embedded(migrator_core::embed_migrations!("../migrations"))?
//!     .apply(database_url)
//!     .await?;
//! println!("{report}");
//! # Ok(()) }
//! ```

pub mod catalog;
pub mod config;
pub mod connect;
pub mod dialect;
pub mod diff;
pub mod error;
pub mod lint;
pub mod migrations;
pub mod ops;
pub mod plan;
pub mod rehearse;
pub mod render;
pub mod runner;
pub mod schema;
pub mod server;
pub mod source;
pub mod tls;
pub mod url;

pub use config::Settings;
pub use dialect::Dialect;
pub use error::{Error, Result};
pub use migrations::{EmbeddedMigrations, MigrationSet};
pub use runner::Migrator;
pub use url::DatabaseUrl;

/// Embeds a migrations directory (path relative to the calling crate's `Cargo.toml`) at compile
/// time; the result feeds [`Migrator::from_embedded`].
pub use migrator_macros::embed_migrations;

/// The version of this tool, recorded in the history table.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
