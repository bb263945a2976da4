//! Leak watch commands. A scan runs on a thread of its own (it reads files for seconds or
//! minutes), reports `leak-progress` events at most every 100 ms and `leak-done` with the
//! report at the end, and can be cancelled. The needles (the secrets themselves) are read
//! from the keychain into the scan thread only and dropped with it; the report holds no
//! secret and is kept in `leak-scan.json` until the next scan. Suspected leaks raise one
//! desktop notification through the alert machinery.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use latchkey_core::index::Settings;
use latchkey_core::leak::{
    self, apply_allow_rules, schedule, store, take_found_token, AllowRule, CancelFlag, Finding, FindingKind,
    LeakReport, LeakSettings, ScanOptions,
};
use latchkey_core::notify_plan::Notification;
use latchkey_core::{Error, NewToken, TokenRecord};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::commands::{with_vault, AppState, Reply};

/// The running scan, if any, and the last report.
#[derive(Default)]
pub struct LeakState {
    running: Mutex<Option<CancelFlag>>,
    last: Mutex<Option<LeakReport>>,
    pub(crate) schedule: crate::leak_schedule::Schedule,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Start a scan of the places in the settings. Fails if one is running.
#[tauri::command]
pub async fn start_leak_scan(app: AppHandle) -> Reply<()> {
    tauri::async_runtime::spawn_blocking(move || begin_scan(&app, Trigger::Manual))
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")).payload())?
        .map_err(|e| e.payload())
}

/// Who asked for a scan: the user (notify every suspected finding) or the schedule (notify
/// only findings that are new since the previous report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Manual,
    Scheduled,
}

/// Start a scan on a thread of its own; `Err` if one is running (manual or scheduled: never
/// two at once) or the secrets cannot be read. Blocks on the vault: call it off the main thread.
pub(crate) fn begin_scan(app: &AppHandle, trigger: Trigger) -> Result<(), Error> {
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
        let mut v = state.vault.lock().unwrap_or_else(|p| p.into_inner());
        v.leak_needles()
            .map(|(needles, issues)| (needles, issues, v.settings().leak.clone(), v.data_dir().to_path_buf()))
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
        folders = settings.places.folders.len(),
        scheduled = trigger == Trigger::Scheduled,
        "leak scan started"
    );
    let app2 = app.clone();
    let spawned = std::thread::Builder::new().name("leak-scan".into()).spawn(move || {
        let home = leak::home_dir();
        let progress = |p: &leak::ScanProgress| {
            let _ = app2.emit("leak-progress", p);
        };
        let mut report = leak::scan(
            &needles,
            &settings.places,
            home.as_deref(),
            &ScanOptions::default(),
            &progress,
            &cancel,
            Utc::now(),
        );
        drop(needles);
        let mut issues = needle_issues;
        issues.append(&mut report.issues);
        report.issues = issues;
        apply_allow_rules(&mut report, &settings.allowed, home.as_deref());
        finish(&app2, &data_dir, report, trigger);
    });
    if let Err(e) = spawned {
        *lock(&state.leak.running) = None;
        return Err(Error::Internal(format!("the scan could not start: {e}")));
    }
    Ok(())
}

/// The last report: the one in memory, else the one kept on disk.
pub(crate) fn last_report(app: &AppHandle, data_dir: &std::path::Path) -> Option<LeakReport> {
    let state = app.state::<AppState>();
    let mut last = lock(&state.leak.last);
    if last.is_none() {
        *last = store::load(data_dir);
    }
    last.clone()
}

/// Whether a scan is running (manual or scheduled).
pub(crate) fn scanning(app: &AppHandle) -> bool {
    lock(&app.state::<AppState>().leak.running).is_some()
}

