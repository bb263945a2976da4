//! Secret hygiene after a full session through the window: add, copy, reveal, validate,
//! replace, rotate through the API, a leak scan and a revoke from its finding, delete. Afterwards no test secret is
//! anywhere Latchkey or its webview could have written — the data folder (index, backup, log,
//! access log, leak report), WebKit's local storage, IndexedDB, caches and cookies under the app's XDG
//! folders, the app's HOME, the session's HOME, and the app's stdout/stderr (the driver log) —
//! in any form: plain, URL-encoded, base64 at any alignment, UTF-16 (`hygiene.rs`).
//!
//! Run with `make test`; see the crate docs for the environment these need.

use std::path::{Path, PathBuf};
use std::time::Duration;

use latchkey_e2e::hygiene::{files_under, find_secrets};
use latchkey_e2e::*;
use serde_json::json;

#[tokio::test]
async fn h_no_secret_reaches_disk_logs_webkit_or_output_after_a_full_session() {
    let fakes = FakePlatforms::start();
    let mut app = App::new("hygiene");
    let home = app.root().join("home");
    let state = app.root().join("xdg-state");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&state).unwrap();
    app.set_env("HOME", home.to_str().unwrap());
    app.set_env("XDG_STATE_HOME", state.to_str().unwrap());
    app.launch().await;

    // CVAT's shape; a rotated one; an env0 secret with characters that URL-encoding and
    // base64 change; a Roboflow key that will leak into a shell history.
    let a = format!("FAKEe2eC.{}", hex(32));
    let b = fake_secret("cvat-rotated");
    let c = format!("{}+e2e/hyg=", fake_secret("env0-secret"));
    let r = format!("FAKEe2eHyg{}", hex(16));
    // A Roboflow key rotated through the API (its prefix apart from r's: keys are found by prefix).
    let q = format!("FAKEe2eRtH{}", hex(16));
    let mut secrets = vec![a.clone(), b.clone(), c.clone(), r.clone(), q.clone()];
    fakes.add_token("cvat", json!({"secret": a, "owner": "e2e-hygiene"}));
    fakes.add_token(
        "roboflow",
        json!({"secret": r, "key_id": "e2e-hyg-key", "workspace": "e2e-hyg-ws", "admin": true, "name": "e2e"}),
    );
    fakes.add_token(
        "roboflow",
        json!({"secret": q, "key_id": "e2e-hyg-rot", "workspace": "e2e-hyg-ws", "admin": true, "name": "e2e rot"}),
    );
    let label = "E2E hygiene CVAT";

    let row = app
        .add_token(&TokenInput::token("cvat", label, &a).server(&fakes.url("cvat")).expiring_on(local_date_in(20)))
        .await;
    let env0 = app.add_token(&TokenInput::env0("E2E hygiene env0", "e2e-hygiene-key", &c)).await;
    let rf =
        app.add_token(&TokenInput::token("roboflow", "E2E hygiene Roboflow", &r).server(&fakes.url("roboflow"))).await;
    let rot =
        app.add_token(&TokenInput::token("roboflow", "E2E hygiene rotated", &q).server(&fakes.url("roboflow"))).await;

    // Copy.
    app.click_in_row(label, "row-copy").await;
    app.wait_until("the clipboard to hold the first secret", TIMEOUT, async || {
        (clipboard().as_deref() == Some(a.as_str())).then_some(())
    })
    .await;

    // Reveal: the user sees the secret on request.
    app.open_detail(label).await;
    app.click("detail-reveal").await;
    let shown = app.wait_text("detail-secret", "the revealed secret", |t| t.contains(&a)).await;
    assert_eq!(shown.trim(), a);

    // Validate with the (fake) platform.
    app.click("detail-validate").await;
    app.wait_row_where(&row.id, "checked", Duration::from_secs(30), |r| r.checked == "valid").await;
    assert!(!fakes.requests("cvat").is_empty(), "the CVAT fake was asked");

    // Replace the secret.
    app.click("detail-replace").await;
    app.type_into("form-secret", &b).await;
    app.click("form-save").await;
    app.wait_gone("form-secret").await;
    app.wait_until("the keychain to hold the new secret", TIMEOUT, async || {
        (secret_tool_lookup(app.service(), &row.id).as_deref() == Some(b.as_str())).then_some(())
    })
    .await;
    let updated = app.wait_row(label).await;
    assert!(updated.hint.contains(&b[b.len() - 4..]), "hint follows the new secret: {:?}", updated.hint);

    // Copy the env0 secret (only the secret part goes to the clipboard).
    app.click_in_row("E2E hygiene env0", "row-copy").await;
    app.wait_until("the clipboard to hold the env0 secret", TIMEOUT, async || {
        (clipboard().as_deref() == Some(c.as_str())).then_some(())
    })
    .await;

    // Rotate a Roboflow key through the API: a new key, the old one revoked.
    app.open_detail("E2E hygiene rotated").await;
    app.click("detail-rotate").await;
    app.click("confirm-ok").await;
    app.wait_text("toast", "the rotation", |t| t.contains("Rotated")).await;
    let n = secret_tool_lookup(app.service(), &rot.id).expect("the rotated key");
    assert_ne!(n, q);
    secrets.push(n);

    // Scan: the Roboflow key leaked into a shell history; revoke it from the finding.
    let history = home.join(".bash_history");
    std::fs::write(&history, format!("ls\nexport ROBOFLOW_API_KEY={r}\n")).unwrap();
    app.click("leak-button").await;
    app.wait_tid("leak-dialog").await;
    app.click("leak-scan").await;
    app.wait_text("leak-finding-place", "the history file", |t| t.contains(".bash_history:2")).await;
    app.click("leak-revoke").await;
    app.wait_tid("confirm-dialog").await;
    app.click("confirm-ok").await;
    app.wait_row_where(&rf.id, "revoked", Duration::from_secs(30), |r| r.state == "revoked").await;
    assert!(fakes.requests("roboflow").iter().any(|q| q.method == "DELETE"), "{:#?}", fakes.requests("roboflow"));
    app.exec("document.querySelector('dialog.leak-dialog[open]')?.close();", vec![]).await;

    // Delete the others.
    for (lbl, id) in [(label, &row.id), ("E2E hygiene env0", &env0.id), ("E2E hygiene rotated", &rot.id)] {
        app.open_detail(lbl).await;
        app.click("detail-delete").await;
        app.click("confirm-ok").await;
        app.wait_row_gone(id).await;
    }
    assert!(keychain_accounts(app.service()).is_empty());

    // Close the window (it is destroyed, Latchkey stays in the tray) and make it again with a
    // second launch: the sweep below covers what both pages and the reopening left.
    app.close_main_window().await;
    app.wait_x_window_gone(Duration::from_secs(10)).await;
    let second = app.launch_second_instance(&[], Duration::from_secs(15)).await;
    assert!(second.status.is_some_and(|s| s.success()), "{second:?}");
    app.wait_x_window_viewable(true, Duration::from_secs(15)).await;
    app.follow_new_window(Duration::from_secs(20)).await;
    app.wait_tid("search").await;

    // Let the clipboard timer run and the app exit, so every log line and store is written.
    tokio::time::sleep(Duration::from_secs(CLIPBOARD_CLEAR_SECS + 1)).await;
    app.quit().await;

    let log = std::fs::read_to_string(app.data_dir().join(LOG_FILE)).unwrap_or_default();
    assert!(!log.is_empty(), "the app writes {LOG_FILE}");
    // The access log saw every use of the secrets, and is swept like the rest of the folder.
    let access = std::fs::read_to_string(app.data_dir().join("access.log")).unwrap_or_default();
    for action in ["add", "copy", "reveal", "validate", "rotate", "revoke", "delete"] {
        assert!(access.contains(&format!("\"action\":\"{action}\"")), "the access log has no {action}:\n{access}");
    }
    assert!(access.lines().all(|l| l.contains("\"where\":\"app\"")), "{access}");
    assert!(app.data_dir().join("latchkey.json.bak").exists(), "a backup exists and is swept too");
    assert!(app.data_dir().join("leak-scan.json").exists(), "the leak report exists and is swept too");
    assert!(!std::fs::read_to_string(app.driver_log()).unwrap_or_default().is_empty(), "the app's output is kept");
    // WebKit wrote its stores where the sweep looks (under the app's XDG folders).
    let webkit = webkit_files(app.root());
    let store = app.root().join("xdg-data/dev.latchkey.desktop");
    assert!(
        webkit.iter().any(|p| p.starts_with(&store)),
        "WebKit keeps nothing under {}: the sweep would miss where it went; found {webkit:#?}",
        store.display()
    );
    eprintln!(
        "hygiene: WebKit's files swept:\n  {}",
        webkit.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("\n  ")
    );

    // The planted history is the one place the user put a secret; everything else is swept.
    let session_home = PathBuf::from(std::env::var("HOME").unwrap());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let hits = find_secrets(&[app.root(), &session_home], &secrets, &[&history]);
    assert!(hits.is_empty(), "secrets found on disk or in output: {hits:#?}");
    let clip = clipboard();
    assert!(!secrets.iter().any(|s| clip.as_deref() == Some(*s)), "a secret is still on the clipboard after quit");
}

/// Files WebKit keeps for the app: under `<xdg>/<identifier>` and `<xdg>/webkitgtk`.
fn webkit_files(root: &Path) -> Vec<PathBuf> {
    ["xdg-data", "xdg-cache", "xdg-config", "xdg-state"].iter().flat_map(|x| files_under(&root.join(x))).collect()
}
