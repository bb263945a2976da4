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

use crate::error::{Error, ErrorPayload, Result};
use crate::index::{IndexFile, Notice, Settings, Stamp, Store};
use crate::platforms::{self, normalise_server_url, CheckSettings};
use crate::record::{ExpirySource, Identity, Pending, Platform, TokenKind, TokenRecord};
use crate::secret::{usable_secret, PreparedSecret, SecretInput};
use crate::secret_store::SecretStore;
use crate::status::{status, Status};

mod checks;

const LABEL_MAX: usize = 80;
const TAG_MAX: usize = 32;
const NOTES_MAX: usize = 4000;

/// A journal mark older than this belongs to a change that will not finish by itself (its
/// process died, or its keychain call was abandoned). Longer than any live change can take:
/// lock wait (10 s) + keychain call (20 s) + lock wait (10 s).
fn pending_grace() -> chrono::Duration {
    chrono::Duration::seconds(60)
}

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
        let mut vault = Vault {
            store,
            secrets,
            index: IndexFile::default(),
            stamp: Stamp::default(),
            notices: vec![],
            keychain: KeychainStatus::Checking,
            read_only: None,
            lock_wait: Duration::from_secs(10),
        };
        if let Err(e) = vault.load_initial() {
            tracing::error!(error = %e, "vault could not be opened");
            vault.read_only = Some(e.to_string());
            vault.notices.push(Notice::error(e.to_string()));
        }
        vault
    }

    /// The keychain behind this vault, to probe it without holding the vault.
    pub fn secret_store(&self) -> Arc<dyn SecretStore> {
        self.secrets.clone()
    }

    fn load_initial(&mut self) -> Result<()> {
        let _lock = self.store.lock(self.lock_wait)?;
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

    fn has_stale_marks(&self, now: DateTime<Utc>) -> bool {
        self.index.records.iter().any(|r| is_stale_mark(r, now))
    }

    /// Finish or undo changes a crash interrupted (see the module docs). Marks younger than
    /// the grace period may belong to a change still running in another process: left alone.
    fn repair(&mut self, now: DateTime<Utc>) -> Result<()> {
        self.refresh()?;
        let pending: Vec<TokenRecord> = self.index.records.iter().filter(|r| is_stale_mark(r, now)).cloned().collect();
        for record in pending {
            let label = record.label.clone();
            match &record.pending {
                Pending::None => {}
                Pending::Adding => {
                    let present = self.secrets.get(&record.id.to_string())?.is_some();
                    self.mutate(|idx| {
                        if present {
                            if let Some(r) = find_marked(idx, &record) {
                                clear_mark(r);
                            }
                        } else {
                            idx.records.retain(|r| !same_mark(r, &record));
                        }
                        Ok(())
                    })?;
                    if present {
                        self.notices.push(Notice::info(format!("Finished adding “{label}”, which was interrupted.")));
                    } else {
                        self.notices.push(Notice::warning(format!(
                            "Adding “{label}” was interrupted before its secret reached the keychain; the entry was removed. Add it again."
                        )));
                    }
                }
                Pending::Replacing { hint, public } => {
                    let payload = self.secrets.get(&record.id.to_string())?;
                    let applied = match payload {
                        Some(p) => prepared_from_payload(&record, p)
                            .map(|prep| &prep.hint == hint && &prep.public == public)
                            .unwrap_or(false),
                        None => false,
                    };
                    let (hint, public) = (hint.clone(), public.clone());
                    self.mutate(|idx| {
                        if let Some(r) = find_marked(idx, &record) {
                            if applied {
                                r.hint = hint;
                                r.public = public;
                                r.rotated_at.push(now);
                            }
                            clear_mark(r);
                        }
                        Ok(())
                    })?;
                    self.notices.push(Notice::info(format!(
                        "Replacing the secret of “{label}” was interrupted; {}.",
                        if applied { "the new secret is in place" } else { "the previous secret is still in place" }
                    )));
                }
                Pending::Deleting => {
                    self.secrets.delete(&record.id.to_string())?;
                    self.mutate(|idx| {
                        idx.records.retain(|r| !same_mark(r, &record));
                        Ok(())
                    })?;
                    self.notices.push(Notice::info(format!("Finished deleting “{label}”, which was interrupted.")));
                }
            }
        }
        Ok(())
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

    pub fn add(&mut self, new: NewToken, now: DateTime<Utc>) -> Result<TokenRecord> {
        let platform = new.platform;
        let label = clean_label(&new.label)?;
        let server_url = clean_server(platform, new.server_url.as_deref())?;
        let tags = clean_tags(&new.tags)?;
        let notes = clean_notes(&new.notes)?;
        let check = clean_check(platform, new.check, server_url.as_deref())?;
        let identity =
            Identity { owner: clean_opt(new.owner), workspace: clean_opt(new.workspace), ..Default::default() };
        let prepared = new.secret.prepare(platform)?;
        refuse_secret_in_text(
            &prepared,
            [&label, &notes, identity.owner.as_deref().unwrap_or(""), identity.workspace.as_deref().unwrap_or("")]
                .into_iter()
                .chain(tags.iter().map(String::as_str)),
        )?;
        self.check_writable()?;

        let record = TokenRecord {
            id: Uuid::new_v4(),
            platform,
            kind: prepared.kind,
            label,
            server_url,
            public: prepared.public.clone(),
            hint: prepared.hint.clone(),
            created_at: now,
            expires_at: new.expires_at,
            expiry_source: Default::default(),
            user_expires_at: None,
            last_used_at: None,
            last_validation: None,
            last_verdict: None,
            identity,
            tags,
            notes,
            rotated_at: vec![],
            revoked: None,
            check,
            pending: Pending::Adding,
            pending_since: Some(now),
            extra: Default::default(),
        };
        let id = record.id;
        let staged = record.clone();
        self.mutate(move |idx| {
            ensure_unique_label(idx, platform, &staged.label, None)?;
            idx.records.push(staged);
            Ok(())
        })?;
        let put = self.secrets.put_labeled(&id.to_string(), &keychain_label(&record), &prepared.payload);
        if let Err(e) = self.keychain_result(put) {
            // Take the staged record back out (if even that fails, repair does it) — unless
            // the call was abandoned: it may still land, so repair decides later.
            if !matches!(e, Error::KeychainTimeout { .. }) {
                let _ = self.mutate(|idx| {
                    idx.records.retain(|r| r.id != id);
                    Ok(())
                });
            }
            return Err(e);
        }
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            clear_mark(r);
            Ok(r.clone())
        })
    }

    pub fn update(&mut self, id: Uuid, update: MetaUpdate) -> Result<TokenRecord> {
        let current = self.get(id)?;
        let label = clean_label(&update.label)?;
        let server_url = clean_server(current.platform, update.server_url.as_deref())?;
        let tags = clean_tags(&update.tags)?;
        let notes = clean_notes(&update.notes)?;
        let (owner, workspace) = (clean_opt(update.owner), clean_opt(update.workspace));
        let check = clean_check(current.platform, update.check, server_url.as_deref())?;
        self.mutate(move |idx| {
            ensure_unique_label(idx, current.platform, &label, Some(id))?;
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            r.label = label;
            r.server_url = server_url;
            // An expiry the user changes is theirs again; one sent back unchanged stays the
            // platform's.
            if update.expires_at != r.expires_at {
                r.expiry_source = ExpirySource::User;
                r.user_expires_at = None;
            }
            r.expires_at = update.expires_at;
            r.check = check;
            r.identity.owner = owner;
            r.identity.workspace = workspace;
            r.tags = tags;
            r.notes = notes;
            Ok(r.clone())
        })
    }

    /// Rotate: store a new secret for the same record. Keeps when, never the old secret.
    pub fn replace_secret(&mut self, id: Uuid, input: SecretInput, now: DateTime<Utc>) -> Result<TokenRecord> {
        let current = self.get(id)?;
        if input.kind() != current.kind {
            return Err(Error::invalid(
                "The new secret must be of the same kind as the old one (for example, a key id and secret for env0).",
            ));
        }
        let prepared = input.prepare(current.platform)?;
        refuse_secret_in_text(
            &prepared,
            [current.label.as_str(), current.notes.as_str()].into_iter().chain(current.tags.iter().map(String::as_str)),
        )?;
        self.check_writable()?;
        let (hint, public) = (prepared.hint.clone(), prepared.public.clone());
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            set_mark(r, Pending::Replacing { hint, public }, now);
            Ok(())
        })?;
        let put = self.secrets.put_labeled(&id.to_string(), &keychain_label(&current), &prepared.payload);
        if let Err(e) = self.keychain_result(put) {
            if !matches!(e, Error::KeychainTimeout { .. }) {
                let _ = self.mutate(|idx| {
                    if let Some(r) = find_mut(idx, id) {
                        clear_mark(r);
                    }
                    Ok(())
                });
            }
            return Err(e);
        }
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            r.hint = prepared.hint.clone();
            r.public = prepared.public.clone();
            r.rotated_at.push(now);
            // A new secret has not been checked or used yet.
            r.last_validation = None;
            r.last_verdict = None;
            r.last_used_at = None;
            clear_mark(r);
            Ok(r.clone())
        })
    }

    /// Delete the record and its keychain entry.
    pub fn delete(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.get(id)?;
        self.check_writable()?;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            set_mark(r, Pending::Deleting, now);
            Ok(())
        })?;
        let deleted = self.secrets.delete(&id.to_string());
        if let Err(e) = self.keychain_result(deleted) {
            // Undo the mark so the token stays usable; nothing was removed. An abandoned
            // call keeps the mark: the user asked for deletion, repair completes it.
            if !matches!(e, Error::KeychainTimeout { .. }) {
                let _ = self.mutate(|idx| {
                    if let Some(r) = find_mut(idx, id) {
                        clear_mark(r);
                    }
                    Ok(())
                });
            }
            return Err(e);
        }
        self.mutate(|idx| {
            idx.records.retain(|r| r.id != id);
            Ok(())
        })
    }

    /// Take a token's usable secret out of the keychain. A copy counts as a use.
    pub fn secret(&mut self, id: Uuid, purpose: Use, now: DateTime<Utc>) -> Result<SecretString> {
        let record = self.get(id)?;
        let got = self.secrets.get(&id.to_string());
        let payload = self.keychain_result(got)?.ok_or_else(|| Error::SecretMissing { label: record.label.clone() })?;
        let secret = usable_secret(record.kind, payload)
            .map_err(|e| Error::SecretUnreadable { label: record.label.clone(), detail: e.to_string() })?;
        if purpose == Use::Copy {
            let marked = self.mutate(|idx| {
                if let Some(r) = find_mut(idx, id) {
                    r.last_used_at = Some(now);
                }
                Ok(())
            });
            if let Err(e) = marked {
                tracing::warn!(error = %e, "could not record the last use");
            }
        }
        Ok(secret)
    }

    pub fn update_settings(&mut self, settings: Settings) -> Result<Settings> {
        if settings.clipboard_clear_secs == 0 || settings.clipboard_clear_secs > 3600 {
            return Err(Error::invalid("Clear the clipboard after 1 to 3600 seconds."));
        }
        let p = &settings.policy;
        if !(1..=365).contains(&p.expiring_soon_days) {
            return Err(Error::invalid("“Expiring soon” must be 1 to 365 days."));
        }
        if !(1..=3650).contains(&p.stale_days) || !(1..=3650).contains(&p.rotate_after_days) {
            return Err(Error::invalid("The stale and rotation periods must be 1 to 3650 days."));
        }
        self.mutate(|idx| {
            idx.settings = settings;
            Ok(idx.settings.clone())
        })
    }

    fn check_writable(&self) -> Result<()> {
        match &self.read_only {
            Some(why) => Err(Error::ReadOnly(why.clone())),
            None => Ok(()),
        }
    }
}

