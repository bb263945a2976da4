//! What Latchkey knows about each platform, and the seam for talking to it.
//!
//! The catalogue (defaults, secret forms, staleness period, where tokens are managed) is
//! data the UI and the CLI show. Live validation and revocation go through
//! [`PlatformAdapter`], one implementation per platform file, all sending through the one
//! [`http::HttpClient`] and its policy (timeouts, retries, redirects, HTTPS). [`adapter_for`]
//! gives the adapters on the shared client; [`Adapters::new`] builds a set on another client
//! (tests shorten the timeouts). `docs/platforms.md` lists each platform's verified contract.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde::Serialize;
use ts_rs::TS;
use url::Url;

use crate::error::{Error, Field, Result};
use crate::record::{Identity, Platform, TokenKind, TokenRecord, Validity};
use crate::secret::kinds_for;

mod common;
mod cvat;
mod encord;
pub mod encord_sign;
mod env0;
pub mod http;
mod other;
mod roboflow;
mod supervisely;

pub use other::CheckSettings;

/// Facts about a platform for forms and defaults.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PlatformInfo {
    pub id: Platform,
    pub name: String,
    /// Public server pre-filled in the form; `None` where the user must say (Other).
    #[ts(optional)]
    pub default_server: Option<String>,
    /// Whether self-hosted servers are common, so the form shows the server field up front.
    pub self_hosted: bool,
    /// Secret forms the platform uses, first is the default.
    pub kinds: Vec<TokenKind>,
    /// The platform's own staleness period, where it documents one (CVAT: 180 days by default,
    /// after which the server refuses and later deletes the token).
    #[ts(optional)]
    pub stale_after_days: Option<u32>,
    /// Short help shown under the secret field: where the user finds the token.
    pub where_to_find: String,
    /// Its API can make a token's successor, so Rotate does the whole change (`tokens/rotate.rs`).
    pub rotates_by_api: bool,
    /// Its API makes the successor only with the account's password (CVAT), so Rotate asks
    /// for it once (never stored).
    pub rotates_with_password: bool,
}

pub fn info(platform: Platform) -> PlatformInfo {
    let (server, self_hosted, stale, where_to_find): (Option<&str>, bool, Option<u32>, &str) = match platform {
        Platform::Supervisely => (
            Some("https://app.supervisely.com"),
            true,
            None,
            "Account settings → API token. Enterprise instances use their own server address.",
        ),
        // CVAT refuses personal access tokens unused for ACCESS_TOKEN_STALE_PERIOD, whose
        // default is 6 × 30 days (`cvat/apps/access_tokens/default_settings.py`; the user
        // docs still say a year). Self-hosted servers may set their own.
        Platform::Cvat => (
            Some("https://app.cvat.ai"),
            true,
            Some(CVAT_STALE_DAYS),
            "User settings → Security → Personal access tokens. Shown once when created.",
        ),
        Platform::Roboflow => (
            Some("https://api.roboflow.com"),
            false,
            None,
            "Settings → API Keys for the workspace: the Private API Key.",
        ),
        Platform::Encord => (
            Some("https://api.encord.com"),
            false,
            None,
            "The Ed25519 private key whose public key is registered under Settings → Public keys; or a project/dataset API key.",
        ),
        Platform::Env0 => (
            Some("https://api.env0.com"),
            false,
            None,
            "Organization settings → API Keys (or Personal settings → API Keys): key id and secret.",
        ),
        Platform::Other => (None, true, None, "Any API token. Give the server it belongs to, if any."),
    };
    PlatformInfo {
        id: platform,
        name: platform.name().to_string(),
        default_server: server.map(str::to_string),
        self_hosted,
        kinds: kinds_for(platform).to_vec(),
        stale_after_days: stale,
        where_to_find: where_to_find.to_string(),
        rotates_by_api: matches!(platform, Platform::Roboflow | Platform::Env0),
        rotates_with_password: platform == Platform::Cvat,
    }
}

/// CVAT's default `ACCESS_TOKEN_STALE_PERIOD`, in days.
pub const CVAT_STALE_DAYS: u32 = 6 * 30;

