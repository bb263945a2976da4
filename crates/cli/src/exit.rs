//! Exit codes (documented in `latchkey --help` and the README) and how failures are shown.

use std::process::ExitCode;

use latchkey_core::{Error, ErrorKind};

/// What `latchkey` exits with. Scripts may branch on these; keep them stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    Ok = 0,
    /// Anything not listed below (disk, lock held too long, clipboard, …).
    Error = 1,
    /// Wrong arguments or input that cannot be used (clap exits with 2 as well).
    Usage = 2,
    /// No token matches.
    NotFound = 3,
    /// The keychain is unavailable, locked or did not answer.
    Keychain = 4,
    /// The platform refused the token, or it is revoked.
    Invalid = 5,
    /// The token is past its expiry (`get`, `copy` and `run` refuse it without --allow-expired).
    Expired = 6,
    /// The platform (or a team vault) could not be asked (network, 5xx, 429, timeout, sealed).
    CannotCheck = 7,
    /// A revoke must be finished by hand on the platform's website, or the platform still
    /// accepts the token after a revoke (it was not marked revoked).
    ActionNeeded = 8,
    /// `latchkey scan` found a token outside an allowed place, or `latchkey guard check` found
    /// one in the staged changes (the commit is stopped).
    LeakFound = 9,
    /// `latchkey log` found the access log edited, cut short or reordered.
    LogBroken = 10,
}

/// The text shown under `latchkey --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  ok
  1  error (disk, lock, clipboard, …)
  2  usage: wrong arguments or unusable input
  3  not found: no token matches
  4  keychain unavailable, locked, not answering or answering errors
  5  invalid: the platform refused the token, or it is revoked
  6  expired: past its expiry (get, copy, run refuse it without --allow-expired)
  7  cannot check: the platform or a team vault could not be asked (network, 429, 5xx, sealed)
  8  action needed: finish a guided revoke on the website (or it still accepts the token)
  9  leak found: `latchkey scan` found a token outside an allowed place, or
     `latchkey guard check` in the staged changes (the commit is stopped)
 10  log altered: `latchkey log` found the access log edited, cut short or reordered
`latchkey run` exits with the command's own code (126/127 if it cannot be started, 128+N
if signal N ended it while its output was masked).";

/// A command that failed: the code to exit with and what to tell the user.
#[derive(Debug)]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Failure { code, message: message.into() }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Code::Usage, message)
    }
    pub fn error(message: impl Into<String>) -> Self {
        Failure::new(Code::Error, message)
    }
}

/// The exit code for a core error.
pub fn code_of(kind: ErrorKind) -> Code {
    match kind {
        ErrorKind::NotFound => Code::NotFound,
        ErrorKind::KeychainUnavailable
        | ErrorKind::KeychainLocked
        | ErrorKind::KeychainTimeout
        | ErrorKind::KeychainError => Code::Keychain,
        ErrorKind::InvalidInput | ErrorKind::DuplicateLabel => Code::Usage,
        ErrorKind::PlatformUnreachable => Code::CannotCheck,
        // The team vault could not be asked: like a platform that could not be asked.
        ErrorKind::TeamUnreachable | ErrorKind::TeamSealed => Code::CannotCheck,
        ErrorKind::TeamDenied | ErrorKind::TeamAuth | ErrorKind::TeamConflict => Code::Error,
        ErrorKind::RevokedSecret => Code::Invalid,
        ErrorKind::StillAccepted | ErrorKind::CannotRotate => Code::ActionNeeded,
        ErrorKind::SecretMissing
        | ErrorKind::Busy
        | ErrorKind::Io
        | ErrorKind::ReadOnly
        | ErrorKind::Clipboard
        | ErrorKind::Internal => Code::Error,
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        // Core's messages say what happened and what to do in words for any surface; the
        // command line adds what it has of its own.
        let advice = match e.kind() {
            ErrorKind::NotFound => " `latchkey list` shows them all.",
            _ => "",
        };
        Failure { code: code_of(e.kind()), message: format!("{e}{advice}") }
    }
}

pub type Outcome = Result<Code, Failure>;

pub fn finish(outcome: Outcome) -> ExitCode {
    let code = match outcome {
        Ok(code) => code,
        Err(f) => {
            eprintln!("latchkey: {}", f.message);
            f.code
        }
    };
    ExitCode::from(code as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down_error() -> Error {
        Error::KeychainUnavailable { detail: "no Secret Service".into() }
    }

    #[test]
    fn core_errors_get_the_command_line_advice() {
        let id = uuid::Uuid::nil();
        let gone = Failure::from(Error::NotFound(id));
        assert_eq!(gone.code, Code::NotFound);
        assert!(gone.message.starts_with(&Error::NotFound(id).to_string()), "{}", gone.message);
        assert!(gone.message.ends_with("`latchkey list` shows them all."), "{}", gone.message);
        let down = Failure::from(down_error());
        assert_eq!(down.code, Code::Keychain);
        assert!(down.message.ends_with("then try again."), "{}", down.message);
        let bad = Failure::from(Error::invalid("The label is empty."));
        assert_eq!((bad.code, bad.message.as_str()), (Code::Usage, "The label is empty."));
        // No surface's buttons in what the command line prints.
        for e in [Error::NotFound(id), down_error(), Error::KeychainError { detail: "x".into() }] {
            let m = Failure::from(e).message;
            assert!(!m.contains("press") && !m.contains("refreshed"), "{m}");
        }
    }
}
