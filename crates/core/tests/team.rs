//! Team vaults against a real OpenBao dev server on 127.0.0.1 (`bao server -dev`; `make deps`
//! installs it, the test session exports LATCHKEY_BAO). The keychain parts use the private
//! session's gnome-keyring: run with
//!
//!     scripts/test-session.sh -- cargo test -p latchkey-core --test team

use std::sync::Arc;

use chrono::{DateTime, Utc};
use latchkey_core::secret::SecretInput;
use latchkey_core::secret_store::{KeyringStore, SecretStore};
use latchkey_core::team::{NewTeamVault, TeamClient, TeamVaultConfig};
use latchkey_core::{Error, ErrorKind, MetaUpdate, NewToken, Platform, Use, Vault};
use latchkey_fake_platforms::openbao::{http, OpenBao};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    "2026-11-26T04:00:00Z".parse().unwrap()
}

fn config(bao: &OpenBao) -> TeamVaultConfig {
    TeamVaultConfig {
        id: Uuid::new_v4(),
        name: "Platform team".into(),
        address: bao.address(),
        mount: "secret".into(),
        prefix: "latchkey".into(),
    }
}

fn client(bao: &OpenBao, token: &str) -> TeamClient {
    TeamClient::new(config(bao), SecretString::from(token.to_string())).unwrap()
}

fn cvat(label: &str, secret: &str) -> NewToken {
    NewToken {
        platform: Platform::Cvat,
        label: label.into(),
        server_url: Some("https://cvat.example".into()),
        secret: SecretInput::Token { token: SecretString::from(secret.to_string()) },
        expires_at: Some("2027-01-01T00:00:00Z".parse().unwrap()),
        owner: Some("alice".into()),
        workspace: None,
        tags: vec!["ci".into()],
        notes: String::new(),
        check: None,
        allow_revoked: None,
        rotate_before_days: None,
    }
}

fn edit(label: &str) -> MetaUpdate {
    MetaUpdate {
        label: label.into(),
        server_url: Some("https://cvat.example".into()),
        expires_at: Some("2027-01-01T00:00:00Z".parse().unwrap()),
        owner: Some("alice".into()),
        workspace: None,
        tags: vec![],
        notes: String::new(),
        check: None,
        stale_period_days: None,
        rotate_before_days: None,
    }
}

/// No error text or Debug form may carry a Vault token.
fn assert_clean(e: &Error, tokens: &[&str]) {
    let (shown, debug) = (e.to_string(), format!("{e:?}"));
    for t in tokens {
        assert!(!shown.contains(t) && !debug.contains(t), "a Vault token leaked into an error: {shown} / {debug}");
    }
}

/// The raw KV API, as root (for assertions on what is stored).
fn raw(bao: &OpenBao, method: &str, path: &str) -> (u16, serde_json::Value) {
    let (status, body) = http(bao.port(), method, &format!("/v1/{path}"), Some(bao.root_token()), None).unwrap();
    (status, serde_json::from_str(&body).unwrap_or_default())
}

