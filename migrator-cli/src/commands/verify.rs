//! `migrator verify`: the directory against `migrator.sum` and, with a database, the applied
//! files against the history. Exit 0 clean, 2 problems.

use crate::context::Ctx;
use crate::output::out;
use crate::output::{self, Format};
use migrator_core::ops::verify::verify_set;
use migrator_core::{Error, MigrationSet};

pub async fn run(ctx: &Ctx) -> Result<u8, Error> {
    // The directory is read before the URL is parsed: a broken directory is the error reported.
    let set = MigrationSet::load_dir(ctx.existing_dir()?)?;
    ctx.warn_empty_files(&set);
    let url = match &ctx.database_url {
        Some(_) => Some(ctx.url()?),
        None => None,
    };
    let report = verify_set(&ctx.dir, set, url.as_ref()).await?;
    match ctx.format {
        Format::Text => out!("{report}"),
        Format::Json => output::json_line(&report),
    }
    Ok(report.exit_code())
}
