//! Team vaults for callers that own a [`Vault`] and no async runtime (the command line): the
//! requests run on core's own small runtime and the caller waits on a channel (never
//! `block_on`), as with the blocking check wrappers in `crate::check`.

use secrecy::SecretString;
use uuid::Uuid;

use super::{TeamClient, TeamListing, TeamToken, TeamVaultConfig};
use crate::check::blocking::wait;
use crate::error::{Error, Result};
use crate::vault::Vault;

impl Vault {
    /// A client for one connected team vault, with its Vault token from the keychain.
    pub fn team_client(&mut self, id: Uuid) -> Result<TeamClient> {
        let config = self.team_vaults().into_iter().find(|c| c.id == id).ok_or(Error::NotFound(id))?;
        let token = self.team_vault_token(id)?;
        TeamClient::new(config, token)
    }

    /// Every connected team vault's listing, asked all at once (blocking). A vault that cannot
    /// be asked gives its error; the others are unaffected.
    pub fn team_listings(&mut self) -> Vec<(TeamVaultConfig, Result<TeamListing>)> {
        let configs = self.team_vaults();
        let clients: Vec<(TeamVaultConfig, Result<TeamClient>)> =
            configs.into_iter().map(|c| (c.clone(), self.team_client(c.id))).collect();
        let mut pending = vec![];
        let mut out = vec![];
        for (config, client) in clients {
            match client {
                Ok(client) => pending.push((config, client)),
                Err(e) => out.push((config, Err(e))),
            }
        }
        let listed = wait(async move {
            let mut set = tokio::task::JoinSet::new();
            for (i, (_, client)) in pending.iter().enumerate() {
                let client = client.clone();
                set.spawn(async move { (i, client.list().await) });
            }
            let mut results: Vec<Option<Result<TeamListing>>> = pending.iter().map(|_| None).collect();
            while let Some(Ok((i, r))) = set.join_next().await {
                results[i] = Some(r);
            }
            pending
                .into_iter()
                .zip(results)
                .map(|((config, _), r)| {
                    (config, r.unwrap_or_else(|| Err(Error::Internal("the listing stopped unexpectedly".into()))))
                })
                .collect::<Vec<_>>()
        });
        match listed {
            Ok(listed) => out.extend(listed),
            Err(e) => tracing::error!(error = %e, "team vaults could not be listed"),
        }
        out
    }
}

impl TeamClient {
    /// [`TeamClient::get`], blocking.
    pub fn get_blocking(&self, id: Uuid) -> Result<TeamToken> {
        let client = self.clone();
        wait(async move { client.get(id).await })?
    }

    /// [`TeamClient::secret`] (the keychain-style payload), blocking.
    pub fn secret_blocking(&self, id: Uuid) -> Result<SecretString> {
        let client = self.clone();
        wait(async move { client.secret(id).await })?
    }

    /// [`TeamClient::usable_secret`] (what to copy or show), blocking.
    pub fn usable_secret_blocking(&self, id: Uuid) -> Result<SecretString> {
        let client = self.clone();
        wait(async move { client.usable_secret(id).await })?
    }

    /// The environment `latchkey run` sets for this team token (its platform's variable names).
    pub fn run_env_blocking(&self, id: Uuid) -> Result<Vec<(String, SecretString)>> {
        let client = self.clone();
        let (token, payload) = wait(async move {
            let token = client.get(id).await?;
            let payload = client.secret(id).await?;
            Ok::<_, Error>((token, payload))
        })??;
        crate::platforms::env_vars(&token.record, &payload)
    }
}
