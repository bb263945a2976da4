//! CVAT: `GET {server}/api/auth/access_tokens/self` with `Authorization: Bearer <token>`.
//! Tokens look like `[A-Za-z0-9]{8}.[A-Za-z0-9]{32}`; missing, malformed, unknown, revoked and
//! expired tokens all get DRF's 401 with `WWW-Authenticate: Bearer`.
//!
//! Rotation (cvat `apps/access_tokens` views, serializers, rules): `POST /api/auth/access_tokens`
//! `{name, expiry_date, read_only}` → 201 with the token and its `value` (once);
//! `DELETE /api/auth/access_tokens/{id}` → 204. Both need the user's own credentials, HTTP
//! Basic `owner:` [`CVAT_PASSWORD`]: a token-authenticated client gets 403, a wrong password
//! 401. A token's `id` is its place in the fake's list, from 1.

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use base64::Engine;

use crate::{json_response, status, Behaviour, FakeToken, Gate, Incoming, Shared};

/// The password of every user who owns a token in the fake CVAT (an obviously fake one).
pub const CVAT_PASSWORD: &str = "FAKE-cvat-password";

fn well_formed(token: &str) -> bool {
    let Some((prefix, secret)) = token.split_once('.') else { return false };
    prefix.len() == 8 && secret.len() == 32 && prefix.chars().chain(secret.chars()).all(|c| c.is_ascii_alphanumeric())
}

fn unauthorized(detail: &str) -> Response {
    let mut r = json_response(StatusCode::UNAUTHORIZED, json!({"detail": detail}));
    r.headers_mut().insert("www-authenticate", "Bearer".parse().unwrap());
    r
}

fn forbidden() -> Response {
    json_response(StatusCode::FORBIDDEN, json!({"detail": "You do not have permission to perform this action."}))
}

fn describe(id: usize, token: &FakeToken) -> serde_json::Value {
    json!({
        "id": id,
        "name": token.name,
        "created_date": crate::created(token),
        "updated_date": crate::created(token),
        "expiry_date": token.expires_at,
        "last_used_date": token.last_used_at,
        "read_only": token.read_only,
        "owner": {
            "url": "http://127.0.0.1/api/users/1",
            "id": 1,
            "username": token.owner,
            "first_name": "",
            "last_name": "",
        },
    })
}

/// The user a Basic `Authorization` names, when the password is right and they own a token.
fn basic_user(s: &Shared, basic: &str) -> Option<String> {
    let raw = base64::engine::general_purpose::STANDARD.decode(basic).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, password) = text.split_once(':')?;
    (password == CVAT_PASSWORD && !user.is_empty() && s.find(|t| t.owner == user).is_some()).then(|| user.to_string())
}

pub(crate) async fn handle(s: &Shared, req: &Incoming) -> Response {
    let tail = req.path.strip_prefix("/api/auth/access_tokens");
    let manage = match (tail, &req.method) {
        (Some("/self"), &Method::GET) => None,
        (Some(""), &Method::POST) => Some(None),
        (Some(id), &Method::DELETE) if id.len() > 1 && id.starts_with('/') => Some(Some(id[1..].to_string())),
        (Some("/self" | ""), m) => {
            return json_response(
                StatusCode::METHOD_NOT_ALLOWED,
                json!({"detail": format!("Method \"{m}\" not allowed.")}),
            )
        }
        _ => return status(StatusCode::NOT_FOUND),
    };
    let Some(auth) = req.header("authorization") else {
        return unauthorized("Authentication credentials were not provided.");
    };
    if let Some(target) = manage {
        return match auth.split_once(' ') {
            Some(("Basic", basic)) => match basic_user(s, basic) {
                Some(user) => manage_tokens(s, req, &user, target),
                None => unauthorized("Invalid username/password."),
            },
            // `access_token_plugin.access_tokens.rego`: a token may only list and view.
            Some(("Bearer", key)) if s.find(|t| t.secret == key && !t.revoked_by_api).is_some() => forbidden(),
            _ => unauthorized("Invalid token."),
        };
    }
    let Some(("Bearer", key)) = auth.split_once(' ') else {
        return unauthorized("Authentication credentials were not provided.");
    };
    if !well_formed(key) {
        return unauthorized("Invalid token.");
    }
    let Some(token) = s.find(|t| t.secret == key && !t.revoked_by_api) else {
        return unauthorized("Invalid token.");
    };
    let id = s.tokens.lock().unwrap().iter().position(|t| t.secret == key).unwrap_or(0) + 1;
    let token = match s.gate(&token, &req.path_and_query).await {
        Gate::Pass(t) => t,
        Gate::Respond(r) => return r,
    };
    match token.behaviour {
        Behaviour::Revoked | Behaviour::Expired => unauthorized("Invalid token."),
        Behaviour::Forbidden => forbidden(),
        _ => json_response(StatusCode::OK, describe(id, &token)),
    }
}

/// Create (`target` None) or revoke a token of `user`, signed in with their password.
fn manage_tokens(s: &Shared, req: &Incoming, user: &str, target: Option<String>) -> Response {
    let mut tokens = s.tokens.lock().unwrap();
    let Some(id) = target else {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let name = body.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_string();
        if name.trim().is_empty() {
            return json_response(StatusCode::BAD_REQUEST, json!({"name": ["This field is required."]}));
        }
        let n = tokens.len() + 1;
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u128;
        // An obviously fake token of CVAT's shape, unique per server and call.
        let secret = format!("FAKEn{:03}.{:032x}", n % 1000, nanos);
        let made = FakeToken {
            secret: secret.clone(),
            behaviour: Behaviour::Valid,
            owner: user.to_string(),
            name,
            expires_at: body.get("expiry_date").and_then(|e| e.as_str()).map(str::to_string),
            created_at: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            read_only: body.get("read_only").and_then(|r| r.as_bool()).unwrap_or(false),
            ..Default::default()
        };
        let mut answer = describe(n, &made);
        answer["value"] = json!(secret);
        tokens.push(made);
        return json_response(StatusCode::CREATED, answer);
    };
    let found = id.parse::<usize>().ok().filter(|i| *i >= 1).and_then(|i| tokens.get_mut(i - 1));
    match found {
        Some(t) if t.owner == user && !t.revoked_by_api => {
            // `revoke_ignored`: the delete answers success but the token keeps working.
            t.revoked_by_api = !t.revoke_ignored;
            StatusCode::NO_CONTENT.into_response()
        }
        Some(t) if t.owner != user && !t.revoked_by_api => forbidden(),
        _ => json_response(StatusCode::NOT_FOUND, json!({"detail": "No AccessToken matches the given query."})),
    }
}
