//! Rotations through the API that stop halfway (issue 17).
//! - r1: the app is killed (SIGKILL, no chance to tidy up) while Roboflow holds the revoke of
//!   the old key. On the next start nothing is lost — the keychain holds both keys, the record
//!   its journal mark — and the window offers to finish it: a message at start-up, a mark on
//!   the row and, in the detail pane, Finish (keyboard reachable), which revokes the old key
//!   with the new one.
//! - r2: Roboflow makes the new key but fails its check (503, then 500). The rotation waits
//!   before the swap, the old key still in use; Undo in the detail pane deletes the new key on
//!   Roboflow and from the keychain.
//!
//! Run with `make test`; see the crate docs for the environment these need.

use latchkey_e2e::fakes::http;
use latchkey_e2e::*;
use serde_json::json;

/// A Roboflow key `key_id` of `workspace` that may manage the workspace's keys (so it can be
/// rotated), added in the window as `label`: the key and its row.
async fn rotatable_key(app: &App, fakes: &FakePlatforms, key_id: &str, workspace: &str, label: &str) -> (String, Row) {
    let key = format!("FAKEe2eRot{}", hex(16));
    fakes.add_token(
        "roboflow",
        json!({"secret": key, "key_id": key_id, "workspace": workspace, "admin": true, "name": label}),
    );
    let row = app.add_token(&TokenInput::token("roboflow", label, &key).server(&fakes.url("roboflow"))).await;
    (key, row)
}

