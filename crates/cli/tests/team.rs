//! Team tokens on the command line, against a real OpenBao dev server on 127.0.0.1: listed
//! beside local tokens with a `team:<name>` marker, usable by get, copy and run; a team vault
//! that stops answering is reported and the local tokens keep working.
//! Run inside the test session: scripts/test-session.sh -- cargo test -p latchkey-cli --test team

mod support;

use std::sync::Arc;

use latchkey_core::secret_store::KeyringStore;
use latchkey_core::team::{NewTeamVault, TeamClient, TeamVaultConfig};
use latchkey_core::{NewToken, Platform, Vault};
use latchkey_fake_platforms::openbao::OpenBao;
use secrecy::ExposeSecret;
use support::{by_label, clipboard, fake, Sandbox};

/// Connect the sandbox's vault to `bao` (as the app's "Add team vault" does).
fn connect(sb: &Sandbox, bao: &OpenBao) -> TeamClient {
    let store = Arc::new(KeyringStore::new(sb.service.clone()));
    let mut vault = Vault::open(sb.data_dir(), store, chrono::Utc::now());
    let form = NewTeamVault {
        name: "Platform team".into(),
        address: bao.address(),
        mount: None,
        prefix: None,
        token: bao.root_token().into(),
    };
    let (config, token) = TeamVaultConfig::from_new(&form).unwrap();
    let config = vault.add_team_vault(config, &token).unwrap();
    vault.team_client(config.id).unwrap()
}

#[test]
fn team_tokens_are_listed_and_used_beside_local_ones() {
    let mut bao = OpenBao::start();
    let mut sb = Sandbox::new();
    sb.env.push(("LATCHKEY_CLIPBOARD_CLEAR_SECS".into(), "5".into()));
    let local_secret = fake("cvat");
    sb.add("cvat", "laptop", &local_secret, &["--server", "http://127.0.0.1:9"]);
    let team = connect(&sb, &bao);
    let team_secret = fake("sly");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let shared = rt
        .block_on(team.add(
            NewToken {
                server_url: Some("https://sly.example.invalid".into()),
                ..NewToken::token(Platform::Supervisely, "ci-shared", team_secret.clone())
            },
            chrono::Utc::now(),
        ))
        .unwrap();

    let list = sb.list();
    assert_eq!(by_label(&list, "laptop")["vault"], "local");
    let row = by_label(&list, "ci-shared");
    assert_eq!(row["vault"], "team:Platform team");
    assert_eq!(row["id"], shared.record.id.to_string());
    assert_eq!(row["team_version"], 1);
    let table = sb.run(&["list"], None).ok();
    assert!(table.stdout.contains("VAULT") && table.stdout.contains("team:Platform team"), "{table:?}");
    assert!(table.stdout.contains("local") && table.stdout.contains("laptop"), "{table:?}");

    // get, run and copy find the team token by label, platform/label or id.
    assert_eq!(sb.run(&["get", "ci-shared"], None).ok().stdout.trim(), team_secret);
    let by_id = sb.run(&["get", &shared.record.id.to_string(), "--json"], None).ok().json();
    assert_eq!(by_id["secret"], team_secret.as_str());
    let env = sb.run(
        &[
            "run",
            "--no-mask",
            "-t",
            "supervisely/ci-shared",
            "-t",
            "laptop",
            "--",
            "sh",
            "-c",
            "printf '%s %s %s' \"$SERVER_ADDRESS\" \"$API_TOKEN\" \"$CVAT_ACCESS_TOKEN\"",
        ],
        None,
    );
    assert_eq!(env.ok().stdout, format!("https://sly.example.invalid {team_secret} {local_secret}"));
    let copied = sb.run(&["copy", "ci-shared"], None).ok();
    assert!(copied.stdout.contains("supervisely/ci-shared"), "{copied:?}");
    assert_eq!(clipboard(), team_secret);
    // Neither the Vault token nor the team secret is written to this machine's index.
    let index = sb.index_text();
    assert!(!index.contains(bao.root_token()) && !index.contains(&team_secret));

    // The team vault stops answering: reported, local tokens listed and usable.
    bao.stop();
    let list = sb.run(&["list", "--json"], None).ok();
    let rows = list.json();
    assert_eq!(rows.as_array().unwrap().len(), 1, "only the local token: {rows}");
    assert!(list.stderr.contains("team:Platform team") && list.stderr.contains("could not be reached"), "{list:?}");
    let e = sb.run(&["get", "ci-shared"], None).code(7);
    assert!(e.stderr.contains("could not be asked") && e.stderr.contains(&bao.address()), "{e:?}");
    assert!(!e.all().contains(bao.root_token()));
    assert_eq!(sb.run(&["get", "laptop"], None).ok().stdout.trim(), local_secret);
}

