//! env0: HTTP Basic with the API key id and secret on every request.
//! - `HEAD /` → 200 when the key authenticates.
//! - `GET /organizations` → `[{id, name, role, …}]`.
//! - `GET /api-keys?organizationId=` → `[{id, name, apiKeyId, lastUsedAt, organizationId, organizationRole}]` (admins).
//! - `DELETE /api-keys/{id}` → deletes (admins); others get 403.
//! - `POST /api-keys` `{name, organizationId, permissions: {organizationRole, projectsPermissions?}}`
//!   → `{id, name, apiKeyId, apiKeySecret, organizationId, organizationRole, createdAt}` (admins;
//!   `client/api_key.go` `ApiKeyCreate`); the new key's rights are the role asked for.

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use crate::{json_response, status, Behaviour, FakeToken, Gate, Incoming, Shared};

const ORG_ID: &str = "org-0001";

fn unauthorized() -> Response {
    let mut r = json_response(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}));
    r.headers_mut().insert("www-authenticate", "Basic realm=\"env0\"".parse().unwrap());
    r
}

fn record_id(t: &FakeToken) -> String {
    format!("rec-{}", t.key_id)
}

pub(crate) async fn handle(s: &Shared, req: &Incoming) -> Response {
    let route = match (req.path.as_str(), &req.method) {
        ("/", &Method::HEAD) => "auth",
        ("/organizations", &Method::GET) => "orgs",
        ("/api-keys", &Method::GET) => "keys",
        ("/api-keys", &Method::POST) => "create",
        (p, &Method::DELETE) if p.starts_with("/api-keys/") => "delete",
        ("/" | "/organizations" | "/api-keys", _) => return status(StatusCode::METHOD_NOT_ALLOWED),
        _ => return status(StatusCode::NOT_FOUND),
    };
    let Some(basic) = req.header("authorization").and_then(|a| a.strip_prefix("Basic ")) else {
        return unauthorized();
    };
    let Some((id, secret)) = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_string(), b.to_string())))
    else {
        return unauthorized();
    };
    let Some(token) = s.find(|t| t.key_id == id && t.secret == secret && !t.revoked_by_api) else {
        return unauthorized();
    };
    let token = match s.gate(&token, &req.path_and_query).await {
        Gate::Pass(t) => t,
        Gate::Respond(r) => return r,
    };
    match token.behaviour {
        Behaviour::Revoked | Behaviour::Expired => return unauthorized(),
        Behaviour::Forbidden => return json_response(StatusCode::FORBIDDEN, json!({"message": "Forbidden"})),
        _ => {}
    }
    let role = if token.role.is_empty() { "User".to_string() } else { token.role.clone() };
    match route {
        "auth" => StatusCode::OK.into_response(),
        "orgs" => json_response(
            StatusCode::OK,
            json!([{
                "id": ORG_ID,
                "name": token.workspace,
                "role": role,
                "description": "",
                "createdAt": "2025-01-01T00:00:00.000Z",
            }]),
        ),
        _ if !token.admin => {
            json_response(StatusCode::FORBIDDEN, json!({"message": "Only organization admins may manage API keys"}))
        }
        "create" => {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            if body["organizationId"].as_str() != Some(ORG_ID) {
                return json_response(StatusCode::BAD_REQUEST, json!({"message": "organizationId is required"}));
            }
            let Some(role) = body["permissions"]["organizationRole"].as_str().map(str::to_string) else {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({"message": "permissions.organizationRole is required"}),
                );
            };
            let n = s.tokens.lock().unwrap().len();
            let made = FakeToken {
                secret: format!(
                    "FAKEe0NewSecret{n:04}{:x}",
                    chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
                ),
                key_id: format!("e0new{n:04}"),
                behaviour: Behaviour::Valid,
                owner: token.owner.clone(),
                workspace: token.workspace.clone(),
                name: body["name"].as_str().unwrap_or_default().to_string(),
                admin: role == "Admin",
                role: role.clone(),
                ..Default::default()
            };
            let answer = json!({
                "id": record_id(&made),
                "name": made.name,
                "apiKeyId": made.key_id,
                "apiKeySecret": made.secret,
                "organizationId": ORG_ID,
                "organizationRole": role,
                "createdAt": crate::created(&made),
            });
            s.tokens.lock().unwrap().push(made);
            json_response(StatusCode::OK, answer)
        }
        "keys" => {
            if req.query.get("organizationId").map(String::as_str) != Some(ORG_ID) {
                return json_response(StatusCode::BAD_REQUEST, json!({"message": "organizationId is required"}));
            }
            let keys: Vec<_> = s
                .tokens
                .lock()
                .unwrap()
                .iter()
                .filter(|t| !t.revoked_by_api)
                .map(|t| {
                    json!({
                        "id": record_id(t),
                        "name": t.name,
                        "apiKeyId": t.key_id,
                        "lastUsedAt": t.last_used_at,
                        "organizationId": ORG_ID,
                        "organizationRole": if t.role.is_empty() { "User" } else { t.role.as_str() },
                        "createdAt": crate::created(t),
                    })
                })
                .collect();
            json_response(StatusCode::OK, json!(keys))
        }
        _ => {
            let target = req.path.trim_start_matches("/api-keys/");
            let mut tokens = s.tokens.lock().unwrap();
            match tokens.iter_mut().find(|t| record_id(t) == target && !t.revoked_by_api) {
                Some(t) => {
                    t.revoked_by_api = !t.revoke_ignored;
                    StatusCode::OK.into_response()
                }
                None => json_response(StatusCode::NOT_FOUND, json!({"message": "Not found"})),
            }
        }
    }
}
