//! KV v2 over HTTP: paths, the Vault token header, and errors worded for people.
//!
//! The token only ever goes into the `X-Vault-Token` header (marked sensitive); errors name
//! the vault's address, the KV path and the operation, never the token. Requests go through
//! core's HTTP client (rustls, 5 s connect / 15 s per request, no redirect to another host,
//! https except for this machine) with no retries: a 503 means "sealed" and is asked about
//! at once.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderName;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use url::Url;

use super::TeamVaultConfig;
use crate::error::{Error, Result};
use crate::platforms::http::{HeaderCredential, HttpClient, HttpConfig, HttpError, Request, Response};

/// What was done on a path, for "your policy does not allow <op> on <path>".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Read,
    Write,
    List,
    Delete,
    Destroy,
}

impl Op {
    fn verb(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Write => "write",
            Op::List => "list",
            Op::Delete => "delete",
            Op::Destroy => "destroy",
        }
    }
}

/// One version of an entry: its data, version number and when it was written.
#[derive(Debug)]
pub(super) struct Versioned {
    pub data: Value,
    pub version: u64,
    pub created: DateTime<Utc>,
}

/// The answer to a check-and-set write.
#[derive(Debug)]
pub(super) enum Written {
    Ok {
        version: u64,
        created: DateTime<Utc>,
    },
    /// The entry is not at the version the write was based on.
    Conflict,
}

/// One team vault's connection. The token only ever goes into the `X-Vault-Token` header.
pub(super) struct Kv {
    config: TeamVaultConfig,
    token: SecretString,
    http: HttpClient,
}

fn team_http() -> Result<HttpClient> {
    static CLIENT: OnceLock<std::result::Result<HttpClient, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| HttpClient::new(HttpConfig { retries: 0, ..HttpConfig::default() }))
        .clone()
        .map_err(Error::Internal)
}

impl Kv {
    pub(super) fn new(config: TeamVaultConfig, token: SecretString) -> Result<Kv> {
        // Re-check what may have been edited in the index file by hand.
        let address = super::normalise_address(&config.address)?;
        if address != config.address {
            return Err(Error::invalid(format!(
                "The team vault address “{}” is not in its usual form.",
                config.address
            )));
        }
        Ok(Kv { config, token, http: team_http()? })
    }

    pub(super) fn config(&self) -> &TeamVaultConfig {
        &self.config
    }

    /// `<mount>/<prefix>/<rel>` (or the prefix itself for an empty `rel`), for messages.
    pub(super) fn path(&self, rel: &str) -> String {
        let base = format!("{}/{}", self.config.mount, self.config.prefix);
        if rel.is_empty() {
            base
        } else {
            format!("{base}/{rel}")
        }
    }

    fn url(&self, api: &str, rel: &str) -> Result<Url> {
        let tail = if rel.is_empty() { String::new() } else { format!("/{rel}") };
        let raw = format!("{}/v1/{}/{api}/{}{tail}", self.config.address, self.config.mount, self.config.prefix);
        Url::parse(&raw).map_err(|_| Error::Internal("a team vault address could not be formed".into()))
    }

    fn sys_url(&self, path: &str) -> Result<Url> {
        Url::parse(&format!("{}/v1/{path}", self.config.address))
            .map_err(|_| Error::Internal("a team vault address could not be formed".into()))
    }

    /// Send with the Vault token; transport failures and a sealed server become team errors.
    async fn send(&self, method: Method, url: Url, body: Option<Value>) -> Result<Response> {
        let mut request = Request::new(method, url);
        if let Some(b) = &body {
            request = request.with_json(b);
        }
        let credential = HeaderCredential { name: HeaderName::from_static("x-vault-token"), value: self.token.clone() };
        match self.http.send(&request, &credential).await {
            Ok(r) => Ok(r),
            Err(HttpError::Server { status: 503 | 501, .. }) => Err(self.why_unavailable().await),
            Err(e) => Err(self.unreachable(&e)),
        }
    }

