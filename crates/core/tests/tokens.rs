//! `Tokens`: one path for local and team tokens, on both stores — the local vault (the real
//! keychain of the private test session) and a team vault on a real OpenBao dev server — with
//! the fake platforms answering the checks and revokes. Run inside the test session:
//!
//!     scripts/test-session.sh -- cargo test -p latchkey-core --test tokens

mod support;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use latchkey_core::accesslog::{Action, Where};
use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::record::Validity;
use latchkey_core::secret_store::{KeyringStore, SecretStore};
use latchkey_core::team::NewTeamVault;
use latchkey_core::tokens::TeamVaultState;
use latchkey_core::{ErrorKind, MetaUpdate, NewToken, Platform, TokenTarget, Tokens, Vault};
use latchkey_fake_platforms::openbao::OpenBao;
use latchkey_fake_platforms::{Behaviour, FakePlatforms, FakeToken};
use secrecy::ExposeSecret;
use uuid::Uuid;

struct World {
    _dir: tempfile::TempDir,
    store: Arc<KeyringStore>,
    tokens: Tokens,
    team_id: Uuid,
    bao: OpenBao,
}

/// A vault on the session keychain, connected (through `Tokens`) to a fresh OpenBao.
async fn world() -> World {
    if std::env::var_os("LATCHKEY_TEST_SESSION").is_none() && std::env::var_os("LATCHKEY_TEST_REAL_KEYCHAIN").is_none()
    {
        panic!("run inside the private session: scripts/test-session.sh -- cargo test -p latchkey-core --test tokens");
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(KeyringStore::new(format!("latchkey-test-{}", Uuid::new_v4())));
    let vault = Vault::open(dir.path().join("data"), store.clone(), Utc::now());
    let tokens = Tokens::new(Arc::new(Mutex::new(vault)), Default::default()).with_checker(support::checker());
    let bao = OpenBao::start();
    let config = tokens.add_team_vault(form(&bao, "Platform team", bao.root_token())).await.unwrap();
    World { _dir: dir, store, tokens, team_id: config.id, bao }
}

fn form(bao: &OpenBao, name: &str, token: &str) -> NewTeamVault {
    NewTeamVault { name: name.into(), address: bao.address(), mount: None, prefix: None, token: token.into() }
}

/// The two stores, each with a token added through `Tokens::add`.
async fn both(w: &World, new: impl Fn() -> NewToken) -> [TokenTarget; 2] {
    let local = w.tokens.add(None, new()).await.unwrap();
    let team = w.tokens.add(Some(w.team_id), new()).await.unwrap();
    assert!(local.team.is_none());
    assert_eq!(team.team.as_ref().map(|t| (t.vault_name.as_str(), t.version)), Some(("Platform team", 1)));
    [local.target(), team.target()]
}

fn token(platform: Platform, label: &str, secret: &str, server: &str) -> NewToken {
    NewToken { server_url: Some(server.into()), ..NewToken::token(platform, label, secret) }
}

/// The editable fields as the app's form sends them (the rest empty).
fn edit(label: &str, server: &str) -> MetaUpdate {
    serde_json::from_value(serde_json::json!({ "label": label, "server_url": server })).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reveal_validate_update_and_delete_on_both_stores() {
    let w = world().await;
    let fakes = FakePlatforms::start().await;
    let secret = "FAKEcv01.0000000000000000000000000000tkn1";
    fakes.cvat.add(FakeToken { secret: secret.into(), owner: "alice".into(), ..Default::default() });
    let url = fakes.cvat.url.clone();
    let targets = both(&w, || token(Platform::Cvat, "ci", secret, &url)).await;
    for target in &targets {
        assert_eq!(w.tokens.reveal(target).await.unwrap().expose_secret(), secret, "{target:?}");
        let row = w.tokens.validate(target).await.unwrap();
        assert_eq!(row.record.last_validation.unwrap().validity, Validity::Valid, "{target:?}");
        assert_eq!(row.record.identity.owner.as_deref(), Some("alice"));
        assert_eq!(w.tokens.get(target).await.unwrap().record.identity.owner.as_deref(), Some("alice"));
    }
    let [local, team] = &targets;
    assert_eq!(w.store.get(&local.id().to_string()).unwrap().unwrap().expose_secret(), secret);

    // Edits: a local one needs no version; a team one is based on the version it saw.
    let row = w.tokens.update(local, edit("ci (laptop)", &url), None).await.unwrap();
    assert_eq!(row.record.label, "ci (laptop)");
    let e = w.tokens.update(team, edit("ci (team)", &url), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = w.tokens.update(team, edit("ci (team)", &url), Some(1)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamConflict, "validate wrote version 2: {e}");
    let row = w.tokens.update(team, edit("ci (team)", &url), Some(2)).await.unwrap();
    assert_eq!((row.record.label.as_str(), row.team.unwrap().version), ("ci (team)", 3));

    for target in &targets {
        w.tokens.delete(target).await.unwrap();
        assert_eq!(w.tokens.get(target).await.unwrap_err().kind(), ErrorKind::NotFound, "{target:?}");
        assert_eq!(w.tokens.reveal(target).await.unwrap_err().kind(), ErrorKind::NotFound, "{target:?}");
    }
    assert!(w.store.get(&local.id().to_string()).unwrap().is_none(), "the keychain entry is gone");

    // Every use is in the access log as the app's, a team token's with its vault; no secret.
    let log = w.tokens.vault().lock().unwrap().access_log();
    let read = log.read().unwrap();
    assert!(read.is_intact(), "{:?}", read.problems);
    let seen: Vec<(Action, Option<Uuid>, Uuid)> =
        read.entries.iter().map(|c| (c.entry.action, c.entry.team, c.entry.token)).collect();
    for target in &targets {
        for action in [Action::Add, Action::Reveal, Action::Validate, Action::Delete] {
            assert!(seen.contains(&(action, target.vault_id(), target.id())), "{action:?} of {target:?}: {seen:?}");
        }
    }
    for c in &read.entries {
        assert_eq!(c.entry.place, Where::App);
        if c.entry.action == Action::Validate {
            assert_eq!(c.entry.detail.as_deref(), Some("valid"));
        }
    }
    assert!(!std::fs::read_to_string(log.path()).unwrap().contains(secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_is_confirmed_by_validating_on_both_stores() {
    let w = world().await;
    let fakes = FakePlatforms::start().await;
    let url = fakes.roboflow.url.clone();
    let rf = |secret: &str, ignored| FakeToken {
        secret: secret.into(),
        workspace: "ws".into(),
        admin: true,
        revoke_ignored: ignored,
        ..Default::default()
    };
    // The fake names a key by its first 10 and last 6 characters: each differs in both.
    let secret = |label: &str, side: &str| format!("{label}{side}-FAKErf-{label}{side}");
    for side in ["local", "team"] {
        fakes.roboflow.add(rf(&secret("ok", side), false));
        fakes.roboflow.add(rf(&secret("sticky", side), true));
    }
    for (store, side) in [(None, "local"), (Some(w.team_id), "team")] {
        let ok = w.tokens.add(store, token(Platform::Roboflow, "ok", &secret("ok", side), &url)).await.unwrap();
        let sticky_secret = secret("sticky", side);
        let sticky = w.tokens.add(store, token(Platform::Roboflow, "sticky", &sticky_secret, &url)).await.unwrap();
        // Roboflow needs the workspace, which a validation teaches.
        w.tokens.validate(&ok.target()).await.unwrap();
        w.tokens.validate(&sticky.target()).await.unwrap();

        assert_eq!(w.tokens.revoke(&ok.target()).await.unwrap(), RevokeOutcome::Revoked, "{side}");
        let revoked = w.tokens.get(&ok.target()).await.unwrap().record.revoked.expect("marked revoked");
        assert_eq!(revoked.reason, "Revoked through Roboflow's API; revocation confirmed by Roboflow (401)");
        let e = w.tokens.reveal(&ok.target()).await.unwrap_err();
        assert!(e.to_string().contains("revoked") || e.kind() == ErrorKind::SecretMissing, "{side}: {e}");

        // Ignored by the platform: StillAccepted, nothing marked, the secret kept.
        let e = w.tokens.revoke(&sticky.target()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StillAccepted, "{side}: {e}");
        assert!(w.tokens.get(&sticky.target()).await.unwrap().record.revoked.is_none());
        assert_eq!(w.tokens.reveal(&sticky.target()).await.unwrap().expose_secret(), sticky_secret);
        // Marked anyway, unchecked: the reason says so, and the secret goes.
        let marked = w.tokens.confirm_revoked(&sticky.target(), "leaked", true).await.unwrap();
        assert_eq!(marked.record.revoked.unwrap().reason, "leaked; marked revoked without confirmation");
        assert!(w.tokens.reveal(&sticky.target()).await.is_err(), "{side}");
    }
    let deletes = fakes.roboflow.requests().iter().filter(|r| r.method == "DELETE").count();
    assert_eq!(deletes, 4, "one API revoke per token");
    // One revoke line per token that was marked, with how; the refused attempt wrote none.
    let read = w.tokens.vault().lock().unwrap().access_log().read().unwrap();
    let revokes: Vec<(String, String)> = read
        .entries
        .iter()
        .filter(|c| c.entry.action == Action::Revoke)
        .map(|c| (c.entry.label.clone(), c.entry.detail.clone().unwrap_or_default()))
        .collect();
    assert_eq!(revokes.len(), 4, "{revokes:?}");
    for (label, detail) in &revokes {
        match label.as_str() {
            "ok" => assert!(detail.contains("revocation confirmed by Roboflow (401)"), "{detail}"),
            _ => assert!(detail.contains("marked revoked without confirmation"), "{detail}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guided_revoke_changes_nothing_until_the_platform_refuses_the_secret() {
    let w = world().await;
    let fakes = FakePlatforms::start().await;
    let secret = "FAKEcv02.0000000000000000000000000000tkn2";
    fakes.cvat.add(FakeToken { secret: secret.into(), ..Default::default() });
    let url = fakes.cvat.url.clone();
    let targets = both(&w, || token(Platform::Cvat, "guided", secret, &url)).await;
    for target in &targets {
        let outcome = w.tokens.revoke(target).await.unwrap();
        assert!(
            matches!(&outcome, RevokeOutcome::Guided { settings_url, .. } if settings_url.starts_with(&url)),
            "{outcome:?}"
        );
        let e = w.tokens.confirm_revoked(target, "done on the website", false).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StillAccepted, "{target:?}");
        assert!(w.tokens.get(target).await.unwrap().record.revoked.is_none());
        assert_eq!(w.tokens.reveal(target).await.unwrap().expose_secret(), secret);
    }
    assert!(fakes.cvat.set_behaviour(secret, Behaviour::Revoked));
    for target in &targets {
        let row = w.tokens.confirm_revoked(target, "done on the website", false).await.unwrap();
        assert_eq!(row.record.revoked.unwrap().reason, "done on the website; revocation confirmed by CVAT (401)");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_vaults_are_connected_only_when_they_answer_and_listed_by_name() {
    let mut w = world().await;
    let bogus = "FAKE-not-a-vault-token-0002";
    let e = w.tokens.add_team_vault(form(&w.bao, "Other team", bogus)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamAuth, "{e}");
    assert!(!e.to_string().contains(bogus) && !format!("{e:?}").contains(bogus));
    let e = w.tokens.add_team_vault(form(&w.bao, "platform TEAM", w.bao.root_token())).await.unwrap_err();
    assert!(e.to_string().contains("already connected"), "{e}");
    let configs = w.tokens.with_vault(|v| Ok(v.team_vaults())).await.unwrap();
    assert_eq!(configs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Platform team"]);

    let team =
        w.tokens.add(Some(w.team_id), token(Platform::Cvat, "shared", "FAKEcv03.x", "https://cvat.example")).await;
    let team = team.unwrap();
    let view = w.tokens.team_view().await.unwrap();
    assert_eq!(view.tokens.len(), 1);
    assert_eq!((view.tokens[0].record.id, view.tokens[0].team.vault_name.as_str()), (team.record.id, "Platform team"));
    assert!(matches!(view.vaults[0].state, TeamVaultState::Ok) && view.vaults[0].token_count == 1);
    let health = w.tokens.team_health().await.unwrap();
    assert!(health[0].1.is_ok());

    w.bao.stop();
    let view = w.tokens.team_view().await.unwrap();
    assert!(view.tokens.is_empty());
    assert!(
        matches!(&view.vaults[0].state, TeamVaultState::Error { error } if error.kind == ErrorKind::TeamUnreachable)
    );
    assert_eq!(w.tokens.validate(&team.target()).await.unwrap_err().kind(), ErrorKind::TeamUnreachable);

    w.tokens.remove_team_vault(w.team_id).await.unwrap();
    let account = latchkey_core::vault::team_token_account(w.team_id);
    assert!(w.store.get(&account).unwrap().is_none(), "the Vault token left the keychain");
    let e = w.tokens.reveal(&team.target()).await.unwrap_err();
    assert!(e.to_string().contains("no longer connected"), "{e}");
}
