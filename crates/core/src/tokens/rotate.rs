//! Rotation through the platform's API (issue 17): a new key made by the platform, stored and
//! validated, and only then the old one revoked (with the new key) and its refusal confirmed.
//! The local steps and the journal are `vault/rotate.rs`; every step here can be resumed by
//! calling [`Tokens::rotate`] again, which starts from the stage the record's mark names.
//!
//! Roboflow and env0 (organization admin keys) make keys through their APIs; CVAT does with
//! the user's password, given to [`Tokens::rotate_with_password`] for this one call. Platforms whose
//! API cannot make keys (Supervisely, Encord; CVAT without the password) answer
//! `Err(CannotRotate)` to [`Tokens::rotate`] before anything changes; their rotation is guided,
//! [`Tokens::rotate_with`] the new secret the user made, and from there the same steps.

use chrono::Utc;
use secrecy::SecretString;
use serde::Serialize;
use ts_rs::TS;

use super::{note, TokenTarget, Tokens};
use crate::accesslog::Action;
use crate::check::{capitalise, CheckJob, Checker, RevokeCheck};
use crate::error::{Error, Result};
use crate::platforms::{PlatformAdapter, RevokeOutcome};
use crate::record::{Pending, RotationEvent, RotationStage, TokenRecord, Validity};
use crate::secret::SecretInput;
use crate::vault::rotate::{rotation_stage, Staged};

/// Where a rotation ended.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Rotated {
    /// The record now (the new key's hint; its rotation history).
    pub record: TokenRecord,
    /// Done: the new key is in use and the platform refuses the old one.
    /// Not done: the new key is in use, the old one still has to go (`note` says why, and
    /// `settings_url` where to revoke it by hand); rotating again finishes it.
    pub finished: bool,
    pub note: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings_url: Option<String>,
}

impl Tokens {
    /// Rotate a local token through its platform's API, or resume a rotation that stopped.
    pub async fn rotate(&self, target: &TokenTarget) -> Result<Rotated> {
        self.rotate_as(target, None).await
    }

    /// Rotate a token whose platform makes and deletes keys only for a signed-in user (CVAT),
    /// with the account's password. The password is used for those two requests and dropped
    /// (zeroised) when this returns: never stored, logged, journalled or put in an error.
    pub async fn rotate_with_password(&self, target: &TokenTarget, password: SecretString) -> Result<Rotated> {
        self.rotate_as(target, Some(&password)).await
    }

    async fn rotate_as(&self, target: &TokenTarget, password: Option<&SecretString>) -> Result<Rotated> {
        if let TokenTarget::Team { vault_id, id } = *target {
            let rotated = self.rotate_team(vault_id, id).await;
            return self.log_rotated(target, rotated).await;
        }
        let id = local_id(target)?;
        let checker = self.checker()?;
        let current = self.with_vault(move |v| v.get(id)).await?;
        let adapter = checker.adapters().get(current.platform);
        if rotation_stage(&current).is_none() {
            if adapter.rotates_with_password() && password.is_none() {
                let platform = current.platform.name();
                return Err(Error::CannotRotate {
                    platform: platform.into(),
                    reason: format!(
                        "{platform} makes tokens only for a signed-in user, so Rotate needs your {platform} password \
                         once (`latchkey rotate <token> --password-stdin`, or the app's Rotate form; it is never \
                         stored). An account that signs in only through SSO has none: make the new token on \
                         {platform}'s website and give it to `latchkey rotate --new-secret`."
                    ),
                });
            }
            self.start_by_api(target, &current, adapter, password).await?;
        }
        let record = self.with_vault(move |v| v.get(id)).await?;
        if rotation_stage(&record) == Some(RotationStage::Created) {
            self.validate_and_swap(id, &record, password).await?;
            note(target, Some(current.platform.id()), "rotation: new key validated and in use", "");
        }
        let rotated = self.revoke_old(id, adapter, password).await;
        self.log_rotated(target, rotated).await
    }

