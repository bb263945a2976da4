//! The real keychain: `KeyringStore` and `Vault` against the Secret Service (gnome-keyring),
//! cross-checked with `secret-tool`.
//!
//! These need an unlocked Secret Service on the session bus and `secret-tool`; `make test`
//! (scripts/test-session.sh) provides both in a private session. Outside it they fail.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use latchkey_core::secret::SecretInput;
use latchkey_core::secret_store::{KeyringStore, SecretStore};
use latchkey_core::{NewToken, Platform, Use, Vault};
use secrecy::{ExposeSecret, SecretString};

/// These tests write to the keychain on the session bus. Inside `make test` that is a
/// throw-away gnome-keyring; never let them write to a developer's own login keychain.
fn require_test_session() {
    if std::env::var_os("LATCHKEY_TEST_SESSION").is_none() && std::env::var_os("LATCHKEY_TEST_REAL_KEYCHAIN").is_none()
    {
        panic!(
            "\n\nThe keychain integration tests use the Secret Service of the private session that\n\
             `make test` starts (scripts/test-session.sh), not your own keychain. Run them with:\n\n    \
             scripts/test-session.sh -- cargo test -p latchkey-core --test keychain\n\n\
             (LATCHKEY_TEST_REAL_KEYCHAIN=1 runs them against whatever keychain is on your session bus.)\n"
        );
    }
}

/// A service name no other test (or person) uses.
fn unique_service() -> String {
    format!("latchkey-test-{}", uuid::Uuid::new_v4())
}

