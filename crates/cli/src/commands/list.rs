//! `latchkey list`: the tokens with their state and countdown, soonest expiry first. With
//! team vaults connected, their tokens are listed too, marked `team:<name>` (a VAULT column);
//! a team vault that cannot be asked is reported on stderr and the local tokens still listed.

use chrono::Utc;
use latchkey_core::status::{status, Health};
use latchkey_core::vault::TokenView;
use latchkey_core::Platform;
use serde::Serialize;

use crate::exit::{Code, Outcome};
use crate::output::{countdown, health_word, masked, print_json, remarks, table};

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  latchkey list\n  latchkey list --platform cvat --expiring 30d\n  latchkey list --stale --json | jq -r '.[].label'"
)]
pub struct Args {
    /// Only this platform's tokens.
    #[arg(long, value_parser = crate::cli::platform_parser())]
    pub platform: Option<Platform>,
    /// Only tokens that expire within this time (default 7d), expired ones included.
    #[arg(long, value_name = "WITHIN", num_args = 0..=1, default_missing_value = "7d",
          value_parser = crate::when::parse_duration)]
    pub expiring: Option<chrono::Duration>,
    /// Only tokens unused for longer than their staleness period.
    #[arg(long)]
    pub stale: bool,
    /// Leave out revoked tokens.
    #[arg(long)]
    pub hide_revoked: bool,
    /// Print JSON (an array of records, each with `status`, `countdown` and `vault`:
    /// "local" or "team:<name>").
    #[arg(long)]
    pub json: bool,
}

/// One row of `--json`: the record's fields, its status and the countdown text.
#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    record: &'a latchkey_core::TokenRecord,
    status: &'a latchkey_core::status::Status,
    countdown: String,
    /// "local", or "team:<name>" for a team vault's token.
    vault: String,
    /// A team token's KV version (pass it back when editing).
    #[serde(skip_serializing_if = "Option::is_none")]
    team_version: Option<u64>,
}

/// A token to list, with the vault it is in.
struct Listed {
    token: TokenView,
    /// "local", or "team:<name>".
    vault: String,
    team_version: Option<u64>,
}

pub fn run(args: Args) -> Outcome {
    let now = Utc::now();
    let mut vault = crate::context::open_index();
    let view = vault.view(now);
    if let Some(why) = &view.read_only {
        eprintln!("latchkey: warning: {why}");
    }
    // Team tokens are rows like the others, with their vault's marker.
    let teams = crate::team::load(&mut vault);
    teams.warn();
    let local = view.tokens.iter().map(|t| Listed { token: t.clone(), vault: "local".into(), team_version: None });
    let team = teams.tokens.iter().map(|t| Listed {
        token: TokenView {
            status: status(&t.token.record, now, &view.settings.policy),
            record: t.token.record.clone(),
        },
        vault: crate::team::marker(&t.config),
        team_version: Some(t.token.version),
    });
    let all: Vec<Listed> = local.chain(team).collect();
    let mut tokens: Vec<&Listed> = all.iter().filter(|l| wanted(&args, &l.token, now)).collect();
    // Soonest expiry first (expired ones lead), no expiry after, revoked last; then by label.
    tokens.sort_by_key(|l| {
        let r = &l.token.record;
        (r.revoked.is_some(), r.expires_at.is_none(), r.expires_at, r.label.to_lowercase())
    });

    if args.json {
        let rows: Vec<Row> = tokens
            .iter()
            .map(|l| Row {
                record: &l.token.record,
                status: &l.token.status,
                countdown: countdown(&l.token.record, now),
                vault: l.vault.clone(),
                team_version: l.team_version,
            })
            .collect();
        print_json(&rows);
        return Ok(Code::Ok);
    }
    if tokens.is_empty() {
        if all.is_empty() {
            eprintln!("No tokens yet. Add one with: latchkey add <platform> --label <label>");
        } else {
            eprintln!("No token matches.");
        }
        return Ok(Code::Ok);
    }
    // The VAULT column only once a team vault is connected (the table is unchanged otherwise).
    print_table(&tokens, !view.settings.team_vaults.is_empty(), now);
    Ok(Code::Ok)
}

/// Whether the filters on the command line keep this token.
fn wanted(args: &Args, t: &TokenView, now: chrono::DateTime<Utc>) -> bool {
    args.platform.is_none_or(|p| t.record.platform == p)
        && (!(args.hide_revoked || args.expiring.is_some() || args.stale) || t.record.revoked.is_none())
        && args.expiring.is_none_or(|within| t.record.expires_at.is_some_and(|e| e - now <= within))
        && (!args.stale || t.status.stale_for_secs.is_some())
}

fn print_table(tokens: &[&Listed], with_vault: bool, now: chrono::DateTime<Utc>) {
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|l| {
            let (r, status) = (&l.token.record, &l.token.status);
            let state = match &status.health {
                Health::Invalid { .. } | Health::Revoked => health_word(&status.health).to_uppercase(),
                h => health_word(h).to_string(),
            };
            let mut row = vec![
                r.platform.id().to_string(),
                r.label.clone(),
                state,
                countdown(r, now),
                masked(&r.hint),
                remarks(r, status).join(", "),
                r.id.to_string()[..8].to_string(),
            ];
            if with_vault {
                row.insert(0, l.vault.clone());
            }
            row
        })
        .collect();
    let mut head = vec!["PLATFORM", "LABEL", "STATE", "EXPIRY", "HINT", "NOTES", "ID"];
    if with_vault {
        head.insert(0, "VAULT");
    }
    crate::output::print_text(&table(&head, &rows));
}
