//! The main window: bringing it up (on a token), and what closing it means.

use tauri::{AppHandle, Manager, Window, WindowEvent};

use crate::events;
use crate::state::AppState;

/// Bring the window up, on `token` when there is one.
pub fn open_on(app: &AppHandle, token: Option<uuid::Uuid>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
    if let Some(id) = token {
        events::open_token(app, id);
    }
}

/// Closing the window hides it while "keep running in the background" is on.
pub fn on_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    let app = window.app_handle();
    let keep = app.state::<AppState>().lock_vault().settings().keep_running_in_background;
    tracing::info!(keep_running = keep, "window close requested");
    if keep {
        api.prevent_close();
        if let Err(e) = window.hide() {
            tracing::warn!(error = %e, "could not hide the window");
        }
        say_still_running();
    }
}

/// The window was closed but Latchkey keeps running: say so once per run, so nobody wonders
/// where the alerts come from.
fn say_still_running() {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if SAID.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let shown = notify_rust::Notification::new()
        .appname("Latchkey")
        .summary("Latchkey keeps running")
        .body("Expiry alerts continue. Open Latchkey from its tray icon or by starting it again; Quit is in the tray menu.")
        .icon("dialog-password")
        .show();
    if let Err(e) = shown {
        tracing::info!(error = %e, "could not say that Latchkey keeps running");
    }
}
