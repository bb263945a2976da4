//! Leak watch end to end: a stored Roboflow key planted in a shell history under the app's
//! own HOME is found by a scan started from the window, a desktop notification arrives, and
//! Revoke from the finding deletes the key through the fake Roboflow API and removes it from
//! the keychain. The key never reaches the report file, the index or the logs. “Replace with
//! a reference” turns a stored key in `~/.env` into its `latchkey://` reference and keeps the
//! token stored.

use std::time::Duration;

use latchkey_e2e::*;
use serde_json::json;

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
    let delete = reqs
        .iter()
        .position(|r| r.method == "DELETE" && r.path == "/e2e-leak-ws/api-keys/e2e-leaked-key")
        .unwrap_or_else(|| panic!("no DELETE: {reqs:#?}"));
    // The old key was validated after the delete, and Roboflow refused it.
    assert!(reqs[delete + 1..].iter().any(|r| r.method == "POST" && r.path == "/"), "{reqs:#?}");
    let rec = app.index_record(&row.id).expect("the record");
    assert_eq!(rec["revoked"]["reason"], "Revoked through Roboflow's API; revocation confirmed by Roboflow (401)");
    app.page_screenshot("leak-revoke-confirmed").await;
    assert_eq!(secret_tool_lookup(app.service(), &row.id), None, "secret-tool still finds the revoked secret");

    // The report kept on disk has no secret; nor has anything else Latchkey wrote (the
    // planted history, in the same temp folder, goes first).
    assert!(app.data_dir().join("leak-scan.json").exists());
    std::fs::remove_file(home.join(".bash_history")).unwrap();
    assert!(app.leaks(&[&key]).is_empty(), "{:?}", app.leaks(&[&key]));
    app.finish().await;
}

/// How many times the app's log says a scan started, and how many of those were scheduled.
fn scans_started(app: &App) -> (usize, usize) {
    let log = std::fs::read_to_string(app.data_dir().join("latchkey.log")).unwrap_or_default();
    let started: Vec<&str> = log.lines().filter(|l| l.contains("leak scan started")).collect();
    (started.len(), started.iter().filter(|l| l.contains("scheduled=true")).count())
}

fn report_json(app: &App) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(app.data_dir().join("leak-scan.json")).unwrap()).unwrap()
}

#[tokio::test]
async fn l2_a_scheduled_scan_runs_by_itself_notifies_once_and_survives_a_restart() {
    let fakes = FakePlatforms::start();
    let mut app = App::new("leak_schedule");
    let home = app.root().join("home");
    std::fs::create_dir_all(&home).unwrap();
    app.set_env("HOME", home.to_str().unwrap());
    app.launch().await;

    let key = format!("FAKEe2eSched{}", hex(16));
    fakes.add_token(
        "roboflow",
        json!({"secret": key, "key_id": "e2e-sched-key", "workspace": "e2e-sched-ws", "admin": true, "name": "e2e"}),
    );
    app.add_token(&TokenInput::token("roboflow", "E2E scheduled Roboflow", &key).server(&fakes.url("roboflow"))).await;
    std::fs::write(home.join(".zsh_history"), format!(": 1700000000:0;export ROBOFLOW_API_KEY={key}\n")).unwrap();
    let dunst = Dunst::clear();

    // Turn the schedule on in the leak panel and close it: no scan was ever run, so the
    // scheduled one is due at once and runs in the background.
    app.click("leak-button").await;
    app.wait_tid("leak-dialog").await;
    assert_eq!(app.text("leak-summary").await, "No scan yet.");
    app.choose("leak-schedule", "6").await;
    app.wait_text("leak-next-scan", "the next scan planned", |t| t.starts_with("Next scan: soon")).await;
    let saved = app.index_json();
    assert_eq!(saved.pointer("/settings/leak/places/schedule_hours"), Some(&json!(6)), "{saved:#}");
    app.page_screenshot("leak-schedule-setting").await;
    app.exec("document.querySelector('[data-testid=\"leak-dialog\"]').close(); return null;", vec![]).await;
    // Nothing was clicked to scan: whatever scan runs is the scheduler's.
    let (all, scheduled) = scans_started(&app);
    assert_eq!(all, scheduled, "a scan that was not scheduled");

    let note = app
        .wait_until("the scheduled scan's notification", Duration::from_secs(60), async || {
            dunst.all().into_iter().find(|n| n.summary.contains("possible token leak"))
        })
        .await;
    assert!(note.body.contains("1 stored secret found in 1 file"), "{note:?}");
    assert_eq!(scans_started(&app), (1, 1), "one scheduled scan");
    let report = report_json(&app);
    assert_eq!(report["findings"].as_array().map(|f| f.len()), Some(1), "{report:#}");
    assert!(report["findings"][0]["path"].as_str().unwrap().ends_with(".zsh_history"), "{report:#}");
    // It ran in the background: the panel was not opened for it.
    assert!(!app.is_visible("leak-dialog").await, "the scheduled scan opened the leak panel");
    // The panel shows the finding and the next scan, six hours after this one.
    app.click("leak-button").await;
    app.wait_text("leak-summary", "the scheduled scan's report", |t| t.contains("1 suspected leak")).await;
    let next = app.text("leak-next-scan").await;
    assert!(next.starts_with("Next scan: ") && !next.contains("soon"), "{next:?}");
    assert_eq!(app.value("leak-schedule").await, "6");
    app.page_screenshot("leak-panel-scheduled").await;

    // Restart with the report fresh: the scheduler plans the next scan six hours after the
    // last one and does not scan at start.
    let started_at = report["started_at"].clone();
    app.restart().await;
    let finished: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(report["finished_at"].clone()).expect("finished_at");
    let expect_due = (finished + chrono::Duration::hours(6)).to_rfc3339();
    app.wait_until("the restarted scheduler's plan", Duration::from_secs(30), async || {
        let log = std::fs::read_to_string(app.data_dir().join("latchkey.log")).unwrap_or_default();
        log.lines()
            .filter(|l| l.contains("next scheduled leak scan planned"))
            .any(|l| l.contains(&expect_due))
            .then_some(())
    })
    .await;
    assert_eq!(scans_started(&app), (1, 1), "the restart scanned again although the report is fresh");
    assert_eq!(report_json(&app)["started_at"], started_at);
    assert_eq!(dunst.all().iter().filter(|n| n.summary.contains("possible token leak")).count(), 1);

    std::fs::remove_file(home.join(".zsh_history")).unwrap();
    assert!(app.leaks(&[&key]).is_empty(), "{:?}", app.leaks(&[&key]));
    app.finish().await;
}

