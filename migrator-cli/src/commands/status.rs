//! `migrator status`: the state of every migration.

use crate::context::Ctx;
use migrator_core::Error;

pub async fn run(ctx: &Ctx) -> Result<u8, Error> {
    let report = ctx.migrator()?.status(&ctx.url()?).await?;
    ctx.print(&report);
    Ok(0)
}
