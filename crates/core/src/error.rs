//! One error type for everything core does.
//!
//! Every message is written for the person at the keyboard: it says what happened and
//! what to do next. No message ever contains a secret: variants carry labels, ids,
//! paths and reasons, never token material, and foreign errors (keyring, serde, io) are
//! reduced to their Display text at the boundary, never to their Debug form.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user gave something we cannot store as it is (empty secret, bad URL, ...).
    /// `field` names the form input it is about, when there is one.
    #[error("{message}")]
    InvalidInput { field: Option<Field>, message: String },

    #[error(
        "There is already a {platform} token labelled “{label}”. Choose another label, or edit the existing token."
    )]
    DuplicateLabel { platform: String, label: String },

    #[error("No token with id {0}. It may have been deleted in another Latchkey window or from the command line; look it up again by its label.")]
    NotFound(Uuid),

    #[error("The system keychain is not available ({detail}). Latchkey keeps secrets only in the keychain, so nothing was stored. Start your Secret Service (GNOME Keyring, KWallet or KeePassXC with Secret Service enabled), then try again.")]
    KeychainUnavailable { detail: String },

    /// The keychain is there but answered a call with an error (a D-Bus error on Linux).
    #[error("The system keychain answered an error: {detail}. Latchkey keeps secrets only in the keychain, so nothing was stored or changed. Retry in a moment; if it keeps failing, check your keychain app (GNOME Keyring, KWallet or KeePassXC) and try again.")]
    KeychainError { detail: String },

    #[error("The system keychain is locked. Unlock it (for example by logging in again, or in Passwords and Keys), then try again. Nothing was changed.")]
    KeychainLocked,

    #[error("The system keychain did not answer within {secs} s; it may be waiting for you to unlock it. Unlock it and try again. If it answers later, Latchkey finishes or undoes the change by itself.")]
    KeychainTimeout { secs: u64 },

    #[error("The keychain holds no secret for “{label}”. It may have been removed outside Latchkey. Store a new secret for it (Replace secret in the app), or delete this entry.")]
    SecretMissing { label: String },

    #[error("The keychain entry for “{label}” could not be read ({detail}). Store a new secret for it (Replace secret in the app).")]
    SecretUnreadable { label: String, detail: String },

    #[error("Another Latchkey process (the app or the command line) has held the vault lock for more than {secs} s. Try again in a moment; if it persists, close other Latchkey windows.")]
    Busy { secs: u64 },

    #[error("The vault file could not be written: {context} ({source}). Nothing was changed; check free disk space and the permissions of {path}.", path = path.display())]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("This secret belongs to “{label}”, which was revoked. A revoked token is not stored again unless you say so: confirm to add it anyway.")]
    RevokedSecret { label: String },

    #[error("Changes are disabled: {0}")]
    ReadOnly(String),

    #[error("The clipboard could not be used: {0}")]
    Clipboard(String),

    #[error("{platform} could not be asked: {reason}. Nothing was changed; try again later, or do it on {platform}'s website.")]
    PlatformUnreachable { platform: String, reason: String },

    /// A rotation's new key was made and kept, but the platform could not check it now: the
    /// rotation waits before the swap (rotating again resumes it; undo deletes the new key).
    #[error("{platform} could not check the new key ({reason}). The rotation waits: the new key is kept in your keychain and the old one stays in use. Rotate again later to finish it, or undo it.")]
    RotationUnchecked { platform: String, reason: String },

    /// The platform refused to make the new key of a rotation (or cannot for this key).
    #[error("{platform} did not make a new key: {reason} Nothing was changed; the current key stays in use.")]
    CannotRotate { platform: String, reason: String },

    /// A guided rotation's new secret (made by the user) was refused when checked: no key was
    /// made by the platform, so none is deleted. The same kind as `CannotRotate`.
    #[error("The new secret was refused when checked: {reason} Nothing was changed; the current one stays in use.")]
    RotationSecretRefused { reason: String },

    #[error("{platform} still accepts this token; the revoke did not take effect. It was not marked revoked and its secret stays in your keychain: revoke it on {platform} again, or mark it revoked anyway.")]
    StillAccepted { platform: String },
    /// The team vault (OpenBao/Vault) did not answer: connection refused, timeout, DNS.
    #[error("The team vault at {address} could not be reached ({reason}). Local tokens keep working; check the address and your network, then try again.")]
    TeamUnreachable { address: String, reason: String },

    /// The team vault answered that it is sealed (or not initialised yet).
    #[error("The team vault at {address} is {state}. Ask its operator to unseal it; local tokens keep working.")]
    TeamSealed { address: String, state: String },

    /// 403 on one path while the Vault token itself is valid.
    #[error("Your Vault token's policy does not allow {op} on {path} (team vault at {address}). Ask the team vault's operator to grant it.")]
    TeamDenied { address: String, op: String, path: String },

    /// The Vault token is invalid, expired or revoked.
    #[error("The team vault at {address} does not accept your Vault token (it is invalid, expired or revoked). Remove the team vault and add it again with a new token.")]
    TeamAuth { address: String },

    /// A check-and-set write found a newer version than the one the change was based on.
    #[error("“{label}” was changed by someone else (now version {version}); reload to see their change, or apply yours over it.")]
    TeamConflict { label: String, version: u64 },

    #[error("Something went wrong inside Latchkey ({0}). Nothing was changed; please try again.")]
    Internal(String),
}

