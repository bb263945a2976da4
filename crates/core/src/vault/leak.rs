//! The vault's side of leak watch: the needles (every live secret from the keychain, every
//! revoked secret's fingerprint), the leak settings and allow rules.

use super::*;
use crate::leak::{AllowRule, LeakSettings, NeedleSet, ScanIssue, TokenRef};

/// Folders a scan may be given at most.
const MAX_FOLDERS: usize = 50;
/// Allow rules kept at most.
const MAX_ALLOWED: usize = 500;

impl Vault {
    /// What a scan searches for: the secrets of all live tokens (read from the keychain,
    /// held only in the returned set) and the fingerprints of revoked ones. A token whose
    /// secret cannot be read is left out and reported as an issue.
    pub fn leak_needles(&mut self) -> Result<(NeedleSet, Vec<ScanIssue>)> {
        let records = self.records()?;
        let mut builder = NeedleSet::builder();
        let mut issues = vec![];
        // All live secrets in one go: one keychain session instead of one per token.
        let live: Vec<String> = records.iter().filter(|r| r.revoked.is_none()).map(|r| r.id.to_string()).collect();
        let mut secrets = self.secrets.get_many(&live).into_iter();
        for r in records {
            let token = TokenRef { token_id: r.id, platform: r.platform, label: r.label.clone(), hint: r.hint.clone() };
            for f in &r.revoked_secrets {
                builder.revoked(token.clone(), f);
            }
            if r.revoked.is_some() {
                continue;
            }
            let got = secrets.next().unwrap_or(Ok(None));
            match self.keychain_result(got) {
                Ok(Some(payload)) => {
                    if let Err(e) = builder.payload(token, r.kind, &payload) {
                        issues.push(ScanIssue { path: String::new(), message: format!("“{}”: {e}", r.label) });
                    }
                }
                Ok(None) => issues.push(ScanIssue {
                    path: String::new(),
                    message: format!("The keychain holds no secret for “{}”; it was not searched for.", r.label),
                }),
                // The keychain itself is down: a scan without the secrets would say "no leak".
                Err(e) if e.is_keychain_down() => return Err(e),
                Err(e) => issues.push(ScanIssue { path: String::new(), message: format!("“{}”: {e}", r.label) }),
            }
        }
        Ok((builder.build(), issues))
    }

    /// Replace the leak watch settings (places, allow rules).
    pub fn set_leak_settings(&mut self, leak: LeakSettings) -> Result<Settings> {
        let leak = clean_leak(leak)?;
        self.mutate(|idx| {
            idx.settings.leak = leak;
            Ok(idx.settings.clone())
        })
    }

    /// Add one allow rule (from a finding's "Mark allowed").
    pub fn allow_leak_place(&mut self, rule: AllowRule) -> Result<Settings> {
        let mut leak = self.index.settings.leak.clone();
        if !leak.allowed.contains(&rule) {
            leak.allowed.push(rule);
        }
        self.set_leak_settings(leak)
    }
}

/// Trimmed, de-duplicated, within limits.
pub(crate) fn clean_leak(mut leak: LeakSettings) -> Result<LeakSettings> {
    let mut folders: Vec<String> = vec![];
    for f in leak.places.folders.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        if !folders.iter().any(|x| x == f) {
            folders.push(f.to_string());
        }
    }
    if folders.len() > MAX_FOLDERS {
        return Err(Error::invalid(format!("Scan at most {MAX_FOLDERS} project folders.")));
    }
    leak.places.folders = folders;
    if leak.places.schedule_hours.is_some_and(|h| !(1..=24 * 30).contains(&h)) {
        return Err(Error::invalid("Scan by itself every 1 to 720 hours, or only on demand."));
    }
    leak.allowed.retain(|r| !r.path.trim().is_empty());
    for r in &mut leak.allowed {
        r.path = r.path.trim().to_string();
    }
    leak.allowed.dedup();
    if leak.allowed.len() > MAX_ALLOWED {
        return Err(Error::invalid(format!("Keep at most {MAX_ALLOWED} allowed places.")));
    }
    Ok(leak)
}
