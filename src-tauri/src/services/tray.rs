//! The tray icon: a count of tokens that need attention, and a menu to open the window, copy
//! one of the soonest-expiring tokens, revoke a token the last leak scan found (the window
//! opens with its revoke confirmation; `tray_menu.rs`), validate all tokens, or quit.
//!
//! A thread of its own rebuilds the menu whenever something changed (`AppState::changes`)
//! and when a status changes by itself (the earliest `changes_at`), at most every five
//! minutes otherwise. A desktop without a tray host (StatusNotifier/AppIndicator) simply
//! shows no icon; the app works the same, and a second launch brings the window back.

use std::time::Duration;

use chrono::Utc;
use latchkey_core::TokenTarget;
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder};
use tauri::tray::{TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};
use uuid::Uuid;

use crate::services::alerts::until;
use crate::services::tray_menu::{parse_leak_menu_id, parse_rotate_menu_id, tray_model, Entry, TrayModel};
use crate::services::validation;
use crate::state::{AppState, OpenAction, OpenRequest};
use crate::{events, window};

const TRAY_ID: &str = "latchkey";
/// Changes that come in a burst ("validate all") rebuild the menu once.
const SETTLE: Duration = Duration::from_millis(150);

pub fn start(app: &AppHandle) {
    let built = TrayIconBuilder::with_id(TRAY_ID)
        .icon(app.default_window_icon().cloned().expect("the app has an icon"))
        .tooltip("Latchkey")
        .menu(&placeholder_menu(app).expect("a menu can be built"))
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::DoubleClick { .. } = event {
                window::open_on(tray.app_handle(), None);
            }
        })
        .build(app);
    match built {
        Ok(_) => tracing::info!("tray icon created"),
        Err(e) => tracing::warn!(error = %e, "no tray icon on this desktop; the app works without it"),
    }
    let app = app.clone();
    let spawned = std::thread::Builder::new().name("tray".into()).spawn(move || follow(&app));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the tray thread could not start; the tray menu stays as it is");
    }
}

/// Rebuild the menu after every change, and when a status changes by itself; only when what
/// it shows changed (a menu rebuilt under a panel's feet renumbers its entries).
fn follow(app: &AppHandle) {
    let changes = app.state::<AppState>().changes.clone();
    let mut seen = changes.current();
    let mut shown: Option<TrayModel> = None;
    loop {
        let (model, next) = read(app);
        if shown.as_ref() != Some(&model) {
            let handle = app.clone();
            let to_show = model.clone();
            // On the main thread, which this thread does not wait for.
            let _ = app.run_on_main_thread(move || apply(&handle, &to_show));
            shown = Some(model);
        }
        seen = changes.wait_after(seen, until(next));
        std::thread::sleep(SETTLE);
        seen = changes.current().max(seen);
    }
}

fn placeholder_menu(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    MenuBuilder::new(app).text("open", "Open Latchkey").separator().text("quit", "Quit Latchkey").build()
}

/// What the tray should show now, and when that changes by itself next.
fn read(app: &AppHandle) -> (TrayModel, Option<chrono::DateTime<Utc>>) {
    let (view, dir) = {
        let state = app.state::<AppState>();
        let mut v = state.lock_vault();
        (v.view(Utc::now()), v.data_dir().to_path_buf())
    };
    let leaks = app.state::<AppState>().leak.last_report(&dir);
    let next = view.tokens.iter().filter_map(|t| t.status.changes_at).min();
    (tray_model(&view, leaks.as_ref()), next)
}

/// Set the tray's tooltip, count and menu (on the main thread).
fn apply(app: &AppHandle, model: &TrayModel) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return };
    let _ = tray.set_tooltip(Some(&model.tooltip));
    // Where the tray shows a label next to the icon (some Linux panels), show the count.
    let _ = tray.set_title(if model.count > 0 { Some(model.count.to_string()) } else { None });
    match build_menu(app, &model.entries) {
        Ok(menu) => {
            let _ = tray.set_menu(Some(menu));
        }
        Err(e) => tracing::warn!(error = %e, "the tray menu could not be built"),
    }
}

fn build_menu(app: &AppHandle, entries: &[Entry]) -> tauri::Result<Menu<Wry>> {
    let mut menu = MenuBuilder::new(app);
    for e in entries {
        menu = match e {
            Entry::Item { id, text } => menu.text(id, text),
            Entry::Caption(text) => menu.item(&MenuItemBuilder::new(text).enabled(false).build(app)?),
            Entry::Separator => menu.separator(),
        };
    }
    menu.build()
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        "open" => window::open_on(app, None),
        "quit" => app.exit(0),
        "validate_all" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = validation::validate_all(&app).await {
                    tracing::warn!(error = %e, "check of all tokens from the tray failed");
                }
                events::vault_changed(&app);
            });
        }
        other => {
            if let Some(id) = other.strip_prefix("copy:").and_then(|s| Uuid::parse_str(s).ok()) {
                copy_from_tray(app.clone(), id);
            } else if let Some(id) = parse_rotate_menu_id(other) {
                // The window asks first (or takes the new secret): nothing changes from the menu.
                tracing::info!(%id, "rotation asked from the tray");
                window::open(app, Some(OpenRequest { token: id, action: OpenAction::Rotate }));
            } else if let Some(id) = parse_leak_menu_id(other) {
                // Never revoke from the menu: the window asks first.
                tracing::info!(%id, "revoke asked from the tray");
                window::open(app, Some(OpenRequest { token: id, action: OpenAction::Revoke }));
            }
        }
    }
}

/// Copy off the main thread (the keychain may take its time), as the window's Copy does.
fn copy_from_tray(app: AppHandle, id: Uuid) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        match state.tokens.copy(&TokenTarget::Local { id }).await {
            Ok(_) => tracing::info!(%id, "secret copied from the tray"),
            Err(e) => {
                tracing::warn!(%id, error = %e, "copy from the tray failed");
                window::open_on(&app, Some(id));
            }
        }
        events::vault_changed(&app);
    });
}