/// The fake platforms on a runtime of their own, for as long as the test holds this.
struct Fakes {
    all: latchkey_fake_platforms::FakePlatforms,
    _rt: tokio::runtime::Runtime,
}

fn fakes() -> Fakes {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let all = rt.block_on(latchkey_fake_platforms::FakePlatforms::start());
    Fakes { all, _rt: rt }
}

#[test]
fn team_add_checks_the_connection_first_and_list_and_remove_show_and_forget_it() {
    let mut bao = OpenBao::start();
    let sb = Sandbox::new();
    let addr = bao.address();
    // A Vault token the server refuses: nothing stored, a clear error, the token never shown.
    let bogus = "FAKE-not-a-vault-token-0001";
    let bad = sb.run(&["team", "add", "Platform team", "--address", &addr], Some(bogus)).code(1);
    assert!(bad.stderr.contains("Vault token") && bad.stderr.contains(&addr), "{bad:?}");
    assert!(!bad.all().contains(bogus));
    assert_eq!(sb.run(&["team", "list", "--json"], None).ok().json(), serde_json::json!([]));
    assert!(!sb.index_text().contains("Platform team"), "nothing stored");

    // The good token (stdin when piped): stored in the keychain, the config in the settings.
    let added = sb.run(&["team", "add", "Platform team", "--address", &addr, "--json"], Some(bao.root_token())).ok();
    let id = added.json()["id"].as_str().unwrap().to_string();
    assert_eq!(added.json()["mount"], "secret");
    assert_eq!(added.json()["prefix"], "latchkey");
    let account = latchkey_core::vault::team_token_account(id.parse().unwrap());
    assert_eq!(support::secret_tool_lookup(&sb.service, &account).as_deref(), Some(bao.root_token()));
    assert!(!sb.index_text().contains(bao.root_token()) && !added.all().contains(bao.root_token()));
    // The same name again (in any case) is refused before the server is asked.
    let dup =
        sb.run(&["team", "add", "platform TEAM", "--address", &addr, "--prefix", "other"], Some(bao.root_token()));
    let dup = dup.code(2);
    assert!(dup.stderr.contains("already connected"), "{dup:?}");

    let table = sb.run(&["team", "list"], None).ok();
    for word in ["NAME", "ANSWERS", "Platform team", addr.as_str(), "secret", "latchkey", "yes"] {
        assert!(table.stdout.contains(word), "{word} in {table:?}");
    }
    let rows = sb.run(&["team", "list", "--json"], None).ok().json();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!((rows[0]["id"].as_str(), rows[0]["answers"].as_bool()), (Some(id.as_str()), Some(true)), "{rows}");
    assert_eq!((rows[0]["name"].as_str(), rows[0]["address"].as_str()), (Some("Platform team"), Some(addr.as_str())));

    // A stopped server is shown as not answering (and listing still succeeds).
    bao.stop();
    let rows = sb.run(&["team", "list", "--json"], None).ok().json();
    assert_eq!(rows[0]["answers"], false, "{rows}");
    assert_eq!(rows[0]["error"]["kind"], "team_unreachable", "{rows}");
    let table = sb.run(&["team", "list"], None).ok();
    assert!(table.stdout.contains("no: ") && table.stdout.contains("could not be reached"), "{table:?}");

    // Removed: the config and the Vault token go.
    sb.run(&["team", "remove", "nobody"], None).code(3);
    let removed = sb.run(&["team", "remove", "platform team"], None).ok();
    assert!(removed.stdout.contains("untouched"), "{removed:?}");
    assert_eq!(support::secret_tool_lookup(&sb.service, &account), None);
    assert_eq!(sb.run(&["team", "list", "--json"], None).ok().json(), serde_json::json!([]));
}

/// A Roboflow team token on the fake Roboflow, added by a teammate through core.
fn roboflow_team_token(
    rt: &tokio::runtime::Runtime,
    team: &TeamClient,
    label: &str,
    key: &str,
    url: &str,
) -> uuid::Uuid {
    let mut new = NewToken::token(Platform::Roboflow, label, key);
    new.server_url = Some(url.to_string());
    rt.block_on(team.add(new, chrono::Utc::now())).unwrap().record.id
}

