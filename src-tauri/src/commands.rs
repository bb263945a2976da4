//! The commands the webview may call. Each one parses, calls core, and maps errors to
//! `{kind, message}`. Vault work runs on the blocking pool: the keychain may be slow.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use latchkey_core::clipboard::SecureClipboard;
use latchkey_core::index::Settings;
use latchkey_core::platforms::{self, PlatformInfo};
use latchkey_core::secret::SecretInput;
use latchkey_core::{Error, ErrorPayload, MetaUpdate, NewToken, TokenRecord, Use, Vault, VaultView};
use secrecy::ExposeSecret;
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};
use uuid::Uuid;

pub struct AppState {
    pub(crate) vault: Arc<Mutex<Vault>>,
    pub(crate) clipboard: SecureClipboard,
    pub(crate) checks: crate::checks::CheckState,
    pub(crate) alerts: crate::alerts::Alerts,
    pub(crate) leak: crate::leak::LeakState,
    pub(crate) team: crate::team::TeamState,
}

impl AppState {
    pub fn new(vault: Arc<Mutex<Vault>>, clipboard: SecureClipboard, alerts: crate::alerts::Alerts) -> Self {
        AppState {
            vault,
            clipboard,
            checks: Default::default(),
            alerts,
            leak: Default::default(),
            team: Default::default(),
        }
    }
}

pub(crate) type Reply<T> = Result<T, ErrorPayload>;

/// Run `f` with the vault on the blocking pool.
pub(crate) async fn with_vault<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Vault) -> Result<T, Error> + Send + 'static,
) -> Reply<T> {
    let vault = state.vault.clone();
    let out = tauri::async_runtime::spawn_blocking(move || {
        let mut v = vault.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut v)
    })
    .await
    .map_err(|e| Error::Internal(format!("a background task failed: {e}")).payload())?
    .map_err(|e| {
        tracing::warn!(kind = ?e.kind(), error = %e, "command failed");
        e.payload()
    });
    // Whatever changed (records, settings), the alert plan is cheap to redo.
    state.alerts.replan();
    out
}

/// Tell the window that the vault changed outside a command it made.
pub fn notify_changed(app: &AppHandle) {
    let _ = app.emit("vault-changed", ());
}

#[tauri::command]
pub async fn get_view(state: State<'_, AppState>) -> Reply<VaultView> {
    with_vault(&state, |v| Ok(v.view(Utc::now()))).await
}

#[tauri::command]
pub fn list_platforms() -> Vec<PlatformInfo> {
    platforms::catalogue()
}

#[tauri::command]
pub async fn add_token(state: State<'_, AppState>, token: NewToken) -> Reply<TokenRecord> {
    let r = with_vault(&state, move |v| v.add(token, Utc::now())).await?;
    tracing::info!(id = %r.id, platform = r.platform.id(), "token added");
    Ok(r)
}

#[tauri::command]
pub async fn update_token(state: State<'_, AppState>, id: Uuid, update: MetaUpdate) -> Reply<TokenRecord> {
    let r = with_vault(&state, move |v| v.update(id, update)).await?;
    tracing::info!(id = %r.id, "token details updated");
    Ok(r)
}

#[tauri::command]
pub async fn replace_secret(state: State<'_, AppState>, id: Uuid, secret: SecretInput) -> Reply<TokenRecord> {
    let r = with_vault(&state, move |v| v.replace_secret(id, secret, Utc::now())).await?;
    tracing::info!(id = %r.id, "secret replaced");
    Ok(r)
}

#[tauri::command]
pub async fn delete_token(state: State<'_, AppState>, id: Uuid) -> Reply<()> {
    let clipboard = state.clipboard.clone();
    with_vault(&state, move |v| {
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

#[derive(Serialize)]
pub struct CopyReceipt {
    /// The clipboard is cleared after this many seconds if it still holds the secret.
    pub(crate) clear_after_secs: u32,
}

/// Seconds before the clipboard is cleared: `LATCHKEY_CLIPBOARD_CLEAR_SECS` (for tests and
/// the impatient) overrides the setting.
pub(crate) fn clear_after(settings_secs: u32) -> u32 {
    std::env::var("LATCHKEY_CLIPBOARD_CLEAR_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(settings_secs)
}

#[tauri::command]
pub async fn copy_secret(state: State<'_, AppState>, id: Uuid) -> Reply<CopyReceipt> {
    let clipboard = state.clipboard.clone();
    let secs = with_vault(&state, move |v| {
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
    let secret = with_vault(&state, move |v| v.secret(id, Use::Reveal, Utc::now())).await?;
    tracing::info!(%id, "secret revealed on request");
    Ok(secret.expose_secret().to_string())
}

#[tauri::command]
pub async fn retry_keychain(state: State<'_, AppState>) -> Reply<VaultView> {
    // Probe without holding the vault: a locked keychain may take its time to answer.
    let store = state.vault.lock().unwrap_or_else(|p| p.into_inner()).secret_store();
    let probe = tauri::async_runtime::spawn_blocking(move || store.probe())
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")).payload())?;
    with_vault(&state, move |v| {
        v.apply_probe(probe, Utc::now());
        Ok(v.view(Utc::now()))
    })
    .await
}

#[tauri::command]
pub async fn update_settings(app: AppHandle, state: State<'_, AppState>, settings: Settings) -> Reply<Settings> {
    use tauri_plugin_autostart::ManagerExt;
    let autostart = app.autolaunch();
    let wanted = settings.start_at_login;
    if autostart.is_enabled().unwrap_or(false) != wanted {
        let done = if wanted { autostart.enable() } else { autostart.disable() };
        done.map_err(|e| Error::invalid(format!("Start at login could not be changed ({e}).")).payload())?;
    }
    let s = with_vault(&state, move |v| v.update_settings(settings)).await?;
    tracing::info!(start_at_login = wanted, "settings updated");
    Ok(s)
}

/// Silence a token's alerts for `hours` (a day, a week…); `None` ends the snooze.
#[tauri::command]
pub async fn snooze_token(state: State<'_, AppState>, id: Uuid, hours: Option<u32>) -> Reply<TokenRecord> {
    let until = match hours {
        Some(h) if h == 0 || h > 24 * 366 => {
            return Err(Error::invalid("Snooze for 1 hour to a year.").payload());
        }
        Some(h) => Some(Utc::now() + chrono::Duration::hours(h.into())),
        None => None,
    };
    let r = with_vault(&state, move |v| v.snooze(id, until)).await?;
    tracing::info!(%id, ?until, "alerts snoozed");
    Ok(r)
}

/// Alerts the desktop could not show (no notification service), for the window to show.
#[tauri::command]
pub fn take_in_app_alerts(state: State<'_, AppState>) -> Vec<crate::alerts::InAppAlert> {
    state.alerts.take_in_app()
}

#[tauri::command]
pub async fn dismiss_notices(state: State<'_, AppState>) -> Reply<()> {
    with_vault(&state, |v| {
        v.dismiss_notices();
        Ok(())
    })
    .await
}

/// `make bench` times the start-up: the UI reports when it has painted the first token list
/// (`what` = "first-paint"), and this appends `<what> <unix ms>` to the file named by
/// `LATCHKEY_BENCH_MARK`. Without that variable it does nothing.
#[tauri::command]
pub fn bench_mark(what: String) {
    let Some(path) = std::env::var_os("LATCHKEY_BENCH_MARK") else { return };
    let what: String = what.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect();
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path);
    if let Ok(mut f) = file {
        let _ = std::io::Write::write_all(&mut f, format!("{what} {ms}\n").as_bytes());
    }
}
