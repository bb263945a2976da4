//! Checking and revoking tokens with their platforms, through the window, against the fake
//! platform servers (`fake-platforms`, on 127.0.0.1): what the user sees, what the index file
//! and the keychain hold, and what each fake received.
//!
//! Run with `make test`; see the crate docs for the environment these need.

use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, Local, Utc};
use latchkey_e2e::*;
use serde_json::{json, Value};

/// How long "validate all" may take here: one token hangs until the client's 15 s timeout.
const CHECK_ALL_TIMEOUT: Duration = Duration::from_secs(45);

/// An obviously fake CVAT token in CVAT's shape: 8 alphanumerics, a dot, 32 alphanumerics.
fn cvat_token() -> String {
    format!("FAKEe2eC.{}", hex(32))
}

/// Click `detail-validate` for the selected token and wait for the row's check mark to
/// leave `unknown`; returns the row.
async fn validate_selected(app: &App, id: &str) -> Row {
    app.click("detail-validate").await;
    app.wait_row_where(id, "checked", Duration::from_secs(30), |r| {
        ["valid", "invalid", "cannot_check"].contains(&r.checked.as_str())
    })
    .await
}

/// The detail pane's platform-check section once it shows `word`.
async fn validation_text(app: &App, word: &str) -> String {
    app.wait_text("detail-validation", &format!("“{word}”"), |t| t.contains(word)).await
}

/// The index record of `id`, which must exist.
fn record(app: &App, id: &str) -> Value {
    app.index_record(id).unwrap_or_else(|| panic!("no record {id} in the index:\n{}", app.index_text()))
}

fn assert_recent(t: &Value, what: &str) {
    let at: DateTime<Utc> = t.as_str().unwrap_or_else(|| panic!("{what} is missing")).parse().unwrap();
    assert!((Utc::now() - at).num_seconds().abs() < 120, "{what} {at} should be about now");
}

/// The one request a fake received, after asserting there was exactly one.
fn only_request(fakes: &FakePlatforms, platform: &str) -> FakeRequest {
    let reqs = fakes.requests(platform);
    assert_eq!(reqs.len(), 1, "the {platform} fake should have received exactly one request: {reqs:#?}");
    let r = reqs.into_iter().next().unwrap();
    assert!(
        r.header("user-agent").is_some_and(|ua| ua.starts_with("Latchkey/")),
        "{platform}: user agent {:?}",
        r.header("user-agent")
    );
    r
}

