//! Tokens, local or in a team vault alike (a `TokenTarget` names which): add, edit, replace,
//! delete, copy, reveal — each through core's `Tokens`, the one path for both stores. Plus the
//! local list, snoozing and asking the keychain again.

use chrono::Utc;
use latchkey_core::accesslog::RecentUses;
use latchkey_core::platforms::{self, PlatformInfo};
use latchkey_core::secret::SecretInput;
use latchkey_core::tokens::CopyReceipt;
use latchkey_core::{Error, MetaUpdate, NewToken, TokenRecord, TokenRow, TokenTarget, VaultView};
use secrecy::ExposeSecret;
use tauri::State;
use uuid::Uuid;

use super::Reply;
use crate::state::{blocking, log_failure, AppState};

#[tauri::command]
pub async fn get_view(state: State<'_, AppState>) -> Reply<VaultView> {
    state.read(|v| Ok(v.view(Utc::now()))).await
}

#[tauri::command]
pub fn list_platforms() -> Vec<PlatformInfo> {
    platforms::catalogue()
}

/// Add a token to this computer's vault (`store` absent) or to team vault `store`.
#[tauri::command]
pub async fn add_token(state: State<'_, AppState>, store: Option<Uuid>, token: NewToken) -> Reply<TokenRow> {
    state.tokens.add(store, token).await.inspect_err(log_failure)
}

/// Edit the details; a team token's edit names the version the user started from.
#[tauri::command]
pub async fn update_token(
    state: State<'_, AppState>,
    target: TokenTarget,
    update: MetaUpdate,
    expected_version: Option<u64>,
) -> Reply<TokenRow> {
    state.tokens.update(&target, update, expected_version).await.inspect_err(log_failure)
}

#[tauri::command]
pub async fn replace_secret(
    state: State<'_, AppState>,
    target: TokenTarget,
    secret: SecretInput,
    expected_version: Option<u64>,
) -> Reply<TokenRow> {
    state.tokens.replace_secret(&target, secret, expected_version).await.inspect_err(log_failure)
}

#[tauri::command]
pub async fn delete_token(state: State<'_, AppState>, target: TokenTarget) -> Reply<()> {
    state.tokens.delete(&target).await.inspect_err(log_failure)
}

#[tauri::command]
pub async fn copy_secret(state: State<'_, AppState>, target: TokenTarget) -> Reply<CopyReceipt> {
    state.tokens.copy(&target).await.inspect_err(log_failure)
}

/// The secret itself, for an explicit Reveal in the window (the only way one reaches it).
#[tauri::command]
pub async fn reveal_secret(state: State<'_, AppState>, target: TokenTarget) -> Reply<String> {
    let secret = state.tokens.reveal(&target).await.inspect_err(log_failure)?;
    Ok(secret.expose_secret().to_string())
}

/// The last uses of token `id` (local or team) from the access log, newest first, and the
/// first thing wrong with the log when it does not verify.
#[tauri::command]
pub async fn get_recent_uses(state: State<'_, AppState>, id: Uuid) -> Reply<RecentUses> {
    let log = state.lock_vault().access_log();
    blocking(move || log.recent(id, RECENT_USES)).await
}

/// How many uses the detail pane shows.
const RECENT_USES: usize = 10;

#[tauri::command]
pub async fn retry_keychain(state: State<'_, AppState>) -> Reply<VaultView> {
    // Probe without holding the vault: a locked keychain may take its time to answer.
    let store = state.lock_vault().secret_store();
    let probe = blocking(move || Ok(store.probe())).await?;
    state
        .write(move |v| {
            v.apply_probe(probe, Utc::now());
            Ok(v.view(Utc::now()))
        })
        .await
}

/// Silence a token's alerts for `hours` (a day, a week…); `None` ends the snooze.
#[tauri::command]
pub async fn snooze_token(state: State<'_, AppState>, id: Uuid, hours: Option<u32>) -> Reply<TokenRecord> {
    let until = match hours {
        Some(h) if h == 0 || h > 24 * 366 => return Err(Error::invalid("Snooze for 1 hour to a year.")),
        Some(h) => Some(Utc::now() + chrono::Duration::hours(h.into())),
        None => None,
    };
    let r = state.write(move |v| v.snooze(id, until)).await?;
    tracing::info!(%id, ?until, "alerts snoozed");
    Ok(r)
}
