//! Expiry alerts as real desktop notifications, and the app in the background: what dunst
//! (the test session's notification daemon) receives and when, clicking a notification,
//! snoozing, no notification service at all, the tray on a desktop without a tray host,
//! closing the window, a second launch, and start at login.
//!
//! Run with `make test`; see the crate docs for the environment these need. Each test starts
//! with [`Dunst::clear`]: only notifications that arrive after it count.

use std::fs;
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};
use latchkey_e2e::*;

/// `t` without its fraction of a second (the form takes whole seconds).
fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap()
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// How long from now until `t` (zero when it has passed).
fn until(t: DateTime<Utc>) -> Duration {
    (t - Utc::now()).to_std().unwrap_or_default()
}

/// The record's `alerts_sent` keys.
fn sent_keys(app: &App, id: &str) -> Vec<String> {
    let rec = app.index_record(id).unwrap_or_else(|| panic!("no record {id}:\n{}", app.index_text()));
    rec["alerts_sent"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["key"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The key core gives the alert `lead` seconds before `expires` (`expiry:<lead>@<rfc3339>`).
fn expiry_key(lead: i64, expires: DateTime<Utc>) -> String {
    format!("expiry:{lead}@{}", expires.to_rfc3339())
}

/// "CVAT token expires in N seconds" → N.
fn seconds_left(title: &str, prefix: &str) -> i64 {
    title
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(" seconds").or_else(|| rest.strip_suffix(" second")))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{title:?} is not \"{prefix}N seconds\""))
}

/// `at` lies within `[want - early, want + late]`.
fn assert_arrived(what: &str, at: DateTime<Utc>, want: DateTime<Utc>, early_ms: i64, late_ms: i64) {
    let off = (at - want).num_milliseconds();
    assert!(
        (-early_ms..=late_ms).contains(&off),
        "{what} arrived at {at} ({off:+} ms from {want}); expected between -{early_ms} ms and +{late_ms} ms"
    );
}

