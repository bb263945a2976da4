//! Supervisely: `POST {server}/public/api/v3/users.me`, header `x-api-key`, JSON body.
//! A missing or unknown key is refused with 403, as the SDK's `get_user()` expects.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::{json_response, status, Behaviour, Gate, Incoming, Shared};

pub(crate) async fn handle(s: &Shared, req: &Incoming) -> Response {
    if req.path != "/public/api/v3/users.me" {
        return status(StatusCode::NOT_FOUND);
    }
    if req.method != Method::POST {
        return status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let Some(key) = req.header("x-api-key") else {
        return json_response(StatusCode::FORBIDDEN, json!({"error": "Unauthorized: api token is missing"}));
    };
    let Some(token) = s.find(|t| t.secret == key) else {
        return json_response(StatusCode::FORBIDDEN, json!({"error": "Unauthorized: invalid api token"}));
    };
    let token = match s.gate(&token, &req.path_and_query).await {
        Gate::Pass(t) => t,
        Gate::Respond(r) => return r,
    };
    if !req.is_json() || serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&req.body).is_err() {
        return json_response(StatusCode::BAD_REQUEST, json!({"error": "Request body must be a JSON object"}));
    }
    match token.behaviour {
        Behaviour::Revoked | Behaviour::Expired => {
            json_response(StatusCode::FORBIDDEN, json!({"error": "Unauthorized: invalid api token"}))
        }
        Behaviour::Forbidden => json_response(StatusCode::FORBIDDEN, json!({"error": "Forbidden"})),
        _ => json_response(
            StatusCode::OK,
            json!({
                "id": 8,
                "login": token.owner,
                "role": if token.role.is_empty() { "user".to_string() } else { token.role.clone() },
                "roleId": 2,
                "name": "",
                "email": format!("{}@example.invalid", token.owner),
                "logins": 20,
                "disabled": token.disabled,
                "lastLogin": "2026-03-24T15:06:26.804Z",
                "createdAt": "2025-04-17T10:24:09.077Z",
                "updatedAt": "2026-03-24T15:13:01.148Z",
            }),
        ),
    }
}
