// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod checks;
mod commands;
mod logging;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use latchkey_core::clipboard::SecureClipboard;
use latchkey_core::secret_store::{KeyringStore, SecretStore};
use latchkey_core::Vault;
use tauri::{Manager, RunEvent};

use crate::commands::AppState;

fn main() {
    let data_dir = latchkey_core::default_data_dir();
    logging::init(&data_dir);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "Latchkey starting");

    let secrets = Arc::new(KeyringStore::new(latchkey_core::keychain_service()));
    let vault = Arc::new(Mutex::new(Vault::open_index(&data_dir, secrets.clone())));
    let clipboard = SecureClipboard::new();
    let state = AppState::new(vault.clone(), clipboard.clone());

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::get_view,
            commands::list_platforms,
            commands::add_token,
            commands::update_token,
            commands::replace_secret,
            commands::delete_token,
            commands::copy_secret,
            commands::reveal_secret,
            commands::retry_keychain,
            commands::dismiss_notices,
            commands::update_settings,
            checks::validate_token,
            checks::validate_all,
            checks::revoke_token,
            checks::confirm_revoked,
            checks::open_revoke_page,
        ])
        .setup(move |app| {
            // Ask the keychain in the background: a locked one may wait for a prompt.
            let handle = app.handle().clone();
            std::thread::spawn(move || {
                let probe = secrets.probe();
                let (ok, validate) = {
                    let mut v = vault.lock().unwrap_or_else(|p| p.into_inner());
                    (v.apply_probe(probe, Utc::now()), v.settings().validate_on_start)
                };
                tracing::info!(available = ok, "keychain checked");
                commands::notify_changed(&handle);
                if ok && validate {
                    tauri::async_runtime::spawn(async move {
                        if let Err(e) = checks::run_validate_all(&handle).await {
                            tracing::warn!(error = %e.message, "checking all tokens at start failed");
                        }
                        commands::notify_changed(&handle);
                    });
                }
            });
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_focus();
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("Latchkey could not start its window");

    app.run(move |_handle, event| {
        if let RunEvent::Exit = event {
            if clipboard.clear_if_ours() {
                tracing::info!("cleared our secret from the clipboard on exit");
            }
            tracing::info!("Latchkey stopped");
        }
    });
}
