//! env0: an API key id and secret, sent with HTTP Basic auth.
//!
//! Verified in env0/terraform-provider-env0:
//! - `client/http/client.go`: every request `SetBasicAuth(ApiKey, ApiSecret)` against the
//!   endpoint, default `https://api.env0.com/` (`env0/provider.go`, overridable by
//!   `ENV0_API_ENDPOINT`); key and secret from `ENV0_API_KEY` / `ENV0_API_SECRET`.
//! - `client/organization.go`: `GET /organizations` answers a list of
//!   `{id, name, role, …}`; with more than one, an organization id must be chosen.
//! - `client/api_key.go`: `GET /api-keys?organizationId=<id>` lists
//!   `{id, name, apiKeyId, lastUsedAt, organizationId, organizationRole, createdAt, …}`;
//!   `DELETE /api-keys/{id}` deletes one (by `id`, not `apiKeyId`).
//! - Rotation, `client/api_key.go` `ApiKeyCreate`: `POST /api-keys` with
//!   `{name, organizationId, permissions: {organizationRole, projectsPermissions?}}` answers the
//!   new key as `{id, apiKeyId, apiKeySecret, …}` (the secret shown once); only organization
//!   admins may. The old key's role comes from the key list (`organizationRole`), its project
//!   permissions where the list reports them (`projectsPermissions`; the provider's `ApiKey`
//!   does not read them). `DELETE /api-keys/{id}` revokes the old one (the seed: it may take
//!   up to an hour to take effect, so a rotation stays "revocation pending" until refused).
//! - The authentication check `HEAD /` comes from env0's API reference (GettingStartedApi
//!   `authentication`), in the seed notes; the provider itself does not call it.

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::common::{cannot, endpoint, guided, parse_time, server, successor_name, unexpected, unreachable, web_app};
use super::http::{BasicCredential, HttpClient, Request};
use super::{Adapter, RevokeOutcome, Successor, Validation};
use crate::error::{Error, Field, Result};
use crate::record::{Identity, Platform, TokenRecord};

pub struct Env0 {
    pub(super) http: HttpClient,
}

#[derive(Deserialize)]
struct Pair {
    key_id: String,
    secret: String,
}

