//! Blocking wrappers for callers that own a [`Vault`]: each runs the platform calls on core's
//! own small runtime and waits on a channel (never `block_on`), so they may be called from
//! any thread, including a Tauri blocking-pool thread.

use std::sync::{mpsc, OnceLock};

use chrono::Utc;
use uuid::Uuid;

use super::{CheckDone, CheckProgress, Checker};
use crate::error::{Error, Result};
use crate::platforms::RevokeOutcome;
use crate::record::TokenRecord;
use crate::vault::Vault;

/// Core's own small runtime for the blocking wrappers below.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RT: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("latchkey-check")
            .enable_all()
            .build()
            .map_err(|e| format!("could not start the checker ({e})"))
    })
    .as_ref()
    .map_err(|e| Error::Internal(e.clone()))
}

/// Run `fut` on core's runtime and wait for it on this thread (never `block_on`, so this is
/// safe from any thread).
pub(crate) fn wait<T: Send + 'static>(fut: impl std::future::Future<Output = T> + Send + 'static) -> Result<T> {
    let (tx, rx) = mpsc::channel();
    runtime()?.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().map_err(|_| Error::Internal("the check stopped unexpectedly".into()))
}

impl Vault {
    /// Check one token with the platform and store the result (blocking; see module docs).
    pub fn validate(&mut self, id: Uuid, checker: &Checker) -> Result<TokenRecord> {
        let job = self.check_job(id)?;
        let checker = checker.clone();
        let (record, validation) = wait(async move {
            let v = checker.validate(&job).await;
            (job.record, v)
        })?;
        self.record_validation(&record, &validation?, Utc::now())
    }

    /// Check many tokens (8 at a time, 4 per host by default), storing and reporting each as
    /// soon as it is finished. Blocking; see the module docs.
    pub fn validate_many(
        &mut self,
        ids: &[Uuid],
        checker: &Checker,
        mut progress: impl FnMut(&CheckProgress),
    ) -> Vec<(Uuid, Result<TokenRecord>)> {
        let total = ids.len() as u32;
        let mut done = 0u32;
        let mut out = Vec::with_capacity(ids.len());
        let mut report = |id: Uuid, r: Result<TokenRecord>, out: &mut Vec<(Uuid, Result<TokenRecord>)>| {
            done += 1;
            let p = CheckProgress {
                id,
                done,
                total,
                record: r.as_ref().ok().cloned(),
                error: r.as_ref().err().map(Error::payload),
            };
            progress(&p);
            out.push((id, r));
        };
        let mut jobs = vec![];
        for &id in ids {
            match self.check_job(id) {
                Ok(job) => jobs.push(job),
                Err(e) => report(id, Err(e), &mut out),
            }
        }
        let (tx, rx) = mpsc::channel::<CheckDone>();
        let checker = checker.clone();
        let started = runtime().map(|rt| {
            rt.spawn(async move {
                checker
                    .validate_all(jobs, |d| {
                        let _ = tx.send(d);
                    })
                    .await;
            })
        });
        if let Err(e) = started {
            tracing::error!(error = %e, "checks could not start");
        }
        for d in rx {
            let id = d.record.id;
            let stored = d.result.and_then(|v| self.record_validation(&d.record, &v, d.at));
            report(id, stored, &mut out);
        }
        out
    }

    /// Revoke through the platform's API where it allows; then the record is marked revoked
    /// and its secret removed at once. Otherwise the guided steps are returned and nothing
    /// changes until the user calls [`Vault::confirm_revoked`].
    pub fn revoke(&mut self, id: Uuid, checker: &Checker) -> Result<RevokeOutcome> {
        let job = self.check_job(id)?;
        let checker = checker.clone();
        let outcome = wait(async move { checker.revoke(&job).await })??;
        if outcome == RevokeOutcome::Revoked {
            self.confirm_revoked(id, "Revoked through the platform's API", Utc::now())?;
        }
        Ok(outcome)
    }
}
