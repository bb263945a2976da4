//! Changing team tokens: add, edit, rotate, delete, store a check's result, mark revoked.
//! Every write is check-and-set against the version the change was based on.

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::json;
use uuid::Uuid;

use super::client::{meta_rel, secret_rel, to_meta};
use super::kv::Written;
use super::{TeamClient, TeamToken};
use crate::error::{Error, Result};
use crate::platforms::Validation;
use crate::record::{Revocation, TokenRecord};
use crate::secret::{usable_secret, PreparedSecret, SecretInput};
use crate::vault::{self, MetaUpdate, NewToken};

/// Re-reads before giving up on a write that must win (revocation, a check's result).
const RETRIES: usize = 5;

impl TeamClient {
    /// Add a token: its secret first, then its meta (both created with cas 0), so a listed
    /// token always has a secret.
    pub async fn add(&self, new: NewToken, now: DateTime<Utc>) -> Result<TeamToken> {
        let (record, prepared) = vault::new_record(new, now)?;
        let id = record.id;
        let secret = json!({ "secret": prepared.payload.expose_secret() });
        if let Written::Conflict = self.kv.write(&secret_rel(id), secret, 0).await? {
            return Err(Error::Internal("a new team token's id was taken; please try again".into()));
        }
        match self.kv.write(&meta_rel(id), to_meta(&record), 0).await {
            Ok(Written::Ok { version, created }) => {
                Ok(TeamToken { vault_id: self.config().id, record, version, updated_at: created })
            }
            Ok(Written::Conflict) => Err(Error::Internal("a new team token's id was taken; please try again".into())),
            Err(e) => {
                // Take the secret back out; if even that fails, the listing skips it (no meta).
                let _ = self.kv.delete_all(&secret_rel(id)).await;
                Err(e)
            }
        }
    }

    /// Write `record` as the meta at `expected_version`; a newer version is a conflict.
    pub(super) async fn write_meta(&self, record: &TokenRecord, expected_version: u64) -> Result<TeamToken> {
        match self.kv.write(&meta_rel(record.id), to_meta(record), expected_version).await? {
            Written::Ok { version, created } => {
                Ok(TeamToken { vault_id: self.config().id, record: record.clone(), version, updated_at: created })
            }
            Written::Conflict => Err(self.conflict(record.id, &record.label).await),
        }
    }

    async fn conflict(&self, id: Uuid, label: &str) -> Error {
        match self.read_meta(id).await {
            Ok(Some(now)) => Error::TeamConflict { label: now.record.label, version: now.version },
            Ok(None) => Error::NotFound(id),
            Err(_) => Error::TeamConflict { label: label.to_string(), version: 0 },
        }
    }

    /// The newest meta, which must be at `expected_version` (else [`Error::TeamConflict`]).
    pub(super) async fn current(&self, id: Uuid, expected_version: u64) -> Result<TeamToken> {
        let token = self.get(id).await?;
        if token.version != expected_version {
            return Err(Error::TeamConflict { label: token.record.label, version: token.version });
        }
        Ok(token)
    }

    /// Change the editable fields, based on `expected_version` of the meta.
    pub async fn update(&self, id: Uuid, update: MetaUpdate, expected_version: u64) -> Result<TeamToken> {
        let current = self.current(id, expected_version).await?;
        let mut r = current.record;
        vault::CleanUpdate::new(r.platform, update)?.apply_to(&mut r);
        self.write_meta(&r, expected_version).await
    }

    /// Rotate: a new secret (same kind), based on `expected_version` of the meta.
    pub async fn replace_secret(
        &self,
        id: Uuid,
        input: SecretInput,
        expected_version: u64,
        now: DateTime<Utc>,
    ) -> Result<TeamToken> {
        let current = self.current(id, expected_version).await?;
        let r = current.record;
        let prepared = vault::prepare_replacement(&r, input)?;
        let usable = usable_secret(prepared.kind, prepared.payload.clone())?;
        if r.revoked_secrets.contains(&crate::leak::fingerprint(usable.expose_secret())) {
            return Err(Error::RevokedSecret { label: r.label });
        }
        vault::refuse_secret_in_record(&prepared, &r)?;
        self.put_replacement(r, &prepared, expected_version, now).await
    }

