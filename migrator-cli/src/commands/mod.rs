//! One module per subcommand: each calls the library and turns its report into text, JSON or
//! GitHub annotations, and an exit code (0 success, 2 differences / problems found; errors are
//! returned and exit 1).

pub mod apply;
pub mod backfill;
pub mod baseline;
pub mod completions;
pub mod diff;
pub mod drift;
pub mod erd;
pub mod lint;
pub mod man;
pub mod new;
pub mod plan;
pub mod rehash;
pub mod repair;
pub mod rollback;
pub mod status;
pub mod verify;
