//! The stable stand-in for fuzz/fuzz_targets/secret_input.rs: whatever a user pastes into the
//! secret fields (any text, any platform, any kind; mutated OpenSSH keys for Encord), checking
//! it never panics, and a refusal never quotes the pasted secret back.

use std::process::Command;
use std::sync::OnceLock;

use latchkey_core::record::Platform;
use latchkey_core::secret::SecretInput;
use proptest::prelude::*;
use secrecy::{ExposeSecret, SecretString};

fn input(kind: u8, text: &str, extra: &str) -> SecretInput {
    let s = SecretString::from(text.to_string());
    match kind % 4 {
        0 => SecretInput::Token { token: s },
        1 => SecretInput::KeyPair { key_id: extra.to_string(), secret: s },
        2 => SecretInput::SshKey { private_key: s },
        _ => SecretInput::ResourceKey { resource_id: extra.to_string(), api_key: s },
    }
}

/// Prepare and check the invariants; returns whether it was accepted.
fn check(platform: Platform, kind: u8, text: &str, extra: &str) -> Result<bool, TestCaseError> {
    match input(kind, text, extra).prepare(platform) {
        Ok(p) => {
            prop_assert!(p.hint.chars().count() <= 4, "hint {:?}", p.hint);
            prop_assert!(!p.payload.expose_secret().is_empty());
            Ok(true)
        }
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(!msg.is_empty());
            // Each line of it (a PEM's armor lines are public text and may be named).
            let armor = ["-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----"];
            let public = |l: &str| l.contains("-----") || armor.iter().any(|a| a.contains(l));
            for line in text.lines().map(str::trim).filter(|l| !public(l)) {
                if line.chars().count() >= 8 {
                    prop_assert!(!msg.contains(line), "the refusal quotes the secret: {msg}");
                }
            }
            Ok(false)
        }
    }
}

fn platform() -> impl Strategy<Value = Platform> {
    proptest::sample::select(Platform::ALL.to_vec())
}

/// A throwaway Ed25519 key made by ssh-keygen for this run (none is kept in the repository).
fn ssh_key() -> Option<&'static str> {
    static KEY: OnceLock<Option<String>> = OnceLock::new();
    KEY.get_or_init(|| {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().join("k");
        let ok = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "fuzz", "-f"])
            .arg(&path)
            .status()
            .ok()?
            .success();
        ok.then(|| std::fs::read_to_string(&path).ok()).flatten()
    })
    .as_deref()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_pasted_text_is_checked_without_panic(
        platform in platform(),
        kind in any::<u8>(),
        text in prop_oneof![any::<String>(), "[ -~]{0,80}", "\\s*FAKE[A-Za-z0-9._-]{0,60}\\s*", "[\\x00-\\x1f\u{200b}\u{feff}a]{0,20}"],
        extra in prop_oneof![any::<String>(), "[a-f0-9-]{0,40}"],
    ) {
        check(platform, kind, &text, &extra)?;
    }

    #[test]
    fn mutated_ssh_keys_are_checked_without_panic(at in any::<usize>(), len in 0..40usize, byte in any::<u8>(), how in 0..3u8) {
        let Some(key) = ssh_key() else { return Ok(()) };
        let mut bytes = key.as_bytes().to_vec();
        let i = at % bytes.len();
        match how {
            0 => bytes[i] = byte,
            1 => bytes.truncate(i),
            _ => drop(bytes.drain(i..(i + len).min(bytes.len()))),
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let accepted = check(Platform::Encord, 2, &text, "")?;
        // The key's body must never come back in a message.
        if !accepted {
            let body = key.lines().nth(2).unwrap_or("");
            let msg = input(2, &text, "").prepare(Platform::Encord).err().unwrap().to_string();
            prop_assert!(body.len() < 8 || !msg.contains(body), "{msg}");
        }
    }
}

#[test]
fn the_unmutated_key_is_accepted() {
    let Some(key) = ssh_key() else {
        eprintln!("SKIPPED: ssh-keygen is not installed");
        return;
    };
    let p = input(2, key, "").prepare(Platform::Encord).unwrap();
    assert!(p.public.ssh_fingerprint.as_deref().is_some_and(|f| f.starts_with("SHA256:")));
}
