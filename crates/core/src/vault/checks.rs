//! The vault's side of platform checks and revocation: short, synchronous steps around the
//! (asynchronous) platform calls that `crate::check` runs.
//!
//! The split: asking a platform takes seconds and must not hold the vault (and its index lock)
//! meanwhile, so a check is three steps — [`Vault::check_job`] takes the record and its
//! keychain payload out, `crate::check::Checker` asks the platform without the vault, and
//! [`Vault::record_validation`] stores what was learnt (under the index lock, re-reading the
//! newest index first). `crate::check` also offers blocking wrappers that do all three for
//! callers that hold the vault anyway (the command line).

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::{find_mut, Vault};
use crate::check::CheckJob;
use crate::error::{Error, Result};
use crate::platforms::{PlatformExpiry, Validation};
use crate::record::{ExpirySource, Identity, Revocation, TokenRecord, ValidationOutcome, Validity};
use crate::secret::usable_secret;

impl Vault {
    /// What validating `id` needs: the record and its keychain payload. Not counted as a use.
    pub fn check_job(&mut self, id: Uuid) -> Result<CheckJob> {
        let record = self.get(id)?;
        if record.revoked.is_some() {
            return Err(Error::invalid(format!(
                "“{}” is marked revoked and its secret was removed; there is nothing to validate.",
                record.label
            )));
        }
        let got = self.secrets.get(&id.to_string());
        let payload = self.keychain_result(got)?.ok_or_else(|| Error::SecretMissing { label: record.label.clone() })?;
        Ok(CheckJob::new(record, payload))
    }

    /// Store what a check of `checked` (the record as it was when the check started) learnt,
    /// at `at`. Never stores a secret. A result for a secret that was replaced meanwhile is
    /// dropped, and the current record returned unchanged.
    ///
    /// Valid: identity, expiry (the platform's overrides a hand-entered one, which is kept in
    /// `user_expires_at`, and a note says so) and the platform's own creation and last-use
    /// dates (`platform_*`, never Latchkey's `last_used_at`) are taken.
    /// Invalid: stored as the verdict. Cannot check: stored as the last attempt only; the
    /// previous verdict stands (a network failure never changes valid/invalid).
    pub fn record_validation(
        &mut self,
        checked: &TokenRecord,
        validation: &Validation,
        at: DateTime<Utc>,
    ) -> Result<TokenRecord> {
        let id = checked.id;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            apply_validation(r, checked, validation, at);
            Ok(r.clone())
        })
    }

    /// The user confirms the token is revoked (after a guided revoke, or an API revoke):
    /// mark it revoked with `reason`, then delete its keychain entry. Calling it again on a
    /// revoked record retries the keychain deletion.
    pub fn confirm_revoked(&mut self, id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<TokenRecord> {
        let record = self.get(id)?;
        super::rotate::refuse_if_rotating(&record)?;
        let reason = reason.trim();
        let reason = if reason.is_empty() { "Revoked" } else { reason };
        if reason.chars().count() > 500 {
            return Err(Error::invalid("Keep the reason under 500 characters."));
        }
        // The reason is stored unencrypted: refuse it if it holds the secret. The secret's
        // fingerprint is kept so a scan or an import recognises it later.
        let mut fingerprint = None;
        if let Ok(Some(payload)) = self.secrets.get(&id.to_string()) {
            if let Ok(usable) = usable_secret(record.kind, payload) {
                let s = usable.expose_secret();
                if s.len() >= 8 && reason.contains(s) {
                    return Err(Error::invalid("The reason contains the secret itself; it is stored unencrypted."));
                }
                fingerprint = Some(crate::leak::fingerprint(s));
            }
        }
        self.check_writable()?;
        let reason = reason.to_string();
        let marked = self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            if r.revoked.is_none() {
                r.revoked = Some(Revocation { at: now, reason });
            }
            if let Some(f) = fingerprint {
                if !r.revoked_secrets.contains(&f) {
                    r.revoked_secrets.push(f);
                }
            }
            Ok(r.clone())
        })?;
        let deleted = self.secrets.delete(&id.to_string());
        self.keychain_result(deleted)?;
        Ok(marked)
    }
}

