//! Running platform checks and revocations: concurrently, politely, and apart from the vault.
//!
//! The vault is synchronous (file lock, keychain calls on helper threads) and the adapters are
//! asynchronous (HTTP). A check is therefore split in three (see `vault/checks.rs`):
//!
//! 1. [`Vault::check_job`] — take the record and its keychain payload out (short, sync);
//! 2. [`Checker::validate`] / [`Checker::validate_all`] — ask the platforms, without the
//!    vault, at most `concurrency` (8) at a time and `per_host` (4) per server origin, each
//!    finished token reported at once through a callback;
//! 3. [`Vault::record_validation`] — store what was learnt (short, sync).
//!
//! The vault lock is held only for steps 1 and 3. One token's validate and revoke (for local
//! and team tokens alike) are `crate::tokens::Tokens`; for callers that simply own a vault
//! (the command line), [`Vault::validate_many`] does all three for many tokens on a small
//! runtime of core's own, recording each token as soon as its answer arrives. It blocks the
//! calling thread and may be called from any thread (it never calls `block_on`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Error, ErrorPayload, Result};
use crate::platforms::http::{host_of, HttpClient};
use crate::platforms::{Adapters, RevokeOutcome, Validation};
use crate::record::{TokenKind, TokenRecord, Validity};
use crate::secret::usable_secret;

pub(crate) use revoked::capitalise;
pub use revoked::{unchecked_reason, RevokeCheck};

/// A record with its keychain payload, ready to be checked. Debug never shows the payload.
pub struct CheckJob {
    pub record: TokenRecord,
    payload: SecretString,
}

impl CheckJob {
    pub(crate) fn new(record: TokenRecord, payload: SecretString) -> Self {
        CheckJob { record, payload }
    }

    /// The keychain payload (rotation hands it to the adapter that makes the new key).
    pub(crate) fn payload(&self) -> &SecretString {
        &self.payload
    }

    /// For tests and tools that hold a secret outside any vault.
    #[doc(hidden)]
    pub fn from_parts(record: TokenRecord, payload: SecretString) -> Self {
        CheckJob { record, payload }
    }
}

impl std::fmt::Debug for CheckJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckJob").field("record", &self.record.id).field("payload", &"[redacted]").finish()
    }
}

/// One finished check.
#[derive(Debug)]
pub struct CheckDone {
    /// The record as it was when the check started (to drop results for replaced secrets).
    pub record: TokenRecord,
    pub at: DateTime<Utc>,
    pub result: Result<Validation>,
}

/// Progress of "validate all", one per finished token, for the UI and the CLI.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckProgress {
    pub id: Uuid,
    pub done: u32,
    pub total: u32,
    /// The record after the result was stored.
    #[ts(optional)]
    pub record: Option<TokenRecord>,
    /// Why this token could not be checked at all (no secret in the keychain, …).
    #[ts(optional)]
    pub error: Option<ErrorPayload>,
}

/// What "validate all" found, by outcome.
#[derive(Debug, Default, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckSummary {
    pub total: u32,
    pub valid: u32,
    pub invalid: u32,
    pub cannot_check: u32,
    /// Not checked at all (no secret in the keychain, …).
    pub failed: u32,
}

impl CheckSummary {
    /// Count one finished token by the outcome stored in its record (`None`: not checked).
    pub fn count(&mut self, record: Option<&TokenRecord>) {
        match record.and_then(|r| r.last_validation.as_ref()).map(|o| &o.validity) {
            Some(Validity::Valid) => self.valid += 1,
            Some(Validity::Invalid { .. }) => self.invalid += 1,
            Some(Validity::CannotCheck { .. }) => self.cannot_check += 1,
            None => self.failed += 1,
        }
    }
}

/// Runs adapters with bounds. Cheap to clone.
#[derive(Clone)]
pub struct Checker {
    adapters: Arc<Adapters>,
    concurrency: usize,
    per_host: usize,
}

impl Checker {
    /// On the process-wide HTTP client: 8 at a time, 4 per host.
    pub fn shared() -> Result<Checker> {
        let http = crate::platforms::http::shared().map_err(Error::Internal)?;
        Ok(Checker::new(http.clone()))
    }

    pub fn new(http: HttpClient) -> Checker {
        Checker { adapters: Arc::new(Adapters::new(http)), concurrency: 8, per_host: 4 }
    }

    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    pub fn per_host(mut self, n: usize) -> Self {
        self.per_host = n.max(1);
        self
    }

