//! `latchkey get`: print a token's secret for a pipe or a script. A terminal is refused
//! without --reveal, so the secret does not end up on screen or in a scrollback by accident.

use std::io::{IsTerminal, Write};

use chrono::Utc;
use latchkey_core::accesslog::Action;
use latchkey_core::Use;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::exit::{Code, Failure, Outcome};
use crate::team::Found;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  export API_TOKEN=\"$(latchkey get laptop)\"\n  latchkey get cvat/ci | docker login --password-stdin …\n  latchkey get ci --reveal          (show it on the terminal)"
)]
pub struct Args {
    /// The token's label (or platform/label) or id.
    pub token: String,
    /// Print even when stdout is a terminal.
    #[arg(long)]
    pub reveal: bool,
    /// Use a token past its expiry.
    #[arg(long)]
    pub allow_expired: bool,
    /// Print {"id","platform","label","secret"} (and env0's "key_id") as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Outcome {
    let now = Utc::now();
    let to_terminal = std::io::stdout().is_terminal();
    if to_terminal && !args.reveal {
        return Err(Failure::usage(
            "Refusing to print a secret to the terminal. Pipe it into a command, pass --reveal to show it, \
             or use `latchkey copy`.",
        ));
    }
    let mut vault = crate::context::open_index();
    let found = crate::team::resolve(&mut vault, &args.token)?;
    let record = found.record().clone();
    super::check_usable(&vault, &record, now, args.allow_expired)?;
    // Shown on screen is not a use; handed to a pipe is.
    let purpose = if to_terminal { Use::Reveal } else { Use::Copy };
    let secret = match &found {
        Found::Local(_) => vault.secret(record.id, purpose, now)?,
        // Fetched from the team vault for this use only; never stored on disk.
        Found::Team(_, client) => client.usable_secret_blocking(record.id)?,
    };
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let mut v = json!({
            "id": record.id, "platform": record.platform, "label": record.label, "secret": secret.expose_secret(),
        });
        if let Some(k) = &record.public.key_id {
            v["key_id"] = json!(k);
        }
        writeln!(out, "{v}")
    } else if secret.expose_secret().ends_with('\n') {
        write!(out, "{}", secret.expose_secret())
    } else {
        writeln!(out, "{}", secret.expose_secret())
    };
    drop(secret);
    // Shown on a terminal is a reveal; handed to a pipe, a get.
    vault.log_uses(vec![found.used(if to_terminal { Action::Reveal } else { Action::Get })]);
    // A closed pipe (`| head -c0`) is the reader's choice, not our failure.
    match written.and_then(|_| out.flush()) {
        Ok(()) => Ok(Code::Ok),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Code::Ok),
        Err(e) => Err(Failure::error(format!("could not write the secret ({e})"))),
    }
}