/// Apply what a check of `checked` learnt to `r` (the newest copy of the record); false, and
/// `r` unchanged, when the secret was replaced or revoked while the check ran. Shared by the
/// local vault and team vaults.
pub(crate) fn apply_validation(
    r: &mut TokenRecord,
    checked: &TokenRecord,
    validation: &Validation,
    at: DateTime<Utc>,
) -> bool {
    if r.secret_since() != checked.secret_since() || r.hint != checked.hint || r.revoked.is_some() {
        tracing::info!(id = %r.id, "check result dropped: the secret changed while it ran");
        return false;
    }
    let mut notes = validation.notes.clone();
    if validation.validity == Validity::Valid {
        if let Some(learnt) = &validation.identity {
            merge_identity(&mut r.identity, learnt);
        }
        if let Some(expiry) = validation.expiry {
            apply_platform_expiry(r, expiry, checked.platform.name(), &mut notes);
        }
        // The platform's own facts, kept apart from Latchkey's use. A last use only moves
        // forward (a check that could not read it does not forget an earlier one).
        if let Some(used) = validation.last_used_at {
            r.platform_last_used_at = Some(r.platform_last_used_at.map_or(used, |known| known.max(used)));
        }
        if validation.created_at.is_some() {
            r.platform_created_at = validation.created_at;
        }
    }
    let outcome = ValidationOutcome { at, validity: validation.validity.clone(), notes };
    if !matches!(outcome.validity, Validity::CannotCheck { .. }) {
        r.last_verdict = Some(outcome.clone());
    }
    r.last_validation = Some(outcome);
    true
}

fn merge_identity(mine: &mut Identity, learnt: &Identity) {
    if learnt.owner.is_some() {
        mine.owner = learnt.owner.clone();
    }
    if learnt.workspace.is_some() {
        mine.workspace = learnt.workspace.clone();
    }
    if learnt.role.is_some() {
        mine.role = learnt.role.clone();
    }
    if !learnt.scopes.is_empty() {
        mine.scopes = learnt.scopes.clone();
    }
    if learnt.read_only.is_some() {
        mine.read_only = learnt.read_only;
    }
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "never".into())
}

