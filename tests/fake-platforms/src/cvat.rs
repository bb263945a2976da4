//! CVAT: `GET {server}/api/auth/access_tokens/self` with `Authorization: Bearer <token>`.
//! Tokens look like `[A-Za-z0-9]{8}.[A-Za-z0-9]{32}`; missing, malformed, unknown, revoked and
//! expired tokens all get DRF's 401 with `WWW-Authenticate: Bearer`.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::{json_response, status, Behaviour, Gate, Incoming, Shared};

fn well_formed(token: &str) -> bool {
    let Some((prefix, secret)) = token.split_once('.') else { return false };
    prefix.len() == 8 && secret.len() == 32 && prefix.chars().chain(secret.chars()).all(|c| c.is_ascii_alphanumeric())
}

fn unauthorized(detail: &str) -> Response {
    let mut r = json_response(StatusCode::UNAUTHORIZED, json!({"detail": detail}));
    r.headers_mut().insert("www-authenticate", "Bearer".parse().unwrap());
    r
}

pub(crate) async fn handle(s: &Shared, req: &Incoming) -> Response {
    if req.path != "/api/auth/access_tokens/self" {
        return status(StatusCode::NOT_FOUND);
    }
    if req.method != Method::GET {
        return json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"detail": format!("Method \"{}\" not allowed.", req.method)}),
        );
    }
    let Some(auth) = req.header("authorization") else {
        return unauthorized("Authentication credentials were not provided.");
    };
    let Some(("Bearer", key)) = auth.split_once(' ') else {
        return unauthorized("Authentication credentials were not provided.");
    };
    if !well_formed(key) {
        return unauthorized("Invalid token.");
    }
    let Some(token) = s.find(|t| t.secret == key) else {
        return unauthorized("Invalid token.");
    };
    let token = match s.gate(&token, &req.path_and_query).await {
        Gate::Pass(t) => t,
        Gate::Respond(r) => return r,
    };
    match token.behaviour {
        Behaviour::Revoked | Behaviour::Expired => unauthorized("Invalid token."),
        Behaviour::Forbidden => json_response(
            StatusCode::FORBIDDEN,
            json!({"detail": "You do not have permission to perform this action."}),
        ),
        _ => json_response(
            StatusCode::OK,
            json!({
                "id": 7,
                "name": token.name,
                "created_date": crate::created(&token),
                "updated_date": crate::created(&token),
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
            }),
        ),
    }
}
