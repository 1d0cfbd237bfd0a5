//! The commands that compose the pipeline: each reads its sources, runs the stages in order and
//! returns a report for the CLI (or an embedding tool) to print. They sit above every stage, so
//! no stage needs to know another's caller.
//!
//! - [`diff`]: `migrator diff` — two sources, one script;
//! - [`plan`]: `migrator plan` — replayed directory × declared schema → phased files, rehearsed
//!   ([`crate::rehearse`]) before they are written;
//! - [`drift`]: `migrator drift` — live database × directory × declared schema;
//! - [`verify`]: `migrator verify` — directory × `migrator.sum` × history.

pub mod diff;
pub mod drift;
pub mod plan;
pub mod verify;

pub use diff::{diff_sources, SourceDiff};
pub use drift::{drift, drift_fleet, DriftCheck, DriftReport, Finding};
pub use plan::{plan_directory, prepare_plan, PlanDraft, PlanReport};
pub use verify::{verify, VerifyReport};

use crate::{DatabaseUrl, Error, Result};

/// The server scratch databases go to: `dev` (`--dev-url`) or else the target database's server.
/// Refuses a `dev` of another dialect than the target: what is planned or compared there would
/// be that dialect's SQL, written into the other's project.
pub fn scratch_server(
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    command: &str,
) -> Result<DatabaseUrl> {
    match (target, dev) {
        (Some(t), Some(d)) if t.dialect() != d.dialect() => Err(Error::Config {
            file: "arguments".into(),
            message: format!(
                "--dev-url is a {} server but --database-url is a {} database: scratch databases must be on a server of the target's dialect, or `{command}` would produce {} SQL for a {} project; pass a --dev-url of the same kind as the database",
                d.dialect(),
                t.dialect(),
                d.dialect(),
                t.dialect()
            ),
        }),
        (_, Some(d)) => Ok(d.clone()),
        (Some(t), None) => Ok(t.clone()),
        (None, None) => Err(Error::Config {
            file: "arguments".into(),
            message: format!(
                "{command} needs a database server for scratch databases: pass --dev-url or --database-url"
            ),
        }),
    }
}