fn finish(app: &AppHandle, data_dir: &std::path::Path, report: LeakReport, trigger: Trigger) {
    let state = app.state::<AppState>();
    let previous = last_report(app, data_dir);
    if let Err(e) = store::save(data_dir, &report) {
        tracing::warn!(error = %e, "the leak scan report could not be kept");
    }
    // A scheduled scan speaks only of what is new: a finding already reported (and notified)
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
        let n = Notification { title: "Latchkey: possible token leak".into(), body, token };
        state.alerts.deliver(app, n);
    }
    *lock(&state.leak.last) = Some(report.clone());
    *lock(&state.leak.running) = None;
    state.leak.schedule.replan();
    // The tray offers to revoke the tokens found (rebuilt with the alert plan).
    state.alerts.replan();
    let _ = app.emit("leak-done", report);
}

/// When every finding is about one stored token, the notification opens it.
fn single_token(findings: &[&Finding]) -> Option<uuid::Uuid> {
    let mut ids = findings.iter().map(|f| f.token_id());
    let first = ids.next()??;
    ids.all(|id| id == Some(first)).then_some(first)
}

#[tauri::command]
pub fn cancel_leak_scan(state: State<'_, AppState>) {
    if let Some(flag) = lock(&state.leak.running).as_ref() {
        flag.store(true, Ordering::Relaxed);
        tracing::info!("leak scan cancelled");
    }
}

/// The last report (kept from the previous run of the app too), with the current allow rules.
#[tauri::command]
pub async fn get_leak_report(state: State<'_, AppState>) -> Reply<Option<LeakReport>> {
    let (dir, allowed) =
        with_vault(&state, |v| Ok((v.data_dir().to_path_buf(), v.settings().leak.allowed.clone()))).await?;
    let mut last = lock(&state.leak.last).clone();
    if last.is_none() {
        last = store::load(&dir);
    }
    if let Some(r) = last.as_mut() {
        apply_allow_rules(r, &allowed, leak::home_dir().as_deref());
    }
    *lock(&state.leak.last) = last.clone();
    Ok(last)
}

#[tauri::command]
pub async fn set_leak_settings(state: State<'_, AppState>, leak: LeakSettings) -> Reply<Settings> {
    let saved = with_vault(&state, move |v| v.set_leak_settings(leak)).await;
    // The interval may have changed: the scheduler plans again.
    state.leak.schedule.replan();
    saved
}

/// "Mark allowed": findings in this file (for this token, or any) stop alerting.
#[tauri::command]
pub async fn allow_leak_finding(
    state: State<'_, AppState>,
    index: usize,
    any_token: bool,
) -> Reply<Option<LeakReport>> {
    let finding = lock(&state.leak.last).as_ref().and_then(|r| r.findings.get(index).cloned());
    let finding = finding.ok_or_else(|| Error::invalid("That finding is gone; scan again.").payload())?;
    let rule = AllowRule { path: finding.path.clone(), token_id: if any_token { None } else { finding.token_id() } };
    with_vault(&state, move |v| v.allow_leak_place(rule)).await?;
    get_leak_report(state).await
}

/// Import an unknown token: the secret is read from the file in Rust and stored; it never
/// passes through the window.
#[tauri::command]
pub async fn import_found_token(state: State<'_, AppState>, index: usize, label: String) -> Reply<TokenRecord> {
    let finding = lock(&state.leak.last).as_ref().and_then(|r| r.findings.get(index).cloned());
    let finding = finding.ok_or_else(|| Error::invalid("That finding is gone; scan again.").payload())?;
    if !matches!(finding.kind, FindingKind::Unknown { .. }) {
        return Err(Error::invalid("Only a token that is not in Latchkey yet can be imported.").payload());
    }
    let record = with_vault(&state, move |v| {
        let found = take_found_token(&finding)?;
        v.add(
            NewToken {
                platform: found.platform,
                label,
                server_url: None,
                secret: found.secret,
                expires_at: None,
                owner: None,
                workspace: None,
                tags: vec![],
                notes: format!("Imported from {} (line {}) by a leak scan.", finding.path, finding.line),
                check: None,
                allow_revoked: None,
            },
            Utc::now(),
        )
    })
    .await?;
    tracing::info!(id = %record.id, platform = record.platform.id(), "token imported from a leak scan");
    Ok(record)
}