#[tokio::test]
async fn n1_an_expiry_alert_comes_once_per_lead_time_and_not_again_after_a_restart() {
    let mut app = App::start("alert_once").await;
    let dunst = Dunst::clear();
    app.set_alert_lead_times(&["0"], "10s", &[10, 0]).await;

    let label = "E2E alert once";
    let secret = fake_secret("cvat-alert-once");
    let expires = whole_second(Utc::now() + secs(25));
    let row = app.add_token(&TokenInput::token("cvat", label, &secret).expiring_at(expires)).await;
    let stored: DateTime<Utc> = app.index_record(&row.id).unwrap()["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(stored, expires, "the expiry is stored to the second (local date + time in the form)");
    assert!(Utc::now() < expires - secs(12), "adding took too long for this test's timeline");
    assert!(dunst.latchkey().is_empty(), "nothing is due yet: {:#?}", dunst.latchkey());

    // 10 s before expiry: one notification naming the platform, the label and the time left.
    let got = dunst.wait_latchkey(1, until(expires - secs(10)) + Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "{got:#?}");
    let first = &got[0];
    assert_arrived("the 10 s alert", first.at, expires - secs(10), 300, 2500);
    let left = seconds_left(&first.summary, "CVAT token expires in ");
    assert!((8..=10).contains(&left), "{:?}: time left should be about 10 seconds", first.summary);
    assert!(
        first.body.starts_with(&format!("“{label}” expires in {left} second")),
        "the body names the token and the time left: {:?}",
        first.body
    );
    assert_eq!(first.app, "Latchkey");

    // At expiry: one more.
    let got = dunst.wait_latchkey(2, until(expires) + Duration::from_secs(5)).await;
    assert_eq!(got.len(), 2, "{got:#?}");
    let second = &got[1];
    assert_arrived("the expiry alert", second.at, expires, 300, 2500);
    assert_eq!(second.summary, "CVAT token has expired");
    assert!(second.body.starts_with(&format!("“{label}” has expired.")), "{:?}", second.body);

    // Never again: not a moment later, not after a restart.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(dunst.latchkey().len(), 2, "{:#?}", dunst.latchkey());
    app.restart().await;
    app.wait_row(label).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = dunst.latchkey();
    assert_eq!(after.len(), 2, "a restart must not repeat an alert: {after:#?}");

    // The index remembers what was sent (by lead time and expiry), and holds no secret.
    let keys = sent_keys(&app, &row.id);
    assert_eq!(keys, vec![expiry_key(10, expires), expiry_key(0, expires)], "{}", app.index_text());
    assert!(!app.index_text().contains(&secret), "the secret leaked into {INDEX_FILE}");
    assert!(after.iter().all(|n| !n.body.contains(&secret) && !n.summary.contains(&secret)));
    app.finish().await;
}

#[tokio::test]
async fn n2_alerts_due_while_the_app_was_closed_come_as_one_summary() {
    let mut app = App::start("alert_summary").await;
    let dunst = Dunst::clear();
    app.set_alert_lead_times(&["0"], "", &[0]).await;

    let t0 = Utc::now();
    let (a_exp, b_exp) = (whole_second(t0 + secs(20)), whole_second(t0 + secs(22)));
    let a = app
        .add_token(&TokenInput::token("cvat", "E2E summary CVAT", &fake_secret("cvat-summary")).expiring_at(a_exp))
        .await;
    let b = app
        .add_token(
            &TokenInput::token("roboflow", "E2E summary Roboflow", &fake_secret("roboflow-summary")).expiring_at(b_exp),
        )
        .await;
    app.quit().await;
    let closed = Utc::now();
    assert!(
        closed + secs(1) < a_exp,
        "the app must be closed before the first alert is due; adding two tokens and quitting took {} s",
        (closed - t0).num_seconds()
    );
    assert!(dunst.latchkey().is_empty(), "{:#?}", dunst.latchkey());

    // Both expire while Latchkey is not running; the first plan after the start finds both.
    tokio::time::sleep(until(b_exp) + Duration::from_secs(1)).await;
    let started = Utc::now();
    app.launch().await;
    let got = dunst.wait_latchkey(1, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_later = dunst.latchkey();
    assert_eq!(got_later.len(), 1, "one notification for both, never a flood: {got_later:#?}");
    let n = &got[0];
    assert!(n.at >= started, "{n:?} came before the start at {started}");
    assert_eq!(n.summary, "2 tokens need attention");
    for line in ["• “E2E summary CVAT” (CVAT) has expired", "• “E2E summary Roboflow” (Roboflow) has expired"]
    {
        assert!(n.body.contains(line), "the summary lists {line:?}: {:?}", n.body);
    }
    assert_eq!(sent_keys(&app, &a.id), vec![expiry_key(0, a_exp)]);
    assert_eq!(sent_keys(&app, &b.id), vec![expiry_key(0, b_exp)]);
    app.finish().await;
}

#[tokio::test]
async fn n3_clicking_a_notification_selects_its_token() {
    let app = App::start("alert_click").await;
    let dunst = Dunst::clear();
    // Default lead times (14 d, 3 d, 1 d, 1 h, at expiry): a token expiring in 2 days and an
    // hour has passed two of them, so one alert comes at once.
    let target = "E2E click target";
    let expires = whole_second(Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(1));
    let row = app.add_token(&TokenInput::token("cvat", target, &fake_secret("cvat-click")).expiring_at(expires)).await;
    dunst.wait_on_screen(Duration::from_secs(10)).await;

    // Something else is selected when the user clicks the notification.
    app.add_token(&TokenInput::token("roboflow", "E2E click other", &fake_secret("roboflow-click"))).await;
    app.open_detail("E2E click other").await;
    assert_eq!(dunst.on_screen(), 1, "adding a token without expiry alerts nothing");

    dunst.click_the_one_on_screen();
    app.wait_text("detail-label", "the clicked token's label", |t| t.contains(target)).await;
    let selected = app.attr_css(&row_by_id(&row.id), "aria-current").await;
    assert_eq!(selected.as_deref(), Some("true"), "the token's row is selected");

    let got = dunst.latchkey();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].summary, "CVAT token expires in 2 days");
    assert!(got[0].body.starts_with(&format!("“{target}” expires in 2 days.")), "{:?}", got[0].body);
    assert_eq!(sent_keys(&app, &row.id), vec![expiry_key(14 * 86_400, expires), expiry_key(3 * 86_400, expires)]);
    app.finish().await;
}

