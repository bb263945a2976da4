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
//!
//! "Rotate before expiry" (a token's own setting) is done here too: on its day the token is
//! rotated through its platform's API where Latchkey can (Roboflow, env0) and a notification
//! says what was done; otherwise — or when the rotation fails — a notification asks the user
//! to rotate it, and a click opens the window on its rotation. Either way once per expiry.

use std::time::Duration;

use chrono::Utc;
use latchkey_core::alert_plan::{compose, human_duration, AlertReason, DueRotation, InAppAlert, Notification};
use latchkey_core::TokenTarget;
use tauri::{AppHandle, Manager};

use crate::state::{AppState, OpenAction, OpenRequest};
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
            for due in &plan.rotations {
                rotate_due(app, due);
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

/// A token's "rotate before expiry" day has come: rotate it through the API where the
/// platform allows, else (or when that fails) ask the user to. Settled either way, so it is
/// tried once per expiry; the token's expiry alerts go on as before.
fn rotate_due(app: &AppHandle, due: &DueRotation) {
    let state = app.state::<AppState>();
    let now = Utc::now();
    let left = (due.expires_at - now).num_seconds();
    let when = if left > 0 { format!("expires in {}", human_duration(left)) } else { "has expired".to_string() };
    let by_api = latchkey_core::platforms::info(due.platform).rotates_by_api;
    let ask = |why: String| Notification {
        title: format!("Time to rotate “{}”", due.label),
        body: format!("The {} token {when}. {why}", due.platform.name()),
        token: Some(due.id),
    };
    let notification = if by_api {
        tracing::info!(id = %due.id, platform = due.platform.id(), "rotating before expiry");
        let target = TokenTarget::Local { id: due.id };
        match tauri::async_runtime::block_on(state.tokens.rotate(&target)) {
            Ok(done) => {
                events::vault_changed(app);
                let rest = if done.finished { format!("{}.", done.note) } else { done.note.clone() };
                Notification {
                    title: format!("Rotated “{}”", due.label),
                    body: format!(
                        "The {} token {when}, so Latchkey made a new key, stored it in your keychain and checked it. {rest}",
                        due.platform.name()
                    ),
                    token: Some(due.id),
                }
            }
            Err(e) => {
                tracing::warn!(id = %due.id, kind = ?e.kind(), error = %e, "rotation before expiry failed");
                events::vault_changed(app);
                ask(format!("Latchkey could not rotate it: {e} Click to rotate it in Latchkey."))
            }
        }
    } else {
        ask(format!(
            "{} makes new tokens on its website only: click to rotate it in Latchkey, which checks the new one \
             before it replaces the old.",
            due.platform.name()
        ))
    };
    deliver_opening(app, notification, OpenAction::Rotate);
    let settled = due.settled(AlertReason::Expiring { remaining_secs: left.max(0) });
    let marked = state.lock_vault().mark_alerts_sent(&[settled], Utc::now());
    if let Err(e) = marked {
        tracing::warn!(error = %e, "could not record the rotation before expiry as done");
    }
}

/// How long to sleep until `next` (a wall-clock instant), within [200 ms, MAX_SLEEP].
pub fn until(next: Option<chrono::DateTime<Utc>>) -> Duration {
    next.and_then(|t| (t - Utc::now()).to_std().ok()).unwrap_or(MAX_SLEEP).clamp(Duration::from_millis(200), MAX_SLEEP)
}

/// Show one notification; a click opens the window (on its token). Without a notification
/// service the alert goes to the window instead.
pub fn deliver(app: &AppHandle, n: Notification) {
    deliver_opening(app, n, OpenAction::Show);
}

/// [`deliver`], with what a click starts on the notification's token.
fn deliver_opening(app: &AppHandle, n: Notification, action: OpenAction) {
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
                handle.wait_for_action(|clicked| {
                    if clicked == "default" {
                        window::open(&app, token.map(|token| OpenRequest { token, action }));
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
