//! `latchkey import`: find tokens where the platforms' own tools keep them, show them
//! masked, and store the ones the user accepts.
//!
//! Where it looks is in `import/sources.rs` (reading the files) and core's `import` (what
//! they say).
//!
//! Skipped: tokens already stored (same platform and hint, then the keychain's secret
//! compared), and revoked ones — by the revocation's `revoked_fingerprint` (SHA-256 of the
//! secret) when the record has one, else, to be safe, by platform and hint, with a warning.

mod sources;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::Utc;
use latchkey_core::import::Found;
use latchkey_core::secret::{usable_secret, PreparedSecret};
use latchkey_core::{NewToken, Platform, TokenRecord, Use, Vault};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sources::discover;

use crate::exit::{Code, Failure, Outcome};
use crate::input::{confirm, stdin_is_terminal};
use crate::output::{masked, print_json};

#[derive(clap::Args)]
#[command(after_help = "Asks before storing each token (y/N). Without a terminal, pass --yes to store \
everything found, or --dry-run to only list it.")]
pub struct Args {
    /// Store everything found without asking.
    #[arg(long, short = 'y', conflicts_with = "dry_run")]
    pub yes: bool,
    /// Only show what would be imported.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON (needs --yes or --dry-run): one object per finding and what became of it.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    source: String,
    platform: Platform,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<String>,
    hint: String,
    label: String,
    /// stored, would_store, declined, duplicate, revoked, unusable, failed
    action: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<uuid::Uuid>,
}

pub fn run(args: Args) -> Outcome {
    let interactive = stdin_is_terminal() && !args.json;
    if !args.yes && !args.dry_run && !interactive {
        return Err(Failure::usage(
            "import asks before storing each token and there is no terminal to ask on. \
             Pass --yes to store everything found, or --dry-run to only list it.",
        ));
    }
    let home = dirs::home_dir().unwrap_or_else(|| PathBuf::from("."));
    let env: HashMap<String, String> = std::env::vars().collect();
    let found = discover(&home, &env);
    let mut vault = if args.dry_run { crate::context::open_index() } else { crate::context::open() };
    let stored = vault.records()?;
    if found.is_empty() && !args.json {
        println!("No tokens found in ~/supervisely.env, Roboflow's config file or the environment.");
        return Ok(Code::Ok);
    }
    let taken_labels = stored.iter().map(|r| (r.platform, r.label.to_lowercase())).collect();
    let mut run = Importer { args: &args, vault: &mut vault, stored, seen: vec![], taken_labels };
    let mut reports: Vec<Report> = vec![];
    for f in found {
        if let Some(report) = run.one(f)? {
            reports.push(report);
        }
    }
    summarise(&args, &reports);
    Ok(Code::Ok)
}

/// One import run: what is stored, what this run saw and which labels are taken.
struct Importer<'a> {
    args: &'a Args,
    vault: &'a mut Vault,
    stored: Vec<TokenRecord>,
    /// Platform + payload digest of each token seen in this run.
    seen: Vec<(Platform, String)>,
    taken_labels: Vec<(Platform, String)>,
}

impl Importer<'_> {
    /// What became of one finding; `None` for the same token found in a second place.
    fn one(&mut self, f: Found) -> Result<Option<Report>, Failure> {
        let mut report = Report {
            source: f.source.clone(),
            platform: f.platform,
            server: f.server.clone(),
            hint: String::new(),
            label: String::new(),
            action: "unusable",
            detail: String::new(),
            id: None,
        };
        let prepared = match f.raw.input().prepare(f.platform) {
            Ok(p) => p,
            Err(e) => {
                report.detail = e.to_string();
                show(self.args, &report);
                return Ok(Some(report));
            }
        };
        report.hint = prepared.hint.clone();
        let digest = hex_sha256(prepared.payload.expose_secret());
        if self.seen.contains(&(f.platform, digest.clone())) {
            return Ok(None); // the same token from two sources: reported once
        }
        self.seen.push((f.platform, digest));
        if let Some((action, detail)) = known(self.vault, &self.stored, f.platform, &prepared) {
            report.action = action;
            report.detail = detail;
            show(self.args, &report);
            return Ok(Some(report));
        }
        report.label = unique_label(&f.label, f.platform, &self.taken_labels);
        self.store(f, &mut report)?;
        Ok(Some(report))
    }

    /// Ask (unless --yes or --dry-run) and store the finding; the report says what happened.
    fn store(&mut self, f: Found, report: &mut Report) -> Result<(), Failure> {
        let args = self.args;
        let accept = if args.dry_run {
            report.action = "would_store";
            false
        } else if args.yes {
            true
        } else {
            show(args, report);
            confirm(&format!("    Store it as {}/{}?", f.platform.id(), report.label))?
        };
        if accept {
            let new = NewToken {
                server_url: f.server.clone(),
                workspace: f.workspace.clone(),
                tags: vec!["imported".into()],
                notes: format!("Imported from {}.", f.source),
                // A token Latchkey revoked is never imported again (core refuses it).
                allow_revoked: Some(false),
                rotate_before_days: None,
                ..NewToken::new(f.platform, report.label.clone(), f.raw.input())
            };
            match self.vault.add(new, Utc::now()) {
                Ok(r) => {
                    let event = latchkey_core::accesslog::Event::new(&r, latchkey_core::accesslog::Action::Add);
                    self.vault.log_uses(vec![event.detail(format!("imported from {}", f.source))]);
                    report.action = "stored";
                    report.id = Some(r.id);
                    self.taken_labels.push((f.platform, report.label.to_lowercase()));
                }
                Err(e) if e.is_keychain_down() => return Err(e.into()),
                Err(e) => {
                    report.action = "failed";
                    report.detail = e.to_string();
                }
            }
        } else if report.action != "would_store" {
            report.action = "declined";
        }
        if args.yes || args.dry_run || report.action == "failed" {
            show(args, report);
        } else if report.action == "stored" && !args.json {
            println!("    stored");
        }
        Ok(())
    }
}

