//! Commands that talk to the platforms: validate one or all tokens, revoke.
//!
//! The vault is held only for the short steps before and after a platform call (take the
//! job out; store the result), never while the network is asked, so the window stays live.
//! "Validate all" reports each finished token as a `check-progress` event.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use chrono::Utc;
use latchkey_core::check::{CheckJob, CheckProgress, CheckSummary, Checker};
use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::{Error, TokenRecord, Use};
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_opener::OpenerExt;
use uuid::Uuid;

use crate::commands::{with_vault, AppState, Reply};

#[derive(Default)]
pub struct CheckState {
    checker: OnceLock<Result<Checker, String>>,
    /// Settings pages of guided revokes the user was shown, by token: the only URLs the
    /// window may ask us to open.
    pub(crate) guided: Mutex<HashMap<Uuid, String>>,
    running_all: AtomicBool,
}

impl CheckState {
    pub(crate) fn checker(&self) -> Reply<Checker> {
        self.checker
            .get_or_init(|| Checker::shared().map_err(|e| e.to_string()))
            .clone()
            .map_err(|e| Error::Internal(e).payload())
    }
}

#[tauri::command]
pub async fn validate_token(state: State<'_, AppState>, id: Uuid) -> Reply<TokenRecord> {
    let checker = state.checks.checker()?;
    let job = with_vault(&state, move |v| v.check_job(id)).await?;
    let result = checker.validate(&job).await;
    let record = job.record.clone();
    drop(job);
    let stored = with_vault(&state, move |v| v.record_validation(&record, &result?, Utc::now())).await?;
    tracing::info!(%id, platform = stored.platform.id(), "token checked");
    Ok(stored)
}

#[tauri::command]
pub async fn validate_all(app: AppHandle) -> Reply<CheckSummary> {
    run_validate_all(&app).await
}

/// Check every token that can be checked, reporting each as it finishes.
pub async fn run_validate_all(app: &AppHandle) -> Reply<CheckSummary> {
    let state = app.state::<AppState>();
    if state.checks.running_all.swap(true, Ordering::SeqCst) {
        return Err(Error::invalid("A check of all tokens is already running.").payload());
    }
    let result = validate_all_inner(app, &state).await;
    state.checks.running_all.store(false, Ordering::SeqCst);
    result
}

async fn validate_all_inner(app: &AppHandle, state: &AppState) -> Reply<CheckSummary> {
    let checker = state.checks.checker()?;
    let (jobs, failed): (Vec<CheckJob>, Vec<(Uuid, latchkey_core::ErrorPayload)>) = with_vault(state, |v| {
        let mut jobs = vec![];
        let mut failed = vec![];
        for r in v.records()?.into_iter().filter(|r| r.revoked.is_none()) {
            match v.check_job(r.id) {
                Ok(job) => jobs.push(job),
                Err(e) => failed.push((r.id, e.payload())),
            }
        }
        Ok((jobs, failed))
    })
    .await?;
    let total = (jobs.len() + failed.len()) as u32;
    let mut summary = CheckSummary { total, ..Default::default() };
    let mut done = 0u32;
    let emit = |p: CheckProgress| {
        let _ = app.emit("check-progress", p);
    };
    for (id, error) in failed {
        done += 1;
        summary.failed += 1;
        emit(CheckProgress { id, done, total, record: None, error: Some(error) });
    }
    tracing::info!(tokens = total, "checking all tokens");

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = tauri::async_runtime::spawn(async move {
        checker
            .validate_all(jobs, |d| {
                let _ = tx.send(d);
            })
            .await;
    });
    while let Some(d) = rx.recv().await {
        done += 1;
        let (record, at, result) = (d.record, d.at, d.result);
        let id = record.id;
        let stored = with_vault(state, move |v| v.record_validation(&record, &result?, at)).await;
        summary.count(stored.as_ref().ok());
        emit(CheckProgress { id, done, total, record: stored.as_ref().ok().cloned(), error: stored.err() });
    }
    let _ = runner.await;
    tracing::info!(?summary, "all tokens checked");
    Ok(summary)
}

