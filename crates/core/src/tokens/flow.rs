//! Copy, reveal, validate, edit, rotate, delete and add: each written once for both stores.

use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;
use uuid::Uuid;

use super::{clear_after, note, off_thread, CopyReceipt, TokenRow, TokenTarget, Tokens};
use crate::accesslog::{validation_detail, Action};
use crate::check::CheckJob;
use crate::error::{Error, Result};
use crate::record::TokenRecord;
use crate::secret::SecretInput;
use crate::team::{TeamClient, TeamToken};
use crate::vault::{MetaUpdate, NewToken, Use};

/// A token as one of its stores handed it back after a change.
pub(super) enum Stored {
    Local(TokenRecord),
    Team(TeamToken),
}

/// A token taken out to be checked, and (for a team token) the version the check is based on.
pub(super) enum Taken {
    Local,
    Team(TeamClient, Box<TeamToken>),
}

/// The version a team edit is based on: required, so nothing is overwritten silently.
fn team_version(expected_version: Option<u64>) -> Result<u64> {
    expected_version.ok_or_else(|| {
        Error::invalid("A change to a team token needs the version it was based on; reload the list and try again.")
    })
}

impl Tokens {
    /// The list row of what a store handed back.
    pub(super) async fn row(&self, stored: Stored) -> Result<TokenRow> {
        match stored {
            Stored::Local(record) => self.local_row(record).await,
            Stored::Team(token) => self.team_token_row(token).await,
        }
    }

    /// The record and secret of `target`, to check or revoke it (not counted as a use).
    pub(super) async fn take_job(&self, target: &TokenTarget) -> Result<(Taken, CheckJob)> {
        match *target {
            TokenTarget::Local { id } => Ok((Taken::Local, self.with_vault(move |v| v.check_job(id)).await?)),
            TokenTarget::Team { vault_id, id } => {
                let c = self.client(vault_id).await?;
                let (token, job) = c.check_job(id).await?;
                Ok((Taken::Team(c, Box::new(token)), job))
            }
        }
    }

    /// The usable secret of `target` (the secret part of an env0 key pair). A local copy
    /// counts as a use; a team secret is fetched for this use only and never stored.
    pub(super) async fn secret_of(&self, target: &TokenTarget, purpose: Use) -> Result<SecretString> {
        Ok(self.secret_and_record(target, purpose).await?.0)
    }

    /// [`Tokens::secret_of`] and the record it belongs to (for the access log).
    async fn secret_and_record(&self, target: &TokenTarget, purpose: Use) -> Result<(SecretString, TokenRecord)> {
        match *target {
            TokenTarget::Local { id } => {
                self.with_vault(move |v| {
                    let record = v.get(id)?;
                    Ok((v.secret(id, purpose, Utc::now())?, record))
                })
                .await
            }
            TokenTarget::Team { vault_id, id } => {
                let (token, secret) = self.client(vault_id).await?.usable_secret_of(id).await?;
                Ok((secret, token.record))
            }
        }
    }

    /// The token as its store has it now, as a list row.
    pub async fn get(&self, target: &TokenTarget) -> Result<TokenRow> {
        let stored = match *target {
            TokenTarget::Local { id } => Stored::Local(self.with_vault(move |v| v.get(id)).await?),
            TokenTarget::Team { vault_id, id } => Stored::Team(self.client(vault_id).await?.get(id).await?),
        };
        self.row(stored).await
    }

    /// Put the secret on the clipboard; it is cleared after the settings' delay if still there.
    pub async fn copy(&self, target: &TokenTarget) -> Result<CopyReceipt> {
        let (secret, record) = self.secret_and_record(target, Use::Copy).await?;
        let secs = self.with_vault(|v| Ok(clear_after(v.settings().clipboard_clear_secs))).await?;
        let clipboard = self.inner.clipboard.clone();
        off_thread(move || clipboard.copy(&secret, Duration::from_secs(secs.into()))).await?;
        self.log_use(target, &record, Action::Copy, None).await;
        match target {
            TokenTarget::Local { id } => tracing::info!(%id, clear_after_secs = secs, "secret copied to the clipboard"),
            TokenTarget::Team { vault_id, id } => {
                tracing::info!(%vault_id, %id, clear_after_secs = secs, "team secret copied to the clipboard")
            }
        }
        Ok(CopyReceipt { clear_after_secs: secs })
    }

    /// The secret, to show at the user's request (not counted as a use).
    pub async fn reveal(&self, target: &TokenTarget) -> Result<SecretString> {
        let (secret, record) = self.secret_and_record(target, Use::Reveal).await?;
        self.log_use(target, &record, Action::Reveal, None).await;
        note(target, None, "secret revealed on request", "team secret revealed on request");
        Ok(secret)
    }

