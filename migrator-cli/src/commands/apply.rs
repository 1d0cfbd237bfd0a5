//! `migrator apply`: runs the pending migrations (contract ones only with `--contract`).

use crate::args::ApplyArgs;
use crate::context::Ctx;
use migrator_core::runner::ApplyOptions;
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: ApplyArgs) -> Result<u8, Error> {
    let opts = ApplyOptions {
        to: args.to,
        contract: args.contract,
    };
    let report = ctx.migrator()?.apply_with(&ctx.url()?, &opts).await?;
    ctx.print(&report);
    Ok(0)
}
