//! Validation against the fake platforms (127.0.0.1 only): what each platform answers and
//! every failure mode, for every kind of credential.

mod support;

use std::time::{Duration, Instant};

use latchkey_core::check::Checker;
use latchkey_core::platforms::PlatformExpiry;
use latchkey_core::record::Validity;
use latchkey_fake_platforms::{Behaviour, FakePlatforms};
use support::*;

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
        t.created_at = Some("2025-01-17T08:00:00.000001Z".into());
        t.read_only = true;
        t.name = "ci-runner".into();
    }))
    .await;
    assert_eq!(cvat.expiry, Some(PlatformExpiry::At("2027-03-01T00:00:00Z".parse().unwrap())));
    assert_eq!(cvat.last_used_at, Some("2026-02-01T10:00:00.123456Z".parse().unwrap()));
    assert_eq!(cvat.created_at, Some("2025-01-17T08:00:00.000001Z".parse().unwrap()));
    let id = cvat.identity.unwrap();
    assert_eq!((id.owner.as_deref(), id.read_only), (Some("alice"), Some(true)));
    assert_eq!(id.scopes, vec!["read-only".to_string()]);
    assert!(cvat.notes.iter().any(|n| n.contains("ci-runner")));
    let never = validate(&make(&fakes, Subject::Cvat, 12, Behaviour::Valid, |_| {})).await;
    assert_eq!(never.expiry, Some(PlatformExpiry::Never));

    let rf = validate(&make(&fakes, Subject::Roboflow, 13, Behaviour::Valid, |_| {})).await;
    assert_eq!(rf.identity.unwrap().workspace.as_deref(), Some("acme-ws"));
    // Roboflow's `created_on` comes from the key list, which a key that may manage keys reads.
    let rf = validate(&make(&fakes, Subject::Roboflow, 16, Behaviour::Valid, |t| {
        t.admin = true;
        t.created_at = Some("2025-05-05T05:05:05Z".into());
    }))
    .await;
    assert_eq!(rf.validity, Validity::Valid);
    assert_eq!(rf.created_at, Some("2025-05-05T05:05:05Z".parse().unwrap()));

    let env0 = validate(&make(&fakes, Subject::Env0, 14, Behaviour::Valid, |t| {
        t.last_used_at = Some("2026-03-03T03:03:03.000Z".into());
        t.created_at = Some("2025-02-02T02:02:02.000Z".into());
    }))
    .await;
    let id = env0.identity.clone().unwrap();
    assert_eq!((id.workspace.as_deref(), id.role.as_deref()), (Some("Acme Org"), Some("Admin")));
    assert_eq!(env0.last_used_at, Some("2026-03-03T03:03:03Z".parse().unwrap()));
    assert_eq!(env0.created_at, Some("2025-02-02T02:02:02Z".parse().unwrap()));

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