    /// A guided rotation: the user made the new secret on the platform's website. It is kept
    /// apart and validated, then put in place; the old one stays in its own keychain entry until
    /// the platform refuses it (revoked through the API where the platform allows, else on its
    /// website: rotating again confirms it and finishes).
    pub async fn rotate_with(&self, target: &TokenTarget, input: SecretInput) -> Result<Rotated> {
        let id = local_id(target)?;
        let checker = self.checker()?;
        let current = self.with_vault(move |v| v.get(id)).await?;
        let adapter = checker.adapters().get(current.platform);
        // Refused while another rotation is under way.
        self.with_vault(move |v| v.rotation_begin(id, Utc::now())).await?;
        if let Err(e) = self.with_vault(move |v| v.rotation_given(id, input, Utc::now())).await {
            return Err(self.abandon(id, e).await);
        }
        note(target, Some(current.platform.id()), "guided rotation: new secret kept", "");
        let record = self.with_vault(move |v| v.get(id)).await?;
        self.validate_and_swap(id, &record, None).await?;
        let rotated = self.revoke_old(id, adapter, None).await;
        self.log_rotated(target, rotated).await
    }

    /// Write where a rotation ended to the access log (an error is the caller's to report).
    async fn log_rotated(&self, target: &TokenTarget, rotated: Result<Rotated>) -> Result<Rotated> {
        if let Ok(r) = &rotated {
            let detail = if r.finished { "finished" } else { "new key in use; the old one not refused yet" };
            self.log_use(target, &r.record, Action::Rotate, Some(detail.into())).await;
        }
        rotated
    }

    /// Steps 1 and 2 through the API: mark the record, have the platform make the new key
    /// (authenticated by the old one) and keep it in its own keychain entry.
    async fn start_by_api(
        &self,
        target: &TokenTarget,
        current: &TokenRecord,
        adapter: &dyn PlatformAdapter,
        password: Option<&SecretString>,
    ) -> Result<()> {
        let id = current.id;
        let platform = current.platform.name();
        self.with_vault(move |v| v.rotation_begin(id, Utc::now())).await?;
        note(target, Some(current.platform.id()), "rotation started", "");
        let old = match self.with_vault(move |v| v.check_job(id)).await {
            Ok(job) => job,
            Err(e) => return Err(self.abandon(id, e).await),
        };
        let made = match password {
            Some(pw) if adapter.rotates_with_password() => {
                adapter.create_successor_with_password(&old.record, old.payload(), pw).await
            }
            _ => adapter.create_successor(&old.record, old.payload()).await,
        };
        let made = match made {
            Ok(Some(made)) => made,
            Ok(None) => {
                let e = Error::CannotRotate {
                    platform: platform.into(),
                    reason: format!(
                        "{platform}'s API cannot make keys. Make the new one on its website and give it to \
                         Rotate (`latchkey rotate --new-secret`): Latchkey checks it, puts it in place and \
                         keeps the old one until {platform} refuses it."
                    ),
                };
                return Err(self.abandon(id, e).await);
            }
            Err(e) => return Err(self.abandon(id, e).await),
        };
        let (payload, new_key, old_key) = (made.payload.clone(), made.key_id.clone(), made.old_key_id.clone());
        if let Err(e) = self.with_vault(move |v| v.rotation_created(id, payload, new_key, old_key, Utc::now())).await {
            // It could not be kept: delete it on the platform rather than leave a key nobody holds.
            if let Some(k) = &made.key_id {
                let _ = match password {
                    Some(pw) => adapter.revoke_key_with_password(&old.record, old.payload(), pw, k).await,
                    None => adapter.revoke_key(&old.record, old.payload(), k).await,
                };
            }
            return Err(self.abandon(id, e).await);
        }
        note(target, Some(current.platform.id()), "rotation: new key made and kept", "");
        Ok(())
    }

    /// Undo the local part of a rotation that failed before its swap, and hand back why it
    /// failed (an undo that fails too is left to repair, which clears a stale mark).
    async fn abandon(&self, id: uuid::Uuid, why: Error) -> Error {
        let _ = self.with_vault(move |v| v.rotation_abort(id)).await;
        why
    }

    /// Undo a rotation that has not swapped yet: the new key is deleted on the platform (with
    /// the old one, which stays in use) and from the keychain.
    pub async fn undo_rotation(&self, target: &TokenTarget) -> Result<TokenRecord> {
        self.undo_rotation_as(target, None).await
    }

    /// [`Tokens::undo_rotation`] with the account's password, for a platform that deletes
    /// keys only for a signed-in user (CVAT).
    pub async fn undo_rotation_with_password(
        &self,
        target: &TokenTarget,
        password: SecretString,
    ) -> Result<TokenRecord> {
        self.undo_rotation_as(target, Some(&password)).await
    }

