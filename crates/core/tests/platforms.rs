//! The platform adapters against the fake platforms (127.0.0.1 only): what each platform
//! answers, every failure mode, revocation, bounds, and that no secret leaks into results.

use std::time::{Duration, Instant};

use latchkey_core::check::{CheckDone, CheckJob, Checker};
use latchkey_core::platforms::http::{HttpClient, HttpConfig};
use latchkey_core::platforms::{PlatformExpiry, RevokeOutcome, Validation};
use latchkey_core::record::{Platform, TokenKind, TokenRecord, Validity};
use latchkey_core::secret::SecretInput;
use latchkey_fake_platforms::{Behaviour, FakePlatforms, FakeToken, Kind};
use secrecy::SecretString;
use serde_json::json;

/// Quick backoff; timeouts generous enough for a loaded 2-core machine (the hang test
/// shortens them).
fn http(timeout: Duration) -> HttpClient {
    HttpClient::new(HttpConfig {
        connect_timeout: timeout,
        timeout,
        backoff: Duration::from_millis(20),
        max_retry_wait: Duration::from_secs(3),
        ..HttpConfig::default()
    })
    .unwrap()
}

fn checker() -> Checker {
    Checker::new(http(Duration::from_secs(5)))
}

/// Which kind of credential a test subject is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Subject {
    Supervisely,
    Cvat,
    Roboflow,
    EncordSsh,
    EncordLegacy,
    Env0,
}

const ALL: [Subject; 6] =
    [Subject::Supervisely, Subject::Cvat, Subject::Roboflow, Subject::EncordSsh, Subject::EncordLegacy, Subject::Env0];

impl Subject {
    fn fake_kind(self) -> Kind {
        match self {
            Subject::Supervisely => Kind::Supervisely,
            Subject::Cvat => Kind::Cvat,
            Subject::Roboflow => Kind::Roboflow,
            Subject::EncordSsh | Subject::EncordLegacy => Kind::Encord,
            Subject::Env0 => Kind::Env0,
        }
    }
    fn platform(self) -> Platform {
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
fn ssh_pem(seed: u8) -> String {
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]);
    let key = ssh_key::PrivateKey::new(ssh_key::private::KeypairData::Ed25519(pair), "t").unwrap();
    key.to_openssh(ssh_key::LineEnding::LF).unwrap().to_string()
}

/// A token registered on its fake with `behaviour`, and the job to check it.
struct Made {
    job: CheckJob,
    /// Every secret string of this token, to look for leaks.
    secrets: Vec<String>,
}