/// How the keychain entry is named in keychain managers (no secret in it).
fn keychain_label(record: &TokenRecord) -> String {
    format!("Latchkey: {} “{}”", record.platform.name(), record.label)
}

fn find_mut(idx: &mut IndexFile, id: Uuid) -> Option<&mut TokenRecord> {
    idx.records.iter_mut().find(|r| r.id == id)
}

fn set_mark(r: &mut TokenRecord, step: Pending, now: DateTime<Utc>) {
    r.pending = step;
    r.pending_since = Some(now);
}

fn clear_mark(r: &mut TokenRecord) {
    r.pending = Pending::None;
    r.pending_since = None;
}

fn is_stale_mark(r: &TokenRecord, now: DateTime<Utc>) -> bool {
    !r.pending.is_none() && r.pending_since.is_none_or(|t| now - t >= pending_grace())
}

/// The record still carries the very mark we decided on (no other process moved it on).
fn same_mark(r: &TokenRecord, seen: &TokenRecord) -> bool {
    r.id == seen.id && r.pending == seen.pending && r.pending_since == seen.pending_since
}

fn find_marked<'a>(idx: &'a mut IndexFile, seen: &TokenRecord) -> Option<&'a mut TokenRecord> {
    idx.records.iter_mut().find(|r| same_mark(r, seen))
}

