//! `migrator completions SHELL`: a shell completion script on stdout (clap_complete).

use crate::args::{Cli, CompletionsArgs, ShellArg};
use clap::CommandFactory;
use clap_complete::Shell;
use migrator_core::Error;

pub fn run(args: CompletionsArgs) -> Result<u8, Error> {
    let shell = match args.shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
        ShellArg::Powershell => Shell::PowerShell,
    };
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "migrator", &mut out);
    crate::output::write_stdout(&out)?;
    Ok(0)
}
