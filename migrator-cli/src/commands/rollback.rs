//! `migrator rollback`: runs the down files of applied migrations, newest first.

use crate::args::RollbackArgs;
use crate::context::Ctx;
use migrator_core::runner::RollbackTarget;
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: RollbackArgs) -> Result<u8, Error> {
    let what = match (args.steps, args.to) {
        (_, Some(v)) => RollbackTarget::To(v),
        (Some(n), None) => RollbackTarget::Steps(n),
        (None, None) => RollbackTarget::Steps(1),
    };
    let report = ctx
        .migrator()?
        .rollback(&ctx.url()?, &what, args.force)
        .await?;
    ctx.print(&report);
    Ok(0)
}
