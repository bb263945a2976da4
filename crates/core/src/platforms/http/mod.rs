//! The one HTTP client every platform adapter uses, and its policy.
//!
//! - rustls only (ring provider, the OS trust store through rustls-platform-verifier); no OpenSSL.
//! - Timeouts: connect 5 s, whole request 15 s ([`HttpConfig`], shortened in tests).
//! - User agent `Latchkey/<version>`.
//! - 429 and 5xx are retried (2 retries by default) after the server's `Retry-After`, or a short
//!   exponential backoff; a wait longer than the cap gives up at once rather than stalling.
//! - Redirects are never followed automatically: a redirect within the same origin (scheme,
//!   host, port) is followed by re-applying the credential to the new URL; a redirect anywhere
//!   else ends the request with [`HttpError::RedirectedAway`] *without contacting that host*, so
//!   no credential (header, Basic, query key, signature) can leak there.
//! - HTTPS is required except for this machine (checked again for every request and hop).
//! - Loopback addresses never go through a proxy; other hosts honour the usual proxy variables.
//!
//! Errors never carry a query string (Roboflow puts its key there) or a credential: they name
//! the host and say what happened.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RETRY_AFTER,
};
use reqwest::{Method, StatusCode};
use url::Url;

mod credential;
mod error;

pub use credential::{BasicCredential, Credential, HeaderCredential, NoCredential, QueryCredential};
use error::{map_error, root_cause};
pub use error::{redact_urls, HttpError};

/// Timeouts and retry bounds of the shared client.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    /// For one attempt, from sending to the last byte of the answer.
    pub timeout: Duration,
    /// Extra attempts after a 429 or 5xx.
    pub retries: u32,
    /// First backoff when the server gives no `Retry-After`; doubled for each retry.
    pub backoff: Duration,
    /// The longest `Retry-After` we wait for; a longer one gives up at once.
    pub max_retry_wait: Duration,
    /// Same-origin redirects followed at most.
    pub max_redirects: u32,
    /// Answers larger than this are cut off (validation answers are small).
    pub max_body: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            retries: 2,
            backoff: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(10),
            max_redirects: 3,
            max_body: 1024 * 1024,
        }
    }
}

/// An answer with a status the adapters interpret (2xx, 3xx without Location, 4xx).
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// What to send; the credential is applied separately, per attempt and per redirect hop.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    /// JSON body, sent with `Content-Type: application/json`.
    pub json: Option<Vec<u8>>,
    /// Other, non-secret headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Retried on 429/5xx. Off for a request that must not happen twice (creating a key: a
    /// 5xx may come after the key was made).
    pub retry: bool,
}

impl Request {
    pub fn new(method: Method, url: Url) -> Self {
        Request { method, url, json: None, headers: vec![], retry: true }
    }
    /// Never retried (see [`Request::retry`]).
    pub fn once(mut self) -> Self {
        self.retry = false;
        self
    }
    pub fn with_json(mut self, body: &serde_json::Value) -> Self {
        self.json = Some(serde_json::to_vec(body).unwrap_or_default());
        self
    }
}

/// The shared client. Cheap to clone (the connection pools are shared).
#[derive(Clone)]
pub struct HttpClient {
    proxied: reqwest::Client,
    direct: reqwest::Client,
    config: Arc<HttpConfig>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").field("config", &self.config).finish_non_exhaustive()
    }
}

pub const USER_AGENT: &str = concat!("Latchkey/", env!("CARGO_PKG_VERSION"));

