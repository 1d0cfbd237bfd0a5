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

use crate::server;
use crate::{DatabaseUrl, Result};
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
        let mut admin = server::connect(server).await?;
        let created = admin.create_database(&name).await;
        admin.close().await;
        created?;
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
        let mut admin = server::connect(&self.server).await?;
        let dropped = admin.drop_database(&self.name).await;
        admin.close().await;
        dropped
    }
}
