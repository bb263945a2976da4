//! Shared helpers for the platform integration tests: short-timeout clients, and tokens of
//! every kind registered on the fake platforms.
#![allow(dead_code)]

use std::time::Duration;

use latchkey_core::check::{CheckJob, Checker};
use latchkey_core::platforms::http::{HttpClient, HttpConfig};
use latchkey_core::platforms::Validation;
use latchkey_core::record::{Platform, TokenRecord};
use latchkey_core::secret::SecretInput;
use latchkey_fake_platforms::{Behaviour, FakePlatforms, FakeToken, Kind};
use secrecy::SecretString;
use serde_json::json;

/// Quick backoff; timeouts generous enough for a loaded 2-core machine (the hang test
/// shortens them).
pub fn http(timeout: Duration) -> HttpClient {
    HttpClient::new(HttpConfig {
        connect_timeout: timeout,
        timeout,
        backoff: Duration::from_millis(20),
        max_retry_wait: Duration::from_secs(3),
        ..HttpConfig::default()
    })
    .unwrap()
}

pub fn checker() -> Checker {
    Checker::new(http(Duration::from_secs(5)))
}

/// Which kind of credential a test subject is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Subject {
    Supervisely,
    Cvat,
    Roboflow,
    EncordSsh,
    EncordLegacy,
    Env0,
}

pub const ALL: [Subject; 6] =
    [Subject::Supervisely, Subject::Cvat, Subject::Roboflow, Subject::EncordSsh, Subject::EncordLegacy, Subject::Env0];

impl Subject {
    pub fn fake_kind(self) -> Kind {
        match self {
            Subject::Supervisely => Kind::Supervisely,
            Subject::Cvat => Kind::Cvat,
            Subject::Roboflow => Kind::Roboflow,
            Subject::EncordSsh | Subject::EncordLegacy => Kind::Encord,
            Subject::Env0 => Kind::Env0,
        }
    }
    pub fn platform(self) -> Platform {
        match self {
            Subject::Supervisely => Platform::Supervisely,
            Subject::Cvat => Platform::Cvat,
            Subject::Roboflow => Platform::Roboflow,
            Subject::EncordSsh | Subject::EncordLegacy => Platform::Encord,
            Subject::Env0 => Platform::Env0,
        }
    }
}

/// An Ed25519 OpenSSH key from a seed (tests only).
pub fn ssh_pem(seed: u8) -> String {
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]);
    let key = ssh_key::PrivateKey::new(ssh_key::private::KeypairData::Ed25519(pair), "t").unwrap();
    key.to_openssh(ssh_key::LineEnding::LF).unwrap().to_string()
}

/// A token registered on its fake with `behaviour`, and the job to check it.
pub struct Made {
    pub job: CheckJob,
    /// Every secret string of this token, to look for leaks.
    pub secrets: Vec<String>,
}

pub fn make(
    fakes: &FakePlatforms,
    s: Subject,
    n: u32,
    behaviour: Behaviour,
    tweak: impl FnOnce(&mut FakeToken),
) -> Made {
    let fake = fakes.get(s.fake_kind());
    let mut ft = FakeToken { behaviour, owner: "alice".into(), workspace: "acme-ws".into(), ..Default::default() };
    let (input, secrets) = match s {
        Subject::Supervisely => {
            let t = format!("FAKEsly{n:0121}");
            ft.secret = t.clone();
            (SecretInput::Token { token: t.clone().into() }, vec![t])
        }
        Subject::Cvat => {
            let t = format!("FAKEcv{:02}.{n:028}fake", n % 100);
            ft.secret = t.clone();
            (SecretInput::Token { token: t.clone().into() }, vec![t])
        }
        Subject::Roboflow => {
            let t = format!("FAKErf{n:04}secretkey");
            ft.secret = t.clone();
            ft.admin = true;
            (SecretInput::Token { token: t.clone().into() }, vec![t])
        }
        Subject::EncordSsh => {
            let pem = ssh_pem(n as u8 + 1);
            let body: Vec<String> = pem.lines().filter(|l| !l.starts_with("-----")).map(str::to_string).collect();
            (SecretInput::SshKey { private_key: pem.clone().into() }, body)
        }
        Subject::EncordLegacy => {
            let t = format!("FAKEenc{n:04}apikey");
            ft.secret = t.clone();
            ft.resource_id = format!("project-{n}");
            ft.name = "pipeline".into();
            (SecretInput::ResourceKey { resource_id: format!("project-{n}"), api_key: t.clone().into() }, vec![t])
        }
        Subject::Env0 => {
            let t = format!("FAKEenv0secret{n:04}");
            ft.secret = t.clone();
            ft.key_id = format!("kid-{n}");
            ft.admin = true;
            ft.role = "Admin".into();
            ft.workspace = "Acme Org".into();
            (SecretInput::KeyPair { key_id: format!("kid-{n}"), secret: t.clone().into() }, vec![t])
        }
    };
    let prepared = input.prepare(s.platform()).unwrap();
    if s == Subject::EncordSsh {
        ft.key_id = prepared.public.key_id.clone().unwrap();
    }
    tweak(&mut ft);
    fake.add(ft);
    let record: TokenRecord = serde_json::from_value(json!({
        "id": uuid::Uuid::new_v4(),
        "platform": s.platform(),
        "kind": prepared.kind,
        "label": format!("{s:?} {n}"),
        "server_url": fake.url,
        "public": prepared.public,
        "hint": prepared.hint,
        "created_at": "2026-01-01T00:00:00Z",
    }))
    .unwrap();
    Made { job: CheckJob::from_parts(record, prepared.payload), secrets }
}

pub async fn validate(made: &Made) -> Validation {
    checker().validate(&made.job).await.unwrap()
}

/// Numbers for tokens made by [`each_with`], distinct from the small numbers tests pick
/// themselves, so that every scenario's tokens are new to the fakes.
static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(100);

/// Run one scenario for every subject at once, each with a token never seen before.
pub async fn each(fakes: &FakePlatforms, behaviour: Behaviour) -> Vec<(Subject, Made, Validation)> {
    each_with(fakes, behaviour, checker()).await
}

pub async fn each_with(
    fakes: &FakePlatforms,
    behaviour: Behaviour,
    checker: Checker,
) -> Vec<(Subject, Made, Validation)> {
    let mut out = vec![];
    let mut set = tokio::task::JoinSet::new();
    for s in ALL {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        assert!(n < 250, "SSH key seeds are bytes");
        let made = make(fakes, s, n, behaviour.clone(), |_| {});
        let checker = checker.clone();
        set.spawn(async move {
            let v = checker.validate(&made.job).await.unwrap();
            (s, made, v)
        });
    }
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out
}

pub fn assert_no_leak(made: &Made, text: &str) {
    for s in &made.secrets {
        assert!(!text.contains(s.as_str()), "secret leaked into: {text}");
    }
}

impl Made {
    pub fn job_payload(&self) -> SecretString {
        // The SSH subject's payload is the PEM, rebuilt from its body lines.
        SecretString::from(format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            self.secrets.join("\n")
        ))
    }
}

pub fn reqwest_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub trait JsonValue {
    async fn json_value(self) -> serde_json::Value;
}
impl JsonValue for reqwest::Response {
    async fn json_value(self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}