/// What the UI and the CLI switch on. Stable, snake_case strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    InvalidInput,
    DuplicateLabel,
    NotFound,
    KeychainUnavailable,
    KeychainLocked,
    KeychainTimeout,
    KeychainError,
    SecretMissing,
    Busy,
    Io,
    RevokedSecret,
    ReadOnly,
    Clipboard,
    PlatformUnreachable,
    CannotRotate,
    StillAccepted,
    TeamUnreachable,
    TeamSealed,
    TeamDenied,
    TeamAuth,
    TeamConflict,
    Internal,
}

/// The form input an `InvalidInput` error is about, so the form can put the cursor there.
/// Stable, snake_case strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Field {
    Label,
    ServerUrl,
    Tags,
    Notes,
    ExpiresAt,
    /// The secret itself: the token, an env0 key's secret, an SSH private key, an Encord API key.
    Secret,
    /// env0's API key id.
    KeyId,
    /// The Encord project or dataset id of a legacy API key.
    ResourceId,
    /// How to validate a token of the Other platform: the URL to ask, ...
    CheckUrl,
    /// ... the header that carries the token, ...
    CheckHeader,
    /// ... what is written before the token in it, ...
    CheckPrefix,
    /// ... the HTTP method, ...
    CheckMethod,
    /// ... and the status that means valid.
    CheckStatus,
    /// A CVAT server's own inactivity period (days), when it is not CVAT's default.
    StalePeriod,
    /// "Rotate before expiry": days before the expiry.
    RotateBefore,
    /// A team vault's name, address, KV mount, path prefix and Vault token.
    TeamName,
    TeamAddress,
    TeamMount,
    TeamPrefix,
    TeamToken,
    /// Settings: the clipboard's clear delay, the "expiring soon" window, the stale and
    /// rotation periods, the alert lead times, start at login.
    ClipboardClearSecs,
    ExpiringSoonDays,
    StaleDays,
    RotateAfterDays,
    LeadTimes,
    StartAtLogin,
}

/// The serialisable form of an error: `{kind, message}`, and `field` when the error is
/// about one input.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<Field>,
}

impl Error {
    /// Input that cannot be used, not tied to one form input.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput { field: None, message: msg.into() }
    }

    /// Input that cannot be used, about `field`.
    pub fn invalid_field(field: Field, msg: impl Into<String>) -> Self {
        Error::InvalidInput { field: Some(field), message: msg.into() }
    }

    /// The same error, about `field` when it is invalid input (a shared check, such as a
    /// server address, used for another input). Other errors are returned unchanged.
    pub fn with_field(self, field: Field) -> Self {
        match self {
            Error::InvalidInput { message, .. } => Error::InvalidInput { field: Some(field), message },
            other => other,
        }
    }

    /// The input this error is about, if any.
    pub fn field(&self) -> Option<Field> {
        match self {
            Error::InvalidInput { field, .. } => *field,
            _ => None,
        }
    }

    pub fn io(context: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { context, path: path.into(), source }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::DuplicateLabel { .. } => ErrorKind::DuplicateLabel,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::KeychainUnavailable { .. } => ErrorKind::KeychainUnavailable,
            Error::KeychainLocked => ErrorKind::KeychainLocked,
            Error::KeychainTimeout { .. } => ErrorKind::KeychainTimeout,
            Error::KeychainError { .. } => ErrorKind::KeychainError,
            Error::SecretMissing { .. } | Error::SecretUnreadable { .. } => ErrorKind::SecretMissing,
            Error::Busy { .. } => ErrorKind::Busy,
            Error::Io { .. } => ErrorKind::Io,
            Error::RevokedSecret { .. } => ErrorKind::RevokedSecret,
            Error::ReadOnly(_) => ErrorKind::ReadOnly,
            Error::Clipboard(_) => ErrorKind::Clipboard,
            Error::PlatformUnreachable { .. } | Error::RotationUnchecked { .. } => ErrorKind::PlatformUnreachable,
            Error::CannotRotate { .. } | Error::RotationSecretRefused { .. } => ErrorKind::CannotRotate,
            Error::StillAccepted { .. } => ErrorKind::StillAccepted,
            Error::TeamUnreachable { .. } => ErrorKind::TeamUnreachable,
            Error::TeamSealed { .. } => ErrorKind::TeamSealed,
            Error::TeamDenied { .. } => ErrorKind::TeamDenied,
            Error::TeamAuth { .. } => ErrorKind::TeamAuth,
            Error::TeamConflict { .. } => ErrorKind::TeamConflict,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// True when the keychain itself is the problem (as opposed to one entry in it).
    pub fn is_keychain_down(&self) -> bool {
        matches!(
            self,
            Error::KeychainUnavailable { .. }
                | Error::KeychainLocked
                | Error::KeychainTimeout { .. }
                | Error::KeychainError { .. }
        )
    }

    /// True when the whole team vault is out of reach (as opposed to one entry in it).
    pub fn is_team_down(&self) -> bool {
        matches!(self, Error::TeamUnreachable { .. } | Error::TeamSealed { .. } | Error::TeamAuth { .. })
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload { kind: self.kind(), message: self.to_string(), field: self.field() }
    }
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        e.payload()
    }
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.payload().serialize(s)
    }
}

#[cfg(test)]
mod tests;