    async fn undo_rotation_as(&self, target: &TokenTarget, password: Option<&SecretString>) -> Result<TokenRecord> {
        if let TokenTarget::Team { vault_id, id } = *target {
            let record = self.undo_team_rotation(vault_id, id).await?;
            self.log_use(target, &record, Action::Rotate, Some("undone".into())).await;
            return Ok(record);
        }
        let id = local_id(target)?;
        let checker = self.checker()?;
        let record = self.with_vault(move |v| v.get(id)).await?;
        if let Pending::Rotating { stage: RotationStage::Created, new_key: Some(key), .. } = &record.pending {
            let old = self.with_vault(move |v| v.check_job(id)).await?;
            let adapter = checker.adapters().get(record.platform);
            let outcome = match password {
                Some(pw) => adapter.revoke_key_with_password(&record, old.payload(), pw, key).await?,
                None => adapter.revoke_key(&record, old.payload(), key).await?,
            };
            match outcome {
                RevokeOutcome::Revoked => {}
                RevokeOutcome::Guided { settings_url, .. } => {
                    return Err(Error::invalid(format!(
                        "{} did not delete the new key; delete it at {settings_url}, then undo again.",
                        record.platform.name()
                    )))
                }
            }
        }
        let record = self.with_vault(move |v| v.rotation_abort(id)).await?;
        self.log_use(target, &record, Action::Rotate, Some("undone".into())).await;
        Ok(record)
    }

    /// The new key must work before it replaces the old one. Refused: it is deleted again and
    /// the old one stays. Not checkable now: the rotation waits (resumed by rotating again).
    async fn validate_and_swap(
        &self,
        id: uuid::Uuid,
        record: &TokenRecord,
        password: Option<&SecretString>,
    ) -> Result<()> {
        let checker = self.checker()?;
        let platform = record.platform.name();
        // A swap interrupted after the staged entry was deleted: the main entry holds the new key.
        let Some(new) = self.with_vault(move |v| v.rotation_secret(id, Staged::New)).await? else {
            return self.with_vault(move |v| v.rotation_swap(id, Utc::now())).await.map(drop);
        };
        let validation = checker.validate(&CheckJob::new(record.clone(), new)).await?;
        match &validation.validity {
            Validity::Valid => {}
            Validity::Invalid { reason } => {
                let reason = reason.clone();
                let undone = self.undo_rotation_as(&TokenTarget::Local { id }, password).await;
                // Guided: the user made it; nothing was made on the platform to delete.
                if let (Pending::Rotating { new_key: None, .. }, Ok(_)) = (&record.pending, &undone) {
                    let reason = format!("{}.", reason.trim_end_matches('.'));
                    return Err(Error::RotationSecretRefused { reason });
                }
                return Err(new_key_refused(platform, &reason, undone.map(drop)));
            }
            Validity::CannotCheck { reason } => return Err(new_key_unchecked(platform, reason)),
        }
        let swapped = self.with_vault(move |v| v.rotation_swap(id, Utc::now())).await?;
        self.with_vault(move |v| v.record_validation(&swapped, &validation, Utc::now())).await?;
        Ok(())
    }

