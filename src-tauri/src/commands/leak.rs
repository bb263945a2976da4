//! Leak watch commands: start and cancel a scan (it runs in `services::leak`), the last
//! report, the places and schedule, "mark allowed", and importing a token a scan found.

use std::sync::atomic::Ordering;

use chrono::Utc;
use latchkey_core::accesslog::{Action, Event};
use latchkey_core::index::Settings;
use latchkey_core::leak::{
    self, apply_allow_rules, take_found_token, AllowRule, Finding, FindingKind, LeakReport, LeakSettings,
};
use latchkey_core::{Error, NewToken, TokenRecord};
use tauri::{AppHandle, State};

use super::Reply;
use crate::services::leak::{begin_scan, Trigger};
use crate::state::{blocking, lock, AppState};

/// Start a scan of the places in the settings. Fails if one is running.
#[tauri::command]
pub async fn start_leak_scan(app: AppHandle) -> Reply<()> {
    blocking(move || begin_scan(&app, Trigger::Manual)).await
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
    let (dir, allowed) = state.read(|v| Ok((v.data_dir().to_path_buf(), v.settings().leak.allowed.clone()))).await?;
    let mut last = state.leak.last_report(&dir);
    if let Some(r) = last.as_mut() {
        apply_allow_rules(r, &allowed, leak::home_dir().as_deref());
    }
    *lock(&state.leak.last) = last.clone();
    Ok(last)
}

/// The places and the schedule; the scheduler plans again (it hears of the change).
#[tauri::command]
pub async fn set_leak_settings(state: State<'_, AppState>, leak: LeakSettings) -> Reply<Settings> {
    state.write(move |v| v.set_leak_settings(leak)).await
}

/// Finding `index` of the last report, or why not.
fn finding(state: &AppState, index: usize) -> Reply<Finding> {
    let finding = lock(&state.leak.last).as_ref().and_then(|r| r.findings.get(index).cloned());
    finding.ok_or_else(|| Error::invalid("That finding is gone; scan again."))
}

/// "Mark allowed": findings in this file (for this token, or any) stop alerting.
#[tauri::command]
pub async fn allow_leak_finding(
    state: State<'_, AppState>,
    index: usize,
    any_token: bool,
) -> Reply<Option<LeakReport>> {
    let finding = finding(&state, index)?;
    let rule = AllowRule { path: finding.path.clone(), token_id: if any_token { None } else { finding.token_id() } };
    state.write(move |v| v.allow_leak_place(rule)).await?;
    get_leak_report(state).await
}

/// Import an unknown token: the secret is read from the file in Rust and stored; it never
/// passes through the window.
#[tauri::command]
pub async fn import_found_token(state: State<'_, AppState>, index: usize, label: String) -> Reply<TokenRecord> {
    let finding = finding(&state, index)?;
    if !matches!(finding.kind, FindingKind::Unknown { .. }) {
        return Err(Error::invalid("Only a token that is not in Latchkey yet can be imported."));
    }
    let record = state
        .write(move |v| {
            let found = take_found_token(&finding)?;
            let notes = format!("Imported from {} (line {}) by a leak scan.", finding.path, finding.line);
            let record = v.add(NewToken { notes, ..NewToken::new(found.platform, label, found.secret) }, Utc::now())?;
            v.log_uses(vec![Event::new(&record, Action::Add).detail("imported from a leak scan finding")]);
            Ok(record)
        })
        .await?;
    tracing::info!(id = %record.id, platform = record.platform.id(), "token imported from a leak scan");
    Ok(record)
}
