//! `migrator backfill pause|resume|status`: control running backfills from any machine, through
//! their progress rows (see `migrator_core::runner::throttle`).

use crate::args::{BackfillAction, BackfillArgs};
use crate::context::Ctx;
use crate::output::outln;
use crate::output::{self, Format};
use migrator_core::runner::throttle::{self, BackfillStatus};
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: BackfillArgs) -> Result<u8, Error> {
    let url = ctx.url()?;
    let (verb, list) = match args.action {
        BackfillAction::Pause(v) => ("paused", throttle::pause(&url, v.version).await?),
        BackfillAction::Resume(v) => ("resumed", throttle::resume(&url, v.version).await?),
        BackfillAction::Status => ("", throttle::status(&url).await?),
    };
    match ctx.format {
        Format::Json => output::json_line(&serde_json::json!({ "backfills": list })),
        Format::Text if list.is_empty() => outln!("no backfill recorded in this database"),
        Format::Text => {
            for b in &list {
                print_line(verb, b);
            }
            if verb == "paused" {
                outln!(
                    "each stops before its next batch; `migrator backfill resume` lets it go on"
                );
            }
        }
    }
    Ok(0)
}

fn print_line(verb: &str, b: &BackfillStatus) {
    if verb.is_empty() {
        outln!("{b}");
    } else {
        outln!("{verb} {b}");
    }
}
