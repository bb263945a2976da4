//! Supervisely: a personal API token (128 characters) sent as `x-api-key`.
//!
//! Verified in supervisely/supervisely:
//! - `supervisely/api/api.py`: `Api.__init__` sets header `x-api-key: <token>`; `post()` sends
//!   `POST {api_server_address}/v3/{method}` with a JSON body, where `api_server_address` is
//!   `{SERVER_ADDRESS}/public/api`; env vars `SERVER_ADDRESS` and `API_TOKEN`.
//! - `supervisely/api/user_api.py`: `get_my_info()` = `post("users.me", {})`; `UserInfo` fields
//!   id, login, role, role_id, name, email, logins, disabled, last_login, created_at, updated_at
//!   (camelCase on the wire, `supervisely/api/module_api.py` `ApiField`).
//! - `supervisely/cli/release/release.py` `get_user()`: `POST {server}/public/api/v3/users.me`
//!   with `x-api-key`; 403 is a bad token (PermissionError), 400/404 "no such user/endpoint".
//!
//! Revocation is in the web app only (Account settings → API token → re-generate).

use reqwest::header::HeaderName;
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;

use super::common::{cannot, endpoint, guided, server, unexpected};
use super::http::{HeaderCredential, HttpClient, Request};
use super::{Adapter, RevokeOutcome, Validation};
use crate::error::Result;
use crate::record::{Identity, Platform, TokenRecord};

pub struct Supervisely {
    pub(super) http: HttpClient,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserInfo {
    login: Option<String>,
    name: Option<String>,
    email: Option<String>,
    role: Option<String>,
    #[serde(default)]
    disabled: bool,
}

impl Adapter for Supervisely {
    const PLATFORM: Platform = Platform::Supervisely;

    async fn check(&self, record: &TokenRecord, secret: &SecretString) -> Result<Validation> {
        let server = server(record)?;
        let req =
            Request::new(Method::POST, endpoint(&server, "/public/api/v3/users.me")?).with_json(&serde_json::json!({}));
        let cred = HeaderCredential { name: HeaderName::from_static("x-api-key"), value: secret.clone() };
        let resp = match self.http.send(&req, &cred).await {
            Ok(r) => r,
            Err(e) => return Ok(cannot(e)),
        };
        Ok(match resp.status.as_u16() {
            200 => match resp.json::<UserInfo>() {
                Some(u) if u.disabled => {
                    Validation::invalid("Supervisely accepts the token, but the account is disabled.")
                }
                Some(u) => {
                    let owner = match (u.login, u.name.filter(|n| !n.is_empty()), u.email) {
                        (Some(l), _, _) => Some(l),
                        (None, Some(n), _) => Some(n),
                        (None, None, e) => e,
                    };
                    Validation::valid().identity(Identity { owner, role: u.role, ..Default::default() })
                }
                None => unexpected(Platform::Supervisely, &server, &resp),
            },
            401 | 403 => Validation::invalid(format!(
                "Supervisely refused the token (HTTP {}): it is wrong or was re-generated.",
                resp.status.as_u16()
            )),
            _ => unexpected(Platform::Supervisely, &server, &resp),
        })
    }

    async fn try_revoke(&self, record: &TokenRecord, _secret: &SecretString) -> Result<RevokeOutcome> {
        Ok(guided(
            server(record)?,
            &[
                "Sign in and open Account settings (your name, top right).",
                "Open the API token tab.",
                "Press “Re-generate”: the old token stops working at once.",
            ],
            None,
        ))
    }
}

/// `SERVER_ADDRESS` and `API_TOKEN` (`supervisely/api/api.py`, `Api.from_env`).
/// (A free function: `latchkey run` needs no HTTP client.)
pub(super) fn env_vars(record: &TokenRecord, secret: &SecretString) -> Result<Vec<(String, SecretString)>> {
    Ok(vec![("SERVER_ADDRESS".into(), SecretString::from(server(record)?)), ("API_TOKEN".into(), secret.clone())])
}
