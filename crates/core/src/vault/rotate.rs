//! The local half of a rotation: the journal and the keychain. The platform half (making the
//! new key, revoking the old one) is `tokens/rotate.rs`, which calls these in order:
//!
//! | step | index mark                  | keychain                                  | after a crash                      |
//! |------|-----------------------------|-------------------------------------------|------------------------------------|
//! | 1    | `Rotating{Creating}`        | –                                         | mark cleared, the user warned (the platform may have made a key that was never stored) |
//! | 2    | `Rotating{Created, new}`    | new secret in `<id>.rotation-new`         | `rotate` resumes: validate the new key, swap |
//! | 3    | (swap)                      | old secret copied to `<id>.rotation-old`, new one to `<id>` | resumed: the main entry's hint says whether the swap happened |
//! | 4    | `Rotating{Swapped}`, record takes the new hint | `<id>.rotation-new` deleted | `rotate` resumes: revoke the old key, confirm |
//! | 5    | mark cleared, history added | `<id>.rotation-old` deleted               | –                                  |
//!
//! The old secret therefore never leaves the keychain before the new one is stored and has been
//! validated, and both are recoverable at every step. A record with a rotation under way
//! refuses to be replaced or deleted until the rotation is finished or undone.

use super::journal::{clear_mark, set_mark};
use super::*;
use crate::record::{PublicParts, RotationEvent, RotationStage};

/// Which of the two staged secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staged {
    New,
    Old,
}

/// The keychain account holding a rotation's other secret.
pub(crate) fn staged_account(id: Uuid, which: Staged) -> String {
    match which {
        Staged::New => format!("{id}.rotation-new"),
        Staged::Old => format!("{id}.rotation-old"),
    }
}

fn staged_label(record: &TokenRecord, which: Staged) -> String {
    let what = match which {
        Staged::New => "new key, rotation under way",
        Staged::Old => "old key, rotation under way",
    };
    format!("Latchkey: {} “{}” ({what})", record.platform.name(), record.label)
}

/// Where a record's rotation stands (`None` when there is none).
pub fn rotation_stage(record: &TokenRecord) -> Option<RotationStage> {
    match &record.pending {
        Pending::Rotating { stage, .. } => Some(*stage),
        _ => None,
    }
}

/// Refuse to change a record whose rotation is under way (it would lose track of a secret).
pub(crate) fn refuse_if_rotating(record: &TokenRecord) -> Result<()> {
    if rotation_stage(record).is_some() {
        return Err(Error::invalid(format!(
            "A rotation of “{}” is under way. Finish it or undo it first (Rotate in the app, or `latchkey rotate`).",
            record.label
        )));
    }
    Ok(())
}

