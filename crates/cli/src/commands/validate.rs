//! `latchkey validate`: ask the platform whether a token — or every token — is still
//! accepted, through the same core checker as the app (8 at a time, 4 per server), and store
//! what it says.

use latchkey_core::record::Validity;
use latchkey_core::{Checker, TokenRecord};
use serde::Serialize;

use crate::exit::{code_of, Code, Failure, Outcome};
use crate::output::print_json;

#[derive(clap::Args)]
#[command(after_help = "Exit code: 5 if any token was refused, else 7 if any could not be checked, \
else 4/1 if a secret could not be read, else 0.")]
pub struct Args {
    /// The token's label (or platform/label) or id.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub token: Option<String>,
    /// Every token that is not revoked.
    #[arg(long)]
    pub all: bool,
    /// Print JSON: one object per token with its validity, or the error.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Line {
    id: uuid::Uuid,
    platform: latchkey_core::Platform,
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    validity: Option<Validity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<latchkey_core::ErrorPayload>,
}

pub fn run(args: Args) -> Outcome {
    let mut vault = crate::context::open();
    let checker = Checker::shared()?;
    let records = vault.records()?;
    let targets: Vec<TokenRecord> = match &args.token {
        Some(q) => {
            let r = crate::resolve::find(&records, q)?.clone();
            if r.revoked.is_some() {
                return Err(Failure::new(
                    Code::Invalid,
                    format!("{} is revoked; there is nothing to validate.", crate::resolve::qualified(&r)),
                ));
            }
            vec![r]
        }
        None => records.into_iter().filter(|r| r.revoked.is_none()).collect(),
    };
    if targets.is_empty() {
        eprintln!("No tokens to validate.");
        return Ok(Code::Ok);
    }
    let ids: Vec<uuid::Uuid> = targets.iter().map(|r| r.id).collect();
    let json = args.json;
    let results = vault.validate_many(&ids, &checker, |p| {
        if json {
            return;
        }
        let Some(r) = targets.iter().find(|r| r.id == p.id) else { return };
        let name = crate::resolve::qualified(r);
        let counter = if p.total > 1 { format!("[{}/{}] ", p.done, p.total) } else { String::new() };
        match (&p.record, &p.error) {
            (Some(stored), _) => {
                let outcome = stored.last_validation.as_ref();
                let words = match outcome.map(|o| &o.validity) {
                    Some(Validity::Valid) => {
                        let who = [
                            stored.identity.owner.as_deref(),
                            stored.identity.workspace.as_deref(),
                            stored.identity.role.as_deref(),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                        if who.is_empty() {
                            "valid".to_string()
                        } else {
                            format!("valid ({who})")
                        }
                    }
                    Some(Validity::Invalid { reason }) => format!("INVALID: {reason}"),
                    Some(Validity::CannotCheck { reason }) => format!("could not check: {reason}"),
                    None => "not checked".into(),
                };
                println!("{counter}{name}: {words}");
                for n in outcome.map(|o| o.notes.as_slice()).unwrap_or_default() {
                    println!("    {n}");
                }
            }
            (None, Some(e)) => println!("{counter}{name}: not checked: {}", e.message),
            (None, None) => {}
        }
    });

    let mut code = Code::Ok;
    let mut lines = vec![];
    // As documented above: refused, then could not check, then a local failure.
    let rank = |c: Code| match c {
        Code::Invalid => 4,
        Code::CannotCheck => 3,
        Code::Keychain => 2,
        Code::Ok => 0,
        _ => 1,
    };
    for (id, result) in results {
        let r = targets.iter().find(|r| r.id == id).expect("asked for it");
        let (this, line) = match result {
            Ok(stored) => {
                let outcome = stored.last_validation.clone();
                let c = match outcome.as_ref().map(|o| &o.validity) {
                    Some(Validity::Valid) => Code::Ok,
                    Some(Validity::Invalid { .. }) => Code::Invalid,
                    _ => Code::CannotCheck,
                };
                let notes = outcome.as_ref().map(|o| o.notes.clone()).unwrap_or_default();
                (
                    c,
                    Line {
                        id,
                        platform: r.platform,
                        label: r.label.clone(),
                        validity: outcome.map(|o| o.validity),
                        notes,
                        error: None,
                    },
                )
            }
            Err(e) => {
                let c = code_of(e.kind());
                (
                    c,
                    Line {
                        id,
                        platform: r.platform,
                        label: r.label.clone(),
                        validity: None,
                        notes: vec![],
                        error: Some(e.payload()),
                    },
                )
            }
        };
        if rank(this) > rank(code) {
            code = this;
        }
        lines.push(line);
    }
    if json {
        // In the order asked, not the order answered.
        lines.sort_by_key(|l| ids.iter().position(|i| *i == l.id));
        print_json(&lines);
    }
    Ok(code)
}
