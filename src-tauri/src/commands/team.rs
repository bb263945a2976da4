//! Team vaults (OpenBao / HashiCorp Vault KV v2): connecting and removing them, the team
//! part of the list, and the commands on team tokens (copy, reveal, add, edit, replace,
//! delete, validate, revoke). Edits carry the version the user saw, so a change someone else
//! made meanwhile comes back as a `team_conflict`, never lost.
//!
//! The configs live in the index (core's `Vault`), each Vault token in the OS keychain. One
//! `TeamClient` per vault is kept here, made on first use. Network calls never hold the
//! local vault lock, and one vault failing is reported for that vault only: the local list
//! and the other team vaults keep working.

use std::time::Duration;

use chrono::{DateTime, Utc};
use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::secret::SecretInput;
use latchkey_core::status::{status, Policy, Status};
use latchkey_core::team::{NewTeamVault, TeamClient, TeamProblem, TeamToken, TeamVaultConfig};
use latchkey_core::{Error, ErrorPayload, Field, MetaUpdate, NewToken, TokenRecord};
use secrecy::ExposeSecret;
use serde::Serialize;
use tauri::State;
use uuid::Uuid;

use super::Reply;
use crate::state::{blocking, clear_after, lock, AppState, CopyReceipt};

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
async fn token_view(state: &AppState, t: TeamToken) -> Reply<TeamTokenView> {
    let names = state.read(|v| Ok((v.settings().policy, v.team_vaults()))).await?;
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
async fn client(state: &AppState, id: Uuid) -> Reply<TeamClient> {
    if let Some(c) = lock(&state.team.clients).get(&id) {
        return Ok(c.clone());
    }
    let made = state
        .read(move |v| {
            let config = v
                .team_vaults()
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| Error::invalid("That team vault is no longer connected. Reload the list."))?;
            let token = v.team_vault_token(id)?;
            TeamClient::new(config, token)
        })
        .await?;
    lock(&state.team.clients).insert(id, made.clone());
    Ok(made)
}

/// Connect a team vault: check it answers with this token first; store nothing otherwise.
#[tauri::command]
pub async fn add_team_vault(state: State<'_, AppState>, vault: NewTeamVault) -> Reply<TeamVaultConfig> {
    let (config, token) = TeamVaultConfig::from_new(&vault)?;
    drop(vault);
    let name = config.name.clone();
    if state.read(|v| Ok(v.team_vaults())).await?.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
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
    let stored = state.write(move |v| v.add_team_vault(config, &token)).await?;
    state.team.forget(stored.id);
    tracing::info!(id = %stored.id, address = %stored.address, "team vault connected");
    Ok(stored)
}

/// Disconnect a team vault: its config and keychain token go; the server is untouched.
#[tauri::command]
pub async fn remove_team_vault(state: State<'_, AppState>, vault_id: Uuid) -> Reply<()> {
    state.write(move |v| v.remove_team_vault(vault_id)).await?;
    state.team.forget(vault_id);
    tracing::info!(id = %vault_id, "team vault removed");
    Ok(())
}

