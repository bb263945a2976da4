//! The blocking wrappers with a real vault (in-memory keychain) and the fake platforms.

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
use crate::vault::Vault;
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

impl World {
    /// One token's actions, on the same data folder and keychain as `vault` (opened afresh, as
    /// another process would).
    fn tokens(&self) -> crate::tokens::Tokens {
        let vault = Vault::open(self.dir.path().join("data"), self.mem.clone(), Utc::now());
        crate::tokens::Tokens::new(Arc::new(std::sync::Mutex::new(vault)), Default::default())
            .with_checker(self.checker.clone())
    }

    fn validate(&self, id: Uuid) -> crate::Result<crate::TokenRecord> {
        let target = crate::TokenTarget::Local { id };
        self.tokens().blocking(|t| async move { t.validate(&target).await }).map(|row| row.record)
    }

    fn revoke(&self, id: Uuid) -> crate::Result<RevokeOutcome> {
        let target = crate::TokenTarget::Local { id };
        self.tokens().blocking(|t| async move { t.revoke(&target).await })
    }

    fn confirm_revoked(&self, id: Uuid, reason: &'static str) -> crate::Result<crate::TokenRecord> {
        let target = crate::TokenTarget::Local { id };
        self.tokens()
            .blocking(move |t| async move { t.confirm_revoked(&target, reason, false).await })
            .map(|r| r.record)
    }
}

fn token(platform: Platform, label: &str, server: &str, secret: SecretInput) -> NewToken {
    NewToken { server_url: Some(server.into()), ..NewToken::new(platform, label, secret) }
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
    let mut new = token(Platform::Cvat, "ci", &w.fakes.cvat.url, SecretInput::Token { token: CVAT.to_string().into() });
    new.expires_at = Some("2026-12-31T00:00:00Z".parse().unwrap());
    let r = w.vault.add(new, Utc::now()).unwrap();
    let checked = w.validate(r.id).unwrap();
    assert_eq!(checked.last_validation.as_ref().unwrap().validity, Validity::Valid);
    assert_eq!(checked.expires_at, Some("2027-01-01T00:00:00Z".parse().unwrap()));
    assert_eq!(checked.user_expires_at, Some("2026-12-31T00:00:00Z".parse().unwrap()));
    assert_eq!(checked.expiry_source, ExpirySource::Platform);
    assert_eq!(checked.identity.owner.as_deref(), Some("alice"));
    assert_eq!(checked.platform_last_used_at, Some("2026-10-01T00:00:00Z".parse().unwrap()));
    assert_eq!(checked.last_used_at, None, "a check is not a use through Latchkey");
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
        let t = token(Platform::Cvat, &format!("t{i}"), &w.fakes.cvat.url, SecretInput::Token { token: secret.into() });
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
    w.fakes.roboflow.add(FakeToken { secret: key.into(), workspace: "ws".into(), admin: true, ..Default::default() });
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
    assert_eq!(w.revoke(r.id).unwrap(), RevokeOutcome::Revoked);
    let after = w.vault.get(r.id).unwrap();
    let revoked = after.revoked.as_ref().expect("marked revoked");
    assert_eq!(revoked.reason, "Revoked through Roboflow's API; revocation confirmed by Roboflow (401)");
    assert!(!w.mem.has(&r.id.to_string()));
    // The old key was validated after the delete (and refused).
    let reqs = w.fakes.roboflow.requests();
    let delete = reqs.iter().position(|q| q.method == "DELETE").expect("a DELETE");
    assert!(reqs[delete + 1..].iter().any(|q| q.method == "POST" && q.path == "/"), "{reqs:#?}");

    // Guided: nothing changes until the user confirms.
    w.fakes.cvat.add(FakeToken { secret: CVAT.into(), ..Default::default() });
    let c = w
        .vault
        .add(
            token(Platform::Cvat, "cv", &w.fakes.cvat.url, SecretInput::Token { token: CVAT.to_string().into() }),
            Utc::now(),
        )
        .unwrap();
    let outcome = w.revoke(c.id).unwrap();
    assert!(
        matches!(outcome, RevokeOutcome::Guided { ref settings_url, .. } if settings_url.ends_with("/profile#security"))
    );
    assert!(w.vault.get(c.id).unwrap().revoked.is_none());
    assert!(w.mem.has(&c.id.to_string()));
    // "Done" before it is revoked on CVAT: CVAT still accepts it, nothing changes.
    let e = w.confirm_revoked(c.id, "revoked in CVAT").unwrap_err();
    assert_eq!(e.kind(), crate::error::ErrorKind::StillAccepted);
    assert!(e.to_string().starts_with("CVAT still accepts this token; the revoke did not take effect."), "{e}");
    assert!(w.vault.get(c.id).unwrap().revoked.is_none());
    assert!(w.mem.has(&c.id.to_string()));
    // Revoked on the website: "Done" is confirmed by CVAT's 401.
    assert!(w.fakes.cvat.set_behaviour(CVAT, Behaviour::Revoked));
    let marked = w.confirm_revoked(c.id, "revoked in CVAT").unwrap();
    assert_eq!(marked.revoked.unwrap().reason, "revoked in CVAT; revocation confirmed by CVAT (401)");
    assert!(!w.mem.has(&c.id.to_string()));
}

#[test]
fn a_revoke_the_platform_ignored_is_not_marked_and_the_secret_stays() {
    let mut w = world();
    let key = "FAKErfignored001";
    w.fakes.roboflow.add(FakeToken {
        secret: key.into(),
        workspace: "ws".into(),
        admin: true,
        revoke_ignored: true,
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
    let e = w.revoke(r.id).unwrap_err();
    assert_eq!(e.kind(), crate::error::ErrorKind::StillAccepted);
    assert!(e.to_string().contains("Roboflow still accepts this token; the revoke did not take effect"), "{e}");
    assert!(w.vault.get(r.id).unwrap().revoked.is_none());
    assert!(w.mem.has(&r.id.to_string()), "the secret stays for a retry");
    // Marking it anyway still works.
    w.vault.confirm_revoked(r.id, "revoked by hand", Utc::now()).unwrap();
    assert!(!w.mem.has(&r.id.to_string()));
}

#[test]
fn a_platform_that_cannot_be_asked_leaves_the_revoke_not_confirmed() {
    let mut w = world();
    // Nothing listens on this port: the guided "Done" cannot be checked.
    let closed = format!("http://127.0.0.1:{}", {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    });
    let c = w
        .vault
        .add(token(Platform::Cvat, "cv", &closed, SecretInput::Token { token: CVAT.to_string().into() }), Utc::now())
        .unwrap();
    let marked = w.confirm_revoked(c.id, "leaked").unwrap();
    let reason = marked.revoked.unwrap().reason;
    assert!(reason.starts_with("leaked; not confirmed: "), "{reason}");
    assert!(!w.mem.has(&c.id.to_string()));
}
