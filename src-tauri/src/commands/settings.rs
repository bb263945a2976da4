//! The settings: saved in the index; "start at login" also writes the autostart entry.

use latchkey_core::error::Field;
use latchkey_core::index::Settings;
use latchkey_core::Error;
use tauri::{AppHandle, State};

use super::Reply;
use crate::state::AppState;

#[tauri::command]
pub async fn update_settings(app: AppHandle, state: State<'_, AppState>, settings: Settings) -> Reply<Settings> {
    use tauri_plugin_autostart::ManagerExt;
    let autostart = app.autolaunch();
    let wanted = settings.start_at_login;
    if autostart.is_enabled().unwrap_or(false) != wanted {
        let done = if wanted { autostart.enable() } else { autostart.disable() };
        done.map_err(|e| {
            Error::invalid_field(Field::StartAtLogin, format!("Start at login could not be changed ({e})."))
        })?;
    }
    let s = state.write(move |v| v.update_settings(settings)).await?;
    tracing::info!(start_at_login = wanted, "settings updated");
    Ok(s)
}