#[derive(Deserialize)]
struct Organization {
    id: String,
    name: Option<String>,
    role: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiKey {
    id: String,
    api_key_id: Option<String>,
    last_used_at: Option<String>,
    created_at: Option<String>,
    organization_role: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    projects_permissions: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedKey {
    id: Option<String>,
    api_key_id: String,
    api_key_secret: String,
}

fn credential(secret: &SecretString) -> Result<BasicCredential> {
    let pair: Pair = serde_json::from_str(secret.expose_secret()).map_err(|_| {
        Error::invalid_field(Field::Secret, "The stored env0 key is not in the expected form. Replace the secret.")
    })?;
    Ok(BasicCredential { user: pair.key_id, password: SecretString::from(pair.secret) })
}

const STEPS: &[&str] = &[
    "Sign in to env0 and open Organization settings → API Keys (or Personal settings → API Keys for a personal key).",
    "Delete the key with this key id.",
];

impl Env0 {
    async fn organizations(&self, server: &str, cred: &BasicCredential) -> Result<Option<Vec<Organization>>> {
        let req = Request::new(Method::GET, endpoint(server, "/organizations")?);
        let resp = self.http.send(&req, cred).await.map_err(|e| unreachable(Platform::Env0, e))?;
        Ok(if resp.status.is_success() { resp.json() } else { None })
    }

    async fn keys(&self, server: &str, cred: &BasicCredential, org: &str) -> Result<Option<Vec<ApiKey>>> {
        let mut url = endpoint(server, "/api-keys")?;
        url.query_pairs_mut().append_pair("organizationId", org);
        let resp =
            self.http.send(&Request::new(Method::GET, url), cred).await.map_err(|e| unreachable(Platform::Env0, e))?;
        Ok(if resp.status.is_success() { resp.json() } else { None })
    }
}

impl Adapter for Env0 {
    const PLATFORM: Platform = Platform::Env0;
    /// The key check, `GET /organizations`, `GET /api-keys`.
    const REQUESTS_PER_CHECK: u32 = 3;

    async fn check(&self, record: &TokenRecord, secret: &SecretString) -> Result<Validation> {
        let server = server(record)?;
        let cred = credential(secret)?;
        let head = match self.http.send(&Request::new(Method::HEAD, endpoint(&server, "/")?), &cred).await {
            Ok(r) => r,
            Err(e) => return Ok(cannot(e)),
        };
        match head.status.as_u16() {
            200..=299 => {}
            401 | 403 => {
                return Ok(Validation::invalid(format!(
                    "env0 refused the key (HTTP {}): it was deleted, or the id and secret do not match.",
                    head.status.as_u16()
                )))
            }
            _ => return Ok(unexpected(Platform::Env0, &server, &head)),
        }
        // The key works; learn what we can. A failure from here on does not make it invalid.
        let mut v = Validation::valid();
        let orgs = match self.organizations(&server, &cred).await {
            Ok(Some(orgs)) => orgs,
            Ok(None) => return Ok(v.note("env0 did not name the key's organization.")),
            Err(e) => return Ok(v.note(format!("Only the key check succeeded: {e}"))),
        };
        let mut identity = Identity {
            workspace: Some(
                orgs.iter().map(|o| o.name.clone().unwrap_or_else(|| o.id.clone())).collect::<Vec<_>>().join(", "),
            )
            .filter(|w| !w.is_empty()),
            ..Default::default()
        };
        if let [org] = orgs.as_slice() {
            identity.role = org.role.clone();
            if let Ok(Some(keys)) = self.keys(&server, &cred, &org.id).await {
                if let Some(me) = keys.iter().find(|k| k.api_key_id.as_deref() == Some(cred.user.as_str())) {
                    v.last_used_at = me.last_used_at.as_deref().and_then(parse_time);
                    v.created_at = me.created_at.as_deref().and_then(parse_time);
                    identity.role = me.organization_role.clone().or(identity.role);
                }
            }
        }
        v.identity = Some(identity);
        Ok(v)
    }

    async fn try_revoke(&self, record: &TokenRecord, secret: &SecretString) -> Result<RevokeOutcome> {
        let server = server(record)?;
        let cred = credential(secret)?;
        let url = format!("{}/", web_app(&server, "api.env0.com", "https://app.env0.com"));
        let guide = |note: &str| Ok(guided(url.clone(), STEPS, Some(note.to_string())));
        let Some(orgs) = self.organizations(&server, &cred).await? else {
            return guide("env0 did not name the key's organization, so it cannot revoke itself.");
        };
        for org in &orgs {
            let Some(keys) = self.keys(&server, &cred, &org.id).await? else {
                return guide("Only an organization admin key can delete API keys; this one may not.");
            };
            if let Some(me) = keys.iter().find(|k| k.api_key_id.as_deref() == Some(cred.user.as_str())) {
                let del = Request::new(Method::DELETE, endpoint(&server, &format!("/api-keys/{}", me.id))?);
                let resp = self.http.send(&del, &cred).await.map_err(|e| unreachable(Platform::Env0, e))?;
                return match resp.status.as_u16() {
                    200..=299 => Ok(RevokeOutcome::Revoked),
                    401 | 403 => guide("Only an organization admin key can delete API keys; this one may not."),
                    s => guide(&format!("env0 did not delete the key (HTTP {s}).")),
                };
            }
        }
        guide("This key is not among the organization's API keys (a personal key is managed in Personal settings).")
    }

    async fn successor(&self, record: &TokenRecord, secret: &SecretString) -> Result<Option<Successor>> {
        let server = server(record)?;
        let cred = credential(secret)?;
        let refused = |reason: &str| Error::CannotRotate { platform: "env0".into(), reason: reason.into() };
        let orgs = self
            .organizations(&server, &cred)
            .await?
            .ok_or_else(|| refused("env0 did not name the key's organization."))?;
        for org in &orgs {
            let keys = self
                .keys(&server, &cred, &org.id)
                .await?
                .ok_or_else(|| refused("only an organization admin key may create API keys, and this one may not."))?;
            let Some(me) = keys.iter().find(|k| k.api_key_id.as_deref() == Some(cred.user.as_str())) else { continue };
            let name = successor_name(
                me.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&record.label),
                chrono::Utc::now(),
            );
            let mut permissions =
                serde_json::json!({ "organizationRole": me.organization_role.as_deref().unwrap_or("User") });
            if let Some(projects) =
                me.projects_permissions.clone().filter(|p| p.as_array().is_some_and(|a| !a.is_empty()))
            {
                permissions["projectsPermissions"] = projects;
            }
            let body = serde_json::json!({ "name": name, "organizationId": org.id, "permissions": permissions });
            let req = Request::new(Method::POST, endpoint(&server, "/api-keys")?).with_json(&body).once();
            let resp = self.http.send(&req, &cred).await.map_err(|e| unreachable(Platform::Env0, e))?;
            match resp.status.as_u16() {
                200..=299 => {}
                401 | 403 => {
                    return Err(refused("only an organization admin key may create API keys, and this one may not."))
                }
                s => return Err(refused(&format!("HTTP {s}."))),
            }
            let made = resp.json::<CreatedKey>().filter(|k| !k.api_key_secret.is_empty()).ok_or_else(|| {
                refused(
                    "its answer had no key in it. If a new key appears in the organization's list, delete it there.",
                )
            })?;
            let payload = serde_json::json!({ "key_id": made.api_key_id, "secret": made.api_key_secret }).to_string();
            return Ok(Some(Successor {
                payload: SecretString::from(payload),
                key_id: made.id,
                old_key_id: Some(me.id.clone()),
            }));
        }
        Err(refused(
            "this key is not among the organization's API keys (a personal key is rotated in Personal settings).",
        ))
    }

    async fn delete_key(&self, record: &TokenRecord, acting: &SecretString, key_id: &str) -> Result<RevokeOutcome> {
        let server = server(record)?;
        let cred = credential(acting)?;
        let url = format!("{}/", web_app(&server, "api.env0.com", "https://app.env0.com"));
        let del = Request::new(Method::DELETE, endpoint(&server, &format!("/api-keys/{key_id}"))?);
        let resp = self.http.send(&del, &cred).await.map_err(|e| unreachable(Platform::Env0, e))?;
        match resp.status.as_u16() {
            200..=299 => Ok(RevokeOutcome::Revoked),
            s => Ok(guided(url, STEPS, Some(format!("env0 did not delete the key (HTTP {s}).")))),
        }
    }
}

/// `ENV0_API_KEY`, `ENV0_API_SECRET`, and `ENV0_API_ENDPOINT` for a non-default server
/// (`env0/provider.go`).
/// (A free function: `latchkey run` needs no HTTP client.)
pub(super) fn env_vars(record: &TokenRecord, secret: &SecretString) -> Result<Vec<(String, SecretString)>> {
    let cred = credential(secret)?;
    let mut vars =
        vec![("ENV0_API_KEY".to_string(), SecretString::from(cred.user)), ("ENV0_API_SECRET".into(), cred.password)];
    let server = server(record)?;
    if server != "https://api.env0.com" {
        vars.push(("ENV0_API_ENDPOINT".into(), SecretString::from(format!("{server}/"))));
    }
    Ok(vars)
}