#[tokio::test]
async fn n4_a_snoozed_token_gets_no_alert_until_its_alerts_are_resumed() {
    let app = App::start("alert_snooze").await;
    let dunst = Dunst::clear();
    app.set_alert_lead_times(&[], "10s", &[10]).await;

    let label = "E2E snoozed";
    let expires = whole_second(Utc::now() + secs(22));
    let row = app.add_token(&TokenInput::token("cvat", label, &fake_secret("cvat-snooze")).expiring_at(expires)).await;
    app.open_detail(label).await;
    let snoozed_at = Utc::now();
    app.choose("detail-snooze", "24").await;
    let in_row = format!("{} {}", row_by_id(&row.id), tid("row-snoozed"));
    app.wait_visible_css(&in_row, TIMEOUT).await;
    let line = app.wait_text("detail-snoozed", "the snooze", |t| t.starts_with("Alerts snoozed until")).await;
    let until_stored: DateTime<Utc> =
        app.index_record(&row.id).unwrap()["snoozed_until"].as_str().expect("snoozed_until").parse().unwrap();
    let want = snoozed_at + chrono::Duration::hours(24);
    assert!(
        (until_stored - want).num_seconds().abs() < 30,
        "snoozed until {until_stored}, expected about {want} ({line})"
    );
    assert!(Utc::now() < expires - secs(11), "snoozing took too long for this test's timeline");

    // The 10 s lead time passes during the snooze: nothing.
    tokio::time::sleep(until(expires - secs(10)) + Duration::from_secs(3)).await;
    assert!(dunst.latchkey().is_empty(), "a snoozed token alerted: {:#?}", dunst.latchkey());
    assert!(sent_keys(&app, &row.id).is_empty(), "nothing was sent, so nothing is recorded");

    // Resuming brings the alert it missed, at once (and only that one).
    app.click("detail-unsnooze").await;
    let resumed = Utc::now();
    let got = dunst.wait_latchkey(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].at >= resumed - secs(1), "{:?}", got[0]);
    assert!(got[0].summary.starts_with("CVAT token expires in "), "{:?}", got[0].summary);
    app.wait_gone_css(&in_row).await;
    assert_eq!(sent_keys(&app, &row.id), vec![expiry_key(10, expires)]);
    app.finish().await;
}

#[tokio::test]
async fn n5_without_a_notification_service_alerts_show_in_the_window() {
    // A session bus with the keychain on it but no notification service.
    let bus = KeyringBus::start();
    let dunst = Dunst::clear();
    let mut app = App::new("alert_in_app");
    app.set_env("DBUS_SESSION_BUS_ADDRESS", bus.address());
    app.launch().await;

    let label = "E2E in-app alert";
    let secret = fake_secret("cvat-in-app");
    let expires = whole_second(Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(1));
    let row = app.add_token(&TokenInput::token("cvat", label, &secret).expiring_at(expires)).await;
    assert_eq!(bus.secret_lookup(app.service(), &row.id).as_deref(), Some(secret.as_str()), "{}", bus.log());

    let title = app.wait_text("in-app-alert-title", "the alert's title", |t| !t.is_empty()).await;
    assert_eq!(title, "CVAT token expires in 2 days");
    let body = app.text("in-app-alert-body").await;
    assert!(body.starts_with(&format!("“{label}” expires in 2 days.")), "{body:?}");
    let why = app.text("in-app-alert-why").await;
    assert!(why.contains("notification service"), "the banner says why it is not on the desktop: {why:?}");
    assert_eq!(app.attr_css(&tid("in-app-alert"), "data-token").await.as_deref(), Some(row.id.as_str()));
    assert!(dunst.all().is_empty(), "nothing can reach dunst from the private bus: {:#?}", dunst.all());
    let log = fs::read_to_string(app.data_dir().join(LOG_FILE)).unwrap_or_default();
    assert!(log.contains("no desktop notification"), "the log says why:\n{log}");
    // Shown in the window counts as sent: no repeat after a restart.
    assert_eq!(sent_keys(&app, &row.id).len(), 2, "{}", app.index_text());

    // The app keeps working: add and copy another token.
    let other = "E2E in-app copy";
    let other_secret = fake_secret("roboflow-in-app");
    app.add_token(&TokenInput::token("roboflow", other, &other_secret)).await;
    app.click_in_row(other, "row-copy").await;
    app.wait_until("the clipboard to hold the copied secret", TIMEOUT, async || {
        (clipboard().as_deref() == Some(other_secret.as_str())).then_some(())
    })
    .await;

    // "Show token" on the banner selects the alert's token and dismisses the banner.
    app.open_detail(other).await;
    app.click("in-app-alert-open").await;
    app.wait_text("detail-label", "the alert's token", |t| t.contains(label)).await;
    app.wait_gone("in-app-alert").await;
    assert!(app.leaks(&[&secret, &other_secret]).is_empty(), "{:?}", app.leaks(&[&secret, &other_secret]));
    app.finish().await;
    drop(bus);
}

