//! What a user does with tokens in the window, checked against what they see and against the
//! system: the keychain (`secret-tool`), the clipboard (`xclip`) and the data folder.
//!
//! Run with `make test`; see the crate docs for the environment these need.

use std::time::{Duration, Instant};

use chrono::{DateTime, Local, Utc};
use latchkey_e2e::*;

/// The countdown prefixes ("expires in N d") that are right for an expiry at the end of
/// `date`, seen at some instant between `before` and `after`.
fn expected_day_prefixes(date: chrono::NaiveDate, before: DateTime<Local>, after: DateTime<Local>) -> Vec<String> {
    let end = end_of_local_day(date);
    let mut days: Vec<i64> = [before, after + chrono::Duration::seconds(2)]
        .iter()
        .map(|t| (end - *t).num_seconds().div_euclid(86_400))
        .collect();
    days.dedup();
    days.into_iter().map(|d| format!("expires in {d} d")).collect()
}

#[tokio::test]
async fn a_add_cvat_token_with_expiry_shows_countdown_and_stores_secret_in_keychain_only() {
    let app = App::start("add_cvat").await;
    let label = "E2E CVAT annotation CI";
    let secret = fake_secret("cvat-token");
    let date = local_date_in(10);

    let before = Local::now();
    let row = app.add_token(&TokenInput::token("cvat", label, &secret).expiring_on(date)).await;
    let after = Local::now();

    // What the user sees.
    assert_eq!(row.state, "active", "{row:?}");
    let prefixes = expected_day_prefixes(date, before, after);
    assert!(
        prefixes.iter().any(|p| row.countdown.starts_with(p.as_str())),
        "countdown {:?} should start with one of {prefixes:?} (expiry {date} = end of that local day)",
        row.countdown
    );
    assert!(row.countdown.contains(" h"), "countdown shows days and hours: {:?}", row.countdown);
    let last4 = &secret[secret.len() - 4..];
    assert!(row.hint.contains(last4), "hint {:?} should show the last characters {last4:?}", row.hint);
    assert!(!row.hint.contains(&secret[..secret.len() - 4]), "hint shows too much: {:?}", row.hint);

    // What the system holds.
    assert_eq!(
        secret_tool_lookup(app.service(), &row.id).as_deref(),
        Some(secret.as_str()),
        "keychain entry for {}",
        row.id
    );
    let index = app.index_text();
    assert!(index.contains(label), "the index holds the label");
    assert!(!index.contains(&secret), "the secret leaked into {INDEX_FILE}:\n{index}");
    let record = app.index_record(&row.id).expect("record in the index");
    assert_eq!(record["platform"], "cvat");
    assert_eq!(record["server_url"], "https://app.cvat.ai");
    let stored: DateTime<Utc> = record["expires_at"].as_str().expect("expires_at").parse().unwrap();
    let want = end_of_local_day(date).with_timezone(&Utc);
    assert!(
        (stored - want).num_seconds().abs() <= 1,
        "expires_at {stored} should be the end of {date} local time ({want})"
    );
    assert!(app.leaks(&[&secret]).is_empty(), "{:?}", app.leaks(&[&secret]));
    app.finish().await;
}

#[tokio::test]
async fn b_copy_puts_secret_on_clipboard_and_clears_it() {
    let app = App::start("copy").await;
    let label = "E2E Roboflow copy";
    let secret = fake_secret("roboflow-key");
    set_clipboard("e2e: something else was here");
    let row = app.add_token(&TokenInput::token("roboflow", label, &secret)).await;
    assert!(app.index_record(&row.id).unwrap().get("last_used_at").is_none());

    app.click_in_row(label, "row-copy").await;
    let copied = Instant::now();
    let feedback = app
        .wait_until("row-feedback to say Copied", TIMEOUT, async || {
            app.rows().await.into_iter().find(|r| r.id == row.id).map(|r| r.feedback).filter(|f| f.contains("Copied"))
        })
        .await;
    assert!(!feedback.contains(&secret), "the feedback shows the secret: {feedback:?}");
    assert_eq!(clipboard().as_deref(), Some(secret.as_str()), "the clipboard holds the secret right after Copy");

    // The app clears it after LATCHKEY_CLIPBOARD_CLEAR_SECS (4 s here), not before.
    let limit = Duration::from_secs(CLIPBOARD_CLEAR_SECS + 4);
    let cleared = app
        .wait_until("the clipboard to be cleared", limit, async || {
            (clipboard().as_deref() != Some(secret.as_str())).then(|| copied.elapsed())
        })
        .await;
    assert!(
        cleared >= Duration::from_secs(CLIPBOARD_CLEAR_SECS - 1),
        "the clipboard was cleared after {cleared:?}, expected about {CLIPBOARD_CLEAR_SECS} s"
    );

    let record = app.index_record(&row.id).unwrap();
    let used: DateTime<Utc> = record["last_used_at"].as_str().expect("last_used_at after a copy").parse().unwrap();
    assert!((Utc::now() - used).num_seconds() < 60, "last_used_at {used} is recent");
    assert!(!app.index_text().contains(&secret));
    app.finish().await;
}

