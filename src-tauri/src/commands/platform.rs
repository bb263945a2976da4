//! Commands that ask the platforms: validate one or all tokens, revoke — for local and team
//! tokens alike, through core's `Tokens` (the vault is never held across a network call).
//! "Validate all" reports each finished token as a `validate-progress` event.

use latchkey_core::check::CheckSummary;
use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::tokens::Rotated;
use latchkey_core::{Error, TokenRow, TokenTarget};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use uuid::Uuid;

use super::Reply;
use crate::services::validation;
use crate::state::{lock, log_failure, AppState};

#[tauri::command]
pub async fn validate_token(state: State<'_, AppState>, target: TokenTarget) -> Reply<TokenRow> {
    state.tokens.validate(&target).await.inspect_err(log_failure)
}

#[tauri::command]
pub async fn validate_all(app: AppHandle) -> Reply<CheckSummary> {
    validation::validate_all(&app).await
}

/// Revoke through the platform's API where it allows, then validate the old secret before
/// it goes: marked revoked with "revocation confirmed by …" (or "not confirmed: …" when the
/// platform cannot be asked); `Err(StillAccepted)` and nothing changed when the platform still
/// accepts it. Otherwise the guided steps, whose settings page the window may then open.
#[tauri::command]
pub async fn revoke_token(state: State<'_, AppState>, target: TokenTarget) -> Reply<RevokeOutcome> {
    let outcome = state.tokens.revoke(&target).await.inspect_err(log_failure)?;
    if let RevokeOutcome::Guided { settings_url, .. } = &outcome {
        lock(&state.platform.guided).insert(target.id(), settings_url.clone());
    }
    Ok(outcome)
}

/// The user says the token is revoked (after the guided steps). Unless `unchecked` ("mark
/// revoked anyway"), the old secret is validated first: a platform that still accepts it
/// gets `Err(StillAccepted)` and nothing changes.
#[tauri::command]
pub async fn confirm_revoked(
    state: State<'_, AppState>,
    target: TokenTarget,
    reason: String,
    unchecked: Option<bool>,
) -> Reply<TokenRow> {
    let row =
        state.tokens.confirm_revoked(&target, &reason, unchecked.unwrap_or(false)).await.inspect_err(log_failure)?;
    lock(&state.platform.guided).remove(&target.id());
    Ok(row)
}

/// Rotate through the platform's API (or resume a rotation that stopped): the new key is made,
/// stored and validated before the old one is revoked with it. Not finished (the old key still
/// works, or must be revoked on the website): the page, where there is one, may be opened.
#[tauri::command]
pub async fn rotate_token(state: State<'_, AppState>, target: TokenTarget) -> Reply<Rotated> {
    let rotated = state.tokens.rotate(&target).await.inspect_err(log_failure)?;
    Ok(allow_rotation_page(&state, &target, rotated))
}

/// Rotate with the account's password (CVAT makes and deletes tokens only for a signed-in
/// user). The password arrives as a `SecretString` (zeroised when this returns), is used for
/// the create and delete requests only, and is never stored, logged or echoed in an error.
#[tauri::command]
pub async fn rotate_with_password(
    state: State<'_, AppState>,
    target: TokenTarget,
    password: secrecy::SecretString,
) -> Reply<Rotated> {
    let rotated = state.tokens.rotate_with_password(&target, password).await.inspect_err(log_failure)?;
    Ok(allow_rotation_page(&state, &target, rotated))
}

/// A guided rotation: the new secret the user made on the platform's website is checked and
/// put in place; the old one is kept apart until the platform refuses it.
#[tauri::command]
pub async fn rotate_with_secret(
    state: State<'_, AppState>,
    target: TokenTarget,
    secret: latchkey_core::secret::SecretInput,
) -> Reply<Rotated> {
    let rotated = state.tokens.rotate_with(&target, secret).await.inspect_err(log_failure)?;
    Ok(allow_rotation_page(&state, &target, rotated))
}

/// A rotation left for the user to finish on the website: the window may open that page.
fn allow_rotation_page(state: &AppState, target: &TokenTarget, rotated: Rotated) -> Rotated {
    if let Some(url) = &rotated.settings_url {
        lock(&state.platform.guided).insert(target.id(), url.clone());
    }
    rotated
}

/// Drop a rotation whose new key is not in use yet (deleted on the platform and the keychain).
#[tauri::command]
pub async fn undo_rotation(state: State<'_, AppState>, target: TokenTarget) -> Reply<TokenRow> {
    state.tokens.undo_rotation(&target).await.inspect_err(log_failure)?;
    state.tokens.get(&target).await
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