#[tokio::test]
async fn n6_closed_window_keeps_running_and_a_second_launch_brings_it_back() {
    let mut app = App::new("background");
    // The page marks each time its list is in the DOM: how the window made anew is seen
    // (WebDriver's session stays with the first page).
    let marks = app.root().join("marks");
    app.set_env("LATCHKEY_BENCH_MARK", &marks.to_string_lossy());
    // The network process is kept 30 s for a quick reopen; here it goes after 1 s.
    app.set_env("LATCHKEY_ENGINE_IDLE_SECS", "1");
    app.launch().await;
    let lists = || fs::read_to_string(&marks).unwrap_or_default().matches("list-ready").count();
    let dunst = Dunst::clear();
    let log_path = app.data_dir().join(LOG_FILE);
    // Xvfb has no tray host (StatusNotifier): the log says whether the icon was made, or why not.
    let log = app
        .wait_until("the log to say what became of the tray icon", TIMEOUT, async || {
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            (log.contains("tray icon created") || log.contains("no tray icon")).then_some(log)
        })
        .await;
    eprintln!(
        "tray: {}",
        log.lines().find(|l| l.contains("tray icon created") || l.contains("no tray icon")).unwrap_or_default()
    );

    // The window works.
    let label = "E2E background";
    app.add_token(&TokenInput::token("cvat", label, &fake_secret("cvat-background"))).await;
    assert_eq!(app.index_json()["settings"]["keep_running_in_background"], true, "on by default");
    let pid = app.app_pid();
    assert!(app.main_x_window().is_some_and(|w| w.viewable), "{:?}", app.main_x_window());
    let engine = app.webkit_pids();
    assert!(!engine.is_empty(), "a window runs WebKit's processes");
    let with_window = app.rss_kib();

    // Closing the window destroys it: Latchkey keeps running (and says so once), and no
    // WebKit process of ours is left.
    app.close_main_window().await;
    app.wait_x_window_gone(Duration::from_secs(10)).await;
    let said = dunst.wait_latchkey(1, Duration::from_secs(10)).await;
    assert_eq!(said[0].summary, "Latchkey keeps running", "{said:#?}");
    app.wait_until("no WebKit process of ours", Duration::from_secs(10), async || {
        app.webkit_pids().is_empty().then_some(())
    })
    .await;
    assert_eq!(app.app_pids(), vec![pid], "the app keeps running with its window closed");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let in_tray = app.rss_kib();
    eprintln!(
        "WebKit processes with the window: {engine:?}, none after closing it; resident memory of all \
         Latchkey processes: {} MiB with the window, {} MiB in the tray (debug build)",
        with_window / 1024,
        in_tray / 1024
    );
    assert!(in_tray < with_window, "closing the window gives memory back: {in_tray} KiB vs {with_window} KiB");
    // Once the engine is stopped, the pages of its libraries' code leave the app's memory too
    // (with them ~150 MiB of the debug app's are file pages; without, under 20 MiB).
    let stopped = app
        .wait_until("the log to say the browser engine stopped", TIMEOUT, async || {
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            log.lines().find(|l| l.contains("no window for a while: browser engine stopped")).map(str::to_string)
        })
        .await;
    let (anon, file_after) = app.app_rss_parts_kib();
    eprintln!("in the tray: {anon} KiB anonymous, {file_after} KiB file pages; {stopped}");
    assert!(file_after < 64 * 1024, "the browser engine's library pages stay resident: {file_after} KiB; {stopped}");

    // A second launch hands over to the running Latchkey and exits at once; the window is
    // made again, with the list.
    let second = app.launch_second_instance(&[], Duration::from_secs(15)).await;
    assert!(
        second.status.is_some_and(|s| s.success()),
        "the second launch should exit with 0 after handing over: {second:?}"
    );
    assert!(second.took < Duration::from_secs(10), "the second launch took {:?}", second.took);
    let before = lists();
    app.wait_x_window_viewable(true, Duration::from_secs(15)).await;
    assert_eq!(app.app_pids(), vec![pid], "still the same single Latchkey");
    app.wait_until("the new window's list in the DOM", TIMEOUT, async || (lists() > before).then_some(())).await;
    assert!(!app.webkit_pids().is_empty(), "the new window runs WebKit again");
    eprintln!("second launch exited in {:?}", second.took);
    let log = fs::read_to_string(&log_path).unwrap_or_default();
    assert!(log.contains("second launch: showing the running window"), "{log}");
    assert!(log.contains("no window for a while: browser engine stopped"), "{log}");
    assert_eq!(dunst.latchkey().len(), 1, "\"keeps running\" is said once: {:#?}", dunst.latchkey());
    for (what, text) in
        [("latchkey.log", log), ("the driver log", fs::read_to_string(app.driver_log()).unwrap_or_default())]
    {
        assert!(!text.contains("panicked"), "a panic in {what}:\n{text}");
    }
    app.finish().await;
}

