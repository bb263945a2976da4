//! The local side of team vaults: which ones this machine is connected to (in the settings)
//! and their Vault tokens (in the keychain, account `team-vault:<id>`). The server is never
//! touched here; see `crate::team::TeamClient` for that.

use secrecy::SecretString;
use uuid::Uuid;

use super::Vault;
use crate::error::{Error, Field, Result};
use crate::team::TeamVaultConfig;

/// The keychain account holding a team vault's Vault token.
pub fn team_token_account(id: Uuid) -> String {
    format!("team-vault:{id}")
}

impl Vault {
    /// Remember a team vault (from [`TeamVaultConfig::from_new`]) and keep its Vault token in
    /// the keychain. Refuses a second connection to the same place or a name used already.
    pub fn add_team_vault(&mut self, config: TeamVaultConfig, token: &SecretString) -> Result<TeamVaultConfig> {
        self.check_writable()?;
        self.refresh()?;
        check_unique(&self.index.settings.team_vaults, &config)?;
        let put = self.secrets.put_labeled(
            &team_token_account(config.id),
            &format!("Latchkey: Vault token for team vault “{}”", config.name),
            token,
        );
        self.keychain_result(put)?;
        let staged = config.clone();
        let added = self.mutate(move |idx| {
            check_unique(&idx.settings.team_vaults, &staged)?;
            idx.settings.team_vaults.push(staged.clone());
            Ok(staged)
        });
        if added.is_err() {
            let _ = self.secrets.delete(&team_token_account(config.id));
        }
        added
    }

    /// Forget a team vault: its settings entry and its Vault token in the keychain. Nothing
    /// on the server changes.
    pub fn remove_team_vault(&mut self, id: Uuid) -> Result<()> {
        self.check_writable()?;
        self.mutate(|idx| {
            let before = idx.settings.team_vaults.len();
            idx.settings.team_vaults.retain(|c| c.id != id);
            if idx.settings.team_vaults.len() == before {
                return Err(Error::NotFound(id));
            }
            Ok(())
        })?;
        let deleted = self.secrets.delete(&team_token_account(id));
        self.keychain_result(deleted)
    }

    /// The team vaults this machine is connected to.
    pub fn team_vaults(&self) -> Vec<TeamVaultConfig> {
        self.index.settings.team_vaults.clone()
    }

    /// The Vault token of a team vault, from the keychain.
    pub fn team_vault_token(&mut self, id: Uuid) -> Result<SecretString> {
        self.refresh()?;
        let config = self.index.settings.team_vaults.iter().find(|c| c.id == id).cloned().ok_or(Error::NotFound(id))?;
        let got = self.secrets.get(&team_token_account(id));
        self.keychain_result(got)?.ok_or_else(|| Error::SecretMissing {
            label: format!("team vault “{}” (its Vault token)", config.name),
        })
    }
}

fn check_unique(existing: &[TeamVaultConfig], config: &TeamVaultConfig) -> Result<()> {
    for c in existing {
        if c.id == config.id {
            return Err(Error::invalid("This team vault is already connected."));
        }
        if c.address == config.address && c.mount == config.mount && c.prefix == config.prefix {
            return Err(Error::invalid_field(
                Field::TeamAddress,
                format!("“{}” already connects to {}/{} at {}.", c.name, c.mount, c.prefix, c.address),
            ));
        }
        if c.name.trim().to_lowercase() == config.name.trim().to_lowercase() {
            return Err(Error::invalid_field(
                Field::TeamName,
                format!("There is already a team vault named “{}”; choose another name.", c.name),
            ));
        }
    }
    Ok(())
}
