//! The importers: what `latchkey import` reads out of the platforms' own files and the
//! environment (`latchkey_core::import`), and the leak scan's "import it", which reads a token
//! back from the file a finding points at (`latchkey_core::leak::token_in_text`).
//!
//! First byte % 4 chooses what the rest is:
//!   0 — the text of `~/supervisely.env`;
//!   1 — the text of Roboflow's `config.json`;
//!   2 — an environment as `KEY=value` lines, then (after a 0x1e byte) the text of the file
//!       `ENCORD_SSH_KEY_FILE` names;
//!   3 — a finding of the leak scan: platform, file name, flags (2 bits), line and column
//!       (2 bytes each; a flag makes them huge, as a compromised page could send them over IPC),
//!       then the file's text.
//! Never a panic; what is found is checked as `latchkey import` checks it
//! (`SecretInput::prepare`), and its `Debug` never shows the secret.
#![no_main]

use std::collections::HashMap;

use latchkey_core::import::{from_environment, parse_env_file, roboflow_config, supervisely_env, Found, Raw};
use latchkey_core::leak::{token_in_text, Finding, FindingKind};
use latchkey_core::record::Platform;
use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    match sel % 4 {
        0 => {
            let text = String::from_utf8_lossy(rest);
            if let Some(f) = supervisely_env(&text).expect("under 1 MiB") {
                let Raw::Token(t) = &f.raw else { panic!("supervisely.env gives a token") };
                assert_eq!(Some(t.expose_secret()), parse_env_file(&text).get("API_TOKEN").map(String::as_str));
                check(&f);
            }
        }
        1 => {
            let text = String::from_utf8_lossy(rest);
            for f in roboflow_config(&text).expect("under 1 MiB") {
                assert_eq!(f.platform, Platform::Roboflow);
                check(&f);
            }
        }
        2 => {
            let (vars, key_file) = match rest.iter().position(|&b| b == 0x1e) {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, &[][..]),
            };
            let env: HashMap<String, String> = parse_env_file(&String::from_utf8_lossy(vars));
            let key_file = String::from_utf8_lossy(key_file).into_owned();
            for f in from_environment(&env, |_| Some(key_file)) {
                check(&f);
            }
        }
        _ => finding(rest),
    }
});

/// What `latchkey import` does with a found secret before it asks: never a panic.
fn check(f: &Found) {
    let secret = match &f.raw {
        Raw::Token(s) | Raw::KeyPair(_, s) | Raw::SshKey(s) | Raw::ResourceKey(_, s) => s.expose_secret(),
    };
    assert!(!secret.trim().is_empty(), "an empty secret was found: {}", f.source);
    let shown = format!("{:?}", f.raw);
    assert!(secret.len() < shown.len() || !shown.contains(secret), "Debug shows the secret");
    let _ = f.raw.input().prepare(f.platform);
}

const FILES: [&str; 8] =
    ["config.env", ".env", "settings.json", "id_ed25519", "notes.txt", "config.yaml", "main.py", ".bashrc"];

fn finding(rest: &[u8]) {
    let Some((head, text)) = rest.split_first_chunk::<7>() else { return };
    let [p, file, flags, l0, l1, c0, c1] = *head;
    let platform = Platform::ALL[usize::from(p) % Platform::ALL.len()];
    let mut line = u64::from(u16::from_le_bytes([l0, l1]));
    let mut column = u64::from(u16::from_le_bytes([c0, c1]));
    if flags & 1 != 0 {
        line = u64::MAX - line;
    }
    if flags & 2 != 0 {
        column = u64::MAX - column;
    }
    let finding = Finding {
        kind: FindingKind::Unknown { platform, reason: String::new() },
        path: format!("/home/u/{}", FILES[usize::from(file) % FILES.len()]),
        line,
        column,
        excerpt: String::new(),
        modified_at: None,
        allowed: false,
        lines: 1,
    };
    if let Ok(found) = token_in_text(&finding, text) {
        assert_eq!(found.platform, platform);
        let _ = found.secret.prepare(platform);
    }
}