#[tokio::test]
async fn p1_validate_each_platform_shows_what_the_platform_reports() {
    let fakes = FakePlatforms::start();
    let app = App::start("validate_each").await;

    // Fresh tokens, taught to each fake through its control API.
    let sly = format!("FAKEe2e{}", hex(121));
    fakes.add_token("supervisely", json!({"secret": sly, "owner": "e2e-sly-alice", "role": "annotator"}));
    let cvat = cvat_token();
    // Hours past whole days, so the countdown's day count cannot be off by one.
    let cvat_expiry = (Utc::now() + chrono::Duration::days(20) + chrono::Duration::hours(6))
        .with_nanosecond_zero()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    fakes.add_token(
        "cvat",
        json!({"secret": cvat, "owner": "e2e-cvat-carol", "name": "e2e-ci", "expires_at": cvat_expiry,
               "last_used_at": (Utc::now() - chrono::Duration::days(2)).to_rfc3339()}),
    );
    let robo = format!("FAKEe2eRob{}", hex(16));
    fakes.add_token("roboflow", json!({"secret": robo, "owner": "e2e-robo", "workspace": "e2e-robo-workspace"}));
    let (pem, public_hex) = ed25519_key(app.root(), "encord-e2e-key");
    fakes.add_token("encord", json!({"key_id": public_hex, "owner": "e2e-encord-erin"}));
    let env0_id = format!("e2e-key-{}", hex(8));
    let env0_secret = fake_secret("env0-secret");
    fakes.add_token(
        "env0",
        json!({"key_id": env0_id, "secret": env0_secret, "owner": "e2e-env0", "workspace": "E2E Org", "role": "Admin"}),
    );

    let inputs = [
        TokenInput::token("supervisely", "E2E check Supervisely", &sly).server(&fakes.url("supervisely")),
        TokenInput::token("cvat", "E2E check CVAT", &cvat).server(&fakes.url("cvat")),
        TokenInput::token("roboflow", "E2E check Roboflow", &robo).server(&fakes.url("roboflow")),
        TokenInput::encord_ssh("E2E check Encord", &pem).server(&fakes.url("encord")),
        TokenInput::env0("E2E check env0", &env0_id, &env0_secret).server(&fakes.url("env0")),
    ];
    // What the detail pane must show after the check: what each fake reports.
    let shows: [&[&str]; 5] = [&["e2e-sly-alice"], &["e2e-cvat-carol"], &["e2e-robo-workspace"], &[], &["E2E Org"]];

    let mut ids = vec![];
    for t in &inputs {
        let row = app.add_token(t).await;
        assert_eq!(row.checked, "unknown", "{}: a new token is not checked yet: {row:?}", t.label);
        assert_eq!(record(&app, &row.id)["server_url"], fakes.url(t.platform), "{}", t.label);
        ids.push(row.id);
    }
    let before_cvat = app.rows().await.into_iter().find(|r| r.id == ids[1]).unwrap();
    assert_eq!(before_cvat.countdown, "no expiry set", "{before_cvat:?}");

    for ((t, id), want) in inputs.iter().zip(&ids).zip(shows) {
        app.open_detail(&t.label).await;
        let row = validate_selected(&app, id).await;
        assert_eq!(row.checked, "valid", "{}: {row:?}", t.label);
        assert_ne!(row.state, "invalid", "{}", t.label);
        let text = validation_text(&app, "Valid").await;
        for w in want {
            assert!(text.contains(w), "{}: the check section should show {w:?}: {text:?}", t.label);
        }
        assert!(!text.contains("Rejected") && !text.contains("Could not check"), "{}: {text:?}", t.label);
        let rec = record(&app, id);
        assert_eq!(rec["last_validation"]["result"], "valid", "{}: {rec:#}", t.label);
        assert_eq!(rec["last_verdict"]["result"], "valid", "{}: {rec:#}", t.label);
        assert_recent(&rec["last_validation"]["at"], "last_validation.at");
    }

    // What each platform reported reached the record.
    assert_eq!(record(&app, &ids[0])["identity"]["owner"], "e2e-sly-alice");
    assert_eq!(record(&app, &ids[0])["identity"]["role"], "annotator");
    assert_eq!(record(&app, &ids[2])["identity"]["workspace"], "e2e-robo-workspace");
    assert_eq!(record(&app, &ids[4])["identity"]["workspace"], "E2E Org");
    assert_eq!(record(&app, &ids[4])["identity"]["role"], "Admin");
    // CVAT reports the expiry: it replaces "no expiry" in the record, the row and the detail.
    let rec = record(&app, &ids[1]);
    assert_eq!(rec["identity"]["owner"], "e2e-cvat-carol");
    assert_eq!(rec["expiry_source"], "platform", "{rec:#}");
    let stored: DateTime<Utc> = rec["expires_at"].as_str().expect("expires_at from CVAT").parse().unwrap();
    let reported: DateTime<Utc> = cvat_expiry.parse().unwrap();
    assert_eq!(stored, reported, "the record holds the expiry CVAT reported");
    let days = (reported - Utc::now()).num_days();
    let row = app
        .wait_row_where(&ids[1], "counting down to CVAT's expiry", TIMEOUT, |r| {
            r.countdown.starts_with(&format!("expires in {days} d"))
        })
        .await;
    assert_eq!(row.state, "active", "{row:?}");
    app.open_detail("E2E check CVAT").await;
    let local = reported.with_timezone(&Local);
    let expires = app
        .wait_text("detail-expires", "CVAT's expiry", |t| {
            !t.contains("No expiry") && t.contains(&local.format("%Y").to_string())
        })
        .await;
    assert!(expires.contains(&local.format("%-d").to_string()), "detail-expires {expires:?} should show {local}");

    // Each fake received exactly the request its platform documents.
    let r = only_request(&fakes, "supervisely");
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/public/api/v3/users.me"));
    assert_eq!(r.header("x-api-key"), Some(sly.as_str()));
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/json")), "{r:?}");
    assert_eq!(serde_json::from_str::<Value>(&r.body).ok(), Some(json!({})), "body {:?}", r.body);
    assert_eq!(r.header("authorization"), None);

    let r = only_request(&fakes, "cvat");
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/api/auth/access_tokens/self"));
    assert_eq!(r.header("authorization"), Some(format!("Bearer {cvat}").as_str()));
    assert_eq!(r.query, None);

    // Roboflow: the key check, then the workspace's key list for the key's `created_on`
    // (refused here: this key may not manage keys, and the check stays valid).
    let reqs = fakes.requests("roboflow");
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert_eq!((reqs[1].method.as_str(), reqs[1].path.as_str()), ("GET", "/e2e-robo-workspace/api-keys"));
    let r = reqs.into_iter().next().unwrap();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/"));
    assert_eq!(r.query.as_deref(), Some(format!("api_key={robo}").as_str()), "the key travels as api_key");
    assert_eq!(r.header("content-length"), Some("0"));
    assert_eq!(r.header("authorization"), None);

    let r = only_request(&fakes, "encord");
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v2/public/user/current-organisation/groups"));
    let input = r.header("signature-input").unwrap_or_default();
    assert!(input.starts_with("encord-sig=(\"@method\" \"@request-target\" \"content-digest\")"), "{input}");
    assert!(input.contains(&format!("keyid=\"{public_hex}\"")), "{input}");
    assert!(r.header("signature").is_some_and(|s| s.starts_with("encord-sig=:")), "{r:?}");
    assert!(r.header("content-digest").is_some_and(|d| d.starts_with("sha-256=:")), "{r:?}");
    assert!(!r.contains("PRIVATE KEY"), "the private key travelled: {r:?}");

    // env0: the key check, then what the key can see (organizations, its own key entry).
    let reqs = fakes.requests("env0");
    let basic =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{env0_id}:{env0_secret}")));
    let shape: Vec<(String, String, Option<String>)> =
        reqs.iter().map(|r| (r.method.clone(), r.path.clone(), r.query.clone())).collect();
    assert_eq!(
        shape,
        [
            ("HEAD".to_string(), "/".to_string(), None),
            ("GET".into(), "/organizations".into(), None),
            ("GET".into(), "/api-keys".into(), Some("organizationId=org-0001".into())),
        ],
        "env0 requests: {reqs:#?}"
    );
    for r in &reqs {
        assert_eq!(r.header("authorization"), Some(basic.as_str()), "HTTP Basic with key id and secret: {r:?}");
    }

    // Nothing secret reached the disk or the logs.
    let secrets = [sly.as_str(), cvat.as_str(), robo.as_str(), env0_secret.as_str()];
    assert!(app.leaks(&secrets).is_empty(), "{:?}", app.leaks(&secrets));
    let key_line = pem.lines().nth(1).unwrap();
    assert!(app.leaks(&[key_line]).is_empty(), "the Encord private key reached the disk: {:?}", app.leaks(&[key_line]));
    app.finish().await;
}

