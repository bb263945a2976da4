//! A new token as the webview sends it over IPC (JSON): deserialising it and running every
//! check `Vault::add` makes before it stores anything (`NewToken::check`: the fields cleaned,
//! the secret parsed) never panics, whatever a compromised or buggy page sends.
#![no_main]

use latchkey_core::NewToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = serde_json::from_slice::<NewToken>(data) {
        let _ = token.check(chrono::DateTime::UNIX_EPOCH);
    }
});
