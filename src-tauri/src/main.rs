// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod alerts;
mod checks;
mod commands;
mod leak;
mod leak_schedule;
#[cfg(test)]
mod lockdown;
mod logging;
mod team;
mod teamtokens;
mod tray;
mod traymenu;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use latchkey_core::clipboard::SecureClipboard;
use latchkey_core::secret_store::{KeyringStore, SecretStore};
use latchkey_core::Vault;
use tauri::{Manager, RunEvent, WindowEvent};

use crate::commands::AppState;

/// What every attempt to build the app shares.
#[derive(Clone)]
struct Shared {
    vault: Arc<Mutex<Vault>>,
    secrets: Arc<KeyringStore>,
    clipboard: SecureClipboard,
    alerts: alerts::Alerts,
    /// Started at login: stay in the background (tray, alerts) until asked.
    background: bool,
}

fn main() {
    let data_dir = latchkey_core::default_data_dir();
    logging::init(&data_dir);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "Latchkey starting");

    let secrets = Arc::new(KeyringStore::new(latchkey_core::keychain_service()));
    let shared = Shared {
        vault: Arc::new(Mutex::new(Vault::open_index(&data_dir, secrets.clone()))),
        secrets,
        clipboard: SecureClipboard::new(),
        alerts: alerts::Alerts::default(),
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
    app.run(move |_handle, event| {
        if let RunEvent::Exit = event {
            if clipboard.clear_if_ours() {
                tracing::info!("cleared our secret from the clipboard on exit");
            }
            tracing::info!("Latchkey stopped");
        }
    });
}

fn builder(shared: &Shared, single_instance: bool) -> tauri::Builder<tauri::Wry> {
    let Shared { vault, secrets, clipboard, alerts, background } = shared.clone();
    let state = AppState::new(vault.clone(), clipboard, alerts.clone());
    let mut builder = tauri::Builder::default();
    if single_instance {
        // First: a second launch only brings the running window forward.
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("second launch: showing the running window");
            alerts::open_on(app, None);
        }));
    }
    builder
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--background"]),
        ))
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
            commands::snooze_token,
            commands::take_in_app_alerts,
            commands::bench_mark,
            leak::start_leak_scan,
            leak::cancel_leak_scan,
            leak::get_leak_report,
            leak::set_leak_settings,
            leak::allow_leak_finding,
            leak::import_found_token,
            team::add_team_vault,
            team::remove_team_vault,
            team::get_team_view,
            teamtokens::team_copy_secret,
            teamtokens::team_reveal_secret,
            teamtokens::team_add_token,
            teamtokens::team_update_token,
            teamtokens::team_replace_secret,
            teamtokens::team_delete_token,
            teamtokens::team_validate_token,
            teamtokens::team_revoke_token,
            teamtokens::team_confirm_revoked,
        ])
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let app = window.app_handle();
                let keep = app
                    .state::<AppState>()
                    .vault
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .settings()
                    .keep_running_in_background;
                tracing::info!(keep_running = keep, "window close requested");
                if keep {
                    api.prevent_close();
                    if let Err(e) = window.hide() {
                        tracing::warn!(error = %e, "could not hide the window");
                    }
                    alerts::hidden_to_background(app);
                }
            }
        })
        .setup(move |app| {
            tray::create(app.handle());
            alerts.start(app.handle().clone(), vault.clone());
            app.state::<AppState>().leak.schedule.start(app.handle().clone(), Utc::now());
            if !background {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.show();
                }
            }
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
            if let Some(window) = app.get_webview_window("main").filter(|_| !background) {
                let _ = window.set_focus();
            }
            Ok(())
        })
}
