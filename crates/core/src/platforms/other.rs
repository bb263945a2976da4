//! Any other token: checked against a URL the user gives, with the token in a header.
//!
//! The settings live in the record (`TokenRecord::check`), not in the keychain: they are not
//! secret. The answer `expect_status` means valid, 401/403 invalid, anything else "cannot
//! check" (with 429/5xx retried first, as everywhere).

use reqwest::header::HeaderName;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use super::common::{cannot, guided, host};
use super::http::{check_allowed, HeaderCredential, HttpClient, Request};
use super::{normalise_server_url, Adapter, RevokeOutcome, Validation};
use crate::error::{Error, Field, Result};
use crate::record::{Platform, TokenRecord};

/// How to check a token of the Other platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct CheckSettings {
    /// The address to ask: absolute (`https://…`), or a path relative to the server address.
    pub url: String,
    /// The header that carries the token.
    pub header: String,
    /// Written before the token in that header (`Bearer ` by default; may be empty).
    pub prefix: String,
    /// `GET`, `HEAD` or `POST` (with an empty JSON object).
    pub method: String,
    /// The status that means the token is accepted.
    pub expect_status: u16,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            url: String::new(),
            header: "Authorization".into(),
            prefix: "Bearer ".into(),
            method: "GET".into(),
            expect_status: 200,
        }
    }
}

impl CheckSettings {
    /// Check and tidy what the user gave; `server` is the record's (normalised) server.
    pub fn clean(mut self, server: Option<&str>) -> Result<Self> {
        self.url = self.url.trim().to_string();
        self.header = self.header.trim().to_string();
        self.method = self.method.trim().to_uppercase();
        if self.url.is_empty() {
            return Err(Error::invalid_field(
                Field::CheckUrl,
                "Give the check URL: an address that answers differently for a good and a bad token.",
            ));
        }
        if self.header.is_empty() {
            self.header = "Authorization".into();
        }
        HeaderName::from_bytes(self.header.as_bytes()).map_err(|_| {
            Error::invalid_field(Field::CheckHeader, format!("“{}” is not a valid header name.", self.header))
        })?;
        if self.prefix.chars().any(|c| c.is_control()) {
            return Err(Error::invalid_field(
                Field::CheckPrefix,
                "The header prefix must not contain control characters.",
            ));
        }
        if !matches!(self.method.as_str(), "GET" | "HEAD" | "POST") {
            return Err(Error::invalid_field(Field::CheckMethod, "The check method must be GET, HEAD or POST."));
        }
        if !(200..=399).contains(&self.expect_status) {
            return Err(Error::invalid_field(Field::CheckStatus, "The expected status must be a success (200–399)."));
        }
        self.resolve(server)?;
        Ok(self)
    }

    /// The absolute URL to ask.
    pub fn resolve(&self, server: Option<&str>) -> Result<Url> {
        let absolute = self.url.starts_with("https://") || self.url.starts_with("http://");
        let url = if absolute {
            let base = normalise_server_url(self.url.split(['?', '#']).next().unwrap_or(""))
                .map_err(|e| e.with_field(Field::CheckUrl))?;
            let rest = &self.url[self.url.find(['?', '#']).unwrap_or(self.url.len())..];
            format!("{base}{rest}")
        } else {
            let server = server.ok_or_else(|| {
                Error::invalid_field(
                    Field::CheckUrl,
                    "The check URL is a path, so the token needs a server address (or give a full URL).",
                )
            })?;
            format!("{}/{}", server.trim_end_matches('/'), self.url.trim_start_matches('/'))
        };
        let url = Url::parse(&url)
            .map_err(|e| Error::invalid_field(Field::CheckUrl, format!("The check URL cannot be used ({e}).")))?;
        check_allowed(&url).map_err(|e| Error::invalid_field(Field::CheckUrl, e.to_string()))?;
        Ok(url)
    }
}

pub struct Other {
    pub(super) http: HttpClient,
}

impl Adapter for Other {
    const PLATFORM: Platform = Platform::Other;

    async fn check(&self, record: &TokenRecord, secret: &SecretString) -> Result<Validation> {
        let Some(settings) = &record.check else {
            return Ok(Validation::cannot_check(
                "No check is set up for this token. Edit it and give a check URL (and the header, if not Authorization: Bearer).",
            ));
        };
        let server = record.server_url.as_deref();
        let url = settings.resolve(server)?;
        let method = Method::from_bytes(settings.method.as_bytes()).unwrap_or(Method::GET);
        let mut req = Request::new(method.clone(), url.clone());
        if method == Method::POST {
            req = req.with_json(&serde_json::json!({}));
        }
        let name = HeaderName::from_bytes(settings.header.as_bytes()).map_err(|_| {
            Error::invalid_field(Field::CheckHeader, format!("“{}” is not a valid header name.", settings.header))
        })?;
        let value = SecretString::from(format!("{}{}", settings.prefix, secret.expose_secret()));
        let resp = match self.http.send(&req, &HeaderCredential { name, value }).await {
            Ok(r) => r,
            Err(e) => return Ok(cannot(e)),
        };
        let status = resp.status.as_u16();
        Ok(if status == settings.expect_status {
            Validation::valid()
        } else if status == 401 || status == 403 {
            Validation::invalid(format!("{} refused the token (HTTP {status}).", host(url.as_str())))
        } else {
            Validation::cannot_check(format!(
                "{} answered HTTP {status}, not the expected {}.",
                host(url.as_str()),
                settings.expect_status
            ))
        })
    }

    async fn try_revoke(&self, record: &TokenRecord, _secret: &SecretString) -> Result<RevokeOutcome> {
        Ok(guided(
            record.server_url.clone().unwrap_or_default(),
            &[
                "Open the service that issued this token and find its token or API key settings.",
                "Revoke or delete the token there.",
            ],
            None,
        ))
    }
}

/// No convention exists: `latchkey run` refuses such a token and points to `latchkey get`.
/// (A free function: `latchkey run` needs no HTTP client.)
pub(super) fn env_vars(_record: &TokenRecord, _secret: &SecretString) -> Result<Vec<(String, SecretString)>> {
    Ok(vec![])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_resolved() {
        let s = CheckSettings { url: "/api/me".into(), ..Default::default() }
            .clean(Some("https://x.example/base"))
            .unwrap();
        assert_eq!(s.resolve(Some("https://x.example/base")).unwrap().as_str(), "https://x.example/base/api/me");
        let abs = CheckSettings { url: "https://y.example/ping?v=1".into(), ..Default::default() }.clean(None).unwrap();
        assert_eq!(abs.resolve(None).unwrap().as_str(), "https://y.example/ping?v=1");
        for bad in [
            CheckSettings { url: "http://y.example/ping".into(), ..Default::default() },
            CheckSettings { url: "/rel".into(), ..Default::default() },
            CheckSettings { url: "https://y.example".into(), header: "bad header".into(), ..Default::default() },
            CheckSettings { url: "https://y.example".into(), method: "DELETE".into(), ..Default::default() },
            CheckSettings { url: "https://y.example".into(), expect_status: 401, ..Default::default() },
            CheckSettings::default(),
        ] {
            assert!(bad.clone().clean(None).is_err(), "{bad:?}");
        }
    }
}
