//! Credentials stay where they belong: no credential follows a redirect to another host, no
//! secret reaches a result, error or Debug output, and the fakes refuse wrong request shapes
//! as the platforms do.

mod support;

use std::time::Duration;

use latchkey_core::check::{CheckJob, Checker};
use latchkey_core::record::{Platform, TokenKind, Validity};
use latchkey_fake_platforms::{Behaviour, FakePlatforms};
use secrecy::SecretString;
use serde_json::json;
use support::*;

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
    let check = format!("{}/?api_key={tok}", fakes.roboflow.url);
    assert_eq!(status(c.post(&check).header("content-length", "0").send().await.unwrap()), 200);
    assert_eq!(status(c.post(&check).send().await.unwrap()), 411, "a POST needs a length");
    assert_eq!(status(c.get(&check).send().await.unwrap()), 405);
    let header_only = c.post(format!("{}/", fakes.roboflow.url)).header("content-length", "0").bearer_auth(&tok);
    assert_eq!(status(header_only.send().await.unwrap()), 401, "the key belongs in the query");

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
