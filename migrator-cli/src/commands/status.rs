//! `migrator status`: the state of every migration. Exit 0 when nothing needs attention, 2 when
//! something does (partial, failed, edited, out of order, missing file, sum-file problems), like
//! `verify` and `drift`.

use crate::context::Ctx;
use migrator_core::Error;

pub async fn run(ctx: &Ctx) -> Result<u8, Error> {
    let report = ctx.migrator()?.status(&ctx.url()?).await?;
    ctx.print(&report);
    Ok(if report.has_problems() { 2 } else { 0 })
}