#[tokio::test]
async fn n7_with_keep_running_off_closing_the_window_quits() {
    let mut app = App::start("close_quits").await;
    app.open_settings().await;
    app.set_checked("settings-keep-running", false).await;
    app.save_settings().await;
    assert_eq!(app.index_json()["settings"]["keep_running_in_background"], false, "{}", app.index_text());

    let started = Instant::now();
    app.close_main_window().await;
    app.wait_app_exited(Duration::from_secs(10)).await;
    eprintln!("the app quit {:?} after its window was closed", started.elapsed());
    let log = fs::read_to_string(app.data_dir().join(LOG_FILE)).unwrap_or_default();
    assert!(log.contains("Latchkey stopped"), "a clean exit:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
    app.quit().await;
}

#[tokio::test]
async fn n8_start_at_login_writes_and_removes_the_autostart_entry() {
    let mut app = App::new("start_at_login");
    // A HOME of this test's own: the autostart entry goes to $HOME/.config/autostart.
    let home = app.root().join("home");
    fs::create_dir_all(&home).unwrap();
    app.set_env("HOME", &home.to_string_lossy());
    app.launch().await;
    let entry = home.join(".config/autostart/Latchkey.desktop");
    assert!(!entry.exists());
    assert!(!app.is_visible("settings-dialog").await);

    app.open_settings().await;
    assert!(!app.is_checked("settings-start-at-login").await, "off by default");
    app.set_checked("settings-start-at-login", true).await;
    app.save_settings().await;
    let text = fs::read_to_string(&entry).unwrap_or_else(|e| {
        let dir = home.join(".config/autostart");
        panic!("no {} ({e}); the folder holds {:?}", entry.display(), fs::read_dir(&dir).map(|d| d.count()))
    });
    let exe = fs::read_link(format!("/proc/{}/exe", app.app_pid())).unwrap();
    let exec = text.lines().find_map(|l| l.strip_prefix("Exec=")).unwrap_or_else(|| panic!("no Exec= in:\n{text}"));
    assert_eq!(exec.trim(), format!("{} --background", exe.display()), "{text}");
    assert_eq!(app.index_json()["settings"]["start_at_login"], true);

    // The dialog shows it on; turning it off removes the entry.
    app.open_settings().await;
    assert!(app.is_checked("settings-start-at-login").await);
    app.set_checked("settings-start-at-login", false).await;
    app.save_settings().await;
    assert!(!entry.exists(), "the autostart entry is still there:\n{}", fs::read_to_string(&entry).unwrap_or_default());
    assert_eq!(app.index_json()["settings"]["start_at_login"], false);
    app.finish().await;
}

#[tokio::test]
async fn n9_with_the_window_closed_an_alert_still_comes_and_its_click_makes_the_window_on_its_token() {
    let app = App::start("alert_closed").await;
    app.set_alert_lead_times(&[], "10s", &[10]).await;
    let label = "E2E closed alert";
    // Due 10 s before expiry: well after the window is closed.
    let expires = whole_second(Utc::now() + secs(40));
    app.add_token(&TokenInput::token("cvat", label, &fake_secret("cvat-closed")).expiring_at(expires)).await;
    app.add_token(&TokenInput::token("roboflow", "E2E closed other", &fake_secret("roboflow-closed"))).await;
    let dunst = Dunst::clear();

    app.close_main_window().await;
    app.wait_x_window_gone(Duration::from_secs(10)).await;
    let said = dunst.wait_latchkey(1, Duration::from_secs(10)).await;
    assert_eq!(said[0].summary, "Latchkey keeps running", "{said:#?}");

    // The alert comes while there is no window; clicking it makes the window, on its token.
    dunst.wait_on_screen(Duration::from_secs(45)).await;
    assert!(app.main_x_window().is_none(), "the alert came with the window closed");
    dunst.click_the_one_on_screen();
    app.wait_x_window_viewable(true, Duration::from_secs(15)).await;
    app.follow_new_window(Duration::from_secs(20)).await;
    app.wait_text("detail-label", "the clicked token's label", |t| t.contains(label)).await;
    let got = dunst.latchkey();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[1].body.contains(label), "{got:#?}");
    app.finish().await;
}

