//! The tray menu, through a fake panel (a StatusNotifierWatcher on the test session's bus,
//! `latchkey_e2e::tray`): Latchkey's item registers, its menu offers Open and Quit, and after
//! a leak scan "Revoke “label”…" for the token found; that entry brings the window up with
//! the revoke confirmation open and revokes nothing by itself. Open makes a closed window again,
//! Quit ends the app.

use std::time::Duration;

use latchkey_e2e::tray::FakeTray;
use latchkey_e2e::*;
use serde_json::json;

#[tokio::test]
async fn t1_tray_menu_open_revoke_a_leaked_token_and_quit() {
    let tray = FakeTray::start();
    let fakes = FakePlatforms::start();
    let mut app = App::new("tray_menu");
    let home = app.root().join("home");
    std::fs::create_dir_all(&home).unwrap();
    app.set_env("HOME", home.to_str().unwrap());
    app.launch().await;

    let item = tray.wait_item(app.app_pid() as u32, Duration::from_secs(20));
    let menu = tray.menu(&item);
    let labels: Vec<&str> = menu.iter().map(|e| e.label.as_str()).collect();
    assert!(labels.contains(&"Open Latchkey") && labels.contains(&"Quit Latchkey"), "{menu:#?}");
    assert!(!labels.iter().any(|l| l.starts_with("Revoke")), "no scan yet: {menu:#?}");

    // A stored key found by a scan.
    let key = format!("FAKEe2eTray{}", uuid::Uuid::new_v4().simple());
    fakes.add_token(
        "roboflow",
        json!({"secret": key, "key_id": "e2e-tray-key", "workspace": "e2e-tray-ws", "admin": true, "name": "e2e"}),
    );
    let row =
        app.add_token(&TokenInput::token("roboflow", "E2E tray Roboflow", &key).server(&fakes.url("roboflow"))).await;
    std::fs::write(home.join(".bash_history"), format!("export ROBOFLOW_API_KEY={key}\n")).unwrap();
    app.click("leak-button").await;
    app.wait_tid("leak-dialog").await;
    app.click("leak-scan").await;
    app.wait_text("leak-summary", "one suspected leak", |t| t.contains("1 suspected leak")).await;
    app.exec("document.querySelector('[data-testid=\"leak-dialog\"]').close(); return null;", vec![]).await;

    let entry =
        tray.wait_entry(&item, "a Revoke entry", Duration::from_secs(20), |e| e.label == "Revoke “E2E tray Roboflow”…");
    assert!(entry.enabled, "{entry:?}");

    // Closed window: the entry makes it again, with the revoke confirmation open; nothing
    // sent yet.
    app.close_main_window().await;
    app.wait_x_window_gone(Duration::from_secs(10)).await;
    let before = fakes.requests("roboflow").len();
    tray.click(&item, entry.id);
    app.wait_x_window_viewable(true, Duration::from_secs(10)).await;
    app.follow_new_window(Duration::from_secs(20)).await;
    app.wait_tid("confirm-dialog").await;
    let question = app.text("confirm-dialog").await;
    assert!(question.contains("E2E tray Roboflow"), "{question:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fakes.requests("roboflow").len(), before, "the tray revoked without asking");
    app.screenshot("tray-revoke-confirmation").await;
    app.click("confirm-ok").await;
    app.wait_row_where(&row.id, "revoked", Duration::from_secs(30), |r| r.state == "revoked").await;
    assert_eq!(secret_tool_lookup(app.service(), &row.id), None);

    // Revoked: the entry goes (the menu follows the vault).
    app.wait_until("the Revoke entry to go", Duration::from_secs(20), async || {
        (!tray.menu(&item).iter().any(|e| e.label.starts_with("Revoke"))).then_some(())
    })
    .await;

    // Open makes a closed window again, with the list.
    app.close_main_window().await;
    app.wait_x_window_gone(Duration::from_secs(10)).await;
    let open = tray.wait_entry(&item, "Open", Duration::from_secs(5), |e| e.label == "Open Latchkey");
    tray.click(&item, open.id);
    app.wait_x_window_viewable(true, Duration::from_secs(10)).await;
    app.follow_new_window(Duration::from_secs(20)).await;
    app.wait_row_where(&row.id, "revoked", Duration::from_secs(10), |r| r.state == "revoked").await;

    // Quit ends the app (even with "keep running in the background" on).
    let quit = tray.wait_entry(&item, "Quit", Duration::from_secs(5), |e| e.label == "Quit Latchkey");
    tray.click(&item, quit.id);
    app.wait_app_exited(Duration::from_secs(15)).await;
    std::fs::remove_file(home.join(".bash_history")).unwrap();
    assert!(app.leaks(&[&key]).is_empty(), "{:?}", app.leaks(&[&key]));
    app.finish().await;
}
