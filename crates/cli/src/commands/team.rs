//! `latchkey team`: connect (`add`), show (`list`) and disconnect (`remove`) team vaults —
//! OpenBao or HashiCorp Vault KV v2 mounts shared by a team — through the same core code as
//! the app's settings. The Vault token is read from a hidden prompt or stdin, never an
//! argument, and goes to the keychain only after the vault answered with it.

use latchkey_core::team::{NewTeamVault, TeamVaultConfig};
use latchkey_core::{ErrorPayload, Tokens};
use serde::Serialize;
use uuid::Uuid;

use crate::exit::{Code, Failure, Outcome};
use crate::output::print_json;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Team,
}

#[derive(clap::Subcommand)]
pub enum Team {
    /// Connect a team vault; its Vault token is read from a hidden prompt or stdin.
    Add(AddArgs),
    /// The connected team vaults and whether each answers.
    List(ListArgs),
    /// Disconnect a team vault (this machine only; the tokens on the server stay).
    Remove(RemoveArgs),
}

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  latchkey team add \"Platform team\" --address https://vault.example.com:8200\n  bao print token | latchkey team add ml --address https://vault.example.com --prefix latchkey/ml"
)]
pub struct AddArgs {
    /// What to call it (shown as team:<name> in `latchkey list`).
    pub name: String,
    /// The server, such as https://vault.example.com:8200 (plain http only for this machine).
    #[arg(long)]
    pub address: String,
    /// The KV v2 mount [default: secret].
    #[arg(long)]
    pub mount: Option<String>,
    /// The path prefix under the mount [default: latchkey].
    #[arg(long)]
    pub prefix: Option<String>,
    /// Print the stored connection as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Print JSON: one object per team vault, with `answers` and the error when it does not.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct RemoveArgs {
    /// The team vault's name or id (or the first 8+ characters of its id).
    pub vault: String,
}

pub fn run(args: Args) -> Outcome {
    match args.command {
        Team::Add(a) => add(a),
        Team::List(a) => list(a),
        Team::Remove(a) => remove(a),
    }
}

fn tokens() -> Tokens {
    crate::context::tokens(crate::context::open())
}

fn add(args: AddArgs) -> Outcome {
    let token = crate::input::secret_line("Vault token (hidden): ")?;
    let form = NewTeamVault { name: args.name, address: args.address, mount: args.mount, prefix: args.prefix, token };
    let stored = tokens().blocking(|t| async move { t.add_team_vault(form).await })?;
    if args.json {
        print_json(&stored);
    } else {
        println!(
            "Connected team vault “{}” ({}, {}); its Vault token is in the keychain.",
            stored.name,
            stored.address,
            stored.location()
        );
    }
    Ok(Code::Ok)
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    config: TeamVaultConfig,
    answers: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorPayload>,
}

fn list(args: ListArgs) -> Outcome {
    let health = tokens().blocking(|t| async move { t.team_health().await })?;
    let rows: Vec<Row> = health
        .into_iter()
        .map(|(config, answered)| Row { config, answers: answered.is_ok(), error: answered.err().map(|e| e.payload()) })
        .collect();
    if args.json {
        print_json(&rows);
        return Ok(Code::Ok);
    }
    if rows.is_empty() {
        eprintln!("No team vault is connected. Connect one with: latchkey team add <name> --address <url>");
        return Ok(Code::Ok);
    }
    let width = |f: fn(&Row) -> &str, title: &str| rows.iter().map(|r| f(r).chars().count()).chain([title.len()]).max();
    let name_w = width(|r| &r.config.name, "NAME").unwrap_or(4);
    let addr_w = width(|r| &r.config.address, "ADDRESS").unwrap_or(7);
    let mount_w = width(|r| &r.config.mount, "MOUNT").unwrap_or(5);
    let prefix_w = width(|r| &r.config.prefix, "PREFIX").unwrap_or(6);
    println!("{:name_w$}  {:addr_w$}  {:mount_w$}  {:prefix_w$}  ANSWERS", "NAME", "ADDRESS", "MOUNT", "PREFIX");
    for r in &rows {
        let answers = match &r.error {
            None => "yes".to_string(),
            Some(e) => format!("no: {}", e.message),
        };
        let c = &r.config;
        println!("{:name_w$}  {:addr_w$}  {:mount_w$}  {:prefix_w$}  {answers}", c.name, c.address, c.mount, c.prefix);
    }
    Ok(Code::Ok)
}

/// The connected team vault `query` names: its name (case-insensitive), id or id prefix.
fn find(configs: &[TeamVaultConfig], query: &str) -> Result<TeamVaultConfig, Failure> {
    let q = query.trim();
    let by_id = q.parse::<Uuid>().ok();
    let lower = q.to_lowercase();
    let matches: Vec<&TeamVaultConfig> = configs
        .iter()
        .filter(|c| {
            Some(c.id) == by_id
                || c.name.to_lowercase() == lower
                || (q.len() >= 8 && c.id.to_string().starts_with(&lower))
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Failure::new(Code::NotFound, format!("No connected team vault is named “{q}”."))),
        _ => Err(Failure::usage(format!("“{q}” names more than one team vault; use its id."))),
    }
}

fn remove(args: RemoveArgs) -> Outcome {
    let tokens = tokens();
    let configs = tokens.blocking(|t| async move { t.with_vault(|v| Ok(v.team_vaults())).await })?;
    let config = find(&configs, &args.vault)?;
    let id = config.id;
    tokens.blocking(move |t| async move { t.remove_team_vault(id).await })?;
    println!(
        "Removed team vault “{}”; its Vault token left the keychain. The tokens on {} are untouched.",
        config.name, config.address
    );
    Ok(Code::Ok)
}
