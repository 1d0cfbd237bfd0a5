//! The commands that compose the pipeline: each reads its sources, runs the stages in order and
//! returns a report for the CLI (or an embedding tool) to print. They sit above every stage, so
//! no stage needs to know another's caller.
//!
//! - [`diff`]: `migrator diff` — two sources, one script;
//! - [`plan`]: `migrator plan` — replayed directory × declared schema → phased files;
//! - [`drift`]: `migrator drift` — live database × directory × declared schema;
//! - [`verify`]: `migrator verify` — directory × `migrator.sum` × history.

pub mod diff;
pub mod drift;
pub mod plan;
pub mod verify;

pub use diff::{diff_sources, SourceDiff};
pub use drift::{drift, DriftReport, Finding};
pub use plan::{plan_directory, PlanReport};
pub use verify::{verify, VerifyReport};
