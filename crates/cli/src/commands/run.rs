//! `latchkey run`: run a command with tokens in its environment, under each platform's own
//! variable names (core's adapters know them: Supervisely `SERVER_ADDRESS` + `API_TOKEN`,
//! CVAT `CVAT_ACCESS_TOKEN`, Roboflow `ROBOFLOW_API_KEY`, env0 `ENV0_API_KEY` +
//! `ENV0_API_SECRET`, Encord `ENCORD_SSH_KEY`, …).
//!
//! On Unix `latchkey` replaces itself with the command (execve, as aws-vault's `exec` does):
//! the secrets exist only in that process's environment, the command keeps the terminal's
//! foreground process group (Ctrl-C reaches it directly), any signal sent to the `latchkey`
//! pid (SIGTERM, SIGHUP, …) is received by the command itself because it *is* that pid, its
//! exit code is the exit code, and nothing of Latchkey stays running in between. Elsewhere
//! the command is a child whose exit code is passed through.

use std::ffi::OsString;
use std::process::Command;

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};

use crate::exit::{Code, Failure, Outcome};
use crate::team::Found;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  latchkey run --token laptop -- python train.py
  latchkey run --token cvat/ci --token roboflow/ci -- make upload
The command's exit code is passed through (126/127 if it cannot be started).")]
pub struct Args {
    /// A token to export (label, platform/label or id); repeat for several.
    #[arg(long = "token", short = 't', value_name = "TOKEN", required = true)]
    pub tokens: Vec<String>,
    /// Use tokens past their expiry.
    #[arg(long)]
    pub allow_expired: bool,
    /// Print the variable names that would be set (never the values) and exit.
    #[arg(long)]
    pub print_names: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required_unless_present = "print_names", value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

pub fn run(args: Args) -> Outcome {
    let now = Utc::now();
    let mut vault = crate::context::open_index();
    let records = vault.records()?;
    let mut env: Vec<(String, SecretString, String)> = vec![];
    let mut used = vec![];
    let mut teams = None;
    for q in &args.tokens {
        let found = crate::team::resolve_in(&mut vault, &records, q, &mut teams)?;
        let record = found.record().clone();
        let name = crate::resolve::qualified(&record);
        super::check_usable(&vault, &record, now, args.allow_expired)?;
        if env.iter().any(|(_, _, from)| *from == name) {
            continue;
        }
        let vars = match &found {
            Found::Local(_) => {
                used.push(record.id);
                vault.run_env(record.id)?
            }
            Found::Team(_, client) => client.run_env_blocking(record.id)?,
        };
        if vars.is_empty() {
            return Err(Failure::usage(format!(
                "{name} has no standard environment variables ({} tokens have no convention). \
                 Use `latchkey get` to put it where your tool expects it.",
                record.platform.name()
            )));
        }
        for (var, value) in vars {
            if let Some((_, _, other)) = env.iter().find(|(v, _, _)| *v == var) {
                return Err(Failure::usage(format!("{name} and {other} would both set {var}; run them separately.")));
            }
            env.push((var, value, name.clone()));
        }
    }
    if args.print_names {
        for (var, _, from) in &env {
            println!("{var}\t{from}");
        }
        return Ok(Code::Ok);
    }
    let (program, rest) = args.command.split_first().ok_or_else(|| Failure::usage("Give the command after --."))?;
    // One index write for all the tokens, before the command replaces this process.
    vault.record_uses(&used, now);
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for (var, value, _) in &env {
        cmd.env(var, value.expose_secret());
    }
    drop(vault);
    start(cmd, program)
}

#[cfg(unix)]
fn start(mut cmd: Command, program: &OsString) -> Outcome {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    let e = cmd.exec();
    cannot_start(program, e)
}

#[cfg(not(unix))]
fn start(mut cmd: Command, program: &OsString) -> Outcome {
    match cmd.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => cannot_start(program, e),
    }
}

/// As env(1) and shells do: 127 when the command is not found, 126 when it cannot run.
fn cannot_start(program: &OsString, e: std::io::Error) -> Outcome {
    let code = if e.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
    eprintln!("latchkey: cannot run {}: {e}", program.to_string_lossy());
    std::process::exit(code)
}
