//! Roboflow: the key travels as the `api_key` query parameter (never a header).
//! - `POST /?api_key=` → `{"welcome", "instructions", "docs", "workspace"}`, 401 for a bad key.
//! - `GET /{workspace}/api-keys?api_key=` → `{"apiKeys": [{keyId, name, prefix, default, protected, disabled, created_on}]}`.
//! - `DELETE /{workspace}/api-keys/{keyId}?api_key=` → revokes; 409 for a protected key.
//! - `POST /{workspace}/api-keys?api_key=` with `{name, scopes?}` → `{keyId, key, name}`: a new
//!   key with the caller's rights, its secret shown this once (`roboflow/adapters/rfapi.py`
//!   `create_api_key`); 403 for a key that may not manage keys.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::{json_response, status, Behaviour, FakeToken, Gate, Incoming, Shared};

/// The keyId the fake reports for a token.
pub(crate) fn key_id(t: &FakeToken) -> String {
    if t.key_id.is_empty() {
        format!("key-{}", t.secret.chars().rev().take(6).collect::<String>())
    } else {
        t.key_id.clone()
    }
}

fn prefix(t: &FakeToken) -> String {
    t.secret.chars().take(10).collect()
}

fn unauthorized() -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        json!({"error": {"message": "This API key does not exist (or has been revoked).", "type": "OAuthException"}}),
    )
}

pub(crate) async fn handle(s: &Shared, req: &Incoming) -> Response {
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').filter(|p| !p.is_empty()).collect();
    let route = match (segments.as_slice(), &req.method) {
        ([], &Method::POST) => "check",
        ([_, "api-keys"], &Method::GET) => "list",
        ([_, "api-keys"], &Method::POST) => "create",
        ([_, "api-keys", _], &Method::DELETE) => "delete",
        ([], _) | ([_, "api-keys"], _) | ([_, "api-keys", _], _) => return status(StatusCode::METHOD_NOT_ALLOWED),
        _ => return status(StatusCode::NOT_FOUND),
    };
    // The SDK's `requests.post(url)` sends `Content-Length: 0`; Google's front end refuses a
    // POST without a length (411), so the fake does too.
    if req.method == Method::POST && req.header("content-length").is_none() {
        return status(StatusCode::LENGTH_REQUIRED);
    }
    let Some(key) = req.query.get("api_key") else {
        return unauthorized();
    };
    let Some(token) = s.find(|t| &t.secret == key && !t.revoked_by_api) else {
        return unauthorized();
    };
    let token = match s.gate(&token, &req.path_and_query).await {
        Gate::Pass(t) => t,
        Gate::Respond(r) => return r,
    };
    match token.behaviour {
        Behaviour::Revoked | Behaviour::Expired => return unauthorized(),
        Behaviour::Forbidden => return json_response(StatusCode::FORBIDDEN, json!({"error": "Forbidden"})),
        _ => {}
    }
    match route {
        "check" => json_response(
            StatusCode::OK,
            json!({
                "welcome": "Welcome to the Roboflow API.",
                "instructions": "You are successfully authenticated.",
                "docs": "https://docs.roboflow.com",
                "workspace": token.workspace,
            }),
        ),
        _ if segments[0] != token.workspace => {
            json_response(StatusCode::FORBIDDEN, json!({"error": "Not your workspace"}))
        }
        _ if !token.admin => json_response(StatusCode::FORBIDDEN, json!({"error": "This key may not manage API keys"})),
        "create" => {
            let name = serde_json::from_slice::<serde_json::Value>(&req.body)
                .ok()
                .and_then(|b| b.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .unwrap_or_default();
            let n = s.tokens.lock().unwrap().len();
            // An obviously fake key, unique per server and call.
            let secret = format!("FAKErfNew{n:04}{:x}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default());
            let made = FakeToken {
                secret: secret.clone(),
                key_id: format!("key-new-{n}"),
                behaviour: Behaviour::Valid,
                owner: token.owner.clone(),
                workspace: token.workspace.clone(),
                name: name.clone(),
                admin: token.admin,
                ..Default::default()
            };
            let key_id = made.key_id.clone();
            s.tokens.lock().unwrap().push(made);
            json_response(StatusCode::OK, json!({"keyId": key_id, "key": secret, "name": name}))
        }
        "list" => {
            let keys: Vec<_> = s
                .tokens
                .lock()
                .unwrap()
                .iter()
                .filter(|t| t.workspace == token.workspace && !t.revoked_by_api)
                .map(|t| {
                    json!({
                        "keyId": key_id(t),
                        "name": t.name,
                        "prefix": prefix(t),
                        "default": false,
                        "protected": t.protected,
                        "disabled": false,
                        "created_on": crate::created(t),
                    })
                })
                .collect();
            json_response(StatusCode::OK, json!({"apiKeys": keys}))
        }
        _ => {
            let target = segments[2];
            let mut tokens = s.tokens.lock().unwrap();
            match tokens.iter_mut().find(|t| t.workspace == token.workspace && key_id(t) == target && !t.revoked_by_api)
            {
                None => json_response(StatusCode::NOT_FOUND, json!({"error": "No such key"})),
                Some(t) if t.protected => {
                    json_response(StatusCode::CONFLICT, json!({"error": "This key is protected"}))
                }
                Some(t) => {
                    t.revoked_by_api = !t.revoke_ignored;
                    json_response(StatusCode::OK, json!({"success": true}))
                }
            }
        }
    }
}
