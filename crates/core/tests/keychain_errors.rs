//! A keychain that is there but answers errors: the real `KeyringStore` (keyring, dbus-secret-
//! service, libdbus) against a fake Secret Service on a private bus that fails the calls
//! (`latchkey_fake_platforms::secret_service`). Every change is refused with a clear
//! `keychain_error`, the index is left as it was, the secret kept in the real keychain is not
//! lost, and no secret reaches the data folder or the output.
//!
//! libdbus reads the session bus address once per process, so the vault runs in a child
//! process (this test binary again) whose session bus is the fake's.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use latchkey_core::secret::SecretInput;
use latchkey_core::secret_store::KeyringStore;
use latchkey_core::vault::KeychainStatus;
use latchkey_core::{NewToken, Platform, Use, Vault};
use latchkey_fake_platforms::secret_service::{FakeSecretService, PrivateBus, Refuse};
use secrecy::SecretString;
use serde_json::{json, Value};
use uuid::Uuid;

const CHILD_ENV: &str = "LATCHKEY_KEYCHAIN_ERRORS_CHILD";

fn require_test_session() {
    assert!(
        std::env::var_os("LATCHKEY_TEST_SESSION").is_some(),
        "run inside the test session: scripts/test-session.sh -- cargo test -p latchkey-core --test keychain_errors"
    );
}

fn fake(what: &str) -> String {
    format!("FAKE-kcerr-{what}-{}", &Uuid::new_v4().simple().to_string()[..12])
}

/// Every file under `dir` that holds `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            hits.extend(files_containing(&p, needle));
        } else if std::fs::read(&p).map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes())).unwrap_or(false) {
            hits.push(p.display().to_string());
        }
    }
    hits
}

fn secret_tool(service: &str, account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .stdin(Stdio::null())
        .output()
        .expect("secret-tool runs");
    (out.status.success() && !out.stdout.is_empty()).then(|| String::from_utf8(out.stdout).unwrap())
}

fn records(data: &Path) -> Value {
    let index: Value = serde_json::from_slice(&std::fs::read(data.join("latchkey.json")).unwrap()).unwrap();
    index["records"].clone()
}

/// In the child: open the vault on the failing keychain and try every keychain operation;
/// print one `OP {json}` line per operation.
fn child() {
    let env = |k: &str| std::env::var(k).unwrap();
    let data = env("KCERR_DATA");
    let id: Uuid = env("KCERR_ID").parse().unwrap();
    let store = Arc::new(KeyringStore::new(env("KCERR_SERVICE")).with_timeout(Duration::from_secs(10)));
    let mut vault = Vault::open(&data, store, Utc::now());
    let status = match vault.keychain_status() {
        KeychainStatus::Available { .. } => json!({"state": "available"}),
        KeychainStatus::Unavailable { error } => json!({"state": "unavailable", "error": error}),
        KeychainStatus::Checking => json!({"state": "checking"}),
    };
    println!("OP {}", json!({"op": "open", "status": status}));
    let report = |op: &str, r: Result<(), latchkey_core::Error>| {
        let v = match r {
            Ok(()) => json!({"op": op, "ok": true}),
            Err(e) => json!({"op": op, "ok": false, "error": e.payload()}),
        };
        println!("OP {v}");
    };
    let new = NewToken::token(Platform::Supervisely, "added while failing", env("KCERR_NEW"));
    report("add", vault.add(new, Utc::now()).map(|_| ()));
    report("copy", vault.secret(id, Use::Copy, Utc::now()).map(|_| ()));
    report("reveal", vault.secret(id, Use::Reveal, Utc::now()).map(|_| ()));
    let replacement = SecretInput::Token { token: SecretString::from(env("KCERR_REPLACE")) };
    report("replace", vault.replace_secret(id, replacement, Utc::now()).map(|_| ()));
    report("delete", vault.delete(id, Utc::now()));
}