#[tokio::test]
async fn p2_rejected_and_unreachable_tokens_are_told_apart() {
    let fakes = FakePlatforms::start();
    let app = App::start("validate_rejected").await;
    let revoked = fakes.seeded("cvat")["revoked"].as_str().unwrap().to_string();
    let broken = format!("FAKEe2e{}", hex(121));
    fakes.add_token("supervisely", json!({"secret": broken, "owner": "e2e", "behaviour": {"kind": "server_error"}}));

    // Refused by the platform: invalid, shown as rejected.
    let bad = app.add_token(&TokenInput::token("cvat", "E2E revoked CVAT", &revoked).server(&fakes.url("cvat"))).await;
    app.open_detail("E2E revoked CVAT").await;
    let row = validate_selected(&app, &bad.id).await;
    assert_eq!(row.checked, "invalid", "{row:?}");
    let row = app.wait_row_where(&bad.id, "in state invalid", TIMEOUT, |r| r.state == "invalid").await;
    assert_eq!(row.checked, "invalid");
    let text = validation_text(&app, "Rejected").await;
    assert!(!text.contains(&revoked), "the reason shows the token: {text:?}");
    let rec = record(&app, &bad.id);
    assert_eq!(rec["last_validation"]["result"], "invalid", "{rec:#}");
    assert_eq!(rec["last_verdict"]["result"], "invalid", "{rec:#}");
    assert!(rec["last_validation"]["reason"].as_str().is_some_and(|r| r.contains("401")), "{rec:#}");
    assert_eq!(fakes.requests("cvat").len(), 1);

    // The server fails (500, after the client's retries): "could not check", not invalid.
    let down = app
        .add_token(&TokenInput::token("supervisely", "E2E broken server", &broken).server(&fakes.url("supervisely")))
        .await;
    app.open_detail("E2E broken server").await;
    let row = validate_selected(&app, &down.id).await;
    assert_eq!(row.checked, "cannot_check", "{row:?}");
    assert_ne!(row.state, "invalid", "a server error must not mark the token invalid: {row:?}");
    assert_eq!(row.state, down.state, "the state is what it was before the check");
    validation_text(&app, "Could not check").await;
    let rec = record(&app, &down.id);
    assert_eq!(rec["last_validation"]["result"], "cannot_check", "{rec:#}");
    assert!(rec.get("last_verdict").is_none(), "no verdict from a failed check: {rec:#}");
    // One request and the client's two retries.
    let reqs = fakes.requests("supervisely");
    assert_eq!(reqs.len(), 3, "{reqs:#?}");
    assert!(reqs.iter().all(|r| r.path == "/public/api/v3/users.me" && r.header("x-api-key") == Some(broken.as_str())));

    // The revoked token is still invalid after a restart-free re-render: the list agrees.
    let rows = app.rows().await;
    assert_eq!(rows.iter().find(|r| r.id == bad.id).unwrap().state, "invalid");
    assert!(app.leaks(&[&revoked, &broken]).is_empty(), "{:?}", app.leaks(&[&revoked, &broken]));
    app.finish().await;
}

#[tokio::test]
async fn p3_validate_all_reports_progress_and_updates_every_row() {
    let fakes = FakePlatforms::start();
    let app = App::start("validate_all").await;
    let seeded = |p: &str, k: &str| fakes.seeded(p)[k].as_str().unwrap().to_string();
    let hang = cvat_token();
    fakes.add_token("cvat", json!({"secret": hang, "owner": "e2e", "behaviour": {"kind": "hang"}}));
    let slow = format!("FAKEe2eRob{}", hex(16));
    fakes.add_token(
        "roboflow",
        json!({"secret": slow, "workspace": "e2e-ws", "behaviour": {"kind": "rate_limited", "times": 1, "retry_after_secs": 1}}),
    );
    let legacy = fakes.seeded("encord")["legacy"].clone();
    let env0 = fakes.seeded("env0")["valid"].clone();

    // (input, expected data-checked)
    let tokens = [
        (
            TokenInput::token("supervisely", "E2E all Supervisely", &seeded("supervisely", "valid"))
                .server(&fakes.url("supervisely")),
            "valid",
        ),
        (TokenInput::token("cvat", "E2E all CVAT", &seeded("cvat", "valid")).server(&fakes.url("cvat")), "valid"),
        (TokenInput::token("cvat", "E2E all CVAT hangs", &hang).server(&fakes.url("cvat")), "cannot_check"),
        (
            TokenInput::token("roboflow", "E2E all Roboflow revoked", &seeded("roboflow", "revoked"))
                .server(&fakes.url("roboflow")),
            "invalid",
        ),
        (TokenInput::token("roboflow", "E2E all Roboflow 429 once", &slow).server(&fakes.url("roboflow")), "valid"),
        (
            TokenInput::encord_resource(
                "E2E all Encord legacy",
                legacy["resource_id"].as_str().unwrap(),
                legacy["api_key"].as_str().unwrap(),
            )
            .server(&fakes.url("encord")),
            "valid",
        ),
        (
            TokenInput::env0("E2E all env0", env0["key_id"].as_str().unwrap(), env0["secret"].as_str().unwrap())
                .server(&fakes.url("env0")),
            "valid",
        ),
    ];
    let mut ids = vec![];
    for (t, _) in &tokens {
        ids.push(app.add_token(t).await.id);
    }
    let total = tokens.len().to_string();

    app.click("validate-all").await;
    let started = Instant::now();
    let progress = tid("check-progress");
    app.wait_visible_css(&progress, TIMEOUT).await;
    // Follow the counter until every token is done.
    let mut seen = vec![];
    let (done, reported_total) = app
        .wait_until("check-progress to reach its total", CHECK_ALL_TIMEOUT, async || {
            let done = app.attr_css(&progress, "data-done").await?;
            let total = app.attr_css(&progress, "data-total").await?;
            if seen.last() != Some(&done) {
                seen.push(done.clone());
            }
            (done == total && !total.is_empty() && total != "0").then_some((done, total))
        })
        .await;
    let took = started.elapsed();
    assert_eq!(reported_total, total, "check-progress counts every token");
    assert_eq!(done, total);
    let counts: Vec<u32> = seen.iter().filter_map(|s| s.parse().ok()).collect();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "the progress never goes back: {seen:?}");
    assert!(counts.len() >= 2, "the progress was seen moving, not only finished: {seen:?}");
    // The hanging token holds the end back until the client's 15 s timeout, not longer.
    assert!(took < Duration::from_secs(30), "validate all took {took:?}");

    for ((t, want), id) in tokens.iter().zip(&ids) {
        let row = app.wait_row_where(id, &format!("checked {want}"), TIMEOUT, |r| r.checked == *want).await;
        let rec = record(&app, id);
        assert_eq!(rec["last_validation"]["result"], *want, "{}: {rec:#}", t.label);
        match *want {
            "invalid" => assert_eq!(row.state, "invalid", "{}: {row:?}", t.label),
            _ => assert_ne!(row.state, "invalid", "{}: {row:?}", t.label),
        }
    }
    // The hanging token was asked once; the 429 was retried once (then the key list was read
    // for the key's creation date).
    assert_eq!(fakes.requests("cvat").iter().filter(|r| r.contains(&hang)).count(), 1);
    let checks = fakes.requests("roboflow").into_iter().filter(|r| r.contains(&slow) && r.method == "POST").count();
    assert_eq!(checks, 2);
    app.finish().await;
}