    /// Ask the platform about the token and store what it says (for everyone, in a team vault).
    pub async fn validate(&self, target: &TokenTarget) -> Result<TokenRow> {
        let checker = self.checker()?;
        let (taken, job) = self.take_job(target).await?;
        let result = checker.validate(&job).await;
        let checked = job.record.clone();
        drop(job);
        let stored = match taken {
            Taken::Local => {
                Stored::Local(self.with_vault(move |v| v.record_validation(&checked, &result?, Utc::now())).await?)
            }
            Taken::Team(c, token) => Stored::Team(c.record_validation(&token, &result?, Utc::now()).await?),
        };
        let row = self.row(stored).await?;
        self.log_use(target, &row.record, Action::Validate, validation_detail(&row.record)).await;
        note(target, Some(row.record.platform.id()), "token checked", "team token checked");
        Ok(row)
    }

    /// Change the editable fields. A team token's change is based on `expected_version`
    /// (required there; a newer version is a `team_conflict`); a local one ignores it.
    pub async fn update(
        &self,
        target: &TokenTarget,
        update: MetaUpdate,
        expected_version: Option<u64>,
    ) -> Result<TokenRow> {
        let stored = match *target {
            TokenTarget::Local { id } => Stored::Local(self.with_vault(move |v| v.update(id, update)).await?),
            TokenTarget::Team { vault_id, id } => {
                let version = team_version(expected_version)?;
                Stored::Team(self.client(vault_id).await?.update(id, update, version).await?)
            }
        };
        note(target, None, "token details updated", "team token details updated");
        self.row(stored).await
    }

    /// Rotate: a new secret of the same kind (based on `expected_version` for a team token).
    pub async fn replace_secret(
        &self,
        target: &TokenTarget,
        secret: SecretInput,
        expected_version: Option<u64>,
    ) -> Result<TokenRow> {
        let stored = match *target {
            TokenTarget::Local { id } => {
                Stored::Local(self.with_vault(move |v| v.replace_secret(id, secret, Utc::now())).await?)
            }
            TokenTarget::Team { vault_id, id } => {
                let version = team_version(expected_version)?;
                let c = self.client(vault_id).await?;
                Stored::Team(c.replace_secret(id, secret, version, Utc::now()).await?)
            }
        };
        note(target, None, "secret replaced", "team secret replaced");
        let row = self.row(stored).await?;
        self.log_use(target, &row.record, Action::Rotate, Some("secret replaced by hand".into())).await;
        Ok(row)
    }

    /// Delete the token (for everyone, in a team vault); the clipboard is cleared first if it
    /// holds its secret.
    pub async fn delete(&self, target: &TokenTarget) -> Result<()> {
        let before = self.get(target).await.ok();
        self.clear_clipboard_of(target).await;
        match *target {
            TokenTarget::Local { id } => self.with_vault(move |v| v.delete(id, Utc::now())).await?,
            TokenTarget::Team { vault_id, id } => self.client(vault_id).await?.delete(id).await?,
        }
        note(target, None, "token deleted", "team token deleted");
        if let Some(row) = before {
            self.log_use(target, &row.record, Action::Delete, None).await;
        }
        Ok(())
    }

    /// Clear the clipboard if it holds this token's secret (before the secret goes away).
    pub(super) async fn clear_clipboard_of(&self, target: &TokenTarget) {
        let Ok(secret) = self.secret_of(target, Use::Inspect).await else { return };
        let clipboard = self.inner.clipboard.clone();
        if off_thread(move || Ok(clipboard.clear_if_holds(&secret))).await.unwrap_or(false) {
            note(target, None, "cleared the secret from the clipboard", "cleared the team secret from the clipboard");
        }
    }

    /// Store a new token: in the local vault (`store` None) or in team vault `store`.
    pub async fn add(&self, store: Option<Uuid>, token: NewToken) -> Result<TokenRow> {
        let stored = match store {
            None => {
                let r = self.with_vault(move |v| v.add(token, Utc::now())).await?;
                tracing::info!(id = %r.id, platform = r.platform.id(), "token added");
                Stored::Local(r)
            }
            Some(vault_id) => {
                let t = self.client(vault_id).await?.add(token, Utc::now()).await?;
                tracing::info!(%vault_id, id = %t.record.id, "team token added");
                Stored::Team(t)
            }
        };
        let row = self.row(stored).await?;
        self.log_use(&row.target(), &row.record, Action::Add, None).await;
        Ok(row)
    }
}
