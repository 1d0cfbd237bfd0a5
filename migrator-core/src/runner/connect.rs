//! Opening the runner's dedicated connection: the one place that picks a [`Target`] by dialect.

use super::target::Target;
use crate::{DatabaseUrl, Dialect, Result};

/// Opens a dedicated connection for a runner.
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Target>> {
    match url.dialect() {
        Dialect::Postgres => Ok(Box::new(
            super::postgres::PostgresTarget::connect(url).await?,
        )),
        Dialect::Mysql => Ok(Box::new(super::mysql::MysqlTarget::connect(url).await?)),
    }
}
