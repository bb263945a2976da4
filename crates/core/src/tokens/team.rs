//! Team vaults through [`Tokens`]: one client per vault (made on first use from its config
//! and the keychain's Vault token), the team view, and connecting or removing a vault.

use chrono::Utc;
use uuid::Uuid;

use super::{team_row, TeamVaultState, TeamVaultView, TeamView, Tokens};
use crate::error::{Error, Field, Result};
use crate::team::{NewTeamVault, TeamClient, TeamVaultConfig};

impl Tokens {
    /// The client of team vault `vault_id`: made once from its config and the keychain's
    /// Vault token, then kept.
    pub async fn client(&self, vault_id: Uuid) -> Result<TeamClient> {
        if let Some(c) = self.inner.clients.lock().unwrap_or_else(|p| p.into_inner()).get(&vault_id) {
            return Ok(c.clone());
        }
        let made = self
            .with_vault(move |v| {
                let config = v
                    .team_vaults()
                    .into_iter()
                    .find(|c| c.id == vault_id)
                    .ok_or_else(|| Error::invalid("That team vault is no longer connected. Reload the list."))?;
                let token = v.team_vault_token(vault_id)?;
                TeamClient::new(config, token)
            })
            .await?;
        self.inner.clients.lock().unwrap_or_else(|p| p.into_inner()).insert(vault_id, made.clone());
        Ok(made)
    }

    /// Drop the kept client of `vault_id` (its config or Vault token changed).
    pub fn forget_client(&self, vault_id: Uuid) {
        self.inner.clients.lock().unwrap_or_else(|p| p.into_inner()).remove(&vault_id);
    }

    /// Every connected team vault listed at once (each in its own task); never a secret. A
    /// vault that cannot be asked is shown with its error; the others are unaffected.
    pub async fn team_view(&self) -> Result<TeamView> {
        let (policy, configs) = self.with_vault(|v| Ok((v.settings().policy, v.team_vaults()))).await?;
        let mut tasks = Vec::with_capacity(configs.len());
        for config in configs {
            let made = self.client(config.id).await;
            tasks.push((
                config,
                tokio::spawn(async move {
                    match made {
                        Ok(c) => c.list().await,
                        Err(e) => Err(e),
                    }
                }),
            ));
        }
        let now = Utc::now();
        let mut view = TeamView { vaults: vec![], tokens: vec![], now };
        for (config, task) in tasks {
            let listed = task.await.unwrap_or_else(|e| Err(Error::Internal(format!("a background task failed: {e}"))));
            let (state, problems, token_count) = match listed {
                Ok(listing) => {
                    let count = listing.tokens.len();
                    view.tokens
                        .extend(listing.tokens.into_iter().map(|t| team_row(t, config.name.clone(), now, &policy)));
                    (TeamVaultState::Ok, listing.problems, count)
                }
                Err(e) => {
                    tracing::warn!(vault = %config.address, kind = ?e.kind(), "team vault could not be listed");
                    (TeamVaultState::Error { error: e.payload() }, vec![], 0)
                }
            };
            view.vaults.push(TeamVaultView { config, state, problems, token_count });
        }
        Ok(view)
    }

    /// Whether each connected team vault answers (reachable, unsealed, the Vault token valid,
    /// the prefix listable), all asked at once.
    pub async fn team_health(&self) -> Result<Vec<(TeamVaultConfig, Result<()>)>> {
        let configs = self.with_vault(|v| Ok(v.team_vaults())).await?;
        let mut tasks = Vec::with_capacity(configs.len());
        for config in configs {
            let made = self.client(config.id).await;
            tasks.push((config, tokio::spawn(async move { made?.check().await })));
        }
        let mut out = Vec::with_capacity(tasks.len());
        for (config, task) in tasks {
            let answered =
                task.await.unwrap_or_else(|e| Err(Error::Internal(format!("a background task failed: {e}"))));
            out.push((config, answered));
        }
        Ok(out)
    }

    /// Connect a team vault: its name must be new, and it must answer with this Vault token
    /// (reachable, unsealed, token valid, prefix listable) before anything is stored.
    pub async fn add_team_vault(&self, vault: NewTeamVault) -> Result<TeamVaultConfig> {
        let (config, token) = TeamVaultConfig::from_new(&vault)?;
        drop(vault);
        let name = config.name.clone();
        if self.with_vault(|v| Ok(v.team_vaults())).await?.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
            return Err(Error::invalid_field(
                Field::TeamName,
                format!("A team vault named “{name}” is already connected. Choose another name."),
            ));
        }
        let probe = TeamClient::new(config.clone(), token.clone())?;
        probe.check().await.inspect_err(|e| {
            tracing::warn!(kind = ?e.kind(), address = %config.address, "team vault check failed; nothing stored");
        })?;
        drop(probe);
        let stored = self.with_vault(move |v| v.add_team_vault(config, &token)).await?;
        self.forget_client(stored.id);
        tracing::info!(id = %stored.id, address = %stored.address, "team vault connected");
        Ok(stored)
    }

    /// Disconnect a team vault: its config and keychain Vault token go; the server and the
    /// tokens on it are untouched.
    pub async fn remove_team_vault(&self, vault_id: Uuid) -> Result<()> {
        self.with_vault(move |v| v.remove_team_vault(vault_id)).await?;
        self.forget_client(vault_id);
        tracing::info!(id = %vault_id, "team vault removed");
        Ok(())
    }
}
