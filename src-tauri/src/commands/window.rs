//! What the window asks about itself.

use tauri::State;

use crate::state::{lock, AppState, OpenRequest};

/// What the window was opened for (a token, a revoke confirmation), once: the page asks when
/// it starts and when it hears `open-request`.
#[tauri::command]
pub fn take_open_request(state: State<'_, AppState>) -> Option<OpenRequest> {
    lock(&state.window.pending).take()
}
