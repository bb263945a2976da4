//! What a user pastes as a secret, for every platform and kind: never a panic, and a refusal
//! never quotes the secret.
#![no_main]

use latchkey_core::record::Platform;
use latchkey_core::secret::SecretInput;
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest).into_owned();
    let (extra, secret) = text.split_once('\u{1f}').unwrap_or(("", &text));
    let s = SecretString::from(secret.to_string());
    let input = match sel % 4 {
        0 => SecretInput::Token { token: s },
        1 => SecretInput::KeyPair { key_id: extra.to_string(), secret: s },
        2 => SecretInput::SshKey { private_key: s },
        _ => SecretInput::ResourceKey { resource_id: extra.to_string(), api_key: s },
    };
    let platform = Platform::ALL[(sel as usize / 4) % Platform::ALL.len()];
    match input.prepare(platform) {
        Ok(p) => assert!(p.hint.chars().count() <= 4),
        Err(e) => {
            let secret = secret.trim();
            assert!(secret.chars().count() < 8 || !e.to_string().contains(secret), "refusal quotes the secret");
        }
    }
});
