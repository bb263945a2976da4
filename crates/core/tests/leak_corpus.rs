//! The unknown-token patterns on real code: the third-party sources this build already
//! downloaded — the cargo registry's unpacked crates and the UI's node_modules (25,000+ files,
//! TypeScript's compiler among them) — hold no token of any platform, so a scan of them must
//! report none. Read-only, no network; skipped (and says so) when neither folder is there.
//!
//! The scan runs as the app runs it with nothing stored (every file, ignored ones included,
//! patterns on). It takes about 10 s in a debug build on 2 cores; if the corpus grows past
//! [`MAX_FILES`], a deterministic subset — every n-th file in path order — is scanned, so
//! the test's time stays bounded whatever was downloaded.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use latchkey_core::leak::{scan, FindingKind, LeakPlaces, NeedleSet, ScanOptions};

/// More files than this and only every n-th is scanned.
const MAX_FILES: usize = 60_000;

/// The folders of third-party code this checkout's build downloaded.
fn corpus() -> Vec<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    [cargo_home.map(|c| c.join("registry/src")), Some(workspace.join("ui/node_modules"))]
        .into_iter()
        .flatten()
        .filter(|p| p.is_dir())
        .collect()
}

/// What to scan: the folders themselves, or every n-th of their files (in path order) when
/// there are more than [`MAX_FILES`]. Also how many files that is.
fn places(roots: &[PathBuf]) -> (Vec<String>, usize) {
    let mut all: Vec<String> = vec![];
    for root in roots {
        let walker = ignore::WalkBuilder::new(root).standard_filters(false).build();
        for e in walker.flatten() {
            if e.file_type().is_some_and(|t| t.is_file()) {
                all.push(e.path().display().to_string());
            }
        }
    }
    if all.len() <= MAX_FILES {
        return (roots.iter().map(|r| r.display().to_string()).collect(), all.len());
    }
    all.sort();
    let step = all.len().div_ceil(MAX_FILES);
    let subset: Vec<String> = all.into_iter().step_by(step).collect();
    let n = subset.len();
    (subset, n)
}

#[test]
fn third_party_code_holds_no_unknown_token() {
    let roots = corpus();
    if roots.is_empty() {
        println!("SKIPPED: neither the cargo registry sources nor ui/node_modules are here (run a build first)");
        return;
    }
    let started = Instant::now();
    let (folders, files) = places(&roots);
    let places = LeakPlaces { home_defaults: false, folders, include_ignored: true, schedule_hours: None };
    let needles = NeedleSet::builder().build();
    let report =
        scan(&needles, &places, None, &ScanOptions::default(), &|_| {}, &AtomicBool::new(false), chrono::Utc::now());
    println!(
        "scanned {} files ({} MB, {} binary skipped) of {} in {:.1} s",
        report.files_scanned,
        report.bytes_scanned / 1_000_000,
        report.binary_skipped,
        roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(" and "),
        started.elapsed().as_secs_f64()
    );
    assert!(report.complete);
    let scanned = (report.files_scanned + report.binary_skipped) as usize;
    assert!(scanned >= files * 9 / 10, "{scanned} of {files} files scanned: {:?}", report.issues);
    let unknown: Vec<String> = report
        .findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Unknown { .. }))
        .map(|f| format!("{}:{}:{}: {:?}\n    {}", f.path, f.line, f.column, f.kind, f.excerpt))
        .collect();
    assert!(unknown.is_empty(), "{} unknown tokens in third-party code:\n{}", unknown.len(), unknown.join("\n"));
}
