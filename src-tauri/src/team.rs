//! Team vaults (OpenBao / HashiCorp Vault KV v2): connecting and removing them, and the team
//! part of the list. The token commands are in `teamtokens.rs`.
//!
//! The configs live in the index (core's `Vault`), each Vault token in the OS keychain. One
//! `TeamClient` per vault is kept here, made on first use. Network calls never hold the
//! local vault lock, and one vault failing is reported for that vault only: the local list
//! and the other team vaults keep working.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use latchkey_core::status::{status, Policy, Status};
use latchkey_core::team::{NewTeamVault, TeamClient, TeamProblem, TeamToken, TeamVaultConfig};
use latchkey_core::{Error, ErrorPayload, TokenRecord};
use serde::Serialize;
use tauri::State;
use uuid::Uuid;

use crate::commands::{with_vault, AppState, Reply};

/// The clients of the connected team vaults, by config id.
#[derive(Default)]
pub struct TeamState {
    clients: Mutex<HashMap<Uuid, TeamClient>>,
}

impl TeamState {
    fn forget(&self, id: Uuid) {
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }
}

/// How a team vault answered the last listing.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TeamVaultState {
    Ok,
    Error { error: ErrorPayload },
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamVaultView {
    pub config: TeamVaultConfig,
    #[serde(flatten)]
    pub state: TeamVaultState,
    /// Entries that could not be read (e.g. 403 on one path); the others are listed.
    pub problems: Vec<TeamProblem>,
    pub token_count: usize,
}

/// Which team vault a row belongs to, and the version to send back with an edit.
#[derive(Debug, Clone, Serialize)]
pub struct TeamRef {
    pub vault_id: Uuid,
    pub vault_name: String,
    pub version: u64,
    pub updated_at: DateTime<Utc>,
}

/// One team token as a list row: the same shape as a local `TokenView`, plus `team`.
#[derive(Debug, Clone, Serialize)]
pub struct TeamTokenView {
    pub record: TokenRecord,
    pub status: Status,
    pub team: TeamRef,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamView {
    pub vaults: Vec<TeamVaultView>,
    pub tokens: Vec<TeamTokenView>,
    pub now: DateTime<Utc>,
}

/// The row of `t`, with its status by this machine's policy (like local tokens).
pub(crate) async fn token_view(state: &AppState, t: TeamToken) -> Reply<TeamTokenView> {
    let names = with_vault(state, |v| Ok((v.settings().policy, v.team_vaults()))).await?;
    let (policy, configs) = names;
    let name = configs.iter().find(|c| c.id == t.vault_id).map(|c| c.name.clone()).unwrap_or_default();
    Ok(row(t, name, Utc::now(), &policy))
}

fn row(t: TeamToken, vault_name: String, now: DateTime<Utc>, policy: &Policy) -> TeamTokenView {
    TeamTokenView {
        status: status(&t.record, now, policy),
        team: TeamRef { vault_id: t.vault_id, vault_name, version: t.version, updated_at: t.updated_at },
        record: t.record,
    }
}

/// The client of team vault `id`: made once from its config and the keychain's Vault token.
pub(crate) async fn client(state: &AppState, id: Uuid) -> Reply<TeamClient> {
    if let Some(c) = state.team.clients.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return Ok(c.clone());
    }
    let made = with_vault(state, move |v| {
        let config = v
            .team_vaults()
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::invalid("That team vault is no longer connected. Reload the list."))?;
        let token = v.team_vault_token(id)?;
        TeamClient::new(config, token)
    })
    .await?;
    state.team.clients.lock().unwrap_or_else(|p| p.into_inner()).insert(id, made.clone());
    Ok(made)
}

/// Connect a team vault: core checks the name is new and that the vault answers with this
/// token before anything is stored.
#[tauri::command]
pub async fn add_team_vault(state: State<'_, AppState>, vault: NewTeamVault) -> Reply<TeamVaultConfig> {
    let stored = core_tokens(&state).add_team_vault(vault).await.map_err(|e| e.payload())?;
    state.team.forget(stored.id);
    Ok(stored)
}

/// Disconnect a team vault: its config and keychain token go; the server is untouched.
#[tauri::command]
pub async fn remove_team_vault(state: State<'_, AppState>, vault_id: Uuid) -> Reply<()> {
    core_tokens(&state).remove_team_vault(vault_id).await.map_err(|e| e.payload())?;
    state.team.forget(vault_id);
    Ok(())
}

/// Core's token actions over the app's vault and clipboard (cheap to make).
fn core_tokens(state: &AppState) -> latchkey_core::Tokens {
    latchkey_core::Tokens::new(state.vault.clone(), state.clipboard.clone())
}

/// Every connected team vault listed at once (each in its own task); never a secret.
#[tauri::command]
pub async fn get_team_view(state: State<'_, AppState>) -> Reply<TeamView> {
    let (policy, configs) = with_vault(&state, |v| Ok((v.settings().policy, v.team_vaults()))).await?;
    let mut tasks = Vec::with_capacity(configs.len());
    for config in configs {
        let made = client(&state, config.id).await;
        tasks.push((
            config,
            tauri::async_runtime::spawn(async move {
                match made {
                    Ok(c) => c.list().await.map_err(|e| e.payload()),
                    Err(e) => Err(e),
                }
            }),
        ));
    }
    let now = Utc::now();
    let mut view = TeamView { vaults: vec![], tokens: vec![], now };
    for (config, task) in tasks {
        let listed =
            task.await.unwrap_or_else(|e| Err(Error::Internal(format!("a background task failed: {e}")).payload()));
        match listed {
            Ok(listing) => {
                let count = listing.tokens.len();
                view.tokens.extend(listing.tokens.into_iter().map(|t| row(t, config.name.clone(), now, &policy)));
                view.vaults.push(TeamVaultView {
                    config,
                    state: TeamVaultState::Ok,
                    problems: listing.problems,
                    token_count: count,
                });
            }
            Err(error) => {
                tracing::warn!(vault = %config.address, kind = ?error.kind, "team vault could not be listed");
                view.vaults.push(TeamVaultView {
                    config,
                    state: TeamVaultState::Error { error },
                    problems: vec![],
                    token_count: 0,
                });
            }
        }
    }
    Ok(view)
}
