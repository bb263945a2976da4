//! Alerts the window shows itself: those the desktop could not show, and the vault's own
//! (a repaired change, a recovered index).

use latchkey_core::alert_plan::InAppAlert;
use tauri::State;

use super::Reply;
use crate::state::AppState;

/// Alerts the desktop could not show (no notification service), for the window to show.
#[tauri::command]
pub fn take_in_app_alerts(state: State<'_, AppState>) -> Vec<InAppAlert> {
    state.inbox.take()
}

/// The user has read the vault's own alerts (repairs, recovery).
#[tauri::command]
pub async fn dismiss_notices(state: State<'_, AppState>) -> Reply<()> {
    state
        .write(|v| {
            v.dismiss_notices();
            Ok(())
        })
        .await
}
