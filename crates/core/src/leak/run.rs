//! A whole scan: walk the places and scan each file as it is found, collect the report.
//!
//! Threads: the home defaults are scanned on the calling thread, the folders by the threads
//! of ignore's parallel walker, each scanning the files it finds with buffers it keeps
//! (`scan::Scratch`) — on a tree of many small files the walk, the opening and the reading
//! cost more than the search, so they run in parallel too. The default is the number of
//! cores, at most 4: scanning is bound by reading and searching memory, more threads than
//! cores only contend, and the app must stay responsive while a scan runs in the background.
//!
//! The needles may still be on their way when the scan starts ([`Needles`]): the command line
//! reads the secrets from the keychain (a D-Bus round trip of tens of milliseconds) while the
//! walk lists the files. Files found before the needles are ready wait in a backlog, which the
//! same number of threads scans once they are.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::needles::NeedleSet;
use super::patterns::Patterns;
use super::scan::{scan_file, Job, Outcome, Scratch, MAX_HITS_PER_FILE};
use super::walk::{walk, Seen};
use super::{Finding, LeakPlaces, LeakReport, ScanIssue, ScanProgress};

/// What a scan looks for: the needles at hand ([`NeedleSet`]), or coming — a
/// `OnceLock<NeedleSet>` another thread fills while the walk starts. Whoever fills it must
/// fill it even when reading the secrets failed (with an empty set, after setting the
/// scan's cancel flag), or the scan waits for ever.
pub trait Needles: Sync {
    /// The needles if they are ready.
    fn ready(&self) -> Option<&NeedleSet>;
    /// The needles, once they are.
    fn wait(&self) -> &NeedleSet;
}

impl Needles for NeedleSet {
    fn ready(&self) -> Option<&NeedleSet> {
        Some(self)
    }
    fn wait(&self) -> &NeedleSet {
        self
    }
}

impl Needles for OnceLock<NeedleSet> {
    fn ready(&self) -> Option<&NeedleSet> {
        self.get()
    }
    fn wait(&self) -> &NeedleSet {
        OnceLock::wait(self)
    }
}

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
    files_scanned: AtomicU64,
    bytes_scanned: AtomicU64,
    binary: AtomicU64,
    last_report: Mutex<Instant>,
    progress: &'a (dyn Fn(&ScanProgress) + Sync),
    every: Duration,
    findings: Mutex<Vec<Finding>>,
    issues: Mutex<Vec<ScanIssue>>,
    incomplete: AtomicBool,
    seen: Mutex<Seen>,
}

impl Shared<'_> {
    /// Report progress (at most every `every`, unless `done`, which also gives the totals).
    fn report(&self, current: &Path, done: bool) {
        let Ok(mut last) =
            (if done { self.last_report.lock().map_err(|_| ()) } else { self.last_report.try_lock().map_err(|_| ()) })
        else {
            return;
        };
        if !done && last.elapsed() < self.every {
            return;
        }
        *last = Instant::now();
        let files_scanned = self.files_scanned.load(Ordering::Relaxed);
        let bytes_scanned = self.bytes_scanned.load(Ordering::Relaxed);
        let total = |n: u64| if done { n } else { 0 };
        (self.progress)(&ScanProgress {
            files_scanned,
            files_total: total(files_scanned),
            bytes_scanned,
            bytes_total: total(bytes_scanned),
            current_path: current.display().to_string(),
        });
    }

    fn issue(&self, path: &Path, message: String) {
        self.add_issue(ScanIssue { path: path.display().to_string(), message });
    }

    fn add_issue(&self, issue: ScanIssue) {
        self.issues.lock().expect("issues").push(issue);
    }
}

