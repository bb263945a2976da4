//! A new token as the webview sends it over IPC (JSON): deserialising and checking the secret
//! never panics, whatever a compromised or buggy page sends.
#![no_main]

use latchkey_core::NewToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = serde_json::from_slice::<NewToken>(data) {
        let _ = token.secret.prepare(token.platform);
    }
});
