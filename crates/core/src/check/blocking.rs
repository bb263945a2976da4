//! Core's own small runtime, and "validate all" for callers that own a [`Vault`]: the
//! platform calls run on that runtime and the caller waits on a channel (never `block_on`),
//! so it may be called from any thread, including a Tauri blocking-pool thread. One token's
//! validate and revoke are `crate::tokens::Tokens` (for local and team tokens alike), whose
//! `blocking` runs on this runtime too.

use std::sync::{mpsc, OnceLock};

use uuid::Uuid;

use super::{CheckDone, CheckProgress, Checker};
use crate::error::{Error, Result};
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
        let mut logged = vec![];
        for d in rx {
            let id = d.record.id;
            let stored = d.result.and_then(|v| self.record_validation(&d.record, &v, d.at));
            if let Ok(r) = &stored {
                logged.push(crate::accesslog::Event::validated(r));
            }
            report(id, stored, &mut out);
        }
        // One append for all of them (one lock, one flush).
        self.log_uses(logged);
        out
    }
}
