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
use latchkey_core::leak::LeakReport;
use latchkey_core::status::Health;
use latchkey_core::{TokenRecord, TokenTarget, VaultView};
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder};
use tauri::tray::{TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};
use uuid::Uuid;

use crate::services::alerts::until;
use crate::services::leak::last_report;
use crate::services::tray_menu::{leak_entries, leak_menu_id, menu_tokens, parse_leak_menu_id};
use crate::services::validation;
use crate::state::AppState;
use crate::{events, window};

const TRAY_ID: &str = "latchkey";
/// How many of the soonest-expiring tokens the menu offers to copy.
const MENU_TOKENS: usize = 5;
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

/// Rebuild the menu after every change, and when a status changes by itself.
fn follow(app: &AppHandle) {
    let changes = app.state::<AppState>().changes.clone();
    let mut seen = changes.current();
    loop {
        let next = refresh(app);
        seen = changes.wait_after(seen, until(next));
        std::thread::sleep(SETTLE);
        seen = changes.current().max(seen);
    }
}

fn placeholder_menu(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    MenuBuilder::new(app).text("open", "Open Latchkey").separator().text("quit", "Quit Latchkey").build()
}

/// Tokens that expire within the policy's "soon" window, or have expired (not revoked).
fn attention(view: &VaultView) -> usize {
    view.tokens
        .iter()
        .filter(|t| matches!(t.status.health, Health::Expired { .. } | Health::ExpiringSoon { .. }))
        .count()
}

/// Rebuild the menu and tooltip from the vault; when the view changes by itself next.
/// Tray calls wait for the main thread, so the vault is not held meanwhile.
fn refresh(app: &AppHandle) -> Option<chrono::DateTime<Utc>> {
    let (view, dir) = {
        let state = app.state::<AppState>();
        let mut v = state.lock_vault();
        (v.view(Utc::now()), v.data_dir().to_path_buf())
    };
    let leaks = last_report(app, &dir);
    let next = view.tokens.iter().filter_map(|t| t.status.changes_at).min();
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return next };
    let n = attention(&view);
    let tooltip = match n {
        0 => "Latchkey — no token expires within a week".to_string(),
        1 => "Latchkey — 1 token expiring or expired".to_string(),
        n => format!("Latchkey — {n} tokens expiring or expired"),
    };
    let _ = tray.set_tooltip(Some(&tooltip));
    // Where the tray shows a label next to the icon (some Linux panels), show the count.
    let _ = tray.set_title(if n > 0 { Some(n.to_string()) } else { None });
    if let Ok(menu) = build_menu(app, &view, &leaks) {
        let _ = tray.set_menu(Some(menu));
    }
    next
}

fn soonest(view: &VaultView) -> Vec<&TokenRecord> {
    let mut live: Vec<&TokenRecord> = view
        .tokens
        .iter()
        .filter(|t| t.record.revoked.is_none() && t.record.expires_at.is_some())
        .map(|t| &t.record)
        .collect();
    live.sort_by_key(|r| r.expires_at);
    live.truncate(MENU_TOKENS);
    live
}

fn build_menu(app: &AppHandle, view: &VaultView, leaks: &Option<LeakReport>) -> tauri::Result<Menu<Wry>> {
    let mut menu = MenuBuilder::new(app).text("open", "Open Latchkey").separator();
    let leaked = leak_entries(leaks.as_ref(), &menu_tokens(view));
    if !leaked.is_empty() {
        menu = menu.item(&MenuItemBuilder::new("Found by the last leak scan").enabled(false).build(app)?);
        for e in leaked {
            menu = menu.text(leak_menu_id(e.id), e.text);
        }
        menu = menu.separator();
    }
    let tokens = soonest(view);
    if !tokens.is_empty() {
        menu = menu.item(&MenuItemBuilder::new("Copy a token (soonest expiry first)").enabled(false).build(app)?);
        for r in tokens {
            let left = r.expires_at.map(|e| (e - view.now).num_seconds()).unwrap_or_default();
            let when = if left <= 0 {
                "expired".to_string()
            } else {
                format!("expires in {}", latchkey_core::alert_plan::human_duration(left))
            };
            menu = menu.text(format!("copy:{}", r.id), format!("{} · {} — {when}", r.platform.name(), r.label));
        }
        menu = menu.separator();
    }
    menu.text("validate_all", "Validate all tokens").separator().text("quit", "Quit Latchkey").build()
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
            } else if let Some(id) = parse_leak_menu_id(other) {
                // Never revoke from the menu: the window asks first.
                tracing::info!(%id, "revoke asked from the tray");
                window::open_on(app, None);
                events::revoke_token(app, id);
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
