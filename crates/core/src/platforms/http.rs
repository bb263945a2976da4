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

use base64::Engine;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

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

/// Why a request got no usable answer. Its Display is the "cannot check" reason users see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("{host} did not answer within {secs} s")]
    Timeout { host: String, secs: u64 },
    #[error("could not connect to {host} ({detail})")]
    Connect { host: String, detail: String },
    #[error("the secure connection to {host} failed ({detail})")]
    Tls { host: String, detail: String },
    #[error("{host} redirected to another host ({to}); Latchkey does not send credentials there")]
    RedirectedAway { host: String, to: String },
    #[error("{host} redirected too many times")]
    TooManyRedirects { host: String },
    #[error("{host} is rate limiting requests (429){}", wait_hint(.retry_after_secs))]
    RateLimited { host: String, retry_after_secs: Option<u64> },
    #[error("{host} had a server error ({status})")]
    Server { host: String, status: u16 },
    #[error("{0}")]
    NotAllowed(String),
    #[error("the request to {host} failed ({detail})")]
    Other { host: String, detail: String },
}

fn wait_hint(secs: &Option<u64>) -> String {
    match secs {
        Some(s) => format!("; it asks to wait {s} s, try again later"),
        None => "; try again later".into(),
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
}

impl Request {
    pub fn new(method: Method, url: Url) -> Self {
        Request { method, url, json: None, headers: vec![] }
    }
    pub fn with_json(mut self, body: &serde_json::Value) -> Self {
        self.json = Some(serde_json::to_vec(body).unwrap_or_default());
        self
    }
}

/// How a platform wants its secret attached. Called again for every attempt and every
/// same-origin redirect (a signature covers the path, so it must be made for each URL).
pub trait Credential: Send + Sync {
    fn apply(&self, request: &mut reqwest::Request) -> Result<(), HttpError>;
}

/// No credential (used by tests of the client itself).
pub struct NoCredential;
impl Credential for NoCredential {
    fn apply(&self, _: &mut reqwest::Request) -> Result<(), HttpError> {
        Ok(())
    }
}

/// A header carrying the secret, e.g. `x-api-key: …` or `Authorization: Bearer …`.
pub struct HeaderCredential {
    pub name: HeaderName,
    /// The whole header value, prefix included.
    pub value: SecretString,
}

impl HeaderCredential {
    pub fn bearer(token: &SecretString) -> Self {
        HeaderCredential { name: AUTHORIZATION, value: SecretString::from(format!("Bearer {}", token.expose_secret())) }
    }
}

impl Credential for HeaderCredential {
    fn apply(&self, request: &mut reqwest::Request) -> Result<(), HttpError> {
        let mut value = HeaderValue::from_str(self.value.expose_secret())
            .map_err(|_| HttpError::NotAllowed("the token contains characters an HTTP header cannot carry".into()))?;
        value.set_sensitive(true);
        request.headers_mut().insert(self.name.clone(), value);
        Ok(())
    }
}

/// HTTP Basic with a user name and a secret password (env0: key id and key secret).
pub struct BasicCredential {
    pub user: String,
    pub password: SecretString,
}

impl Credential for BasicCredential {
    fn apply(&self, request: &mut reqwest::Request) -> Result<(), HttpError> {
        let raw = SecretString::from(format!("{}:{}", self.user, self.password.expose_secret()));
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.expose_secret().as_bytes());
        HeaderCredential { name: AUTHORIZATION, value: SecretString::from(format!("Basic {encoded}")) }.apply(request)
    }
}

/// A query parameter carrying the secret (Roboflow's `?api_key=`).
pub struct QueryCredential {
    pub name: &'static str,
    pub value: SecretString,
}

impl Credential for QueryCredential {
    fn apply(&self, request: &mut reqwest::Request) -> Result<(), HttpError> {
        request.url_mut().query_pairs_mut().append_pair(self.name, self.value.expose_secret());
        Ok(())
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
            let mut req = reqwest::Request::new(method.clone(), url.clone());
            req.headers_mut().insert(ACCEPT, HeaderValue::from_static("application/json"));
            for (name, value) in &request.headers {
                req.headers_mut().insert(name.clone(), value.clone());
            }
            if let Some(b) = &body {
                req.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                *req.body_mut() = Some(b.clone().into());
            }
            credential.apply(&mut req)?;
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
                if attempt >= self.config.retries {
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

fn map_error(e: &reqwest::Error, host: &str, config: &HttpConfig) -> HttpError {
    let host = host.to_string();
    if e.is_timeout() {
        let secs = if e.is_connect() { config.connect_timeout } else { config.timeout }.as_secs().max(1);
        return HttpError::Timeout { host, secs };
    }
    let detail = root_cause(e);
    if is_tls_error(e) {
        return HttpError::Tls { host, detail };
    }
    if e.is_connect() {
        return HttpError::Connect { host, detail };
    }
    HttpError::Other { host, detail }
}

fn is_tls_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        // tokio-rustls wraps rustls errors in io::Error (sometimes twice), and io::Error's
        // `source()` skips the wrapped error itself, so look inside with `get_ref()`.
        let mut io = err.downcast_ref::<std::io::Error>();
        while let Some(inner) = io.and_then(|i| i.get_ref()) {
            if inner.downcast_ref::<rustls::Error>().is_some() {
                return true;
            }
            io = inner.downcast_ref::<std::io::Error>();
        }
        let text = err.to_string().to_lowercase();
        if text.contains("certificate") || text.contains("handshake") || text.contains("tls") {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The innermost error's text (the useful part: "Connection refused", "invalid peer
/// certificate: …"), with any URL query removed and cut to a readable length.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let text = redact_urls(&cur.to_string());
    if text.chars().count() > 160 {
        text.chars().take(160).collect::<String>() + "…"
    } else {
        text
    }
}

/// Remove query strings and fragments from every URL in `text`.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["http://", "https://"].iter().filter_map(|p| rest.find(p)).min() {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>')).unwrap_or(tail.len());
        let url = &tail[..end];
        out.push_str(url.split(['?', '#']).next().unwrap_or(url));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_text_lose_their_queries() {
        assert_eq!(
            redact_urls("error sending request for url (https://api.roboflow.com/?api_key=FAKEKEY123): boom"),
            "error sending request for url (https://api.roboflow.com/): boom"
        );
        assert_eq!(
            redact_urls("see http://127.0.0.1:9/x?a=1#f and https://h/y"),
            "see http://127.0.0.1:9/x and https://h/y"
        );
        assert_eq!(redact_urls("no url here"), "no url here");
    }

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

    #[test]
    fn credentials_are_sensitive_headers() {
        let mut req = reqwest::Request::new(Method::GET, Url::parse("https://x.example/").unwrap());
        HeaderCredential::bearer(&SecretString::from("FAKEtok".to_string())).apply(&mut req).unwrap();
        let v = req.headers().get(AUTHORIZATION).unwrap();
        assert!(v.is_sensitive());
        assert!(!format!("{:?}", req.headers()).contains("FAKEtok"));
        BasicCredential { user: "kid".into(), password: SecretString::from("FAKEsec".to_string()) }
            .apply(&mut req)
            .unwrap();
        assert_eq!(req.headers().get(AUTHORIZATION).unwrap().to_str().unwrap(), "Basic a2lkOkZBS0VzZWM=");
    }
}