fn make(fakes: &FakePlatforms, s: Subject, n: u32, behaviour: Behaviour, tweak: impl FnOnce(&mut FakeToken)) -> Made {
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

async fn validate(made: &Made) -> Validation {
    checker().validate(&made.job).await.unwrap()
}

/// Run one scenario for every subject at once.
async fn each(fakes: &FakePlatforms, behaviour: Behaviour) -> Vec<(Subject, Made, Validation)> {
    each_with(fakes, behaviour, checker()).await
}

async fn each_with(fakes: &FakePlatforms, behaviour: Behaviour, checker: Checker) -> Vec<(Subject, Made, Validation)> {
    let mut out = vec![];
    let mut set = tokio::task::JoinSet::new();
    for (i, s) in ALL.into_iter().enumerate() {
        let made = make(fakes, s, i as u32, behaviour.clone(), |_| {});
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

fn assert_no_leak(made: &Made, text: &str) {
    for s in &made.secrets {
        assert!(!text.contains(s.as_str()), "secret leaked into: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_tokens_are_valid_and_what_the_platform_reports_is_learnt() {
    let fakes = FakePlatforms::start().await;
    for (s, made, v) in each(&fakes, Behaviour::Valid).await {
        assert_eq!(v.validity, Validity::Valid, "{s:?}: {v:?}");
        assert_no_leak(&made, &format!("{v:?}"));
    }
    let sly = validate(&make(&fakes, Subject::Supervisely, 10, Behaviour::Valid, |t| t.role = "admin".into())).await;
    let id = sly.identity.unwrap();
    assert_eq!((id.owner.as_deref(), id.role.as_deref()), (Some("alice"), Some("admin")));

    let cvat = validate(&make(&fakes, Subject::Cvat, 11, Behaviour::Valid, |t| {
        t.expires_at = Some("2027-03-01T00:00:00Z".into());
        t.last_used_at = Some("2026-02-01T10:00:00.123456Z".into());
        t.read_only = true;
        t.name = "ci-runner".into();
    }))
    .await;
    assert_eq!(cvat.expiry, Some(PlatformExpiry::At("2027-03-01T00:00:00Z".parse().unwrap())));
    assert_eq!(cvat.last_used_at, Some("2026-02-01T10:00:00.123456Z".parse().unwrap()));
    let id = cvat.identity.unwrap();
    assert_eq!((id.owner.as_deref(), id.read_only), (Some("alice"), Some(true)));
    assert_eq!(id.scopes, vec!["read-only".to_string()]);
    assert!(cvat.notes.iter().any(|n| n.contains("ci-runner")));
    let never = validate(&make(&fakes, Subject::Cvat, 12, Behaviour::Valid, |_| {})).await;
    assert_eq!(never.expiry, Some(PlatformExpiry::Never));

    let rf = validate(&make(&fakes, Subject::Roboflow, 13, Behaviour::Valid, |_| {})).await;
    assert_eq!(rf.identity.unwrap().workspace.as_deref(), Some("acme-ws"));

    let env0 = validate(&make(&fakes, Subject::Env0, 14, Behaviour::Valid, |t| {
        t.last_used_at = Some("2026-03-03T03:03:03.000Z".into());
    }))
    .await;
    let id = env0.identity.clone().unwrap();
    assert_eq!((id.workspace.as_deref(), id.role.as_deref()), (Some("Acme Org"), Some("Admin")));
    assert_eq!(env0.last_used_at, Some("2026-03-03T03:03:03Z".parse().unwrap()));

    let legacy = validate(&make(&fakes, Subject::EncordLegacy, 15, Behaviour::Valid, |t| {
        t.resource_type = "dataset".into();
    }))
    .await;
    assert_eq!(legacy.identity.unwrap().role.as_deref(), Some("dataset API key “pipeline”"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_tokens_are_invalid() {
    let fakes = FakePlatforms::start().await;
    for behaviour in [Behaviour::Revoked, Behaviour::Expired] {
        for (s, made, v) in each(&fakes, behaviour.clone()).await {
            assert!(matches!(v.validity, Validity::Invalid { .. }), "{s:?} {behaviour:?}: {v:?}");
            assert_eq!(v.identity, None);
            assert_no_leak(&made, &format!("{v:?}"));
        }
    }
    // Encord: a key whose public half was never registered.
    let unknown = make(&fakes, Subject::EncordSsh, 40, Behaviour::Valid, |t| t.key_id = "00".repeat(32));
    assert!(matches!(validate(&unknown).await.validity, Validity::Invalid { .. }));
    // Encord 403 means the signature was accepted: valid, with a note.
    let forbidden = validate(&make(&fakes, Subject::EncordSsh, 41, Behaviour::Forbidden, |_| {})).await;
    assert_eq!(forbidden.validity, Validity::Valid);
    assert_eq!(forbidden.notes.len(), 1);
    // A disabled Supervisely account.
    let disabled = validate(&make(&fakes, Subject::Supervisely, 42, Behaviour::Valid, |t| t.disabled = true)).await;
    assert!(matches!(disabled.validity, Validity::Invalid { reason } if reason.contains("disabled")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_waited_out_as_the_server_asks() {
    let fakes = FakePlatforms::start().await;
    let start = Instant::now();
    let results = each(&fakes, Behaviour::RateLimited { times: 1, retry_after_secs: 1 }).await;
    for (s, _, v) in &results {
        assert_eq!(v.validity, Validity::Valid, "{s:?}: {v:?}");
    }
    assert!(start.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
    // More 429s than retries: cannot check, and it says so.
    let stubborn =
        validate(&make(&fakes, Subject::Cvat, 20, Behaviour::RateLimited { times: 9, retry_after_secs: 0 }, |_| {}))
            .await;
    assert!(matches!(&stubborn.validity, Validity::CannotCheck { reason } if reason.contains("429")), "{stubborn:?}");
    // A Retry-After beyond the cap is not waited for.
    let start = Instant::now();
    let long = validate(&make(
        &fakes,
        Subject::Roboflow,
        21,
        Behaviour::RateLimited { times: 1, retry_after_secs: 3600 },
        |_| {},
    ))
    .await;
    assert!(matches!(&long.validity, Validity::CannotCheck { reason } if reason.contains("3600")), "{long:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_cannot_check_after_retries() {
    let fakes = FakePlatforms::start().await;
    for (s, made, v) in each(&fakes, Behaviour::ServerError).await {
        assert!(matches!(&v.validity, Validity::CannotCheck { reason } if reason.contains("500")), "{s:?}: {v:?}");
        assert_no_leak(&made, &format!("{v:?}"));
    }
    // Three attempts each (two retries) on a fake that saw nothing else.
    let lone = FakePlatforms::start().await;
    let made = make(&lone, Subject::Cvat, 1, Behaviour::ServerError, |_| {});
    validate(&made).await;
    assert_eq!(lone.cvat.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_cannot_check_within_the_timeout() {
    let fakes = FakePlatforms::start().await;
    let start = Instant::now();
    for (s, made, v) in each_with(&fakes, Behaviour::Hang, Checker::new(http(Duration::from_secs(1)))).await {
        assert!(
            matches!(&v.validity, Validity::CannotCheck { reason } if reason.contains("did not answer within 1 s")),
            "{s:?}: {v:?}"
        );
        assert_no_leak(&made, &format!("{v:?}"));
    }
    // Six hanging servers checked side by side: about one timeout, not six, and no retries.
    assert!(start.elapsed() < Duration::from_secs(4), "took {:?}", start.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_host_carries_no_credential_there() {
    let fakes = FakePlatforms::start().await;
    let results = each(&fakes, Behaviour::RedirectAway).await;
    for (s, made, v) in &results {
        assert!(
            matches!(&v.validity, Validity::CannotCheck { reason } if reason.contains("redirected to another host")),
            "{s:?}: {v:?}"
        );
        // Each fake did redirect…
        assert!(!fakes.get(s.fake_kind()).requests().is_empty());
        // …and the other host never saw any credential (nor, here, any request at all).
        for logged in fakes.elsewhere.requests() {
            assert!(!made.secrets.iter().any(|sec| logged.contains(sec)), "{s:?} leaked to the other host");
            assert!(!logged.headers.iter().any(|(k, _)| k == "authorization" || k == "x-api-key" || k == "signature"));
        }
    }
    assert!(fakes.elsewhere.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_uses_the_api_where_allowed_and_guides_otherwise() {
    let fakes = FakePlatforms::start().await;
    let c = checker();
    // Roboflow: list keys, find ours by prefix, DELETE it.
    let rf = make(&fakes, Subject::Roboflow, 1, Behaviour::Valid, |t| t.name = "ci".into());
    make(&fakes, Subject::Roboflow, 2, Behaviour::Valid, |_| {}); // another key in the workspace
    assert_eq!(c.revoke(&rf.job).await.unwrap(), RevokeOutcome::Revoked);
    let gone: Vec<_> = fakes.roboflow.tokens().into_iter().filter(|t| t.revoked_by_api).collect();
    assert_eq!(gone.len(), 1);
    assert_eq!(rf.secrets[0], gone[0].secret);
    assert!(matches!(validate(&rf).await.validity, Validity::Invalid { .. }), "a revoked key is refused afterwards");
    // A protected key: 409 territory, so guided, with the settings page on the record's server.
    let protected = make(&fakes, Subject::Roboflow, 3, Behaviour::Valid, |t| t.protected = true);
    match c.revoke(&protected.job).await.unwrap() {
        RevokeOutcome::Guided { settings_url, note, steps } => {
            assert_eq!(settings_url, format!("{}/settings/api", fakes.roboflow.url));
            assert!(note.unwrap().contains("protected"));
            assert!(!steps.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // env0: an admin key deletes itself; a non-admin one is guided.
    let admin = make(&fakes, Subject::Env0, 4, Behaviour::Valid, |_| {});
    assert_eq!(c.revoke(&admin.job).await.unwrap(), RevokeOutcome::Revoked);
    let user = make(&fakes, Subject::Env0, 5, Behaviour::Valid, |t| t.admin = false);
    assert!(
        matches!(c.revoke(&user.job).await.unwrap(), RevokeOutcome::Guided { note: Some(n), .. } if n.contains("admin"))
    );
    // Guided platforms: the page is on the record's own server.
    for (s, suffix) in [(Subject::Cvat, "/profile#security"), (Subject::Supervisely, ""), (Subject::EncordSsh, "")] {
        let made = make(&fakes, s, 6, Behaviour::Valid, |_| {});
        match c.revoke(&made.job).await.unwrap() {
            RevokeOutcome::Guided { settings_url, .. } => {
                assert_eq!(settings_url, format!("{}{suffix}", fakes.get(s.fake_kind()).url))
            }
            other => panic!("{s:?}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_all_respects_the_bounds_and_reports_every_token() {
    let fakes = FakePlatforms::start().await;
    fakes.cvat.set_latency(Duration::from_millis(150));
    let jobs: Vec<CheckJob> = (0..20).map(|n| make(&fakes, Subject::Cvat, n, Behaviour::Valid, |_| {}).job).collect();
    let ids: std::collections::HashSet<_> = jobs.iter().map(|j| j.record.id).collect();
    let mut seen = vec![];
    checker().concurrency(8).per_host(8).validate_all(jobs, |d: CheckDone| seen.push(d)).await;
    assert_eq!(seen.len(), 20);
    assert_eq!(seen.iter().map(|d| d.record.id).collect::<std::collections::HashSet<_>>(), ids);
    assert!(seen.iter().all(|d| matches!(&d.result, Ok(v) if v.validity == Validity::Valid)));
    let max = fakes.cvat.max_in_flight();
    assert!((2..=8).contains(&max), "max in flight {max}");

    // Per-host politeness: at most 2 at once on this host.
    let polite = FakePlatforms::start().await;
    polite.cvat.set_latency(Duration::from_millis(100));
    let jobs: Vec<CheckJob> = (0..8).map(|n| make(&polite, Subject::Cvat, n, Behaviour::Valid, |_| {}).job).collect();
    let mut count = 0;
    checker().concurrency(8).per_host(2).validate_all(jobs, |_| count += 1).await;
    assert_eq!(count, 8);
    assert_eq!(polite.cvat.max_in_flight(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_an_error_message_or_debug_output() {
    let fakes = FakePlatforms::start().await;
    let mut texts = vec![];
    let mut all = vec![];
    let quick = Checker::new(http(Duration::from_secs(1)));
    for behaviour in [Behaviour::Revoked, Behaviour::ServerError, Behaviour::Hang, Behaviour::RedirectAway] {
        for (_, made, v) in each_with(&fakes, behaviour, quick.clone()).await {
            texts.push((format!("{v:?}"), made.secrets.clone()));
            texts.push((format!("{:?}", made.job), made.secrets.clone()));
            all.push(made);
        }
    }
    // A server that is not there: revoke fails with an error naming the host, not the key.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    for s in [Subject::Roboflow, Subject::Env0] {
        let mut made = make(&fakes, s, 30, Behaviour::Valid, |_| {});
        made.job.record.server_url = Some(closed.clone());
        let err = checker().revoke(&made.job).await.unwrap_err();
        assert!(err.to_string().contains("could not connect"), "{err}");
        texts.push((err.to_string(), made.secrets.clone()));
        texts.push((format!("{err:?}"), made.secrets.clone()));
        texts.push((format!("{:?}", err.payload()), made.secrets.clone()));
        let v = validate(&made).await;
        texts.push((format!("{v:?}"), made.secrets.clone()));
    }
    for (text, secrets) in &texts {
        for s in secrets {
            assert!(!text.contains(s.as_str()), "secret in: {text}");
        }
    }
    // The Roboflow key travels in the query: errors name the host only.
    let rf = all.iter().find(|m| m.job.record.platform == Platform::Roboflow).unwrap();
    assert!(!texts.iter().any(|(t, _)| t.contains("api_key=")));
    assert_eq!(rf.job.record.kind, TokenKind::Token);
}

/// The fakes themselves refuse requests in the wrong shape, as the platforms do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fakes_refuse_wrong_shapes() {
    let fakes = FakePlatforms::start().await;
    let c = reqwest_client();
    let sly = make(&fakes, Subject::Supervisely, 1, Behaviour::Valid, |_| {});
    let tok = sly.secrets[0].clone();
    let url = format!("{}/public/api/v3/users.me", fakes.supervisely.url);
    let status = |r: reqwest::Response| r.status().as_u16();
    // Right shape works; wrong header, method, body, path fail.
    assert_eq!(
        status(
            c.post(&url)
                .header("x-api-key", &tok)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap()
        ),
        200
    );
    assert_eq!(status(c.post(&url).bearer_auth(&tok).body("{}").send().await.unwrap()), 403);
    assert_eq!(status(c.get(&url).header("x-api-key", &tok).send().await.unwrap()), 405);
    assert_eq!(status(c.post(&url).header("x-api-key", &tok).send().await.unwrap()), 400);
    assert_eq!(
        status(c.post(format!("{}/public/api/v3/users.info", fakes.supervisely.url)).send().await.unwrap()),
        404
    );

    let cvat = make(&fakes, Subject::Cvat, 1, Behaviour::Valid, |_| {});
    let url = format!("{}/api/auth/access_tokens/self", fakes.cvat.url);
    let tok = cvat.secrets[0].clone();
    assert_eq!(status(c.get(&url).bearer_auth(&tok).send().await.unwrap()), 200);
    assert_eq!(status(c.get(&url).header("authorization", format!("Token {tok}")).send().await.unwrap()), 401);
    assert_eq!(status(c.post(&url).bearer_auth(&tok).send().await.unwrap()), 405);

    let rf = make(&fakes, Subject::Roboflow, 1, Behaviour::Valid, |_| {});
    let tok = rf.secrets[0].clone();
    assert_eq!(status(c.post(format!("{}/?api_key={tok}", fakes.roboflow.url)).send().await.unwrap()), 200);
    assert_eq!(status(c.post(format!("{}/", fakes.roboflow.url)).bearer_auth(&tok).send().await.unwrap()), 401);

    let env0 = make(&fakes, Subject::Env0, 1, Behaviour::Valid, |_| {});
    let tok = env0.secrets[0].clone();
    assert_eq!(
        status(c.head(format!("{}/", fakes.env0.url)).basic_auth("kid-1", Some(&tok)).send().await.unwrap()),
        200
    );
    assert_eq!(
        status(c.head(format!("{}/", fakes.env0.url)).basic_auth("kid-2", Some(&tok)).send().await.unwrap()),
        401
    );
    assert_eq!(status(c.head(format!("{}/", fakes.env0.url)).bearer_auth(&tok).send().await.unwrap()), 401);

    // Encord: unsigned, badly signed and tampered requests are refused.
    let enc = make(&fakes, Subject::EncordSsh, 1, Behaviour::Valid, |_| {});
    let url = format!("{}/v2/public/user/current-organisation/groups", fakes.encord.url);
    assert_eq!(status(c.get(&url).send().await.unwrap()), 401);
    let signer = latchkey_core::platforms::encord_sign::EncordSigner::from_openssh(&enc.job_payload()).unwrap();
    let now = chrono::Utc::now().timestamp() - 30;
    let good = signer.sign("GET", "/v2/public/user/current-organisation/groups", b"", now);
    let send = |h: &latchkey_core::platforms::encord_sign::SignedHeaders, path: &str| {
        c.get(format!("{}{path}", fakes.encord.url))
            .header("content-digest", &h.content_digest)
            .header("signature-input", &h.signature_input)
            .header("signature", &h.signature)
            .send()
    };
    assert_eq!(status(send(&good, "/v2/public/user/current-organisation/groups").await.unwrap()), 200);
    assert_eq!(status(send(&good, "/v2/public/user/current-organisation/groups?page=2").await.unwrap()), 401);
    let other_path = signer.sign("GET", "/v2/public/projects", b"", now);
    assert_eq!(status(send(&other_path, "/v2/public/user/current-organisation/groups").await.unwrap()), 401);
    let stale = signer.sign("GET", "/v2/public/user/current-organisation/groups", b"", now - 3600);
    assert_eq!(status(send(&stale, "/v2/public/user/current-organisation/groups").await.unwrap()), 401);
    let bad_digest = latchkey_core::platforms::encord_sign::SignedHeaders {
        content_digest: latchkey_core::platforms::encord_sign::content_digest(b"x"),
        ..good.clone()
    };
    assert_eq!(status(send(&bad_digest, "/v2/public/user/current-organisation/groups").await.unwrap()), 401);
    let legacy = make(&fakes, Subject::EncordLegacy, 1, Behaviour::Valid, |_| {});
    let body = json!({"query_type": "apikeymeta", "query_method": "GET", "values": {"uid": null, "payload": null}});
    let r: serde_json::Value = c
        .post(format!("{}/public", fakes.encord.url))
        .header("authorization", &legacy.secrets[0])
        .header("resourceid", "project-2")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json_value()
        .await;
    assert_eq!(r["response"], json!(["AUTHORISATION_ERROR"]));
}

fn reqwest_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

trait JsonValue {
    async fn json_value(self) -> serde_json::Value;
}
impl JsonValue for reqwest::Response {
    async fn json_value(self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}

impl Made {
    fn job_payload(&self) -> SecretString {
        // The SSH subject's payload is the PEM, rebuilt from its body lines.
        SecretString::from(format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            self.secrets.join("\n")
        ))
    }
}

#[test]
fn jobs_never_print_their_secret() {
    let pem = ssh_pem(9);
    let job = CheckJob::from_parts(
        serde_json::from_value(json!({
            "id": uuid::Uuid::nil(), "platform": "encord", "kind": "ssh_key", "label": "k",
            "hint": "", "created_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap(),
        SecretString::from(pem),
    );
    let dbg = format!("{job:?}");
    assert!(!dbg.contains("OPENSSH") && dbg.contains("redacted"), "{dbg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_failures_cannot_check_and_plain_http_is_refused_before_sending() {
    let fakes = FakePlatforms::start().await;
    // https to a server that speaks plain http: the TLS handshake fails.
    let mut made = make(&fakes, Subject::Cvat, 1, Behaviour::Valid, |_| {});
    made.job.record.server_url = Some(fakes.cvat.url.replace("http://", "https://"));
    let v = validate(&made).await;
    assert!(matches!(&v.validity, Validity::CannotCheck { reason } if reason.contains("secure connection")), "{v:?}");
    // Plain http to another machine is refused without any request (the address is never
    // contacted: .invalid does not resolve, and nothing is sent).
    for s in ALL {
        let mut made = make(&fakes, s, 2, Behaviour::Valid, |_| {});
        made.job.record.server_url = Some("http://platform.example.invalid".into());
        let err = checker().validate(&made.job).await.unwrap_err();
        assert!(err.to_string().contains("https"), "{s:?}: {err}");
    }
}
