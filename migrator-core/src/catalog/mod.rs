//! Catalog introspection: reading a live database into the dialect-neutral [`crate::schema`]
//! model. One module per dialect behind the [`Inspector`] trait.
//!
//! The same inspector reads both sides of every diff — the live database, and the declared
//! schema loaded into a scratch database — so normalization (type spellings, deparsed
//! expressions, generated constraint names) is done by the server, identically on both sides.
//!
//! Inspectors read each kind of object with a few set-based queries over the whole catalog
//! (never one query per table) so that thousands of tables cost milliseconds, not seconds.

pub mod mysql;
mod mysql_event;
mod mysql_partition;
mod mysql_row;
pub mod postgres;

pub use mysql::MysqlInspector;
pub use postgres::PostgresInspector;

use crate::schema::Database;
use crate::{DatabaseUrl, Dialect, Result};
use async_trait::async_trait;

/// Reads a database's catalog into a [`Database`] model.
#[async_trait]
pub trait Inspector: Send {
    fn dialect(&self) -> Dialect;

    /// Inspects `schemas` (Postgres schemas, MySQL databases). An empty slice means every
    /// non-system schema. Schemas that do not exist are absent from the result (not an error:
    /// to a diff, a missing schema is one to create).
    async fn inspect(&mut self, schemas: &[String]) -> Result<Database>;
}

/// Opens an inspector on the database behind `url`.
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Inspector>> {
    match url.dialect() {
        Dialect::Postgres => Ok(Box::new(PostgresInspector::connect(url).await?)),
        Dialect::Mysql => Ok(Box::new(MysqlInspector::connect(url).await?)),
    }
}

/// The prefix of migrator's own bookkeeping objects (`migrator_history`, sync triggers and
/// their functions, temporary check constraints…). They are the tool's, not the user's schema,
/// so no inspector reports any object so named: table, view, sequence, type, function, trigger,
/// policy, rule, constraint or index.
pub const OWN_OBJECT_PREFIX: &str = "migrator_";

/// Whether `name` is one of migrator's own objects (see [`OWN_OBJECT_PREFIX`]).
pub fn is_own_object(name: &str) -> bool {
    name.starts_with(OWN_OBJECT_PREFIX)
}
