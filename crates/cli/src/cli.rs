//! The command line's shape (clap derive). Each command's own arguments live beside its code
//! in `commands/<name>.rs`.

use clap::{Parser, Subcommand};
use latchkey_core::Platform;

use crate::commands::*;

const ABOUT: &str = "Latchkey's token vault from the terminal: the same vault as the desktop app, \
safe to use while the app is open. Secrets live only in the system keychain.";

#[derive(Parser)]
#[command(name = "latchkey", version, about = ABOUT, after_help = crate::exit::EXIT_CODES_HELP)]
#[command(propagate_version = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// List tokens with their status and expiry countdown.
    List(list::Args),
    /// Store a new token; the secret is read from a hidden prompt or stdin, never an argument.
    Add(add::Args),
    /// Print a token's secret (refuses a terminal without --reveal).
    Get(get::Args),
    /// Copy a token's secret to the clipboard; it is cleared again after a delay.
    Copy(copy::Args),
    /// Ask the platform whether a token (or every token) is still accepted.
    Validate(validate::Args),
    /// Revoke a token through the platform's API, or show how to do it by hand.
    Revoke(revoke::Args),
    /// Replace a token with a new key (made by the platform, or given with --new-secret; CVAT with your password, --password-stdin), then revoke the old one.
    Rotate(rotate::Args),
    /// Run a command with tokens in its environment, under the platforms' own variable names.
    Run(run::Args),
    /// Write a file from a template, latchkey://<platform>/<label> references replaced by secrets.
    Inject(inject::Args),
    /// Store the tokens found in ~/supervisely.env, the platforms' config files and the environment (asks first).
    Import(import::Args),
    /// Look for stored and unknown tokens in files: shell history, dotfiles, project folders.
    Scan(scan::Args),
    /// Stop git commits that add a stored secret or a platform's token (a pre-commit hook).
    Guard(guard::Args),
    /// Connect, list and remove team vaults (OpenBao / HashiCorp Vault KV v2).
    Team(team::Args),
    /// Show the access log: every use of a token, newest first (exit 10 if it was altered).
    Log(log::Args),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions(completions::Args),
    /// Print the man page, or write one page per command to a folder.
    Man(man::Args),
}

pub fn parse() -> Cli {
    Cli::parse()
}

/// `clap::Command` for completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Parse a platform id (`supervisely`, `cvat`, `roboflow`, `encord`, `env0`, `other`).
pub fn platform(s: &str) -> Result<Platform, String> {
    let s = s.trim().to_lowercase();
    Platform::ALL.into_iter().find(|p| p.id() == s).ok_or_else(|| {
        let ids: Vec<&str> = Platform::ALL.iter().map(|p| p.id()).collect();
        format!("unknown platform “{s}”; use one of: {}", ids.join(", "))
    })
}

/// A platform argument, with the ids as possible values (for help and completions).
pub fn platform_parser() -> impl clap::builder::TypedValueParser<Value = Platform> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Platform::ALL.map(|p| p.id()))
        .map(|s| platform(&s).expect("one of the possible values"))
}
