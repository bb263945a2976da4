//! Desktop alerts before tokens expire, go stale or are rejected.
//!
//! One thread asks core what is due (`notify_plan`, pure), shows one notification (a summary
//! when several are due), records what was sent in the index, then sleeps until the plan's
//! next wake-up — or until something changed (`Alerts::replan`). It never sleeps more than
//! five minutes at a time: the monotonic clock stops while a laptop is suspended, and the
//! wall clock may be changed, so it looks at the wall clock again regularly.
//!
//! With no notification server (or one that refuses), the alert is kept and shown in the
//! window instead, with the reason; nothing fails.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::Utc;
use latchkey_core::notify_plan::{compose, Notification};
use latchkey_core::Vault;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

/// The longest sleep between two looks at the wall clock.
const MAX_SLEEP: Duration = Duration::from_secs(300);

#[derive(Clone, Default)]
pub struct Alerts {
    wake: Arc<(Mutex<bool>, Condvar)>,
    /// Alerts that could not be shown as notifications, for the window.
    in_app: Arc<Mutex<Vec<InAppAlert>>>,
}

/// An alert the window shows itself, because the desktop could not.
#[derive(Debug, Clone, Serialize)]
pub struct InAppAlert {
    pub notification: Notification,
    /// Why it is not a desktop notification.
    pub why: String,
}

impl Alerts {
    /// Records or settings changed: plan again now.
    pub fn replan(&self) {
        let (flag, cv) = &*self.wake;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_one();
    }

    /// The alerts the window should show (and forget them).
    pub fn take_in_app(&self) -> Vec<InAppAlert> {
        std::mem::take(&mut *self.in_app.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn sleep(&self, d: Duration) {
        let (flag, cv) = &*self.wake;
        let guard = flag.lock().unwrap_or_else(|p| p.into_inner());
        let (mut guard, _) = cv.wait_timeout_while(guard, d, |woken| !*woken).unwrap_or_else(|p| p.into_inner());
        *guard = false;
    }

    /// Start the alert thread.
    pub fn start(&self, app: AppHandle, vault: Arc<Mutex<Vault>>) {
        let alerts = self.clone();
        let spawned = std::thread::Builder::new().name("alerts".into()).spawn(move || loop {
            let now = Utc::now();
            let (view, plan, dir) = {
                let mut v = vault.lock().unwrap_or_else(|p| p.into_inner());
                (v.view(now), v.alerts_due(now), v.data_dir().to_path_buf())
            };
            let leaks = crate::leak::last_report(&app, &dir);
            crate::tray::refresh(&app, &view, &leaks);
            let next = match plan {
                Ok(plan) => {
                    if let Some(n) = compose(&plan.due) {
                        tracing::info!(alerts = plan.due.len(), "alerts due");
                        alerts.deliver(&app, n);
                        let marked = vault.lock().unwrap_or_else(|p| p.into_inner()).mark_alerts_sent(&plan.due, now);
                        if let Err(e) = marked {
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
            let wait = next
                .and_then(|t| (t - Utc::now()).to_std().ok())
                .unwrap_or(MAX_SLEEP)
                .clamp(Duration::from_millis(200), MAX_SLEEP);
            alerts.sleep(wait);
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the alert thread could not start; no expiry alerts this session");
        }
    }

    pub(crate) fn deliver(&self, app: &AppHandle, n: Notification) {
        let mut desktop = notify_rust::Notification::new();
        let body =
            if n.token.is_some() { format!("{}\nClick to open it in Latchkey.", n.body) } else { n.body.clone() };
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
                            open_on(&app, token);
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
                self.in_app.lock().unwrap_or_else(|p| p.into_inner()).push(alert.clone());
                let _ = app.emit("in-app-alert", alert);
            }
        }
    }
}

/// The window was closed but Latchkey keeps running: say so once per run, so nobody wonders
/// where the alerts come from.
pub fn hidden_to_background(app: &AppHandle) {
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
    let _ = app;
}

/// Bring the window up, on `token` when there is one.
pub fn open_on(app: &AppHandle, token: Option<uuid::Uuid>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
    if let Some(id) = token {
        let _ = app.emit("open-token", id);
    }
}
