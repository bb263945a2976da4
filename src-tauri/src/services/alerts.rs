//! Desktop alerts before tokens expire, go stale or are rejected.
//!
//! One thread asks core what is due (`alert_plan`, pure), shows one notification (a summary
//! when several are due), records what was sent in the index, then sleeps until the plan's
//! next wake-up — or until something changed (`AppState::changes`). It never sleeps more than
//! five minutes at a time: the monotonic clock stops while a laptop is suspended, and the
//! wall clock may be changed, so it looks at the wall clock again regularly.
//!
//! With no notification server (or one that refuses), the alert is kept and shown in the
//! window instead, with the reason; nothing fails.

use std::time::Duration;

use chrono::Utc;
use latchkey_core::alert_plan::{compose, InAppAlert, Notification};
use tauri::{AppHandle, Manager};

use crate::state::AppState;
use crate::{events, window};

/// The longest sleep between two looks at the wall clock.
pub const MAX_SLEEP: Duration = Duration::from_secs(300);

/// Start the alert thread.
pub fn start(app: AppHandle) {
    let spawned = std::thread::Builder::new().name("alerts".into()).spawn(move || {
        let changes = app.state::<AppState>().changes.clone();
        let mut seen = changes.current();
        loop {
            let wait = plan_and_alert(&app);
            seen = changes.wait_after(seen, wait);
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the alert thread could not start; no expiry alerts this session");
    }
}

/// Show what is due now; how long to sleep before planning again.
fn plan_and_alert(app: &AppHandle) -> Duration {
    let state = app.state::<AppState>();
    let now = Utc::now();
    let plan = state.lock_vault().alerts_due(now);
    let next = match plan {
        Ok(plan) => {
            if let Some(n) = compose(&plan.due) {
                tracing::info!(alerts = plan.due.len(), "alerts due");
                deliver(app, n);
                if let Err(e) = state.lock_vault().mark_alerts_sent(&plan.due, now) {
                    tracing::warn!(error = %e, "could not record the alerts sent");
                }
            }
            plan.next_wake
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not plan alerts");
            None
        }
    };
    until(next)
}

/// How long to sleep until `next` (a wall-clock instant), within [200 ms, MAX_SLEEP].
pub fn until(next: Option<chrono::DateTime<Utc>>) -> Duration {
    next.and_then(|t| (t - Utc::now()).to_std().ok()).unwrap_or(MAX_SLEEP).clamp(Duration::from_millis(200), MAX_SLEEP)
}

/// Show one notification; a click opens the window (on its token). Without a notification
/// service the alert goes to the window instead.
pub fn deliver(app: &AppHandle, n: Notification) {
    let mut desktop = notify_rust::Notification::new();
    let body = if n.token.is_some() { format!("{}\nClick to open it in Latchkey.", n.body) } else { n.body.clone() };
    desktop
        .appname("Latchkey")
        .summary(&n.title)
        .body(&body)
        .icon("dialog-password")
        .action("default", "Open Latchkey")
        .timeout(notify_rust::Timeout::Never);
    match desktop.show() {
        Ok(handle) => {
            tracing::info!(title = %n.title, "notification shown");
            let app = app.clone();
            let token = n.token;
            // Wait for a click on it (or its action button) in a thread of its own.
            let _ = std::thread::Builder::new().name("notification".into()).spawn(move || {
                handle.wait_for_action(|action| {
                    if action == "default" {
                        window::open_on(&app, token);
                    }
                });
            });
        }
        Err(e) => {
            tracing::warn!(error = %e, "no desktop notification; alert shown in the window instead");
            let why = "No notification service answered, so Latchkey shows its alerts here. \
                       Start your desktop's notifications (or a service such as dunst) to get them on the desktop."
                .to_string();
            let alert = InAppAlert { notification: n, why };
            app.state::<AppState>().inbox.push(alert.clone());
            events::in_app_alert(app, alert);
        }
    }
}
