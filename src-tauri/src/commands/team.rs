//! Team vaults (OpenBao / HashiCorp Vault KV v2): connecting and removing them, and the team
//! part of the list. Their tokens go through the same commands as local ones (`tokens.rs`,
//! `platform.rs`), named by a `TokenTarget`. The configs live in the index, each Vault token
//! in the OS keychain; one vault failing is reported for that vault only.

use latchkey_core::team::{NewTeamVault, TeamVaultConfig};
use latchkey_core::tokens::TeamView;
use tauri::State;
use uuid::Uuid;

use super::Reply;
use crate::state::{log_failure, AppState};

/// Connect a team vault: its name and connection are checked first; nothing stored otherwise.
#[tauri::command]
pub async fn add_team_vault(state: State<'_, AppState>, vault: NewTeamVault) -> Reply<TeamVaultConfig> {
    state.tokens.add_team_vault(vault).await.inspect_err(log_failure)
}

/// Disconnect a team vault: its config and keychain token go; the server is untouched.
#[tauri::command]
pub async fn remove_team_vault(state: State<'_, AppState>, vault_id: Uuid) -> Reply<()> {
    state.tokens.remove_team_vault(vault_id).await.inspect_err(log_failure)
}

/// Every connected team vault listed at once (each in its own task); never a secret.
#[tauri::command]
pub async fn get_team_view(state: State<'_, AppState>) -> Reply<TeamView> {
    state.tokens.team_view().await.inspect_err(log_failure)
}
