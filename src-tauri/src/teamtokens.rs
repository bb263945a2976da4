//! Commands on the tokens of a team vault: copy, reveal, add, edit, replace, delete,
//! validate and revoke. Each goes to the team vault's server; the local vault is held only
//! for the settings (never across a network call). Edits carry the version the user saw,
//! so a change someone else made meanwhile comes back as a `team_conflict`, never lost.

use std::time::Duration;

use chrono::Utc;
use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::secret::SecretInput;
use latchkey_core::{Error, MetaUpdate, NewToken};
use secrecy::ExposeSecret;
use tauri::State;
use uuid::Uuid;

use crate::commands::{clear_after, with_vault, AppState, CopyReceipt, Reply};
use crate::team::{client, token_view, TeamTokenView};

fn fail(e: Error) -> latchkey_core::ErrorPayload {
    tracing::warn!(kind = ?e.kind(), error = %e, "team command failed");
    e.payload()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")).payload())?
        .map_err(fail)
}

#[tauri::command]
pub async fn team_copy_secret(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<CopyReceipt> {
    let c = client(&state, vault_id).await?;
    let secs = with_vault(&state, |v| Ok(clear_after(v.settings().clipboard_clear_secs))).await?;
    let secret = c.secret(id).await.map_err(fail)?;
    let clipboard = state.clipboard.clone();
    blocking(move || clipboard.copy(&secret, Duration::from_secs(secs.into()))).await?;
    tracing::info!(%vault_id, %id, clear_after_secs = secs, "team secret copied to the clipboard");
    Ok(CopyReceipt { clear_after_secs: secs })
}

#[tauri::command]
pub async fn team_reveal_secret(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<String> {
    let c = client(&state, vault_id).await?;
    let secret = c.secret(id).await.map_err(fail)?;
    tracing::info!(%vault_id, %id, "team secret revealed on request");
    Ok(secret.expose_secret().to_string())
}

#[tauri::command]
pub async fn team_add_token(state: State<'_, AppState>, vault_id: Uuid, token: NewToken) -> Reply<TeamTokenView> {
    let c = client(&state, vault_id).await?;
    let t = c.add(token, Utc::now()).await.map_err(fail)?;
    tracing::info!(%vault_id, id = %t.record.id, "team token added");
    token_view(&state, t).await
}

#[tauri::command]
pub async fn team_update_token(
    state: State<'_, AppState>,
    vault_id: Uuid,
    id: Uuid,
    update: MetaUpdate,
    expected_version: u64,
) -> Reply<TeamTokenView> {
    let c = client(&state, vault_id).await?;
    let t = c.update(id, update, expected_version).await.map_err(fail)?;
    tracing::info!(%vault_id, %id, version = t.version, "team token details updated");
    token_view(&state, t).await
}

#[tauri::command]
pub async fn team_replace_secret(
    state: State<'_, AppState>,
    vault_id: Uuid,
    id: Uuid,
    secret: SecretInput,
    expected_version: u64,
) -> Reply<TeamTokenView> {
    let c = client(&state, vault_id).await?;
    let t = c.replace_secret(id, secret, expected_version, Utc::now()).await.map_err(fail)?;
    tracing::info!(%vault_id, %id, "team secret replaced");
    token_view(&state, t).await
}

/// Clear the clipboard if it holds this token's secret (before the secret goes away).
async fn clear_clipboard_of(state: &AppState, c: &latchkey_core::team::TeamClient, id: Uuid) {
    if let Ok(secret) = c.secret(id).await {
        let clipboard = state.clipboard.clone();
        let cleared = blocking(move || Ok(clipboard.clear_if_holds(&secret))).await.unwrap_or(false);
        if cleared {
            tracing::info!(%id, "cleared the team secret from the clipboard");
        }
    }
}

#[tauri::command]
pub async fn team_delete_token(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<()> {
    let c = client(&state, vault_id).await?;
    clear_clipboard_of(&state, &c, id).await;
    c.delete(id).await.map_err(fail)?;
    tracing::info!(%vault_id, %id, "team token deleted");
    Ok(())
}

#[tauri::command]
pub async fn team_validate_token(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<TeamTokenView> {
    let checker = state.checks.checker()?;
    let c = client(&state, vault_id).await?;
    let (checked, job) = c.check_job(id).await.map_err(fail)?;
    let result = checker.validate(&job).await;
    drop(job);
    let stored = c.record_validation(&checked, &result.map_err(fail)?, Utc::now()).await.map_err(fail)?;
    tracing::info!(%vault_id, %id, platform = stored.record.platform.id(), "team token checked");
    token_view(&state, stored).await
}

/// The platform revoke local tokens use; then the KV entry is marked revoked.
#[tauri::command]
pub async fn team_revoke_token(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<RevokeOutcome> {
    let checker = state.checks.checker()?;
    let c = client(&state, vault_id).await?;
    let (checked, job) = c.check_job(id).await.map_err(fail)?;
    let platform = checked.record.platform;
    let outcome = checker.revoke(&job).await.map_err(fail)?;
    // As for local tokens: ask the platform about the old secret before it is destroyed.
    let check = match &outcome {
        RevokeOutcome::Revoked => Some(checker.check_revoked(&job).await),
        RevokeOutcome::Guided { .. } => None,
    };
    drop(job);
    match &outcome {
        RevokeOutcome::Revoked => {
            let check = check.expect("checked after an API revoke");
            let reason = check.reason(&format!("Revoked through {}'s API", platform.name())).map_err(|e| {
                tracing::warn!(%vault_id, %id, platform = platform.id(), "the platform still accepts the team token after the revoke");
                fail(e)
            })?;
            mark_revoked(&state, &c, id, &reason).await?;
            tracing::info!(%vault_id, %id, platform = platform.id(), "team token revoked through the platform's API");
        }
        RevokeOutcome::Guided { settings_url, .. } => {
            state.checks.guided.lock().unwrap_or_else(|p| p.into_inner()).insert(id, settings_url.clone());
            tracing::info!(%vault_id, %id, platform = platform.id(), "guided revoke shown for a team token");
        }
    }
    Ok(outcome)
}

/// The user says the team token is revoked (after the guided steps). Unless `unchecked`
/// ("mark revoked anyway"), the old secret is validated first, as for local tokens.
#[tauri::command]
pub async fn team_confirm_revoked(
    state: State<'_, AppState>,
    vault_id: Uuid,
    id: Uuid,
    reason: String,
    unchecked: Option<bool>,
) -> Reply<TeamTokenView> {
    let c = client(&state, vault_id).await?;
    let reason = if unchecked.unwrap_or(false) {
        latchkey_core::check::unchecked_reason(&reason)
    } else {
        let checker = state.checks.checker()?;
        let (_, job) = c.check_job(id).await.map_err(fail)?;
        let check = checker.check_revoked(&job).await;
        drop(job);
        tracing::info!(%vault_id, %id, ?check, "guided revoke of a team token checked");
        check.reason(&reason).map_err(fail)?
    };
    let t = mark_revoked(&state, &c, id, &reason).await?;
    state.checks.guided.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    tracing::info!(%vault_id, %id, "team token marked revoked");
    token_view(&state, t).await
}

async fn mark_revoked(
    state: &AppState,
    c: &latchkey_core::team::TeamClient,
    id: Uuid,
    reason: &str,
) -> Reply<latchkey_core::team::TeamToken> {
    clear_clipboard_of(state, c, id).await;
    c.mark_revoked(id, reason, Utc::now()).await.map_err(fail)
}
