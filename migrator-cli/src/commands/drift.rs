//! `migrator drift`: the live database against the migrations and the declared schema.
//! Exit 0 clean, 2 drift. On a fleet: one line per target, exit 2 when any drifted, 1 when
//! none did but some could not be checked.

use crate::args::DriftArgs;
use crate::context::Ctx;
use crate::output::{out, outln, Format};
use migrator_core::fleet::Outcome;
use migrator_core::ops::{drift, drift_fleet, scratch_server, DriftCheck};
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: DriftArgs) -> Result<u8, Error> {
    let declared = (ctx.schema_given || ctx.schema.exists()).then_some(ctx.schema.as_path());
    if let Some(targets) = ctx.fleet(&args.fleet).await? {
        let Some(first) = targets.first() else {
            outln!("no targets");
            return Ok(0);
        };
        let dev = scratch_server(Some(first), ctx.dev_url()?.as_ref(), "drift")?;
        let dir = ctx.existing_dir()?;
        let check = DriftCheck::new(dir, declared, &dev, ctx.ignore)?;
        let parallel = ctx.fleet_options(&args.fleet).parallel;
        let text = !ctx.github && ctx.format == Format::Text;
        let progress = crate::fleet::Progress::new(targets.len(), ctx.settings.progress_bar);
        let report = drift_fleet(&check, &targets, parallel, &mut |t| {
            progress.result(t, || {
                if text {
                    outln!("{}", crate::fleet::line(t, summary));
                }
            })
        })
        .await;
        progress.finish();
        let drifted = report
            .targets
            .iter()
            .filter(|t| matches!(&t.outcome, Outcome::Done { report } if !report.clean()))
            .count();
        match ctx.format {
            Format::Json => crate::output::pretty_json(&report),
            _ if ctx.github => {
                for t in &report.targets {
                    if let Outcome::Done { report } = &t.outcome {
                        out!("{}", report.github());
                    }
                }
            }
            _ => {
                outln!(
                    "{} target(s): {} clean, {drifted} drifted, {} not checked",
                    report.targets.len(),
                    report.done() - drifted,
                    report.failed() + report.not_run()
                );
            }
        }
        return Ok(if drifted > 0 {
            2
        } else {
            u8::from(report.failed() > 0)
        });
    }
    let url = ctx.url()?;
    let dev = scratch_server(Some(&url), ctx.dev_url()?.as_ref(), "drift")?;
    let dir = ctx.existing_dir()?;
    let report = drift(&url, dir, declared, Some(&dev), ctx.ignore).await?;
    if ctx.github {
        out!("{}", report.github());
    } else {
        ctx.print(&report);
    }
    Ok(if report.clean() { 0 } else { 2 })
}

/// `no drift`, or how many findings and the first one.
fn summary(report: &migrator_core::ops::DriftReport) -> String {
    match report.findings.first() {
        None => "no drift".into(),
        Some(f) => format!(
            "DRIFT: {} finding(s), first: [{}] {}",
            report.findings.len(),
            f.kind,
            f.message
        ),
    }
}
