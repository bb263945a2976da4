//! Tokens of this computer's vault: the list, add, edit, replace, delete, copy, reveal,
//! snooze, and asking the keychain again.

use std::time::Duration;

use chrono::Utc;
use latchkey_core::platforms::{self, PlatformInfo};
use latchkey_core::secret::SecretInput;
use latchkey_core::{Error, MetaUpdate, NewToken, TokenRecord, Use, VaultView};
use secrecy::ExposeSecret;
use tauri::State;
use uuid::Uuid;

use super::Reply;
use crate::state::{blocking, clear_after, AppState, CopyReceipt};

#[tauri::command]
pub async fn get_view(state: State<'_, AppState>) -> Reply<VaultView> {
    state.read(|v| Ok(v.view(Utc::now()))).await
}

#[tauri::command]
pub fn list_platforms() -> Vec<PlatformInfo> {
    platforms::catalogue()
}

#[tauri::command]
pub async fn add_token(state: State<'_, AppState>, token: NewToken) -> Reply<TokenRecord> {
    let r = state.write(move |v| v.add(token, Utc::now())).await?;
    tracing::info!(id = %r.id, platform = r.platform.id(), "token added");
    Ok(r)
}

#[tauri::command]
pub async fn update_token(state: State<'_, AppState>, id: Uuid, update: MetaUpdate) -> Reply<TokenRecord> {
    let r = state.write(move |v| v.update(id, update)).await?;
    tracing::info!(id = %r.id, "token details updated");
    Ok(r)
}

#[tauri::command]
pub async fn replace_secret(state: State<'_, AppState>, id: Uuid, secret: SecretInput) -> Reply<TokenRecord> {
    let r = state.write(move |v| v.replace_secret(id, secret, Utc::now())).await?;
    tracing::info!(id = %r.id, "secret replaced");
    Ok(r)
}

#[tauri::command]
pub async fn delete_token(state: State<'_, AppState>, id: Uuid) -> Reply<()> {
    let clipboard = state.clipboard.clone();
    state
        .write(move |v| {
            // A deleted token must not stay on the clipboard either.
            if let Ok(secret) = v.secret(id, Use::Inspect, Utc::now()) {
                clipboard.clear_if_holds(&secret);
            }
            v.delete(id, Utc::now())
        })
        .await?;
    tracing::info!(%id, "token deleted");
    Ok(())
}

#[tauri::command]
pub async fn copy_secret(state: State<'_, AppState>, id: Uuid) -> Reply<CopyReceipt> {
    let clipboard = state.clipboard.clone();
    let secs = state
        .write(move |v| {
            let secs = clear_after(v.settings().clipboard_clear_secs);
            let secret = v.secret(id, Use::Copy, Utc::now())?;
            clipboard.copy(&secret, Duration::from_secs(secs.into()))?;
            Ok(secs)
        })
        .await?;
    tracing::info!(%id, clear_after_secs = secs, "secret copied to the clipboard");
    Ok(CopyReceipt { clear_after_secs: secs })
}

#[tauri::command]
pub async fn reveal_secret(state: State<'_, AppState>, id: Uuid) -> Reply<String> {
    let secret = state.read(move |v| v.secret(id, Use::Reveal, Utc::now())).await?;
    tracing::info!(%id, "secret revealed on request");
    Ok(secret.expose_secret().to_string())
}

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
