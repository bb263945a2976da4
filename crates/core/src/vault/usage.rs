//! Using a token outside Latchkey: the environment `latchkey run` gives a command, and the
//! last-use mark that a copy or a run leaves.

use super::*;

impl Vault {
    /// The environment variables `latchkey run` exports for each of `ids`, in their order: the
    /// platform's own names (its SDK's and CLI's), with values from the keychain, all read
    /// together (one session: `latchkey run -t a -t b` starts sooner). Not recorded as a use:
    /// the caller records all of a run's tokens at once with [`Vault::record_uses`].
    pub fn run_envs(&mut self, ids: &[Uuid]) -> Vec<Result<Vec<(String, SecretString)>>> {
        self.payloads(ids)
            .into_iter()
            .map(|got| got.and_then(|(record, payload)| crate::platforms::env_vars(&record, &payload)))
            .collect()
    }

    /// The usable secret of each of `ids` (as [`Vault::secret`] gives it for [`Use::Inspect`]),
    /// each read once, all together; the first (in the order of `ids`) that cannot be had is
    /// the error.
    pub fn secrets_of(&mut self, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, SecretString>> {
        let mut distinct: Vec<Uuid> = Vec::with_capacity(ids.len());
        for id in ids {
            if !distinct.contains(id) {
                distinct.push(*id);
            }
        }
        let payloads = self.payloads(&distinct);
        distinct
            .into_iter()
            .zip(payloads)
            .map(|(id, got)| {
                let (record, payload) = got?;
                let secret = usable_secret(record.kind, payload)
                    .map_err(|e| Error::SecretUnreadable { label: record.label.clone(), detail: e.to_string() })?;
                Ok((id, secret))
            })
            .collect()
    }

    /// Each token's record and stored payload, in the order of `ids`: one keychain read for all
    /// (`get_many`). A revoked token's secret was removed: that is said, not read.
    fn payloads(&mut self, ids: &[Uuid]) -> Vec<Result<(TokenRecord, SecretString)>> {
        let records: Vec<Result<TokenRecord>> = ids
            .iter()
            .map(|id| {
                let record = self.get(*id)?;
                if record.revoked.is_some() {
                    return Err(Error::invalid(format!(
                        "“{}” is marked revoked and its secret was removed; there is nothing to use.",
                        record.label
                    )));
                }
                Ok(record)
            })
            .collect();
        let wanted: Vec<String> = records.iter().flatten().map(|r| r.id.to_string()).collect();
        let mut got = self.secrets.get_many(&wanted).into_iter();
        records
            .into_iter()
            .map(|record| {
                let record = record?;
                let read = got.next().unwrap_or(Ok(None));
                let payload =
                    self.keychain_result(read)?.ok_or_else(|| Error::SecretMissing { label: record.label.clone() })?;
                Ok((record, payload))
            })
            .collect()
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