    /// `prepared` becomes record `r`'s secret (check-and-set on the secret's own version), then
    /// its meta is written at `expected_version`. Replace secret and a rotation's swap.
    pub(super) async fn put_replacement(
        &self,
        mut r: TokenRecord,
        prepared: &PreparedSecret,
        expected_version: u64,
        now: DateTime<Utc>,
    ) -> Result<TeamToken> {
        let id = r.id;
        let secret_version = self.kv.read(&secret_rel(id)).await?.map_or(0, |v| v.version);
        let secret = json!({ "secret": prepared.payload.expose_secret() });
        if let Written::Conflict = self.kv.write(&secret_rel(id), secret, secret_version).await? {
            return Err(self.conflict(id, &r.label).await);
        }
        vault::take_replacement(&mut r, prepared, now);
        self.write_meta(&r, expected_version).await
    }

    /// Delete the token for everyone: both entries with all their versions.
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        self.kv.delete_all(&meta_rel(id)).await?;
        self.kv.delete_all(&secret_rel(id)).await
    }

    /// Store what a check of `checked` learnt (re-reading and retrying on a conflict: a check's
    /// result is not a user's edit). Dropped, and the current token returned, when the secret
    /// was replaced meanwhile.
    pub async fn record_validation(
        &self,
        checked: &TeamToken,
        validation: &Validation,
        at: DateTime<Utc>,
    ) -> Result<TeamToken> {
        let id = checked.record.id;
        for _ in 0..RETRIES {
            let mut current = self.get(id).await?;
            if !vault::apply_validation(&mut current.record, &checked.record, validation, at) {
                return Ok(current);
            }
            match self.write_meta(&current.record, current.version).await {
                Err(Error::TeamConflict { .. }) => continue,
                other => return other,
            }
        }
        Err(self.conflict(id, &checked.record.label).await)
    }

    /// After the platform revoke (the caller's part): mark the meta revoked (re-reading and
    /// retrying on a conflict: revocation always wins) and destroy every version of the secret.
    /// History stays in the metadata. Calling it again retries the destruction.
    pub async fn mark_revoked(&self, id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<TeamToken> {
        let reason = reason.trim();
        let reason = if reason.is_empty() { "Revoked" } else { reason };
        if reason.chars().count() > 500 {
            return Err(Error::invalid("Keep the reason under 500 characters."));
        }
        let mut marked = None;
        for _ in 0..RETRIES {
            let current = self.get(id).await?;
            let mut r = current.record.clone();
            let fingerprint = match self.payload_of(&r).await {
                Ok(payload) => match usable_secret(r.kind, payload) {
                    Ok(usable) => {
                        let s = usable.expose_secret();
                        if s.len() >= 8 && reason.contains(s) {
                            return Err(Error::invalid(
                                "The reason contains the secret itself; it is stored unencrypted.",
                            ));
                        }
                        Some(crate::leak::fingerprint(s))
                    }
                    Err(_) => None,
                },
                Err(_) => None,
            };
            if r.revoked.is_none() {
                r.revoked = Some(Revocation { at: now, reason: reason.to_string() });
            }
            if let Some(f) = fingerprint {
                if !r.revoked_secrets.contains(&f) {
                    r.revoked_secrets.push(f);
                }
            }
            if r == current.record {
                marked = Some(current);
                break;
            }
            match self.write_meta(&r, current.version).await {
                Err(Error::TeamConflict { .. }) => continue,
                other => {
                    marked = Some(other?);
                    break;
                }
            }
        }
        let marked = match marked {
            Some(m) => m,
            None => return Err(self.conflict(id, "").await),
        };
        if let Some(versions) = self.kv.live_versions(&secret_rel(id)).await? {
            self.kv.destroy(&secret_rel(id), &versions).await?;
        }
        Ok(marked)
    }
}