fn fake(what: &str) -> String {
    format!("FAKE-keychain-{what}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

/// `secret-tool lookup service <service> username <account>`: the stored value, if any.
fn secret_tool(service: &str, account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .stdin(Stdio::null())
        .output()
        .expect("secret-tool (package libsecret-tools) runs");
    (out.status.success() && !out.stdout.is_empty()).then(|| String::from_utf8(out.stdout).unwrap())
}

/// `secret-tool store service <service> username <account> EXTRA…` with `value`: an entry as
/// another program makes it (no `target` attribute unless `extra` gives one).
fn secret_tool_store(service: &str, account: &str, extra: &[&str], value: &str) {
    let mut args = vec!["store", "--label", "by secret-tool", "service", service, "username", account];
    args.extend_from_slice(extra);
    let mut c = Command::new("secret-tool").args(&args).stdin(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(&mut c.stdin.take().unwrap(), value.as_bytes()).unwrap();
    assert!(c.wait().unwrap().success());
}

/// Every file in `dir` (recursively) that contains `needle`.
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

#[test]
fn keyring_store_put_get_overwrite_delete_match_secret_tool() {
    require_test_session();
    let service = unique_service();
    let store = KeyringStore::new(&service);
    store.probe().expect("the Secret Service answers (run inside `make test`)");
    let account = uuid::Uuid::new_v4().to_string();
    let first = fake("first");
    let second = fake("second");

    assert!(store.get(&account).unwrap().is_none(), "nothing there yet");
    assert_eq!(secret_tool(&service, &account), None);

    store.put(&account, &secret(&first)).unwrap();
    assert_eq!(store.get(&account).unwrap().unwrap().expose_secret(), first);
    assert_eq!(secret_tool(&service, &account).as_deref(), Some(first.as_str()));

    store.put(&account, &secret(&second)).unwrap();
    assert_eq!(store.get(&account).unwrap().unwrap().expose_secret(), second, "put overwrites");
    assert_eq!(secret_tool(&service, &account).as_deref(), Some(second.as_str()));

    // Another service with the same account is a different entry.
    let other = KeyringStore::new(unique_service());
    assert!(other.get(&account).unwrap().is_none());

    store.delete(&account).unwrap();
    assert!(store.get(&account).unwrap().is_none());
    assert_eq!(secret_tool(&service, &account), None, "secret-tool finds nothing after delete");
    store.delete(&account).expect("deleting a missing entry succeeds");
}

#[test]
fn keyring_store_keeps_unicode_and_long_secrets_intact() {
    require_test_session();
    let service = unique_service();
    let store = KeyringStore::new(&service);
    let account = uuid::Uuid::new_v4().to_string();
    let value = format!("FAKE-ключ-🔑-{}", "x".repeat(4000));
    store.put(&account, &secret(&value)).unwrap();
    assert_eq!(store.get(&account).unwrap().unwrap().expose_secret(), value);
    assert_eq!(secret_tool(&service, &account).as_deref(), Some(value.as_str()));
    store.delete(&account).unwrap();
}

/// `get_many` (one Secret Service session for a leak scan's secrets) gives what `get` gives,
/// in order: for entries keyring made, for one another tool stored (no `target` attribute,
/// so read the slow way), and for one that is not there.
#[test]
fn keyring_store_get_many_matches_get() {
    require_test_session();
    let service = unique_service();
    let store = KeyringStore::new(&service);
    let accounts: Vec<String> = (0..4).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let values: Vec<String> = (0..3).map(|i| fake(&format!("many{i}"))).collect();
    store.put(&accounts[0], &secret(&values[0])).unwrap();
    store.put_labeled(&accounts[2], "a label", &secret(&values[2])).unwrap();
    secret_tool_store(&service, &accounts[1], &[], &values[1]);

    let asked = [accounts[2].clone(), accounts[3].clone(), accounts[0].clone(), accounts[1].clone()];
    let got: Vec<Option<String>> =
        store.get_many(&asked).into_iter().map(|r| r.unwrap().map(|s| s.expose_secret().to_string())).collect();
    assert_eq!(got, [Some(values[2].clone()), None, Some(values[0].clone()), Some(values[1].clone())]);
    for a in &accounts {
        store.delete(a).unwrap();
    }
}

/// A few secrets by account in one session (what `get_many` tries first for a `latchkey run`'s
/// tokens): keyring's entries exactly, in the order asked; an entry another tool stored (no
/// `target`), one with two items and one that is not there are left to `get` (`None`).
#[cfg(target_os = "linux")]
#[test]
fn keyring_store_reads_a_few_accounts_in_one_session() {
    require_test_session();
    let service = unique_service();
    let store = KeyringStore::new(&service);
    let accounts: Vec<String> = (0..6).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let values = [fake("few0"), format!("FAKE-ключ-🔑-{}", "z".repeat(2000)), fake("few2")];
    store.put(&accounts[0], &secret(&values[0])).unwrap();
    store.put_labeled(&accounts[1], "a label", &secret(&values[1])).unwrap();
    store.put(&accounts[2], &secret(&values[2])).unwrap();
    // Another tool's entry; and a second item for accounts[4] besides keyring's.
    secret_tool_store(&service, &accounts[3], &[], "FAKE-other-tool");
    store.put(&accounts[4], &secret(&fake("twice-a"))).unwrap();
    secret_tool_store(&service, &accounts[4], &["target", "default", "application", "elsewhere"], &fake("twice-b"));

    let asked =
        [&accounts[2], &accounts[5], &accounts[0], &accounts[3], &accounts[4], &accounts[1]].map(|a| a.to_string());
    let got: Vec<Option<String>> =
        store.read_by_account(&asked).unwrap().into_iter().map(|s| s.map(|s| s.expose_secret().to_string())).collect();
    assert_eq!(got, [Some(values[2].clone()), None, Some(values[0].clone()), None, None, Some(values[1].clone())]);
    // get_many completes it the slow way: the other tool's entry is read, the double one refused.
    let many = store.get_many(&asked);
    assert_eq!(
        many[3].as_ref().unwrap().as_ref().map(|s| s.expose_secret().to_string()),
        Some("FAKE-other-tool".into())
    );
    assert!(many[4].is_err(), "two items for one account are an error, not a guess");
    for a in &accounts {
        let _ = store.delete(a);
    }
    let _ = Command::new("secret-tool").args(["clear", "service", &service]).status();
}

/// The bulk read `get_many` tries first (one encrypted session, `GetSecrets` and every item's
/// attributes pipelined, at most 64 requests in flight) reads more items than fit in flight,
/// long and non-ASCII values included, exactly, and so does its fallback (item by item over 4
/// connections); an item another tool stored (no `target`) is among neither, and `get_many`
/// still gives it.
#[cfg(target_os = "linux")]
#[test]
fn keyring_store_reads_many_items_at_once_exactly() {
    require_test_session();
    let service = unique_service();
    let store = KeyringStore::new(&service);
    let mut want: Vec<(String, String)> = (0..150)
        .map(|i| {
            let value = if i % 50 == 7 {
                format!("FAKE-ключ-🔑-{i}-{}", "y".repeat(3000))
            } else {
                fake(&format!("bulk{i}"))
            };
            (uuid::Uuid::new_v4().to_string(), value)
        })
        .collect();
    for (a, v) in &want {
        store.put(a, &secret(v)).unwrap();
    }
    let other = uuid::Uuid::new_v4().to_string();
    secret_tool_store(&service, &other, &[], "FAKE-other-tool");

    want.sort();
    // At once, and item by item over several connections (get_many's fallback).
    for read in [store.read_all_at_once().unwrap(), store.read_item_by_item().unwrap()] {
        let mut got: Vec<(String, String)> =
            read.into_iter().map(|(a, s)| (a, s.expose_secret().to_string())).collect();
        got.sort();
        assert_eq!(got.len(), want.len());
        assert!(got == want, "a bulk read differs from what was stored");
    }
    let asked: Vec<String> = want.iter().map(|(a, _)| a.clone()).chain([other.clone()]).collect();
    let many: Vec<Option<String>> =
        store.get_many(&asked).into_iter().map(|r| r.unwrap().map(|s| s.expose_secret().to_string())).collect();
    let expected: Vec<Option<String>> =
        want.iter().map(|(_, v)| Some(v.clone())).chain([Some("FAKE-other-tool".to_string())]).collect();
    assert!(many == expected, "get_many differs from what was stored");
    for a in asked {
        store.delete(&a).unwrap();
    }
}

#[test]
fn vault_cycle_against_the_real_keychain_never_writes_the_secret_to_disk() {
    require_test_session();
    let service = unique_service();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Arc::new(KeyringStore::new(&service));
    let mut vault = Vault::open(&data, store.clone(), Utc::now());
    assert!(
        matches!(vault.keychain_status(), latchkey_core::vault::KeychainStatus::Available { .. }),
        "keychain status: {:?}",
        vault.keychain_status()
    );
    let first = fake("cvat-first");
    let second = fake("cvat-second");
    let assert_clean = |step: &str| {
        for s in [&first, &second] {
            let hits = files_containing(&data, s);
            assert!(hits.is_empty(), "after {step}: a secret is in {hits:?}");
        }
    };

    let record = vault
        .add(
            NewToken {
                server_url: Some("https://cvat.example.org".into()),
                expires_at: Some(Utc::now() + chrono::Duration::days(30)),
                tags: vec!["test".into()],
                ..NewToken::token(Platform::Cvat, "keychain integration", first.clone())
            },
            Utc::now(),
        )
        .unwrap();
    let id = record.id.to_string();
    assert_eq!(secret_tool(&service, &id).as_deref(), Some(first.as_str()), "account = record id");
    let index = std::fs::read_to_string(data.join("latchkey.json")).unwrap();
    assert!(index.contains("keychain integration") && index.contains(&id));
    assert_clean("add");

    let got = vault.secret(record.id, Use::Copy, Utc::now()).unwrap();
    assert_eq!(got.expose_secret(), first);
    assert!(vault.get(record.id).unwrap().last_used_at.is_some(), "a copy counts as use");
    assert_eq!(secret_tool(&service, &id).as_deref(), Some(first.as_str()), "taking the secret out leaves it in place");
    assert_clean("copy");

    vault.replace_secret(record.id, SecretInput::Token { token: secret(&second) }, Utc::now()).unwrap();
    assert_eq!(secret_tool(&service, &id).as_deref(), Some(second.as_str()));
    assert_eq!(vault.secret(record.id, Use::Reveal, Utc::now()).unwrap().expose_secret(), second);
    assert_clean("replace");

    // A second vault on the same folder and keychain (another process) sees the same.
    let mut other = Vault::open(&data, store.clone(), Utc::now());
    assert_eq!(other.secret(record.id, Use::Reveal, Utc::now()).unwrap().expose_secret(), second);
    drop(other);

    vault.delete(record.id, Utc::now()).unwrap();
    assert_eq!(secret_tool(&service, &id), None, "secret-tool finds nothing after delete");
    assert!(vault.records().unwrap().is_empty());
    assert!(!std::fs::read_to_string(data.join("latchkey.json")).unwrap().contains(&id));
    assert_clean("delete");
}

/// Environment variable that turns a test process into the child of `no_secret_service_*`.
const CHILD_ENV: &str = "LATCHKEY_KEYCHAIN_TEST_CHILD";

/// In the child: probe the keychain and report `kind=<kind> ms=<elapsed>` on stdout.
fn child_probe() {
    let store = KeyringStore::new(unique_service()).with_timeout(Duration::from_secs(20));
    let started = Instant::now();
    let result = store.probe();
    let ms = started.elapsed().as_millis();
    match result {
        Ok(()) => println!("PROBE kind=ok ms={ms}"),
        Err(e) => {
            let kind = serde_json::to_value(e.kind()).unwrap();
            println!("PROBE kind={} ms={ms}", kind.as_str().unwrap());
            println!("PROBE message={e}");
        }
    }
}

/// Re-run this test binary for `test` with the session bus at `bus_address`, and return the
/// probe's kind and duration as the child reports them.
fn probe_in_child(test: &str, bus_address: &str) -> (String, u128, String) {
    let started = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("DBUS_SESSION_BUS_ADDRESS", bus_address)
        // No X11 autolaunch of a fresh bus: we want exactly the bus we gave.
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "child failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(15), "the child took {:?}", started.elapsed());
    // With --nocapture the line may follow libtest's "test ... " on the same line.
    let line = stdout
        .lines()
        .find_map(|l| l.find("PROBE kind=").map(|i| &l[i..]))
        .unwrap_or_else(|| panic!("no PROBE line in:\n{stdout}"));
    let mut kind = String::new();
    let mut ms = 0;
    for part in line.trim_start_matches("PROBE ").split_whitespace() {
        if let Some(k) = part.strip_prefix("kind=") {
            kind = k.to_string();
        }
        if let Some(m) = part.strip_prefix("ms=") {
            ms = m.parse().unwrap();
        }
    }
    let message =
        stdout.lines().find_map(|l| l.find("PROBE message=").map(|i| &l[i + 14..])).unwrap_or_default().to_string();
    (kind, ms, message)
}

/// A private session bus with nothing on it: no Secret Service, no service activation.
use latchkey_fake_platforms::bus::PrivateBus as EmptyBus;

#[test]
fn no_secret_service_on_the_bus_is_reported_quickly_as_unavailable() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return child_probe();
    }
    let bus = EmptyBus::start();
    let (kind, ms, message) =
        probe_in_child("no_secret_service_on_the_bus_is_reported_quickly_as_unavailable", &bus.address);
    assert_eq!(kind, "keychain_unavailable", "{message}");
    assert!(ms < 5_000, "the probe took {ms} ms: it should fail at once, not time out");
    assert!(message.contains("Secret Service"), "the message says what to start: {message}");
}

#[test]
fn no_session_bus_at_all_is_reported_quickly_as_unavailable() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return child_probe();
    }
    let dir = tempfile::tempdir().unwrap();
    let address = format!("unix:path={}", dir.path().join("no-such-bus").display());
    let (kind, ms, message) = probe_in_child("no_session_bus_at_all_is_reported_quickly_as_unavailable", &address);
    assert_eq!(kind, "keychain_unavailable", "{message}");
    assert!(ms < 5_000, "the probe took {ms} ms");
}
