//! The vault's side of expiry alerts: what is due (see `alert_plan`), remembering what was
//! sent, snoozing a token.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{find_mut, Vault};
use crate::alert_plan::{plan, DueAlert, Plan};
use crate::error::{Error, Result};
use crate::record::{SentAlert, TokenRecord};

/// Sent-alert keys kept per token; older ones belong to past expiries and stretches.
const SENT_KEPT: usize = 32;

impl Vault {
    /// The alerts due at `now` and when to look again.
    pub fn alerts_due(&mut self, now: DateTime<Utc>) -> Result<Plan> {
        self.refresh()?;
        let settings = self.index.settings.clone();
        Ok(plan(&self.index.records, &settings.alerts, &settings.policy, now))
    }

    /// Remember that `due` was shown, so it is never shown again (also after a restart).
    pub fn mark_alerts_sent(&mut self, due: &[DueAlert], now: DateTime<Utc>) -> Result<()> {
        if due.is_empty() {
            return Ok(());
        }
        self.mutate(|idx| {
            for d in due {
                if let Some(r) = find_mut(idx, d.id) {
                    for key in &d.keys {
                        if !r.alerts_sent.iter().any(|a| &a.key == key) {
                            r.alerts_sent.push(SentAlert { key: key.clone(), at: now });
                        }
                    }
                    let excess = r.alerts_sent.len().saturating_sub(SENT_KEPT);
                    r.alerts_sent.drain(..excess);
                }
            }
            Ok(())
        })
    }

    /// No alerts for `id` until `until` (`None` ends a snooze).
    pub fn snooze(&mut self, id: Uuid, until: Option<DateTime<Utc>>) -> Result<TokenRecord> {
        self.get(id)?;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            r.snoozed_until = until;
            Ok(r.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::record::Platform;
    use crate::secret_store::memory::MemoryStore;
    use crate::NewToken;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn sent_alerts_survive_reopening_and_snooze_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mem = Arc::new(MemoryStore::default());
        let now = at("2026-11-25T12:00:00Z");
        let mut v = Vault::open(dir.path().join("data"), mem.clone(), now);
        let r = v
            .add(
                NewToken {
                    expires_at: Some(at("2026-11-27T12:00:00Z")),
                    ..NewToken::token(Platform::Cvat, "soon", "FAKEalert0001")
                },
                now,
            )
            .unwrap();
        let due = v.alerts_due(now).unwrap().due;
        assert_eq!(due.len(), 1);
        v.mark_alerts_sent(&due, now).unwrap();
        drop(v);
        let mut v = Vault::open(dir.path().join("data"), mem, now);
        assert!(v.alerts_due(now).unwrap().due.is_empty());
        let later = at("2026-11-26T12:00:00Z");
        v.snooze(r.id, Some(at("2026-11-27T00:00:00Z"))).unwrap();
        let p = v.alerts_due(later).unwrap();
        assert!(p.due.is_empty(), "snoozed past the 1-day lead time");
        assert_eq!(p.next_wake, Some(at("2026-11-27T00:00:00Z")));
        assert_eq!(v.alerts_due(at("2026-11-27T00:00:00Z")).unwrap().due.len(), 1);
    }
}