    /// The new key is in use: revoke the old one with it, confirm by validating the old
    /// secret, and finish. An old key that was already refused (revoked on the website, or a
    /// revoke that took effect late) finishes at once.
    async fn revoke_old(
        &self,
        id: uuid::Uuid,
        adapter: &dyn PlatformAdapter,
        password: Option<&SecretString>,
    ) -> Result<Rotated> {
        let checker = self.checker()?;
        let record = self.with_vault(move |v| v.get(id)).await?;
        let Some(old) = self.with_vault(move |v| v.rotation_secret(id, Staged::Old)).await? else {
            let event =
                event(&record, "the old key's secret was no longer in the keychain; check it is gone on the platform");
            let record = self.with_vault(move |v| v.rotation_finish(id, event)).await?;
            return Ok(Rotated {
                record,
                finished: true,
                note: "The old key's secret was gone.".into(),
                settings_url: None,
            });
        };
        let old_job = CheckJob::new(record.clone(), old);
        let how = record.clone();
        let finish = |note: String| async move {
            let ev = event(&how, &format!("old key revoked; {note}"));
            let record = self.with_vault(move |v| v.rotation_finish(id, ev)).await?;
            Ok(Rotated {
                record,
                finished: true,
                note: capitalise(&format!("old key revoked; {note}")),
                settings_url: None,
            })
        };
        // Already refused?
        if let RevokeCheck::Confirmed { note } = checker.check_revoked(&old_job).await {
            return finish(note).await;
        }
        let old_key = match &record.pending {
            Pending::Rotating { old_key, .. } => old_key.clone(),
            _ => None,
        };
        let new = self.with_vault(move |v| v.check_job(id)).await?;
        let outcome = match &old_key {
            // Without the password (a resumed rotation) CVAT answers with its guided steps,
            // which say the password is needed.
            Some(k) => match password {
                Some(pw) => adapter.revoke_key_with_password(&new.record, new.payload(), pw, k).await?,
                None => adapter.revoke_key(&new.record, new.payload(), k).await?,
            },
            None => adapter.revoke(&old_job.record, old_job.payload()).await?,
        };
        match old_key_refused(&checker, &old_job, outcome, record).await {
            Ok(note) => finish(note).await,
            Err(unfinished) => Ok(unfinished),
        }
    }
}

/// The error for a new key the platform refused when checked; `undone`: whether deleting it
/// again (and undoing the local steps) worked.
pub(super) fn new_key_refused(platform: &str, reason: &str, undone: Result<()>) -> Error {
    Error::CannotRotate {
        platform: platform.into(),
        reason: match undone {
            Ok(()) => format!("the new key it made was refused when checked ({reason}); it was deleted again."),
            Err(e) => format!("the new key it made was refused when checked ({reason}), and undoing failed: {e}"),
        },
    }
}

/// The error for a new key that could not be checked now (the rotation waits and resumes).
pub(super) fn new_key_unchecked(platform: &str, reason: &str) -> Error {
    Error::RotationUnchecked { platform: platform.into(), reason: reason.trim_end_matches('.').into() }
}

/// After the old key's revoke (`outcome`): `Ok(how it was confirmed)` when the platform
/// refuses the old secret now (the caller finishes the rotation), else the rotation as it
/// stays for now — revoked by hand on the website, revocation pending, or not confirmable —
/// with what to do next.
pub(super) async fn old_key_refused(
    checker: &Checker,
    old_job: &CheckJob,
    outcome: RevokeOutcome,
    record: TokenRecord,
) -> std::result::Result<String, Rotated> {
    let platform = record.platform.name();
    if let RevokeOutcome::Guided { settings_url, note, .. } = outcome {
        let why = note.map(|n| format!(" ({})", n.trim_end_matches('.'))).unwrap_or_default();
        return Err(Rotated {
            record,
            finished: false,
            note: format!(
                "The new key is in use. {platform} did not revoke the old one{why}: revoke it on the website, then rotate again to confirm."
            ),
            settings_url: Some(settings_url),
        });
    }
    let note = match checker.check_revoked(old_job).await {
        RevokeCheck::Confirmed { note } => return Ok(note),
        RevokeCheck::StillAccepted { .. } => format!(
            "The new key is in use. {platform} still accepts the old one (revocation pending); rotate again later to confirm it is refused."
        ),
        RevokeCheck::NotConfirmed { note } => {
            format!("The new key is in use; the old one's revocation is {note}. Rotate again to confirm it.")
        }
    };
    Err(Rotated { record, finished: false, note, settings_url: None })
}

/// The history entry: `api` when the platform made the new key, `guided` when the user did.
fn event(record: &TokenRecord, outcome: &str) -> RotationEvent {
    let how = match &record.pending {
        Pending::Rotating { new_key: Some(_), .. } => "api",
        _ => "guided",
    };
    RotationEvent { at: Utc::now(), how: how.into(), outcome: outcome.to_string() }
}

/// The id of a local token (a team token's rotation is `rotate_team.rs`).
fn local_id(target: &TokenTarget) -> Result<uuid::Uuid> {
    match *target {
        TokenTarget::Local { id } => Ok(id),
        TokenTarget::Team { .. } => Err(Error::invalid(
            "A team token is rotated through its platform's API only: for one whose platform cannot make keys, \
             replace its secret with the new one, then revoke the old one.",
        )),
    }
}