#[test]
fn team_tokens_are_validated_and_revoked_as_local_ones_are() {
    let f = fakes();
    let mut bao = OpenBao::start();
    let sb = Sandbox::new();
    let team = connect(&sb, &bao);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (key, sticky_key) = (fake("rf-team"), fake("rf-sticky"));
    let token = |secret: &str, ignored| latchkey_fake_platforms::FakeToken {
        secret: secret.into(),
        owner: "alice".into(),
        workspace: "acme-ws".into(),
        admin: true,
        revoke_ignored: ignored,
        ..Default::default()
    };
    f.all.roboflow.add(token(&key, false));
    f.all.roboflow.add(token(&sticky_key, true));
    let id = roboflow_team_token(&rt, &team, "shared-rf", &key, &f.all.roboflow.url);
    let sticky = roboflow_team_token(&rt, &team, "sticky-rf", &sticky_key, &f.all.roboflow.url);

    // validate: the platform's answer is stored in the team vault, for everyone.
    let checked = sb.run(&["validate", "shared-rf"], None).ok();
    assert!(checked.stdout.contains("roboflow/shared-rf: valid"), "{checked:?}");
    let stored = rt.block_on(team.get(id)).unwrap();
    assert!(stored.record.last_validation.is_some() && stored.version == 2, "{stored:?}");
    let json = sb.run(&["validate", "sticky-rf", "--json"], None).ok().json();
    assert_eq!(json[0]["validity"]["result"], "valid", "{json}");

    // revoke: the API delete, then the old key validated (and refused) before it is destroyed.
    let out = sb.run(&["revoke", "shared-rf", "--json"], None).ok();
    assert_eq!(out.json()["how"], "revoked", "{out:?}");
    assert_eq!(out.json()["reason"], "Revoked through Roboflow's API; revocation confirmed by Roboflow (401)");
    let reqs = f.all.roboflow.requests();
    let delete = reqs.iter().position(|r| r.method == "DELETE").expect("a DELETE");
    assert!(reqs[delete + 1..].iter().any(|r| r.method == "POST" && r.path == "/"), "{reqs:#?}");
    assert!(f.all.roboflow.tokens().iter().any(|t| t.secret == key && t.revoked_by_api));
    let revoked = rt.block_on(team.get(id)).unwrap();
    assert!(revoked.record.revoked.unwrap().reason.contains("revocation confirmed by Roboflow (401)"));
    assert!(rt.block_on(team.secret(id)).unwrap_err().to_string().contains("revoked"), "the secret is destroyed");
    sb.run(&["validate", "shared-rf"], None).code(5);

    // A revoke the platform ignored: exit 8, nothing marked, the secret kept for a retry.
    let out = sb.run(&["revoke", "sticky-rf"], None).code(8);
    assert!(out.stderr.contains("Roboflow still accepts this token; the revoke did not take effect"), "{out:?}");
    assert!(rt.block_on(team.get(sticky)).unwrap().record.revoked.is_none());
    assert_eq!(rt.block_on(team.secret(sticky)).unwrap().expose_secret(), sticky_key);
    assert!(!out.all().contains(&sticky_key) && !sb.index_text().contains(&sticky_key));

    // The team vault down: the token cannot be found there, exit 7 (as for a platform).
    bao.stop();
    let down = sb.run(&["validate", "sticky-rf"], None).code(7);
    assert!(down.stderr.contains("could not be asked"), "{down:?}");
    sb.run(&["revoke", "sticky-rf"], None).code(7);
}

/// Two members' machines connected to one team vault, and a Roboflow team token whose key may
/// manage the workspace's keys (so it can be rotated), added by a teammate as `label`.
struct RotationSetup {
    f: Fakes,
    /// Kept running for the test.
    _bao: OpenBao,
    sb: Sandbox,
    other: Sandbox,
    team: TeamClient,
    rt: tokio::runtime::Runtime,
    /// The token's secret.
    old: String,
    id: uuid::Uuid,
}

fn rotatable_team_token(label: &str) -> RotationSetup {
    let f = fakes();
    let bao = OpenBao::start();
    let (sb, other) = (Sandbox::new(), Sandbox::new());
    let team = connect(&sb, &bao);
    connect(&other, &bao);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let old = fake(&format!("rf-team-{label}"));
    f.all.roboflow.add(latchkey_fake_platforms::FakeToken {
        secret: old.clone(),
        owner: "alice".into(),
        workspace: "acme-ws".into(),
        admin: true,
        name: label.into(),
        ..Default::default()
    });
    let id = roboflow_team_token(&rt, &team, label, &old, &f.all.roboflow.url);
    RotationSetup { f, _bao: bao, sb, other, team, rt, old, id }
}

