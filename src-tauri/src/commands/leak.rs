//! Leak watch commands: start and cancel a scan (it runs in `services::leak`), the last
//! report, the places and schedule, "mark allowed", importing a token a scan found, and
//! replacing a stored secret in a file with its `latchkey://` reference.

use std::sync::atomic::Ordering;

use chrono::Utc;
use latchkey_core::accesslog::{Action, Event};
use latchkey_core::index::Settings;
use latchkey_core::leak::{
    self, apply_allow_rules, drop_replaced, reference_preview, reference_unavailable, replace_with_reference, store,
    take_found_token, AllowRule, Finding, FindingKind, LeakReport, LeakSettings, ReferencePreview,
};
use latchkey_core::{reference, Error, NewToken, TokenRecord, Use};
use secrecy::ExposeSecret;
use serde::Serialize;
use tauri::{AppHandle, State};
use ts_rs::TS;

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

/// The stored token of finding `index` if it may be replaced by a reference, or why not.
fn referable(state: &AppState, index: usize) -> Reply<(Finding, uuid::Uuid)> {
    let finding = finding(state, index)?;
    if let Some(why) = reference_unavailable(&finding) {
        return Err(Error::invalid(why));
    }
    let id = finding.token_id().ok_or_else(|| Error::invalid("This finding is not about a stored token."))?;
    Ok((finding, id))
}

/// Token `id` among `records` and its reference; a revoked token has none.
fn reference_to(records: &[TokenRecord], id: uuid::Uuid) -> Result<(&TokenRecord, String), Error> {
    let record = records.iter().find(|r| r.id == id).ok_or(Error::NotFound(id))?;
    if record.revoked.is_some() {
        return Err(Error::invalid("This token is revoked: there is no secret for a reference to stand for."));
    }
    Ok((record, reference::for_record(records, record)))
}

/// The confirm step of “Replace with a reference”: the reference and the line as it will be
/// (masked). Reads no secret.
#[tauri::command]
pub async fn leak_reference_preview(state: State<'_, AppState>, index: usize) -> Reply<ReferencePreview> {
    let (finding, id) = referable(&state, index)?;
    state
        .read(move |v| {
            let records = v.records()?;
            let (record, reference) = reference_to(&records, id)?;
            let line = reference_preview(&finding, &record.hint, &reference);
            Ok(ReferencePreview { reference, line })
        })
        .await
}

/// What “Replace with a reference” did. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReferenceWritten {
    pub reference: String,
    pub path: String,
    #[ts(type = "number")]
    pub line: u64,
    /// The last report without the finding.
    pub report: Option<LeakReport>,
}

/// Replace finding `index`'s secret in its file with the token's reference. The secret is read
/// from the keychain here only to check the file still holds it where the scan found it; the
/// token stays stored. The finding leaves the kept report.
#[tauri::command]
pub async fn replace_leak_with_reference(state: State<'_, AppState>, index: usize) -> Reply<ReferenceWritten> {
    let (finding, id) = referable(&state, index)?;
    let (path, line, column) = (finding.path.clone(), finding.line, finding.column);
    let (reference, shift, dir) = state
        .read(move |v| {
            let records = v.records()?;
            let (_, reference) = reference_to(&records, id)?;
            let secret = v.secret(id, Use::Inspect, Utc::now())?;
            let secret = secret.expose_secret().trim();
            replace_with_reference(std::path::Path::new(&path), line, column, secret, &reference)?;
            let shift = reference.len() as i64 - secret.len() as i64;
            Ok((reference, shift, v.data_dir().to_path_buf()))
        })
        .await?;
    tracing::info!(id = %id, line, "a leaked secret was replaced by its reference");
    let report = {
        let mut last = lock(&state.leak.last);
        if let Some(r) = last.as_mut() {
            drop_replaced(&mut r.findings, index, shift);
            if let Err(e) = store::save(&dir, r) {
                tracing::warn!("the leak report could not be kept: {e}");
            }
        }
        last.clone()
    };
    Ok(ReferenceWritten { reference, path: finding.path, line, report })
}