/// Store one token in the real keychain, then run the child against a fake that refuses.
/// Returns the child's operations by name, and what the fake was asked.
fn run(test: &str, refuse: Refuse) -> (std::collections::HashMap<String, Value>, Vec<String>) {
    require_test_session();
    let service = format!("latchkey-test-{}", Uuid::new_v4());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let kept = fake("kept");
    let new = fake("new");
    let replace = fake("replace");
    let mut vault = Vault::open(&data, Arc::new(KeyringStore::new(&service)), Utc::now());
    let rec = vault.add(NewToken::token(Platform::Cvat, "kept", kept.clone()), Utc::now()).unwrap();
    drop(vault);
    let id = rec.id.to_string();
    let before = records(&data);

    let bus = PrivateBus::start();
    let fake_ss = FakeSecretService::start(&bus.address, refuse, &[&id]);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env_remove("DISPLAY")
        .env("KCERR_DATA", &data)
        .env("KCERR_SERVICE", &service)
        .env("KCERR_ID", &id)
        .env("KCERR_NEW", &new)
        .env("KCERR_REPLACE", &replace)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");

    // Nothing lost: the index is as it was and the kept secret is still in the real keychain.
    assert_eq!(records(&data), before, "the index changed:\n{stdout}");
    assert_eq!(secret_tool(&service, &id).as_deref(), Some(kept.as_str()), "the stored secret is kept");
    // Nothing in plaintext: not on disk, not in the output.
    for s in [&kept, &new, &replace] {
        let hits = files_containing(&data, s);
        assert!(hits.is_empty(), "a secret is in {hits:?}");
        assert!(!stdout.contains(s.as_str()) && !stderr.contains(s.as_str()), "a secret is in the output");
    }

    let ops = stdout
        .lines()
        .filter_map(|l| l.find("OP ").map(|i| serde_json::from_str::<Value>(&l[i + 3..]).unwrap()))
        .map(|v| (v["op"].as_str().unwrap().to_string(), v))
        .collect::<std::collections::HashMap<_, _>>();
    assert_eq!(ops.len(), 6, "{stdout}");
    for op in ["add", "copy", "reveal", "replace", "delete"] {
        let v = &ops[op];
        assert_eq!(v["ok"], false, "{op} must fail: {v}");
        assert_eq!(v["error"]["kind"], "keychain_error", "{op}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("The system keychain answered an error: ")
                && message.contains("nothing was stored or changed")
                && message.contains("Retry"),
            "{op}: {message}"
        );
    }
    let _ = secret_tool_delete(&service, &id);
    (ops, fake_ss.calls())
}

fn secret_tool_delete(service: &str, account: &str) -> bool {
    Command::new("secret-tool").args(["clear", "service", service, "username", account]).status().is_ok()
}

#[test]
fn a_keychain_refusing_to_store_read_or_delete_changes_nothing_and_says_so() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return child();
    }
    let (ops, calls) = run("a_keychain_refusing_to_store_read_or_delete_changes_nothing_and_says_so", Refuse::Storage);
    // The keychain looked fine when the vault opened: the probe (a search) succeeded.
    assert_eq!(ops["open"]["status"]["state"], "available", "{:?}", ops["open"]);
    // The real keyring path reached each refused call.
    for method in ["OpenSession", "CreateItem", "GetSecret", "SetSecret", "Delete"] {
        assert!(calls.iter().any(|c| c == method), "the fake was never asked {method}: {calls:?}");
    }
    let add = ops["add"]["error"]["message"].as_str().unwrap();
    assert!(add.contains("fake Secret Service refuses CreateItem"), "the keychain's own words are kept: {add}");
}

#[test]
fn a_keychain_refusing_every_call_is_an_error_not_a_missing_keychain() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return child();
    }
    let (ops, calls) = run("a_keychain_refusing_every_call_is_an_error_not_a_missing_keychain", Refuse::Everything);
    let open = &ops["open"]["status"];
    assert_eq!(open["state"], "unavailable", "{open}");
    assert_eq!(open["error"]["kind"], "keychain_error", "{open}");
    assert!(calls.iter().all(|c| c == "OpenSession"), "nothing past OpenSession: {calls:?}");
    assert!(ops["add"]["error"]["message"].as_str().unwrap().contains("refuses OpenSession"));
}
