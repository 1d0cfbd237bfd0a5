//! The runner: history, one-runner-at-a-time lock, apply, rollback, status, baseline.

use crate::{EmbeddedMigrations, MigrationSet, Result, Settings};

/// Applies a set of migrations to a database.
pub struct Migrator {
    pub set: MigrationSet,
    pub settings: Settings,
}

impl Migrator {
    pub fn from_embedded(embedded: EmbeddedMigrations) -> Result<Migrator> {
        Ok(Migrator {
            set: MigrationSet::from_embedded(&embedded)?,
            settings: Settings::default(),
        })
    }
}
