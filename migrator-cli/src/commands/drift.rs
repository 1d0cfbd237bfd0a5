//! `migrator drift`: the live database against the migrations and the declared schema.
//! Exit 0 clean, 2 drift.

use crate::context::Ctx;
use migrator_core::ops::drift;
use migrator_core::Error;

pub async fn run(ctx: &Ctx) -> Result<u8, Error> {
    let url = ctx.url()?;
    let dev = ctx.dev_url()?;
    let declared = (ctx.schema_given || ctx.schema.exists()).then_some(ctx.schema.as_path());
    let report = drift(&url, &ctx.dir, declared, dev.as_ref()).await?;
    if ctx.github {
        print!("{}", report.github());
    } else {
        ctx.print(&report);
    }
    Ok(if report.clean() { 0 } else { 2 })
}
