//! The SQL dialects migrator speaks.

use serde::Serialize;
use std::fmt;

/// A database family. MySQL and MariaDB share one dialect; version differences are capability
/// checks inside the MySQL modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Postgres,
    Mysql,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        })
    }
}