/// Revoke through the platform's API where it allows, then validate the old secret before
/// it leaves the keychain: marked revoked with "revocation confirmed by …" (or "not
/// confirmed: …" when the platform cannot be asked); `Err(StillAccepted)` and nothing changed
/// when the platform still accepts it. Otherwise the guided steps.
#[tauri::command]
pub async fn revoke_token(state: State<'_, AppState>, id: Uuid) -> Reply<RevokeOutcome> {
    let checker = state.checks.checker()?;
    let job = with_vault(&state, move |v| v.check_job(id)).await?;
    let platform = job.record.platform;
    let outcome = checker.revoke(&job).await.map_err(|e| e.payload())?;
    match &outcome {
        RevokeOutcome::Revoked => {
            let check = checker.check_revoked(&job).await;
            drop(job);
            let reason = check.reason(&format!("Revoked through {}'s API", platform.name())).map_err(|e| {
                tracing::warn!(%id, platform = platform.id(), "the platform still accepts the token after the revoke");
                e.payload()
            })?;
            mark_revoked(&state, id, reason).await?;
            tracing::info!(%id, platform = platform.id(), ?check, "token revoked through the platform's API");
        }
        RevokeOutcome::Guided { settings_url, .. } => {
            drop(job);
            state.checks.guided.lock().unwrap_or_else(|p| p.into_inner()).insert(id, settings_url.clone());
            tracing::info!(%id, platform = platform.id(), "guided revoke shown");
        }
    }
    Ok(outcome)
}

/// The user says the token is revoked (after the guided steps). Unless `unchecked` ("mark
/// revoked anyway"), the old secret is validated first, as after an API revoke: a platform
/// that still accepts it gets `Err(StillAccepted)` and nothing changes.
#[tauri::command]
pub async fn confirm_revoked(
    state: State<'_, AppState>,
    id: Uuid,
    reason: String,
    unchecked: Option<bool>,
) -> Reply<TokenRecord> {
    let reason = if unchecked.unwrap_or(false) {
        latchkey_core::check::unchecked_reason(&reason)
    } else {
        let checker = state.checks.checker()?;
        let job = with_vault(&state, move |v| v.check_job(id)).await?;
        let check = checker.check_revoked(&job).await;
        drop(job);
        tracing::info!(%id, ?check, "guided revoke checked");
        check.reason(&reason).map_err(|e| e.payload())?
    };
    let r = mark_revoked(&state, id, reason).await?;
    state.checks.guided.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    tracing::info!(%id, "token marked revoked");
    Ok(r)
}

async fn mark_revoked(state: &AppState, id: Uuid, reason: String) -> Reply<TokenRecord> {
    let clipboard = state.clipboard.clone();
    with_vault(state, move |v| {
        if let Ok(secret) = v.secret(id, Use::Inspect, Utc::now()) {
            if clipboard.clear_if_holds(&secret) {
                tracing::info!(%id, "cleared the revoked secret from the clipboard");
            }
        }
        v.confirm_revoked(id, &reason, Utc::now())
    })
    .await
}

/// Open the settings page of a guided revoke in the user's browser.
#[tauri::command]
pub async fn open_revoke_page(app: AppHandle, state: State<'_, AppState>, id: Uuid) -> Reply<()> {
    let url = state.checks.guided.lock().unwrap_or_else(|p| p.into_inner()).get(&id).cloned();
    let url = url
        .ok_or_else(|| Error::invalid("Start the revoke first; there is no page to open for this token.").payload())?;
    app.opener().open_url(&url, None::<&str>).map_err(|e| {
        Error::invalid(format!("The browser could not be opened ({e}). Open {url} yourself.")).payload()
    })?;
    tracing::info!(%id, "opened the revoke page");
    Ok(())
}
