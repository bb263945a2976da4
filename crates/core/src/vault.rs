//! The vault: the index file plus the keychain, kept consistent. The only writer of both.
//!
//! Every change is a short cycle under the cross-process lock: re-read the index (another
//! Latchkey process may have written it), apply, write atomically. A change that touches
//! both stores is journalled in the record (`Pending`): add marks the record `Adding`
//! before the secret goes to the keychain, delete marks it `Deleting` before the keychain
//! entry is removed, replace marks it `Replacing`. A crash in between leaves that mark on
//! disk and the next open finishes or undoes the change, so no record is ever shown
//! without its secret and no secret is left behind without a record.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::accesslog::{AccessLog, Event, Origin};
use crate::error::{Error, ErrorPayload, Result};
use crate::index::{IndexFile, Notice, Settings, Stamp, Store};
use crate::platforms::{self, normalise_server_url, CheckSettings};
use crate::record::{ExpirySource, Identity, Pending, Platform, TokenKind, TokenRecord};
use crate::secret::{usable_secret, PreparedSecret, SecretInput};
use crate::secret_store::SecretStore;
use crate::status::{status, Status};

mod alerts;
mod checks;
mod edit;
mod journal;
mod leak;
pub mod rotate;
mod team;
#[cfg(test)]
mod tests;
mod usage;

pub(crate) use checks::apply_validation;
pub(crate) use edit::{new_record, prepare_replacement, refuse_secret_in_record, take_replacement, CleanUpdate};
pub(crate) use journal::prepared_from_payload;
pub use team::team_token_account;

/// A new token as the form or the command line gives it.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct NewToken {
    pub platform: Platform,
    pub label: String,
    #[serde(default)]
    #[ts(optional)]
    pub server_url: Option<String>,
    pub secret: SecretInput,
    #[serde(default)]
    #[ts(optional)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[ts(optional)]
    pub owner: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub workspace: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// Other platform only: how to check the token.
    #[serde(default)]
    #[ts(optional)]
    pub check: Option<CheckSettings>,
    /// The user confirmed adding a secret that was revoked before (else it is refused).
    #[serde(default)]
    #[ts(optional)]
    pub allow_revoked: Option<bool>,
    /// Rotate this many days before expiry (1 to 365, as the Edit form's); `None` is off.
    #[serde(default)]
    #[ts(optional)]
    pub rotate_before_days: Option<u32>,
}

impl NewToken {
    /// A token with only its platform, label and secret; everything else empty (set the
    /// public fields afterwards for more).
    pub fn new(platform: Platform, label: impl Into<String>, secret: SecretInput) -> NewToken {
        NewToken {
            platform,
            label: label.into(),
            server_url: None,
            secret,
            expires_at: None,
            owner: None,
            workspace: None,
            tags: vec![],
            notes: String::new(),
            check: None,
            allow_revoked: None,
            rotate_before_days: None,
        }
    }

    /// A single-string token (every platform but env0 key pairs and Encord SSH keys).
    pub fn token(platform: Platform, label: impl Into<String>, token: impl Into<String>) -> NewToken {
        NewToken::new(platform, label, SecretInput::Token { token: SecretString::from(token.into()) })
    }

    /// Every check [`Vault::add`] makes before it touches the index or the keychain: the
    /// fields cleaned, the secret parsed (and refused if it appears in a text field). Gives the
    /// record and the keychain payload it would store; stores nothing.
    pub fn check(self, now: DateTime<Utc>) -> Result<(TokenRecord, PreparedSecret)> {
        edit::new_record(self, now)
    }
}

/// The editable, non-secret fields of a token (replaces all of them).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct MetaUpdate {
    pub label: String,
    #[serde(default)]
    #[ts(optional)]
    pub server_url: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[ts(optional)]
    pub owner: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub workspace: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// Other platform only: how to check the token.
    #[serde(default)]
    #[ts(optional)]
    pub check: Option<CheckSettings>,
    /// CVAT only: the server's inactivity period in days when it is not CVAT's default;
    /// `None` is the default. Sent back unchanged by an edit that does not touch it.
    #[serde(default)]
    #[ts(optional)]
    pub stale_period_days: Option<u32>,
    /// Rotate this many days before expiry (automatically where the platform's API allows,
    /// else an alert with Rotate); `None` is off.
    #[serde(default)]
    #[ts(optional)]
    pub rotate_before_days: Option<u32>,
}

/// Why a secret is taken out of the keychain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Put on the clipboard or into a child process: counts as use for the stale warning.
    Copy,
    /// Shown on screen at the user's request.
    Reveal,
    /// Read by Latchkey itself (to compare with the clipboard before a revoke); not a use.
    Inspect,
}