impl Vault {
    /// Step 1: mark the record before the platform is asked for a new key. Refused for a
    /// revoked record, one with another change under way, or a team-less read-only vault.
    pub fn rotation_begin(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<TokenRecord> {
        let current = self.get(id)?;
        if current.revoked.is_some() {
            return Err(Error::invalid(format!(
                "“{}” is revoked; add its replacement instead of rotating it.",
                current.label
            )));
        }
        refuse_if_rotating(&current)?;
        if !current.pending.is_none() {
            return Err(Error::invalid(format!(
                "Another change of “{}” is under way; try again in a minute.",
                current.label
            )));
        }
        self.check_writable()?;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            let stage = Pending::Rotating {
                stage: RotationStage::Creating,
                hint: String::new(),
                public: PublicParts::default(),
                new_key: None,
                old_key: None,
            };
            set_mark(r, stage, now);
            Ok(r.clone())
        })
    }

    /// Step 2: the platform made the new key (`payload`, its id `new_key`; the old key's id
    /// `old_key`): keep it in its own keychain entry and say so in the mark.
    pub fn rotation_created(
        &mut self,
        id: Uuid,
        payload: SecretString,
        new_key: Option<String>,
        old_key: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<TokenRecord> {
        let current = self.get(id)?;
        let prepared = super::journal::prepared_from_payload(&current, payload)?;
        self.stage_new(&current, prepared, new_key, old_key, now)
    }

    /// Step 2 of a guided rotation: the new secret the user made on the platform's website
    /// (checked as a replacement is: same kind, not revoked before, not the current one).
    pub fn rotation_given(&mut self, id: Uuid, input: SecretInput, now: DateTime<Utc>) -> Result<TokenRecord> {
        let current = self.get(id)?;
        let prepared = super::edit::prepare_replacement(&current, input)?;
        self.refuse_revoked(&prepared)?;
        super::edit::refuse_secret_in_record(&prepared, &current)?;
        let got = self.secrets.get(&id.to_string());
        if let Some(old) = self.keychain_result(got)? {
            if old.expose_secret() == prepared.payload.expose_secret() {
                return Err(Error::invalid_field(
                    crate::error::Field::Secret,
                    "That is the current secret. Make a new one on the platform's website first.",
                ));
            }
        }
        self.stage_new(&current, prepared, None, None, now)
    }

    fn stage_new(
        &mut self,
        current: &TokenRecord,
        prepared: PreparedSecret,
        new_key: Option<String>,
        old_key: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<TokenRecord> {
        let id = current.id;
        let put = self.secrets.put_labeled(
            &staged_account(id, Staged::New),
            &staged_label(current, Staged::New),
            &prepared.payload,
        );
        self.keychain_result(put)?;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            let stage = Pending::Rotating {
                stage: RotationStage::Created,
                hint: prepared.hint.clone(),
                public: prepared.public.clone(),
                new_key,
                old_key,
            };
            set_mark(r, stage, now);
            Ok(r.clone())
        })
    }

    /// A staged secret (`None` when there is none).
    pub fn rotation_secret(&mut self, id: Uuid, which: Staged) -> Result<Option<SecretString>> {
        let got = self.secrets.get(&staged_account(id, which));
        self.keychain_result(got)
    }

    /// Steps 3 and 4: the new key (validated by the caller) becomes the token's secret; the old
    /// one is kept in its own entry until the platform refuses it. Idempotent: a swap that
    /// was interrupted is finished (the main entry's hint says how far it got).
    pub fn rotation_swap(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<TokenRecord> {
        let current = self.get(id)?;
        let Pending::Rotating { stage, hint, public, new_key, old_key } = current.pending.clone() else {
            return Err(Error::invalid(format!("No rotation of “{}” is under way.", current.label)));
        };
        if stage == RotationStage::Swapped {
            return Ok(current);
        }
        if stage != RotationStage::Created {
            return Err(Error::Internal("the rotation has no new key to put in place".into()));
        }
        let main = id.to_string();
        let got = self.secrets.get(&main);
        let in_main =
            self.keychain_result(got)?.ok_or_else(|| Error::SecretMissing { label: current.label.clone() })?;
        let main_is_new = super::journal::prepared_from_payload(&current, in_main.clone())
            .map(|p| p.hint == hint && p.public == public)
            .unwrap_or(false);
        let new = match self.rotation_secret(id, Staged::New)? {
            Some(new) => new,
            // Only the main entry can hold it now (the staged one is deleted after the swap).
            None if main_is_new => in_main.clone(),
            None => return Err(Error::SecretMissing { label: format!("{} (the rotation's new key)", current.label) }),
        };
        if !main_is_new {
            // The old secret first, so that it is never only in memory.
            let put = self.secrets.put_labeled(
                &staged_account(id, Staged::Old),
                &staged_label(&current, Staged::Old),
                &in_main,
            );
            self.keychain_result(put)?;
            let put = self.secrets.put_labeled(&main, &super::edit::keychain_label(&current), &new);
            self.keychain_result(put)?;
        }
        let prepared = super::journal::prepared_from_payload(&current, new)?;
        let swapped = self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            super::edit::take_replacement(r, &prepared, now);
            set_mark(r, Pending::Rotating { stage: RotationStage::Swapped, hint, public, new_key, old_key }, now);
            Ok(r.clone())
        })?;
        let deleted = self.secrets.delete(&staged_account(id, Staged::New));
        self.keychain_result(deleted)?;
        Ok(swapped)
    }

    /// Step 5: the rotation is over; forget the old secret and add `event` to the history.
    pub fn rotation_finish(&mut self, id: Uuid, event: RotationEvent) -> Result<TokenRecord> {
        self.end_rotation(id, Staged::Old, Some(event))
    }

    /// Undo a rotation that has not swapped yet: the staged new secret is deleted and the old
    /// one stays in use (the caller deletes the new key on the platform first, where it can).
    pub fn rotation_abort(&mut self, id: Uuid) -> Result<TokenRecord> {
        let current = self.get(id)?;
        if rotation_stage(&current) == Some(RotationStage::Swapped) {
            return Err(Error::invalid(format!(
                "The new key of “{}” is already in use; the rotation can only be finished.",
                current.label
            )));
        }
        self.end_rotation(id, Staged::New, None)
    }

    /// Delete the `staged` secret no longer needed, clear the mark and, when the rotation went
    /// through, add `event` to the history.
    fn end_rotation(&mut self, id: Uuid, staged: Staged, event: Option<RotationEvent>) -> Result<TokenRecord> {
        let deleted = self.secrets.delete(&staged_account(id, staged));
        self.keychain_result(deleted)?;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            if rotation_stage(r).is_some() {
                clear_mark(r);
            }
            r.rotations.extend(event);
            Ok(r.clone())
        })
    }
}
