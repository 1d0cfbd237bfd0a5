//! Scratch databases: short-lived databases on a server where migrator loads a declared schema
//! or replays a migrations directory, so that both sides of a diff are read by the same
//! introspection code (the server normalizes types, defaults and names, never a parser).
//!
//! A MySQL scratch database gets the default character set and collation of the database the
//! server URL names (the live one, when a diff compares with it), so that tables declared
//! without a character set get the same one on both sides.
//!
//! Created with a random name (`migrator_scratch_<pid>_<random>`) and dropped by the caller via
//! [`Scratch::drop`] on every path. A process killed in between leaves one behind; it is never
//! reused, and its prefix makes it easy to find and drop by hand.

use crate::connect;
use crate::{DatabaseUrl, Dialect, Error, Result};
use rand::Rng;

/// A scratch database created on a server.
pub struct Scratch {
    /// URL of the scratch database (same server and credentials as the one it was made from).
    pub url: DatabaseUrl,
    server: DatabaseUrl,
    name: String,
}

/// The prefix of every scratch database name.
pub const SCRATCH_PREFIX: &str = "migrator_scratch_";

impl Scratch {
    /// Creates an empty database on the server of `server` (any database URL of that server).
    pub async fn create(server: &DatabaseUrl) -> Result<Scratch> {
        let name = format!(
            "{SCRATCH_PREFIX}{}_{:08x}",
            std::process::id(),
            rand::thread_rng().gen::<u32>()
        );
        let context = || format!("creating scratch database {name} on {}", server.redacted());
        match server.dialect() {
            Dialect::Postgres => {
                let client = connect::postgres(server, "migrator scratch").await?;
                // template0: nothing an administrator added to template1 leaks into the model.
                client
                    .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
                    .await
                    .map_err(|e| Error::db(context(), scratch_hint(&connect::pg_error_text(&e))))?;
            }
            Dialect::Mysql => {
                use mysql_async::prelude::*;
                let mut conn = connect::mysql(server).await?;
                // The defaults of the database the URL names (the live one, usually), so that a
                // table declared without a character set gets the same one on both sides.
                let defaults: Option<(Option<String>, Option<String>)> = conn
                    .query_first("SELECT @@character_set_database, @@collation_database")
                    .await
                    .map_err(|e| Error::db(context(), e))?;
                let (charset, collation) = match defaults {
                    Some((Some(cs), Some(co))) if is_plain_name(&cs) && is_plain_name(&co) => {
                        (cs, co)
                    }
                    _ => ("utf8mb4".to_string(), "utf8mb4_general_ci".to_string()),
                };
                let r = conn
                    .query_drop(format!(
                        "CREATE DATABASE `{name}` CHARACTER SET {charset} COLLATE {collation}"
                    ))
                    .await;
                let _ = conn.disconnect().await;
                r.map_err(|e| Error::db(context(), scratch_hint(&e.to_string())))?;
            }
        }
        Ok(Scratch {
            url: server.with_database(&name),
            server: server.clone(),
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the scratch database (closing sessions still connected to it).
    pub async fn drop(self) -> Result<()> {
        let context = || format!("dropping scratch database {}", self.name);
        match self.server.dialect() {
            Dialect::Postgres => {
                let client = connect::postgres(&self.server, "migrator scratch").await?;
                client
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                        self.name
                    ))
                    .await
                    .map_err(|e| Error::db(context(), connect::pg_error_text(&e)))
            }
            Dialect::Mysql => {
                use mysql_async::prelude::*;
                let mut conn = connect::mysql(&self.server).await?;
                let r = conn
                    .query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name))
                    .await;
                let _ = conn.disconnect().await;
                r.map_err(|e| Error::db(context(), e))
            }
        }
    }
}

fn scratch_hint(message: &str) -> String {
    format!(
        "{message}; migrator needs a scratch database to normalize schemas: give the user the right to create databases, or pass --dev-url with a server where it may"
    )
}

/// A character set or collation name as the server reports it (`[A-Za-z0-9_]`), safe to splice.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
