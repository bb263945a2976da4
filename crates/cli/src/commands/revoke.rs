//! `latchkey revoke`: revoke through the platform's API where the token may revoke itself
//! (the secret is then removed from the keychain at once), else show the guided steps and,
//! once the user says it is done, mark it revoked and remove the secret — as the app does.
//! Either way the old secret is validated first: a platform that still accepts it leaves the
//! token as it was (exit 8, "still accepts this token"); `--mark-revoked` marks it anyway.

use std::io::IsTerminal;

use chrono::Utc;
use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::Checker;
use serde_json::json;

use crate::exit::{Code, Failure, Outcome};
use crate::input::confirm;
use crate::output::print_json;

#[derive(clap::Args)]
#[command(
    after_help = "A guided revoke exits with 8 until it is confirmed: run the steps, then\n  latchkey revoke <token> --mark-revoked"
)]
pub struct Args {
    /// The token's label (or platform/label) or id.
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

pub fn run(args: Args) -> Outcome {
    let mut vault = crate::context::open();
    let record = crate::resolve::resolve(&mut vault, &args.token)?;
    let name = crate::resolve::qualified(&record);
    let reason = if args.reason.trim().is_empty() { "Revoked".to_string() } else { args.reason.clone() };
    if record.revoked.is_some() && !args.mark_revoked {
        return Err(Failure::new(Code::Invalid, format!("{name} is already revoked.")));
    }
    if args.mark_revoked {
        vault.confirm_revoked(record.id, &reason, Utc::now())?;
        report(
            &args,
            json!({"how": "marked_revoked", "id": record.id}),
            &format!("Marked {name} revoked; its secret was removed from the keychain."),
        );
        return Ok(Code::Ok);
    }
    let checker = Checker::shared()?;
    match vault.revoke(record.id, &checker)? {
        RevokeOutcome::Revoked => {
            // The revoke was checked by validating the old secret: the record says how.
            let note = vault.get(record.id).ok().and_then(|r| r.revoked).map(|r| r.reason).unwrap_or_default();
            report(
                &args,
                json!({"how": "revoked", "id": record.id, "reason": note}),
                &format!("Revoked {name}: {note}. Its secret was removed from the keychain."),
            );
            Ok(Code::Ok)
        }
        outcome @ RevokeOutcome::Guided { .. } => {
            let RevokeOutcome::Guided { settings_url, steps, note } = &outcome else { unreachable!() };
            if args.json {
                print_json(&outcome);
            } else {
                println!(
                    "{} cannot revoke {name} through its API{}.",
                    record.platform.name(),
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
                confirm(&format!("Done? Mark {name} revoked and remove its secret from the keychain?"))?
            } else {
                false
            };
            if !done {
                eprintln!(
                    "Nothing was changed. When it is revoked, run: latchkey revoke {} --mark-revoked",
                    shell_word(&name)
                );
                return Ok(Code::ActionNeeded);
            }
            // Ask the platform first: "done" is confirmed by its refusal of the old secret.
            let marked = vault.confirm_revoked_checked(record.id, &reason, &checker)?;
            if !args.json {
                let note = marked.revoked.map(|r| r.reason).unwrap_or_default();
                println!("Marked {name} revoked ({note}); its secret was removed from the keychain.");
            }
            Ok(Code::Ok)
        }
    }
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