    pub fn adapters(&self) -> &Adapters {
        &self.adapters
    }

    /// Ask the platform about one token. Reasons and notes never contain the secret.
    pub async fn validate(&self, job: &CheckJob) -> Result<Validation> {
        let adapter = self.adapters.get(job.record.platform);
        let mut v = adapter.validate(&job.record, &job.payload).await?;
        scrub_validation(&mut v, job);
        Ok(v)
    }

    /// Revoke through the API where possible, else say how (see [`RevokeOutcome`]).
    pub async fn revoke(&self, job: &CheckJob) -> Result<RevokeOutcome> {
        self.adapters.get(job.record.platform).revoke(&job.record, &job.payload).await
    }

    /// Check every job, `concurrency` at a time and `per_host` per server origin; `on_done`
    /// receives each token's result as soon as it is finished.
    pub async fn validate_all(&self, mut jobs: Vec<CheckJob>, mut on_done: impl FnMut(CheckDone)) {
        // Longest checks first (the semaphores are fair, so they get the first slots): the
        // last round then holds short checks only, and the whole run ends sooner.
        jobs.sort_by_key(|j| std::cmp::Reverse(self.adapters.get(j.record.platform).requests_per_check()));
        let global = Arc::new(Semaphore::new(self.concurrency));
        let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let mut set = JoinSet::new();
        let mut started: HashMap<tokio::task::Id, TokenRecord> = HashMap::new();
        for job in jobs {
            let host =
                hosts.entry(host_key(&job.record)).or_insert_with(|| Arc::new(Semaphore::new(self.per_host))).clone();
            let (global, checker, record) = (global.clone(), self.clone(), job.record.clone());
            let handle = set.spawn(async move {
                // Host first, then a global slot: a task waiting for a busy host holds no
                // global slot that another host could use.
                let _host = host.acquire_owned().await;
                let _slot = global.acquire_owned().await;
                let result = checker.validate(&job).await;
                CheckDone { record: job.record, at: Utc::now(), result }
            });
            started.insert(handle.id(), record);
        }
        while let Some(joined) = set.join_next_with_id().await {
            let done = match joined {
                Ok((_, done)) => done,
                Err(e) => CheckDone {
                    record: started.remove(&e.id()).expect("every task was recorded"),
                    at: Utc::now(),
                    result: Err(Error::Internal("the check stopped unexpectedly".into())),
                },
            };
            on_done(done);
        }
    }
}

/// Where politeness is counted: the origin the adapter will talk to.
fn host_key(record: &TokenRecord) -> String {
    let server = record
        .check
        .as_ref()
        .and_then(|c| c.resolve(record.server_url.as_deref()).ok())
        .map(|u| u.to_string())
        .or_else(|| record.server_url.clone())
        .or_else(|| crate::platforms::info(record.platform).default_server)
        .unwrap_or_default();
    url::Url::parse(&server).map(|u| format!("{}://{}", u.scheme(), host_of(&u))).unwrap_or(server)
}

/// Replace any trace of the job's secret in what will be stored and shown.
fn scrub_validation(v: &mut Validation, job: &CheckJob) {
    let needles = secret_needles(job);
    let scrub = |s: &mut String| {
        for n in &needles {
            if s.contains(n.as_str()) {
                *s = s.replace(n.as_str(), "[redacted]");
            }
        }
    };
    match &mut v.validity {
        Validity::Invalid { reason } | Validity::CannotCheck { reason } => scrub(reason),
        Validity::Valid => {}
    }
    v.notes.iter_mut().for_each(scrub);
    if let Some(id) = &mut v.identity {
        for f in [&mut id.owner, &mut id.workspace, &mut id.role].into_iter().flatten() {
            scrub(f);
        }
        id.scopes.iter_mut().for_each(scrub);
    }
}

fn secret_needles(job: &CheckJob) -> Vec<String> {
    let payload = job.payload.expose_secret();
    let mut needles = vec![payload.to_string()];
    if let Ok(usable) = usable_secret(job.record.kind, job.payload.clone()) {
        needles.push(usable.expose_secret().to_string());
    }
    if job.record.kind == TokenKind::SshKey {
        needles.extend(payload.lines().filter(|l| l.len() >= 16 && !l.starts_with("-----")).map(str::to_string));
    }
    needles.retain(|n| n.len() >= 6);
    needles
}

pub(crate) mod blocking;
mod revoked;
#[cfg(test)]
mod tests;
