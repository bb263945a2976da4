//! The journal of two-store changes: marks set before touching the keychain, and the
//! repair that finishes or undoes changes whose process died (see the `vault` module docs).

use super::*;

/// A journal mark older than this belongs to a change that will not finish by itself (its
/// process died, or its keychain call was abandoned). Longer than any live change can take:
/// lock wait (10 s) + keychain call (20 s) + lock wait (10 s).
fn pending_grace() -> chrono::Duration {
    chrono::Duration::seconds(60)
}

impl Vault {
    pub(super) fn has_stale_marks(&self, now: DateTime<Utc>) -> bool {
        self.index.records.iter().any(|r| is_stale_mark(r, now) && repair_can_finish(r))
    }

    /// Finish or undo changes a crash interrupted (see the module docs). Marks younger than
    /// the grace period may belong to a change still running in another process: left alone.
    pub(super) fn repair(&mut self, now: DateTime<Utc>) -> Result<()> {
        self.refresh()?;
        let pending: Vec<TokenRecord> =
            self.index.records.iter().filter(|r| is_stale_mark(r, now) && repair_can_finish(r)).cloned().collect();
        for record in pending {
            let label = record.label.clone();
            match &record.pending {
                Pending::None => {}
                Pending::Adding => {
                    let present = self.secrets.get(&record.id.to_string())?.is_some();
                    self.mutate(|idx| {
                        if present {
                            if let Some(r) = find_marked(idx, &record) {
                                clear_mark(r);
                            }
                        } else {
                            idx.records.retain(|r| !same_mark(r, &record));
                        }
                        Ok(())
                    })?;
                    if present {
                        self.notices.push(Notice::info(format!("Finished adding “{label}”, which was interrupted.")));
                    } else {
                        self.notices.push(Notice::warning(format!(
                            "Adding “{label}” was interrupted before its secret reached the keychain; the entry was removed. Add it again."
                        )));
                    }
                }
                Pending::Replacing { hint, public } => {
                    let payload = self.secrets.get(&record.id.to_string())?;
                    let applied = match payload {
                        Some(p) => prepared_from_payload(&record, p)
                            .map(|prep| &prep.hint == hint && &prep.public == public)
                            .unwrap_or(false),
                        None => false,
                    };
                    let (hint, public) = (hint.clone(), public.clone());
                    self.mutate(|idx| {
                        if let Some(r) = find_marked(idx, &record) {
                            if applied {
                                r.hint = hint;
                                r.public = public;
                                r.rotated_at.push(now);
                                r.revoked = None;
                            }
                            clear_mark(r);
                        }
                        Ok(())
                    })?;
                    self.notices.push(Notice::info(format!(
                        "Replacing the secret of “{label}” was interrupted; {}.",
                        if applied { "the new secret is in place" } else { "the previous secret is still in place" }
                    )));
                }
                // A rotation past this step needs the platform: `rotate` resumes it.
                Pending::Rotating { .. } => {
                    self.mutate(|idx| {
                        if let Some(r) = find_marked(idx, &record) {
                            clear_mark(r);
                        }
                        Ok(())
                    })?;
                    self.notices.push(Notice::warning(format!(
                        "Rotating “{label}” was interrupted while {} was making the new key; the old key is still in use. \
                         If {} lists a key made at that time that Latchkey does not hold, revoke it there.",
                        record.platform.name(),
                        record.platform.name()
                    )));
                }
                Pending::Deleting => {
                    self.secrets.delete(&record.id.to_string())?;
                    self.mutate(|idx| {
                        idx.records.retain(|r| !same_mark(r, &record));
                        Ok(())
                    })?;
                    self.notices.push(Notice::info(format!("Finished deleting “{label}”, which was interrupted.")));
                }
            }
        }
        Ok(())
    }
}

pub(super) fn set_mark(r: &mut TokenRecord, step: Pending, now: DateTime<Utc>) {
    r.pending = step;
    r.pending_since = Some(now);
}

pub(super) fn clear_mark(r: &mut TokenRecord) {
    r.pending = Pending::None;
    r.pending_since = None;
}

/// Whether repair can finish or undo the mark without the platform: every change but a
/// rotation past its first step (`rotate` resumes those).
fn repair_can_finish(r: &TokenRecord) -> bool {
    !matches!(&r.pending, Pending::Rotating { stage, .. } if *stage != crate::record::RotationStage::Creating)
}

pub(super) fn is_stale_mark(r: &TokenRecord, now: DateTime<Utc>) -> bool {
    !r.pending.is_none() && r.pending_since.is_none_or(|t| now - t >= pending_grace())
}

/// The record still carries the very mark we decided on (no other process moved it on).
pub(super) fn same_mark(r: &TokenRecord, seen: &TokenRecord) -> bool {
    r.id == seen.id && r.pending == seen.pending && r.pending_since == seen.pending_since
}

pub(super) fn find_marked<'a>(idx: &'a mut IndexFile, seen: &TokenRecord) -> Option<&'a mut TokenRecord> {
    idx.records.iter_mut().find(|r| same_mark(r, seen))
}

/// Rebuild the public facts of a stored payload (to check an interrupted replacement).
pub(crate) fn prepared_from_payload(record: &TokenRecord, payload: SecretString) -> Result<PreparedSecret> {
    let input = match record.kind {
        TokenKind::Token => SecretInput::Token { token: payload },
        TokenKind::SshKey => SecretInput::SshKey { private_key: payload },
        TokenKind::ResourceKey => SecretInput::ResourceKey {
            resource_id: record.public.resource_id.clone().unwrap_or_default(),
            api_key: payload,
        },
        TokenKind::KeyPair => {
            #[derive(Deserialize)]
            struct Pair {
                key_id: String,
                secret: String,
            }
            let pair: Pair = serde_json::from_str(payload.expose_secret())
                .map_err(|_| Error::invalid("stored key pair unreadable"))?;
            SecretInput::KeyPair { key_id: pair.key_id, secret: SecretString::from(pair.secret) }
        }
    };
    input.prepare(record.platform)
}