/// Scan `places` for `needles` (and, if `options.unknown_tokens`, for unknown tokens).
/// `home` is the home folder for the home defaults and `~`; `started_at` the scan's start
/// time (the finish time is measured from it). Set `cancel` to stop: the report then holds
/// what was found so far and `complete` is false.
pub fn scan(
    needles: &dyn Needles,
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
    let patterns = options.unknown_tokens.then(Patterns::new);
    let shared = Shared {
        files_scanned: AtomicU64::new(0),
        bytes_scanned: AtomicU64::new(0),
        binary: AtomicU64::new(0),
        last_report: Mutex::new(Instant::now() - options.progress_every),
        progress,
        every: options.progress_every,
        findings: Mutex::new(vec![]),
        issues: Mutex::new(vec![]),
        incomplete: AtomicBool::new(cancel.load(Ordering::Relaxed)),
        seen: Mutex::new(Seen::default()),
    };
    let job = |needles| Job { needles, patterns: patterns.as_ref(), cancel, bytes: &shared.bytes_scanned };
    let backlog = Mutex::new(vec![]);
    let visitor = || -> Box<dyn FnMut(&Path) + Send + '_> {
        let mut scratch = Scratch::default();
        let (shared, job, backlog) = (&shared, &job, &backlog);
        Box::new(move |path: &Path| match needles.ready() {
            Some(n) => scan_one(shared, &job(n), &mut scratch, path),
            None => backlog.lock().expect("backlog").push(path.to_path_buf()),
        })
    };
    walk(places, home, options.threads.max(1), cancel, &|i| shared.add_issue(i), &visitor);
    let needles = needles.wait();
    scan_backlog(&shared, &job(needles), backlog.into_inner().expect("backlog"), options.threads.max(1));
    if cancel.load(Ordering::Relaxed) {
        shared.incomplete.store(true, Ordering::Relaxed);
    }
    shared.report(Path::new(""), true);

    let mut findings = shared.findings.into_inner().expect("findings");
    findings.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    let mut issues = shared.issues.into_inner().expect("issues");
    // Found by several threads: in a stable order.
    issues.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
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

/// Open, check and scan one file found by the walk.
/// Scan the files the walk found before the needles were ready, on `threads` threads.
fn scan_backlog(shared: &Shared, job: &Job, files: Vec<PathBuf>, threads: usize) {
    let next = AtomicUsize::new(0);
    let work = || {
        let mut scratch = Scratch::default();
        while let Some(path) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
            scan_one(shared, job, &mut scratch, path);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads.min(files.len()) {
            s.spawn(work);
        }
        work();
    });
}

fn scan_one(shared: &Shared, job: &Job, scratch: &mut Scratch, path: &Path) {
    if job.cancel.load(Ordering::Relaxed) {
        return;
    }
    let opened = File::open(path).and_then(|f| f.metadata().map(|m| (f, m)));
    let (file, meta) = match opened {
        Ok(x) => x,
        // Gone since it was listed.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => return shared.issue(path, format!("could not be read: {e}")),
    };
    if !meta.is_file() || !shared.seen.lock().expect("seen").first(path, &meta) {
        return;
    }
    let modified = meta.modified().ok().map(DateTime::<Utc>::from);
    let tick = || shared.report(path, false);
    match scan_file(file, meta.len(), path, modified, job, scratch, &tick) {
        Ok(Outcome::Binary) => {
            shared.binary.fetch_add(1, Ordering::Relaxed);
        }
        Ok(Outcome::Scanned { findings, complete, truncated }) => {
            if !complete {
                shared.incomplete.store(true, Ordering::Relaxed);
            }
            if truncated {
                shared.issue(
                    path,
                    format!("More than {MAX_HITS_PER_FILE} matches; only the first {MAX_HITS_PER_FILE} are listed."),
                );
            }
            if !findings.is_empty() {
                shared.findings.lock().expect("findings").extend(findings);
            }
            if complete {
                shared.files_scanned.fetch_add(1, Ordering::Relaxed);
            }
        }
        Err(message) => shared.issue(path, message),
    }
    shared.report(path, false);
}
