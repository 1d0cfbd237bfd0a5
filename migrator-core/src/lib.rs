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
//! Dialect differences live behind one trait per concern — [`catalog::Inspector`],
//! [`render::Renderer`], [`plan::Planner`], [`runner::Target`], [`server::Server`] — and the
//! facts every stage shares (quoting, literals, case folding, capabilities) in [`Dialect`]'s
//! methods: an exhaustive `match`, never an `== Dialect::X` test. Within the MySQL dialect, what
//! differs between MariaDB and MySQL proper (and between versions) is decided in one place,
//! [`flavor::MysqlFlavor`], built from the server's version string: the inspector, renderer and
//! planner ask it, never a version string.
//!
//! # Adding an object kind
//!
//! One home per stage; every `match` on [`diff::Change`] is exhaustive, so once the change
//! variants exist the compiler lists each remaining place. Sequences are the example of the
//! shape:
//!
//! 1. **model**: a type in `schema/` (`schema/sequence.rs`), a `Vec` of it on [`schema::Schema`]
//!    (or on [`schema::Table`]), sorted in `canonicalize`; drop its name from
//!    [`schema::UnmanagedKind`] if it was listed there;
//! 2. **inspector, per dialect**: a query in `catalog/postgres.rs` / `catalog/mysql.rs` (added to
//!    the pipelined batch) and the builder step filling the model; a dialect without the kind
//!    reports what it finds as unmanaged, so `drift` still sees it;
//! 3. **diff**: `diff/<kind>.rs` (`diff/sequence.rs`): the variants in [`diff::Change`], the diff
//!    of two schemas into the right [`diff`] buckets (dependency order), and
//!    [`diff::Change::data_loss`] for the destructive ones;
//! 4. **inverse**: what undoes each variant, beside its diff (`diff::sequence::inverse`, called
//!    from [`plan::inverse::inverse`]): the down files are built from it;
//! 5. **SQL, per dialect**: arms in `render/postgres.rs` and `render/mysql.rs` — or a refusal in
//!    the dialect's `Renderer::check` naming the object, which `plan` and `diff` report before
//!    anything is written;
//! 6. **recipe, per dialect**: arms in `plan/postgres.rs` / `plan/mysql.rs` choosing the phase,
//!    the lock text and the hazards (a plain step is `simple`; an online rebuild gets a recipe
//!    of its own, as `plan/shadow.rs` for columns);
//! 7. **tests**: a snapshot case per variant and renderer (`tests/render_snapshots.rs`, whose
//!    coverage guard fails until the variant has one), the recipe in `tests/plan_snapshots.rs`,
//!    and convergence cases against both servers (`tests/convergence_*.rs`).
//!
//! Domains, composite and range types (Postgres only) have the same shape, with the Postgres
//! SQL and recipes in files of their own: `schema/domain.rs`, the `DOMAINS` / `RANGES` queries
//! (composite types come with the relations, `relkind = 'c'`), `diff/domain.rs` (also enum
//! renames from hints), `render/pg_types.rs`, `plan/pg_types.rs`, sample values in
//! `rehearse/sample.rs`.
//!
//! # Adding a dialect
//!
//! A variant of [`Dialect`] — the compiler then stops at each capability method and factory —
//! and one module per concern: `catalog/<d>.rs` ([`catalog::Inspector`]), `render/<d>.rs`
//! ([`render::Renderer`]), `plan/<d>.rs` ([`plan::Planner`] and the shadow-column hooks),
//! `runner/<d>.rs` ([`runner::Target`]), `server/<d>.rs` ([`server::Server`]), a connection in
//! [`connect`], URL and TLS parameters in [`url`] / [`tls`], and the statement splitter's and
//! linter's grammar (`migrations/split.rs`, `lint/sql.rs`).
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
pub mod erd;
pub mod error;
pub mod flavor;
pub mod fleet;
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

pub use config::{Settings, StopFlag};
pub use dialect::Dialect;
pub use error::{Error, Report, Result};
pub use migrations::{EmbeddedMigrations, MigrationSet};
pub use runner::{Connection, Migrator};
pub use url::DatabaseUrl;

/// Embeds a migrations directory (path relative to the calling crate's `Cargo.toml`) at compile
/// time; the result feeds [`Migrator::from_embedded`].
pub use migrator_macros::embed_migrations;

/// The version of this tool, recorded in the history table.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