#[tokio::test]
async fn r1_a_rotation_killed_half_way_is_offered_at_restart_and_finished() {
    let fakes = FakePlatforms::start();
    let mut app = App::new("rotate_killed");
    app.launch().await;
    let label = "E2E killed rotation";
    let (key, row) = rotatable_key(&app, &fakes, "e2e-key-killed", "e2e-kill-ws", label).await;
    let old_entry = format!("{}.rotation-old", row.id);
    let delete_old = "/e2e-kill-ws/api-keys/e2e-key-killed";
    let deletes = || fakes.requests("roboflow").into_iter().filter(|r| r.method == "DELETE").collect::<Vec<_>>();

    // Roboflow takes the revoke and never answers: the new key is made, checked and in use.
    fakes.hold("roboflow", Some("DELETE"));
    app.open_detail(label).await;
    app.click("detail-rotate").await;
    app.click("confirm-ok").await;
    app.wait_until("the revoke of the old key to reach Roboflow", TIMEOUT, async || {
        (!deletes().is_empty()).then_some(())
    })
    .await;
    let new = secret_tool_lookup(app.service(), &row.id).expect("the main entry");
    assert!(new.starts_with("FAKErfNew") && new != key, "the new key is in use before the revoke: {new:?}");
    assert_eq!(secret_tool_lookup(app.service(), &old_entry).as_deref(), Some(key.as_str()), "the old key is kept");

    // kill -9 while the revoke hangs.
    app.kill().await;
    // The held revoke is dropped unanswered (503, nothing done): Roboflow still has the old key.
    fakes.hold("roboflow", None);
    assert_eq!(http(&fakes.url("roboflow"), "POST", &format!("/?api_key={key}"), Some("")).0, 200);
    assert_eq!(deletes().len(), 1, "{:#?}", deletes());

    // Nothing lost: both keys in the keychain, the record and its journal mark intact.
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(new.as_str()));
    assert_eq!(secret_tool_lookup(app.service(), &old_entry).as_deref(), Some(key.as_str()));
    let rec = app.index_record(&row.id).expect("the record survives");
    assert_eq!(rec["label"], label, "{rec:#}");
    assert_eq!(rec["pending"]["step"], "rotating", "{rec:#}");
    assert_eq!(rec["pending"]["stage"], "swapped", "{rec:#}");
    assert_eq!(rec["pending"]["old_key"], "e2e-key-killed", "{rec:#}");

    // Restart on the same data folder and keychain: the window offers to finish it.
    app.launch().await;
    let said = app.wait_text("toast", "the start-up message", |t| t.contains("stopped halfway")).await;
    assert!(said.contains(label) && said.contains("Nothing is lost"), "{said:?}");
    let level = app.wait_tid("toast").await.attr("data-kind").await.unwrap().unwrap_or_default();
    assert_eq!(level, "warning", "{said:?}");
    let chip = app.attr_css(&format!("{} {}", row_by_id(&row.id), tid("row-rotation-stopped")), "aria-label").await;
    assert_eq!(chip.as_deref(), Some("Rotation stopped halfway"), "the row says so");

    app.screenshot("rot-offer-start").await;

    // Show leads to the offer, with Finish focused: Enter finishes the rotation.
    app.click("toast-action").await;
    let offer = app.wait_text("detail-rotation-pending", "the offer", |t| t.contains("stopped halfway")).await;
    assert!(offer.contains(&format!("Rotation of “{label}” stopped halfway")), "{offer:?}");
    assert!(offer.contains("Finish revokes it"), "{offer:?}");
    assert!(!app.is_visible("rotation-undo").await, "no undo once the new key is in use");
    let focused = app
        .wait_until("Finish to have the focus", TIMEOUT, async || {
            let f = app.exec("return document.activeElement?.dataset?.testid ?? null", vec![]).await;
            (f == json!("rotation-finish")).then_some(f)
        })
        .await;
    assert_eq!(focused, json!("rotation-finish"));
    app.screenshot("rot-offer").await;
    let _ = std::fs::copy(output_dir().join("rot-offer.png"), "/tmp/rot-offer.png");
    let finish = app.client().active_element().await.expect("the focused button");
    finish.send_keys("\u{E007}").await.expect("Enter");

    let said = app.wait_text("toast", "the rotation finished", |t| t.contains("Rotated")).await;
    assert!(said.contains("revocation confirmed by Roboflow (401)"), "{said:?}");
    app.wait_gone("detail-rotation-pending").await;
    app.wait_until("the row's mark to go", TIMEOUT, async || {
        let css = format!("{} {}", row_by_id(&row.id), tid("row-rotation-stopped"));
        app.find(&css).await.is_none().then_some(())
    })
    .await;

    // Roboflow saw the old keyId deleted again, with the new key, and now refuses the old one.
    let all = deletes();
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[1].path, delete_old);
    assert!(all[1].contains(&new) && !all[1].contains(&key), "revoked with the new key: {all:#?}");
    assert_eq!(http(&fakes.url("roboflow"), "POST", &format!("/?api_key={key}"), Some("")).0, 401);
    // The keychain holds the new key only; Copy gives it.
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(new.as_str()));
    assert_eq!(secret_tool_lookup(app.service(), &old_entry), None);
    assert_eq!(keychain_accounts(app.service()), vec![row.id.clone()]);
    app.click("detail-copy").await;
    app.wait_until("the clipboard to hold the new key", TIMEOUT, async || {
        (clipboard().as_deref() == Some(new.as_str())).then_some(())
    })
    .await;
    let rec = app.index_record(&row.id).unwrap();
    assert!(rec["pending"].is_null() || rec["pending"]["step"] == "none", "{rec:#}");
    assert!(rec["rotations"][0]["outcome"].as_str().unwrap_or_default().contains("old key revoked"), "{rec:#}");
    assert!(!app.index_text().contains(&key) && !app.index_text().contains(&new));
    app.finish().await;
}

