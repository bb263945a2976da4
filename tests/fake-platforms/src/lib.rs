//! Fake Supervisely, CVAT, Roboflow, Encord and env0 servers on 127.0.0.1, for Latchkey's tests.
//!
//! Each fake answers only the request shapes the real platform documents (path, method,
//! headers, body, credential placement; Encord requests must carry a valid RFC 9421 signature,
//! which the fake verifies itself from the raw request) and fails any other shape the way
//! the platform would. What a token does is set per token ([`Behaviour`]): valid, revoked,
//! expired, forbidden, 429 with `Retry-After` a number of times, always 500, hang, redirect
//! to another host. Every fake logs every request, counts the most requests in flight at
//! once, and can add a fixed latency.
//!
//! A small control API on each fake serves end-to-end tests: `POST /__fake/tokens` (a
//! [`FakeToken`] as JSON), `GET /__fake/requests`, `POST /__fake/latency` (`{"ms": 200}`),
//! `GET /__fake/stats`, `POST /__fake/hold` (`{"method": "DELETE"}`, with `"matching": "…"` only
//! the requests whose path and query contain it: they wait unanswered until `{"method": null}`,
//! then get a 503 and take no effect — a rotation held between making the new key and revoking
//! the old one, for a test that kills the app there, or while the new key is checked).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod all;
pub mod bus;
mod control;
mod cvat;
pub use cvat::CVAT_PASSWORD;
mod encord;
mod env0;
pub mod openbao;
mod roboflow;
pub mod secret_service;

/// A TCP port on 127.0.0.1 that was free a moment ago, with the `span - 1` ports after it.
///
/// Picked below the kernel's ephemeral range (32768–60999 on Linux), not by binding port 0:
/// a port from that range can be taken by any outgoing connection (or another `bind(…:0)`)
/// between the pick and the real bind, which made WebKit's inspector port (the e2e tests'
/// `--native-port`) collide now and then. `span` 2 suits OpenBao, whose cluster listener
/// takes the API port + 1.
pub fn free_port_span(span: u16) -> u16 {
    use std::hash::{BuildHasher, Hasher};
    use std::net::{Ipv4Addr, TcpListener};
    for _ in 0..2000 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(0);
        let base = 20000 + (h.finish() % 12000) as u16;
        if (0..span).all(|i| TcpListener::bind((Ipv4Addr::LOCALHOST, base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no free port between 20000 and 32000 on 127.0.0.1");
}
mod supervisely;

pub use all::FakePlatforms;
use control::{control, url_decode_pairs};

pub use encord::{TEST_KEY_PEM, TEST_KEY_PUBLIC_HEX};

/// Which platform a fake plays, or `Elsewhere`: a second host that only records requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Supervisely,
    Cvat,
    Roboflow,
    Encord,
    Env0,
    Elsewhere,
}

impl Kind {
    pub const PLATFORMS: [Kind; 5] = [Kind::Supervisely, Kind::Cvat, Kind::Roboflow, Kind::Encord, Kind::Env0];
}

/// What the fake does when it sees a token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Behaviour {
    #[default]
    Valid,
    /// Revoked or unknown: the platform's "bad credential" answer (401, or 403 for Supervisely).
    Revoked,
    /// Past its expiry (CVAT refuses it like a revoked one).
    Expired,
    /// Authenticated but not allowed (403).
    Forbidden,
    /// 429 with `Retry-After: retry_after_secs` for the first `times` requests, then as Valid.
    RateLimited { times: u32, retry_after_secs: u64 },
    /// Always 500.
    ServerError,
    /// Never answers.
    Hang,
    /// 302 to the same path on the `Elsewhere` host.
    RedirectAway,
}

/// A token the fake knows. Which fields matter depends on the platform (see each field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FakeToken {
    /// The credential as sent: Supervisely/CVAT token, Roboflow key, Encord legacy API key,
    /// env0 key secret. Unused for Encord SSH keys.
    pub secret: String,
    /// env0 API key id; Encord SSH public key (hex); Roboflow `keyId` (made up if empty).
    pub key_id: String,
    /// Encord legacy keys: the project or dataset id the key belongs to.
    pub resource_id: String,
    pub behaviour: Behaviour,
    pub owner: String,
    /// Roboflow workspace url; env0 organization name.
    pub workspace: String,
    /// Supervisely user role; env0 organization role.
    pub role: String,
    /// CVAT token name; Roboflow key name; Encord legacy key title.
    pub name: String,
    /// CVAT `expiry_date` (RFC 3339).
    pub expires_at: Option<String>,
    /// CVAT `last_used_date`, env0 `lastUsedAt` (RFC 3339).
    pub last_used_at: Option<String>,
    /// CVAT `created_date`, env0 `createdAt`, Roboflow `created_on` (RFC 3339); unset, the
    /// fake says the token was created a minute before the request.
    pub created_at: Option<String>,
    /// CVAT read-only token.
    pub read_only: bool,
    /// Encord legacy: "project" or "dataset" (default project).
    pub resource_type: String,
    /// env0 / Roboflow: the key may list and delete API keys.
    pub admin: bool,
    /// Roboflow: protected keys cannot be revoked through the API (409).
    pub protected: bool,
    /// Supervisely: the user account is disabled.
    pub disabled: bool,
    /// Set by the fake when the key was deleted through its API.
    pub revoked_by_api: bool,
    /// Roboflow / env0 / CVAT: the delete answers success but the key keeps working (a fault to
    /// test that a revoke is confirmed by validating afterwards).
    pub revoke_ignored: bool,
}

