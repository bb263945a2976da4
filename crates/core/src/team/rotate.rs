//! Rotating a team token through its platform's API (issue 17), the steps of a local rotation
//! kept in the team vault instead of the keychain, so that nothing is lost if Latchkey stops
//! half-way and any member's Latchkey can finish it.
//!
//! The rotation entry `<id>/rotation` (beside `<id>/secret`, under the same policy) holds the
//! new key and the old one from the moment the platform made the new key until the platform
//! refuses the old one. Every write is check-and-set: the entry is created with cas 0 (a second
//! member's rotation of the same token is refused, not doubled), the swap writes the meta at
//! the version the rotation read. The entry is destroyed (all versions) when it ends.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use uuid::Uuid;

use super::kv::Written;
use super::{TeamClient, TeamToken};
use crate::error::{Error, Result};
use crate::record::{RotationEvent, RotationStage};
use crate::vault;

/// Re-reads before giving up on the last write of a rotation (its history).
const RETRIES: usize = 5;

fn rotation_rel(id: Uuid) -> String {
    format!("{id}/rotation")
}

/// The rotation entry's data at `stage` (`created` or `swapped`).
fn entry(
    stage: &str,
    new: &SecretString,
    old: &SecretString,
    new_key: &Option<String>,
    old_key: &Option<String>,
) -> serde_json::Value {
    json!({
        "stage": stage,
        "new": new.expose_secret(),
        "old": old.expose_secret(),
        "new_key": new_key,
        "old_key": old_key,
    })
}

/// A team rotation under way, as the team vault keeps it. Debug never shows the secrets.
pub struct TeamRotation {
    /// `Created`: the new key waits here, the old one is in use. `Swapped`: the new one is in
    /// use, the old one waits here until the platform refuses it.
    pub stage: RotationStage,
    pub new: SecretString,
    pub old: SecretString,
    /// The platform's id of the new key (to delete it if the rotation is undone).
    pub new_key: Option<String>,
    /// The platform's id of the old key (to revoke it with the new one).
    pub old_key: Option<String>,
    version: u64,
}

impl std::fmt::Debug for TeamRotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamRotation").field("stage", &self.stage).field("version", &self.version).finish()
    }
}

impl TeamClient {
    /// The rotation of token `id` under way, if any.
    pub async fn rotation(&self, id: Uuid) -> Result<Option<TeamRotation>> {
        let Some(read) = self.kv.read(&rotation_rel(id)).await? else { return Ok(None) };
        let text = |key: &str| read.data[key].as_str().filter(|s| !s.is_empty()).map(str::to_string);
        let stage = match read.data["stage"].as_str() {
            Some("created") => RotationStage::Created,
            Some("swapped") => RotationStage::Swapped,
            // Destroyed (no data) or unreadable: nothing to resume.
            _ => return Ok(None),
        };
        let (Some(new), Some(old)) = (text("new"), text("old")) else { return Ok(None) };
        Ok(Some(TeamRotation {
            stage,
            new: SecretString::from(new),
            old: SecretString::from(old),
            new_key: text("new_key"),
            old_key: text("old_key"),
            version: read.version,
        }))
    }

    /// Step 2: keep the key the platform made (`new`) beside the one in use (`old`). `false`:
    /// another rotation of the token is under way (nothing written).
    pub async fn rotation_created(
        &self,
        id: Uuid,
        new: &SecretString,
        old: &SecretString,
        new_key: Option<String>,
        old_key: Option<String>,
    ) -> Result<bool> {
        let data = entry("created", new, old, &new_key, &old_key);
        Ok(matches!(self.kv.write(&rotation_rel(id), data, 0).await?, Written::Ok { .. }))
    }

    /// Step 3: the new key (validated by the caller) becomes the token's secret, based on
    /// `expected_version` of the meta; then the entry says so. A conflict leaves the rotation
    /// at `Created` (another member changed the token: rotating again resumes, or undo).
    pub async fn rotation_swap(
        &self,
        id: Uuid,
        rotation: &TeamRotation,
        expected_version: u64,
        now: DateTime<Utc>,
    ) -> Result<TeamToken> {
        let r = self.current(id, expected_version).await?.record;
        let prepared = vault::prepared_from_payload(&r, rotation.new.clone())?;
        let swapped = self.put_replacement(r, &prepared, expected_version, now).await?;
        let data = entry("swapped", &rotation.new, &rotation.old, &rotation.new_key, &rotation.old_key);
        // A conflict here is a second Latchkey finishing the same rotation: it is swapped either way.
        self.kv.write(&rotation_rel(id), data, rotation.version).await?;
        Ok(swapped)
    }

    /// The end: `event` (finished) goes into the token's rotation history, with the old
    /// secret's fingerprint among its revoked ones, or none (undone); then the entry and every
    /// version of it are destroyed.
    pub async fn rotation_end(
        &self,
        id: Uuid,
        old: Option<&SecretString>,
        event: Option<RotationEvent>,
    ) -> Result<TeamToken> {
        let mut token = self.get(id).await?;
        if let Some(event) = event {
            let mut written = None;
            for _ in 0..RETRIES {
                let mut current = self.get(id).await?;
                current.record.rotations.push(event.clone());
                if let Some(old) = old {
                    let usable = crate::secret::usable_secret(current.record.kind, old.clone())?;
                    let print = crate::leak::fingerprint(usable.expose_secret());
                    if !current.record.revoked_secrets.contains(&print) {
                        current.record.revoked_secrets.push(print);
                    }
                }
                match self.write_meta(&current.record, current.version).await {
                    Err(Error::TeamConflict { .. }) => continue,
                    other => {
                        written = Some(other?);
                        break;
                    }
                }
            }
            token = match written {
                Some(t) => t,
                None => return Err(Error::TeamConflict { label: token.record.label, version: token.version }),
            };
        }
        self.kv.delete_all(&rotation_rel(id)).await?;
        Ok(token)
    }
}
