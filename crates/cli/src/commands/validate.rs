//! `latchkey validate`: ask the platform whether a token — or every token — is still
//! accepted, through the same core checker as the app (8 at a time, 4 per server), and store
//! what it says. One token may be local or in a team vault (found when no local token
//! matches); its result is then stored in the team vault, for everyone.

use latchkey_core::record::Validity;
use latchkey_core::{Checker, ErrorPayload, TokenRecord, Vault};
use serde::Serialize;

use crate::exit::{code_of, Code, Failure, Outcome};
use crate::output::print_json;

#[derive(clap::Args)]
#[command(after_help = "Exit code: 5 if any token was refused, else 7 if any could not be checked \
(or its team vault could not be asked), else 4/1 if a secret could not be read, else 0.")]
pub struct Args {
    /// The token's label (or platform/label) or id; a team token when no local one matches.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub token: Option<String>,
    /// Every local token that is not revoked.
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
    error: Option<ErrorPayload>,
}

pub fn run(args: Args) -> Outcome {
    let vault = crate::context::open();
    match &args.token {
        Some(q) => one(vault, q, args.json),
        None => all(vault, args.json),
    }
}

/// One token, local or in a team vault, through core's one validate.
fn one(mut vault: Vault, query: &str, json: bool) -> Outcome {
    let found = crate::team::resolve(&mut vault, query)?;
    let r = found.record().clone();
    if r.revoked.is_some() {
        return Err(Failure::new(
            Code::Invalid,
            format!("{} is revoked; there is nothing to validate.", crate::resolve::qualified(&r)),
        ));
    }
    let target = found.target();
    let tokens = crate::context::tokens(vault);
    let result = tokens.blocking(move |t| async move { t.validate(&target).await }).map(|row| row.record);
    if !json {
        let error = result.as_ref().err().map(latchkey_core::Error::payload);
        say(&crate::resolve::qualified(&r), "", result.as_ref().map_err(|_| error.as_ref().expect("an error")));
    }
    let (code, line) = line_of(&r, result);
    if json {
        print_json(&[line]);
    }
    Ok(code)
}

/// Every local token that is not revoked, each reported as soon as it is finished.
fn all(mut vault: Vault, json: bool) -> Outcome {
    let checker = Checker::shared()?;
    let targets: Vec<TokenRecord> = vault.records()?.into_iter().filter(|r| r.revoked.is_none()).collect();
    if targets.is_empty() {
        eprintln!("No tokens to validate.");
        return Ok(Code::Ok);
    }
    let ids: Vec<uuid::Uuid> = targets.iter().map(|r| r.id).collect();
    let results = vault.validate_many(&ids, &checker, |p| {
        let Some(r) = targets.iter().find(|r| r.id == p.id).filter(|_| !json) else { return };
        let counter = if p.total > 1 { format!("[{}/{}] ", p.done, p.total) } else { String::new() };
        let result = match (&p.record, &p.error) {
            (Some(stored), _) => Ok(stored),
            (None, Some(e)) => Err(e),
            (None, None) => return,
        };
        say(&crate::resolve::qualified(r), &counter, result);
    });

    let mut code = Code::Ok;
    let mut lines = vec![];
    for (id, result) in results {
        let r = targets.iter().find(|r| r.id == id).expect("asked for it");
        let (this, line) = line_of(r, result);
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

/// As documented above: refused, then could not check, then a local failure.
fn rank(c: Code) -> u8 {
    match c {
        Code::Invalid => 4,
        Code::CannotCheck => 3,
        Code::Keychain => 2,
        Code::Ok => 0,
        _ => 1,
    }
}

/// Print one finished token: what the platform said (and its notes), or why it was not checked.
fn say(name: &str, counter: &str, result: Result<&TokenRecord, &ErrorPayload>) {
    let stored = match result {
        Ok(stored) => stored,
        Err(e) => return println!("{counter}{name}: not checked: {}", e.message),
    };
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

/// The exit code and JSON line of one token's result.
fn line_of(r: &TokenRecord, result: latchkey_core::Result<TokenRecord>) -> (Code, Line) {
    let mut line =
        Line { id: r.id, platform: r.platform, label: r.label.clone(), validity: None, notes: vec![], error: None };
    let code = match result {
        Ok(stored) => {
            let outcome = stored.last_validation;
            let c = match outcome.as_ref().map(|o| &o.validity) {
                Some(Validity::Valid) => Code::Ok,
                Some(Validity::Invalid { .. }) => Code::Invalid,
                _ => Code::CannotCheck,
            };
            line.notes = outcome.as_ref().map(|o| o.notes.clone()).unwrap_or_default();
            line.validity = outcome.map(|o| o.validity);
            c
        }
        Err(e) => {
            line.error = Some(e.payload());
            code_of(e.kind())
        }
    };
    (code, line)
}