#[tokio::test]
async fn p4_revoke_through_the_api_marks_revoked_and_removes_the_secret() {
    let fakes = FakePlatforms::start();
    let app = App::start("revoke_api").await;
    let key = format!("FAKEe2eRvk{}", hex(16));
    fakes.add_token(
        "roboflow",
        json!({"secret": key, "key_id": "e2e-key-to-revoke", "workspace": "e2e-revoke-ws", "admin": true, "name": "e2e"}),
    );
    let row =
        app.add_token(&TokenInput::token("roboflow", "E2E revoke Roboflow", &key).server(&fakes.url("roboflow"))).await;
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(key.as_str()));

    app.open_detail("E2E revoke Roboflow").await;
    app.click("detail-revoke").await;
    app.wait_tid("confirm-dialog").await;
    // Nothing is sent before the user confirms.
    assert!(fakes.requests("roboflow").is_empty(), "{:#?}", fakes.requests("roboflow"));
    app.click("confirm-ok").await;
    let revoked = app.wait_row_where(&row.id, "revoked", Duration::from_secs(30), |r| r.state == "revoked").await;
    assert!(!revoked.countdown.contains("expires in"), "{revoked:?}");
    app.wait_tid("detail-revoked").await;

    // The platform was asked to delete exactly this key.
    let reqs = fakes.requests("roboflow");
    let shape: Vec<(&str, &str)> = reqs.iter().map(|r| (r.method.as_str(), r.path.as_str())).collect();
    // … and then asked about the old key, before it left the keychain (refused: 401).
    assert_eq!(
        shape,
        [
            ("POST", "/"),
            ("GET", "/e2e-revoke-ws/api-keys"),
            ("DELETE", "/e2e-revoke-ws/api-keys/e2e-key-to-revoke"),
            ("POST", "/")
        ],
        "{reqs:#?}"
    );
    assert!(reqs.iter().all(|r| r.query.as_deref() == Some(format!("api_key={key}").as_str())), "{reqs:#?}");

    // The keychain entry is gone; the record says when and why.
    assert_eq!(secret_tool_lookup(app.service(), &row.id), None, "secret-tool still finds the revoked secret");
    let rec = record(&app, &row.id);
    assert_recent(&rec["revoked"]["at"], "revoked.at");
    let reason = rec["revoked"]["reason"].as_str().unwrap_or_default();
    assert_eq!(reason, "Revoked through Roboflow's API; revocation confirmed by Roboflow (401)");
    let shown =
        app.wait_text("detail-revoked", "the confirmed revoke", |t| t.contains("confirmed by Roboflow (401)")).await;
    assert!(!shown.contains(&key));
    assert!(!app.index_text().contains(&key));
    // A second attempt to check it sends nothing.
    let before = fakes.requests("roboflow").len();
    if app.is_visible("detail-validate").await {
        app.click("detail-validate").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(fakes.requests("roboflow").len(), before, "a revoked token is never sent again");
    app.finish().await;
}