/// Whether the keychain answered the last time we asked.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum KeychainStatus {
    /// Not asked yet (the app asks in the background right after start).
    Checking,
    Available {
        description: String,
    },
    Unavailable {
        error: ErrorPayload,
    },
}

/// One row of the list.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TokenView {
    pub record: TokenRecord,
    pub status: Status,
}

/// Everything the UI shows at once.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct VaultView {
    pub tokens: Vec<TokenView>,
    pub notices: Vec<Notice>,
    pub keychain: KeychainStatus,
    pub settings: Settings,
    pub data_dir: String,
    /// Changes are refused (the data folder cannot be used); the reason.
    #[ts(optional)]
    pub read_only: Option<String>,
    pub now: DateTime<Utc>,
}

pub struct Vault {
    store: Store,
    secrets: Arc<dyn SecretStore>,
    index: IndexFile,
    stamp: Stamp,
    notices: Vec<Notice>,
    keychain: KeychainStatus,
    read_only: Option<String>,
    lock_wait: Duration,
    /// Where uses are written (`access.log` beside the index), and as whom (app or command line).
    access: AccessLog,
}

impl Vault {
    /// Open the vault in `dir` and check the keychain. Never fails: problems become notices
    /// and the keychain status, so the app still opens.
    pub fn open(dir: impl Into<std::path::PathBuf>, secrets: Arc<dyn SecretStore>, now: DateTime<Utc>) -> Vault {
        let mut vault = Vault::open_index(dir, secrets);
        vault.check_keychain(now);
        vault
    }

    /// Open only the index; the keychain is asked later with [`Vault::apply_probe`]
    /// (the probe may wait for a locked keychain, and the window must not).
    pub fn open_index(dir: impl Into<std::path::PathBuf>, secrets: Arc<dyn SecretStore>) -> Vault {
        let store = Store::new(dir);
        let access = AccessLog::new(store.dir(), Origin::App);
        let mut vault = Vault {
            store,
            secrets,
            index: IndexFile::default(),
            stamp: Stamp::default(),
            notices: vec![],
            keychain: KeychainStatus::Checking,
            read_only: None,
            lock_wait: Duration::from_secs(10),
            access,
        };
        if let Err(e) = vault.load_initial() {
            tracing::error!(error = %e, "vault could not be opened");
            vault.read_only = Some(e.to_string());
            vault.notices.push(Notice::error(e.to_string()));
            // Still show what the folder holds (a read-only mount, say): copying works without writing.
            if let Some(index) = vault.store.peek() {
                vault.index = index;
                vault.stamp = vault.store.stamp();
            }
        }
        vault
    }

    /// The keychain behind this vault, to probe it without holding the vault.
    pub fn secret_store(&self) -> Arc<dyn SecretStore> {
        self.secrets.clone()
    }

    fn load_initial(&mut self) -> Result<()> {
        let _lock = self.store.lock(self.lock_wait)?;
        let removed = self.store.remove_stale_temp_files();
        if removed > 0 {
            tracing::info!(removed, "removed temp files of an interrupted write");
        }
        let mut notices = vec![];
        let index = self.store.load(&mut notices)?;
        if !notices.is_empty() {
            // Whatever was moved aside, write what we recovered at once, so that no other
            // process mistakes the missing file for an empty vault.
            self.store.save(&index)?;
            for n in &notices {
                tracing::warn!(notice = %n.message, "vault index recovered");
            }
        }
        self.notices.extend(notices);
        self.index = index;
        self.stamp = self.store.stamp();
        Ok(())
    }

    /// Ask the keychain whether it answers; when it does, finish interrupted changes.
    pub fn check_keychain(&mut self, now: DateTime<Utc>) -> bool {
        let probe = self.secrets.probe();
        self.apply_probe(probe, now)
    }

    /// [`check_keychain`](Vault::check_keychain) only when a change was interrupted and needs
    /// the keychain to finish. For a command about to read secrets anyway: that read says
    /// whether the keychain answers, and the probe's own Secret Service session (~10 ms) is saved.
    pub fn check_keychain_if_needed(&mut self, now: DateTime<Utc>) {
        if self.read_only.is_none() && self.has_stale_marks(now) {
            self.check_keychain(now);
        }
    }

    /// Record the answer of a keychain probe; when it answered, finish interrupted changes.
    pub fn apply_probe(&mut self, probe: Result<()>, now: DateTime<Utc>) -> bool {
        match probe {
            Ok(()) => {
                self.keychain = KeychainStatus::Available { description: self.secrets.describe() };
                if self.read_only.is_none() {
                    if let Err(e) = self.repair(now) {
                        tracing::warn!(error = %e, "could not finish interrupted changes");
                        self.note_keychain_error(&e);
                    }
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "keychain unavailable");
                self.note_keychain_error(&e);
                false
            }
        }
    }

