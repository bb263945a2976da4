//! The main window: made when it is needed, destroyed when it is closed.
//!
//! While Latchkey sits in the tray there is no window and no browser engine: closing the
//! window (with "keep running in the background" on) destroys it, and `services::memory`
//! gives WebKit's processes and the freed heap back. Anything that needs the window — the
//! tray's Open, a notification click, a second launch — calls [`open`], which shows the
//! window, making it first if there is none. What it was opened for (a token, a revoke
//! confirmation) waits in `AppState::window` until the page takes it (`take_open_request`), so a
//! page that is still loading does not miss it.

use chrono::Utc;
use tauri::{AppHandle, Manager, WebviewWindow, WebviewWindowBuilder, Window, WindowEvent};
use uuid::Uuid;

use crate::commands::bench;
use crate::events;
use crate::services::memory;
use crate::state::{lock, AppState, OpenAction, OpenRequest, MAIN};

/// Before GTK starts: on a machine with no GPU render node (VMs, remote desktops, Xvfb) the
/// browser engine renders in software anyway, and its DMA-BUF renderer then only adds copies
/// — every change of a text on screen cost the web process ~0.3 s of CPU, a countdown's
/// minute tick twice what the older shared-memory path costs (bench/RESULTS.md, idle CPU).
/// So WebKitGTK is told to use that path there, unless the user chose either way.
pub fn rendering_defaults() {
    #[cfg(target_os = "linux")]
    {
        const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
        if std::env::var_os(VAR).is_none() && !has_render_node(std::path::Path::new("/dev/dri")) {
            // First thing in `main`: no other thread reads the environment yet.
            std::env::set_var(VAR, "1");
        }
    }
}

/// Whether `dri` holds a DRM render node (`renderD128`…), i.e. a GPU the engine can use.
#[cfg(target_os = "linux")]
fn has_render_node(dri: &std::path::Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false)
}

/// Bring the window up — made anew when there is none — on `request` when there is one.
pub fn open(app: &AppHandle, request: Option<OpenRequest>) {
    if let Some(r) = request {
        *lock(&app.state::<AppState>().window.pending) = Some(r);
    }
    let window = match app.get_webview_window(MAIN) {
        Some(w) => Some(w),
        None => create(app),
    };
    if let Some(w) = window {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
    if request.is_some() {
        // A page that is already listening takes it now; a new one takes it when it starts.
        events::open_request(app);
    }
}

/// Bring the window up on `token` (a notification about it was clicked).
pub fn open_on(app: &AppHandle, token: Option<Uuid>) {
    open(app, token.map(|token| OpenRequest { token, action: OpenAction::Show }));
}

/// Make the main window from its configuration (tauri.conf.json; `create: false` there, so
/// nothing makes it at start but this). The page gets the token list with it (see
/// [`boot_script`]), so it draws the list without waiting for a call.
pub fn create(app: &AppHandle) -> Option<WebviewWindow> {
    let config = app.config().app.windows.iter().find(|w| w.label == MAIN)?.clone();
    let made = WebviewWindowBuilder::from_config(app, &config)
        .map(|b| match boot_script(app) {
            Some(script) => b.initialization_script(script),
            None => b,
        })
        .and_then(|b| b.build());
    match made {
        Ok(w) => {
            tracing::info!("window created");
            bench::mark("window-created");
            Some(w)
        }
        Err(e) => {
            tracing::error!(error = %e, "the window could not be created");
            None
        }
    }
}

/// What the page starts with, as `window.__LATCHKEY_BOOT__`: the token list and the platform
/// catalogue as `get_view` and `list_platforms` answer them (neither holds a secret). Made
/// here rather than asked for, it saves the page two round trips before the list can be drawn;
/// the page still listens and asks again at once, so nothing changed since is missed. Left
/// out when the vault is busy: the main thread does not wait for it, the page asks instead.
fn boot_script(app: &AppHandle) -> Option<String> {
    let state = app.state::<AppState>();
    let view = state.tokens.vault().try_lock().ok()?.view(Utc::now());
    let boot = serde_json::json!({ "view": view, "platforms": latchkey_core::platforms::catalogue() });
    Some(format!("window.__LATCHKEY_BOOT__ = {boot};"))
}

/// Closing the window destroys it. With "keep running in the background" on, Latchkey stays
/// in the tray (main.rs keeps the app from exiting) and gives the browser engine's memory
/// back once the window is gone; with it off, the app quits.
pub fn on_event(window: &Window, event: &WindowEvent) {
    match event {
        WindowEvent::CloseRequested { .. } => {
            tracing::info!("window close requested");
            let keep = keep_running(window.app_handle());
            if keep {
                say_still_running();
            }
        }
        WindowEvent::Destroyed if window.label() == MAIN => {
            tracing::info!("window destroyed");
            memory::reclaim_after_window(window.app_handle().clone());
        }
        _ => {}
    }
}

/// Whether closing the window leaves Latchkey running (the setting).
pub fn keep_running(app: &AppHandle) -> bool {
    app.state::<AppState>().lock_vault().settings().keep_running_in_background
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::has_render_node;

    #[test]
    fn a_render_node_is_a_gpu_and_a_card_alone_or_nothing_is_not() {
        let dri = tempfile::tempdir().unwrap();
        assert!(!has_render_node(&dri.path().join("missing")), "no /dev/dri: software rendering");
        std::fs::write(dri.path().join("card0"), b"").unwrap();
        assert!(!has_render_node(dri.path()), "a display card without a render node");
        std::fs::write(dri.path().join("renderD128"), b"").unwrap();
        assert!(has_render_node(dri.path()));
    }
}
