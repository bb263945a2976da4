//! Leak watch end to end: a stored Roboflow key planted in a shell history under the app's
//! own HOME is found by a scan started from the window, a desktop notification arrives, and
//! Revoke from the finding deletes the key through the fake Roboflow API and removes it from
//! the keychain. The key never reaches the report file, the index or the logs.

use std::time::Duration;

use latchkey_e2e::*;
use serde_json::json;

/// `n` lower-case hex characters, fresh each time.
fn hex(n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(n);
    s
}

#[tokio::test]
async fn l1_scan_finds_a_stored_token_in_a_history_and_revokes_it() {
    let fakes = FakePlatforms::start();
    let mut app = App::new("leak_scan");
    let home = app.root().join("home");
    std::fs::create_dir_all(&home).unwrap();
    app.set_env("HOME", home.to_str().unwrap());
    app.launch().await;

    let key = format!("FAKEe2eLeak{}", hex(16));
    fakes.add_token(
        "roboflow",
        json!({"secret": key, "key_id": "e2e-leaked-key", "workspace": "e2e-leak-ws", "admin": true, "name": "e2e"}),
    );
    let row =
        app.add_token(&TokenInput::token("roboflow", "E2E leaked Roboflow", &key).server(&fakes.url("roboflow"))).await;
    std::fs::write(home.join(".bash_history"), format!("ls -la\nexport ROBOFLOW_API_KEY={key}\ncd ~\n")).unwrap();
    let dunst = Dunst::clear();

    app.click("leak-button").await;
    app.wait_tid("leak-dialog").await;
    app.click("leak-scan").await;
    let place =
        app.wait_text("leak-finding-place", "the history file, line 2", |t| t.contains(".bash_history:2:25")).await;
    assert!(place.ends_with(".bash_history:2:25"), "{place:?}");
    let title = app.text("leak-finding-title").await;
    assert!(title.contains("E2E leaked Roboflow"), "{title:?}");
    let excerpt = app.text("leak-finding-excerpt").await;
    assert!(excerpt.contains("ROBOFLOW_API_KEY=••••") && !excerpt.contains(&key), "{excerpt:?}");
    app.wait_text("leak-summary", "one suspected leak", |t| t.contains("1 suspected leak")).await;

    // A desktop notification says so.
    let note = app
        .wait_until("the leak notification", Duration::from_secs(15), async || {
            dunst.all().into_iter().find(|n| n.summary.contains("possible token leak"))
        })
        .await;
    assert!(note.body.contains("1 stored secret found in 1 file"), "{note:?}");

    // One click (and the confirmation) revokes it through Roboflow's API.
    app.click("leak-revoke").await;
    app.wait_tid("confirm-dialog").await;
    app.click("confirm-ok").await;
    app.wait_row_where(&row.id, "revoked", Duration::from_secs(30), |r| r.state == "revoked").await;
    let reqs = fakes.requests("roboflow");
    assert!(reqs.iter().any(|r| r.method == "DELETE" && r.path == "/e2e-leak-ws/api-keys/e2e-leaked-key"), "{reqs:#?}");
    assert_eq!(secret_tool_lookup(app.service(), &row.id), None, "secret-tool still finds the revoked secret");

    // The report kept on disk has no secret; nor has anything else Latchkey wrote (the
    // planted history, in the same temp folder, goes first).
    assert!(app.data_dir().join("leak-scan.json").exists());
    std::fs::remove_file(home.join(".bash_history")).unwrap();
    assert!(app.leaks(&[&key]).is_empty(), "{:?}", app.leaks(&[&key]));
    app.finish().await;
}