#[tokio::test]
async fn l3_replace_with_a_reference_rewrites_the_env_line_and_keeps_the_token() {
    let fakes = FakePlatforms::start();
    let mut app = App::new("leak_reference");
    let home = app.root().join("home");
    std::fs::create_dir_all(&home).unwrap();
    app.set_env("HOME", home.to_str().unwrap());
    app.launch().await;

    let key = format!("FAKEe2eRef{}", hex(16));
    fakes.add_token(
        "roboflow",
        json!({"secret": key, "key_id": "e2e-ref-key", "workspace": "e2e-ref-ws", "admin": true, "name": "e2e"}),
    );
    let row = app.add_token(&TokenInput::token("roboflow", "E2E ref", &key).server(&fakes.url("roboflow"))).await;
    let env = home.join(".env");
    std::fs::write(&env, format!("# deploy\r\nROBOFLOW_API_KEY={key}\r\nOTHER=1\r\n")).unwrap();

    app.click("leak-button").await;
    app.wait_tid("leak-dialog").await;
    app.click("leak-scan").await;
    app.wait_text("leak-finding-place", "the .env finding", |t| t.ends_with(".env:2:18")).await;

    // The confirm step shows the line as it will be, without the secret, and has the focus.
    app.click("leak-reference").await;
    let preview = app.wait_text("leak-reference-preview", "the preview", |t| !t.is_empty()).await;
    assert_eq!(preview, "ROBOFLOW_API_KEY=latchkey://roboflow/E2E%20ref");
    let focused = app.exec("return document.activeElement?.dataset?.testid ?? null", vec![]).await;
    assert_eq!(focused, json!("leak-reference-confirm"));
    let dialog_text = app.text("leak-dialog").await;
    assert!(!dialog_text.contains(&key), "the secret is on screen");
    let shot = app.screenshot("leak-ref").await;
    let _ = std::fs::copy(&shot, "/tmp/leak-ref.png");
    // Nothing is written before the confirm.
    assert!(std::fs::read_to_string(&env).unwrap().contains(&key));

    app.click("leak-reference-confirm").await;
    let toast = app.wait_text("toast", "the toast", |t| t.contains("latchkey://")).await;
    assert!(toast.contains("Line 2 of .env now holds latchkey://roboflow/E2E%20ref"), "{toast:?}");
    assert!(toast.contains("latchkey run") && toast.contains("latchkey inject"), "{toast:?}");
    app.wait_gone("leak-finding").await;
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        "# deploy\r\nROBOFLOW_API_KEY=latchkey://roboflow/E2E%20ref\r\nOTHER=1\r\n"
    );
    // The token stays stored, the kept report no longer lists the finding.
    assert_eq!(secret_tool_lookup(app.service(), &row.id).as_deref(), Some(key.as_str()));
    assert_eq!(report_json(&app)["findings"], json!([]));

    // The command line resolves the reference the file now holds.
    let bin = built_binary("LATCHKEY_CLI", "latchkey");
    assert!(bin.is_file(), "{} is missing: build it with `make build`", bin.display());
    let out = std::process::Command::new(bin)
        .args(["inject", "-i", env.to_str().unwrap(), "-o", "-"])
        .env("LATCHKEY_DATA_DIR", app.data_dir())
        .env("LATCHKEY_KEYCHAIN_SERVICE", app.service())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("latchkey runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("ROBOFLOW_API_KEY={key}\r\n")));

    // Nothing Latchkey wrote holds the secret (the .env file no longer does either).
    assert!(app.leaks(&[&key]).is_empty(), "{:?}", app.leaks(&[&key]));
    app.finish().await;
}
