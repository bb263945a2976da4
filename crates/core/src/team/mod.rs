//! Team vaults: tokens shared through an OpenBao or HashiCorp Vault KV v2 mount.
//!
//! Layout, per token (its UUID), under `<mount>` and `<prefix>`:
//! - `<prefix>/<uuid>/meta` — the record's non-secret fields (a [`TokenRecord`] as JSON,
//!   without what is per machine: last use here, alerts shown here, journal marks);
//! - `<prefix>/<uuid>/secret` — `{"secret": "<the payload the keychain holds for a local token>"}`.
//!
//! Every write uses KV v2 check-and-set (`options.cas`), so two members editing at once get
//! [`Error::TeamConflict`], never a silent overwrite. Only the KV v2 HTTP API, `sys/health`
//! and `auth/token/lookup-self` are used, so OpenBao and HashiCorp Vault both work.
//!
//! [`TeamClient`] is the remote side (async); the local side — which team vaults this
//! machine knows, and their Vault tokens in the keychain — is in `vault/team.rs`.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;
use uuid::Uuid;

use crate::error::{Error, ErrorPayload, Field, Result};
use crate::record::TokenRecord;

mod blocking;
mod client;
mod edit;
mod kv;
mod rotate;
#[cfg(test)]
mod tests;

pub use client::TeamClient;
pub use rotate::TeamRotation;

/// The default KV v2 mount and path prefix.
pub const DEFAULT_MOUNT: &str = "secret";
pub const DEFAULT_PREFIX: &str = "latchkey";
const NAME_MAX: usize = 80;
const PATH_MAX: usize = 200;
const TOKEN_MAX: usize = 4096;

/// A team vault this machine is connected to (persisted in the settings; no secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TeamVaultConfig {
    pub id: Uuid,
    /// What the user calls it ("Platform team").
    pub name: String,
    /// `https://vault.example:8200` (plain http for this machine only), no trailing slash.
    pub address: String,
    /// KV v2 mount, without slashes at either end (default `secret`).
    pub mount: String,
    /// Path prefix under the mount, without slashes at either end (default `latchkey`).
    pub prefix: String,
}

/// What the "Add team vault" form (or `latchkey team add`) gives.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct NewTeamVault {
    pub name: String,
    pub address: String,
    #[serde(default)]
    #[ts(optional)]
    pub mount: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub prefix: Option<String>,
    /// The Vault token (kept in the OS keychain, redacted in Debug).
    #[ts(type = "string")]
    pub token: SecretString,
}

/// One token of a team vault: an ordinary record (its `id` is the UUID in the KV path).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TeamToken {
    pub vault_id: Uuid,
    pub record: TokenRecord,
    /// The KV version of `…/meta` this record was read at: pass it back as `expected_version`.
    #[ts(type = "number")]
    pub version: u64,
    /// When that version was written.
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

/// A team vault's tokens, and the entries that could not be read (each with its reason).
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct TeamListing {
    pub tokens: Vec<TeamToken>,
    pub problems: Vec<TeamProblem>,
}

/// One entry of a team vault that could not be read (a 403 on its path, say).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TeamProblem {
    /// The KV path, e.g. `secret/latchkey/<uuid>/meta`.
    pub path: String,
    pub error: ErrorPayload,
}

impl TeamVaultConfig {
    /// Check and normalise what the form gave: a name, an https address (plain http only for
    /// this machine), a mount and prefix made of safe path segments, and a plausible token.
    pub fn from_new(new: &NewTeamVault) -> Result<(TeamVaultConfig, SecretString)> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(Error::invalid_field(Field::TeamName, "Give the team vault a name, such as “Platform team”."));
        }
        if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
            return Err(Error::invalid_field(
                Field::TeamName,
                format!("Keep the team vault's name under {NAME_MAX} characters, on one line."),
            ));
        }
        let address = normalise_address(&new.address)?;
        let mount = clean_path(Field::TeamMount, "mount", new.mount.as_deref().unwrap_or(""), DEFAULT_MOUNT)?;
        let prefix = clean_path(Field::TeamPrefix, "path prefix", new.prefix.as_deref().unwrap_or(""), DEFAULT_PREFIX)?;
        let token = new.token.expose_secret().trim();
        if token.is_empty() {
            return Err(Error::invalid_field(
                Field::TeamToken,
                "Paste the Vault token Latchkey should use for this team vault.",
            ));
        }
        if token.len() > TOKEN_MAX || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_field(
                Field::TeamToken,
                "That does not look like a Vault token: it must be one line without spaces.",
            ));
        }
        let config = TeamVaultConfig { id: Uuid::new_v4(), name: name.to_string(), address, mount, prefix };
        Ok((config, SecretString::from(token.to_string())))
    }

    /// Where this vault's entries live: `<mount>/<prefix>`, for messages.
    pub fn location(&self) -> String {
        format!("{}/{}", self.mount, self.prefix)
    }
}

/// `https://host[:port][/path]` without a trailing slash; plain http only for this machine;
/// no credentials, query or fragment in it.
pub fn normalise_address(raw: &str) -> Result<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::invalid_field(
            Field::TeamAddress,
            "Enter the team vault's address, such as https://vault.example.com:8200.",
        ));
    }
    let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("https://{raw}") };
    let url = Url::parse(&with_scheme).map_err(|_| {
        Error::invalid_field(
            Field::TeamAddress,
            "That is not a valid address; use one like https://vault.example.com:8200.",
        )
    })?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_field(
            Field::TeamAddress,
            "The address needs a host name, such as https://vault.example.com:8200.",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_field(
            Field::TeamAddress,
            "Leave user names and passwords out of the address; the Vault token goes in its own field.",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_field(Field::TeamAddress, "The address must not contain ? or # parts."));
    }
    match url.scheme() {
        "https" => {}
        "http" if crate::platforms::http::is_loopback_url(&url) => {}
        "http" => {
            return Err(Error::invalid_field(
                Field::TeamAddress,
                "Use https:// for the team vault; plain http is allowed only for this machine (127.0.0.1, localhost).",
            ))
        }
        other => {
            return Err(Error::invalid_field(
                Field::TeamAddress,
                format!("“{other}” addresses are not supported; use https://."),
            ))
        }
    }
    let mut out = url.to_string();
    while out.ends_with('/') {
        out.pop();
    }
    Ok(out)
}

/// A mount or prefix: segments of letters, digits, `-`, `_` and `.`, joined by `/`; slashes
/// at either end dropped; empty means `default`.
fn clean_path(field: Field, what: &str, raw: &str, default: &str) -> Result<String> {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(default.to_string());
    }
    let ok_segment = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if trimmed.len() > PATH_MAX || !trimmed.split('/').all(ok_segment) {
        return Err(Error::invalid_field(
            field,
            format!(
                "The {what} “{}” is not usable: use letters, digits, - _ . and / between parts (such as team/ml).",
                trimmed.chars().take(PATH_MAX).collect::<String>()
            ),
        ));
    }
    Ok(trimmed.to_string())
}
