//! `migrator rollback`: runs the down files of applied migrations, newest first. Text output
//! prints each "rolled back …" line as it happens; a run that fails part-way says what was
//! rolled back before the error, in text and JSON.

use crate::args::RollbackArgs;
use crate::context::Ctx;
use crate::fleet;
use crate::output::{self, Format};
use crate::output::{out, outln};
use migrator_core::runner::{RollbackReport, RollbackTarget};
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: RollbackArgs) -> Result<u8, Error> {
    let what = match (args.steps, args.to) {
        (_, Some(v)) => RollbackTarget::To(v),
        (Some(n), None) => RollbackTarget::Steps(n),
        (None, None) => RollbackTarget::Steps(1),
    };
    let migrator = ctx.migrator()?;
    let text = ctx.format == Format::Text;
    crate::interrupt::stop_on_ctrl_c(ctx.settings.stop.clone(), "rollback");
    if let Some(targets) = ctx.fleet(&args.fleet).await? {
        let fleet_opts = ctx.fleet_options(&args.fleet);
        let progress = fleet::Progress::new(targets.len(), ctx.settings.progress_bar);
        let report = migrator
            .rollback_fleet(&targets, &what, args.force, &fleet_opts, &mut |r| {
                progress.result(r, || {
                    if text {
                        outln!("{}", fleet::line(r, rolled_back));
                    }
                })
            })
            .await;
        progress.finish();
        return Ok(fleet::finish(ctx.format, &report?));
    }
    let url = ctx.url()?;
    let (report, result) = migrator
        .rollback_reporting(&url, &what, args.force, &mut |run| {
            if text {
                outln!("{}", run.rolled_back_line());
            }
        })
        .await;
    match result {
        Ok(()) => {
            match ctx.format {
                Format::Text if report.rolled_back.is_empty() => out!("{report}"),
                Format::Text => {}
                Format::Json => output::pretty_json(&report),
            }
            Ok(0)
        }
        Err(e) => Ok(output::partial_failure(
            ctx.format,
            "rolled_back",
            &report.rolled_back,
            &e,
            "`migrator status` shows where it stopped",
        )),
    }
}

/// What a target of a fleet rollback did.
fn rolled_back(report: &RollbackReport) -> String {
    fleet::migrations("rolled back", "nothing to roll back", &report.rolled_back)
}
