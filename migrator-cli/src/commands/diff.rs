//! `migrator diff`: the SQL from one schema to another. Exit 0 no changes, 2 changes.

use crate::args::DiffArgs;
use crate::context::Ctx;
use crate::output::out;
use crate::output::{self, Format};
use migrator_core::diff::DiffOptions;
use migrator_core::ops::diff_sources;
use migrator_core::render;
use migrator_core::source::Source;
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: DiffArgs) -> Result<u8, Error> {
    let from = Source::parse(&args.from)?;
    let to = Source::parse(&args.to)?;
    let dev = ctx.dev_url()?;
    let opts = DiffOptions {
        allow_destructive: args.allow_destructive,
    };
    let result = diff_sources(&from, &to, dev.as_ref(), opts, ctx.ignore).await?;
    match ctx.format {
        Format::Text if result.statements.is_empty() => eprintln!("no changes"),
        Format::Text => out!("{}", render::script(&result.statements)),
        Format::Json => output::pretty_json(&result),
    }
    Ok(if result.changes.is_empty() { 0 } else { 2 })
}