/// Whether the platform reports a token's last use, so that "no last use" from it means
/// "never used" (and its creation date starts the unused stretch).
pub fn reports_last_use(platform: Platform) -> bool {
    matches!(platform, Platform::Cvat | Platform::Env0)
}

/// Whether the platform itself stops accepting a token left unused for its staleness period
/// (CVAT), rather than only documenting the period.
pub fn drops_unused(platform: Platform) -> bool {
    platform == Platform::Cvat
}

pub fn catalogue() -> Vec<PlatformInfo> {
    Platform::ALL.into_iter().map(info).collect()
}

/// Check and normalise a server URL: absolute http(s), HTTPS unless it is this machine,
/// no credentials, query or fragment. Returns it without a trailing slash.
pub fn normalise_server_url(raw: &str) -> Result<String> {
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("https://{raw}") };
    let url = Url::parse(&with_scheme).map_err(|e| {
        Error::invalid_field(
            Field::ServerUrl,
            format!("“{raw}” is not a valid server address ({e}). Use the form https://host.example.com"),
        )
    })?;
    let host = url.host_str().ok_or_else(|| {
        Error::invalid_field(
            Field::ServerUrl,
            format!("“{raw}” has no host name. Use the form https://host.example.com"),
        )
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(Error::invalid_field(Field::ServerUrl, format!(
                "“{raw}” uses plain http. Tokens would cross the network unencrypted; use https:// (plain http is only allowed for this machine)."
            )))
        }
        other => return Err(Error::invalid_field(Field::ServerUrl, format!("“{other}” addresses are not supported; use https://"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_field(
            Field::ServerUrl,
            "Put no user name or password in the server address; the token is stored separately.",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_field(
            Field::ServerUrl,
            "The server address must not contain ? or #. Give only the base address.",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What validation learnt about a token. Holds no secret.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    pub validity: Validity,
    /// What the platform reported (fields it did not report are `None`/empty).
    pub identity: Option<Identity>,
    /// `None` when the platform does not report expiry at all.
    pub expiry: Option<PlatformExpiry>,
    /// The last use the platform reports.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When the platform says the token was created.
    pub created_at: Option<DateTime<Utc>>,
    /// Remarks worth showing next to the result ("the key is accepted, but …").
    pub notes: Vec<String>,
}

/// An expiry the platform reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformExpiry {
    At(DateTime<Utc>),
    /// The platform says the token does not expire.
    Never,
}

impl Validation {
    fn with(validity: Validity) -> Self {
        Validation { validity, identity: None, expiry: None, last_used_at: None, created_at: None, notes: vec![] }
    }
    pub fn valid() -> Self {
        Validation::with(Validity::Valid)
    }
    pub fn invalid(reason: impl Into<String>) -> Self {
        Validation::with(Validity::Invalid { reason: reason.into() })
    }
    pub fn cannot_check(reason: impl Into<String>) -> Self {
        Validation::with(Validity::CannotCheck { reason: reason.into() })
    }
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// How a token is revoked.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "how", rename_all = "snake_case")]
#[ts(export)]
pub enum RevokeOutcome {
    /// The platform's API revoked it.
    Revoked,
    /// Only the user can do it: open this page and follow the steps, then confirm.
    Guided {
        settings_url: String,
        steps: Vec<String>,
        /// Why the API could not do it, when it was tried ("the key is protected").
        #[ts(optional)]
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// A key the platform made to replace a token's own (rotation).
pub struct Successor {
    /// The keychain payload of the new key (as stored: for env0 the JSON key pair).
    pub payload: SecretString,
    /// The platform's id of the new key, to delete it if the rotation is undone.
    pub key_id: Option<String>,
    /// The platform's id of the old key, to revoke it with the new one.
    pub old_key_id: Option<String>,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One platform's live API. Every method takes the record (for its server URL) so that
/// self-hosted instances and the fake servers in tests are addressed the same way.
///
/// `secret` is always the keychain payload as stored (for env0 the JSON key pair, for an
/// Encord SSH key the PEM), not the copyable part.
///
/// `validate` answers `Ok` for every answer of the platform and for network trouble
/// (`Validity::CannotCheck` with the reason); `Err` only for local problems such as an
/// unreadable stored payload. `revoke` answers `Err(PlatformUnreachable)` when the platform
/// could not be asked, so nothing is marked revoked by mistake.
pub trait PlatformAdapter: Send + Sync {
    fn platform(&self) -> Platform;
    /// Ask the platform whether it accepts the token and what it knows about it.
    fn validate<'a>(&'a self, record: &'a TokenRecord, secret: &'a SecretString) -> BoxFuture<'a, Result<Validation>>;
    /// Revoke through the API where the token may revoke itself, else explain how.
    fn revoke<'a>(&'a self, record: &'a TokenRecord, secret: &'a SecretString) -> BoxFuture<'a, Result<RevokeOutcome>>;
    /// Environment variables the platform's SDK and CLI read, for `latchkey run`.
    fn env_vars(&self, record: &TokenRecord, secret: &SecretString) -> Result<Vec<(String, SecretString)>>;
    /// How many requests one validation makes in a row (to start the longest checks first).
    fn requests_per_check(&self) -> u32 {
        1
    }
    /// Rotation: make a new key like the token's own (same name pattern and scopes) through
    /// the API, authenticated by `secret`. `Ok(None)`: the platform's API cannot, the rotation
    /// is guided. `Err(CannotRotate)` when the platform refused.
    fn create_successor<'a>(
        &'a self,
        record: &'a TokenRecord,
        secret: &'a SecretString,
    ) -> BoxFuture<'a, Result<Option<Successor>>>;
    /// Rotation: delete the key `key_id` with `acting` (the new key revoking the old one, or
    /// the old key deleting a new one an undone rotation made).
    fn revoke_key<'a>(
        &'a self,
        record: &'a TokenRecord,
        acting: &'a SecretString,
        key_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome>>;
    /// Whether this platform's API makes and deletes keys only for a signed-in user, so a
    /// rotation needs the account's password (CVAT: a token may not manage tokens).
    fn rotates_with_password(&self) -> bool {
        false
    }
    /// Rotation with the account's password (`rotates_with_password`): like
    /// `create_successor`, the password authenticating the request. The password is only
    /// borrowed: never stored, logged or put in an error.
    fn create_successor_with_password<'a>(
        &'a self,
        record: &'a TokenRecord,
        secret: &'a SecretString,
        password: &'a SecretString,
    ) -> BoxFuture<'a, Result<Option<Successor>>>;
    /// Delete the key `key_id` with the account's password (`acting`, a working key of the
    /// same account, tells whose password it is).
    fn revoke_key_with_password<'a>(
        &'a self,
        record: &'a TokenRecord,
        acting: &'a SecretString,
        password: &'a SecretString,
        key_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome>>;
}

/// One platform's adapter as its file writes it; [`PlatformAdapter`] is made of it once, for
/// all of them (the platform, `validate` and `revoke` boxed, `env_vars` through the free
/// function `latchkey run` uses).
trait Adapter: Send + Sync {
    const PLATFORM: Platform;
    /// See [`PlatformAdapter::requests_per_check`].
    const REQUESTS_PER_CHECK: u32 = 1;
    /// See [`PlatformAdapter::validate`].
    fn check(&self, record: &TokenRecord, secret: &SecretString) -> impl Future<Output = Result<Validation>> + Send;
    /// See [`PlatformAdapter::revoke`].
    fn try_revoke(
        &self,
        record: &TokenRecord,
        secret: &SecretString,
    ) -> impl Future<Output = Result<RevokeOutcome>> + Send;
    /// See [`PlatformAdapter::create_successor`]; by default the API cannot.
    fn successor(
        &self,
        _record: &TokenRecord,
        _secret: &SecretString,
    ) -> impl Future<Output = Result<Option<Successor>>> + Send {
        async { Ok(None) }
    }
    /// See [`PlatformAdapter::revoke_key`]. Only called for a key `successor` made, so a
    /// platform without one never gets here.
    fn delete_key(
        &self,
        _record: &TokenRecord,
        _acting: &SecretString,
        _key_id: &str,
    ) -> impl Future<Output = Result<RevokeOutcome>> + Send {
        async { Err(Error::Internal(format!("{} keys cannot be deleted by id", Self::PLATFORM.name()))) }
    }
    /// See [`PlatformAdapter::rotates_with_password`].
    const NEEDS_PASSWORD: bool = false;
    /// See [`PlatformAdapter::create_successor_with_password`]; by default the password is
    /// not needed and the key makes its successor itself.
    fn successor_with_password(
        &self,
        record: &TokenRecord,
        secret: &SecretString,
        _password: &SecretString,
    ) -> impl Future<Output = Result<Option<Successor>>> + Send {
        self.successor(record, secret)
    }
    /// See [`PlatformAdapter::revoke_key_with_password`]; by default the acting key deletes.
    fn delete_key_with_password(
        &self,
        record: &TokenRecord,
        acting: &SecretString,
        _password: &SecretString,
        key_id: &str,
    ) -> impl Future<Output = Result<RevokeOutcome>> + Send {
        self.delete_key(record, acting, key_id)
    }
}

impl<T: Adapter> PlatformAdapter for T {
    fn platform(&self) -> Platform {
        T::PLATFORM
    }

    fn validate<'a>(&'a self, record: &'a TokenRecord, secret: &'a SecretString) -> BoxFuture<'a, Result<Validation>> {
        Box::pin(self.check(record, secret))
    }

    fn revoke<'a>(&'a self, record: &'a TokenRecord, secret: &'a SecretString) -> BoxFuture<'a, Result<RevokeOutcome>> {
        Box::pin(self.try_revoke(record, secret))
    }

    fn env_vars(&self, record: &TokenRecord, secret: &SecretString) -> Result<Vec<(String, SecretString)>> {
        platform_env_vars(T::PLATFORM, record, secret)
    }

    fn requests_per_check(&self) -> u32 {
        T::REQUESTS_PER_CHECK
    }

    fn create_successor<'a>(
        &'a self,
        record: &'a TokenRecord,
        secret: &'a SecretString,
    ) -> BoxFuture<'a, Result<Option<Successor>>> {
        Box::pin(self.successor(record, secret))
    }

    fn revoke_key<'a>(
        &'a self,
        record: &'a TokenRecord,
        acting: &'a SecretString,
        key_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome>> {
        Box::pin(self.delete_key(record, acting, key_id))
    }

    fn rotates_with_password(&self) -> bool {
        T::NEEDS_PASSWORD
    }

    fn create_successor_with_password<'a>(
        &'a self,
        record: &'a TokenRecord,
        secret: &'a SecretString,
        password: &'a SecretString,
    ) -> BoxFuture<'a, Result<Option<Successor>>> {
        Box::pin(self.successor_with_password(record, secret, password))
    }

    fn revoke_key_with_password<'a>(
        &'a self,
        record: &'a TokenRecord,
        acting: &'a SecretString,
        password: &'a SecretString,
        key_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome>> {
        Box::pin(self.delete_key_with_password(record, acting, password, key_id))
    }
}

