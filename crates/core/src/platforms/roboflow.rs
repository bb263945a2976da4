//! Roboflow: a workspace API key, sent as the `api_key` query parameter.
//!
//! Verified in roboflow/roboflow-python:
//! - `roboflow/__init__.py` `check_key()`: `POST {API_URL}/?api_key=<key>` (no body); 401 is a
//!   bad key; 200 answers JSON with `workspace` (the workspace url, also in
//!   `roboflow/cli/_resolver.py` and the fixture in `tests/__init__.py`).
//! - `roboflow/config.py`: `API_URL` defaults to `https://api.roboflow.com` (overridable by the
//!   `API_URL` variable); the key comes from `ROBOFLOW_API_KEY`; `RF_WORKSPACE` names the
//!   default workspace.
//! - `roboflow/adapters/rfapi.py`: `GET /{workspace}/api-keys?api_key=` lists keys
//!   (`{"apiKeys": [{keyId, name, prefix, default, protected, disabled, …}]}`, field names from
//!   `roboflow/cli/handlers/api_key.py`); `DELETE /{workspace}/api-keys/{keyId}?api_key=`
//!   revokes; "Revoking a protected key returns 409". `roboflow/cli/handlers/api_key.py`
//!   `_get_key` prints a key's `created_on` as "Created"; the check reads it from our key's
//!   list entry (found by prefix, as for revoking) to learn the key's creation date.
//! - `roboflow/cli/handlers/api_key.py`: protected keys are revoked on the dashboard,
//!   `app.roboflow.com/settings/api`.
//!
//! - Rotation, `roboflow/adapters/rfapi.py` `create_api_key`: `POST /{workspace}/api-keys?api_key=`
//!   with JSON `{name, scopes?}` answers the new key's `keyId` and `key` (the secret, shown
//!   once; `roboflow/cli/handlers/api_key.py` `_create_key` prints both). Omitting `scopes`
//!   gives the new key the calling key's own scopes, so the new key can do what the old one
//!   did; 403/404 when the calling key may not create keys ("api-key:create").
//!
//! Assumption (not in the SDK): a key's `prefix` is the start of its secret; a revoke goes
//! through the API only when exactly one listed key's prefix starts our key.

use chrono::{DateTime, Utc};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::common::{cannot, endpoint, guided, parse_time, server, successor_name, unexpected, unreachable, web_app};
use super::http::{HttpClient, QueryCredential, Request, Response};
use super::{Adapter, RevokeOutcome, Successor, Validation};
use crate::error::{Error, Result};
use crate::record::{Identity, Platform, TokenRecord};

pub struct Roboflow {
    pub(super) http: HttpClient,
}

