//! `latchkey run`: run a command with tokens in its environment, under each platform's own
//! variable names (core's adapters know them: Supervisely `SERVER_ADDRESS` + `API_TOKEN`,
//! CVAT `CVAT_ACCESS_TOKEN`, Roboflow `ROBOFLOW_API_KEY`, env0 `ENV0_API_KEY` +
//! `ENV0_API_SECRET`, Encord `ENCORD_SSH_KEY`, …).
//!
//! Values of the environment that hold `latchkey://<platform>/<label>` references (a `.env`
//! file sourced into the shell, a CI variable) get the secrets in their place
//! (`reference.rs`), so what is committed holds only references.
//!
//! On Unix the command's output is masked by default: it runs as a child whose stdout and
//! stderr pass through Latchkey, every injected secret replaced by `<latchkey:platform/label>`
//! (`supervise.rs`, `mask.rs`). With `--no-mask` (and on other systems) `latchkey` replaces
//! itself with the command (execve, as aws-vault's `exec` does): the secrets exist only in
//! that process's environment, the command keeps the terminal's foreground process group,
//! any signal sent to the `latchkey` pid is received by the command itself because it *is*
//! that pid, its exit code is the exit code, and nothing of Latchkey stays running in
//! between. Elsewhere the command is a child whose exit code is passed through.

use std::ffi::OsString;
use std::process::Command;

use chrono::Utc;
use latchkey_core::accesslog::Action;
use secrecy::{ExposeSecret, SecretString};

use crate::exit::{Code, Failure, Outcome};
use crate::mask;
use crate::team::Found;

/// Variables `latchkey run` sets that hold no secret (server addresses, key ids, workspace
/// and project ids): not masked. Every other variable's value is.
const PUBLIC_VARS: &[&str] = &[
    "SERVER_ADDRESS",
    "ENV0_API_KEY",
    "ENV0_API_ENDPOINT",
    "RF_WORKSPACE",
    "API_URL",
    "ENCORD_DATASET_ID",
    "ENCORD_PROJECT_ID",
];