fn ensure_unique_label(idx: &IndexFile, platform: Platform, label: &str, except: Option<Uuid>) -> Result<()> {
    let clash = idx.records.iter().any(|r| Some(r.id) != except && r.same_label(platform, label));
    if clash {
        return Err(Error::DuplicateLabel { platform: platform.name().into(), label: label.trim().into() });
    }
    Ok(())
}

/// Rebuild the public facts of a stored payload (to check an interrupted replacement).
fn prepared_from_payload(record: &TokenRecord, payload: SecretString) -> Result<PreparedSecret> {
    let input = match record.kind {
        TokenKind::Token => SecretInput::Token { token: payload },
        TokenKind::SshKey => SecretInput::SshKey { private_key: payload },
        TokenKind::ResourceKey => SecretInput::ResourceKey {
            resource_id: record.public.resource_id.clone().unwrap_or_default(),
            api_key: payload,
        },
        TokenKind::KeyPair => {
            #[derive(Deserialize)]
            struct Pair {
                key_id: String,
                secret: String,
            }
            let pair: Pair = serde_json::from_str(payload.expose_secret())
                .map_err(|_| Error::invalid("stored key pair unreadable"))?;
            SecretInput::KeyPair { key_id: pair.key_id, secret: SecretString::from(pair.secret) }
        }
    };
    input.prepare(record.platform)
}

