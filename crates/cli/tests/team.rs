//! Team tokens on the command line, against a real OpenBao dev server on 127.0.0.1: listed
//! beside local tokens with a `team:<name>` marker, usable by get, copy and run; a team vault
//! that stops answering is reported and the local tokens keep working.
//! Run inside the test session: scripts/test-session.sh -- cargo test -p latchkey-cli --test team

mod support;

use std::sync::Arc;

use latchkey_core::secret::SecretInput;
use latchkey_core::secret_store::KeyringStore;
use latchkey_core::team::{NewTeamVault, TeamClient, TeamVaultConfig};
use latchkey_core::{NewToken, Platform, Vault};
use latchkey_fake_platforms::openbao::OpenBao;
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
                platform: Platform::Supervisely,
                label: "ci-shared".into(),
                server_url: Some("https://sly.example.invalid".into()),
                secret: SecretInput::Token { token: team_secret.clone().into() },
                expires_at: None,
                owner: None,
                workspace: None,
                tags: vec![],
                notes: String::new(),
                check: None,
                allow_revoked: None,
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
