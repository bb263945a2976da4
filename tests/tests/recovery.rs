//! The app when things around it are wrong: no keychain, a damaged or too-new index file.
//!
//! Run with `make test`; see the crate docs for the environment these need.

use std::fs;

use latchkey_e2e::*;

#[tokio::test]
async fn f_keychain_unavailable_shows_banner_and_stores_nothing() {
    // A session bus with no Secret Service on it (and no service activation).
    let bus = EmptyBus::start();
    let mut app = App::new("keychain_unavailable");
    app.set_env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
    app.launch().await;

    let banner = app
        .wait_text("keychain-banner", "a message about the keychain", |t| t.to_lowercase().contains("keychain"))
        .await;
    assert!(app.is_visible("keychain-retry").await, "a Retry button next to: {banner:?}");

    // Retrying does not help while there is still no Secret Service.
    app.click("keychain-retry").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(app.is_visible("keychain-banner").await, "the banner stays while the keychain is missing");

    // Adding a token is refused with an explanation; nothing is written anywhere.
    let secret = fake_secret("cvat-nokeychain");
    app.fill_add_form(&TokenInput::token("cvat", "E2E no keychain", &secret)).await;
    let msg = app.save_expecting_error().await;
    assert!(msg.to_lowercase().contains("keychain"), "the error should name the keychain: {msg:?}");
    app.click("form-cancel").await;
    app.wait_gone("token-form").await;
    assert!(app.rows().await.is_empty(), "no row for a token that was not stored");

    let index = app.index_text();
    assert!(!index.contains("E2E no keychain"), "no record without its secret:\n{index}");
    let hits = grep_tree(app.data_dir(), &[&secret]);
    assert!(hits.is_empty(), "the secret reached the data folder: {hits:?}");
    // And the real keychain (on the session bus) got nothing either.
    assert!(keychain_accounts(app.service()).is_empty());

    app.quit().await;
    assert!(app.leaks(&[&secret]).is_empty(), "{:?}", app.leaks(&[&secret]));
    drop(bus);
}

#[tokio::test]
async fn g_damaged_and_newer_index_files_are_kept_aside_and_reported() {
    let mut app = App::new("corrupt_index");
    let index = app.data_dir().join(INDEX_FILE);

    // 1. Garbage.
    let garbage = "{\"schema\": 1, \"records\": [ this is not JSON -- e2e garbage 0001";
    fs::write(&index, garbage).unwrap();
    app.launch().await;
    let notice = app.wait_text("notice", "a notice about the damaged file", |t| !t.is_empty()).await;
    let level = app.wait_tid("notice").await.attr("data-level").await.unwrap().unwrap_or_default();
    assert!(["warning", "error"].contains(&level.as_str()), "notice level {level:?}: {notice}");
    let aside = files_starting_with(app.data_dir(), "latchkey.json.damaged-");
    assert_eq!(aside.len(), 1, "one damaged file kept aside: {aside:?}");
    assert_eq!(fs::read_to_string(&aside[0]).unwrap(), garbage, "kept unchanged");
    let name = aside[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(
        notice.contains(&name) || notice.to_lowercase().contains("could not be read"),
        "the notice says what happened: {notice}"
    );
    assert!(app.rows().await.is_empty());
    // The app still works.
    let secret = fake_secret("roboflow-after-damage");
    let row = app.add_token(&TokenInput::token("roboflow", "E2E after damage", &secret)).await;
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(secret.as_str()));
    app.quit().await;

    // 2. A file from a newer Latchkey.
    let newer = "{\"schema\": 99, \"records\": [], \"from_the_future\": \"e2e 0002\"}\n";
    fs::write(&index, newer).unwrap();
    app.launch().await;
    let notice = app
        .wait_until("an error notice about the newer file", TIMEOUT, async || {
            let t = app.visible_text(&format!("{}[data-level=\"error\"]", tid("notice"))).await?;
            (!t.is_empty()).then_some(t)
        })
        .await;
    assert!(notice.to_lowercase().contains("newer"), "{notice}");
    let aside = files_starting_with(app.data_dir(), "latchkey.json.schema99-");
    assert_eq!(
        aside.len(),
        1,
        "the newer file is kept aside: {:?}",
        files_starting_with(app.data_dir(), "latchkey.json")
    );
    assert_eq!(fs::read_to_string(&aside[0]).unwrap(), newer, "kept unchanged");
    assert_eq!(files_starting_with(app.data_dir(), "latchkey.json.damaged-").len(), 1, "the first one is still there");
    // The index in use now is ours again (schema 1), never the newer file rewritten.
    assert_eq!(app.index_json()["schema"], 1);
    app.finish().await;
}