#[tokio::test]
async fn add_list_get_secret_update_replace_delete() {
    let bao = OpenBao::start();
    let team = client(&bao, bao.root_token());
    assert!(!format!("{team:?}").contains(bao.root_token()), "Debug shows the Vault token");
    team.check().await.unwrap();
    assert!(team.list().await.unwrap().tokens.is_empty(), "nothing under the prefix yet");

    let a = team.add(cvat("CI runner", "FAKEteam-cvat-secret-0001"), now()).await.unwrap();
    let env0 = NewToken {
        platform: Platform::Env0,
        secret: SecretInput::KeyPair { key_id: "FAKEkeyid01".into(), secret: "FAKEteam-env0-secret-0002".into() },
        server_url: None,
        check: None,
        ..cvat("deploys", "unused")
    };
    let b = team.add(env0, now()).await.unwrap();
    assert_eq!((a.version, b.version), (1, 1));
    let listing = team.list().await.unwrap();
    assert!(listing.problems.is_empty(), "{:?}", listing.problems);
    let labels: Vec<_> = listing.tokens.iter().map(|t| t.record.label.as_str()).collect();
    assert_eq!(labels, ["CI runner", "deploys"]);
    assert!(listing.tokens.iter().all(|t| t.vault_id == team.config().id));

    // The secret is only in …/secret; …/meta holds the record without it.
    let (_, meta) = raw(&bao, "GET", &format!("secret/data/latchkey/{}/meta", a.record.id));
    assert_eq!(meta["data"]["data"]["label"], "CI runner");
    assert!(!meta.to_string().contains("FAKEteam-cvat-secret-0001"));
    assert_eq!(team.secret(a.record.id).await.unwrap().expose_secret(), "FAKEteam-cvat-secret-0001");
    assert_eq!(team.usable_secret(b.record.id).await.unwrap().expose_secret(), "FAKEteam-env0-secret-0002");
    let (token, job) = team.check_job(a.record.id).await.unwrap();
    assert_eq!((token.record.id, job.record.hint.as_str()), (a.record.id, a.record.hint.as_str()));

    let got = team.get(a.record.id).await.unwrap();
    assert_eq!(got.record, a.record);
    let edited = team.update(a.record.id, edit("CI runner (eu)"), got.version).await.unwrap();
    assert_eq!((edited.version, edited.record.label.as_str()), (2, "CI runner (eu)"));
    assert_eq!(team.get(a.record.id).await.unwrap().record.label, "CI runner (eu)");
    let bad = team.update(a.record.id, edit(""), edited.version).await.unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);

    let new = SecretInput::Token { token: "FAKEteam-cvat-secret-0003".into() };
    let rotated = team.replace_secret(a.record.id, new, edited.version, now()).await.unwrap();
    assert_eq!((rotated.version, rotated.record.rotated_at.len()), (3, 1));
    assert_eq!(team.secret(a.record.id).await.unwrap().expose_secret(), "FAKEteam-cvat-secret-0003");

    team.delete(a.record.id).await.unwrap();
    assert_eq!(team.get(a.record.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(raw(&bao, "GET", &format!("secret/metadata/latchkey/{}/secret", a.record.id)).0, 404);
    let left: Vec<_> = team.list().await.unwrap().tokens.into_iter().map(|t| t.record.id).collect();
    assert_eq!(left, [b.record.id]);
}

#[tokio::test]
async fn two_editors_at_once_get_a_conflict_never_a_silent_overwrite() {
    let bao = OpenBao::start();
    let (alice, bob) = (client(&bao, bao.root_token()), client(&bao, bao.root_token()));
    let t = alice.add(cvat("shared", "FAKEteam-cvat-secret-0010"), now()).await.unwrap();
    let (seen_a, seen_b) = (alice.get(t.record.id).await.unwrap(), bob.get(t.record.id).await.unwrap());
    assert_eq!(seen_a.version, seen_b.version);

    alice.update(t.record.id, edit("alice's label"), seen_a.version).await.unwrap();
    let e = bob.update(t.record.id, edit("bob's label"), seen_b.version).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamConflict, "{e}");
    assert!(e.to_string().contains("changed by someone else (now version 2)"), "{e}");
    assert_eq!(alice.get(t.record.id).await.unwrap().record.label, "alice's label", "nothing was overwritten");
    // Bob reloads and applies his change over Alice's.
    let fresh = bob.get(t.record.id).await.unwrap();
    let mine = bob.update(t.record.id, edit("bob's label"), fresh.version).await.unwrap();
    assert_eq!((mine.version, mine.record.label.as_str()), (3, "bob's label"));

    // Truly at once, from the same version: exactly one wins, the other is told.
    let (x, y) = tokio::join!(
        alice.update(t.record.id, edit("x"), mine.version),
        bob.update(t.record.id, edit("y"), mine.version)
    );
    let conflicts = [&x, &y].iter().filter(|r| matches!(r, Err(Error::TeamConflict { .. }))).count();
    assert_eq!((conflicts, x.is_ok() as u8 + y.is_ok() as u8), (1, 1), "{x:?} {y:?}");
    let winner = x.or(y).unwrap();
    assert_eq!(alice.get(t.record.id).await.unwrap().record.label, winner.record.label);
    // A rotation based on an old version is refused too, and leaves the secret alone.
    let new = SecretInput::Token { token: "FAKEteam-cvat-secret-0011".into() };
    let e = bob.replace_secret(t.record.id, new, mine.version, now()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamConflict);
    assert_eq!(alice.secret(t.record.id).await.unwrap().expose_secret(), "FAKEteam-cvat-secret-0010");
}

