//! The access log through the window: a copy, a reveal and a validation in the app show in the
//! detail pane's "Recent uses" at once (the pane is not reopened) and in `latchkey log --json`
//! as `where: app`; a line edited on disk makes the pane say the log was changed.
//!
//! Run with `make test`; see the crate docs for the environment these need. Needs the
//! `latchkey` binary built (`make build`; `LATCHKEY_CLI` overrides where it is).

use std::process::{Command, Stdio};
use std::time::Duration;

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
    let fakes = FakePlatforms::start();
    let app = App::start("accesslog").await;
    let label = "E2E access log";
    let secret = format!("FAKEe2eL.{}", hex(32));
    fakes.add_token("cvat", serde_json::json!({"secret": secret, "owner": "e2e-accesslog"}));
    let row = app.add_token(&TokenInput::token("cvat", label, &secret).server(&fakes.url("cvat"))).await;

    app.open_detail(label).await;
    // The add is the first use the log knows.
    app.wait_css(&use_css("add"), TIMEOUT).await;
    assert!(app.find(&use_css("copy")).await.is_none(), "no copy yet");

    app.click("detail-copy").await;
    let text = app.wait_until("the copy in Recent uses", TIMEOUT, async || app.text_css(&use_css("copy")).await).await;
    assert_eq!(app.attr_css(&use_css("copy"), "data-where").await.as_deref(), Some("app"));
    assert!(text.contains("Copied") && text.contains("in the app"), "{text:?}");
    // Newest first.
    let first = app
        .attr_css(&format!("{} [data-testid=\"detail-recent-use\"]", tid("detail-recent-uses")), "data-action")
        .await;
    assert_eq!(first.as_deref(), Some("copy"));

    // Reveal (and hide again) and validate: each shows up too, the check with its outcome.
    app.click("detail-reveal").await;
    app.wait_css(&use_css("reveal"), TIMEOUT).await;
    app.click("detail-reveal").await;
    app.click("detail-validate").await;
    // The pane is drawn again as answers come in: read its text afresh, not a kept element.
    let text = app
        .wait_until("the validation in Recent uses", Duration::from_secs(30), async || {
            app.text_css(&use_css("validate")).await
        })
        .await;
    assert!(text.contains("Validated") && text.contains("valid"), "{text:?}");

    let (code, entries, stderr) = cli_log(&app);
    assert_eq!(code, 0, "{stderr}");
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["validate", "reveal", "copy", "add"], "{entries:#?}");
    assert_eq!(entries[0]["detail"], "valid");
    let newest = &entries[2];
    assert_eq!(newest["action"], "copy", "{entries:#?}");
    assert_eq!(newest["where"], "app");
    assert_eq!(newest["token"], row.id.as_str());
    assert_eq!(newest["label"], label);
    assert_eq!(newest["platform"], "cvat");
    assert!(newest.get("parent").is_none(), "the app has no parent process to name: {newest}");
    let log = std::fs::read_to_string(app.data_dir().join("access.log")).unwrap();
    assert!(!log.contains(&secret));

    // Edited on disk: the pane says so (on its next render: another copy) and exit 10.
    let edited = log.replacen("\"action\":\"add\"", "\"action\":\"delete\"", 1);
    std::fs::write(app.data_dir().join("access.log"), edited).unwrap();
    app.click("detail-copy").await;
    let words = app
        .wait_until("the pane to say the log was changed", TIMEOUT, async || {
            app.text_css(&tid("detail-recent-uses-broken")).await
        })
        .await;
    assert!(words.contains("access.log line 1") && words.contains("edited"), "{words:?}");
    assert!(app.find(&use_css("delete")).await.is_none(), "the edited line is not shown");
    let (code, _, stderr) = cli_log(&app);
    assert_eq!(code, 10, "{stderr}");
    app.finish().await;
}