#[derive(Deserialize)]
struct KeyCheck {
    workspace: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyList {
    #[serde(default)]
    api_keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    key_id: Option<String>,
    key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyEntry {
    key_id: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    protected: bool,
    #[serde(default)]
    name: Option<String>,
    /// Printed as the key's "Created" by `roboflow api-key get`; read only when it is a time
    /// stamp string (the SDK does not say its form).
    #[serde(default, rename = "created_on")]
    created_on: Option<serde_json::Value>,
}

const DEFAULT_API: &str = "https://api.roboflow.com";

fn key(secret: &SecretString) -> QueryCredential {
    QueryCredential { name: "api_key", value: secret.clone() }
}

fn settings_url(server: &str) -> String {
    format!("{}/settings/api", web_app(server, "api.roboflow.com", "https://app.roboflow.com"))
}

const STEPS: &[&str] = &[
    "Sign in to Roboflow, pick the workspace in the left sidebar and open Settings → API Keys.",
    "Press “Revoke API Key” for this key (a protected key must first be unprotected there).",
];

impl Roboflow {
    async fn ask(&self, server: &str, secret: &SecretString) -> std::result::Result<Response, super::http::HttpError> {
        let req = Request::new(
            Method::POST,
            endpoint(server, "/").map_err(|e| super::http::HttpError::NotAllowed(e.to_string()))?,
        );
        self.http.send(&req, &key(secret)).await
    }

    /// The workspace's key list (`Err` with why it could not be had).
    async fn list(
        &self,
        server: &str,
        ws: &str,
        secret: &SecretString,
    ) -> Result<std::result::Result<Vec<KeyEntry>, String>> {
        let req = Request::new(Method::GET, endpoint(server, &format!("/{ws}/api-keys"))?);
        let list = self.http.send(&req, &key(secret)).await.map_err(|e| unreachable(Platform::Roboflow, e))?;
        if !list.status.is_success() {
            return Ok(Err(format!(
                "Roboflow did not list the workspace's keys (HTTP {}); this key may not manage API keys.",
                list.status.as_u16()
            )));
        }
        Ok(Ok(list.json::<KeyList>().map(|l| l.api_keys).unwrap_or_default()))
    }

    /// When Roboflow says the key was created, from the workspace's key list; `None` when it
    /// cannot be listed or the key is not recognised in it. Never makes the key invalid.
    async fn created_on(&self, server: &str, workspace: &str, secret: &SecretString) -> Option<DateTime<Utc>> {
        let keys = self.list(server, &percent(workspace), secret).await.ok()?.ok()?;
        let entry = own_key(&keys, secret).ok()?;
        entry.created_on.as_ref()?.as_str().and_then(parse_time)
    }
}

/// The one listed key whose prefix starts `secret`, or why there is none.
fn own_key<'k>(keys: &'k [KeyEntry], secret: &SecretString) -> std::result::Result<&'k KeyEntry, &'static str> {
    let mine: Vec<&KeyEntry> =
        keys.iter().filter(|k| !k.prefix.is_empty() && secret.expose_secret().starts_with(&k.prefix)).collect();
    match mine.as_slice() {
        [one] => Ok(*one),
        [] => Err("This key is not among the workspace's listed keys."),
        _ => Err("Several listed keys could be this one; pick it on the settings page."),
    }
}

impl Adapter for Roboflow {
    const PLATFORM: Platform = Platform::Roboflow;
    /// The key check, then the key list for its creation date.
    const REQUESTS_PER_CHECK: u32 = 2;

    async fn check(&self, record: &TokenRecord, secret: &SecretString) -> Result<Validation> {
        let server = server(record)?;
        let resp = match self.ask(&server, secret).await {
            Ok(r) => r,
            Err(e) => return Ok(cannot(e)),
        };
        Ok(match resp.status.as_u16() {
            200 => match resp.json::<KeyCheck>() {
                Some(k) => {
                    let mut v = Validation::valid();
                    if let Some(ws) = k.workspace.as_deref().filter(|w| !w.is_empty()) {
                        v.created_at = self.created_on(&server, ws, secret).await;
                    }
                    v.identity(Identity { workspace: k.workspace, ..Default::default() })
                }
                None => unexpected(Platform::Roboflow, &server, &resp),
            },
            401 | 403 => Validation::invalid(format!(
                "Roboflow refused the key (HTTP {}): it was revoked, disabled or is wrong.",
                resp.status.as_u16()
            )),
            _ => unexpected(Platform::Roboflow, &server, &resp),
        })
    }

    async fn try_revoke(&self, record: &TokenRecord, secret: &SecretString) -> Result<RevokeOutcome> {
        let server = server(record)?;
        let url = settings_url(&server);
        let guide = |note: String| Ok(guided(url.clone(), STEPS, Some(note)));
        let check = self.ask(&server, secret).await.map_err(|e| unreachable(Platform::Roboflow, e))?;
        let workspace = match (check.status.as_u16(), check.json::<KeyCheck>().and_then(|k| k.workspace)) {
            (200, Some(ws)) => ws,
            (401 | 403, _) => {
                return guide("Roboflow already refuses this key; check that it is gone from the list.".into())
            }
            (s, _) => return guide(format!("Roboflow's key check answered HTTP {s}, so the key could not be found.")),
        };
        let ws = percent(&workspace);
        let keys = match self.list(&server, &ws, secret).await? {
            Ok(keys) => keys,
            Err(why) => return guide(why),
        };
        let entry = match own_key(&keys, secret) {
            Ok(entry) => entry,
            Err(why) => return guide(why.into()),
        };
        if entry.protected {
            return guide("This key is protected: Roboflow only lets you revoke it on its website.".into());
        }
        self.delete(&server, &ws, &entry.key_id, secret).await
    }

