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
//! - Rotation (`views.py` `AccessTokensViewSet`, `serializers.py` `AccessTokenWriteSerializer`):
//!   `POST /api/auth/access_tokens` with `{name, expiry_date (null = never), read_only}`
//!   answers 201 with the read serializer plus `value`, the raw token, returned only once;
//!   `DELETE /api/auth/access_tokens/{id}` revokes (204; `get_queryset` holds usable tokens
//!   only, so a revoked one is 404). `rules/access_tokens.rego` lets a user create and delete
//!   their own tokens, but `rules/access_token_plugin.access_tokens.rego` allows a
//!   token-authenticated client only `list` and `view`: creating and deleting needs the
//!   user's own credentials, HTTP Basic with username and password (the access tokens docs
//!   list Basic among CVAT's authentication options). The username is the token's
//!   `owner.username` from `/self`; the new token keeps `read_only` and the old one's
//!   lifetime (`expiry_date` − `created_date`).
//! - `cvat-cli/src/cvat_cli/_internal/common.py`: env var `CVAT_ACCESS_TOKEN`; the server is a
//!   command-line option (`--server-host`), not an environment variable.

use chrono::{DateTime, Utc};
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;

use super::common::{cannot, endpoint, guided, parse_time, server, successor_name, unexpected, unreachable};
use super::http::{BasicCredential, HeaderCredential, HttpClient, Request};
use super::{Adapter, PlatformExpiry, RevokeOutcome, Successor, Validation};
use crate::error::{Error, Result};
use crate::record::{Identity, Platform, TokenRecord};

pub struct Cvat {
    pub(super) http: HttpClient,
}

#[derive(Deserialize)]
struct TokenInfo {
    #[serde(default)]
    id: Option<serde_json::Value>,
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
        revoke_guide(record, "CVAT does not let a token revoke itself.")
    }

    const NEEDS_PASSWORD: bool = true;

    /// Without the password a token cannot delete tokens (an undone or finished rotation).
    async fn delete_key(&self, record: &TokenRecord, _acting: &SecretString, _key_id: &str) -> Result<RevokeOutcome> {
        revoke_guide(
            record,
            "CVAT only lets a signed-in user delete tokens: rotate again with your CVAT password (`--password-stdin`, or the app's Rotate form), or revoke it on the website.",
        )
    }

    async fn successor_with_password(
        &self,
        record: &TokenRecord,
        secret: &SecretString,
        password: &SecretString,
    ) -> Result<Option<Successor>> {
        let server = server(record)?;
        let (me, user) = self.whose(&server, secret).await?.map_err(refused)?;
        let now = Utc::now();
        let expiry =
            match (me.expiry_date.as_deref().and_then(parse_time), me.created_date.as_deref().and_then(parse_time)) {
                (Some(until), Some(from)) if until > from => Some(now + (until - from)),
                _ => None,
            };
        let old_name = me.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| record.label.clone());
        let body = serde_json::json!({
            "name": successor_name(&old_name, now),
            "expiry_date": expiry.map(|e| e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "read_only": me.read_only.unwrap_or(false),
        });
        let req = Request::new(Method::POST, endpoint(&server, "/api/auth/access_tokens")?).with_json(&body).once();
        let login = BasicCredential { user, password: password.clone() };
        let resp = self.http.send(&req, &login).await.map_err(|e| unreachable(Platform::Cvat, e))?;
        match resp.status.as_u16() {
            200..=299 => {}
            401 => return Err(refused(WRONG_PASSWORD.into())),
            403 => {
                return Err(refused(
                    "HTTP 403: CVAT would not let this account create a token (a token-authenticated client never may; the account itself may lack the permission)."
                        .into(),
                ))
            }
            400 => {
                return Err(refused(
                    "HTTP 400: CVAT would not make the token (the account may have reached its limit of Personal Access Tokens: revoke an unused one on the website)."
                        .into(),
                ))
            }
            s => return Err(refused(format!("HTTP {s}."))),
        }
        let created = resp.json::<Created>().filter(|c| !c.value.is_empty()).ok_or_else(|| {
            refused("its answer had no token in it. If a new token appears under Security in your CVAT settings, revoke it there.".into())
        })?;
        Ok(Some(Successor {
            payload: SecretString::from(created.value),
            key_id: created.id.as_ref().map(id_text),
            old_key_id: me.id.as_ref().map(id_text),
        }))
    }

    async fn delete_key_with_password(
        &self,
        record: &TokenRecord,
        acting: &SecretString,
        password: &SecretString,
        key_id: &str,
    ) -> Result<RevokeOutcome> {
        let server = server(record)?;
        let user = match self.whose(&server, acting).await? {
            Ok((_, user)) => user,
            Err(why) => return revoke_guide(record, &why),
        };
        if key_id.is_empty() || !key_id.chars().all(|c| c.is_ascii_digit()) {
            return revoke_guide(record, "CVAT's id for the token is not a number.");
        }
        let req = Request::new(Method::DELETE, endpoint(&server, &format!("/api/auth/access_tokens/{key_id}"))?);
        let login = BasicCredential { user, password: password.clone() };
        let resp = self.http.send(&req, &login).await.map_err(|e| unreachable(Platform::Cvat, e))?;
        match resp.status.as_u16() {
            // 404: no usable token has that id any more (revoked, expired or removed).
            200..=299 | 404 => Ok(RevokeOutcome::Revoked),
            401 => revoke_guide(record, WRONG_PASSWORD),
            s => revoke_guide(record, &format!("CVAT did not revoke the token (HTTP {s}).")),
        }
    }
}

const WRONG_PASSWORD: &str = "CVAT refused the username and password (HTTP 401): the password is wrong, or the account signs in only through SSO and has none. For an SSO account, make the new token on CVAT's website (Settings → Security) and give it to `latchkey rotate --new-secret`.";

fn refused(reason: String) -> Error {
    Error::CannotRotate { platform: "CVAT".into(), reason }
}

/// The token `POST /api/auth/access_tokens` made: `value` is its secret, shown once.
#[derive(Deserialize)]
struct Created {
    id: Option<serde_json::Value>,
    #[serde(default)]
    value: String,
}

/// CVAT's token ids are numbers; kept as text like other platforms' key ids.
fn id_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn revoke_guide(record: &TokenRecord, note: &str) -> Result<RevokeOutcome> {
    Ok(guided(
        format!("{}/profile#security", server(record)?),
        &[
            "Sign in to CVAT and open your user settings (Security section).",
            "Under Personal Access Tokens, press “Revoke” next to this token and confirm.",
        ],
        Some(note.into()),
    ))
}

impl Cvat {
    /// The token `secret` as CVAT describes it (`/self`) and its owner's username, or why not.
    async fn whose(
        &self,
        server: &str,
        secret: &SecretString,
    ) -> Result<std::result::Result<(TokenInfo, String), String>> {
        let req = Request::new(Method::GET, endpoint(server, "/api/auth/access_tokens/self")?);
        let resp = self
            .http
            .send(&req, &HeaderCredential::bearer(secret))
            .await
            .map_err(|e| unreachable(Platform::Cvat, e))?;
        if !resp.status.is_success() {
            return Ok(Err(format!("CVAT did not describe the token (HTTP {}).", resp.status.as_u16())));
        }
        let Some(mut info) = resp.json::<TokenInfo>() else {
            return Ok(Err("CVAT's description of the token could not be read.".into()));
        };
        match info.owner.take().and_then(|o| o.username).filter(|u| !u.is_empty()) {
            Some(user) => Ok(Ok((info, user))),
            None => Ok(Err("CVAT did not say whose token this is.".into())),
        }
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
