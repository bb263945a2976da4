//! `latchkey __clipboard-hold <seconds>` (not a command of the interface): the detached helper behind `latchkey copy`.
//!
//! Reads the secret from stdin (a pipe from `latchkey copy`; never argv or the environment,
//! which other users' `ps` and /proc could show), puts it on the clipboard through core's
//! `SecureClipboard`, answers `ok` (or `error: …`) on stdout, keeps serving the clipboard until
//! the delay has passed or another program takes it, then clears it if it still holds the
//! secret, and exits.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use latchkey_core::clipboard::SecureClipboard;
use secrecy::SecretString;
use zeroize::Zeroize;

use crate::exit::{Code, Failure, Outcome};

/// The first argument that selects the helper: `latchkey __clipboard-hold <seconds>`.
pub const ARG: &str = "__clipboard-hold";

pub fn run(mut args: impl Iterator<Item = std::ffi::OsString>) -> Outcome {
    let clear_after: u32 = args.next().and_then(|a| a.to_str()?.parse().ok()).unwrap_or(30);
    if std::io::stdin().is_terminal() {
        return Err(Failure::usage("This is an internal helper of `latchkey copy`; use that instead."));
    }
    let mut raw = String::new();
    std::io::stdin().read_to_string(&mut raw).map_err(|e| Failure::error(format!("could not read ({e})")))?;
    let secret = SecretString::from(raw.clone());
    raw.zeroize();
    let clear_after = Duration::from_secs(clear_after.clamp(1, 3600).into());
    let clipboard = SecureClipboard::new();
    let held = clipboard.hold(&secret, clear_after, || {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "ok");
        let _ = out.flush();
    });
    match held {
        Ok(_) => Ok(Code::Ok),
        Err(e) => {
            let _ = writeln!(std::io::stdout(), "error: {e}");
            Ok(Code::Error)
        }
    }
}