/// One adapter per platform, all on the same HTTP client.
pub struct Adapters {
    supervisely: supervisely::Supervisely,
    cvat: cvat::Cvat,
    roboflow: roboflow::Roboflow,
    encord: encord::Encord,
    env0: env0::Env0,
    other: other::Other,
}

impl Adapters {
    pub fn new(http: http::HttpClient) -> Self {
        Adapters {
            supervisely: supervisely::Supervisely { http: http.clone() },
            cvat: cvat::Cvat { http: http.clone() },
            roboflow: roboflow::Roboflow { http: http.clone() },
            encord: encord::Encord { http: http.clone() },
            env0: env0::Env0 { http: http.clone() },
            other: other::Other { http },
        }
    }

    pub fn get(&self, platform: Platform) -> &dyn PlatformAdapter {
        match platform {
            Platform::Supervisely => &self.supervisely,
            Platform::Cvat => &self.cvat,
            Platform::Roboflow => &self.roboflow,
            Platform::Encord => &self.encord,
            Platform::Env0 => &self.env0,
            Platform::Other => &self.other,
        }
    }

    /// The adapters on the process-wide client ([`http::shared`]).
    pub fn shared() -> Result<&'static Adapters> {
        static SHARED: OnceLock<std::result::Result<Adapters, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| http::shared().map(|c| Adapters::new(c.clone())))
            .as_ref()
            .map_err(|e| Error::Internal(e.clone()))
    }
}