fn apply_platform_expiry(r: &mut TokenRecord, expiry: PlatformExpiry, platform: &str, notes: &mut Vec<String>) {
    let reported = match expiry {
        PlatformExpiry::At(t) => Some(t),
        PlatformExpiry::Never => None,
    };
    match r.expiry_source {
        ExpirySource::User => {
            let by_hand = r.expires_at;
            if by_hand.is_some() && by_hand != reported {
                notes.push(format!(
                    "{platform} reports the expiry as {}; that replaces the one entered by hand ({}).",
                    day(reported),
                    day(by_hand)
                ));
            } else if by_hand.is_none() && reported.is_some() {
                notes.push(format!("{platform} reports the expiry: {}.", day(reported)));
            }
            r.user_expires_at = by_hand;
            r.expiry_source = ExpirySource::Platform;
        }
        ExpirySource::Platform => {
            if r.expires_at != reported {
                notes.push(format!(
                    "{platform} now reports the expiry as {} (was {}).",
                    day(reported),
                    day(r.expires_at)
                ));
            }
        }
    }
    r.expires_at = reported;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use secrecy::SecretString;

    use super::*;
    use crate::platforms::Validation;
    use crate::record::Platform;
    use crate::secret::SecretInput;
    use crate::secret_store::memory::MemoryStore;
    use crate::NewToken;

    fn now() -> DateTime<Utc> {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    fn vault_with(
        platform: Platform,
        expires: Option<&str>,
    ) -> (tempfile::TempDir, Arc<MemoryStore>, Vault, TokenRecord) {
        let dir = tempfile::tempdir().unwrap();
        let mem = Arc::new(MemoryStore::default());
        let mut v = Vault::open(dir.path().join("data"), mem.clone(), now());
        let r = v
            .add(
                NewToken {
                    platform,
                    label: "t".into(),
                    server_url: None,
                    secret: SecretInput::Token {
                        token: SecretString::from("FAKEcvat.secret0000000000000000001".to_string()),
                    },
                    expires_at: expires.map(|e| e.parse().unwrap()),
                    owner: Some("typed-by-hand".into()),
                    workspace: None,
                    tags: vec![],
                    notes: String::new(),
                    check: None,
                    allow_revoked: None,
                    rotate_before_days: None,
                },
                now(),
            )
            .unwrap();
        (dir, mem, v, r)
    }

    #[test]
    fn platform_expiry_overrides_the_hand_entered_one_and_keeps_it() {
        let (_d, _m, mut v, r) = vault_with(Platform::Cvat, Some("2027-01-01T00:00:00Z"));
        let mut learnt = Validation::valid().identity(Identity { owner: Some("alice".into()), ..Default::default() });
        learnt.expiry = Some(PlatformExpiry::At("2026-12-24T00:00:00Z".parse().unwrap()));
        learnt.last_used_at = Some("2026-11-20T00:00:00Z".parse().unwrap());
        learnt.created_at = Some("2025-01-02T00:00:00Z".parse().unwrap());
        let out = v.record_validation(&r, &learnt, now()).unwrap();
        assert_eq!(out.expires_at, Some("2026-12-24T00:00:00Z".parse().unwrap()));
        assert_eq!(out.user_expires_at, Some("2027-01-01T00:00:00Z".parse().unwrap()));
        assert_eq!(out.expiry_source, ExpirySource::Platform);
        assert_eq!(out.identity.owner.as_deref(), Some("alice"));
        // The platform's facts are its own; Latchkey's use is untouched.
        assert_eq!(out.platform_last_used_at, Some("2026-11-20T00:00:00Z".parse().unwrap()));
        assert_eq!(out.platform_created_at, Some("2025-01-02T00:00:00Z".parse().unwrap()));
        assert_eq!(out.last_used_at, None);
        let notes = &out.last_validation.as_ref().unwrap().notes;
        assert!(notes.iter().any(|n| n.contains("replaces the one entered by hand")), "{notes:?}");
        // Editing the expiry makes it the user's again; sending it back unchanged does not.
        let keep = crate::MetaUpdate {
            label: "t".into(),
            server_url: None,
            expires_at: out.expires_at,
            owner: out.identity.owner.clone(),
            workspace: None,
            tags: vec![],
            notes: String::new(),
            check: None,
            stale_period_days: None,
            rotate_before_days: None,
        };
        assert_eq!(v.update(r.id, keep.clone()).unwrap().expiry_source, ExpirySource::Platform);
        let changed = v.update(r.id, crate::MetaUpdate { expires_at: None, ..keep }).unwrap();
        assert_eq!(changed.expiry_source, ExpirySource::User);
        assert_eq!(changed.user_expires_at, None);
    }

    #[test]
    fn a_cvat_servers_own_period_is_kept_by_edits_and_refused_elsewhere_or_out_of_range() {
        let (_d, _m, mut v, r) = vault_with(Platform::Cvat, None);
        let edit = |days| crate::MetaUpdate {
            label: "t".into(),
            server_url: None,
            expires_at: None,
            owner: None,
            workspace: None,
            tags: vec![],
            notes: String::new(),
            check: None,
            stale_period_days: days,
            rotate_before_days: None,
        };
        assert_eq!(v.update(r.id, edit(Some(365))).unwrap().stale_period_days, Some(365));
        for bad in [0, 3651] {
            let e = v.update(r.id, edit(Some(bad))).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { field: Some(crate::Field::StalePeriod), .. }), "{bad}: {e}");
        }
        assert_eq!(v.get(r.id).unwrap().stale_period_days, Some(365));
        assert_eq!(v.update(r.id, edit(None)).unwrap().stale_period_days, None, "empty is CVAT's default");
        let (_d2, _m2, mut v2, rf) = vault_with(Platform::Roboflow, None);
        assert!(v2.update(rf.id, edit(Some(30))).unwrap_err().to_string().contains("CVAT servers only"));
    }

    #[test]
    fn replacing_the_secret_forgets_what_the_platform_said_about_the_old_one() {
        let (_d, _m, mut v, r) = vault_with(Platform::Cvat, None);
        let mut learnt = Validation::valid();
        learnt.last_used_at = Some("2025-01-01T00:00:00Z".parse().unwrap());
        learnt.created_at = Some("2024-01-01T00:00:00Z".parse().unwrap());
        let out = v.record_validation(&r, &learnt, now()).unwrap();
        assert!(out.platform_last_used_at.is_some() && out.platform_created_at.is_some());
        let new = SecretInput::Token { token: SecretString::from("FAKEcvat.secret0000000000000000009".to_string()) };
        let replaced = v.replace_secret(r.id, new, now()).unwrap();
        assert_eq!((replaced.platform_last_used_at, replaced.platform_created_at), (None, None));
    }

    #[test]
    fn cannot_check_keeps_the_verdict_and_learns_nothing() {
        let (_d, _m, mut v, r) = vault_with(Platform::Cvat, None);
        v.record_validation(&r, &Validation::invalid("CVAT refused the token (HTTP 401)"), now()).unwrap();
        let mut blip = Validation::cannot_check("timeout");
        blip.expiry = Some(PlatformExpiry::Never);
        let out = v.record_validation(&r, &blip, now() + chrono::Duration::minutes(1)).unwrap();
        assert!(matches!(out.last_validation.unwrap().validity, Validity::CannotCheck { .. }));
        assert!(matches!(out.last_verdict.unwrap().validity, Validity::Invalid { .. }));
        assert_eq!(out.expiry_source, ExpirySource::User);
        assert_eq!(out.identity.owner.as_deref(), Some("typed-by-hand"));
    }

    #[test]
    fn a_result_for_a_replaced_secret_is_dropped() {
        let (_d, _m, mut v, r) = vault_with(Platform::Cvat, None);
        v.replace_secret(
            r.id,
            SecretInput::Token { token: SecretString::from("FAKEcvat.secret0000000000000000002".to_string()) },
            now() + chrono::Duration::seconds(1),
        )
        .unwrap();
        let out = v.record_validation(&r, &Validation::invalid("old secret refused"), now()).unwrap();
        assert_eq!(out.last_validation, None);
    }

    #[test]
    fn confirm_revoked_marks_and_removes_the_secret_and_nothing_is_checked_after() {
        let (dir, mem, mut v, r) = vault_with(Platform::Roboflow, None);
        let e = v.confirm_revoked(r.id, "leaked FAKEcvat.secret0000000000000000001 in a log", now()).unwrap_err();
        assert!(e.to_string().contains("contains the secret"));
        let out = v.confirm_revoked(r.id, "leaked in a CI log", now()).unwrap();
        assert_eq!(out.revoked.as_ref().unwrap().reason, "leaked in a CI log");
        assert!(!mem.has(&r.id.to_string()));
        assert!(v.check_job(r.id).unwrap_err().to_string().contains("revoked"));
        // Confirming again is harmless and keeps the first time and reason.
        let again = v.confirm_revoked(r.id, "other", now() + chrono::Duration::hours(1)).unwrap();
        assert_eq!(again.revoked, out.revoked);
        let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
        assert!(!text.contains("FAKEcvat"));
    }

    #[test]
    fn a_revoked_secret_comes_back_only_when_the_user_says_so_and_the_record_takes_a_replacement() {
        let (_d, mem, mut v, r) = vault_with(Platform::Roboflow, None);
        let old = "FAKEcvat.secret0000000000000000001";
        let revoked = v.confirm_revoked(r.id, "leaked", now()).unwrap();
        assert_eq!(revoked.revoked_secrets, [crate::leak::fingerprint(old)]);
        let again = |allow| NewToken { allow_revoked: allow, ..NewToken::token(Platform::Roboflow, "again", old) };
        let e = v.add(again(None), now()).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::RevokedSecret);
        // Nor as the replacement of the revoked record itself.
        let same = SecretInput::Token { token: SecretString::from(old.to_string()) };
        assert_eq!(v.replace_secret(r.id, same, now()).unwrap_err().kind(), crate::ErrorKind::RevokedSecret);
        // "Add the replacement token": the same record, label and all, no longer revoked.
        let new = SecretInput::Token { token: SecretString::from("FAKEnew0000000000000002".to_string()) };
        let replaced = v.replace_secret(r.id, new, now()).unwrap();
        assert_eq!((replaced.id, replaced.label.as_str(), replaced.revoked.is_none()), (r.id, "t", true));
        assert_eq!(replaced.revoked_secrets.len(), 1, "the old secret is still recognised");
        assert!(mem.has(&r.id.to_string()));
        // The user says so: added anyway.
        assert!(v.add(again(Some(true)), now()).is_ok());
    }
}