impl HttpClient {
    pub fn new(config: HttpConfig) -> Result<Self, String> {
        // reqwest is built without a bundled crypto provider; use ring unless the process
        // already chose one (an error here only means one is installed).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let build = |direct: bool| {
            let mut b = reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .connect_timeout(config.connect_timeout)
                .timeout(config.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .https_only(false); // checked per request: http is allowed for loopback only
            if direct {
                b = b.no_proxy();
            }
            b.build().map_err(|e| format!("the HTTP client could not be set up ({})", root_cause(&e)))
        };
        Ok(HttpClient { proxied: build(false)?, direct: build(true)?, config: Arc::new(config) })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Send `request` with `credential`, following the policy in the module docs.
    pub async fn send(&self, request: &Request, credential: &dyn Credential) -> Result<Response, HttpError> {
        let mut url = request.url.clone();
        let mut method = request.method.clone();
        let mut body = request.json.clone();
        let (mut attempt, mut hops) = (0u32, 0u32);
        loop {
            check_allowed(&url)?;
            let host = host_of(&url);
            let req = build(request, &method, &url, body.as_ref(), credential)?;
            let client = if is_loopback_url(&url) { &self.direct } else { &self.proxied };
            let resp = client.execute(req).await.map_err(|e| map_error(&e, &host, &self.config))?;
            let status = resp.status();

            if status.is_redirection() {
                if let Some(next) = resp.headers().get(LOCATION).and_then(|l| l.to_str().ok()) {
                    let next = url.join(next).map_err(|_| HttpError::Other {
                        host: host.clone(),
                        detail: "it redirected to an unreadable address".into(),
                    })?;
                    if !same_origin(&url, &next) {
                        return Err(HttpError::RedirectedAway { host, to: host_of(&next) });
                    }
                    hops += 1;
                    if hops > self.config.max_redirects {
                        return Err(HttpError::TooManyRedirects { host });
                    }
                    if status == StatusCode::SEE_OTHER
                        || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                            && method == Method::POST)
                    {
                        method = Method::GET;
                        body = None;
                    }
                    url = next;
                    continue;
                }
            }

            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if retryable {
                let asked = retry_after(resp.headers());
                let give_up = |host: String| {
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        HttpError::RateLimited { host, retry_after_secs: asked.map(|d| d.as_secs()) }
                    } else {
                        HttpError::Server { host, status: status.as_u16() }
                    }
                };
                if attempt >= self.config.retries || !request.retry {
                    return Err(give_up(host));
                }
                let wait = asked.unwrap_or(self.config.backoff * 2u32.saturating_pow(attempt));
                if wait > self.config.max_retry_wait {
                    return Err(give_up(host));
                }
                tracing::debug!(%host, status = status.as_u16(), wait_ms = wait.as_millis() as u64, "retrying");
                drop(resp);
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }

            let headers = resp.headers().clone();
            let body = read_capped(resp, self.config.max_body).await.map_err(|e| map_error(&e, &host, &self.config))?;
            return Ok(Response { status, headers, body });
        }
    }
}

/// One attempt's request: JSON accepted, the request's headers and body, the credential.
fn build(
    request: &Request,
    method: &Method,
    url: &Url,
    body: Option<&Vec<u8>>,
    credential: &dyn Credential,
) -> Result<reqwest::Request, HttpError> {
    let mut req = reqwest::Request::new(method.clone(), url.clone());
    req.headers_mut().insert(ACCEPT, HeaderValue::from_static("application/json"));
    for (name, value) in &request.headers {
        req.headers_mut().insert(name.clone(), value.clone());
    }
    if let Some(b) = body {
        req.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *req.body_mut() = Some(b.clone().into());
    } else if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        // An explicit empty body with `Content-Length: 0`, as Python's requests sends
        // (hyper leaves the length out for an empty body).
        req.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        *req.body_mut() = Some(Vec::new().into());
    }
    credential.apply(&mut req)?;
    Ok(req)
}

async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = max.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= max {
            break;
        }
    }
    Ok(out)
}

/// The client shared by the whole process, with the default policy.
pub fn shared() -> Result<&'static HttpClient, String> {
    static SHARED: OnceLock<Result<HttpClient, String>> = OnceLock::new();
    SHARED.get_or_init(|| HttpClient::new(HttpConfig::default())).as_ref().map_err(Clone::clone)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// The host (and port, when not the default) of a URL: what errors may name.
pub fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => "the server".into(),
    }
}

pub fn is_loopback_url(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// HTTPS, or plain http to this machine only; never credentials in the URL itself.
pub fn check_allowed(url: &Url) -> Result<(), HttpError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_url(url) => Ok(()),
        "http" => Err(HttpError::NotAllowed(format!(
            "{} uses plain http; Latchkey only sends tokens over https (plain http is allowed for this machine only)",
            host_of(url)
        ))),
        other => Err(HttpError::NotAllowed(format!("“{other}” addresses are not supported; use https://"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_for_loopback() {
        assert!(check_allowed(&Url::parse("http://127.0.0.1:8/").unwrap()).is_ok());
        assert!(check_allowed(&Url::parse("http://localhost/").unwrap()).is_ok());
        assert!(check_allowed(&Url::parse("http://[::1]:9/").unwrap()).is_ok());
        assert!(check_allowed(&Url::parse("https://x.example/").unwrap()).is_ok());
        assert!(check_allowed(&Url::parse("http://x.example/").unwrap()).is_err());
        assert!(check_allowed(&Url::parse("http://10.0.0.1/").unwrap()).is_err());
        assert!(check_allowed(&Url::parse("ftp://x.example/").unwrap()).is_err());
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(&u("https://a.example/x"), &u("https://a.example:443/y?z")));
        assert!(!same_origin(&u("https://a.example/"), &u("http://a.example/")));
        assert!(!same_origin(&u("http://127.0.0.1:1/"), &u("http://127.0.0.1:2/")));
        assert!(!same_origin(&u("https://a.example/"), &u("https://b.example/")));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
