//! `migrator new`: an empty up/down pair with the next version; updates `migrator.sum`.

use crate::args::NewArgs;
use crate::context::Ctx;
use crate::output::outln;
use crate::output::{self, Format};
use migrator_core::{migrations, Error};

pub fn run(ctx: &Ctx, args: NewArgs) -> Result<u8, Error> {
    let (up, down) = migrations::new_migration(&ctx.dir, &args.name)?;
    match ctx.format {
        Format::Text => outln!("created {}\ncreated {}", up.display(), down.display()),
        Format::Json => output::json_line(&serde_json::json!({ "up": up, "down": down })),
    }
    Ok(0)
}
