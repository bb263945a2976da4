//! `latchkey revoke`: revoke through the platform's API where the token may revoke itself
//! (the secret is then removed at once), else show the guided steps and, once the user says
//! it is done, mark it revoked and remove the secret — as the app does, through the same core
//! flow, for local tokens and team tokens alike (a team token is found when no local token
//! matches; its secret is then destroyed in the team vault, for everyone).
//! Either way the old secret is validated first: a platform that still accepts it leaves the
//! token as it was (exit 8, "still accepts this token"); `--mark-revoked` marks it anyway.

use std::io::IsTerminal;

use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::{TokenTarget, Tokens};
use serde_json::json;

use crate::exit::{Code, Failure, Outcome};
use crate::input::confirm;
use crate::output::print_json;

#[derive(clap::Args)]
#[command(
    after_help = "A guided revoke exits with 8 until it is confirmed: run the steps, then\n  latchkey revoke <token> --mark-revoked"
)]
pub struct Args {
    /// The token's label (or platform/label) or id; a team token when no local one matches.
    pub token: String,
    /// It is already revoked on the platform: only mark it revoked and remove the secret.
    #[arg(long)]
    pub mark_revoked: bool,
    /// After guided steps, do not ask: mark it revoked (you have done the steps).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Why, kept with the record (no secrets: the index is not encrypted).
    #[arg(long, default_value = "")]
    pub reason: String,
    /// Print JSON: {"how": "revoked"} or {"how": "guided", "settings_url", "steps", …}.
    #[arg(long)]
    pub json: bool,
}

/// The token being revoked: where it lives and how it is named to the user.
struct Subject {
    tokens: Tokens,
    target: TokenTarget,
    name: String,
    /// What became of the secret, for the messages.
    gone: &'static str,
}

pub fn run(args: Args) -> Outcome {
    let mut vault = crate::context::open();
    let found = crate::team::resolve(&mut vault, &args.token)?;
    let record = found.record().clone();
    let name = crate::resolve::qualified(&record);
    if record.revoked.is_some() && !args.mark_revoked {
        return Err(Failure::new(Code::Invalid, format!("{name} is already revoked.")));
    }
    let target = found.target();
    let gone = match target {
        TokenTarget::Local { .. } => "its secret was removed from the keychain",
        TokenTarget::Team { .. } => "its secret was destroyed in the team vault",
    };
    let s = Subject { tokens: crate::context::tokens(vault), target, name, gone };
    let reason = if args.reason.trim().is_empty() { "Revoked".to_string() } else { args.reason.clone() };
    if args.mark_revoked {
        let target = s.target.clone();
        s.tokens.blocking(move |t| async move { t.mark_revoked(&target, &reason).await })?;
        report(
            &args,
            json!({"how": "marked_revoked", "id": record.id}),
            &format!("Marked {} revoked; {}.", s.name, s.gone),
        );
        return Ok(Code::Ok);
    }
    let target = s.target.clone();
    match s.tokens.blocking(move |t| async move { t.revoke(&target).await })? {
        RevokeOutcome::Revoked => {
            // The revoke was checked by validating the old secret: the record says how.
            let target = s.target.clone();
            let row = s.tokens.blocking(move |t| async move { t.get(&target).await });
            let note = row.ok().and_then(|r| r.record.revoked).map(|r| r.reason).unwrap_or_default();
            report(
                &args,
                json!({"how": "revoked", "id": record.id, "reason": note}),
                &format!("Revoked {}: {note}. {}.", s.name, capitalised(s.gone)),
            );
            Ok(Code::Ok)
        }
        outcome => guided(&args, &s, record.platform.name(), outcome, reason),
    }
}

/// Show the guided steps; once the user says they are done, confirm by validating the old
/// secret and mark the token revoked.
fn guided(args: &Args, s: &Subject, platform: &str, outcome: RevokeOutcome, reason: String) -> Outcome {
    let RevokeOutcome::Guided { settings_url, steps, note } = &outcome else { unreachable!("not revoked") };
    let name = &s.name;
    if args.json {
        print_json(&outcome);
    } else {
        println!(
            "{platform} cannot revoke {name} through its API{}.",
            note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
        );
        println!("Revoke it on the website: {settings_url}");
        for (i, s) in steps.iter().enumerate() {
            println!("  {}. {s}", i + 1);
        }
    }
    let done = if args.yes {
        true
    } else if std::io::stdin().is_terminal() && !args.json {
        confirm(&format!("Done? Mark {name} revoked and remove its secret ({})?", s.gone))?
    } else {
        false
    };
    if !done {
        eprintln!("Nothing was changed. When it is revoked, run: latchkey revoke {} --mark-revoked", shell_word(name));
        return Ok(Code::ActionNeeded);
    }
    // Ask the platform first: "done" is confirmed by its refusal of the old secret.
    let target = s.target.clone();
    let marked = s.tokens.blocking(move |t| async move { t.confirm_revoked(&target, &reason, false).await })?;
    if !args.json {
        let note = marked.record.revoked.map(|r| r.reason).unwrap_or_default();
        println!("Marked {name} revoked ({note}); {}.", s.gone);
    }
    Ok(Code::Ok)
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn report(args: &Args, value: serde_json::Value, text: &str) {
    if args.json {
        print_json(&value);
    } else {
        println!("{text}");
    }
}

/// Quote for a shell when needed, for the hint printed above.
fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.:@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
