//! After a revoke, ask the platform about the old secret before it leaves the keychain: a
//! refusal (401/403) confirms the revoke; a platform that still accepts the secret means the
//! revoke did not take effect, and the token is not marked revoked (the secret stays, so the
//! user can try again or mark it anyway); a platform that cannot be asked leaves the revoke
//! marked but "not confirmed", with the reason.

use super::{CheckJob, Checker};
use crate::error::{Error, Result};
use crate::record::Validity;

/// What validating the old secret after a revoke said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeCheck {
    /// The platform refuses the secret now: "revocation confirmed by Roboflow (401)".
    Confirmed { note: String },
    /// The platform still accepts it: the revoke did not take effect.
    StillAccepted { platform: String },
    /// The platform could not be asked: "not confirmed: Roboflow could not be reached …".
    NotConfirmed { note: String },
}

impl RevokeCheck {
    /// The reason to keep on the record (`base` and what the check said), or
    /// `Err(StillAccepted)` when the platform still accepts the secret.
    pub fn reason(&self, base: &str) -> Result<String> {
        let base = base.trim().trim_end_matches('.');
        let note = match self {
            RevokeCheck::Confirmed { note } | RevokeCheck::NotConfirmed { note } => note,
            RevokeCheck::StillAccepted { platform } => {
                return Err(Error::StillAccepted { platform: platform.clone() });
            }
        };
        Ok(if base.is_empty() { capitalise(note) } else { format!("{base}; {note}") })
    }
}

/// The reason kept when the user marks a token revoked without the check ("mark revoked
/// anyway"): theirs, if any, and that it was not confirmed.
pub fn unchecked_reason(reason: &str) -> String {
    let reason = reason.trim().trim_end_matches('.');
    if reason.is_empty() {
        "Marked revoked without confirmation".to_string()
    } else {
        format!("{reason}; marked revoked without confirmation")
    }
}

/// `s` with its first letter in upper case.
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The HTTP status in an adapter's refusal ("Roboflow refused the key (HTTP 401): …").
fn http_status(reason: &str) -> Option<u16> {
    let at = reason.find("HTTP ")? + 5;
    reason.get(at..at + 3)?.parse().ok()
}

impl Checker {
    /// Validate the old secret after a revoke (the job still holds it).
    pub async fn check_revoked(&self, job: &CheckJob) -> RevokeCheck {
        let name = job.record.platform.name();
        match self.validate(job).await {
            Ok(v) => match v.validity {
                Validity::Invalid { reason } => RevokeCheck::Confirmed {
                    note: match http_status(&reason) {
                        Some(code) => format!("revocation confirmed by {name} ({code})"),
                        None => format!("revocation confirmed by {name} (it refuses the token)"),
                    },
                },
                Validity::Valid => RevokeCheck::StillAccepted { platform: name.to_string() },
                Validity::CannotCheck { reason } => {
                    RevokeCheck::NotConfirmed { note: format!("not confirmed: {}", reason.trim_end_matches('.')) }
                }
            },
            Err(e) => {
                RevokeCheck::NotConfirmed { note: format!("not confirmed: {}", e.to_string().trim_end_matches('.')) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_is_read_from_the_refusal() {
        assert_eq!(http_status("Roboflow refused the key (HTTP 401): it was revoked"), Some(401));
        assert_eq!(http_status("CVAT refused the token (HTTP 403): …"), Some(403));
        assert_eq!(http_status("refused the API key (signature)"), None);
    }

    #[test]
    fn the_reason_says_what_the_check_found() {
        let ok = RevokeCheck::Confirmed { note: "revocation confirmed by Roboflow (401)".into() };
        assert_eq!(
            ok.reason("Revoked through Roboflow's API").unwrap(),
            "Revoked through Roboflow's API; revocation confirmed by Roboflow (401)"
        );
        assert_eq!(ok.reason("  ").unwrap(), "Revocation confirmed by Roboflow (401)");
        let not = RevokeCheck::NotConfirmed { note: "not confirmed: Roboflow could not be reached".into() };
        assert_eq!(not.reason("leaked in CI.").unwrap(), "leaked in CI; not confirmed: Roboflow could not be reached");
        let still = RevokeCheck::StillAccepted { platform: "Roboflow".into() };
        let e = still.reason("x").unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::StillAccepted);
        assert_eq!(unchecked_reason(" leaked. "), "leaked; marked revoked without confirmation");
        assert_eq!(unchecked_reason(""), "Marked revoked without confirmation");
        assert!(e.to_string().starts_with("Roboflow still accepts this token; the revoke did not take effect."), "{e}");
    }
}