/// The closing line (or the JSON of every report).
fn summarise(args: &Args, reports: &[Report]) {
    if args.json {
        print_json(&reports);
        return;
    }
    let n = |a: &str| reports.iter().filter(|r| r.action == a).count();
    println!(
        "{} stored, {} already stored, {} revoked, {} declined, {} unusable{}",
        n("stored"),
        n("duplicate"),
        n("revoked"),
        n("declined"),
        n("unusable") + n("failed"),
        if args.dry_run { format!(", {} would be stored (dry run)", n("would_store")) } else { String::new() }
    );
}

fn show(args: &Args, r: &Report) {
    if args.json {
        return;
    }
    let server = r.server.as_deref().map(|s| format!("  {s}")).unwrap_or_default();
    let what = match r.action {
        "stored" => format!("stored as {}/{}", r.platform.id(), r.label),
        "would_store" => format!("would be stored as {}/{}", r.platform.id(), r.label),
        "duplicate" | "revoked" | "unusable" | "failed" => format!("skipped: {}", r.detail),
        _ => String::new(),
    };
    println!(
        "{} {}{}  from {}{}",
        r.platform.name(),
        masked(&r.hint),
        server,
        r.source,
        if what.is_empty() { String::new() } else { format!("\n    {what}") }
    );
}

/// Whether this secret is already in the vault (`duplicate`) or was revoked (`revoked`).
fn known(
    vault: &mut Vault,
    stored: &[TokenRecord],
    platform: Platform,
    p: &PreparedSecret,
) -> Option<(&'static str, String)> {
    let usable = usable_secret(p.kind, SecretString::from(p.payload.expose_secret().to_string())).ok()?;
    let fingerprints = [hex_sha256(usable.expose_secret()), hex_sha256(p.payload.expose_secret())];
    let same_look = |r: &TokenRecord| {
        r.platform == platform
            && r.hint == p.hint
            && r.kind == p.kind
            && (p.public.key_id.is_none() || r.public.key_id == p.public.key_id)
            && (p.public.ssh_fingerprint.is_none() || r.public.ssh_fingerprint == p.public.ssh_fingerprint)
    };
    for r in stored.iter().filter(|r| r.platform == platform) {
        let name = crate::resolve::qualified(r);
        match &r.revoked {
            Some(rev) => {
                // A parallel change may add `revoked_fingerprint` to the revocation; read it
                // loosely so this works with and without it.
                let value = serde_json::to_value(rev).unwrap_or_default();
                match value.get("revoked_fingerprint").and_then(|v| v.as_str()) {
                    Some(fp) => {
                        let fp = fp.trim().trim_start_matches("sha256:").to_lowercase();
                        if fingerprints.contains(&fp) {
                            return Some(("revoked", format!("this token was revoked ({name})")));
                        }
                    }
                    None if same_look(r) => {
                        return Some((
                            "revoked",
                            format!(
                                "it looks like revoked {name} (same hint); not imported to be safe. \
                                 If it is a new token, store it with `latchkey add`"
                            ),
                        ))
                    }
                    None => {}
                }
            }
            None if same_look(r) => match vault.secret(r.id, Use::Inspect, Utc::now()) {
                Ok(s) if s.expose_secret() == usable.expose_secret() => {
                    return Some(("duplicate", format!("already stored as {name}")))
                }
                Ok(_) => {}
                Err(e) => return Some(("duplicate", format!("may already be stored as {name} ({e})"))),
            },
            None => {}
        }
    }
    None
}

fn unique_label(base: &str, platform: Platform, taken: &[(Platform, String)]) -> String {
    let free = |l: &str| !taken.contains(&(platform, l.to_lowercase()));
    if free(base) {
        return base.to_string();
    }
    (2..).map(|n| format!("{base} ({n})")).find(|l| free(l)).expect("some number is free")
}

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_made_unique() {
        let taken = vec![(Platform::Cvat, "ci".to_string()), (Platform::Cvat, "ci (2)".to_string())];
        assert_eq!(unique_label("CI", Platform::Cvat, &taken), "CI (3)");
        assert_eq!(unique_label("CI", Platform::Roboflow, &taken), "CI");
    }
}
