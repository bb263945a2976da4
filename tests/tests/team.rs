//! Team vaults end to end, against a real OpenBao dev server on 127.0.0.1: connecting one
//! through Settings, copying a team token, a token another member adds showing up with the
//! team badge and its countdown, an edit conflict shown and resolved, and the server
//! stopping while the window is open (the team banner says so; local tokens still copy).

use std::time::{Duration, Instant};

use chrono::Utc;
use latchkey_core::Platform;
use latchkey_e2e::team::Member;
use latchkey_e2e::*;
use latchkey_fake_platforms::openbao::OpenBao;

const VAULT: &str = "Vision team";

/// Wait until toasts are gone (for screenshots).
async fn toasts_gone(app: &App) {
    let deadline = Instant::now() + Duration::from_secs(8);
    while app.is_visible("toast").await && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn team_a_connect_in_settings_then_a_members_token_shows_with_badge_and_copies() {
    let bao = OpenBao::start();
    let member = Member::new(&bao.address(), bao.root_token());
    let secret = fake_secret("team-roboflow");
    let expires = Utc::now() + chrono::Duration::days(10) + chrono::Duration::hours(3);
    let seeded = member.add(Platform::Roboflow, "E2E team Roboflow", &secret, Some(expires)).await;

    let app = App::start("team_connect").await;
    let local_secret = fake_secret("local-cvat");
    app.add_token(&TokenInput::token("cvat", "E2E local CVAT", &local_secret)).await;

    // A wrong Vault token: a clear error, nothing stored.
    app.open_settings().await;
    app.click("team-add-open").await;
    app.type_into("team-name", VAULT).await;
    app.type_into("team-address", &bao.address()).await;
    app.type_into("team-token", "FAKE-e2e-not-a-vault-token").await;
    app.click("team-connect").await;
    let err = app.wait_text("team-error", "why the vault refused", |t| !t.is_empty()).await;
    let shot = app.page_screenshot("team-settings-add-refused").await;
    eprintln!("screenshot: {}", shot.display());
    assert!(!err.contains("FAKE-e2e-not-a-vault-token"), "the error shows the token: {err:?}");
    assert!(app.team_vaults_in_index().is_empty(), "nothing is stored after a failed check:\n{}", app.index_text());
    app.click("team-cancel").await;
    app.click("settings-cancel").await;

    // The real one.
    let vault_id = app.connect_team_vault(VAULT, &bao.address(), bao.root_token()).await;
    let state = app.text("team-vault-state").await;
    assert!(state.contains("1 token"), "the settings list says how many tokens: {state:?}");
    toasts_gone(&app).await;
    let shot = app.page_screenshot("team-settings").await;
    eprintln!("screenshot: {}", shot.display());

    // Stored: the config in the index, the Vault token in the keychain only.
    let vaults = app.team_vaults_in_index();
    assert_eq!(vaults.len(), 1, "{vaults:?}");
    assert_eq!(vaults[0]["id"], vault_id.as_str());
    assert_eq!(vaults[0]["mount"], "secret");
    assert_eq!(vaults[0]["prefix"], "latchkey");
    assert_eq!(
        secret_tool_lookup(app.service(), &format!("team-vault:{vault_id}")).as_deref(),
        Some(bao.root_token()),
        "the Vault token is in the keychain"
    );
    app.click("settings-cancel").await;

    // The member's token is in the list, with the badge and the shared expiry's countdown.
    let id = seeded.record.id.to_string();
    let row = app.wait_row("E2E team Roboflow").await;
    assert_eq!(row.id, id);
    let badge = app.row_team_badge(&id).await.unwrap_or_default();
    assert!(badge.contains("team") && badge.contains(VAULT), "team badge: {badge:?}");
    assert!(row.countdown.starts_with("expires in 10 d"), "countdown from the shared expiry: {:?}", row.countdown);
    assert_eq!(row.state, "active", "{row:?}");
    assert!(row.hint.contains(&secret[secret.len() - 4..]), "hint {:?}", row.hint);

    // Copy: the clipboard holds the secret, and is cleared like a local one.
    set_clipboard("e2e: something else was here");
    app.click_css(&format!("{} {}", row_by_id(&id), tid("row-copy"))).await;
    let copied = Instant::now();
    app.wait_row_where(&id, "marked copied", TIMEOUT, |r| r.feedback.contains("Copied")).await;
    assert_eq!(clipboard().as_deref(), Some(secret.as_str()), "the clipboard holds the team secret");
    let limit = Duration::from_secs(CLIPBOARD_CLEAR_SECS + 4);
    let cleared = app
        .wait_until("the clipboard to be cleared", limit, async || {
            (clipboard().as_deref() != Some(secret.as_str())).then(|| copied.elapsed())
        })
        .await;
    assert!(cleared >= Duration::from_secs(CLIPBOARD_CLEAR_SECS - 1), "cleared after {cleared:?}");

    // A token another member adds now shows up on the next refresh (here: the window's own,
    // after a copy of the local token).
    let later = member
        .add(
            Platform::Cvat,
            "E2E team CVAT added later",
            &fake_secret("team-cvat"),
            Some(Utc::now() + chrono::Duration::days(3)),
        )
        .await;
    app.click_in_row("E2E local CVAT", "row-copy").await;
    let row2 = app.wait_row("E2E team CVAT added later").await;
    assert_eq!(row2.id, later.record.id.to_string());
    assert_eq!(row2.state, "expiring_soon", "{row2:?}");
    assert!(
        row2.countdown.starts_with("expires in 2 d") || row2.countdown.starts_with("expires in 3 d"),
        "{:?}",
        row2.countdown
    );

    // The detail pane knows it is a team token.
    app.open_detail("E2E team Roboflow").await;
    let team = app.text("detail-team").await;
    assert!(team.contains(VAULT) && team.contains("Version"), "{team:?}");
    toasts_gone(&app).await;
    let shot = app.page_screenshot("team-list").await;
    eprintln!("screenshot: {}", shot.display());

    // No secret reached the data folder or the logs.
    let leaks = app.leaks(&[&secret, bao.root_token(), &local_secret]);
    assert!(leaks.is_empty(), "{leaks:?}");
    app.finish().await;
}

#[tokio::test]
async fn team_b_an_edit_conflict_is_shown_and_resolved_either_way() {
    let bao = OpenBao::start();
    let member = Member::new(&bao.address(), bao.root_token());
    let seeded = member.add(Platform::Roboflow, "E2E team conflict", &fake_secret("team-conflict"), None).await;
    let id = seeded.record.id.to_string();

    let app = App::start("team_conflict").await;
    app.connect_team_vault(VAULT, &bao.address(), bao.root_token()).await;
    app.click("settings-cancel").await;
    app.wait_row("E2E team conflict").await;

    // I open Edit; meanwhile the member changes the notes.
    app.open_detail("E2E team conflict").await;
    app.click("detail-edit").await;
    app.wait_tid("token-form").await;
    assert!(app.text("form-team-note").await.contains(VAULT));
    let theirs = member.set_notes(&id, "theirs: rotated on Monday").await;
    app.type_into("form-notes", "mine: used by the nightly job").await;
    app.click("form-save").await;

    // The conflict: what they changed, and two ways out.
    let box_text = app.wait_text("form-conflict", "the conflict", |t| t.contains("Someone else changed")).await;
    assert!(box_text.contains("theirs: rotated on Monday"), "their notes are shown: {box_text:?}");
    let changes = app.text("form-conflict-changes").await;
    assert!(changes.contains("Notes"), "{changes:?}");
    toasts_gone(&app).await;
    let shot = app.page_screenshot("team-conflict").await;
    eprintln!("screenshot: {}", shot.display());
    // Nothing was overwritten yet.
    assert_eq!(member.get(&id).await.record.notes, "theirs: rotated on Monday");

    // Apply mine over theirs: saved, naming their version.
    app.click("form-conflict-apply").await;
    app.wait_gone("token-form").await;
    let now = member.get(&id).await;
    assert_eq!(now.record.notes, "mine: used by the nightly job");
    assert!(now.version > theirs.version, "a new version on top of theirs: {} vs {}", now.version, theirs.version);

    // Again, but this time reload theirs: the form opens on their version.
    app.click("detail-edit").await;
    app.wait_tid("token-form").await;
    member.set_notes(&id, "theirs again").await;
    app.type_into("form-notes", "mine again").await;
    app.click("form-save").await;
    app.wait_text("form-conflict", "the second conflict", |t| t.contains("theirs again")).await;
    app.click("form-conflict-reload").await;
    app.wait_until("the form to reopen with their notes", TIMEOUT, async || {
        (app.value("form-notes").await == "theirs again").then_some(())
    })
    .await;
    app.click("form-cancel").await;
    assert_eq!(member.get(&id).await.record.notes, "theirs again", "reload saves nothing");
    app.finish().await;
}

#[tokio::test]
async fn team_c_server_stopped_mid_session_shows_the_team_banner_and_local_tokens_still_copy() {
    let mut bao = OpenBao::start();
    let member = Member::new(&bao.address(), bao.root_token());
    member.add(Platform::Roboflow, "E2E team before the outage", &fake_secret("team-outage"), None).await;

    let app = App::start("team_outage").await;
    let local_secret = fake_secret("local-roboflow");
    app.add_token(&TokenInput::token("roboflow", "E2E local during the outage", &local_secret)).await;
    app.connect_team_vault(VAULT, &bao.address(), bao.root_token()).await;
    app.click("settings-cancel").await;
    app.wait_row("E2E team before the outage").await;
    assert!(!app.is_visible("team-banner").await, "no banner while the vault answers");

    bao.stop();

    // The next refresh (after copying the local token) finds the vault gone.
    set_clipboard("e2e: before");
    app.click_in_row("E2E local during the outage", "row-copy").await;
    let banner = app.wait_text("team-banner", "the vault is unreachable", |t| t.contains("Unreachable")).await;
    assert!(banner.contains(VAULT), "{banner:?}");
    assert_eq!(app.attr_css(&tid("team-banner"), "data-kind").await.as_deref(), Some("team_unreachable"));
    assert_eq!(clipboard().as_deref(), Some(local_secret.as_str()), "the local token still copies");
    let rows = app.rows().await;
    assert!(rows.iter().any(|r| r.label == "E2E local during the outage"), "{rows:?}");
    assert!(
        !rows.iter().any(|r| r.label == "E2E team before the outage"),
        "team rows are not shown from nowhere: {rows:?}"
    );

    // Settings shows the same reason beside the vault.
    app.open_settings().await;
    let state = app.text("team-vault-state").await;
    assert!(state.contains("Unreachable"), "{state:?}");
    app.click("settings-cancel").await;
    toasts_gone(&app).await;
    let shot = app.page_screenshot("team-unreachable").await;
    eprintln!("screenshot: {}", shot.display());
    app.finish().await;
}
