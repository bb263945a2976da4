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
//! The app can hold its vault lock only for steps 1 and 3. For callers that simply own a
//! vault (the command line), [`Vault::validate`], [`Vault::validate_many`] and
//! [`Vault::revoke`] do all three on a small runtime of core's own, recording each token as
//! soon as its answer arrives. They block the calling thread and may be called from any
//! thread, including a Tauri blocking-pool thread (they never call `block_on`).

use std::collections::HashMap;
use std::sync::{mpsc, Arc, OnceLock};

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
use crate::vault::Vault;

/// A record with its keychain payload, ready to be checked. Debug never shows the payload.
pub struct CheckJob {
    pub record: TokenRecord,
    payload: SecretString,
}

impl CheckJob {
    pub(crate) fn new(record: TokenRecord, payload: SecretString) -> Self {
        CheckJob { record, payload }
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
    pub async fn validate_all(&self, jobs: Vec<CheckJob>, mut on_done: impl FnMut(CheckDone)) {
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
fn wait<T: Send + 'static>(fut: impl std::future::Future<Output = T> + Send + 'static) -> Result<T> {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use latchkey_fake_platforms::{Behaviour, FakePlatforms, FakeToken};

    use super::*;
    use crate::platforms::http::HttpConfig;
    use crate::record::{ExpirySource, Platform};
    use crate::secret::SecretInput;
    use crate::secret_store::memory::MemoryStore;
    use crate::secret_store::SecretStore;
    use crate::status::{status, Health};
    use crate::NewToken;

    struct World {
        _rt: tokio::runtime::Runtime,
        fakes: FakePlatforms,
        dir: tempfile::TempDir,
        mem: Arc<MemoryStore>,
        vault: Vault,
        checker: Checker,
    }

    fn world() -> World {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let fakes = rt.block_on(FakePlatforms::start());
        let dir = tempfile::tempdir().unwrap();
        let mem = Arc::new(MemoryStore::default());
        let vault = Vault::open(dir.path().join("data"), mem.clone(), Utc::now());
        let http = HttpClient::new(HttpConfig {
            timeout: Duration::from_secs(5),
            backoff: Duration::from_millis(10),
            ..HttpConfig::default()
        })
        .unwrap();
        World { _rt: rt, fakes, dir, mem, vault, checker: Checker::new(http) }
    }

    fn token(platform: Platform, label: &str, server: &str, secret: SecretInput) -> NewToken {
        NewToken {
            platform,
            label: label.into(),
            server_url: Some(server.into()),
            secret,
            expires_at: None,
            owner: None,
            workspace: None,
            tags: vec![],
            notes: String::new(),
            check: None,
        }
    }

    const CVAT: &str = "FAKEcvat.0000000000000000000000000000aaaa";

    #[test]
    fn validate_stores_what_the_platform_reports_and_never_the_secret() {
        let mut w = world();
        w.fakes.cvat.add(FakeToken {
            secret: CVAT.into(),
            owner: "alice".into(),
            expires_at: Some("2027-01-01T00:00:00Z".into()),
            last_used_at: Some("2026-10-01T00:00:00Z".into()),
            ..Default::default()
        });
        let mut new =
            token(Platform::Cvat, "ci", &w.fakes.cvat.url, SecretInput::Token { token: CVAT.to_string().into() });
        new.expires_at = Some("2026-12-31T00:00:00Z".parse().unwrap());
        let r = w.vault.add(new, Utc::now()).unwrap();
        let checked = w.vault.validate(r.id, &w.checker).unwrap();
        assert_eq!(checked.last_validation.as_ref().unwrap().validity, Validity::Valid);
        assert_eq!(checked.expires_at, Some("2027-01-01T00:00:00Z".parse().unwrap()));
        assert_eq!(checked.user_expires_at, Some("2026-12-31T00:00:00Z".parse().unwrap()));
        assert_eq!(checked.expiry_source, ExpirySource::Platform);
        assert_eq!(checked.identity.owner.as_deref(), Some("alice"));
        assert_eq!(checked.last_used_at, Some("2026-10-01T00:00:00Z".parse().unwrap()));
        let index = std::fs::read_to_string(w.dir.path().join("data/latchkey.json")).unwrap();
        assert!(!index.contains(CVAT), "secret in the index");
        assert!(index.contains("\"expiry_source\": \"platform\""));
    }

    #[test]
    fn validate_many_stores_and_reports_each_token() {
        let mut w = world();
        let mut ids = vec![];
        for i in 0..4 {
            let secret = format!("FAKEcv{i:02}.0000000000000000000000000000bbbb");
            let behaviour = if i == 3 { Behaviour::Revoked } else { Behaviour::Valid };
            w.fakes.cvat.add(FakeToken { secret: secret.clone(), behaviour, ..Default::default() });
            let t =
                token(Platform::Cvat, &format!("t{i}"), &w.fakes.cvat.url, SecretInput::Token { token: secret.into() });
            ids.push(w.vault.add(t, Utc::now()).unwrap().id);
        }
        let rf = token(
            Platform::Roboflow,
            "rf",
            &w.fakes.roboflow.url,
            SecretInput::Token { token: "FAKErfdown0001".to_string().into() },
        );
        let down = w.vault.add(rf, Utc::now()).unwrap().id;
        w.fakes.roboflow.add(FakeToken {
            secret: "FAKErfdown0001".into(),
            behaviour: Behaviour::ServerError,
            ..Default::default()
        });
        ids.push(down);
        // One whose secret vanished from the keychain.
        let gone = token(
            Platform::Cvat,
            "gone",
            &w.fakes.cvat.url,
            SecretInput::Token { token: "FAKEgone.000".to_string().into() },
        );
        let gone = w.vault.add(gone, Utc::now()).unwrap().id;
        w.mem.delete(&gone.to_string()).unwrap();
        ids.push(gone);

        let mut progress = vec![];
        let out = w.vault.validate_many(&ids, &w.checker, |p| progress.push(p.clone()));
        assert_eq!(out.len(), 6);
        assert_eq!(progress.iter().map(|p| p.done).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6]);
        assert!(progress.iter().all(|p| p.total == 6));
        let by_id = |id: Uuid| progress.iter().find(|p| p.id == id).unwrap().clone();
        assert_eq!(by_id(gone).error.unwrap().kind, crate::ErrorKind::SecretMissing);
        let now = Utc::now();
        let policy = Default::default();
        for (i, id) in ids.iter().take(3).enumerate() {
            let r = w.vault.get(*id).unwrap();
            assert_eq!(r.last_validation.unwrap().validity, Validity::Valid, "token {i}");
        }
        let refused = w.vault.get(ids[3]).unwrap();
        assert!(matches!(status(&refused, now, &policy).health, Health::Invalid { .. }));
        let busy = by_id(down).record.unwrap();
        assert!(matches!(busy.last_validation.as_ref().unwrap().validity, Validity::CannotCheck { .. }));
        assert!(!matches!(status(&busy, now, &policy).health, Health::Invalid { .. }), "cannot check is not invalid");
    }

    #[test]
    fn revoke_through_the_api_marks_the_record_and_clears_the_keychain() {
        let mut w = world();
        let key = "FAKErfrevoke0001";
        w.fakes.roboflow.add(FakeToken {
            secret: key.into(),
            workspace: "ws".into(),
            admin: true,
            ..Default::default()
        });
        let r = w
            .vault
            .add(
                token(
                    Platform::Roboflow,
                    "rf",
                    &w.fakes.roboflow.url,
                    SecretInput::Token { token: key.to_string().into() },
                ),
                Utc::now(),
            )
            .unwrap();
        assert_eq!(w.vault.revoke(r.id, &w.checker).unwrap(), RevokeOutcome::Revoked);
        let after = w.vault.get(r.id).unwrap();
        assert!(after.revoked.is_some());
        assert!(!w.mem.has(&r.id.to_string()));

        // Guided: nothing changes until the user confirms.
        w.fakes.cvat.add(FakeToken { secret: CVAT.into(), ..Default::default() });
        let c = w
            .vault
            .add(
                token(Platform::Cvat, "cv", &w.fakes.cvat.url, SecretInput::Token { token: CVAT.to_string().into() }),
                Utc::now(),
            )
            .unwrap();
        let outcome = w.vault.revoke(c.id, &w.checker).unwrap();
        assert!(
            matches!(outcome, RevokeOutcome::Guided { ref settings_url, .. } if settings_url.ends_with("/profile#security"))
        );
        assert!(w.vault.get(c.id).unwrap().revoked.is_none());
        assert!(w.mem.has(&c.id.to_string()));
        w.vault.confirm_revoked(c.id, "revoked in CVAT", Utc::now()).unwrap();
        assert!(!w.mem.has(&c.id.to_string()));
    }
}
