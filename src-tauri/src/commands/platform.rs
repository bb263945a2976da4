//! Commands that ask the platforms: validate one or all tokens, revoke.
//!
//! The vault is held only for the short steps before and after a platform call (take the
//! job out; store the result), never while the network is asked, so the window stays live.
//! "Validate all" reports each finished token as a `check-progress` event.

use chrono::Utc;
use latchkey_core::check::CheckSummary;
use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::{Error, TokenRecord, Use};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use uuid::Uuid;

use super::Reply;
use crate::services::validation;
use crate::state::{lock, AppState};

#[tauri::command]
pub async fn validate_token(state: State<'_, AppState>, id: Uuid) -> Reply<TokenRecord> {
    let checker = state.platform.checker()?;
    let job = state.read(move |v| v.check_job(id)).await?;
    let result = checker.validate(&job).await;
    let record = job.record.clone();
    drop(job);
    let stored = state.write(move |v| v.record_validation(&record, &result?, Utc::now())).await?;
    tracing::info!(%id, platform = stored.platform.id(), "token checked");
    Ok(stored)
}

#[tauri::command]
pub async fn validate_all(app: AppHandle) -> Reply<CheckSummary> {
    validation::validate_all(&app).await
}

/// Revoke through the platform's API where it allows, then validate the old secret before
/// it leaves the keychain: marked revoked with "revocation confirmed by …" (or "not
/// confirmed: …" when the platform cannot be asked); `Err(StillAccepted)` and nothing changed
/// when the platform still accepts it. Otherwise the guided steps.
#[tauri::command]
pub async fn revoke_token(state: State<'_, AppState>, id: Uuid) -> Reply<RevokeOutcome> {
    let checker = state.platform.checker()?;
    let job = state.read(move |v| v.check_job(id)).await?;
    let platform = job.record.platform;
    let outcome = checker.revoke(&job).await?;
    match &outcome {
        RevokeOutcome::Revoked => {
            let check = checker.check_revoked(&job).await;
            drop(job);
            let reason = check.reason(&format!("Revoked through {}'s API", platform.name())).inspect_err(|_| {
                tracing::warn!(%id, platform = platform.id(), "the platform still accepts the token after the revoke");
            })?;
            mark_revoked(&state, id, reason).await?;
            tracing::info!(%id, platform = platform.id(), ?check, "token revoked through the platform's API");
        }
        RevokeOutcome::Guided { settings_url, .. } => {
            drop(job);
            lock(&state.platform.guided).insert(id, settings_url.clone());
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
        let checker = state.platform.checker()?;
        let job = state.read(move |v| v.check_job(id)).await?;
        let check = checker.check_revoked(&job).await;
        drop(job);
        tracing::info!(%id, ?check, "guided revoke checked");
        check.reason(&reason)?
    };
    let r = mark_revoked(&state, id, reason).await?;
    lock(&state.platform.guided).remove(&id);
    tracing::info!(%id, "token marked revoked");
    Ok(r)
}

async fn mark_revoked(state: &AppState, id: Uuid, reason: String) -> Reply<TokenRecord> {
    let clipboard = state.clipboard.clone();
    state
        .write(move |v| {
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
    let url = lock(&state.platform.guided).get(&id).cloned();
    let url = url.ok_or_else(|| Error::invalid("Start the revoke first; there is no page to open for this token."))?;
    app.opener()
        .open_url(&url, None::<&str>)
        .map_err(|e| Error::invalid(format!("The browser could not be opened ({e}). Open {url} yourself.")))?;
    tracing::info!(%id, "opened the revoke page");
    Ok(())
}
