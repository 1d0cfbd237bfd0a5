//! `migrator apply`: runs the pending migrations (contract ones only with `--contract`). Text
//! output prints each "applied …" line as the migration finishes; a run that fails after some
//! migrations were applied says which ones, in text and JSON.

use crate::args::ApplyArgs;
use crate::context::Ctx;
use crate::output::{self, Format};
use migrator_core::runner::ApplyOptions;
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: ApplyArgs) -> Result<u8, Error> {
    let opts = ApplyOptions {
        to: args.to,
        contract: args.contract,
    };
    let migrator = ctx.migrator()?;
    let url = ctx.url()?;
    let text = ctx.format == Format::Text;
    crate::interrupt::stop_on_ctrl_c(ctx.settings.stop.clone(), "apply");
    let (report, result) = migrator
        .apply_reporting(&url, &opts, &mut |run| {
            if text {
                println!("{}", run.applied_line());
            }
        })
        .await;
    match result {
        Ok(()) => {
            match ctx.format {
                Format::Text => print!("{}", report.summary()),
                Format::Json => output::pretty_json(&report),
            }
            Ok(0)
        }
        Err(e) => Ok(output::partial_failure(
            ctx.format,
            "applied",
            &report.applied,
            &e,
            "`migrator status` shows where it stopped; `migrator apply` continues from there once the cause is fixed",
        )),
    }
}