#[tokio::test]
async fn p5_guided_revoke_opens_the_settings_page_and_confirms() {
    let fakes = FakePlatforms::start();
    let mut app = App::new("revoke_guided");
    let browser = app.use_browser_hook();
    app.launch().await;
    let token = cvat_token();
    fakes.add_token("cvat", json!({"secret": token, "owner": "e2e-carol"}));
    let row = app.add_token(&TokenInput::token("cvat", "E2E revoke CVAT", &token).server(&fakes.url("cvat"))).await;
    app.open_detail("E2E revoke CVAT").await;

    // Cancelling the steps changes nothing.
    app.click("detail-revoke").await;
    app.wait_tid("confirm-dialog").await;
    app.click("confirm-ok").await;
    app.wait_tid("revoke-dialog").await;
    app.click("revoke-cancel").await;
    app.wait_gone("revoke-dialog").await;
    assert_ne!(app.rows().await.into_iter().find(|r| r.id == row.id).unwrap().state, "revoked");
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(token.as_str()));

    // Again, to the end.
    app.click("detail-revoke").await;
    app.wait_tid("confirm-dialog").await;
    app.click("confirm-ok").await;
    app.wait_tid("revoke-dialog").await;
    let steps = app.wait_text("revoke-steps", "the steps", |t| t.contains("Personal Access Tokens")).await;
    assert!(steps.to_lowercase().contains("revoke"), "{steps:?}");

    app.click("revoke-open").await;
    let want = format!("{}/profile#security", fakes.url("cvat"));
    let opened = app
        .wait_until("the browser hook to be asked to open the settings page", TIMEOUT, async || {
            let o = browser.opened();
            (!o.is_empty()).then_some(o)
        })
        .await;
    assert_eq!(opened, std::slice::from_ref(&want), "the settings page on the token's own server");
    // Until the user says it is done, the token and its secret stay.
    assert!(app.is_visible("revoke-dialog").await);
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(token.as_str()));
    assert!(record(&app, &row.id).get("revoked").is_none());

    let reason = "e2e: leaked in a CI log";
    app.type_into("revoke-reason", reason).await;
    // "Done" before it is revoked on CVAT: CVAT still accepts it, so nothing changes and
    // the dialog says so (and offers to mark it anyway).
    app.click("revoke-done").await;
    let err = app.wait_text("revoke-error", "the platform's answer", |t| t.contains("still accepts")).await;
    assert!(err.contains("CVAT still accepts this token; the revoke did not take effect"), "{err:?}");
    assert!(app.is_visible("revoke-anyway").await, "no way to mark it anyway");
    assert!(app.is_visible("revoke-dialog").await);
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(token.as_str()));
    assert!(record(&app, &row.id).get("revoked").is_none());
    app.page_screenshot("revoke-still-accepted").await;

    // Revoked on the website now: "Done" is confirmed by CVAT's 401.
    let asked = fakes.requests("cvat").len();
    fakes.revoke_on_website("cvat", &token);
    app.click("revoke-done").await;
    app.wait_gone("revoke-dialog").await;
    let checks = fakes.requests("cvat");
    assert!(checks.len() > asked && checks[asked..].iter().all(|r| r.method == "GET"), "{checks:#?}");
    app.wait_row_where(&row.id, "revoked", TIMEOUT, |r| r.state == "revoked").await;
    let shown = app.wait_text("detail-revoked", "the reason", |t| t.contains(reason)).await;
    assert!(!shown.contains(&token));
    assert_eq!(secret_tool_lookup(app.service(), &row.id), None, "secret-tool still finds the revoked secret");
    let rec = record(&app, &row.id);
    assert_eq!(rec["revoked"]["reason"], format!("{reason}; revocation confirmed by CVAT (401)"), "{rec:#}");
    assert_recent(&rec["revoked"]["at"], "revoked.at");
    app.page_screenshot("revoke-confirmed").await;
    // CVAT does not let a token revoke itself: the fake was only asked whether it accepts
    // the token (twice: before and after it was revoked on the website), nothing else.
    assert!(fakes.requests("cvat").iter().all(|r| r.method == "GET"), "{:#?}", fakes.requests("cvat"));
    assert_eq!(browser.opened(), [want], "opened once");
    app.finish().await;
}

#[tokio::test]
async fn p6_settings_change_the_clipboard_delay_and_refuse_bad_values() {
    let mut app = App::new("settings");
    // The harness normally shortens the delay by environment, which overrides the setting.
    app.unset_env("LATCHKEY_CLIPBOARD_CLEAR_SECS");
    app.launch().await;

    app.click("settings-button").await;
    app.wait_tid("settings-dialog").await;
    app.type_into("settings-clipboard", "3").await;
    app.click("settings-save").await;
    app.wait_gone("settings-dialog").await;
    assert_eq!(app.index_json()["settings"]["clipboard_clear_secs"], 3, "{}", app.index_text());

    let secret = fake_secret("roboflow-settings");
    let row = app.add_token(&TokenInput::token("roboflow", "E2E settings copy", &secret)).await;
    set_clipboard("e2e: before the copy");
    app.click_in_row("E2E settings copy", "row-copy").await;
    let copied = Instant::now();
    app.wait_until("the clipboard to hold the secret", TIMEOUT, async || {
        (clipboard().as_deref() == Some(secret.as_str())).then_some(())
    })
    .await;
    let cleared = app
        .wait_until("the clipboard to be cleared after 3 s", Duration::from_secs(10), async || {
            (clipboard().as_deref() != Some(secret.as_str())).then(|| copied.elapsed())
        })
        .await;
    assert!(
        cleared >= Duration::from_secs(2) && cleared <= Duration::from_secs(7),
        "the clipboard was cleared after {cleared:?}; the setting says 3 s (the default is 30 s)"
    );
    assert!(app.index_record(&row.id).is_some());

    // A value the app refuses: the dialog stays open and says why; nothing changes.
    app.click("settings-button").await;
    app.wait_tid("settings-dialog").await;
    assert_eq!(app.value("settings-clipboard").await, "3", "the dialog shows the saved value");
    app.type_into("settings-clipboard", "0").await;
    app.click("settings-save").await;
    let msg = app.wait_text("settings-error", "an error message", |t| !t.is_empty()).await;
    assert!(app.is_visible("settings-dialog").await, "the dialog closed after an error: {msg}");
    assert_eq!(app.index_json()["settings"]["clipboard_clear_secs"], 3);
    app.click("settings-cancel").await;
    app.wait_gone("settings-dialog").await;
    assert_eq!(app.index_json()["settings"]["clipboard_clear_secs"], 3);
    app.finish().await;
}

