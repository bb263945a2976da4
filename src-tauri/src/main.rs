// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

//! The desktop shell: `state` (what everything shares), `commands/` (what the window calls,
//! by domain; `commands/list.rs` names them all), `services/` (alerts, leak scans and their
//! schedule, the tray, "validate all"), `events` (what Rust tells the window) and `window`.

mod commands;
mod events;
#[cfg(test)]
mod lockdown;
mod logging;
mod services;
mod state;
mod window;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use latchkey_core::clipboard::SecureClipboard;
use latchkey_core::secret_store::{KeyringStore, SecretStore};
use latchkey_core::Vault;
use tauri::{AppHandle, Manager, RunEvent};

use crate::services::{alerts, leak_schedule, tray, validation};
use crate::state::AppState;

/// What every attempt to build the app shares.
#[derive(Clone)]
struct Shared {
    vault: Arc<Mutex<Vault>>,
    secrets: Arc<KeyringStore>,
    clipboard: SecureClipboard,
    /// Started at login: stay in the background (tray, alerts) until asked.
    background: bool,
}

fn main() {
    window::rendering_defaults();
    commands::bench::mark("main");
    let data_dir = latchkey_core::default_data_dir();
    logging::init(&data_dir);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "Latchkey starting");

    let secrets = Arc::new(KeyringStore::new(latchkey_core::keychain_service()));
    let shared = Shared {
        vault: Arc::new(Mutex::new(Vault::open_index(&data_dir, secrets.clone()))),
        secrets,
        clipboard: SecureClipboard::new(),
        background: std::env::args().any(|a| a == "--background"),
    };

    // A Latchkey that is still shutting down holds the single-instance name without
    // answering; wait for it a little, and in the end start without the guard rather than
    // not at all.
    let mut attempt = 0;
    let app = loop {
        let single_instance = attempt < 3;
        match builder(&shared, single_instance).build(tauri::generate_context!()) {
            Ok(app) => break app,
            Err(e) if attempt < 3 => {
                tracing::warn!(error = %e, attempt, "could not start yet; trying again");
                std::thread::sleep(std::time::Duration::from_millis(700 * (attempt + 1)));
                attempt += 1;
            }
            Err(e) => {
                tracing::error!(error = %e, "Latchkey could not start its window");
                eprintln!("Latchkey could not start its window: {e}");
                std::process::exit(1);
            }
        }
    };

    let clipboard = shared.clipboard.clone();
    app.run(move |handle, event| match event {
        // The window was closed: stay in the tray if the settings say so (Quit asks with a code).
        RunEvent::ExitRequested { code: None, api, .. } if window::keep_running(handle) => {
            api.prevent_exit();
        }
        RunEvent::Exit => {
            if clipboard.clear_if_ours() {
                tracing::info!("cleared our secret from the clipboard on exit");
            }
            tracing::info!("Latchkey stopped");
        }
        _ => {}
    });
}

fn builder(shared: &Shared, single_instance: bool) -> tauri::Builder<tauri::Wry> {
    let Shared { vault, secrets, clipboard, background } = shared.clone();
    let mut builder = tauri::Builder::default();
    if single_instance {
        // First: a second launch only brings the running window forward.
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("second launch: showing the running window");
            window::open_on(app, None);
        }));
    }
    builder
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--background"]),
        ))
        .plugin(tauri_plugin_opener::init())
        .manage(AppState::new(vault, clipboard))
        .invoke_handler(commands::handler())
        .on_window_event(window::on_event)
        .on_page_load(|_, load| {
            commands::bench::mark(match load.event() {
                tauri::webview::PageLoadEvent::Started => "page-load-started",
                tauri::webview::PageLoadEvent::Finished => "page-load-finished",
            })
        })
        .setup(move |app| {
            commands::bench::mark("setup");
            let handle = app.handle();
            // The window first: WebKit's processes start while the rest is set up.
            if !background {
                window::open(handle, None);
            }
            tray::start(handle);
            alerts::start(handle.clone());
            leak_schedule::start(handle.clone(), Utc::now());
            probe_keychain(handle.clone(), secrets);
            Ok(())
        })
}

/// Ask the keychain in the background (a locked one may wait for a prompt), then validate
/// every token if the settings say so.
fn probe_keychain(app: AppHandle, secrets: Arc<KeyringStore>) {
    std::thread::spawn(move || {
        let state = app.state::<AppState>();
        let probe = secrets.probe();
        let (ok, validate) = {
            let mut v = state.lock_vault();
            (v.apply_probe(probe, Utc::now()), v.settings().validate_on_start)
        };
        tracing::info!(available = ok, "keychain checked");
        state.changes.publish();
        events::vault_changed(&app);
        if ok && validate {
            tauri::async_runtime::spawn(async move {
                if let Err(e) = validation::validate_all(&app).await {
                    tracing::warn!(error = %e, "checking all tokens at start failed");
                }
                events::vault_changed(&app);
            });
        }
    });
}
