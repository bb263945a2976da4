//! Revoking, once for both stores: the platform's API where the token may revoke itself,
//! then the old secret is **validated** before it goes (a refusal confirms the revoke; a
//! platform that still accepts it gets `Err(StillAccepted)` and nothing changes; one that
//! cannot be asked leaves it marked "not confirmed: …"). Otherwise the guided steps are
//! returned and nothing changes until [`Tokens::confirm_revoked`].

use chrono::Utc;

use super::flow::Stored;
use super::{note, TokenRow, TokenTarget, Tokens};
use crate::accesslog::Action;
use crate::check::unchecked_reason;
use crate::error::Result;
use crate::platforms::RevokeOutcome;

impl Tokens {
    /// Revoke through the platform's API where it allows, then confirm by validating the old
    /// secret and mark the token revoked; else the guided steps (nothing changed yet).
    pub async fn revoke(&self, target: &TokenTarget) -> Result<RevokeOutcome> {
        let checker = self.checker()?;
        let (_, job) = self.take_job(target).await?;
        crate::vault::rotate::refuse_if_rotating(&job.record)?;
        let platform = job.record.platform;
        let outcome = checker.revoke(&job).await?;
        if let RevokeOutcome::Guided { .. } = outcome {
            let record = job.record.clone();
            drop(job);
            self.log_use(target, &record, Action::Revoke, Some("guided steps shown".into())).await;
            note(target, Some(platform.id()), "guided revoke shown", "guided revoke shown for a team token");
            return Ok(outcome);
        }
        let check = checker.check_revoked(&job).await;
        drop(job);
        let reason = check.reason(&format!("Revoked through {}'s API", platform.name())).inspect_err(|_| match target {
            TokenTarget::Local { id } => {
                tracing::warn!(%id, platform = platform.id(), "the platform still accepts the token after the revoke")
            }
            TokenTarget::Team { vault_id, id } => tracing::warn!(
                %vault_id,
                %id,
                platform = platform.id(),
                "the platform still accepts the team token after the revoke"
            ),
        })?;
        self.mark_revoked(target, &reason).await?;
        note(
            target,
            Some(platform.id()),
            "token revoked through the platform's API",
            "team token revoked through the platform's API",
        );
        Ok(outcome)
    }

    /// The user says the token is revoked (after the guided steps). Unless `unchecked` ("mark
    /// revoked anyway"), the old secret is validated first, as after an API revoke: a platform
    /// that still accepts it gets `Err(StillAccepted)` and nothing changes.
    pub async fn confirm_revoked(&self, target: &TokenTarget, reason: &str, unchecked: bool) -> Result<TokenRow> {
        let reason = if unchecked {
            unchecked_reason(reason)
        } else {
            let checker = self.checker()?;
            let (_, job) = self.take_job(target).await?;
            let check = checker.check_revoked(&job).await;
            drop(job);
            note(target, None, "guided revoke checked", "guided revoke of a team token checked");
            check.reason(reason)?
        };
        let row = self.mark_revoked(target, &reason).await?;
        note(target, None, "token marked revoked", "team token marked revoked");
        Ok(row)
    }

    /// Mark the token revoked with `reason` as it is (no check: the caller's "it is revoked
    /// already"), clear the clipboard if it holds the secret, and remove the secret (local:
    /// from the keychain; team: every version destroyed, the history kept). Written to the
    /// access log with the reason.
    pub async fn mark_revoked(&self, target: &TokenTarget, reason: &str) -> Result<TokenRow> {
        self.clear_clipboard_of(target).await;
        let reason = reason.to_string();
        let stored = match *target {
            TokenTarget::Local { id } => {
                Stored::Local(self.with_vault(move |v| v.confirm_revoked(id, &reason, Utc::now())).await?)
            }
            TokenTarget::Team { vault_id, id } => {
                Stored::Team(self.client(vault_id).await?.mark_revoked(id, &reason, Utc::now()).await?)
            }
        };
        let row = self.row(stored).await?;
        let why = row.record.revoked.as_ref().map(|r| r.reason.clone());
        self.log_use(target, &row.record, Action::Revoke, why).await;
        Ok(row)
    }
}
