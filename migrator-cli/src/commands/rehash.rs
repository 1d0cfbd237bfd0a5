//! `migrator rehash`: rewrites `migrator.sum` from the files.

use crate::context::Ctx;
use crate::output::outln;
use crate::output::{self, Format};
use migrator_core::{migrations, Error};

pub fn run(ctx: &Ctx) -> Result<u8, Error> {
    let path = migrations::rehash(ctx.existing_dir()?)?;
    match ctx.format {
        Format::Text => outln!("wrote {}", path.display()),
        Format::Json => output::json_line(&serde_json::json!({ "sum": path })),
    }
    Ok(0)
}
