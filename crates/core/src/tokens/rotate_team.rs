//! Rotating a team token through the platform's API: the steps of [`Tokens::rotate`] for a
//! local token, with the two secrets kept in the team vault's rotation entry
//! (`team/rotate.rs`) instead of the keychain. Each step can be resumed by rotating again, by
//! this member or another: a new key made by the platform, kept beside the old one, validated,
//! put in place with check-and-set (every member then reads the new version), the old one
//! revoked with it and its refusal confirmed, the entry destroyed.

use chrono::Utc;
use uuid::Uuid;

use super::rotate::{new_key_refused, new_key_unchecked, old_key_refused, Rotated};
use super::{note, TokenTarget, Tokens};
use crate::check::{capitalise, CheckJob, RevokeCheck};
use crate::error::{Error, Result};
use crate::platforms::{PlatformAdapter, RevokeOutcome};
use crate::record::{RotationEvent, RotationStage, Validity};
use crate::team::{TeamClient, TeamRotation};

impl Tokens {
    /// [`Tokens::rotate`] for a team token.
    pub(super) async fn rotate_team(&self, vault_id: Uuid, id: Uuid) -> Result<Rotated> {
        let target = TokenTarget::Team { vault_id, id };
        let client = self.client(vault_id).await?;
        let checker = self.checker()?;
        let token = client.get(id).await?;
        let platform = token.record.platform;
        let adapter = checker.adapters().get(platform);
        let mut rotation = match client.rotation(id).await? {
            Some(r) => r,
            None => {
                let old = client.secret(id).await?;
                let made = adapter.create_successor(&token.record, &old).await?.ok_or_else(|| Error::CannotRotate {
                    platform: platform.name().into(),
                    reason: format!(
                        "{}'s API cannot make keys. Make the new one on its website, replace the team token's secret with \
                         it, then revoke the old one.",
                        platform.name()
                    ),
                })?;
                let kept = client
                    .rotation_created(id, &made.payload, &old, made.key_id.clone(), made.old_key_id.clone())
                    .await;
                if !matches!(kept, Ok(true)) {
                    // Not kept (or another member's rotation is under way): delete the new key on the
                    // platform rather than leave one nobody holds.
                    if let Some(k) = &made.key_id {
                        let _ = adapter.revoke_key(&token.record, &old, k).await;
                    }
                    kept?;
                    return Err(Error::invalid(format!(
                        "Another rotation of “{}” is under way in the team vault; rotate again to finish it.",
                        token.record.label
                    )));
                }
                note(&target, Some(platform.id()), "", "team rotation: new key made and kept in the team vault");
                client
                    .rotation(id)
                    .await?
                    .ok_or_else(|| Error::Internal("the team rotation entry went missing".into()))?
            }
        };
        if rotation.stage == RotationStage::Created {
            self.team_validate_and_swap(&client, id, &rotation, adapter).await?;
            note(&target, Some(platform.id()), "", "team rotation: new key validated and in use");
            rotation = match client.rotation(id).await? {
                Some(r) => r,
                None => return Err(Error::Internal("the team rotation entry went missing".into())),
            };
        }
        self.team_revoke_old(&client, id, &rotation, adapter).await
    }

    /// The new key must work before it replaces the old one; refused, it is deleted again and
    /// the rotation undone. Not checkable now: the rotation waits (rotating again resumes).
    async fn team_validate_and_swap(
        &self,
        client: &TeamClient,
        id: Uuid,
        rotation: &TeamRotation,
        adapter: &dyn PlatformAdapter,
    ) -> Result<()> {
        let checker = self.checker()?;
        let token = client.get(id).await?;
        let name = token.record.platform.name();
        let validation = checker.validate(&CheckJob::new(token.record.clone(), rotation.new.clone())).await?;
        match &validation.validity {
            Validity::Valid => {}
            Validity::Invalid { reason } => {
                let undone = self.team_undo(client, id, rotation, adapter).await;
                return Err(new_key_refused(name, reason, undone));
            }
            Validity::CannotCheck { reason } => return Err(new_key_unchecked(name, reason)),
        }
        let swapped = client.rotation_swap(id, rotation, token.version, Utc::now()).await?;
        client.record_validation(&swapped, &validation, Utc::now()).await?;
        Ok(())
    }

    /// Delete the new key on the platform (with the old one) and the rotation entry.
    async fn team_undo(
        &self,
        client: &TeamClient,
        id: Uuid,
        rotation: &TeamRotation,
        adapter: &dyn PlatformAdapter,
    ) -> Result<()> {
        let token = client.get(id).await?;
        if let Some(k) = &rotation.new_key {
            if let RevokeOutcome::Guided { settings_url, .. } =
                adapter.revoke_key(&token.record, &rotation.old, k).await?
            {
                return Err(Error::invalid(format!(
                    "{} did not delete the new key; delete it at {settings_url}.",
                    token.record.platform.name()
                )));
            }
        }
        client.rotation_end(id, None, None).await.map(drop)
    }

    /// The new key is in use: revoke the old one with it, confirm by validating the old
    /// secret, and finish (the history in the meta, the entry destroyed).
    async fn team_revoke_old(
        &self,
        client: &TeamClient,
        id: Uuid,
        rotation: &TeamRotation,
        adapter: &dyn PlatformAdapter,
    ) -> Result<Rotated> {
        let checker = self.checker()?;
        let record = client.get(id).await?.record;
        let old_job = CheckJob::new(record.clone(), rotation.old.clone());
        let finish = |how: String| {
            let old = rotation.old.clone();
            async move {
                let note = format!("old key revoked; {how}");
                // Team rotations are made through the API only.
                let event = RotationEvent { at: Utc::now(), how: "api".into(), outcome: note.clone() };
                let ended = client.rotation_end(id, Some(&old), Some(event)).await?;
                Ok::<_, Error>(Rotated {
                    record: ended.record,
                    finished: true,
                    note: capitalise(&note),
                    settings_url: None,
                })
            }
        };
        if let RevokeCheck::Confirmed { note } = checker.check_revoked(&old_job).await {
            return finish(note).await;
        }
        let outcome = match &rotation.old_key {
            Some(k) => adapter.revoke_key(&record, &rotation.new, k).await?,
            None => adapter.revoke(&record, &rotation.old).await?,
        };
        match old_key_refused(&checker, &old_job, outcome, record).await {
            Ok(note) => finish(note).await,
            Err(unfinished) => Ok(unfinished),
        }
    }

    /// [`Tokens::undo_rotation`] for a team token: only before the swap.
    pub(super) async fn undo_team_rotation(&self, vault_id: Uuid, id: Uuid) -> Result<crate::record::TokenRecord> {
        let client = self.client(vault_id).await?;
        let checker = self.checker()?;
        let token = client.get(id).await?;
        let Some(rotation) = client.rotation(id).await? else {
            return Err(Error::invalid(format!("No rotation of “{}” is under way.", token.record.label)));
        };
        if rotation.stage == RotationStage::Swapped {
            return Err(Error::invalid(format!(
                "The new key of “{}” is already in use; the rotation can only be finished.",
                token.record.label
            )));
        }
        self.team_undo(&client, id, &rotation, checker.adapters().get(token.record.platform)).await?;
        Ok(client.get(id).await?.record)
    }
}