#[tokio::test]
async fn c_tokens_persist_across_restart_soonest_expiry_first() {
    let mut app = App::start("persistence").await;
    let robo = fake_secret("roboflow-key");
    let env0_id = format!("e2e-key-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let env0_secret = fake_secret("env0-secret");
    // Added first, but without an expiry: it must sort after the one that expires.
    let r1 = app.add_token(&TokenInput::token("roboflow", "E2E Roboflow workspace", &robo)).await;
    let r2 =
        app.add_token(&TokenInput::env0("E2E env0 deploy", &env0_id, &env0_secret).expiring_on(local_date_in(3))).await;
    assert_eq!(r1.state, "no_expiry_set");
    assert_eq!(r2.state, "expiring_soon");

    app.restart().await;

    let rows = app
        .wait_until("both rows after the restart", TIMEOUT, async || {
            let rows = app.rows().await;
            (rows.len() == 2).then_some(rows)
        })
        .await;
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["E2E env0 deploy", "E2E Roboflow workspace"], "soonest expiry first");
    assert_eq!(rows[0].id, r2.id);
    assert_eq!(rows[1].id, r1.id);
    assert_eq!(rows[0].state, "expiring_soon");
    assert!(
        rows[0].countdown.starts_with("expires in 3 d") || rows[0].countdown.starts_with("expires in 2 d"),
        "{:?}",
        rows[0].countdown
    );
    assert_eq!(rows[1].countdown, "no expiry set");

    assert_eq!(secret_tool_lookup(app.service(), &r1.id).as_deref(), Some(robo.as_str()));
    let pair = secret_tool_lookup(app.service(), &r2.id).expect("env0 entry");
    let pair: serde_json::Value = serde_json::from_str(&pair).expect("env0 payload is JSON");
    assert_eq!(pair["key_id"], env0_id.as_str());
    assert_eq!(pair["secret"], env0_secret.as_str());
    let index = app.index_json();
    let rec = app.index_record(&r2.id).unwrap();
    assert_eq!(rec["public"]["key_id"], env0_id.as_str(), "the env0 key id is public and kept in the index");
    assert_eq!(index["records"].as_array().unwrap().len(), 2);
    assert!(app.leaks(&[&robo, &env0_secret]).is_empty(), "{:?}", app.leaks(&[&robo, &env0_secret]));
    app.finish().await;
}

#[tokio::test]
async fn d_delete_removes_row_keychain_entry_and_record() {
    let app = App::start("delete").await;
    let label = "E2E CVAT to delete";
    let secret = fake_secret("cvat-token");
    let keep = app.add_token(&TokenInput::token("cvat", "E2E CVAT to keep", &fake_secret("cvat-keep"))).await;
    let row = app.add_token(&TokenInput::token("cvat", label, &secret)).await;
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(secret.as_str()));

    // Cancel first: nothing happens.
    app.open_detail(label).await;
    app.click("detail-delete").await;
    app.wait_tid("confirm-dialog").await;
    app.click("confirm-cancel").await;
    app.wait_gone("confirm-dialog").await;
    assert!(app.rows().await.iter().any(|r| r.id == row.id), "cancel keeps the row");
    assert!(secret_tool_lookup(app.service(), &row.id).is_some());

    app.click("detail-delete").await;
    app.wait_tid("confirm-dialog").await;
    app.click("confirm-ok").await;
    app.wait_row_gone(&row.id).await;

    assert_eq!(secret_tool_lookup(app.service(), &row.id), None, "secret-tool still finds the deleted secret");
    assert!(app.index_record(&row.id).is_none(), "the record is still in the index");
    assert_eq!(keychain_accounts(app.service()), vec![keep.id.clone()], "only the kept token remains in the keychain");
    assert!(app.rows().await.iter().any(|r| r.id == keep.id));
    app.finish().await;
}

