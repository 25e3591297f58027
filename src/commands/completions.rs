//! `spork completions SHELL` and `spork man`: shell completion scripts and the manual
//! page, generated from the same clap definition the binary parses with (the copies in
//! `completions/` are checked against it by the tests).

use std::io::Write;

use anyhow::Context;
use clap::{Args, ValueEnum};

/// Shells we generate completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
}

impl Shell {
    /// The file name under `completions/` (what each shell's loader expects).
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "spork.bash",
            Shell::Zsh => "_spork",
            Shell::Fish => "spork.fish",
            Shell::Powershell => "_spork.ps1",
        }
    }
}

/// Print a shell completion script.
///
/// Writes the script for SHELL on stdout; see the README for where each shell looks.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  spork completions bash > ~/.local/share/bash-completion/completions/spork\n  \
                        spork completions zsh > ~/.zfunc/_spork\n  \
                        spork completions fish > ~/.config/fish/completions/spork.fish"
)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Print the manual page (roff) on stdout.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  spork man > ~/.local/share/man/man1/spork.1 && man spork")]
pub struct ManArgs {}

/// The completion script for `shell`.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut cmd = crate::cli::command();
    let mut out = Vec::new();
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "spork", &mut out)
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "spork", &mut out)
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "spork", &mut out)
        }
        Shell::Powershell => clap_complete::generate(
            clap_complete::Shell::PowerShell,
            &mut cmd,
            "spork",
            &mut out,
        ),
    }
    out
}

/// The manual page, in roff.
pub fn man_page() -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(crate::cli::command())
        .render(&mut out)
        .context("cannot render the manual page")?;
    Ok(out)
}

/// Runs `spork completions SHELL`.
pub fn run_completions(args: CompletionsArgs) -> anyhow::Result<()> {
    write_stdout(&completion_script(args.shell))
}

/// Runs `spork man`.
pub fn run_man(_args: ManArgs) -> anyhow::Result<()> {
    write_stdout(&man_page()?)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}