/// The adapter for `platform` on the shared HTTP client.
pub fn adapter_for(platform: Platform) -> Result<&'static dyn PlatformAdapter> {
    Ok(Adapters::shared()?.get(platform))
}

/// The variables `latchkey run` exports for `record` (see each platform's `env_vars`): the
/// same as [`PlatformAdapter::env_vars`], without building the HTTP client (loading the
/// system's root certificates would cost every `latchkey run` some 20 ms).
pub fn env_vars(record: &TokenRecord, secret: &SecretString) -> Result<Vec<(String, SecretString)>> {
    platform_env_vars(record.platform, record, secret)
}

/// `platform`'s variables for `record` (the adapter's own platform, for [`PlatformAdapter::env_vars`]).
fn platform_env_vars(
    platform: Platform,
    record: &TokenRecord,
    secret: &SecretString,
) -> Result<Vec<(String, SecretString)>> {
    match platform {
        Platform::Supervisely => supervisely::env_vars(record, secret),
        Platform::Cvat => cvat::env_vars(record, secret),
        Platform::Roboflow => roboflow::env_vars(record, secret),
        Platform::Encord => encord::env_vars(record, secret),
        Platform::Env0 => env0::env_vars(record, secret),
        Platform::Other => other::env_vars(record, secret),
    }
}

