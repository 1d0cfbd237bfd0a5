//! `migrator baseline`: adopts an existing database as migrated up to VERSION.

use crate::args::VersionArg;
use crate::context::Ctx;
use crate::output::outln;
use crate::output::{self, Format};
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: VersionArg) -> Result<u8, Error> {
    let version = args.version;
    let n = ctx.migrator()?.baseline(&ctx.url()?, version).await?;
    match ctx.format {
        Format::Text => {
            outln!("recorded {n} migration(s) up to {version} as applied (baseline)")
        }
        Format::Json => {
            output::json_line(&serde_json::json!({ "baselined": n, "version": version }))
        }
    }
    Ok(0)
}
