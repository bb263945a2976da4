//! CVAT: a Personal Access Token (`[A-Za-z0-9]{8}.[A-Za-z0-9]{32}`) sent as a Bearer token.
//!
//! Verified in cvat-ai/cvat:
//! - `cvat/apps/access_tokens/authentication.py`: `TokenAuthentication` with keyword `Bearer`;
//!   an unknown, revoked, expired or stale token fails with "Invalid token." (DRF → 401).
//! - `cvat/apps/access_tokens/urls.py` + `views.py`: `GET /api/auth/access_tokens/self`
//!   ("Get current token details", token authentication only) answers the token itself.
//! - `cvat/apps/access_tokens/serializers.py` `AccessTokenReadSerializer`: id, name,
//!   created_date, updated_date, expiry_date (null = never), last_used_date (resolution ~1 day),
//!   read_only, owner (BasicUserSerializer: url, id, username, first_name, last_name).
//! - `cvat/apps/access_tokens/models.py`: a token whose `last_used_date` (else its creation)
//!   is older than `ACCESS_TOKEN_STALE_PERIOD` is stale and stops working
//!   (`AccessToken.is_stale`); authenticating updates `last_used_date`, at most every 2 h.
//!   `default_settings.py`: the period is `CVAT_ACCESS_TOKEN_STALE_PERIOD` seconds, default
//!   6 × 30 days; `cron.py` deletes stale tokens later.
//! - Token-authenticated clients may not modify tokens (models.py comment, and the docs), so
//!   revocation is guided: user settings → Security (`cvat-ui/.../profile-page.tsx`, tab
//!   `#security`).
//! - `cvat-cli/src/cvat_cli/_internal/common.py`: env var `CVAT_ACCESS_TOKEN`; the server is a
//!   command-line option (`--server-host`), not an environment variable.

use chrono::{DateTime, Utc};
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;

use super::common::{cannot, endpoint, guided, parse_time, server, unexpected};
use super::http::{HeaderCredential, HttpClient, Request};
use super::{Adapter, PlatformExpiry, RevokeOutcome, Validation};
use crate::error::Result;
use crate::record::{Identity, Platform, TokenRecord};

pub struct Cvat {
    pub(super) http: HttpClient,
}

#[derive(Deserialize)]
struct TokenInfo {
    name: Option<String>,
    created_date: Option<String>,
    expiry_date: Option<String>,
    last_used_date: Option<String>,
    read_only: Option<bool>,
    owner: Option<Owner>,
}

#[derive(Deserialize)]
struct Owner {
    username: Option<String>,
}

impl Adapter for Cvat {
    const PLATFORM: Platform = Platform::Cvat;

    async fn check(&self, record: &TokenRecord, secret: &SecretString) -> Result<Validation> {
        let server = server(record)?;
        let req = Request::new(Method::GET, endpoint(&server, "/api/auth/access_tokens/self")?);
        let resp = match self.http.send(&req, &HeaderCredential::bearer(secret)).await {
            Ok(r) => r,
            Err(e) => return Ok(cannot(e)),
        };
        Ok(match resp.status.as_u16() {
            200 => match resp.json::<TokenInfo>() {
                Some(t) => described(t),
                None => unexpected(Platform::Cvat, &server, &resp),
            },
            401 | 403 => Validation::invalid(format!(
                "CVAT refused the token (HTTP {}): it was revoked, has expired, or was removed after a year unused.",
                resp.status.as_u16()
            )),
            404 => Validation::cannot_check(
                "This CVAT server has no personal access token API (it may be older than the version that added tokens).",
            ),
            _ => unexpected(Platform::Cvat, &server, &resp),
        })
    }

    async fn try_revoke(&self, record: &TokenRecord, _secret: &SecretString) -> Result<RevokeOutcome> {
        Ok(guided(
            format!("{}/profile#security", server(record)?),
            &[
                "Sign in to CVAT and open your user settings (Security section).",
                "Under Personal Access Tokens, press “Revoke” next to this token and confirm.",
            ],
            Some("CVAT does not let a token revoke itself.".into()),
        ))
    }
}

fn described(t: TokenInfo) -> Validation {
    let read_only = t.read_only;
    let mut v = Validation::valid().identity(Identity {
        owner: t.owner.and_then(|o| o.username),
        read_only,
        scopes: match read_only {
            Some(true) => vec!["read-only".into()],
            Some(false) => vec!["read-write".into()],
            None => vec![],
        },
        ..Default::default()
    });
    let expiry: Option<DateTime<Utc>> = t.expiry_date.as_deref().and_then(parse_time);
    v.expiry = Some(expiry.map(PlatformExpiry::At).unwrap_or(PlatformExpiry::Never));
    v.last_used_at = t.last_used_date.as_deref().and_then(parse_time);
    v.created_at = t.created_date.as_deref().and_then(parse_time);
    if let Some(name) = t.name.filter(|n| !n.trim().is_empty()) {
        v.notes.push(format!("CVAT knows this token as “{name}”."));
    }
    v
}

/// `CVAT_ACCESS_TOKEN` (cvat-cli `_internal/common.py`). The server is passed to cvat-cli
/// with `--server-host`; no variable exists for it.
/// (A free function: `latchkey run` needs no HTTP client.)
pub(super) fn env_vars(_record: &TokenRecord, secret: &SecretString) -> Result<Vec<(String, SecretString)>> {
    Ok(vec![("CVAT_ACCESS_TOKEN".into(), secret.clone())])
}