#[tokio::test]
async fn a_policy_that_denies_one_path_hides_only_that_entry() {
    let bao = OpenBao::start();
    let root = client(&bao, bao.root_token());
    let open = root.add(cvat("open", "FAKEteam-cvat-secret-0020"), now()).await.unwrap();
    let closed = root.add(cvat("closed", "FAKEteam-cvat-secret-0021"), now()).await.unwrap();
    let policy = format!(
        r#"
path "secret/metadata/latchkey/*" {{ capabilities = ["list", "read"] }}
path "secret/data/latchkey/*" {{ capabilities = ["create", "read", "update"] }}
path "secret/data/latchkey/{}/*" {{ capabilities = ["deny"] }}
"#,
        closed.record.id
    );
    bao.write_policy("latchkey-partial", &policy).unwrap();
    let limited_token = bao.create_token(&["latchkey-partial"]).unwrap();
    let limited = client(&bao, &limited_token);
    limited.check().await.unwrap();

    let listing = limited.list().await.unwrap();
    assert_eq!(listing.tokens.iter().map(|t| t.record.id).collect::<Vec<_>>(), [open.record.id]);
    assert_eq!(listing.problems.len(), 1, "{:?}", listing.problems);
    let problem = &listing.problems[0];
    assert_eq!(problem.path, format!("secret/latchkey/{}/meta", closed.record.id));
    assert_eq!(problem.error.kind, ErrorKind::TeamDenied);
    assert!(problem.error.message.contains("does not allow read"), "{}", problem.error.message);

    let e = limited.update(closed.record.id, edit("mine now"), closed.version).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamDenied, "{e}");
    let e = limited.secret(closed.record.id).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamDenied);
    assert!(e.to_string().contains(&format!("secret/latchkey/{}", closed.record.id)), "{e}");
    assert_clean(&e, &[&limited_token, bao.root_token()]);
    // The rest works.
    limited.update(open.record.id, edit("open, edited"), open.version).await.unwrap();
    assert_eq!(limited.secret(open.record.id).await.unwrap().expose_secret(), "FAKEteam-cvat-secret-0020");
    assert_eq!(root.get(closed.record.id).await.unwrap().record.label, "closed");

    // A token that is not valid at all is told apart from a denied path.
    bao.revoke_token(&limited_token).unwrap();
    let e = limited.list().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamAuth, "{e}");
    assert_clean(&e, &[&limited_token]);
    let bogus = "FAKE-not-a-vault-token-0001";
    let e = client(&bao, bogus).check().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamAuth, "{e}");
    assert!(e.to_string().contains(&bao.address()));
    assert_clean(&e, &[bogus]);
}

