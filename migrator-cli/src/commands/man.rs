//! `migrator man [COMMAND] [--out-dir DIR]`: manual pages in roff (clap_mangen), generated from
//! the same definitions as `--help`.

use crate::args::{Cli, ManArgs};
use crate::output::outln;
use clap::CommandFactory;
use migrator_core::Error;

pub fn run(args: ManArgs) -> Result<u8, Error> {
    let mut cmd = Cli::command();
    // Propagates the global options into each command (and adds `help`), as `--help` shows them.
    cmd.build();
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut written = Vec::new();
        let page = dir.join("migrator.1");
        std::fs::write(&page, render(cmd.clone())).map_err(|e| Error::io(&page, e))?;
        written.push(page);
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let page = dir.join(format!("migrator-{}.1", sub.get_name()));
            std::fs::write(&page, render(subcommand_page(sub))).map_err(|e| Error::io(&page, e))?;
            written.push(page);
        }
        for page in written {
            outln!("wrote {}", page.display());
        }
        return Ok(0);
    }
    let page = match &args.command {
        None => render(cmd),
        Some(name) => {
            let sub = cmd.find_subcommand(name).ok_or_else(|| Error::Config {
                file: "arguments".into(),
                message: format!(
                    "no command `{name}`; one of: {}",
                    cmd.get_subcommands()
                        .filter(|s| s.get_name() != "help")
                        .map(|s| s.get_name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
            render(subcommand_page(sub))
        }
    };
    crate::output::write_stdout(&page)?;
    Ok(0)
}

/// A subcommand as its own page, named `migrator-NAME` (the convention of `git-commit(1)`).
/// The names are leaked: a handful of short strings, once, in a process about to exit (clap's
/// builder takes `'static` names without its `string` feature).
fn subcommand_page(sub: &clap::Command) -> clap::Command {
    let name: &'static str = Box::leak(format!("migrator-{}", sub.get_name()).into_boxed_str());
    let usage: &'static str = Box::leak(format!("migrator {}", sub.get_name()).into_boxed_str());
    sub.clone().name(name).bin_name(usage)
}

fn render(cmd: clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .expect("writing to a Vec cannot fail");
    out
}