    fn unreachable(&self, e: &HttpError) -> Error {
        let reason = match e {
            HttpError::Server { status, .. } => format!("it answered with a server error ({status})"),
            HttpError::RateLimited { .. } => "it is rate limiting requests (429); try again later".into(),
            other => other.to_string(),
        };
        Error::TeamUnreachable { address: self.config.address.clone(), reason }
    }

    /// After a 503/501: ask `sys/health` (no token needed) whether the vault is sealed.
    async fn why_unavailable(&self) -> Error {
        match self.health().await {
            Err(e) => e,
            Ok(()) => Error::TeamUnreachable {
                address: self.config.address.clone(),
                reason: "it answered 503 (unavailable) but reports itself healthy; try again in a moment".into(),
            },
        }
    }

    /// `sys/health`: 200 (active, or standby with `standbyok`), 501 not initialised, 503 sealed.
    pub(super) async fn health(&self) -> Result<()> {
        let url = self.sys_url("sys/health?standbyok=true&perfstandbyok=true")?;
        let request = Request::new(Method::GET, url);
        let address = self.config.address.clone();
        match self.http.send(&request, &crate::platforms::http::NoCredential).await {
            Ok(r) if r.status.is_success() => Ok(()),
            Ok(r) => Err(Error::TeamUnreachable {
                address,
                reason: format!("its health check answered {}", r.status.as_u16()),
            }),
            Err(HttpError::Server { status: 503, .. }) => Err(Error::TeamSealed { address, state: "sealed".into() }),
            Err(HttpError::Server { status: 501, .. }) => {
                Err(Error::TeamSealed { address, state: "not initialised".into() })
            }
            Err(e) => Err(self.unreachable(&e)),
        }
    }

    /// `auth/token/lookup-self`: is the Vault token valid at all?
    pub(super) async fn lookup_self(&self) -> Result<()> {
        let r = self.send(Method::GET, self.sys_url("auth/token/lookup-self")?, None).await?;
        match r.status {
            s if s.is_success() => Ok(()),
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => {
                Err(Error::TeamAuth { address: self.config.address.clone() })
            }
            s => Err(self.unexpected(s, &r, "check the Vault token", "auth/token/lookup-self")),
        }
    }

    /// A 403 on `rel`: the token is bad (TeamAuth), or its policy denies `op` there.
    pub(super) async fn denied(&self, op: Op, rel: &str) -> Error {
        match self.lookup_self().await {
            Err(e) => e,
            Ok(()) => self.denied_here(op, rel),
        }
    }

    /// A 403 on `rel` when the token is known to be valid.
    fn denied_here(&self, op: Op, rel: &str) -> Error {
        Error::TeamDenied { address: self.config.address.clone(), op: op.verb().into(), path: self.path(rel) }
    }

    fn garbled(&self, what: &str, path: &str) -> Error {
        Error::TeamUnreachable {
            address: self.config.address.clone(),
            reason: format!(
                "its answer to “{what}” on {path} was not the JSON a KV v2 mount sends (cut off, or not a Vault)"
            ),
        }
    }

    fn unexpected(&self, status: StatusCode, r: &Response, what: &str, path: &str) -> Error {
        let detail = server_errors(r);
        Error::TeamUnreachable {
            address: self.config.address.clone(),
            reason: format!("it answered {} to “{what}” on {path}{detail}", status.as_u16()),
        }
    }

    /// The newest version of `<rel>`; `None` when there is none (or it was deleted/destroyed).
    pub(super) async fn read(&self, rel: &str) -> Result<Option<Versioned>> {
        let r = self.send(Method::GET, self.url("data", rel)?, None).await?;
        match r.status {
            s if s.is_success() => {
                let body: Value = r.json().ok_or_else(|| self.garbled("read", &self.path(rel)))?;
                let data = body["data"]["data"].clone();
                let meta = &body["data"]["metadata"];
                let version = meta["version"].as_u64().unwrap_or(0);
                if data.is_null() || version == 0 {
                    return Ok(None);
                }
                Ok(Some(Versioned { data, version, created: time(&meta["created_time"]) }))
            }
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::FORBIDDEN => Err(self.denied(Op::Read, rel).await),
            s => Err(self.unexpected(s, &r, "read", &self.path(rel))),
        }
    }