fn clean_label(label: &str) -> Result<String> {
    let label = label.trim();
    if label.is_empty() {
        return Err(Error::invalid("Give the token a label, such as “CI runner” or “my laptop”."));
    }
    if label.chars().count() > LABEL_MAX {
        return Err(Error::invalid(format!("Keep the label under {LABEL_MAX} characters.")));
    }
    if label.chars().any(char::is_control) {
        return Err(Error::invalid("The label must not contain line breaks or control characters."));
    }
    Ok(label.to_string())
}

fn clean_server(platform: Platform, server: Option<&str>) -> Result<Option<String>> {
    match server.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => normalise_server_url(s).map(Some),
        None => Ok(platforms::info(platform).default_server),
    }
}

fn clean_check(
    platform: Platform,
    check: Option<CheckSettings>,
    server: Option<&str>,
) -> Result<Option<CheckSettings>> {
    match check {
        Some(c) if platform == Platform::Other => c.clean(server).map(Some),
        Some(_) => Err(Error::invalid(format!(
            "{} tokens are checked the platform's own way; no check URL is needed.",
            platform.name()
        ))),
        None => Ok(None),
    }
}

fn clean_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = vec![];
    for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if t.chars().count() > TAG_MAX || t.chars().any(|c| c.is_control() || c == ',') {
            return Err(Error::invalid(format!("Tags are short words (up to {TAG_MAX} characters, no commas).")));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

fn clean_notes(notes: &str) -> Result<String> {
    let notes = notes.trim();
    if notes.chars().count() > NOTES_MAX {
        return Err(Error::invalid(format!("Keep notes under {NOTES_MAX} characters.")));
    }
    Ok(notes.to_string())
}

fn clean_opt(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Labels, tags and notes live in the plain index file: refuse them if they hold the secret.
fn refuse_secret_in_text<'a>(prepared: &PreparedSecret, texts: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let payload = prepared.payload.expose_secret();
    let needles: Vec<&str> = match prepared.kind {
        // The key pair payload is JSON; look for the secret part's tail instead.
        TokenKind::KeyPair => vec![],
        TokenKind::SshKey => payload.lines().filter(|l| l.len() >= 40 && !l.starts_with("-----")).collect(),
        _ => vec![payload],
    };
    for text in texts {
        if needles.iter().any(|n| n.len() >= 8 && text.contains(n)) {
            return Err(Error::invalid(
                "The label, tags or notes contain the secret itself. Those are stored unencrypted; remove it from them.",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret_store::memory::MemoryStore;
    use crate::status::Health;

    fn now() -> DateTime<Utc> {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    fn open() -> (tempfile::TempDir, Arc<MemoryStore>, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let mem = Arc::new(MemoryStore::default());
        let vault = Vault::open(dir.path().join("data"), mem.clone(), now());
        (dir, mem, vault)
    }

    fn new_token(platform: Platform, label: &str, token: &str) -> NewToken {
        NewToken {
            platform,
            label: label.into(),
            server_url: None,
            secret: SecretInput::Token { token: SecretString::from(token.to_string()) },
            expires_at: None,
            owner: None,
            workspace: None,
            tags: vec![],
            notes: String::new(),
            check: None,
        }
    }

    #[test]
    fn add_stores_secret_in_keychain_and_only_metadata_in_index() {
        let (dir, mem, mut v) = open();
        let r = v.add(new_token(Platform::Cvat, "ci", "FAKEcvat.0000000000000000000000000000fake"), now()).unwrap();
        assert_eq!(r.server_url.as_deref(), Some("https://app.cvat.ai"));
        assert_eq!(r.hint, "fake");
        assert!(mem.has(&r.id.to_string()));
        let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
        assert!(!text.contains("FAKEcvat"), "secret leaked into the index");
        assert!(text.contains("\"label\": \"ci\""));
        assert!(!text.contains("pending"));
        assert_eq!(
            v.secret(r.id, Use::Reveal, now()).unwrap().expose_secret(),
            "FAKEcvat.0000000000000000000000000000fake"
        );
    }

    #[test]
    fn bad_input_is_refused_with_nothing_written() {
        let (dir, mem, mut v) = open();
        v.add(new_token(Platform::Roboflow, "Main", "FAKEroboflowkey0001"), now()).unwrap();
        let e = v.add(new_token(Platform::Roboflow, " main ", "FAKEroboflowkey0002"), now()).unwrap_err();
        assert!(matches!(e, Error::DuplicateLabel { .. }), "{e}");
        // Same label on another platform is fine.
        v.add(new_token(Platform::Cvat, "main", "FAKEcvat0002"), now()).unwrap();
        assert!(matches!(v.add(new_token(Platform::Cvat, "x", "  "), now()), Err(Error::InvalidInput(_))));
        assert!(matches!(v.add(new_token(Platform::Cvat, " ", "FAKEtok"), now()), Err(Error::InvalidInput(_))));
        let mut bad_url = new_token(Platform::Supervisely, "self-hosted", "FAKEsly");
        bad_url.server_url = Some("http://sly.example.org".into());
        assert!(v.add(bad_url, now()).unwrap_err().to_string().contains("https"));
        let mut in_notes = new_token(Platform::Supervisely, "notes", "FAKEsupervisely123456");
        in_notes.notes = "token is FAKEsupervisely123456".into();
        assert!(v.add(in_notes, now()).unwrap_err().to_string().contains("contain the secret"));
        assert_eq!(mem.entries.lock().unwrap().len(), 2);
        assert_eq!(v.records().unwrap().len(), 2);
        let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
        assert!(!text.contains("self-hosted") && !text.contains("FAKEsupervisely"));
    }

    #[test]
    fn expiry_in_the_past_is_allowed_and_shown_expired() {
        let (_d, _m, mut v) = open();
        let mut t = new_token(Platform::Cvat, "old", "FAKEold0000");
        t.expires_at = Some("2026-11-01T00:00:00Z".parse().unwrap());
        v.add(t, now()).unwrap();
        let view = v.view(now());
        assert!(matches!(view.tokens[0].status.health, Health::Expired { .. }));
    }

    #[test]
    fn keychain_down_refuses_add_and_leaves_index_unchanged() {
        let (dir, mem, mut v) = open();
        mem.set_down(true);
        let e = v.add(new_token(Platform::Cvat, "ci", "FAKEcvat0001"), now()).unwrap_err();
        assert!(matches!(e, Error::KeychainUnavailable { .. }), "{e}");
        assert!(matches!(v.keychain_status(), KeychainStatus::Unavailable { .. }));
        assert!(v.records().unwrap().is_empty());
        let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
        assert!(!text.contains("FAKEcvat"));
        mem.set_down(false);
        assert!(v.check_keychain(now()));
        v.add(new_token(Platform::Cvat, "ci", "FAKEcvat0001"), now()).unwrap();
    }

    #[test]
    fn copy_records_last_use_and_reveal_does_not() {
        let (_d, _m, mut v) = open();
        let r = v.add(new_token(Platform::Roboflow, "k", "FAKEroboflow0001"), now()).unwrap();
        v.secret(r.id, Use::Reveal, now()).unwrap();
        assert_eq!(v.get(r.id).unwrap().last_used_at, None);
        let later = now() + chrono::Duration::hours(1);
        v.secret(r.id, Use::Copy, later).unwrap();
        assert_eq!(v.get(r.id).unwrap().last_used_at, Some(later));
    }

    #[test]
    fn replace_keeps_rotation_time_and_new_hint_only() {
        let (dir, _m, mut v) = open();
        let r = v.add(new_token(Platform::Supervisely, "s", "FAKEsupervisely-old-aaaa"), now()).unwrap();
        let later = now() + chrono::Duration::days(3);
        let r2 = v
            .replace_secret(
                r.id,
                SecretInput::Token { token: SecretString::from("FAKEsupervisely-new-bbbb".to_string()) },
                later,
            )
            .unwrap();
        assert_eq!(r2.hint, "bbbb");
        assert_eq!(r2.rotated_at, vec![later]);
        assert_eq!(v.secret(r.id, Use::Reveal, later).unwrap().expose_secret(), "FAKEsupervisely-new-bbbb");
        let all = std::fs::read_dir(dir.path().join("data"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
            .collect::<String>();
        assert!(!all.contains("FAKEsupervisely-old"), "old secret must not survive anywhere in the data dir");
    }

    #[test]
    fn delete_removes_the_keychain_entry() {
        let (_d, mem, mut v) = open();
        let r = v.add(new_token(Platform::Cvat, "d", "FAKEdelete0001"), now()).unwrap();
        v.delete(r.id, now()).unwrap();
        assert!(!mem.has(&r.id.to_string()));
        assert!(v.records().unwrap().is_empty());
        assert!(matches!(v.delete(r.id, now()), Err(Error::NotFound(_))));
    }

    #[test]
    fn interrupted_changes_are_finished_or_undone_on_open() {
        let (dir, mem, mut v) = open();
        let keep = v.add(new_token(Platform::Cvat, "keep", "FAKEkeep0001"), now()).unwrap();
        let gone = v.add(new_token(Platform::Cvat, "gone", "FAKEgone0001"), now()).unwrap();
        let half = v.add(new_token(Platform::Cvat, "half", "FAKEhalf0001"), now()).unwrap();
        let orphan = v.add(new_token(Platform::Cvat, "orphan", "FAKEorph0001"), now()).unwrap();
        let rot = v.add(new_token(Platform::Cvat, "rot", "FAKErot-old-0001"), now()).unwrap();
        // Simulate crashes two minutes ago: edit the journal marks and the keychain by hand.
        let crashed = now() - chrono::Duration::minutes(2);
        v.mutate(|idx| {
            for r in idx.records.iter_mut() {
                if r.id == gone.id {
                    set_mark(r, Pending::Deleting, crashed);
                }
                if r.id == half.id || r.id == orphan.id {
                    set_mark(r, Pending::Adding, crashed);
                }
                if r.id == rot.id {
                    set_mark(r, Pending::Replacing { hint: "0002".into(), public: Default::default() }, crashed);
                }
            }
            Ok(())
        })
        .unwrap();
        mem.delete(&orphan.id.to_string()).unwrap(); // the add crashed before the keychain write
        mem.put(&rot.id.to_string(), &SecretString::from("FAKErot-new-0002".to_string())).unwrap(); // the replace reached the keychain
        drop(v);
        let mut v = Vault::open(dir.path().join("data"), mem.clone(), now());
        let labels: Vec<String> = v.records().unwrap().into_iter().map(|r| r.label).collect();
        assert_eq!(labels, vec!["keep", "half", "rot"]);
        assert!(!mem.has(&gone.id.to_string()));
        assert!(mem.has(&keep.id.to_string()));
        let rot_now = v.get(rot.id).unwrap();
        assert_eq!(rot_now.hint, "0002");
        assert_eq!(rot_now.rotated_at.len(), 1);
        assert_eq!(v.notices().len(), 4, "{:?}", v.notices());
        let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
        assert!(!text.contains("pending"), "{text}");
    }

    #[test]
    fn an_abandoned_keychain_write_is_settled_once_the_keychain_answers() {
        let (_d, mem, mut v) = open();
        mem.hang_writes.store(true, std::sync::atomic::Ordering::SeqCst);
        let e = v.add(new_token(Platform::Roboflow, "slow", "FAKEslow0001"), now()).unwrap_err();
        assert!(matches!(e, Error::KeychainTimeout { .. }));
        assert!(v.view(now()).tokens.is_empty(), "not shown while undecided");
        // The user unlocks the keychain and the abandoned write lands after all.
        mem.hang_writes.store(false, std::sync::atomic::Ordering::SeqCst);
        let id = v.index.records[0].id;
        mem.put(&id.to_string(), &SecretString::from("FAKEslow0001".to_string())).unwrap();
        v.check_keychain(now() + chrono::Duration::seconds(5));
        let view = v.view(now() + chrono::Duration::seconds(90));
        assert_eq!(view.tokens.len(), 1, "finished, not lost");
        assert_eq!(v.secret(id, Use::Reveal, now()).unwrap().expose_secret(), "FAKEslow0001");
    }

    #[test]
    fn a_fresh_mark_from_a_live_process_is_left_alone_until_stale() {
        let (dir, mem, mut v) = open();
        let r = v.add(new_token(Platform::Cvat, "busy", "FAKEbusy0001"), now()).unwrap();
        // Another process has just marked it for deletion and is talking to the keychain.
        v.mutate(|idx| {
            set_mark(find_mut(idx, r.id).unwrap(), Pending::Deleting, now());
            Ok(())
        })
        .unwrap();
        let mut other = Vault::open(dir.path().join("data"), mem.clone(), now() + chrono::Duration::seconds(30));
        assert!(other.index.records.iter().any(|x| x.id == r.id), "a live change must not be repaired");
        assert!(mem.has(&r.id.to_string()));
        // A minute later nobody finished it: the view repairs it.
        let view = other.view(now() + chrono::Duration::seconds(61));
        assert!(view.tokens.is_empty());
        assert!(!mem.has(&r.id.to_string()));
    }

    #[test]
    fn another_process_writes_are_seen_and_never_lost() {
        let (dir, mem, mut a) = open();
        let mut b = Vault::open(dir.path().join("data"), mem.clone(), now());
        a.add(new_token(Platform::Cvat, "from-a", "FAKEa0000001"), now()).unwrap();
        b.add(new_token(Platform::Cvat, "from-b", "FAKEb0000001"), now()).unwrap();
        assert_eq!(a.records().unwrap().len(), 2);
        assert_eq!(b.records().unwrap().len(), 2);
        // Concurrent writers from threads, each with its own Vault (as separate processes would).
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let dir = dir.path().join("data");
                let mem = mem.clone();
                std::thread::spawn(move || {
                    let mut v = Vault::open(dir, mem, now());
                    for i in 0..10 {
                        v.add(
                            new_token(Platform::Roboflow, &format!("t{t}-{i}"), &format!("FAKEconc{t}x{i}0000")),
                            now(),
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(a.records().unwrap().len(), 42);
    }

    #[test]
    fn unusable_data_dir_opens_read_only_with_a_notice() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("file"), b"x").unwrap();
        let mem = Arc::new(MemoryStore::default());
        let mut v = Vault::open(d.path().join("file/data"), mem, now());
        let view = v.view(now());
        assert!(view.read_only.is_some());
        assert_eq!(view.notices.len(), 1);
        let e = v.add(new_token(Platform::Cvat, "x", "FAKEx0000001"), now()).unwrap_err();
        assert!(matches!(e, Error::ReadOnly(_)));
    }
}
