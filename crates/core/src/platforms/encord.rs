//! Encord: user auth with a signed request (Ed25519 SSH key), or a legacy API key tied to one
//! project or dataset.
//!
//! Verified in encord-team/encord-client-python:
//! - SSH keys: `encord/configs.py` `SshConfig.define_headers_v2` signs every v2 request
//!   (`encord/http/v2/request_signer.py`, see [`super::encord_sign`]); the v2 client
//!   (`encord/http/v2/api_client.py`) builds `{domain}/v2/public/{path}` and maps 401 to
//!   AuthenticationError, 403 to AuthorisationError, 429 to RateLimitExceeded with
//!   `Retry-After` (`encord/http/v2/error_utils.py`). The cheap signed read used here is
//!   `GET v2/public/user/current-organisation/groups` (`encord/user_client.py`
//!   `list_groups`), answering a page `{"results": [...], "nextPageToken": …}`.
//!   Environment: `ENCORD_SSH_KEY` (the PEM) or `ENCORD_SSH_KEY_FILE` (`encord/configs.py`).
//! - Legacy API keys (removed from the SDK in commit c95d3ccc "Remove API keys", Nov 2024; read
//!   at its parent): `ApiKeyConfig` sends `POST {domain}/public` with headers
//!   `Authorization: <key>` (no scheme), `ResourceID: <project or dataset id>`,
//!   `Content-Type: application/json`; `EncordClient.initialise` first asks for the key's
//!   `ApiKeyMeta` with body `{"query_type": "apikeymeta", "query_method": "GET", "values":
//!   {"uid": null, "payload": null}}` (`encord/http/request.py`, `encord/http/querier.py`); the
//!   answer is `{"status": 200, "response": {"title", "resource_type"}}`, and errors come as
//!   a JSON `status` other than 200 with `response` `["AUTHENTICATION_ERROR"]` or
//!   `["AUTHORISATION_ERROR"]` (`encord/http/error_utils.py`). Environment: `ENCORD_API_KEY`
//!   with `ENCORD_PROJECT_ID` or `ENCORD_DATASET_ID`.

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::common::{cannot, endpoint, guided, server, unexpected, web_app};
use super::encord_sign::EncordSigner;
use super::http::{HeaderCredential, HttpClient, Request};
use super::{Adapter, RevokeOutcome, Validation};
use crate::error::{Error, Field, Result};
use crate::record::{Identity, Platform, TokenKind, TokenRecord};

pub struct Encord {
    pub(super) http: HttpClient,
}

#[derive(Deserialize)]
struct Legacy {
    status: Option<i64>,
    response: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct KeyMeta {
    title: Option<String>,
    resource_type: Option<String>,
}

impl Encord {
    async fn check_ssh(&self, record: &TokenRecord, secret: &SecretString) -> Result<Validation> {
        let server = server(record)?;
        let signer = EncordSigner::from_openssh(secret)?;
        let req = Request::new(Method::GET, endpoint(&server, "/v2/public/user/current-organisation/groups")?);
        let resp = match self.http.send(&req, &signer).await {
            Ok(r) => r,
            Err(e) => return Ok(cannot(e)),
        };
        Ok(match resp.status.as_u16() {
            200 => Validation::valid(),
            // 403 is AuthorisationError: the signature was accepted (the key is registered)
            // but this account may not read its organisation's groups.
            403 => Validation::valid()
                .note("Encord accepts the key, but this account may not list its organisation's groups."),
            401 => Validation::invalid(
                "Encord refused the key (HTTP 401): its public key is not registered with Encord, or was removed.",
            ),
            _ => unexpected(Platform::Encord, &server, &resp),
        })
    }

