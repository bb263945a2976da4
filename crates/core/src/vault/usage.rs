//! Using a token outside Latchkey: the environment `latchkey run` gives a command, and the
//! last-use mark that a copy or a run leaves.

use super::*;

impl Vault {
    /// The environment variables `latchkey run` exports for token `id`: the platform's own
    /// names (its SDK's and CLI's), with values from the keychain. Not recorded as a use:
    /// the caller records all of a run's tokens at once with [`Vault::record_uses`].
    pub fn run_env(&mut self, id: Uuid) -> Result<Vec<(String, SecretString)>> {
        let record = self.get(id)?;
        if record.revoked.is_some() {
            return Err(Error::invalid(format!(
                "“{}” is marked revoked and its secret was removed; there is nothing to use.",
                record.label
            )));
        }
        let got = self.secrets.get(&id.to_string());
        let payload = self.keychain_result(got)?.ok_or_else(|| Error::SecretMissing { label: record.label.clone() })?;
        crate::platforms::env_vars(&record, &payload)
    }

    /// Record that the secret of `id` left Latchkey to be used (a copy, a `latchkey run`).
    /// A failure to record it is logged, not returned: the use itself went ahead.
    pub fn record_use(&mut self, id: Uuid, now: DateTime<Utc>) {
        self.record_uses(&[id], now)
    }

    /// [`Vault::record_use`] for several tokens, in one write of the index.
    pub fn record_uses(&mut self, ids: &[Uuid], now: DateTime<Utc>) {
        let marked = self.mutate(|idx| {
            for r in idx.records.iter_mut().filter(|r| ids.contains(&r.id)) {
                r.last_used_at = Some(r.last_used_at.map_or(now, |t| t.max(now)));
            }
            Ok(())
        });
        if let Err(e) = marked {
            tracing::warn!(error = %e, "could not record the last use");
        }
    }
}
