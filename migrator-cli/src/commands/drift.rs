//! `migrator drift`: the live database against the migrations and the declared schema.
//! Exit 0 clean, 2 drift.

use crate::context::Ctx;
use crate::output::out;
use migrator_core::ops::{drift, scratch_server};
use migrator_core::Error;

pub async fn run(ctx: &Ctx) -> Result<u8, Error> {
    let url = ctx.url()?;
    let dev = scratch_server(Some(&url), ctx.dev_url()?.as_ref(), "drift")?;
    let dir = ctx.existing_dir()?;
    let declared = (ctx.schema_given || ctx.schema.exists()).then_some(ctx.schema.as_path());
    let report = drift(&url, dir, declared, Some(&dev), ctx.ignore).await?;
    if ctx.github {
        out!("{}", report.github());
    } else {
        ctx.print(&report);
    }
    Ok(if report.clean() { 0 } else { 2 })
}
