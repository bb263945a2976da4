//! The access log through the window: a copy in the app shows in the detail pane's "Recent
//! uses" at once (the pane is not reopened) and in `latchkey log --json` as `where: app`; a
//! line edited on disk makes the pane say the log was changed.
//!
//! Run with `make test`; see the crate docs for the environment these need. Needs the
//! `latchkey` binary built (`make build`; `LATCHKEY_CLI` overrides where it is).

use std::process::{Command, Stdio};

use latchkey_e2e::*;

/// `latchkey log --json` on the app's data folder and keychain service.
fn cli_log(app: &App) -> (i32, Vec<serde_json::Value>, String) {
    let bin = built_binary("LATCHKEY_CLI", "latchkey");
    assert!(bin.is_file(), "{} is missing: build it with `make build`", bin.display());
    let out = Command::new(bin)
        .args(["log", "--json"])
        .env("LATCHKEY_DATA_DIR", app.data_dir())
        .env("LATCHKEY_KEYCHAIN_SERVICE", app.service())
        .stdin(Stdio::null())
        .output()
        .expect("latchkey runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let entries = serde_json::from_str::<serde_json::Value>(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
        .as_array()
        .expect("an array")
        .clone();
    (out.status.code().unwrap_or(-1), entries, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn use_css(action: &str) -> String {
    format!("{} [data-testid=\"detail-recent-use\"][data-action=\"{action}\"]", tid("detail-recent-uses"))
}

#[tokio::test]
async fn a_copy_in_the_window_shows_in_recent_uses_and_in_latchkey_log() {
    let app = App::start("accesslog").await;
    let label = "E2E access log";
    let secret = fake_secret("accesslog");
    let row = app.add_token(&TokenInput::token("cvat", label, &secret)).await;

    app.open_detail(label).await;
    // The add is the first use the log knows.
    app.wait_css(&use_css("add"), TIMEOUT).await;
    assert!(app.find(&use_css("copy")).await.is_none(), "no copy yet");

    app.click("detail-copy").await;
    let copy = app.wait_css(&use_css("copy"), TIMEOUT).await;
    assert_eq!(copy.attr("data-where").await.unwrap().as_deref(), Some("app"));
    let text = copy.text().await.unwrap();
    assert!(text.contains("Copied") && text.contains("in the app"), "{text:?}");
    // Newest first.
    let first = app
        .attr_css(&format!("{} [data-testid=\"detail-recent-use\"]", tid("detail-recent-uses")), "data-action")
        .await;
    assert_eq!(first.as_deref(), Some("copy"));

    let (code, entries, stderr) = cli_log(&app);
    assert_eq!(code, 0, "{stderr}");
    let newest = &entries[0];
    assert_eq!(newest["action"], "copy", "{entries:#?}");
    assert_eq!(newest["where"], "app");
    assert_eq!(newest["token"], row.id.as_str());
    assert_eq!(newest["label"], label);
    assert_eq!(newest["platform"], "cvat");
    assert!(newest.get("parent").is_none(), "the app has no parent process to name: {newest}");
    assert_eq!(entries[1]["action"], "add");
    let log = std::fs::read_to_string(app.data_dir().join("access.log")).unwrap();
    assert!(!log.contains(&secret));

    // Edited on disk: the pane says so (on its next render: another copy) and exit 10.
    let edited = log.replacen("\"action\":\"add\"", "\"action\":\"delete\"", 1);
    std::fs::write(app.data_dir().join("access.log"), edited).unwrap();
    app.click("detail-copy").await;
    let broken = app.wait_css(&tid("detail-recent-uses-broken"), TIMEOUT).await;
    let words = broken.text().await.unwrap();
    assert!(words.contains("access.log line 1") && words.contains("edited"), "{words:?}");
    assert!(app.find(&use_css("delete")).await.is_none(), "the edited line is not shown");
    let (code, _, stderr) = cli_log(&app);
    assert_eq!(code, 10, "{stderr}");
    app.finish().await;
}