/// Rotation of a team token through the platform's API: Roboflow makes a new key, it is kept
/// beside the old one in the team vault, validated, put in place with check-and-set, the old
/// one revoked with it and its refusal confirmed. Another member (a second machine connected
/// to the same vault) then reads the new key; the rotation entry is gone.
#[test]
fn team_tokens_rotate_through_the_api_and_every_member_gets_the_new_key() {
    let RotationSetup { f, _bao, sb, other, team, rt, old, id } = rotatable_team_token("shared-rot");
    let before = rt.block_on(team.get(id)).unwrap().version;

    let out = sb.run(&["rotate", "shared-rot"], None).ok();
    assert!(out.stdout.contains("Rotated roboflow/shared-rot"), "{out:?}");
    assert!(out.stdout.contains("revocation confirmed by Roboflow (401)"), "{out:?}");
    let tokens = f.all.roboflow.tokens();
    let new = tokens.iter().find(|t| t.key_id.starts_with("key-new")).expect("Roboflow made a key");
    assert!(tokens.iter().any(|t| t.secret == old && t.revoked_by_api), "the old key was revoked: {tokens:#?}");
    let reqs = f.all.roboflow.requests();
    let created = reqs.iter().position(|r| r.method == "POST" && r.path.ends_with("/api-keys")).expect("a create");
    let deleted = reqs.iter().position(|r| r.method == "DELETE").expect("a DELETE");
    assert!(created < deleted && reqs[deleted].contains(&new.secret), "made, then the old deleted with the new");
    assert!(!out.all().contains(&old) && !out.all().contains(&new.secret), "no secret printed: {out:?}");

    // In the team vault: the new secret, a newer version, the history; no rotation entry.
    assert_eq!(rt.block_on(team.secret(id)).unwrap().expose_secret(), new.secret);
    let stored = rt.block_on(team.get(id)).unwrap();
    assert!(stored.version > before, "{stored:?}");
    assert_eq!(stored.record.rotations.len(), 1, "{stored:?}");
    assert_eq!(stored.record.rotations[0].how, "api");
    assert!(rt.block_on(team.rotation(id)).unwrap().is_none(), "the rotation entry is destroyed");
    // The other member's Latchkey uses the new key.
    let ran = other
        .run(&["run", "--no-mask", "-t", "shared-rot", "--", "sh", "-c", "printf %s \"$ROBOFLOW_API_KEY\""], None)
        .ok();
    assert_eq!(ran.stdout, new.secret);
    // Neither secret in the local index.
    assert!(!sb.index_text().contains(&new.secret) && !sb.index_text().contains(&old));
}

/// A team rotation interrupted right after the platform made the new key (as a crash there
/// would leave it) keeps both secrets in the team vault and the old one in use; a second
/// rotation is refused, not doubled; rotating again, from another member's machine, finishes it.
#[test]
fn an_interrupted_team_rotation_is_finished_by_any_member() {
    let RotationSetup { f, _bao, sb: _member, other, team, rt, old, id } = rotatable_team_token("shared-int");
    // The platform makes the key, as a crash right after would leave it: the entry holds both.
    let record = rt.block_on(team.get(id)).unwrap().record;
    let checker = latchkey_core::check::Checker::shared().unwrap();
    let made = rt
        .block_on(checker.adapters().get(Platform::Roboflow).create_successor(&record, &old.clone().into()))
        .unwrap()
        .expect("Roboflow makes keys");
    assert!(rt
        .block_on(team.rotation_created(id, &made.payload, &old.clone().into(), made.key_id.clone(), made.old_key_id))
        .unwrap());
    assert_eq!(rt.block_on(team.secret(id)).unwrap().expose_secret(), old, "the old key is still in use");
    // A second rotation of the same token is refused, not doubled.
    let again = rt.block_on(team.rotation_created(id, &made.payload, &old.clone().into(), None, None)).unwrap();
    assert!(!again, "a second rotation entry was refused");

    let out = other.run(&["rotate", "shared-int"], None).ok();
    assert!(out.stdout.contains("Rotated roboflow/shared-int"), "{out:?}");
    let new = made.payload.expose_secret().to_string();
    assert_eq!(rt.block_on(team.secret(id)).unwrap().expose_secret(), new);
    assert!(f.all.roboflow.tokens().iter().any(|t| t.secret == old && t.revoked_by_api));
    assert!(rt.block_on(team.rotation(id)).unwrap().is_none());
}
