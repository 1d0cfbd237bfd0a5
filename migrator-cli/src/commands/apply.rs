//! `migrator apply`: runs the pending migrations (contract ones only with `--contract`). Text
//! output prints each "applied …" line as the migration finishes; a run that fails after some
//! migrations were applied says which ones, in text and JSON.

use crate::args::ApplyArgs;
use crate::context::Ctx;
use crate::fleet;
use crate::output::{self, Format};
use crate::output::{out, outln};
use migrator_core::runner::{ApplyOptions, ApplyReport};
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: ApplyArgs) -> Result<u8, Error> {
    let opts = ApplyOptions {
        to: args.to,
        contract: args.contract,
    };
    let migrator = ctx.migrator()?;
    let text = ctx.format == Format::Text;
    crate::interrupt::stop_on_ctrl_c(ctx.settings.stop.clone(), "apply");
    if let Some(targets) = ctx.fleet(&args.fleet).await? {
        let progress = fleet::Progress::new(targets.len(), ctx.settings.progress_bar);
        let report = migrator
            .apply_fleet(&targets, &opts, &ctx.fleet_options(&args.fleet), &mut |r| {
                progress.result(r, || {
                    if text {
                        outln!("{}", fleet::line(r, applied));
                    }
                })
            })
            .await;
        progress.finish();
        return Ok(fleet::finish(ctx.format, &report?));
    }
    let url = ctx.url()?;
    let (report, result) = migrator
        .apply_reporting(&url, &opts, &mut |run| {
            if text {
                outln!("{}", run.applied_line());
            }
        })
        .await;
    match result {
        Ok(()) => {
            match ctx.format {
                Format::Text => out!("{}", report.summary()),
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

/// What a target of a fleet run did.
fn applied(report: &ApplyReport) -> String {
    let mut what = fleet::migrations("applied", "up to date", &report.applied);
    if !report.awaiting_contract.is_empty() {
        what += &format!(
            "; {} contract migration(s) wait for --contract",
            report.awaiting_contract.len()
        );
    }
    what
}