    /// Write `data` to `<rel>` if it is still at version `cas` (0: it must not exist yet).
    pub(super) async fn write(&self, rel: &str, data: Value, cas: u64) -> Result<Written> {
        let body = json!({ "options": { "cas": cas }, "data": data });
        let r = self.send(Method::POST, self.url("data", rel)?, Some(body)).await?;
        match r.status {
            s if s.is_success() => {
                let body: Value = r.json().unwrap_or(Value::Null);
                let version = body["data"]["version"].as_u64().unwrap_or(cas + 1);
                Ok(Written::Ok { version, created: time(&body["data"]["created_time"]) })
            }
            StatusCode::BAD_REQUEST if server_errors(&r).contains("check-and-set") => Ok(Written::Conflict),
            StatusCode::FORBIDDEN => Err(self.denied(Op::Write, rel).await),
            s => Err(self.unexpected(s, &r, "write", &self.path(rel))),
        }
    }

    /// The names directly under the prefix (`<uuid>/` for each token); empty when none.
    pub(super) async fn list(&self) -> Result<Vec<String>> {
        let r = self.send(Method::GET, self.url("metadata", "?list=true")?, None).await?;
        match r.status {
            s if s.is_success() => {
                // A cut-off or foreign answer must not read as "no tokens".
                let body: Value = r.json().ok_or_else(|| self.garbled("list", &self.path("")))?;
                Ok(body["data"]["keys"]
                    .as_array()
                    .map(|keys| keys.iter().filter_map(|k| k.as_str().map(str::to_string)).collect())
                    .unwrap_or_default())
            }
            StatusCode::NOT_FOUND => Ok(vec![]),
            StatusCode::FORBIDDEN => Err(self.denied(Op::List, "").await),
            s => Err(self.unexpected(s, &r, "list", &self.path(""))),
        }
    }

    /// The versions of `<rel>` not yet destroyed; `None` when the entry does not exist.
    pub(super) async fn live_versions(&self, rel: &str) -> Result<Option<Vec<u64>>> {
        let r = self.send(Method::GET, self.url("metadata", rel)?, None).await?;
        match r.status {
            s if s.is_success() => {
                let body: Value = r.json().unwrap_or(Value::Null);
                let versions = body["data"]["versions"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(_, v)| v["destroyed"].as_bool() != Some(true))
                            .filter_map(|(k, _)| k.parse().ok())
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(Some(versions))
            }
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::FORBIDDEN => Err(self.denied(Op::Read, &format!("{rel} (metadata)")).await),
            s => Err(self.unexpected(s, &r, "read metadata", &self.path(rel))),
        }
    }

    /// Destroy these versions of `<rel>` for good (their metadata stays).
    pub(super) async fn destroy(&self, rel: &str, versions: &[u64]) -> Result<()> {
        if versions.is_empty() {
            return Ok(());
        }
        let r = self.send(Method::PUT, self.url("destroy", rel)?, Some(json!({ "versions": versions }))).await?;
        match r.status {
            s if s.is_success() => Ok(()),
            StatusCode::FORBIDDEN => Err(self.denied(Op::Destroy, rel).await),
            s => Err(self.unexpected(s, &r, "destroy", &self.path(rel))),
        }
    }

    /// Delete `<rel>` with all its versions and metadata. Succeeds when it did not exist.
    pub(super) async fn delete_all(&self, rel: &str) -> Result<()> {
        let r = self.send(Method::DELETE, self.url("metadata", rel)?, None).await?;
        match r.status {
            s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
            StatusCode::FORBIDDEN => Err(self.denied(Op::Delete, rel).await),
            s => Err(self.unexpected(s, &r, "delete", &self.path(rel))),
        }
    }
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

/// The server's `errors` list, as ": a; b" (Vault's messages name paths, never tokens).
fn server_errors(r: &Response) -> String {
    let body: Value = r.json().unwrap_or(Value::Null);
    let errors: Vec<String> = body["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e.as_str()).map(|e| e.chars().take(200).collect()).collect())
        .unwrap_or_default();
    if errors.is_empty() {
        String::new()
    } else {
        format!(": {}", errors.join("; "))
    }
}
