//! `migrator repair`: forgets a partial or failed run after a repair by hand.

use crate::args::VersionArg;
use crate::context::Ctx;
use crate::output::outln;
use crate::output::{self, Format};
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: VersionArg) -> Result<u8, Error> {
    let version = args.version;
    let status = ctx.migrator()?.repair(&ctx.url()?, version).await?;
    match ctx.format {
        Format::Text => outln!(
            "forgot the {status} run of {version}; `migrator apply` will run it from the start"
        ),
        Format::Json => {
            output::json_line(&serde_json::json!({ "repaired": version, "was": status }))
        }
    }
    Ok(0)
}
