//! `latchkey scan`: the app's leak watch from the terminal. Looks for every stored secret (in
//! its usual encodings) and for tokens of the five platforms that are not stored, in the places
//! of the app's settings (or the folders given), and prints where — never the secret itself.
//! The report is kept like the app's (the app shows it until the next scan).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use chrono::Utc;
use latchkey_core::leak::{self, store, FindingKind, NeedleSet, ScanIssue, ScanOptions, ScanProgress};
use latchkey_core::Vault;

use crate::exit::{Code, Failure, Outcome};

#[derive(clap::Args)]
#[command(after_help = "Exits 0 when nothing suspected is found, 9 when a stored, revoked or unknown token was found \
                  outside an allowed place.\n\nExamples:\n  latchkey scan                       (the places set in the app)\n  \
                  latchkey scan ~/src/project --include-ignored\n  latchkey scan --no-home ~/notebooks --json")]
pub struct Args {
    /// Project folders or files to scan instead of the folders in the settings.
    pub paths: Vec<PathBuf>,
    /// Skip the home folder's usual places (shell histories, dotfiles, ~/supervisely.env, CLI configs).
    #[arg(long)]
    pub no_home: bool,
    /// Also scan files a .gitignore excludes (.env files usually are, and still leak).
    #[arg(long)]
    pub include_ignored: bool,
    /// Look only for stored secrets, not for unknown tokens shaped like a platform's.
    #[arg(long)]
    pub stored_only: bool,
    /// Print the whole report as JSON (no secrets in it).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Outcome {
    // The index first (the settings say where to look); the keychain — asked for every stored
    // secret — is read on another thread while the walk starts.
    let vault = crate::context::open_unprobed();
    let settings = vault.settings().leak.clone();
    let mut places = settings.places.clone();
    if !args.paths.is_empty() {
        places.folders = args
            .paths
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()).to_string_lossy().into_owned())
            .collect();
    }
    if args.no_home {
        places.home_defaults = false;
    }
    if args.include_ignored {
        places.include_ignored = true;
    }
    if !places.home_defaults && places.folders.is_empty() {
        return Err(Failure::usage("Nothing to scan: give a folder, or drop --no-home."));
    }
    let home = leak::home_dir();
    let options = ScanOptions { unknown_tokens: !args.stored_only, ..ScanOptions::default() };
    let show_progress = std::io::stderr().is_terminal() && !args.json;
    let progress = |p: &ScanProgress| {
        if show_progress {
            let total = if p.files_total > 0 { format!("/{}", p.files_total) } else { String::new() };
            eprint!("\r\x1b[Kscanning: {}{} files, {} MB", p.files_scanned, total, p.bytes_scanned / 1_000_000);
        }
    };
    let cancel = AtomicBool::new(false);
    let needles = OnceLock::new();
    let (mut report, secrets) = std::thread::scope(|s| {
        let reader = s.spawn(|| read_needles(vault, &needles, &cancel));
        let report = leak::scan(&needles, &places, home.as_deref(), &options, &progress, &cancel, Utc::now());
        (report, reader.join().expect("the keychain reader"))
    });
    drop(needles);
    let (vault, needle_issues) = secrets?;
    if show_progress {
        eprint!("\r\x1b[K");
    }
    let mut issues = needle_issues;
    issues.append(&mut report.issues);
    report.issues = issues;
    leak::apply_allow_rules(&mut report, &settings.allowed, home.as_deref());
    if let Err(e) = store::save(vault.data_dir(), &report) {
        eprintln!("latchkey: note: the report could not be kept for the app ({e})");
    }

    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| Failure::error(e.to_string()))?);
    } else {
        print_report(&report);
    }
    Ok(if report.suspected().next().is_some() { Code::LeakFound } else { Code::Ok })
}

/// Finish an interrupted change if there is one, then read every stored secret into `needles`.
/// On failure the scan is cancelled and given an empty set, so it stops at once.
fn read_needles(
    mut vault: Vault,
    needles: &OnceLock<NeedleSet>,
    cancel: &AtomicBool,
) -> latchkey_core::Result<(Vault, Vec<ScanIssue>)> {
    vault.check_keychain_if_needed(Utc::now());
    crate::context::report_notices(&vault);
    match vault.leak_needles() {
        Ok((set, issues)) => {
            let _ = needles.set(set);
            Ok((vault, issues))
        }
        Err(e) => {
            cancel.store(true, Ordering::Relaxed);
            let _ = needles.set(NeedleSet::builder().build());
            Err(e)
        }
    }
}

fn print_report(report: &leak::LeakReport) {
    for f in &report.findings {
        let what = match &f.kind {
            FindingKind::Stored { platform, label, .. } => format!("stored {} token “{label}”", platform.name()),
            FindingKind::Revoked { platform, label, .. } => {
                format!("REVOKED {} token “{label}”", platform.name())
            }
            FindingKind::Unknown { platform, reason } => format!("unknown {} token ({reason})", platform.name()),
        };
        let allowed = if f.allowed { "  [allowed]" } else { "" };
        println!("{}:{}:{}: {what}{allowed}", f.path, f.line, f.column);
        println!("    {}", f.excerpt);
    }
    for i in &report.issues {
        eprintln!("latchkey: note: {}: {}", i.path, i.message);
    }
    let suspected = report.suspected().count();
    println!(
        "{} files ({} MB) scanned for {} stored tokens{}: {} finding{}, {} suspected{}",
        report.files_scanned,
        report.bytes_scanned / 1_000_000,
        report.tokens_searched,
        if report.complete { "" } else { " (incomplete)" },
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" },
        suspected,
        if suspected > 0 {
            " — revoke with `latchkey revoke <label>` or mark the place allowed in the app"
        } else {
            ""
        },
    );
}
