//! Using a token outside Latchkey: the environment `latchkey run` gives a command, and the
//! last-use mark that a copy or a run leaves.

use super::*;
use crate::platforms::adapter_for;

impl Vault {
    /// The environment variables `latchkey run` exports for token `id`: the platform's own
    /// names (its SDK's and CLI's), with values from the keychain. Counts as a use.
    pub fn run_env(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<Vec<(String, SecretString)>> {
        let record = self.get(id)?;
        if record.revoked.is_some() {
            return Err(Error::invalid(format!(
                "“{}” is marked revoked and its secret was removed; there is nothing to use.",
                record.label
            )));
        }
        let got = self.secrets.get(&id.to_string());
        let payload = self.keychain_result(got)?.ok_or_else(|| Error::SecretMissing { label: record.label.clone() })?;
        let vars = adapter_for(record.platform)?.env_vars(&record, &payload)?;
        self.record_use(id, now);
        Ok(vars)
    }

    /// Record that the secret of `id` left Latchkey to be used (a copy, a `latchkey run`).
    /// A failure to record it is logged, not returned: the use itself went ahead.
    pub fn record_use(&mut self, id: Uuid, now: DateTime<Utc>) {
        let marked = self.mutate(|idx| {
            if let Some(r) = find_mut(idx, id) {
                r.last_used_at = Some(r.last_used_at.map_or(now, |t| t.max(now)));
            }
            Ok(())
        });
        if let Err(e) = marked {
            tracing::warn!(error = %e, "could not record the last use");
        }
    }
}
