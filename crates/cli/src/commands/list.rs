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
    let team_views: Vec<TokenView> = teams
        .tokens
        .iter()
        .map(|t| TokenView {
            status: status(&t.token.record, now, &view.settings.policy),
            record: t.token.record.clone(),
        })
        .collect();
    let vault_of = |t: &TokenView| -> (String, Option<u64>) {
        // `team_views[i]` is `teams.tokens[i]`; anything else is local.
        match team_views.iter().position(|v| std::ptr::eq(v, t)) {
            Some(i) => (crate::team::marker(&teams.tokens[i].config), Some(teams.tokens[i].token.version)),
            None => ("local".to_string(), None),
        }
    };
    let mut tokens: Vec<&TokenView> = view
        .tokens
        .iter()
        .chain(team_views.iter())
        .filter(|t| args.platform.is_none_or(|p| t.record.platform == p))
        .filter(|t| !(args.hide_revoked || args.expiring.is_some() || args.stale) || t.record.revoked.is_none())
        .filter(|t| match args.expiring {
            Some(within) => t.record.expires_at.is_some_and(|e| e - now <= within),
            None => true,
        })
        .filter(|t| !args.stale || t.status.stale_for_secs.is_some())
        .collect();
    // Soonest expiry first (expired ones lead), no expiry after, revoked last; then by label.
    tokens.sort_by_key(|t| {
        (t.record.revoked.is_some(), t.record.expires_at.is_none(), t.record.expires_at, t.record.label.to_lowercase())
    });

    if args.json {
        let rows: Vec<Row> = tokens
            .iter()
            .map(|t| {
                let (vault, team_version) = vault_of(t);
                Row { record: &t.record, status: &t.status, countdown: countdown(&t.record, now), vault, team_version }
            })
            .collect();
        print_json(&rows);
        return Ok(Code::Ok);
    }
    if tokens.is_empty() {
        if view.tokens.is_empty() && team_views.is_empty() {
            eprintln!("No tokens yet. Add one with: latchkey add <platform> --label <label>");
        } else {
            eprintln!("No token matches.");
        }
        return Ok(Code::Ok);
    }
    // The VAULT column only once a team vault is connected (the table is unchanged otherwise).
    let with_vault = !view.settings.team_vaults.is_empty();
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|t| {
            let r = &t.record;
            let state = match &t.status.health {
                Health::Invalid { .. } | Health::Revoked => health_word(&t.status.health).to_uppercase(),
                h => health_word(h).to_string(),
            };
            let mut row = vec![
                r.platform.id().to_string(),
                r.label.clone(),
                state,
                countdown(r, now),
                masked(&r.hint),
                remarks(r, &t.status).join(", "),
                r.id.to_string()[..8].to_string(),
            ];
            if with_vault {
                row.insert(0, vault_of(t).0);
            }
            row
        })
        .collect();
    let mut head = vec!["PLATFORM", "LABEL", "STATE", "EXPIRY", "HINT", "NOTES", "ID"];
    if with_vault {
        head.insert(0, "VAULT");
    }
    crate::output::print_text(&table(&head, &rows));
    Ok(Code::Ok)
}
