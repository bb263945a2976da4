//! What the commands and the background services share: core's token actions, the vault,
//! the change signal, and each domain's small piece of state. This module depends on core only;
//! `commands/` and `services/` depend on it, never the other way round.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use latchkey_core::alert_plan::InAppAlert;
use latchkey_core::clipboard::SecureClipboard;
use latchkey_core::leak::{CancelFlag, LeakReport};
use latchkey_core::{Error, Tokens, Vault};
use uuid::Uuid;

pub struct AppState {
    /// Token actions for local and team tokens alike (core's one path for both stores).
    pub tokens: Tokens,
    /// Records, settings or the leak report changed: the alert, tray and schedule threads
    /// look again.
    pub changes: Changes,
    pub platform: PlatformState,
    /// Alerts the desktop could not show, for the window.
    pub inbox: Inbox,
    pub leak: LeakState,
    pub window: WindowState,
}

impl AppState {
    pub fn new(vault: Arc<Mutex<Vault>>, clipboard: SecureClipboard) -> Self {
        let changes = Changes::default();
        let published = changes.clone();
        let tokens = Tokens::new(vault, clipboard).on_vault_work(move || published.publish());
        AppState {
            tokens,
            changes,
            platform: Default::default(),
            inbox: Default::default(),
            leak: Default::default(),
            window: Default::default(),
        }
    }

    /// The vault, for a short step on a thread that may block (never across a network call).
    pub fn lock_vault(&self) -> MutexGuard<'_, Vault> {
        lock(self.tokens.vault())
    }

    /// Run `f` with the vault on the blocking pool: the keychain and the index lock may take
    /// their time. Failures are logged (kind and message, never a secret).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let vault = self.tokens.vault().clone();
        blocking(move || f(&mut lock(&vault))).await.inspect_err(log_failure)
    }

    /// As [`AppState::read`], for a change: afterwards the background services look again.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let out = self.read(f).await;
        self.changes.publish();
        out
    }
}

/// The one way to leave the async runtime for blocking work.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}

/// A mutex that a panicking holder did not leave unusable.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A change counter that any number of threads wait on. Each waiter keeps the last
/// generation it saw, so no change is missed between two waits.
#[derive(Clone, Default)]
pub struct Changes(Arc<(Mutex<u64>, Condvar)>);

impl Changes {
    pub fn publish(&self) {
        let (count, cv) = &*self.0;
        *lock(count) += 1;
        cv.notify_all();
    }

    pub fn current(&self) -> u64 {
        *lock(&self.0 .0)
    }

    /// Wait until there is a change after generation `seen`, at most `timeout`; the newest
    /// generation.
    pub fn wait_after(&self, seen: u64, timeout: Duration) -> u64 {
        let (count, cv) = &*self.0;
        let guard = lock(count);
        let (guard, _) = cv.wait_timeout_while(guard, timeout, |now| *now == seen).unwrap_or_else(|p| p.into_inner());
        *guard
    }
}

/// Validation and revocation: the settings pages of guided revokes the user was shown (the
/// only URLs the window may ask us to open), and whether "validate all" is running.
#[derive(Default)]
pub struct PlatformState {
    pub guided: Mutex<HashMap<Uuid, String>>,
    pub validating_all: AtomicBool,
}

/// Alerts that could not be shown as desktop notifications, until the window takes them.
#[derive(Default)]
pub struct Inbox(Mutex<Vec<InAppAlert>>);

impl Inbox {
    pub fn push(&self, alert: InAppAlert) {
        lock(&self.0).push(alert);
    }

    pub fn take(&self) -> Vec<InAppAlert> {
        std::mem::take(&mut *lock(&self.0))
    }
}

/// The running leak scan, if any, and the last report.
#[derive(Default)]
pub struct LeakState {
    pub running: Mutex<Option<CancelFlag>>,
    pub last: Mutex<Option<LeakReport>>,
}

impl LeakState {
    /// The last report: the one in memory, else the one kept on disk (then kept in memory).
    pub fn last_report(&self, data_dir: &std::path::Path) -> Option<LeakReport> {
        let mut last = lock(&self.last);
        if last.is_none() {
            *last = latchkey_core::leak::store::load(data_dir);
        }
        last.clone()
    }
}

/// The main window's label (tauri.conf.json).
pub const MAIN: &str = "main";

/// What the window was opened for: a token to show, and what to start on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct OpenRequest {
    pub token: Uuid,
    pub action: OpenAction,
}

/// What to start on the token the window opens on; the window always asks before acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OpenAction {
    /// Only show it (a notification about it was clicked).
    Show,
    /// Its revoke confirmation (the tray's "Revoke …").
    Revoke,
    /// Its rotation: the confirmation, or the form for the new secret (the tray's "Rotate …",
    /// a "rotate before expiry" notification).
    Rotate,
}

/// The open request the page has not taken yet (the window may still be loading).
#[derive(Default)]
pub struct WindowState {
    pub pending: Mutex<Option<OpenRequest>>,
}

/// Log a failed command (kind and message, never a secret) on its way to the window.
pub fn log_failure(e: &Error) {
    tracing::warn!(kind = ?e.kind(), error = %e, "command failed");
}