    fn note_keychain_error(&mut self, e: &Error) {
        if e.is_keychain_down() {
            self.keychain = KeychainStatus::Unavailable { error: e.payload() };
        }
    }

    fn keychain_result<T>(&mut self, r: Result<T>) -> Result<T> {
        match &r {
            Ok(_) => {
                if matches!(self.keychain, KeychainStatus::Unavailable { .. }) {
                    self.keychain = KeychainStatus::Available { description: self.secrets.describe() };
                }
            }
            Err(e) => self.note_keychain_error(e),
        }
        r
    }

    /// Re-read the index if another process changed it.
    pub fn refresh(&mut self) -> Result<()> {
        if self.read_only.is_some() || self.store.stamp() == self.stamp {
            return Ok(());
        }
        let _lock = self.store.lock(self.lock_wait)?;
        let mut notices = vec![];
        let index = self.store.load(&mut notices)?;
        if !notices.is_empty() {
            self.store.save(&index)?;
        }
        self.notices.extend(notices);
        self.index = index;
        self.stamp = self.store.stamp();
        Ok(())
    }

    /// Apply `f` to the newest index under the lock and write it.
    fn mutate<T>(&mut self, f: impl FnOnce(&mut IndexFile) -> Result<T>) -> Result<T> {
        if let Some(why) = &self.read_only {
            return Err(Error::ReadOnly(why.clone()));
        }
        let _lock = self.store.lock(self.lock_wait)?;
        let mut notices = vec![];
        let mut index = self.store.load(&mut notices)?;
        self.notices.extend(notices);
        let out = f(&mut index)?;
        self.store.save(&index)?;
        self.index = index;
        self.stamp = self.store.stamp();
        Ok(out)
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self.store.dir()
    }

    /// The access log beside the index (a clone: cheap, safe to use without the vault).
    pub fn access_log(&self) -> AccessLog {
        self.access.clone()
    }

    /// Who writes to the access log through this vault (the app unless told otherwise).
    pub fn set_origin(&mut self, origin: Origin) {
        self.access.set_origin(origin);
    }

    /// Write uses to the access log; a failure is logged, not returned (the use happened).
    pub fn log_uses(&self, events: Vec<Event>) {
        self.access.record(events);
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    pub fn dismiss_notices(&mut self) {
        self.notices.clear();
    }

    pub fn settings(&self) -> &Settings {
        &self.index.settings
    }

    pub fn keychain_status(&self) -> &KeychainStatus {
        &self.keychain
    }

    /// The records the user sees (those in the middle of an add or delete are hidden).
    pub fn records(&mut self) -> Result<Vec<TokenRecord>> {
        self.refresh()?;
        Ok(self
            .index
            .records
            .iter()
            .filter(|r| !matches!(r.pending, Pending::Adding | Pending::Deleting))
            .cloned()
            .collect())
    }

    pub fn get(&mut self, id: Uuid) -> Result<TokenRecord> {
        self.records()?.into_iter().find(|r| r.id == id).ok_or(Error::NotFound(id))
    }

    /// The list with each token's status at `now`.
    pub fn view(&mut self, now: DateTime<Utc>) -> VaultView {
        if let Err(e) = self.refresh() {
            self.notices.push(Notice::error(e.to_string()));
        }
        let keychain_up = matches!(self.keychain, KeychainStatus::Available { .. });
        if keychain_up && self.read_only.is_none() && self.has_stale_marks(now) {
            if let Err(e) = self.repair(now) {
                tracing::warn!(error = %e, "could not finish interrupted changes");
                self.note_keychain_error(&e);
            }
        }
        let policy = self.index.settings.policy;
        let tokens = self
            .index
            .records
            .iter()
            .filter(|r| !matches!(r.pending, Pending::Adding | Pending::Deleting))
            .map(|r| TokenView { status: status(r, now, &policy), record: r.clone() })
            .collect();
        VaultView {
            tokens,
            notices: self.notices.clone(),
            keychain: self.keychain.clone(),
            settings: self.index.settings.clone(),
            data_dir: self.store.dir().display().to_string(),
            read_only: self.read_only.clone(),
            now,
        }
    }

    fn check_writable(&self) -> Result<()> {
        match &self.read_only {
            Some(why) => Err(Error::ReadOnly(why.clone())),
            None => Ok(()),
        }
    }
}

pub(crate) fn find_mut(idx: &mut IndexFile, id: Uuid) -> Option<&mut TokenRecord> {
    idx.records.iter_mut().find(|r| r.id == id)
}
