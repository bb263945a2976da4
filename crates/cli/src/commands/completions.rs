//! `latchkey completions <shell>`: completions generated from the clap definition.
//!
//!   latchkey completions bash > ~/.local/share/bash-completion/completions/latchkey
//!   latchkey completions zsh  > "${fpath[1]}/_latchkey"
//!   latchkey completions fish > ~/.config/fish/completions/latchkey.fish

use clap_complete::Shell;

use crate::exit::{Code, Outcome};

#[derive(clap::Args)]
pub struct Args {
    pub shell: Shell,
}

pub fn run(args: Args) -> Outcome {
    let mut cmd = crate::cli::command();
    let mut text = vec![];
    clap_complete::generate(args.shell, &mut cmd, "latchkey", &mut text);
    crate::output::write_stdout(&text)?;
    Ok(Code::Ok)
}
