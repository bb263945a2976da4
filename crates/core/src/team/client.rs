//! The remote side of a team vault: reading and writing tokens in KV v2 with check-and-set.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use uuid::Uuid;

use super::{TeamListing, TeamToken, TeamVaultConfig};
use crate::check::CheckJob;
use crate::error::{Error, Result};
use crate::platforms::Validation;
use crate::secret::SecretInput;
use crate::vault::{MetaUpdate, NewToken};

/// Talks to one team vault. Cheap to clone. Debug never shows the Vault token.
#[derive(Clone)]
pub struct TeamClient {
    inner: Arc<super::kv::Kv>,
}

impl std::fmt::Debug for TeamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamClient").field("config", self.config()).field("token", &"[redacted]").finish()
    }
}

fn not_yet() -> Error {
    Error::Internal("team vaults are not implemented yet".into())
}

impl TeamClient {
    pub fn new(config: TeamVaultConfig, token: SecretString) -> Result<TeamClient> {
        Ok(TeamClient { inner: Arc::new(super::kv::Kv::new(config, token)?) })
    }

    pub fn config(&self) -> &TeamVaultConfig {
        self.inner.config()
    }

    /// Reachable, unsealed, the Vault token valid, the prefix listable.
    pub async fn check(&self) -> Result<()> {
        Err(not_yet())
    }

    pub async fn list(&self) -> Result<TeamListing> {
        Err(not_yet())
    }

    pub async fn get(&self, _id: Uuid) -> Result<TeamToken> {
        Err(not_yet())
    }

    /// The keychain-style payload of the token's secret (as `Vault` stores it locally).
    pub async fn secret(&self, _id: Uuid) -> Result<SecretString> {
        Err(not_yet())
    }

    pub async fn check_job(&self, _id: Uuid) -> Result<(TeamToken, CheckJob)> {
        Err(not_yet())
    }

    pub async fn add(&self, _new: NewToken, _now: DateTime<Utc>) -> Result<TeamToken> {
        Err(not_yet())
    }

    pub async fn update(&self, _id: Uuid, _update: MetaUpdate, _expected_version: u64) -> Result<TeamToken> {
        Err(not_yet())
    }

    pub async fn replace_secret(
        &self,
        _id: Uuid,
        _input: SecretInput,
        _expected_version: u64,
        _now: DateTime<Utc>,
    ) -> Result<TeamToken> {
        Err(not_yet())
    }

    pub async fn delete(&self, _id: Uuid) -> Result<()> {
        Err(not_yet())
    }

    pub async fn record_validation(
        &self,
        _checked: &TeamToken,
        _validation: &Validation,
        _at: DateTime<Utc>,
    ) -> Result<TeamToken> {
        Err(not_yet())
    }

    pub async fn mark_revoked(&self, _id: Uuid, _reason: &str, _now: DateTime<Utc>) -> Result<TeamToken> {
        Err(not_yet())
    }
}