/// The creation date the fake reports for `t` (see [`FakeToken::created_at`]).
pub(crate) fn created(t: &FakeToken) -> String {
    t.created_at.clone().unwrap_or_else(|| {
        (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    })
}

/// One request as the fake received it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Logged {
    /// Whether `needle` appears anywhere in the request (query, headers, body).
    pub fn contains(&self, needle: &str) -> bool {
        self.query.as_deref().is_some_and(|q| q.contains(needle))
            || self.headers.iter().any(|(_, v)| v.contains(needle))
            || self.body.contains(needle)
            || self.path.contains(needle)
    }
}

pub(crate) struct Shared {
    pub kind: Kind,
    pub tokens: Mutex<Vec<FakeToken>>,
    pub elsewhere: Mutex<Option<String>>,
    log: Mutex<Vec<Logged>>,
    latency: Mutex<Duration>,
    /// Requests of this method (whose path and query contain this, when it is given) wait
    /// until it is cleared (`POST /__fake/hold`).
    pub hold: Mutex<Option<(String, Option<String>)>>,
    rate_seen: Mutex<HashMap<String, u32>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

struct InFlight<'a>(&'a Shared);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a token's behaviour asks of the platform code.
pub(crate) enum Gate {
    /// Answer as the platform does for this token's state.
    Pass(FakeToken),
    /// Answer this instead.
    Respond(Response),
}

impl Shared {
    /// Whether this request is held (`POST /__fake/hold`).
    fn holds(&self, method: &axum::http::Method, path_and_query: &str) -> bool {
        self.hold.lock().unwrap().as_ref().is_some_and(|(m, part)| {
            m == method.as_str() && part.as_deref().is_none_or(|part| path_and_query.contains(part))
        })
    }

    /// Apply the behaviours that do not depend on the platform (429, 500, hang, redirect).
    pub(crate) async fn gate(&self, token: &FakeToken, path_and_query: &str) -> Gate {
        match &token.behaviour {
            Behaviour::RateLimited { times, retry_after_secs } => {
                let key = format!("{}|{}|{}", token.secret, token.key_id, token.resource_id);
                let seen = {
                    let mut map = self.rate_seen.lock().unwrap();
                    let n = map.entry(key).or_insert(0);
                    *n += 1;
                    *n
                };
                if seen <= *times {
                    let mut r = json_response(StatusCode::TOO_MANY_REQUESTS, json!({"detail": "Too many requests"}));
                    r.headers_mut().insert("retry-after", retry_after_secs.to_string().parse().unwrap());
                    return Gate::Respond(r);
                }
                Gate::Pass(token.clone())
            }
            Behaviour::ServerError => {
                Gate::Respond(json_response(StatusCode::INTERNAL_SERVER_ERROR, json!({"detail": "Server error"})))
            }
            Behaviour::Hang => {
                tokio::time::sleep(Duration::from_secs(120)).await;
                Gate::Respond(StatusCode::GATEWAY_TIMEOUT.into_response())
            }
            Behaviour::RedirectAway => {
                let target = self.elsewhere.lock().unwrap().clone().unwrap_or_else(|| "http://127.0.0.1:9".into());
                // Path only: the fake itself never puts a credential in the new address.
                let path = path_and_query.split('?').next().unwrap_or("/");
                let mut r = StatusCode::FOUND.into_response();
                r.headers_mut().insert("location", format!("{target}{path}").parse().unwrap());
                Gate::Respond(r)
            }
            _ => Gate::Pass(token.clone()),
        }
    }

