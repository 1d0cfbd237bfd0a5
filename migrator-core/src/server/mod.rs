//! What migrator does to a server outside a migration: create and drop the scratch databases
//! that normalize schemas, and load a declared schema into one. One implementation per dialect
//! behind [`Server`]; [`crate::source::scratch`] and [`crate::source::DeclaredSchema`] only
//! call the trait.

pub mod mysql;
pub mod postgres;

use crate::{DatabaseUrl, Dialect, Result};
use async_trait::async_trait;

/// A statement of a script that the server refused: its index in the slice given to
/// [`Server::run_script`] and the server's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptFailure {
    pub index: usize,
    pub message: String,
}

/// An administrative connection to a server (to any one of its databases).
#[async_trait]
pub trait Server: Send {
    /// Creates the empty database `name` (a fresh, unique name migrator chose). Postgres copies
    /// `template0`, so nothing an administrator added to `template1` leaks into a model; MySQL
    /// gives it the character set and collation of the database the URL names, so a table
    /// declared without one gets the same on both sides of a diff.
    async fn create_database(&mut self, name: &str) -> Result<()>;

    /// Drops database `name` if it exists, closing the sessions still connected to it.
    async fn drop_database(&mut self, name: &str) -> Result<()>;

    /// Runs `statements` in order on the database this connection is on; stops at the first
    /// one the server refuses. Statements that ran stay (the caller drops the whole database).
    async fn run_script(&mut self, statements: &[&str]) -> Result<(), ScriptFailure>;

    /// The tenants of a fleet generator (see [`crate::fleet`]), in name order: Postgres, the
    /// schemas of this database whose name is `LIKE pattern`; MySQL, the databases of this
    /// server. System schemas and databases are never listed.
    async fn tenants_like(&mut self, pattern: &str) -> Result<Vec<String>>;

    /// The tenants a fleet generator's own query returns (its first column, as text), on this
    /// database.
    async fn tenants_from(&mut self, query: &str) -> Result<Vec<String>>;

    /// Closes the connection cleanly.
    async fn close(self: Box<Self>);
}

/// Connects to the server (and database) `url` names.
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Server>> {
    match url.dialect() {
        Dialect::Postgres => Ok(Box::new(postgres::PostgresServer::connect(url).await?)),
        Dialect::Mysql => Ok(Box::new(mysql::MysqlServer::connect(url).await?)),
    }
}

/// The message for a server that will not let migrator create or drop a scratch database.
pub(crate) fn scratch_hint(message: &str) -> String {
    format!(
        "{message}; migrator needs a scratch database to normalize schemas: give the user the right to create databases, or pass --dev-url with a server where it may"
    )
}
