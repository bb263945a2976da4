//! Copying secrets to the clipboard, and clearing them again.
//!
//! The secret is offered with the password-manager hint (`x-kde-passwordManagerHint`) so
//! clipboard histories skip it. After `clear_after`, the clipboard is cleared only if it
//! still holds that secret: we keep a SHA-256 of it, not the secret, while we wait. A newer
//! copy cancels the older timer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

#[derive(Default)]
struct State {
    clipboard: Option<arboard::Clipboard>,
    /// Counts copies, so a timer can tell whether a newer copy replaced its secret.
    generation: u64,
    /// Hash of the secret we last put there, until it is cleared.
    ours: Option<[u8; 32]>,
}

#[derive(Clone, Default)]
pub struct SecureClipboard {
    state: Arc<Mutex<State>>,
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl State {
    fn clipboard(&mut self) -> Result<&mut arboard::Clipboard> {
        if self.clipboard.is_none() {
            let cb = arboard::Clipboard::new().map_err(|e| {
                Error::Clipboard(format!("no clipboard is available ({e}); is a desktop session running?"))
            })?;
            self.clipboard = Some(cb);
        }
        Ok(self.clipboard.as_mut().expect("just set"))
    }

    /// Clear the clipboard if it still holds the secret we put there.
    fn clear_if_ours(&mut self) -> bool {
        let Some(ours) = self.ours.take() else { return false };
        let Ok(cb) = self.clipboard() else { return false };
        let still_ours = match cb.get_text() {
            Ok(text) => digest(&text) == ours,
            Err(_) => false,
        };
        if still_ours {
            if let Err(e) = cb.clear() {
                tracing::warn!(error = %e, "could not clear the clipboard");
                return false;
            }
            tracing::info!("clipboard cleared");
        }
        still_ours
    }
}

impl State {
    /// Offer `secret` (hidden from clipboard histories) and remember its hash. On Linux,
    /// `wait_until` keeps this call serving the clipboard until then or until it is taken.
    fn set_secret(&mut self, secret: &SecretString, wait_until: Option<std::time::Instant>) -> Result<()> {
        let cb = self.clipboard()?;
        let mut set = cb.set();
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use arboard::SetExtLinux;
            set = set.exclude_from_history();
            if let Some(deadline) = wait_until {
                set = set.wait_until(deadline);
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = wait_until;
        set.text(secret.expose_secret().to_string())
            .map_err(|e| Error::Clipboard(format!("the secret could not be placed on the clipboard ({e})")))?;
        self.generation += 1;
        self.ours = Some(digest(secret.expose_secret()));
        Ok(())
    }
}

impl SecureClipboard {
    pub fn new() -> Self {
        Self::default()
    }

    /// Put `secret` on the clipboard and clear it after `clear_after` if it is still there.
    pub fn copy(&self, secret: &SecretString, clear_after: Duration) -> Result<()> {
        let generation = {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            st.set_secret(secret, None)?;
            st.generation
        };
        let state = Arc::downgrade(&self.state);
        std::thread::Builder::new()
            .name("clipboard-clear".into())
            .spawn(move || {
                std::thread::sleep(clear_after);
                if let Some(state) = state.upgrade() {
                    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
                    if st.generation == generation {
                        st.clear_if_ours();
                    }
                }
            })
            .map_err(|e| Error::Clipboard(format!("could not schedule clearing ({e})")))?;
        Ok(())
    }

    /// Put `secret` on the clipboard and keep serving it from this thread until `clear_after`
    /// has passed or another program takes the clipboard, then clear it if it still holds
    /// the secret. For a short-lived process (the command line's detached clipboard helper):
    /// on X11 the clipboard lives only as long as its owner, so the owner must stay.
    ///
    /// `ready` is called once the secret is on the clipboard. Returns whether it was cleared
    /// (false: someone else's copy replaced it first).
    pub fn hold(&self, secret: &SecretString, clear_after: Duration, ready: impl FnOnce()) -> Result<bool> {
        let deadline = std::time::Instant::now() + clear_after;
        {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            st.set_secret(secret, None)?;
        }
        ready();
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            // Set it again (same owner, so nobody is told the clipboard changed), this time
            // waiting until the deadline or until another program takes the clipboard.
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            st.set_secret(secret, Some(deadline))?;
            if std::time::Instant::now() + Duration::from_millis(50) < deadline {
                // Woken early: another program owns the clipboard now. Even if it holds the
                // same secret (a second copy), it is not ours to clear.
                st.ours = None;
                return Ok(false);
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        std::thread::sleep(deadline.saturating_duration_since(std::time::Instant::now()));
        Ok(self.clear_if_ours())
    }

    /// Clear now if the clipboard still holds our secret (on quit). True if it did.
    pub fn clear_if_ours(&self) -> bool {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clear_if_ours()
    }

    /// Whether the clipboard currently holds `secret` (checked by hash; for revoke).
    pub fn holds(&self, secret: &SecretString) -> bool {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.ours == Some(digest(secret.expose_secret()))
    }

    /// Clear the clipboard now if what we last put there is `secret` and it is still there
    /// (a revoked or deleted token must not linger on the clipboard). True if it did.
    pub fn clear_if_holds(&self, secret: &SecretString) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.ours != Some(digest(secret.expose_secret())) {
            return false;
        }
        st.clear_if_ours()
    }
}