#[tokio::test]
async fn r2_a_rotation_stopped_before_the_swap_is_undone_from_the_window() {
    let fakes = FakePlatforms::start();
    let mut app = App::new("rotate_undo");
    app.launch().await;
    let label = "E2E undone rotation";
    let (key, row) = rotatable_key(&app, &fakes, "e2e-key-undo", "e2e-undo-ws", label).await;
    let new_entry = format!("{}.rotation-new", row.id);
    // A check of a key Roboflow made (the app's own checks of the old key do not count).
    let new_checked = || {
        fakes.requests("roboflow").into_iter().any(|r| r.method == "POST" && r.path == "/" && r.contains("FAKErfNew"))
    };

    // Roboflow makes the new key, then holds its check unanswered.
    fakes.hold_matching("roboflow", Some("POST"), Some("/?api_key=FAKErfNew"));
    app.open_detail(label).await;
    app.click("detail-rotate").await;
    app.click("confirm-ok").await;
    app.wait_until("the new key's check to reach Roboflow", TIMEOUT, async || new_checked().then_some(())).await;
    let new = secret_tool_lookup(app.service(), &new_entry).expect("the new key, kept apart");
    assert!(new.starts_with("FAKErfNew") && new != key, "{new:?}");
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(key.as_str()), "the old key still in use");

    // Roboflow fails: the held check is dropped (503), and so is every retry (500). The new
    // key cannot be checked, so it is not put in place.
    fakes.set_behaviour("roboflow", &new, json!({"kind": "server_error"}));
    fakes.hold("roboflow", None);
    let said = app.wait_text("toast", "the rotation to stop", |t| t.contains("could not check the new key")).await;
    assert!(said.contains("the new key is kept in your keychain and the old one stays in use"), "{said:?}");
    assert!(!said.contains("Nothing was changed"), "a new key was made: {said:?}");
    let offer = app.wait_text("detail-rotation-pending", "the offer", |t| t.contains("stopped halfway")).await;
    assert!(offer.contains(&format!("Rotation of “{label}” stopped halfway")), "{offer:?}");
    assert!(app.is_visible("rotation-finish").await && app.is_visible("rotation-undo").await, "{offer:?}");
    let chip = app.attr_css(&format!("{} {}", row_by_id(&row.id), tid("row-rotation-stopped")), "aria-label").await;
    assert_eq!(chip.as_deref(), Some("Rotation stopped halfway"), "the row says so");
    app.screenshot("rot-undo-offer").await;

    // Undo, confirmed: Roboflow deletes the new key (asked with the old one, which stays).
    app.click("rotation-undo").await;
    app.click("confirm-ok").await;
    let said = app.wait_text("toast", "the undo", |t| t.contains("undone")).await;
    assert!(said.contains(&format!("Rotation of “{label}” undone")), "{said:?}");
    app.wait_gone("detail-rotation-pending").await;
    let deletes: Vec<_> = fakes.requests("roboflow").into_iter().filter(|r| r.method == "DELETE").collect();
    assert_eq!(deletes.len(), 1, "{deletes:#?}");
    assert!(deletes[0].path.starts_with("/e2e-undo-ws/api-keys/"), "{deletes:#?}");
    assert!(!deletes[0].path.ends_with("/e2e-key-undo"), "the new key is deleted, not the old: {deletes:#?}");
    assert!(deletes[0].contains(&key) && !deletes[0].contains(&new), "asked with the old key: {deletes:#?}");
    let roboflow = fakes.url("roboflow");
    assert_eq!(http(&roboflow, "POST", &format!("/?api_key={new}"), Some("")).0, 401, "the new key is gone");
    assert_eq!(http(&roboflow, "POST", &format!("/?api_key={key}"), Some("")).0, 200, "the old key works");

    // The keychain holds the old key only, in its own entry; the record has no mark left.
    assert_eq!(keychain_accounts(app.service()), vec![row.id.clone()]);
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(key.as_str()));
    let rec = app.index_record(&row.id).unwrap();
    assert!(rec["pending"].is_null() || rec["pending"]["step"] == "none", "{rec:#}");
    assert!(!app.index_text().contains(&key) && !app.index_text().contains(&new));
    app.finish().await;
}