#[tokio::test]
async fn e_bad_input_is_explained_and_nothing_is_stored() {
    let app = App::start("bad_input").await;

    // Empty secret: an error, the dialog stays open, what was typed stays.
    app.fill_add_form(&TokenInput { secret: Some(String::new()), ..TokenInput::token("cvat", "E2E empty secret", "") })
        .await;
    let msg = app.save_expecting_error().await;
    assert!(!msg.is_empty());
    assert_eq!(app.value("form-label").await, "E2E empty secret", "the label is kept after an error");
    app.click("form-cancel").await;
    app.wait_gone("token-form").await;

    // Duplicate label on the same platform.
    let first = fake_secret("cvat-dup-1");
    let second = fake_secret("cvat-dup-2");
    let row = app.add_token(&TokenInput::token("cvat", "E2E duplicate", &first)).await;
    app.fill_add_form(&TokenInput::token("cvat", "E2E duplicate", &second)).await;
    let msg = app.save_expecting_error().await;
    assert!(msg.contains("already"), "duplicate label error should say so: {msg:?}");
    app.click("form-cancel").await;
    app.wait_gone("token-form").await;

    // Malformed or plain-http server addresses.
    for server in ["http://cvat.example.org", "not a url"] {
        let s = fake_secret("cvat-url");
        app.fill_add_form(&TokenInput::token("cvat", "E2E bad server", &s).server(server)).await;
        let msg = app.save_expecting_error().await;
        assert!(!msg.is_empty(), "server {server:?}");
        app.click("form-cancel").await;
        app.wait_gone("token-form").await;
        assert!(!app.index_text().contains("E2E bad server"));
    }

    // An expiry in the past is accepted and shown as expired.
    let old = fake_secret("cvat-old");
    let expired =
        app.add_token(&TokenInput::token("cvat", "E2E already expired", &old).expiring_on(local_date_in(-3))).await;
    assert_eq!(expired.state, "expired");
    assert!(
        expired.countdown.starts_with("expired ") && expired.countdown.ends_with(" ago"),
        "{:?}",
        expired.countdown
    );

    // Only the two accepted tokens reached the keychain and the index.
    let mut accounts = keychain_accounts(app.service());
    accounts.sort();
    let mut want = vec![row.id.clone(), expired.id.clone()];
    want.sort();
    assert_eq!(accounts, want);
    assert_eq!(app.index_json()["records"].as_array().unwrap().len(), 2);
    assert_eq!(app.rows().await.len(), 2);
    assert!(app.leaks(&[&second]).is_empty(), "{:?}", app.leaks(&[&second]));
    app.finish().await;
}

#[tokio::test]
async fn z_screenshot_of_populated_list() {
    let app = App::start("screenshot").await;
    let mut sly = TokenInput::token("supervisely", "Team server", &fake_secret("sly")).expiring_on(local_date_in(3));
    sly.server = Some("https://supervisely.example.org".into());
    sly.owner = Some("annotation team".into());
    let tokens = [
        TokenInput::token("cvat", "Annotation CI", &fake_secret("cvat")).expiring_on(local_date_in(24)),
        sly,
        TokenInput::token("roboflow", "Workspace key", &fake_secret("roboflow")),
        TokenInput::env0("Deploy pipeline", "a1b2c3d4", &fake_secret("env0")).expiring_on(local_date_in(-2)),
        TokenInput::encord_resource("Dataset export", "7f3e2a10-0000-4000-8000-e2e000000001", &fake_secret("encord"))
            .expiring_on(local_date_in(60)),
    ];
    for t in &tokens {
        app.add_token(t).await;
    }
    let states: Vec<String> = app.rows().await.into_iter().map(|r| r.state).collect();
    assert!(states.contains(&"expired".to_string()) && states.contains(&"expiring_soon".to_string()), "{states:?}");
    // Show the details of one token, and let toasts fade.
    app.open_detail("Annotation CI").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.is_visible("toast").await && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let path = app.page_screenshot("main-window").await;
    assert!(
        std::fs::metadata(&path).map(|m| m.len() > 10_000).unwrap_or(false),
        "screenshot {} written",
        path.display()
    );
    println!("screenshot: {}", path.display());
    app.finish().await;
}
