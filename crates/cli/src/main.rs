//! `latchkey`: the command line of the Latchkey token vault. Arguments are in `cli.rs`, one
//! file per command in `commands/`, and everything else is latchkey-core, shared with the app.

mod cli;
mod commands;
mod context;
mod exit;
mod input;
mod mask;
mod output;
mod reference;
mod resolve;
#[cfg(unix)]
mod supervise;
mod team;
mod when;

fn main() -> std::process::ExitCode {
    // The clipboard helper `latchkey copy` starts is not a command of the interface: kept out
    // of clap, so help, completions and man pages never offer it.
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == commands::clipboard_hold::ARG) {
        return exit::finish(commands::clipboard_hold::run(args));
    }
    exit::finish(commands::dispatch(cli::parse()))
}