#[tokio::test]
async fn p7_validate_on_start_checks_every_token_when_the_app_opens() {
    let fakes = FakePlatforms::start();
    let mut app = App::start("validate_on_start").await;
    let revoked = fakes.seeded("roboflow")["revoked"].as_str().unwrap().to_string();
    let valid = fakes.seeded("supervisely")["valid"].as_str().unwrap().to_string();
    let bad = app
        .add_token(&TokenInput::token("roboflow", "E2E start revoked", &revoked).server(&fakes.url("roboflow")))
        .await;
    let good = app
        .add_token(&TokenInput::token("supervisely", "E2E start valid", &valid).server(&fakes.url("supervisely")))
        .await;

    app.click("settings-button").await;
    app.wait_tid("settings-dialog").await;
    let checkbox = app.wait_tid("settings-validate-on-start").await;
    if checkbox.prop("checked").await.ok().flatten().as_deref() != Some("true") {
        app.click("settings-validate-on-start").await;
    }
    app.click("settings-save").await;
    app.wait_gone("settings-dialog").await;
    assert_eq!(app.index_json()["settings"]["validate_on_start"], true, "{}", app.index_text());
    assert!(fakes.requests("roboflow").is_empty() && fakes.requests("supervisely").is_empty());

    app.restart().await;
    // The row's mark follows the check's progress event at once; its state follows the
    // list read after it: wait for both.
    let invalid = |r: &Row| r.checked == "invalid" && r.state == "invalid";
    app.wait_row_where(&bad.id, "checked and shown invalid at start", Duration::from_secs(30), invalid).await;
    app.wait_row_where(&good.id, "checked valid at start", Duration::from_secs(30), |r| r.checked == "valid").await;
    // One check each (Roboflow's key list, read after a key is accepted, is not a check).
    let rf_checks = fakes.requests("roboflow").into_iter().filter(|r| r.method == "POST").count();
    assert_eq!(rf_checks, 1, "{:#?}", fakes.requests("roboflow"));
    assert_eq!(fakes.requests("supervisely").len(), 1);
    app.finish().await;
}

#[tokio::test]
async fn p8_other_platform_is_checked_at_the_address_the_user_gives() {
    let fakes = FakePlatforms::start();
    let app = App::start("validate_other").await;
    let url = format!("{}/api/auth/access_tokens/self", fakes.url("cvat"));
    let other = |label: &str, secret: &str| TokenInput {
        check_url: Some(url.clone()),
        check_header: Some("Authorization".into()),
        check_prefix: Some("Bearer ".into()),
        check_method: Some("GET".into()),
        check_status: Some("200".into()),
        ..TokenInput::token("other", label, secret)
    };
    let good_secret = fakes.seeded("cvat")["valid"].as_str().unwrap().to_string();
    let bad_secret = fakes.seeded("cvat")["revoked"].as_str().unwrap().to_string();
    let good = app.add_token(&other("E2E other accepted", &good_secret)).await;
    let bad = app.add_token(&other("E2E other refused", &bad_secret)).await;
    let check = &record(&app, &good.id)["check"];
    assert_eq!(check["url"], url.as_str(), "{check}");
    assert_eq!(check["header"], "Authorization");
    assert_eq!(check["expect_status"], 200);

    app.open_detail("E2E other accepted").await;
    assert_eq!(validate_selected(&app, &good.id).await.checked, "valid");
    validation_text(&app, "Valid").await;
    app.open_detail("E2E other refused").await;
    assert_eq!(validate_selected(&app, &bad.id).await.checked, "invalid");
    validation_text(&app, "Rejected").await;

    let reqs = fakes.requests("cvat");
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert_eq!(reqs[0].header("authorization"), Some(format!("Bearer {good_secret}").as_str()));
    assert_eq!(reqs[1].header("authorization"), Some(format!("Bearer {bad_secret}").as_str()));
    app.finish().await;
}

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}
impl NoNanos for DateTime<Utc> {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap()
    }
}

#[tokio::test]
async fn p9_a_cvat_token_unused_for_400_days_is_stale_according_to_cvat_once_validated() {
    let fakes = FakePlatforms::start();
    let app = App::start("cvat_stale").await;
    let cvat = cvat_token();
    let days_ago = |d: i64| (Utc::now() - chrono::Duration::days(d)).to_rfc3339();
    fakes.add_token(
        "cvat",
        json!({"secret": cvat, "owner": "e2e-cvat-dora", "expires_at": null,
               "last_used_at": days_ago(400), "created_at": days_ago(500)}),
    );
    let row = app.add_token(&TokenInput::token("cvat", "E2E old CVAT", &cvat).server(&fakes.url("cvat"))).await;
    // Stored just now: nothing Latchkey saw makes it stale.
    assert_eq!(row.stale, "", "{row:?}");

    app.open_detail("E2E old CVAT").await;
    assert_eq!(validate_selected(&app, &row.id).await.checked, "valid");
    let row =
        app.wait_row_where(&row.id, "the stale badge on CVAT's word", TIMEOUT, |r| r.stale.contains("CVAT")).await;
    assert_eq!(row.stale, "unused for 400 d · CVAT", "{row:?}");
    let title = app.exec("return document.querySelector('[data-testid=row-stale]').title", vec![]).await;
    assert!(title.as_str().is_some_and(|t| t.ends_with("according to CVAT")), "{title:?}");
    assert_eq!(row.state, "stale", "{row:?}");
    // The detail pane: CVAT's own dates apart from Latchkey's use, and when CVAT drops it.
    let callout = app.wait_text("detail-stale", "the stale callout", |t| t.contains("according to CVAT")).await;
    assert!(callout.starts_with("Unused for 400 d according to CVAT"), "{callout:?}");
    let drop = app.text("detail-drop").await;
    assert!(drop.contains("Refused for inactivity since then"), "180 days after the last use: {drop:?}");
    let details = app.text_css(".meta").await.unwrap_or_default();
    assert!(details.contains("Not used through Latchkey yet"), "{details:?}");
    assert!(details.contains("Last used on CVAT") && details.contains("Created on CVAT"), "{details:?}");
    let rec = record(&app, &row.id);
    assert!(rec.get("last_used_at").is_none(), "a check is not a use through Latchkey: {rec:#}");
    assert!(rec["platform_last_used_at"].is_string() && rec["platform_created_at"].is_string(), "{rec:#}");
    app.page_screenshot("p9-cvat-stale-according-to-cvat").await;
}

