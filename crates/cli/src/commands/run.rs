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
use latchkey_core::accesslog::Action;
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
    /// Use tokens past their expiry (and ignore --min-valid).
    #[arg(long)]
    pub allow_expired: bool,
    /// Refuse a token that expires within this time (30m, 2h, 1d): a long job should not
    /// start with a token that dies half-way.
    #[arg(long, value_name = "DURATION", value_parser = crate::when::parse_duration)]
    pub min_valid: Option<chrono::Duration>,
    /// Use a token even though the platform refused it at its last check.
    #[arg(long)]
    pub allow_invalid: bool,
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
    let mut logged = vec![];
    let mut teams = None;
    for q in &args.tokens {
        let found = crate::team::resolve_in(&mut vault, &records, q, &mut teams)?;
        let record = found.record().clone();
        let name = crate::resolve::qualified(&record);
        refuse_unfit(&vault, &record, now, &args)?;
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
        logged.push((found.used(Action::Run), serde_json::to_string(&record).unwrap_or_default()));
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
    log_run(&vault, logged, &args.command, &env);
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for (var, value, _) in &env {
        cmd.env(var, value.expose_secret());
    }
    drop(vault);
    start(cmd, program)
}

/// One access-log line per token, with the command line (every injected value that is not a
/// public part of its record masked as `<latchkey:token>`) and, from core, the parent process.
fn log_run(
    vault: &latchkey_core::Vault,
    logged: Vec<(latchkey_core::accesslog::Event, String)>,
    command: &[OsString],
    env: &[(String, SecretString, String)],
) {
    let argv: Vec<String> = command.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let public: String = logged.iter().map(|(_, json)| json.as_str()).collect();
    let secrets: Vec<(String, &str)> = env
        .iter()
        .map(|(_, value, from)| (from.clone(), value.expose_secret()))
        .filter(|(_, value)| !public.contains(value))
        .collect();
    let command = latchkey_core::accesslog::mask_command(&argv, &secrets);
    vault.log_uses(logged.into_iter().map(|(event, _)| event.command(command.clone())).collect());
}

/// A command is not started with a token the platform already refused, or one that expires
/// within `--min-valid`: it would fail later, half-way through, with the platform's own error.
fn refuse_unfit(
    vault: &latchkey_core::Vault,
    record: &latchkey_core::TokenRecord,
    now: chrono::DateTime<Utc>,
    args: &Args,
) -> Result<(), Failure> {
    use latchkey_core::status::{status, Health};
    let name = crate::resolve::qualified(record);
    if let Health::Invalid { reason } = status(record, now, &vault.settings().policy).health {
        if !args.allow_invalid {
            return Err(Failure::new(
                Code::Invalid,
                format!(
                    "{name} was refused by {} at its last check ({reason}). Store a new one \
                     (`latchkey rotate {name}`), check it again (`latchkey validate {name}`), or pass --allow-invalid.",
                    record.platform.name()
                ),
            ));
        }
    }
    if let (Some(min), Some(expires)) = (args.min_valid, record.expires_at) {
        // Already expired: check_usable says so (and --allow-expired lets it through).
        if expires > now && expires <= now + min && !args.allow_expired {
            return Err(Failure::new(
                Code::Expired,
                format!(
                    "{name} {}, within --min-valid {}. Rotate it first (`latchkey rotate {name}`) or ask for less.",
                    latchkey_core::status::countdown_text(Some(expires), now),
                    humantime(min)
                ),
            ));
        }
    }
    Ok(())
}

/// `2h`, `30m`, `1d 6h` for a message.
fn humantime(d: chrono::Duration) -> String {
    let s = d.num_seconds();
    match (s / 86_400, s % 86_400 / 3600, s % 3600 / 60) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (days, 0, _) => format!("{days}d"),
        (days, h, _) => format!("{days}d {h}h"),
    }
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