    async fn successor(&self, record: &TokenRecord, secret: &SecretString) -> Result<Option<Successor>> {
        let server = server(record)?;
        let refused = |reason: String| Error::CannotRotate { platform: "Roboflow".into(), reason };
        let ws = self.workspace(&server, secret).await?.map_err(refused)?;
        let wsp = percent(&ws);
        let keys = self.list(&server, &wsp, secret).await?.map_err(refused)?;
        let old = own_key(&keys, secret).map_err(|why| refused(why.to_string()))?;
        if old.protected {
            return Err(refused(
                "this key is protected, and Roboflow only lets you revoke a protected key on its website.".into(),
            ));
        }
        let name =
            successor_name(old.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&record.label), Utc::now());
        let req = Request::new(Method::POST, endpoint(&server, &format!("/{wsp}/api-keys"))?)
            .with_json(&serde_json::json!({ "name": name }))
            .once();
        let resp = self.http.send(&req, &key(secret)).await.map_err(|e| unreachable(Platform::Roboflow, e))?;
        match resp.status.as_u16() {
            200..=299 => {}
            s @ (403 | 404) => {
                return Err(refused(format!(
                    "HTTP {s}: this key may not create API keys (it needs the “api-key:create” scope or no scopes)."
                )))
            }
            s => return Err(refused(format!("HTTP {s}."))),
        }
        let created = resp.json::<Created>().filter(|c| !c.key.is_empty()).ok_or_else(|| {
            refused(
                "its answer had no key in it. If a new key appears in the workspace's list, revoke it there.".into(),
            )
        })?;
        Ok(Some(Successor {
            payload: SecretString::from(created.key),
            key_id: created.key_id,
            old_key_id: Some(old.key_id.clone()),
        }))
    }

    async fn delete_key(&self, record: &TokenRecord, acting: &SecretString, key_id: &str) -> Result<RevokeOutcome> {
        let server = server(record)?;
        match self.workspace(&server, acting).await? {
            Ok(ws) => self.delete(&server, &percent(&ws), key_id, acting).await,
            Err(why) => Ok(guided(settings_url(&server), STEPS, Some(why))),
        }
    }
}

impl Roboflow {
    /// The workspace `secret` belongs to, or why there is none.
    async fn workspace(&self, server: &str, secret: &SecretString) -> Result<std::result::Result<String, String>> {
        let check = self.ask(server, secret).await.map_err(|e| unreachable(Platform::Roboflow, e))?;
        Ok(match (check.status.as_u16(), check.json::<KeyCheck>().and_then(|k| k.workspace)) {
            (200, Some(ws)) if !ws.is_empty() => Ok(ws),
            (401 | 403, _) => Err("Roboflow refuses the current key.".into()),
            (s, _) => Err(format!("Roboflow's key check answered HTTP {s} without a workspace.")),
        })
    }

    /// `DELETE /{ws}/api-keys/{keyId}` with `acting` (`ws` already encoded): revoked, or the
    /// guided steps when Roboflow would not (409: a protected key).
    async fn delete(&self, server: &str, ws: &str, key_id: &str, acting: &SecretString) -> Result<RevokeOutcome> {
        let guide = |note: String| Ok(guided(settings_url(server), STEPS, Some(note)));
        let del = Request::new(Method::DELETE, endpoint(server, &format!("/{ws}/api-keys/{}", percent(key_id)))?);
        let resp = self.http.send(&del, &key(acting)).await.map_err(|e| unreachable(Platform::Roboflow, e))?;
        match resp.status.as_u16() {
            200..=299 => Ok(RevokeOutcome::Revoked),
            409 => guide("This key is protected: Roboflow only lets you revoke it on its website.".into()),
            s => guide(format!("Roboflow did not revoke the key (HTTP {s}).")),
        }
    }
}

/// Percent-encode one path segment.
fn percent(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

/// `ROBOFLOW_API_KEY`, `RF_WORKSPACE` when known, and `API_URL` for a non-default server
/// (`roboflow/config.py`).
/// (A free function: `latchkey run` needs no HTTP client.)
pub(super) fn env_vars(record: &TokenRecord, secret: &SecretString) -> Result<Vec<(String, SecretString)>> {
    let mut vars = vec![("ROBOFLOW_API_KEY".to_string(), secret.clone())];
    if let Some(ws) = &record.identity.workspace {
        vars.push(("RF_WORKSPACE".into(), SecretString::from(ws.clone())));
    }
    let server = server(record)?;
    if server != DEFAULT_API {
        vars.push(("API_URL".into(), SecretString::from(server)));
    }
    Ok(vars)
}
