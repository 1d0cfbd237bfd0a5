//! The commands that compose the pipeline: each reads its sources, runs the stages in order and
//! returns a report for the CLI (or an embedding tool) to print. They sit above every stage, so
//! no stage needs to know another's caller.
//!
//! - [`diff`]: `migrator diff` — two sources, one script;
//! - [`plan`]: `migrator plan` — replayed directory × declared schema → phased files, rehearsed
//!   ([`crate::rehearse`]) before they are written;
//! - [`drift`]: `migrator drift` — live database × directory × declared schema.

pub mod diff;
pub mod drift;
pub mod plan;

pub use diff::{diff_sources, SourceDiff};
pub use drift::{drift, DriftReport, Finding};
pub use plan::{plan_directory, prepare_plan, PlanDraft, PlanReport};
