//! The remote side of a team vault: connecting, listing and reading tokens (changes: edit.rs).

use std::sync::Arc;

use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::kv::{Kv, Versioned};
use super::{TeamListing, TeamProblem, TeamToken, TeamVaultConfig};
use crate::check::CheckJob;
use crate::error::{Error, Result};
use crate::record::{Pending, TokenRecord};
use crate::secret::usable_secret;

/// Entries read at once while listing.
const LIST_CONCURRENCY: usize = 8;

/// Talks to one team vault. Cheap to clone. Debug never shows the Vault token.
#[derive(Clone)]
pub struct TeamClient {
    pub(super) kv: Arc<Kv>,
}

impl std::fmt::Debug for TeamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamClient").field("config", self.config()).field("token", &"[redacted]").finish()
    }
}

pub(super) fn meta_rel(id: Uuid) -> String {
    format!("{id}/meta")
}

pub(super) fn secret_rel(id: Uuid) -> String {
    format!("{id}/secret")
}

/// The record as KV stores it: without what is per machine (last use here, alerts shown
/// here, journal marks).
pub(super) fn to_meta(record: &TokenRecord) -> Value {
    let mut r = record.clone();
    r.last_used_at = None;
    r.alerts_sent.clear();
    r.pending = Pending::None;
    r.pending_since = None;
    serde_json::to_value(&r).unwrap_or(Value::Null)
}

impl TeamClient {
    pub fn new(config: TeamVaultConfig, token: SecretString) -> Result<TeamClient> {
        Ok(TeamClient { kv: Arc::new(Kv::new(config, token)?) })
    }

    pub fn config(&self) -> &TeamVaultConfig {
        self.kv.config()
    }

    /// Reachable, unsealed, the Vault token valid, the prefix listable.
    pub async fn check(&self) -> Result<()> {
        self.kv.health().await?;
        self.kv.lookup_self().await?;
        self.kv.list().await.map(|_| ())
    }

    /// Every token under the prefix. An entry that cannot be read (403, damaged) is reported in
    /// `problems` and does not hide the others; the whole vault out of reach is an error.
    pub async fn list(&self) -> Result<TeamListing> {
        let keys = self.kv.list().await?;
        let ids: Vec<Uuid> = keys.iter().filter_map(|k| k.strip_suffix('/')).filter_map(|k| k.parse().ok()).collect();
        let slots = Arc::new(Semaphore::new(LIST_CONCURRENCY));
        let mut set = JoinSet::new();
        for id in ids {
            let (client, slots) = (self.clone(), slots.clone());
            set.spawn(async move {
                let _slot = slots.acquire_owned().await;
                (id, client.read_meta(id).await)
            });
        }
        let mut listing = TeamListing::default();
        while let Some(joined) = set.join_next().await {
            let Ok((id, read)) = joined else { continue };
            match read {
                Ok(Some(token)) => listing.tokens.push(token),
                // A secret written by an add that has not written its meta yet (or died).
                Ok(None) => {}
                Err(e) if e.is_team_down() => return Err(e),
                Err(e) => listing.problems.push(TeamProblem { path: self.kv.path(&meta_rel(id)), error: e.payload() }),
            }
        }
        listing.tokens.sort_by(|a, b| {
            (a.record.platform, a.record.label.to_lowercase()).cmp(&(b.record.platform, b.record.label.to_lowercase()))
        });
        listing.problems.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(listing)
    }

    /// `…/<id>/meta`; `None` when absent.
    pub(super) async fn read_meta(&self, id: Uuid) -> Result<Option<TeamToken>> {
        let read = self.kv.read(&meta_rel(id)).await;
        let Some(Versioned { data, version, created }) = read? else { return Ok(None) };
        let mut record: TokenRecord = serde_json::from_value(data).map_err(|e| {
            Error::invalid(format!(
                "{} is not a Latchkey entry ({}); fix or remove it in the team vault.",
                self.kv.path(&meta_rel(id)),
                e.to_string().chars().take(120).collect::<String>()
            ))
        })?;
        // The path is what counts.
        record.id = id;
        Ok(Some(TeamToken { vault_id: self.config().id, record, version, updated_at: created }))
    }

    pub async fn get(&self, id: Uuid) -> Result<TeamToken> {
        self.read_meta(id).await?.ok_or(Error::NotFound(id))
    }

    /// The keychain-style payload of the token's secret (what `Vault` keeps in the keychain
    /// for a local token; an env0 key pair is JSON). Never cached on disk.
    pub async fn secret(&self, id: Uuid) -> Result<SecretString> {
        let token = self.get(id).await?;
        self.payload_of(&token.record).await
    }

    /// What to copy, show or inject: the usable secret (the secret part of an env0 key pair).
    pub async fn usable_secret(&self, id: Uuid) -> Result<SecretString> {
        Ok(self.usable_secret_of(id).await?.1)
    }

    /// [`TeamClient::usable_secret`] with the token it belongs to.
    pub async fn usable_secret_of(&self, id: Uuid) -> Result<(TeamToken, SecretString)> {
        let token = self.get(id).await?;
        let payload = self.payload_of(&token.record).await?;
        let label = token.record.label.clone();
        let secret = usable_secret(token.record.kind, payload)
            .map_err(|e| Error::SecretUnreadable { label, detail: e.to_string() })?;
        Ok((token, secret))
    }

    pub(super) async fn payload_of(&self, record: &TokenRecord) -> Result<SecretString> {
        if record.revoked.is_some() {
            return Err(Error::invalid(format!(
                "“{}” is marked revoked in the team vault and its secret was destroyed; there is nothing to use.",
                record.label
            )));
        }
        let read = self.kv.read(&secret_rel(record.id)).await?;
        let secret = read.as_ref().and_then(|v| v.data["secret"].as_str()).filter(|s| !s.is_empty());
        match secret {
            Some(s) => Ok(SecretString::from(s.to_string())),
            None => Err(Error::SecretMissing {
                label: format!("{} (team vault “{}”)", record.label, self.config().name),
            }),
        }
    }

    /// What validating or revoking needs: the token and its payload. Not counted as a use.
    pub async fn check_job(&self, id: Uuid) -> Result<(TeamToken, CheckJob)> {
        let token = self.get(id).await?;
        let payload = self.payload_of(&token.record).await?;
        let job = CheckJob::new(token.record.clone(), payload);
        Ok((token, job))
    }
}
