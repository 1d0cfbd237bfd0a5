//! `migrator plan`: the declared schema as expand / backfill / contract migration files.

use crate::args::{FormatArg, PlanArgs};
use crate::context::Ctx;
use crate::output;
use migrator_core::config::DEFAULT_BACKFILL_BATCH;
use migrator_core::lint::LintOptions;
use migrator_core::ops::{plan_directory, scratch_server};
use migrator_core::plan::{timeline, PlanOptions};
use migrator_core::rehearse::{RehearseOptions, DEFAULT_ROWS};
use migrator_core::{migrations, DatabaseUrl, Error};

pub async fn run(ctx: &Ctx, args: PlanArgs) -> Result<u8, Error> {
    // Before any server is reached: the files are named after it.
    migrations::validate_name(&args.name).map_err(|message| Error::Config {
        file: "--name".into(),
        message,
    })?;
    let target = ctx
        .database_url
        .as_deref()
        .map(DatabaseUrl::parse)
        .transpose()?;
    let dev = scratch_server(target.as_ref(), ctx.dev_url()?.as_ref(), "plan")?;
    let opts = PlanOptions {
        allow_destructive: args.allow_destructive,
        batch_size: ctx
            .settings
            .backfill_batch_size
            .unwrap_or(DEFAULT_BACKFILL_BATCH),
        ignore: ctx.ignore,
    };
    let rehearse = RehearseOptions {
        rows: args.rehearse_rows.unwrap_or(DEFAULT_ROWS),
        sample_offset: 0,
        lint: Some(LintOptions::new(dev.dialect()).with_config(&ctx.lint, &ctx.config_file)?),
        settings: ctx.settings.clone(),
    };
    let rehearse = (!args.no_rehearse).then_some(&rehearse);
    let report = plan_directory(
        &ctx.dir,
        &ctx.schema,
        &dev,
        &args.name,
        opts,
        args.dry_run,
        rehearse,
    )
    .await?;
    match ctx.diagram {
        FormatArg::Mermaid => output::write_stdout(timeline::render(
            &report.steps,
            &report.files,
            report.written,
        ))?,
        FormatArg::Text | FormatArg::Json | FormatArg::Github | FormatArg::Dot | FormatArg::Svg => {
            ctx.print(&report)
        }
    }
    Ok(0)
}