#[tokio::test]
async fn mark_revoked_destroys_the_secret_and_keeps_the_history() {
    let bao = OpenBao::start();
    let team = client(&bao, bao.root_token());
    let t = team.add(cvat("leaked", "FAKEteam-cvat-secret-0030"), now()).await.unwrap();
    let new = SecretInput::Token { token: "FAKEteam-cvat-secret-0031".into() };
    let t = team.replace_secret(t.record.id, new, t.version, now()).await.unwrap();
    let e = team.mark_revoked(t.record.id, "pasted FAKEteam-cvat-secret-0031 in chat", now()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);

    let revoked = team.mark_revoked(t.record.id, "leaked in a CI log", now()).await.unwrap();
    assert_eq!(revoked.record.revoked.as_ref().unwrap().reason, "leaked in a CI log");
    assert_eq!(revoked.record.revoked_secrets, [latchkey_core::leak::fingerprint("FAKEteam-cvat-secret-0031")]);
    let e = team.secret(t.record.id).await.unwrap_err();
    assert!(e.to_string().contains("revoked"), "{e}");
    assert!(team.check_job(t.record.id).await.is_err());
    // Every version of the secret is destroyed; its metadata (the history) is kept.
    let (status, meta) = raw(&bao, "GET", &format!("secret/metadata/latchkey/{}/secret", t.record.id));
    assert_eq!(status, 200);
    let versions = meta["data"]["versions"].as_object().unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions.values().all(|v| v["destroyed"] == true), "{versions:?}");
    assert_eq!(raw(&bao, "GET", &format!("secret/data/latchkey/{}/secret", t.record.id)).0, 404);
    let (_, meta_history) = raw(&bao, "GET", &format!("secret/metadata/latchkey/{}/meta", t.record.id));
    assert_eq!(meta_history["data"]["current_version"], 3);
    // Listed as revoked for everyone; marking it again is harmless.
    let listed = team.list().await.unwrap();
    assert!(listed.tokens[0].record.revoked.is_some());
    let again = team.mark_revoked(t.record.id, "other", now()).await.unwrap();
    assert_eq!(again.record.revoked, revoked.record.revoked);
}

#[tokio::test]
async fn a_check_result_is_stored_for_everyone_and_kept_apart_from_edits() {
    use latchkey_core::platforms::Validation;
    use latchkey_core::record::Validity;
    let bao = OpenBao::start();
    let (alice, bob) = (client(&bao, bao.root_token()), client(&bao, bao.root_token()));
    let t = alice.add(cvat("checked", "FAKEteam-cvat-secret-0070"), now()).await.unwrap();
    // Bob edits while Alice's check runs: the result is stored on top of his edit, not over it.
    bob.update(t.record.id, edit("renamed meanwhile"), t.version).await.unwrap();
    let refused = Validation::invalid("CVAT refused the token (HTTP 401)");
    let stored = alice.record_validation(&t, &refused, now()).await.unwrap();
    assert_eq!((stored.record.label.as_str(), stored.version), ("renamed meanwhile", 3));
    assert!(matches!(stored.record.last_verdict.as_ref().unwrap().validity, Validity::Invalid { .. }));
    assert!(matches!(
        bob.get(t.record.id).await.unwrap().record.last_verdict.unwrap().validity,
        Validity::Invalid { .. }
    ));
    // A result for a secret that was replaced meanwhile is dropped.
    let new = SecretInput::Token { token: "FAKEteam-cvat-secret-0071".into() };
    let rotated =
        bob.replace_secret(t.record.id, new, stored.version, now() + chrono::Duration::seconds(1)).await.unwrap();
    let dropped = alice.record_validation(&t, &Validation::valid(), now()).await.unwrap();
    assert_eq!((dropped.version, dropped.record.last_validation), (rotated.version, None));
}

#[tokio::test]
async fn a_sealed_vault_says_so() {
    let bao = OpenBao::start();
    let team = client(&bao, bao.root_token());
    let t = team.add(cvat("x", "FAKEteam-cvat-secret-0040"), now()).await.unwrap();
    bao.seal().unwrap();
    for e in
        [team.list().await.unwrap_err(), team.secret(t.record.id).await.unwrap_err(), team.check().await.unwrap_err()]
    {
        assert_eq!(e.kind(), ErrorKind::TeamSealed, "{e}");
        assert!(e.to_string().contains("sealed") && e.to_string().contains(&bao.address()), "{e}");
        assert_clean(&e, &[bao.root_token()]);
    }
}

