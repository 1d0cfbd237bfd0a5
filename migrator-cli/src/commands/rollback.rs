//! `migrator rollback`: runs the down files of applied migrations, newest first. Text output
//! prints each "rolled back …" line as it happens; a run that fails part-way says what was
//! rolled back before the error, in text and JSON.

use crate::args::RollbackArgs;
use crate::context::Ctx;
use crate::output::{self, Format};
use migrator_core::runner::RollbackTarget;
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: RollbackArgs) -> Result<u8, Error> {
    let what = match (args.steps, args.to) {
        (_, Some(v)) => RollbackTarget::To(v),
        (Some(n), None) => RollbackTarget::Steps(n),
        (None, None) => RollbackTarget::Steps(1),
    };
    let migrator = ctx.migrator()?;
    let url = ctx.url()?;
    let text = ctx.format == Format::Text;
    crate::interrupt::stop_on_ctrl_c(ctx.settings.stop.clone(), "rollback");
    let (report, result) = migrator
        .rollback_reporting(&url, &what, args.force, &mut |run| {
            if text {
                println!("{}", run.rolled_back_line());
            }
        })
        .await;
    match result {
        Ok(()) => {
            match ctx.format {
                Format::Text if report.rolled_back.is_empty() => print!("{report}"),
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
