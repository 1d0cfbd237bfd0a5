//! `migrator erd`: the schema of a source drawn as an entity-relationship diagram.

use crate::args::{ErdArgs, FormatArg};
use crate::context::Ctx;
use crate::output;
use migrator_core::erd::{dot, mermaid, svg, Erd};
use migrator_core::source::Source;
use migrator_core::Error;

pub async fn run(ctx: &Ctx, args: ErdArgs) -> Result<u8, Error> {
    let from = match &args.from {
        Some(s) => Source::parse(s)?,
        None => Source::parse(&ctx.schema.display().to_string())?,
    };
    let dev = ctx.dev_url()?;
    let dev = dev.as_ref().or(from.url());
    let (db, _) = from.inspect(dev, ctx.ignore).await?;
    let erd = Erd::of(&db);
    let text = match ctx.diagram {
        FormatArg::Dot => dot::render(&erd),
        FormatArg::Svg => svg::render(&erd),
        FormatArg::Mermaid | FormatArg::Text | FormatArg::Json | FormatArg::Github => {
            mermaid::render(&erd)
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| Error::io(path, e))?,
        None => output::write_stdout(text)?,
    }
    Ok(0)
}