/// "Rotate before expiry": a Roboflow key that expires in two days, set to rotate 7 days
/// before, is rotated by the app on its own as soon as the setting is saved — Roboflow made
/// the new key (POST) before the old one was deleted (DELETE) — and a notification says so;
/// the keychain holds the new key, and the record has the rotation and a new expiry.
#[tokio::test]
async fn n5_rotate_before_expiry_rotates_a_roboflow_key_by_itself_and_says_so() {
    let fakes = FakePlatforms::start();
    let app = App::start("rotate_before_expiry").await;
    let dunst = Dunst::clear();
    let label = "E2E auto rotate";
    let key = format!("FAKEe2eAuto{}", hex(16));
    fakes.add_token(
        "roboflow",
        serde_json::json!({"secret": key, "key_id": "e2e-auto-key", "workspace": "e2e-auto-ws", "admin": true, "name": "e2e auto"}),
    );
    let expires = whole_second(Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(1));
    let row = app
        .add_token(&TokenInput::token("roboflow", label, &key).server(&fakes.url("roboflow")).expiring_at(expires))
        .await;
    // The 14- and 3-day expiry alerts come at once (as one notification); nothing is rotated.
    dunst.wait_latchkey(1, Duration::from_secs(10)).await;
    assert!(!fakes.requests("roboflow").iter().any(|r| r.method == "DELETE"), "nothing rotated yet");

    app.open_detail(label).await;
    app.click("detail-edit").await;
    app.wait_tid("token-form").await;
    let note = app.text_css(".field:has([data-testid=form-rotate-before]) .field-note").await.unwrap_or_default();
    assert!(note.contains("new key through Roboflow's API"), "{note:?}");
    app.set_value("form-rotate-before", "7").await;
    app.click("form-save").await;
    app.wait_gone("token-form").await;

    let got = dunst.wait_latchkey(2, Duration::from_secs(30)).await;
    let rotated = got.iter().find(|n| n.summary.starts_with("Rotated")).unwrap_or_else(|| panic!("{got:#?}"));
    assert_eq!(rotated.summary, format!("Rotated “{label}”"));
    assert!(rotated.body.contains("made a new key, stored it in your keychain and checked it"), "{:?}", rotated.body);

    let new = secret_tool_lookup(app.service(), &row.id).expect("a secret");
    assert!(new.starts_with("FAKErfNew") && new != key, "{new:?}");
    let reqs = fakes.requests("roboflow");
    let made = reqs.iter().position(|r| r.method == "POST" && r.path == "/e2e-auto-ws/api-keys").expect("a create");
    let deleted = reqs.iter().position(|r| r.method == "DELETE").expect("a delete");
    assert!(deleted > made, "{reqs:#?}");
    assert_eq!(reqs[deleted].path, "/e2e-auto-ws/api-keys/e2e-auto-key");

    let rec = app.index_record(&row.id).unwrap();
    assert_eq!(rec["rotate_before_days"], 7, "{rec:#}");
    assert_eq!(rec["rotations"].as_array().map(Vec::len), Some(1), "rotated once, not again: {rec:#}");
    let new_expiry: DateTime<Utc> = rec["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(new_expiry > expires, "the new key gets the old one's lifetime from now: {new_expiry} vs {expires}");
    assert!(sent_keys(&app, &row.id).contains(&format!("rotate:7@{}", expires.to_rfc3339())));
    assert!(!app.index_text().contains(&key) && !app.index_text().contains(&new));
    // Not rotated a second time: its new lifetime (~2 days) is shorter than the 7 days chosen.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(fakes.requests("roboflow").iter().filter(|r| r.method == "DELETE").count(), 1);
    app.page_screenshot("rotated-before-expiry").await;
    app.finish().await;
}
