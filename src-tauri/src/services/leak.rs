//! The leak scan in the background. A scan runs on a thread of its own (it reads files for
//! seconds or minutes), reports `leak-progress` events at most every 100 ms and `leak-done`
//! with the report at the end, and can be cancelled. The needles (the secrets themselves)
//! are read from the keychain into the scan thread only and dropped with it; the report holds
//! no secret and is kept in `leak-scan.json` until the next scan. Suspected leaks raise one
//! desktop alert.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use chrono::Utc;
use latchkey_core::alert_plan::Notification;
use latchkey_core::index::Settings;
use latchkey_core::leak::{self, apply_allow_rules, schedule, store, CancelFlag, Finding, LeakReport, ScanOptions};
use latchkey_core::Error;
use tauri::{AppHandle, Manager};

use crate::events;
use crate::services::alerts;
use crate::state::{lock, AppState};

/// Who asked for a scan: the user (alert on every suspected finding) or the schedule (alert
/// only on findings that are new since the previous report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Manual,
    Scheduled,
}

/// Start a scan on a thread of its own; `Err` if one is running (manual or scheduled: never
/// two at once) or the secrets cannot be read. Blocks on the vault: call it off the main thread.
pub fn begin_scan(app: &AppHandle, trigger: Trigger) -> Result<(), Error> {
    let state = app.state::<AppState>();
    let cancel: CancelFlag = Arc::new(AtomicBool::new(false));
    {
        let mut running = lock(&state.leak.running);
        if running.is_some() {
            return Err(Error::invalid("A scan is already running."));
        }
        *running = Some(cancel.clone());
    }
    let prepared = {
        let mut v = state.lock_vault();
        v.leak_needles().map(|(needles, issues)| (needles, issues, v.settings().clone(), v.data_dir().to_path_buf()))
    };
    let (needles, needle_issues, settings, data_dir) = match prepared {
        Ok(p) => p,
        Err(e) => {
            *lock(&state.leak.running) = None;
            return Err(e);
        }
    };
    tracing::info!(
        tokens = needles.token_count(),
        folders = settings.leak.places.folders.len(),
        scheduled = trigger == Trigger::Scheduled,
        "leak scan started"
    );
    let app2 = app.clone();
    let spawned = std::thread::Builder::new().name("leak-scan".into()).spawn(move || {
        let mut report = scan(&app2, needles, &settings, &cancel);
        let mut issues = needle_issues;
        issues.append(&mut report.issues);
        report.issues = issues;
        apply_allow_rules(&mut report, &settings.leak.allowed, leak::home_dir().as_deref());
        finish(&app2, &data_dir, report, trigger);
    });
    if let Err(e) = spawned {
        *lock(&state.leak.running) = None;
        return Err(Error::Internal(format!("the scan could not start: {e}")));
    }
    Ok(())
}

/// The scan itself; the needles are dropped as soon as it is done.
fn scan(app: &AppHandle, needles: leak::NeedleSet, settings: &Settings, cancel: &CancelFlag) -> LeakReport {
    let home = leak::home_dir();
    let progress = |p: &leak::ScanProgress| events::leak_progress(app, p);
    leak::scan(&needles, &settings.leak.places, home.as_deref(), &ScanOptions::default(), &progress, cancel, Utc::now())
}

/// Whether a scan is running (manual or scheduled).
pub fn scanning(app: &AppHandle) -> bool {
    lock(&app.state::<AppState>().leak.running).is_some()
}

fn finish(app: &AppHandle, data_dir: &std::path::Path, report: LeakReport, trigger: Trigger) {
    let state = app.state::<AppState>();
    let previous = state.leak.last_report(data_dir);
    if let Err(e) = store::save(data_dir, &report) {
        tracing::warn!(error = %e, "the leak scan report could not be kept");
    }
    // A scheduled scan speaks only of what is new: a finding already reported (and alerted)
    // does not come back every few hours. A scan the user started says everything.
    let news: Vec<&Finding> = match trigger {
        Trigger::Manual => report.suspected().collect(),
        Trigger::Scheduled => schedule::new_suspected(previous.as_ref(), &report),
    };
    tracing::info!(
        files = report.files_scanned,
        findings = report.findings.len(),
        suspected = report.suspected().count(),
        new = news.len(),
        complete = report.complete,
        scheduled = trigger == Trigger::Scheduled,
        "leak scan finished"
    );
    if let Some(body) = leak::alert_text(news.iter().copied()) {
        let token = single_token(&news);
        alerts::deliver(app, Notification { title: "Latchkey: possible token leak".into(), body, token });
    }
    *lock(&state.leak.last) = Some(report.clone());
    *lock(&state.leak.running) = None;
    // The schedule plans the next scan; the tray offers to revoke the tokens found.
    state.changes.publish();
    events::leak_done(app, report);
}

/// When every finding is about one stored token, the alert opens it.
fn single_token(findings: &[&Finding]) -> Option<uuid::Uuid> {
    let mut ids = findings.iter().map(|f| f.token_id());
    let first = ids.next()??;
    ids.all(|id| id == Some(first)).then_some(first)
}