#[tokio::test]
async fn p10_rotate_makes_a_new_roboflow_key_and_revokes_the_old_one() {
    let fakes = FakePlatforms::start();
    let app = App::start("rotate_api").await;
    let key = format!("FAKEe2eRot{}", hex(16));
    fakes.add_token(
        "roboflow",
        json!({"secret": key, "key_id": "e2e-key-to-rotate", "workspace": "e2e-rotate-ws", "admin": true, "name": "e2e ci"}),
    );
    let row =
        app.add_token(&TokenInput::token("roboflow", "E2E rotate Roboflow", &key).server(&fakes.url("roboflow"))).await;
    app.open_detail("E2E rotate Roboflow").await;
    app.click("detail-rotate").await;
    app.wait_tid("confirm-dialog").await;
    assert!(fakes.requests("roboflow").is_empty(), "nothing is sent before the user confirms");
    app.click("confirm-ok").await;
    let said = app.wait_text("toast", "the rotation's result", |t| t.contains("Rotated")).await;
    assert!(said.contains("revocation confirmed by Roboflow (401)"), "{said:?}");
    let history =
        app.wait_text("detail-rotation-event", "the rotation in the history", |t| t.contains("Rotate:")).await;
    assert!(history.contains("old key revoked; revocation confirmed by Roboflow (401)"), "{history:?}");
    app.page_screenshot("rotated").await;

    // The keychain holds the new key; Roboflow made it, then it revoked the old one.
    let new = secret_tool_lookup(app.service(), &row.id).expect("a secret");
    assert!(new.starts_with("FAKErfNew") && new != key, "{new:?}");
    assert_eq!(secret_tool_lookup(app.service(), &format!("{}.rotation-old", row.id)), None);
    assert_eq!(secret_tool_lookup(app.service(), &format!("{}.rotation-new", row.id)), None);
    let reqs = fakes.requests("roboflow");
    let made = reqs.iter().position(|r| r.method == "POST" && r.path == "/e2e-rotate-ws/api-keys").expect("a create");
    assert!(reqs[made].contains(&key) && reqs[made].body.contains("e2e ci (rotated "), "{:#?}", reqs[made]);
    let deleted = reqs.iter().position(|r| r.method == "DELETE").expect("a delete");
    assert!(deleted > made, "the old key goes after the new one is made: {reqs:#?}");
    assert_eq!(reqs[deleted].path, "/e2e-rotate-ws/api-keys/e2e-key-to-rotate");
    assert!(reqs[deleted].contains(&new) && !reqs[deleted].contains(&key), "revoked with the new key: {reqs:#?}");
    // … after the new key was checked.
    assert!(
        reqs[made + 1..deleted].iter().any(|r| r.method == "POST" && r.path == "/" && r.contains(&new)),
        "{reqs:#?}"
    );

    let rec = record(&app, &row.id);
    assert!(rec["pending"].is_null(), "{rec:#}");
    assert!(rec["rotations"][0]["outcome"].as_str().unwrap_or_default().contains("old key revoked"), "{rec:#}");
    assert!(!app.index_text().contains(&key) && !app.index_text().contains(&new));
    let shown = app.text_css(".detail-pane").await.unwrap_or_default();
    assert!(!shown.contains(&key) && !shown.contains(&new), "no secret on screen");
    app.finish().await;
}