/// These write to the keychain on the session bus: only inside the private test session.
fn require_test_session() {
    if std::env::var_os("LATCHKEY_TEST_SESSION").is_none() && std::env::var_os("LATCHKEY_TEST_REAL_KEYCHAIN").is_none()
    {
        panic!("run inside the private session: scripts/test-session.sh -- cargo test -p latchkey-core --test team");
    }
}

fn keyring_vault() -> (tempfile::TempDir, Arc<KeyringStore>, Vault) {
    require_test_session();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(KeyringStore::new(format!("latchkey-test-{}", Uuid::new_v4())));
    let vault = Vault::open(dir.path().join("data"), store.clone(), now());
    (dir, store, vault)
}

#[tokio::test]
async fn a_stopped_server_is_unreachable_and_local_tokens_keep_working() {
    let (_dir, _store, mut vault) = keyring_vault();
    let local = vault.add(cvat("local", "FAKElocal-cvat-secret-0050"), now()).unwrap();
    let mut bao = OpenBao::start();
    let team = client(&bao, bao.root_token());
    let t = team.add(cvat("team", "FAKEteam-cvat-secret-0051"), now()).await.unwrap();
    bao.stop();
    for e in [team.list().await.unwrap_err(), team.secret(t.record.id).await.unwrap_err()] {
        assert_eq!(e.kind(), ErrorKind::TeamUnreachable, "{e}");
        assert!(e.to_string().contains("127.0.0.1") && e.to_string().contains("Local tokens keep working"), "{e}");
        assert_clean(&e, &[bao.root_token()]);
    }
    let e = team.update(t.record.id, edit("offline edit"), t.version).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TeamUnreachable);
    assert_eq!(vault.secret(local.id, Use::Copy, now()).unwrap().expose_secret(), "FAKElocal-cvat-secret-0050");
    vault.update(local.id, edit("local, edited")).unwrap();
}

#[tokio::test]
async fn the_vault_token_lives_in_the_keychain_and_the_config_in_the_settings() {
    let (dir, store, mut vault) = keyring_vault();
    let bao = OpenBao::start();
    let form = NewTeamVault {
        name: "Platform team".into(),
        address: format!("{}/", bao.address()),
        mount: None,
        prefix: Some("/latchkey/".into()),
        token: bao.root_token().into(),
    };
    let (config, token) = TeamVaultConfig::from_new(&form).unwrap();
    let added = vault.add_team_vault(config.clone(), &token).unwrap();
    assert_eq!((added.address.as_str(), added.prefix.as_str()), (bao.address().as_str(), "latchkey"));
    assert_eq!(vault.team_vaults(), std::slice::from_ref(&added));
    let account = latchkey_core::vault::team_token_account(added.id);
    assert_eq!(store.get(&account).unwrap().unwrap().expose_secret(), bao.root_token());
    let index = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
    assert!(index.contains(&bao.address()) && !index.contains(bao.root_token()));

    // The same place twice, or the same name, is refused; a settings form keeps the vaults.
    let again = TeamVaultConfig::from_new(&form).unwrap().0;
    assert!(vault.add_team_vault(again, &token).unwrap_err().to_string().contains("already connects"));
    let settings = latchkey_core::index::Settings { clipboard_clear_secs: 45, ..Default::default() };
    assert_eq!(vault.update_settings(settings).unwrap().team_vaults, std::slice::from_ref(&added));

    // Reopened, the client is built from what was stored and works.
    let mut reopened = Vault::open(dir.path().join("data"), store.clone(), now());
    let token = reopened.team_vault_token(added.id).unwrap();
    let team = TeamClient::new(reopened.team_vaults()[0].clone(), token).unwrap();
    team.add(cvat("via settings", "FAKEteam-cvat-secret-0060"), now()).await.unwrap();
    assert_eq!(team.list().await.unwrap().tokens.len(), 1);

    reopened.remove_team_vault(added.id).unwrap();
    assert!(reopened.team_vaults().is_empty());
    assert!(store.get(&account).unwrap().is_none(), "the Vault token left the keychain");
    assert_eq!(reopened.team_vault_token(added.id).unwrap_err().kind(), ErrorKind::NotFound);
}