    pub(crate) fn find(&self, pred: impl Fn(&FakeToken) -> bool) -> Option<FakeToken> {
        self.tokens.lock().unwrap().iter().find(|t| pred(t)).cloned()
    }
}

pub(crate) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

pub(crate) fn status(status: StatusCode) -> Response {
    json_response(status, json!({"detail": status.canonical_reason().unwrap_or("error")}))
}

/// The parts of a request the platform handlers look at.
pub(crate) struct Incoming {
    pub method: Method,
    pub path: String,
    pub path_and_query: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn is_json(&self) -> bool {
        self.header("content-type").is_some_and(|c| c.starts_with("application/json"))
    }
}

/// A running fake.
pub struct Fake {
    pub kind: Kind,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Fake {
    /// Start a fake on a random 127.0.0.1 port (needs a tokio runtime).
    pub async fn start(kind: Kind) -> Fake {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            kind,
            tokens: Mutex::new(vec![]),
            elsewhere: Mutex::new(None),
            log: Mutex::new(vec![]),
            latency: Mutex::new(Duration::ZERO),
            hold: Mutex::new(None),
            rate_seen: Mutex::new(HashMap::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Fake { kind, url, shared, task }
    }

    /// Where `Behaviour::RedirectAway` sends clients.
    pub fn redirect_to(&self, elsewhere: &Fake) -> &Self {
        *self.shared.elsewhere.lock().unwrap() = Some(elsewhere.url.clone());
        self
    }

    pub fn add(&self, token: FakeToken) -> &Self {
        self.shared.tokens.lock().unwrap().push(token);
        self
    }

    /// Change how the fake answers the token with this secret (the user revoked it on the
    /// platform's website). False when there is no such token.
    pub fn set_behaviour(&self, secret: &str, behaviour: Behaviour) -> bool {
        let mut tokens = self.shared.tokens.lock().unwrap();
        let mut found = false;
        for t in tokens.iter_mut().filter(|t| t.secret == secret) {
            t.behaviour = behaviour.clone();
            found = true;
        }
        found
    }

    pub fn tokens(&self) -> Vec<FakeToken> {
        self.shared.tokens.lock().unwrap().clone()
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.shared.log.lock().unwrap().clone()
    }

    pub fn set_latency(&self, latency: Duration) {
        *self.shared.latency.lock().unwrap() = latency;
    }

    /// The most requests this fake was handling at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn handle(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 1 << 20).await.map(|b| b.to_vec()).unwrap_or_default();
    s.log.lock().unwrap().push(Logged {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    s.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _guard = InFlight(&s);
    let latency = *s.latency.lock().unwrap();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let held = |s: &Shared| s.holds(&parts.method, &parts.uri.to_string());
    if !parts.uri.path().starts_with("/__fake/") && held(&s) {
        // Held: no answer (a server that never gets to it) until released, at most two
        // minutes; then 503 and nothing done, so a held request never takes effect late.
        for _ in 0..1200 {
            if !held(&s) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        return json_response(StatusCode::SERVICE_UNAVAILABLE, json!({"detail": "The request was held and dropped"}));
    }
    let query =
        parts.uri.query().map(|q| url_decode_pairs(q).into_iter().collect::<HashMap<_, _>>()).unwrap_or_default();
    let req = Incoming {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        path_and_query: parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/".into()),
        query,
        headers: parts.headers.clone(),
        body,
    };
    if req.path.starts_with("/__fake/") {
        return control(&s, &req);
    }
    match s.kind {
        Kind::Supervisely => supervisely::handle(&s, &req).await,
        Kind::Cvat => cvat::handle(&s, &req).await,
        Kind::Roboflow => roboflow::handle(&s, &req).await,
        Kind::Encord => encord::handle(&s, &req).await,
        Kind::Env0 => env0::handle(&s, &req).await,
        Kind::Elsewhere => json_response(StatusCode::OK, json!({})),
    }
}