#[derive(clap::Args)]
#[command(after_help = "Examples:
  latchkey run --token laptop -- python train.py
  latchkey run --token cvat/ci --token roboflow/ci -- make upload
  set -a; . ./.env; set +a; latchkey run -- ./deploy.sh   (.env: API_TOKEN=latchkey://cvat/ci)
The command's output is masked: each injected secret shows as <latchkey:platform/label>.
The command's exit code is passed through (126/127 if it cannot be started, 128+N if
signal N ended it).")]
pub struct Args {
    /// A token to export (label, platform/label or id); repeat for several. Optional when
    /// the environment holds latchkey:// references.
    #[arg(long = "token", short = 't', value_name = "TOKEN")]
    pub tokens: Vec<String>,
    /// Do not mask the secrets in the command's output: Latchkey replaces itself with the
    /// command instead of passing its output through.
    #[arg(long)]
    pub no_mask: bool,
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

/// What a run gives its command: each variable with its value and the token it comes from,
/// the masks for its output, the local tokens whose use is recorded, and the access-log events
/// (each with the token's public JSON, so that its public parts are not masked in the log).
#[derive(Default)]
struct Injected {
    env: Vec<(String, SecretString, String)>,
    masks: mask::Builder,
    used: Vec<uuid::Uuid>,
    logged: Vec<(latchkey_core::accesslog::Event, String)>,
}

pub fn run(args: Args) -> Outcome {
    let now = Utc::now();
    let mut vault = crate::context::open_index();
    let records = vault.records()?;
    let mut inj = Injected::default();
    named_tokens(&mut vault, &records, &args, now, &mut inj)?;
    // References in the inherited environment: replaced by the secrets they name.
    references(&mut vault, &records, &args, now, &mut inj)?;
    let Injected { env, masks, used, logged } = inj;
    if env.is_empty() {
        return Err(Failure::usage(
            "Name a token with --token, or put latchkey://<platform>/<label> references in the environment.",
        ));
    }
    if args.print_names {
        for (var, _, from) in &env {
            println!("{var}\t{from}");
        }
        return Ok(Code::Ok);
    }
    let (program, rest) = args.command.split_first().ok_or_else(|| Failure::usage("Give the command after --."))?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for (var, value, _) in &env {
        cmd.env(var, value.expose_secret());
    }
    // One index write for all the tokens and the access-log lines. Under masking they are
    // written as soon as the command has started (off its start-up path: each write syncs to
    // disk); without, before the command replaces this process.
    let events = run_events(logged, &args.command, &env);
    drop(env);
    let record = move || {
        vault.record_uses(&used, now);
        vault.log_uses(events);
    };
    #[cfg(unix)]
    if !args.no_mask {
        crate::supervise::run(cmd, program, masks.build(), record);
    }
    #[cfg(not(unix))]
    let _ = masks;
    record();
    start(cmd, program)
}

/// The tokens named with --token: each checked, then the local ones' secrets read in one
/// keychain session, their variables set and masked.
fn named_tokens(
    vault: &mut latchkey_core::Vault,
    records: &[latchkey_core::TokenRecord],
    args: &Args,
    now: chrono::DateTime<Utc>,
    inj: &mut Injected,
) -> Result<(), Failure> {
    let mut teams = None;
    let mut chosen: Vec<(Found, String)> = vec![];
    for q in &args.tokens {
        let found = crate::team::resolve_in(vault, records, q, &mut teams)?;
        let name = crate::resolve::qualified(found.record());
        refuse_unfit(vault, found.record(), now, args)?;
        if !chosen.iter().any(|(_, n)| *n == name) {
            chosen.push((found, name));
        }
    }
    let local: Vec<_> =
        chosen.iter().filter(|(f, _)| matches!(f, Found::Local(_))).map(|(f, _)| f.record().id).collect();
    let mut local_envs = vault.run_envs(&local).into_iter();
    for (found, name) in chosen {
        let record = found.record();
        let vars = match &found {
            Found::Local(_) => {
                inj.used.push(record.id);
                local_envs.next().expect("one environment per local token")?
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
        for (var, value) in &vars {
            if !PUBLIC_VARS.contains(&var.as_str()) {
                inj.masks.secret(&name, value.expose_secret());
            }
        }
        let get = |n: &str| vars.iter().find(|(v, _)| v == n).map(|(_, s)| s.expose_secret());
        if let (Some(id), Some(secret)) = (get("ENV0_API_KEY"), get("ENV0_API_SECRET")) {
            inj.masks.basic(&name, id, secret);
        }
        inj.logged.push((found.used(Action::Run), serde_json::to_string(record).unwrap_or_default()));
        for (var, value) in vars {
            if let Some((_, _, other)) = inj.env.iter().find(|(v, _, _)| *v == var) {
                return Err(Failure::usage(format!("{name} and {other} would both set {var}; run them separately.")));
            }
            inj.env.push((var, value, name.clone()));
        }
    }
    Ok(())
}

/// The inherited variables holding `latchkey://` references, set with the secrets in their
/// place and masked. Every token is checked before any secret is read, and their secrets are
/// read together. A variable a --token already sets is the token's.
fn references(
    vault: &mut latchkey_core::Vault,
    records: &[latchkey_core::TokenRecord],
    args: &Args,
    now: chrono::DateTime<Utc>,
    inj: &mut Injected,
) -> Result<(), Failure> {
    let mut found = vec![];
    for (var, value) in std::env::vars_os() {
        let (Ok(var), Ok(value)) = (var.into_string(), value.into_string()) else { continue };
        let refs = crate::reference::find(&value);
        if refs.is_empty() || inj.env.iter().any(|(v, _, _)| *v == var) {
            continue;
        }
        let mut named = vec![];
        for r in refs {
            let record = crate::reference::resolve(records, &r)
                .map_err(|f| Failure::new(f.code, format!("{var}={}", f.message)))?
                .clone();
            refuse_unfit(vault, &record, now, args)?;
            named.push((r, record));
        }
        found.push((var, value, named));
    }
    let ids: Vec<_> = found.iter().flat_map(|(_, _, named)| named).map(|(_, record)| record.id).collect();
    let secrets = vault.secrets_of(&ids)?;
    for (var, value, named) in found {
        let mut text = String::with_capacity(value.len());
        let mut from = 0;
        let mut names = vec![];
        for (r, record) in &named {
            let secret = secrets[&record.id].expose_secret();
            let name = crate::resolve::qualified(record);
            inj.masks.secret(&name, secret);
            if let Some(id) = &record.public.key_id {
                inj.masks.basic(&name, id, secret);
            }
            text.push_str(&value[from..r.span.start]);
            text.push_str(secret);
            from = r.span.end;
            inj.used.push(record.id);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        text.push_str(&value[from..]);
        inj.env.push((var, SecretString::from(text), names.join(",")));
    }
    Ok(())
}

/// One access-log line per token, with the command line (every injected value that is not a
/// public part of its record masked as `<latchkey:token>`) and, from core, the parent process.
fn run_events(
    logged: Vec<(latchkey_core::accesslog::Event, String)>,
    command: &[OsString],
    env: &[(String, SecretString, String)],
) -> Vec<latchkey_core::accesslog::Event> {
    let argv: Vec<String> = command.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let public: String = logged.iter().map(|(_, json)| json.as_str()).collect();
    let secrets: Vec<(String, &str)> = env
        .iter()
        .map(|(_, value, from)| (from.clone(), value.expose_secret()))
        .filter(|(_, value)| !public.contains(value))
        .collect();
    let command = latchkey_core::accesslog::mask_command(&argv, &secrets);
    logged.into_iter().map(|(event, _)| event.command(command.clone())).collect()
}

/// A command is not started with a token that is not usable (`check_usable`: revoked, expired
/// without --allow-expired), that the platform already refused, or that expires within
/// `--min-valid`: it would fail later, half-way through, with the platform's own error.
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
    super::check_usable(vault, record, now, args.allow_expired)
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
pub(crate) fn cannot_start(program: &OsString, e: std::io::Error) -> ! {
    let code = if e.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
    eprintln!("latchkey: cannot run {}: {e}", program.to_string_lossy());
    std::process::exit(code)
}
