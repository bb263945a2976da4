//! The command line and the app writing the same vault at the same time lose nothing: 20
//! `latchkey add` processes at once while an in-process `Vault` (what the app holds) adds
//! and edits tokens of its own. Afterwards every record is in the index, every secret in the
//! keychain, and the index file is intact.

mod support;

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use latchkey_core::secret_store::KeyringStore;
use latchkey_core::{MetaUpdate, NewToken, Platform, Vault};
use support::{fake, Sandbox};

const CLI_WRITERS: usize = 20;
const APP_WRITES: usize = 10;

#[test]
fn parallel_cli_adds_and_an_app_writer_lose_nothing() {
    let sb = Sandbox::new();
    let secrets: Vec<String> = (0..CLI_WRITERS).map(|i| fake(&format!("cli{i}"))).collect();

    // The "app": a vault of its own on the same folder and keychain service, writing while
    // the processes run.
    let dir = sb.data_dir().to_path_buf();
    let service = sb.service.clone();
    let app = std::thread::spawn(move || {
        let store = Arc::new(KeyringStore::new(service).with_timeout(Duration::from_secs(20)));
        let mut vault = Vault::open(dir, store, Utc::now());
        let mut added = vec![];
        for i in 0..APP_WRITES {
            let secret = fake(&format!("app{i}"));
            let record = vault
                .add(NewToken::token(Platform::Supervisely, format!("app-{i}"), secret.clone()), Utc::now())
                .expect("the app's add");
            // An edit too: a read-modify-write that must not drop the CLI's records.
            let update = MetaUpdate {
                label: record.label.clone(),
                server_url: record.server_url.clone(),
                expires_at: record.expires_at,
                owner: None,
                workspace: None,
                tags: vec![],
                notes: format!("edited {i}"),
                check: None,
                stale_period_days: None,
                rotate_before_days: None,
            };
            vault.update(record.id, update).expect("the app's edit");
            added.push((record.id.to_string(), secret));
        }
        added
    });

    let children: Vec<_> = secrets
        .iter()
        .enumerate()
        .map(|(i, secret)| {
            let label = format!("cli-{i}");
            let mut c = sb.cmd(&["add", "cvat", "--label", &label, "--json"]);
            c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
            let mut child = c.spawn().unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(secret.as_bytes()).unwrap();
            child
        })
        .collect();
    let mut cli_ids = vec![];
    for child in children {
        let ran: support::Ran = child.wait_with_output().unwrap().into();
        let ran = ran.ok();
        cli_ids.push(ran.json()["id"].as_str().unwrap().to_string());
    }
    let app_added = app.join().expect("the app thread");

    let list = sb.list();
    assert_eq!(list.len(), CLI_WRITERS + APP_WRITES, "every record is there: {list:#?}");
    for (id, secret) in cli_ids.iter().zip(&secrets) {
        assert!(list.iter().any(|r| r["id"] == id.as_str()));
        assert_eq!(sb.keychain(id).as_deref(), Some(secret.as_str()));
    }
    for (i, (id, secret)) in app_added.iter().enumerate() {
        let r = list.iter().find(|r| r["id"] == id.as_str()).expect("the app's record");
        assert_eq!(r["notes"], format!("edited {i}"));
        assert_eq!(sb.keychain(id).as_deref(), Some(secret.as_str()));
    }
    // The file itself parses and nothing was set aside as damaged.
    let _: serde_json::Value = serde_json::from_str(&sb.index_text()).expect("the index is valid JSON");
    let damaged = std::fs::read_dir(sb.data_dir())
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains("damaged"));
    assert!(!damaged);
}
