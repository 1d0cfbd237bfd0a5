//! Opening the runner's dedicated connection: the one place that picks a [`Target`] by dialect,
//! from a URL or from a connection the application already has ([`Connection`]).

use super::target::Target;
use crate::{DatabaseUrl, Dialect, Result};

/// Opens a dedicated connection for a runner. A URL without a database name is refused
/// ([`DatabaseUrl::require_database`]).
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Target>> {
    url.require_database()?;
    match url.dialect() {
        Dialect::Postgres => Ok(Box::new(
            super::postgres::PostgresTarget::connect(url).await?,
        )),
        Dialect::Mysql => Ok(Box::new(super::mysql::MysqlTarget::connect(url).await?)),
    }
}

/// A connection the application already has, for [`crate::Migrator::apply_on`] and
/// [`crate::Migrator::rollback_on`] (instead of a URL: no second set of credentials, the
/// application's TLS set-up).
///
/// The run needs one connection of its own for its whole length: the migration lock
/// (`pg_advisory_lock` / `GET_LOCK`), its transactions and its session settings belong to the
/// session. So a Postgres client or a MySQL connection is borrowed mutably (nothing else can
/// use it meanwhile), and from a MySQL pool one connection is taken and given back at the end.
/// From a `deadpool_postgres` pool, pass the client of one object
/// (`Connection::Postgres(&mut **pool.get().await?)`). Afterwards the session's lock wait
/// settings are back at their defaults (`RESET lock_timeout`; MySQL `lock_wait_timeout` and
/// `innodb_lock_wait_timeout` `= DEFAULT`).
pub enum Connection<'c> {
    Postgres(&'c mut tokio_postgres::Client),
    Mysql(&'c mut mysql_async::Conn),
    MysqlPool(&'c mysql_async::Pool),
}

impl<'c> From<&'c mut tokio_postgres::Client> for Connection<'c> {
    fn from(c: &'c mut tokio_postgres::Client) -> Self {
        Connection::Postgres(c)
    }
}

impl<'c> From<&'c mut mysql_async::Conn> for Connection<'c> {
    fn from(c: &'c mut mysql_async::Conn) -> Self {
        Connection::Mysql(c)
    }
}

impl<'c> From<&'c mysql_async::Pool> for Connection<'c> {
    fn from(p: &'c mysql_async::Pool) -> Self {
        Connection::MysqlPool(p)
    }
}

impl<'c> Connection<'c> {
    /// How reports name the database.
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Connection::Postgres(_) => "the application's Postgres connection",
            Connection::Mysql(_) => "the application's MySQL connection",
            Connection::MysqlPool(_) => "a connection of the application's MySQL pool",
        }
    }

    pub(super) async fn target(self) -> Result<Box<dyn Target + 'c>> {
        Ok(match self {
            Connection::Postgres(c) => Box::new(super::postgres::PostgresTarget::borrowed(c)),
            Connection::Mysql(c) => Box::new(super::mysql::MysqlTarget::borrowed(c).await?),
            Connection::MysqlPool(p) => Box::new(super::mysql::MysqlTarget::pooled(p).await?),
        })
    }
}