    async fn check_legacy(&self, record: &TokenRecord, secret: &SecretString) -> Result<Validation> {
        let server = server(record)?;
        let resource = record.public.resource_id.clone().ok_or_else(|| {
            Error::invalid_field(
                Field::ResourceId,
                "This Encord API key has no project or dataset id. Replace the secret and give the id.",
            )
        })?;
        let mut req = Request::new(Method::POST, endpoint(&server, "/public")?).with_json(&json!({
            "query_type": "apikeymeta",
            "query_method": "GET",
            "values": {"uid": null, "payload": null},
        }));
        let resource = HeaderValue::from_str(&resource).map_err(|_| {
            Error::invalid_field(
                Field::ResourceId,
                "The project or dataset id contains characters a header cannot carry.",
            )
        })?;
        req.headers.push((HeaderName::from_static("resourceid"), resource));
        let cred = HeaderCredential { name: AUTHORIZATION, value: secret.clone() };
        let resp = match self.http.send(&req, &cred).await {
            Ok(r) => r,
            Err(e) => return Ok(cannot(e)),
        };
        let refused = |why: &str| {
            Validation::invalid(format!(
                "Encord refused the API key ({why}): it was deleted, or belongs to another project or dataset."
            ))
        };
        Ok(match resp.status.as_u16() {
            200 => match resp.json::<Legacy>() {
                Some(Legacy { status: Some(200), response: Some(meta) }) => {
                    let meta: Option<KeyMeta> = serde_json::from_value(meta).ok();
                    let (title, kind) = meta.map(|m| (m.title, m.resource_type)).unwrap_or((None, None));
                    let role = kind.map(|k| match &title {
                        Some(t) => format!("{k} API key “{t}”"),
                        None => format!("{k} API key"),
                    });
                    Validation::valid().identity(Identity { role, ..Default::default() })
                }
                Some(Legacy { response: Some(r), .. }) if error_code(&r, "AUTHENTICATION_ERROR") => {
                    refused("authentication error")
                }
                Some(Legacy { response: Some(r), .. }) if error_code(&r, "AUTHORISATION_ERROR") => {
                    refused("not authorised")
                }
                _ => unexpected(Platform::Encord, &server, &resp),
            },
            401 | 403 => refused(&format!("HTTP {}", resp.status.as_u16())),
            _ => unexpected(Platform::Encord, &server, &resp),
        })
    }
}

fn error_code(response: &serde_json::Value, code: &str) -> bool {
    match response {
        serde_json::Value::Array(items) => items.iter().any(|i| i.as_str() == Some(code)),
        serde_json::Value::String(s) => s == code,
        _ => false,
    }
}

impl Adapter for Encord {
    const PLATFORM: Platform = Platform::Encord;

    async fn check(&self, record: &TokenRecord, secret: &SecretString) -> Result<Validation> {
        match record.kind {
            TokenKind::SshKey => self.check_ssh(record, secret).await,
            TokenKind::ResourceKey => self.check_legacy(record, secret).await,
            _ => Err(Error::invalid_field(Field::Secret, "Encord uses an SSH key or a project/dataset API key.")),
        }
    }

    async fn try_revoke(&self, record: &TokenRecord, _secret: &SecretString) -> Result<RevokeOutcome> {
        let app = web_app(&server(record)?, "api.encord.com", "https://app.encord.com");
        let steps: &[&str] = match record.kind {
            TokenKind::ResourceKey => &[
                "Sign in to Encord and open the project or dataset this key belongs to.",
                "Open its Settings tab, then the API access pane.",
                "Delete this API key.",
            ],
            _ => &[
                "Sign in to Encord and open Settings → Public keys.",
                "Delete the public key whose fingerprint Latchkey shows for this token.",
            ],
        };
        Ok(guided(app, steps, None))
    }
}

/// SSH key: `ENCORD_SSH_KEY` (`encord/configs.py`). Legacy key: `ENCORD_API_KEY` with
/// `ENCORD_PROJECT_ID`, or `ENCORD_DATASET_ID` once validation learnt it is a dataset key.
/// (A free function: `latchkey run` needs no HTTP client.)
pub(super) fn env_vars(record: &TokenRecord, secret: &SecretString) -> Result<Vec<(String, SecretString)>> {
    Ok(match record.kind {
        TokenKind::ResourceKey => {
            let id = record.public.resource_id.clone().unwrap_or_default();
            let is_dataset = record.identity.role.as_deref().is_some_and(|r| r.starts_with("dataset"));
            let id_var = if is_dataset { "ENCORD_DATASET_ID" } else { "ENCORD_PROJECT_ID" };
            vec![("ENCORD_API_KEY".into(), secret.clone()), (id_var.into(), SecretString::from(id))]
        }
        _ => vec![("ENCORD_SSH_KEY".into(), secret.clone())],
    })
}