/// Every connected team vault listed at once (each in its own task); never a secret.
#[tauri::command]
pub async fn get_team_view(state: State<'_, AppState>) -> Reply<TeamView> {
    let (policy, configs) = state.read(|v| Ok((v.settings().policy, v.team_vaults()))).await?;
    let mut tasks = Vec::with_capacity(configs.len());
    for config in configs {
        let made = client(&state, config.id).await;
        tasks.push((
            config,
            tauri::async_runtime::spawn(async move {
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
                tracing::warn!(vault = %config.address, kind = ?error.kind(), "team vault could not be listed");
                view.vaults.push(TeamVaultView {
                    config,
                    state: TeamVaultState::Error { error: error.payload() },
                    problems: vec![],
                    token_count: 0,
                });
            }
        }
    }
    Ok(view)
}

fn fail(e: &Error) {
    tracing::warn!(kind = ?e.kind(), error = %e, "team command failed");
}

#[tauri::command]
pub async fn team_copy_secret(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<CopyReceipt> {
    let c = client(&state, vault_id).await?;
    let secs = state.read(|v| Ok(clear_after(v.settings().clipboard_clear_secs))).await?;
    let secret = c.secret(id).await.inspect_err(fail)?;
    let clipboard = state.clipboard.clone();
    blocking(move || clipboard.copy(&secret, Duration::from_secs(secs.into()))).await?;
    tracing::info!(%vault_id, %id, clear_after_secs = secs, "team secret copied to the clipboard");
    Ok(CopyReceipt { clear_after_secs: secs })
}

#[tauri::command]
pub async fn team_reveal_secret(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<String> {
    let c = client(&state, vault_id).await?;
    let secret = c.secret(id).await.inspect_err(fail)?;
    tracing::info!(%vault_id, %id, "team secret revealed on request");
    Ok(secret.expose_secret().to_string())
}

#[tauri::command]
pub async fn team_add_token(state: State<'_, AppState>, vault_id: Uuid, token: NewToken) -> Reply<TeamTokenView> {
    let c = client(&state, vault_id).await?;
    let t = c.add(token, Utc::now()).await.inspect_err(fail)?;
    tracing::info!(%vault_id, id = %t.record.id, "team token added");
    token_view(&state, t).await
}

#[tauri::command]
pub async fn team_update_token(
    state: State<'_, AppState>,
    vault_id: Uuid,
    id: Uuid,
    update: MetaUpdate,
    expected_version: u64,
) -> Reply<TeamTokenView> {
    let c = client(&state, vault_id).await?;
    let t = c.update(id, update, expected_version).await.inspect_err(fail)?;
    tracing::info!(%vault_id, %id, version = t.version, "team token details updated");
    token_view(&state, t).await
}

#[tauri::command]
pub async fn team_replace_secret(
    state: State<'_, AppState>,
    vault_id: Uuid,
    id: Uuid,
    secret: SecretInput,
    expected_version: u64,
) -> Reply<TeamTokenView> {
    let c = client(&state, vault_id).await?;
    let t = c.replace_secret(id, secret, expected_version, Utc::now()).await.inspect_err(fail)?;
    tracing::info!(%vault_id, %id, "team secret replaced");
    token_view(&state, t).await
}

/// Clear the clipboard if it holds this token's secret (before the secret goes away).
async fn clear_clipboard_of(state: &AppState, c: &latchkey_core::team::TeamClient, id: Uuid) {
    if let Ok(secret) = c.secret(id).await {
        let clipboard = state.clipboard.clone();
        let cleared = blocking(move || Ok(clipboard.clear_if_holds(&secret))).await.unwrap_or(false);
        if cleared {
            tracing::info!(%id, "cleared the team secret from the clipboard");
        }
    }
}

#[tauri::command]
pub async fn team_delete_token(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<()> {
    let c = client(&state, vault_id).await?;
    clear_clipboard_of(&state, &c, id).await;
    c.delete(id).await.inspect_err(fail)?;
    tracing::info!(%vault_id, %id, "team token deleted");
    Ok(())
}

#[tauri::command]
pub async fn team_validate_token(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<TeamTokenView> {
    let checker = state.platform.checker()?;
    let c = client(&state, vault_id).await?;
    let (checked, job) = c.check_job(id).await.inspect_err(fail)?;
    let result = checker.validate(&job).await;
    drop(job);
    let stored = c.record_validation(&checked, &result.inspect_err(fail)?, Utc::now()).await.inspect_err(fail)?;
    tracing::info!(%vault_id, %id, platform = stored.record.platform.id(), "team token checked");
    token_view(&state, stored).await
}

/// The platform revoke local tokens use; then the KV entry is marked revoked.
#[tauri::command]
pub async fn team_revoke_token(state: State<'_, AppState>, vault_id: Uuid, id: Uuid) -> Reply<RevokeOutcome> {
    let checker = state.platform.checker()?;
    let c = client(&state, vault_id).await?;
    let (checked, job) = c.check_job(id).await.inspect_err(fail)?;
    let platform = checked.record.platform;
    let outcome = checker.revoke(&job).await.inspect_err(fail)?;
    // As for local tokens: ask the platform about the old secret before it is destroyed.
    let check = match &outcome {
        RevokeOutcome::Revoked => Some(checker.check_revoked(&job).await),
        RevokeOutcome::Guided { .. } => None,
    };
    drop(job);
    match &outcome {
        RevokeOutcome::Revoked => {
            let check = check.expect("checked after an API revoke");
            let reason = check.reason(&format!("Revoked through {}'s API", platform.name())).inspect_err(|e| {
                tracing::warn!(%vault_id, %id, platform = platform.id(), "the platform still accepts the team token after the revoke");
                fail(e)
            })?;
            mark_revoked(&state, &c, id, &reason).await?;
            tracing::info!(%vault_id, %id, platform = platform.id(), "team token revoked through the platform's API");
        }
        RevokeOutcome::Guided { settings_url, .. } => {
            lock(&state.platform.guided).insert(id, settings_url.clone());
            tracing::info!(%vault_id, %id, platform = platform.id(), "guided revoke shown for a team token");
        }
    }
    Ok(outcome)
}

/// The user says the team token is revoked (after the guided steps). Unless `unchecked`
/// ("mark revoked anyway"), the old secret is validated first, as for local tokens.
#[tauri::command]
pub async fn team_confirm_revoked(
    state: State<'_, AppState>,
    vault_id: Uuid,
    id: Uuid,
    reason: String,
    unchecked: Option<bool>,
) -> Reply<TeamTokenView> {
    let c = client(&state, vault_id).await?;
    let reason = if unchecked.unwrap_or(false) {
        latchkey_core::check::unchecked_reason(&reason)
    } else {
        let checker = state.platform.checker()?;
        let (_, job) = c.check_job(id).await.inspect_err(fail)?;
        let check = checker.check_revoked(&job).await;
        drop(job);
        tracing::info!(%vault_id, %id, ?check, "guided revoke of a team token checked");
        check.reason(&reason).inspect_err(fail)?
    };
    let t = mark_revoked(&state, &c, id, &reason).await?;
    lock(&state.platform.guided).remove(&id);
    tracing::info!(%vault_id, %id, "team token marked revoked");
    token_view(&state, t).await
}

async fn mark_revoked(
    state: &AppState,
    c: &latchkey_core::team::TeamClient,
    id: Uuid,
    reason: &str,
) -> Reply<latchkey_core::team::TeamToken> {
    clear_clipboard_of(state, c, id).await;
    c.mark_revoked(id, reason, Utc::now()).await.inspect_err(fail)
}