/// The unused period after which the platform itself treats a token as stale, if documented.
pub fn documented_stale_period(platform: Platform) -> Option<Duration> {
    info(platform).stale_after_days.map(|d| Duration::days(d.into()))
}

/// The staleness period of `record`'s server: the per-server override where the platform
/// has one (CVAT's `ACCESS_TOKEN_STALE_PERIOD`), else the documented period.
pub fn server_stale_period(record: &TokenRecord) -> Option<Duration> {
    match record.stale_period_days {
        Some(days) if drops_unused(record.platform) => Some(Duration::days(days.into())),
        _ => documented_stale_period(record.platform),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_normalised() {
        assert_eq!(normalise_server_url("https://app.cvat.ai/").unwrap(), "https://app.cvat.ai");
        assert_eq!(normalise_server_url("cvat.example.org").unwrap(), "https://cvat.example.org");
        assert_eq!(normalise_server_url("https://sly.example.org/base/").unwrap(), "https://sly.example.org/base");
        assert_eq!(normalise_server_url("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(normalise_server_url("http://localhost:9").unwrap(), "http://localhost:9");
        assert_eq!(normalise_server_url("http://[::1]:9").unwrap(), "http://[::1]:9");
        for bad in [
            "http://cvat.example.org",
            "ftp://x.org",
            "https://",
            "not a url at all",
            "https://u:p@x.org",
            "https://x.org/?a=1",
        ] {
            let e = normalise_server_url(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { .. }), "{bad}: {e}");
        }
    }

    #[test]
    fn catalogue_covers_every_platform_with_sane_defaults() {
        let cat = catalogue();
        assert_eq!(cat.len(), Platform::ALL.len());
        for p in &cat {
            if let Some(s) = &p.default_server {
                assert_eq!(&normalise_server_url(s).unwrap(), s);
            }
            assert!(!p.kinds.is_empty());
        }
        assert_eq!(documented_stale_period(Platform::Cvat), Some(Duration::days(180)));
        assert_eq!(documented_stale_period(Platform::Roboflow), None);
    }
}
