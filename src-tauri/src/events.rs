//! Every event Rust sends to the window, by name, in one place (`ui/src/api.ts` listens to
//! the same names). Sending fails only when no window is open, which is fine: the window
//! reads the current state when it opens.

use latchkey_core::alert_plan::InAppAlert;
use latchkey_core::check::CheckProgress;
use latchkey_core::leak::{LeakReport, ScanProgress};
use tauri::{AppHandle, Emitter};

/// The vault changed outside a command the window made (tray, start-up, background work).
pub fn vault_changed(app: &AppHandle) {
    let _ = app.emit("vault-changed", ());
}

/// One token finished during "validate all".
pub fn validate_progress(app: &AppHandle, p: CheckProgress) {
    let _ = app.emit("validate-progress", p);
}

pub fn leak_progress(app: &AppHandle, p: &ScanProgress) {
    let _ = app.emit("leak-progress", p);
}

pub fn leak_done(app: &AppHandle, report: LeakReport) {
    let _ = app.emit("leak-done", report);
}

/// An alert the desktop could not show, for the window to show.
pub fn in_app_alert(app: &AppHandle, alert: InAppAlert) {
    let _ = app.emit("in-app-alert", alert);
}

/// The window was asked to show something (a token, a revoke confirmation): the page takes
/// it with `take_open_request`.
pub fn open_request(app: &AppHandle) {
    let _ = app.emit("open-request", ());
}
