//! A whole scan: walk the places, scan the files on a few threads, collect the report.
//!
//! Threads: files are independent, so they are shared out to a small pool of scoped
//! threads (an atomic counter hands out the next file; no extra crate such as rayon is
//! needed for that). The default is the number of cores, at most 4: scanning is bound by
//! reading and searching memory, more threads than cores only contend, and the app must
//! stay responsive while a scan runs in the background.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::needles::NeedleSet;
use super::patterns::Patterns;
use super::scan::{find_hits, locate, Outcome, MAX_HITS_PER_FILE};
use super::walk::{collect, FileEntry};
use super::{Finding, LeakPlaces, LeakReport, ScanIssue, ScanProgress};

/// Issues kept in a report; more are only counted.
const MAX_ISSUES: usize = 200;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Also look for tokens of the five platforms that are not in the vault.
    pub unknown_tokens: bool,
    /// Least time between two progress reports.
    pub progress_every: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        ScanOptions { threads: cores.clamp(1, 4), unknown_tokens: true, progress_every: Duration::from_millis(100) }
    }
}

struct Shared<'a> {
    files: &'a [FileEntry],
    next: AtomicUsize,
    files_scanned: AtomicU64,
    bytes_scanned: AtomicU64,
    binary: AtomicU64,
    bytes_total: u64,
    last_report: Mutex<Instant>,
    progress: &'a (dyn Fn(&ScanProgress) + Sync),
    every: Duration,
    findings: Mutex<Vec<Finding>>,
    issues: Mutex<Vec<ScanIssue>>,
    incomplete: AtomicBool,
}

impl Shared<'_> {
    fn report(&self, current: &Path, force: bool) {
        let Ok(mut last) =
            (if force { self.last_report.lock().map_err(|_| ()) } else { self.last_report.try_lock().map_err(|_| ()) })
        else {
            return;
        };
        if !force && last.elapsed() < self.every {
            return;
        }
        *last = Instant::now();
        (self.progress)(&ScanProgress {
            files_scanned: self.files_scanned.load(Ordering::Relaxed),
            files_total: self.files.len() as u64,
            bytes_scanned: self.bytes_scanned.load(Ordering::Relaxed),
            bytes_total: self.bytes_total,
            current_path: current.display().to_string(),
        });
    }

    fn issue(&self, path: &Path, message: String) {
        self.issues.lock().expect("issues").push(ScanIssue { path: path.display().to_string(), message });
    }
}

/// Scan `places` for `needles` (and, if `options.unknown_tokens`, for unknown tokens).
/// `home` is the home folder for the home defaults and `~`; `started_at` the scan's start
/// time (the finish time is measured from it). Set `cancel` to stop: the report then holds
/// what was found so far and `complete` is false.
pub fn scan(
    needles: &NeedleSet,
    places: &LeakPlaces,
    home: Option<&Path>,
    options: &ScanOptions,
    progress: &(dyn Fn(&ScanProgress) + Sync),
    cancel: &AtomicBool,
    started_at: DateTime<Utc>,
) -> LeakReport {
    let clock = Instant::now();
    progress(&ScanProgress {
        files_scanned: 0,
        files_total: 0,
        bytes_scanned: 0,
        bytes_total: 0,
        current_path: String::new(),
    });
    let walked = collect(places, home, cancel);
    let patterns = options.unknown_tokens.then(Patterns::new);
    let shared = Shared {
        files: &walked.files,
        next: AtomicUsize::new(0),
        files_scanned: AtomicU64::new(0),
        bytes_scanned: AtomicU64::new(0),
        binary: AtomicU64::new(0),
        bytes_total: walked.files.iter().map(|f| f.len).sum(),
        last_report: Mutex::new(Instant::now() - options.progress_every),
        progress,
        every: options.progress_every,
        findings: Mutex::new(vec![]),
        issues: Mutex::new(walked.issues),
        incomplete: AtomicBool::new(cancel.load(Ordering::Relaxed)),
    };
    let threads = options.threads.max(1).min(walked.files.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| worker(&shared, needles, patterns.as_ref(), cancel));
        }
    });
    if cancel.load(Ordering::Relaxed) {
        shared.incomplete.store(true, Ordering::Relaxed);
    }
    shared.report(Path::new(""), true);

    let mut findings = shared.findings.into_inner().expect("findings");
    findings.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    let mut issues = shared.issues.into_inner().expect("issues");
    let dropped = issues.len().saturating_sub(MAX_ISSUES) as u64;
    issues.truncate(MAX_ISSUES);
    let elapsed = chrono::Duration::from_std(clock.elapsed()).unwrap_or_default();
    LeakReport {
        started_at,
        finished_at: started_at + elapsed,
        complete: !shared.incomplete.load(Ordering::Relaxed),
        files_scanned: shared.files_scanned.load(Ordering::Relaxed),
        bytes_scanned: shared.bytes_scanned.load(Ordering::Relaxed),
        binary_skipped: shared.binary.load(Ordering::Relaxed),
        tokens_searched: needles.token_count() as u32,
        findings,
        issues,
        issues_dropped: dropped,
    }
}

fn worker(shared: &Shared, needles: &NeedleSet, patterns: Option<&Patterns>, cancel: &AtomicBool) {
    loop {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(file) = shared.files.get(i) else { return };
        let path = file.path.as_path();
        let tick = || shared.report(path, false);
        match find_hits(path, needles, patterns, cancel, &shared.bytes_scanned, &tick) {
            Ok(Outcome::Binary) => {
                shared.binary.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Outcome::Scanned { hits, complete, truncated }) => {
                if !complete {
                    shared.incomplete.store(true, Ordering::Relaxed);
                }
                if truncated {
                    shared.issue(
                        path,
                        format!(
                            "More than {MAX_HITS_PER_FILE} matches; only the first {MAX_HITS_PER_FILE} are listed."
                        ),
                    );
                }
                if !hits.is_empty() {
                    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok().map(DateTime::<Utc>::from);
                    match locate(path, &hits, needles, modified) {
                        Ok(found) => shared.findings.lock().expect("findings").extend(found),
                        Err(e) => shared.issue(path, format!("could not be read again to locate a match: {e}")),
                    }
                }
                if complete {
                    shared.files_scanned.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(e) => shared.issue(path, format!("could not be read: {e}")),
        }
        shared.report(path, false);
    }
}