#[tokio::test]
async fn p11_a_guided_rotation_checks_the_new_secret_and_keeps_the_old_until_refused() {
    let fakes = FakePlatforms::start();
    let app = App::start("rotate_guided").await;
    let old = format!("FAKEe2eSlyOld{}", hex(20));
    let new = format!("FAKEe2eSlyNew{}", hex(20));
    fakes.add_token("supervisely", json!({"secret": old, "owner": "e2e-erin"}));
    fakes.add_token("supervisely", json!({"secret": new, "owner": "e2e-erin"}));
    let row = app
        .add_token(&TokenInput::token("supervisely", "E2E rotate Supervisely", &old).server(&fakes.url("supervisely")))
        .await;
    app.open_detail("E2E rotate Supervisely").await;
    app.click("detail-rotate").await;
    // The guided form says where the new token is made: the settings page, on this server.
    let where_ = app.wait_text("form-rotate-where", "where to make the new token", |t| !t.is_empty()).await;
    assert!(where_.contains(&fakes.url("supervisely")), "{where_:?}");
    let form = app.text("token-form").await;
    assert!(form.contains("Account settings → API token"), "{form:?}");
    // A secret Supervisely does not know is refused when checked; nothing changes.
    let unknown = format!("FAKEe2eSlyBad{}", hex(20));
    app.type_into("form-secret", &unknown).await;
    let refused = app.save_expecting_error().await;
    assert!(
        refused.starts_with("The new secret was refused when checked: Supervisely refused the token"),
        "{refused:?}"
    );
    assert!(
        !refused.contains("deleted") && !refused.contains("did not make"),
        "nothing was made on Supervisely: {refused:?}"
    );
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(old.as_str()));
    assert_eq!(keychain_accounts(app.service()), vec![row.id.clone()], "no staged entry is left");
    assert!(record(&app, &row.id)["pending"].is_null());
    app.type_into("form-secret", &new).await;
    app.page_screenshot("rotate-guided-form").await;
    app.click("form-save").await;
    app.wait_gone("form-secret").await;
    // Checked and in place; Supervisely cannot revoke by API, so the old one waits apart.
    let said = app.wait_text("toast", "what is left", |t| t.contains("The new key is in use")).await;
    assert!(said.contains("revoke it on the website"), "{said:?}");
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(new.as_str()));
    assert_eq!(secret_tool_lookup(app.service(), &format!("{}.rotation-old", row.id)).as_deref(), Some(old.as_str()));
    assert!(fakes.requests("supervisely").iter().any(|r| r.contains(&new)), "the new secret was checked");
    app.wait_tid("detail-rotation-pending").await;
    let button = app.text("detail-rotate").await;
    assert!(button.contains("Finish rotation"), "{button:?}");

    // The user revokes the old one on the website; Finish rotation confirms and forgets it.
    fakes.revoke_on_website("supervisely", &old);
    app.click("detail-rotate").await;
    let said = app.wait_text("toast", "the rotation finished", |t| t.contains("Rotated")).await;
    assert!(said.contains("revocation confirmed by Supervisely"), "{said:?}");
    assert_eq!(secret_tool_lookup(app.service(), &format!("{}.rotation-old", row.id)), None);
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(new.as_str()));
    assert_eq!(keychain_accounts(app.service()), vec![row.id.clone()]);
    app.wait_gone("detail-rotation-pending").await;
    let rec = record(&app, &row.id);
    assert_eq!(rec["rotations"][0]["how"], "guided", "{rec:#}");
    assert!(!app.index_text().contains(&old) && !app.index_text().contains(&new));
    app.finish().await;
}

#[tokio::test]
async fn p12_rotate_a_cvat_token_with_the_password() {
    let fakes = FakePlatforms::start();
    let app = App::start("rotate_cvat").await;
    let old = cvat_token();
    fakes.add_token("cvat", json!({"secret": old, "owner": "e2e-rot", "name": "e2e cvat", "read_only": true}));
    // Its id in the fake: after the seeded tokens.
    let old_id = fakes.seeded("cvat").as_object().map(|o| o.len()).unwrap_or(0) + 1;
    let row = app.add_token(&TokenInput::token("cvat", "E2E rotate CVAT", &old).server(&fakes.url("cvat"))).await;

    app.open_detail("E2E rotate CVAT").await;
    app.click("detail-rotate").await;
    app.wait_tid("rotate-password").await;
    assert_eq!(app.attr_css(&tid("rotate-password-input"), "type").await.as_deref(), Some("password"));
    assert_eq!(app.attr_css(&tid("rotate-password-input"), "autocomplete").await.as_deref(), Some("off"));
    let shot = screenshot_root("cvat-rotate");
    let _ = std::fs::copy(&shot, "/tmp/cvat-rotate.png");

    // A wrong password: said in the form, nothing changed, the field cleared.
    app.type_into("rotate-password-input", "not-the-password\u{E007}").await;
    app.wait_text("rotate-password-error", "the refusal", |t| t.contains("HTTP 401")).await;
    assert_eq!(app.value("rotate-password-input").await, "");
    assert!(fakes.requests("cvat").iter().all(|r| r.method != "DELETE"));
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(old.as_str()));

    // The right one, submitted with Enter.
    app.type_into("rotate-password-input", "FAKE-cvat-password\u{E007}").await;
    app.wait_gone("rotate-password").await;
    app.wait_text("toast", "the rotation", |t| t.contains("Rotated")).await;
    let new = secret_tool_lookup(app.service(), &row.id).expect("the new token in the keychain");
    assert_ne!(new, old);
    assert!(new.starts_with("FAKEn"), "made by the fake CVAT: {}", &new[..5]);

    // Made with Basic auth, then the old token's id deleted with Basic auth.
    let reqs = fakes.requests("cvat");
    let manage: Vec<_> = reqs.iter().filter(|r| r.method != "GET").collect();
    let shape: Vec<(&str, &str)> = manage.iter().map(|r| (r.method.as_str(), r.path.as_str())).collect();
    let delete_path = format!("/api/auth/access_tokens/{old_id}");
    assert_eq!(
        shape,
        [("POST", "/api/auth/access_tokens"), ("POST", "/api/auth/access_tokens"), ("DELETE", delete_path.as_str())],
        "the refused try, the create, the delete"
    );
    for r in &manage {
        assert!(r.header("authorization").is_some_and(|a| a.starts_with("Basic ")), "{:?}", r.method);
    }
    let updated = app.wait_row(&row.label).await;
    assert!(updated.hint.contains(&new[new.len() - 4..]), "the row shows the new token: {updated:?}");
    app.wait_text("detail-rotation-event", "the rotation history", |t| t.contains("old key revoked")).await;
}
