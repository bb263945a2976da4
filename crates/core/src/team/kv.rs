//! KV v2 over HTTP: paths, the Vault token header, and errors worded for people.

use secrecy::SecretString;

use super::TeamVaultConfig;
use crate::error::Result;

/// One team vault's connection. The token only ever goes into the `X-Vault-Token` header.
pub(super) struct Kv {
    config: TeamVaultConfig,
    #[allow(dead_code)]
    token: SecretString,
}

impl Kv {
    pub(super) fn new(config: TeamVaultConfig, token: SecretString) -> Result<Kv> {
        Ok(Kv { config, token })
    }

    pub(super) fn config(&self) -> &TeamVaultConfig {
        &self.config
    }
}
