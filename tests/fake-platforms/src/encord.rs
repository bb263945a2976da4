//! Encord.
//!
//! User auth: `GET /v2/public/user/current-organisation/groups`, signed as the SDK's v2 signer
//! does (RFC 9421 style). The fake rebuilds the signature base from the raw request itself —
//! method, request target as received, the body's SHA-256 — and verifies the Ed25519
//! signature with ed25519-dalek against the registered public key (`FakeToken::key_id`, hex).
//! Missing, malformed, unknown, stale or badly signed requests get 401.
//!
//! Legacy API keys: `POST /public` with `Authorization: <key>`, `ResourceID: <id>` and a JSON
//! body `{"query_type": "apikeymeta", "query_method": "GET", …}`; the answer is always HTTP
//! 200 with a JSON `status`, errors as `{"status": 401, "response": ["AUTHENTICATION_ERROR"]}`.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{json_response, status, Behaviour, Gate, Incoming, Shared};

/// An Ed25519 OpenSSH key made for these tests only; it protects nothing.
pub const TEST_KEY_PEM: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDi2iZBtTDZplztTXUwG4R5GcBtBE589TXHUQRAwf6cCwAAAKBiYSQIYmEk
CAAAAAtzc2gtZWQyNTUxOQAAACDi2iZBtTDZplztTXUwG4R5GcBtBE589TXHUQRAwf6cCw
AAAEAsK/b51ac+vCdvw46WSTwLKLyTvBifv8vQ0CDEAU1K2OLaJkG1MNmmXO1NdTAbhHkZ
wG0ETnz1NcdRBEDB/pwLAAAAFmxhdGNoa2V5LWZha2UtdGVzdC1rZXkBAgMEBQYH
-----END OPENSSH PRIVATE KEY-----
";
/// The raw public key of [`TEST_KEY_PEM`], in hex (Encord's `keyid`).
pub const TEST_KEY_PUBLIC_HEX: &str = "e2da2641b530d9a65ced4d75301b847919c06d044e7cf535c7510440c1fe9c0b";

const LABEL: &str = "encord-sig";
const COVERED: &str = r#"("@method" "@request-target" "content-digest")"#;

fn unauthorized(why: &str) -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        json!({"message": format!("You are not authenticated to access the Encord platform ({why}).")}),
    )
}

pub(crate) async fn handle(s: &Shared, req: &Incoming) -> Response {
    match req.path.as_str() {
        "/v2/public/user/current-organisation/groups" if req.method == Method::GET => groups(s, req).await,
        "/v2/public/user/current-organisation/groups" => status(StatusCode::METHOD_NOT_ALLOWED),
        "/public" if req.method == Method::POST => legacy(s, req).await,
        "/public" => status(StatusCode::METHOD_NOT_ALLOWED),
        _ => status(StatusCode::NOT_FOUND),
    }
}

/// The parameters of a `Signature-Input` value, checked for the SDK's exact shape.
struct Params {
    raw: String,
    created: i64,
    key_id: String,
}

fn parse_signature_input(value: &str) -> Result<Params, &'static str> {
    let raw = value.strip_prefix(&format!("{LABEL}=")).ok_or("wrong signature label")?;
    let rest = raw.strip_prefix(COVERED).ok_or("wrong covered components")?;
    let (mut created, mut key_id, mut alg) = (None, None, None);
    for param in rest.split(';').filter(|p| !p.is_empty()) {
        let (k, v) = param.split_once('=').ok_or("malformed parameter")?;
        match k {
            "created" => created = Some(v.parse::<i64>().map_err(|_| "created is not an integer")?),
            "keyid" => key_id = Some(v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or("keyid not quoted")?),
            "alg" => alg = Some(v),
            _ => return Err("unknown parameter"),
        }
    }
    if alg != Some("\"ed25519\"") {
        return Err("alg is not ed25519");
    }
    Ok(Params {
        raw: raw.to_string(),
        created: created.ok_or("no created")?,
        key_id: key_id.ok_or("no keyid")?.to_string(),
    })
}

fn sfv_bytes(value: &str) -> Option<Vec<u8>> {
    let inner = value.strip_prefix(&format!("{LABEL}=:"))?.strip_suffix(':')?;
    B64.decode(inner).ok()
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Verify the request's signature; the key id of a good one.
fn verify(req: &Incoming) -> Result<String, &'static str> {
    let digest = req.header("content-digest").ok_or("no Content-Digest")?;
    let expected = format!("sha-256=:{}:", B64.encode(Sha256::digest(&req.body)));
    if digest != expected {
        return Err("Content-Digest does not match the body");
    }
    let params = parse_signature_input(req.header("signature-input").ok_or("no Signature-Input")?)?;
    let now = chrono::Utc::now().timestamp();
    if params.created > now + 60 || params.created < now - 300 {
        return Err("signature too old or from the future");
    }
    let sig = sfv_bytes(req.header("signature").ok_or("no Signature")?).ok_or("malformed Signature")?;
    let sig = Signature::from_slice(&sig).map_err(|_| "malformed signature")?;
    let key = VerifyingKey::from_bytes(&hex32(&params.key_id).ok_or("malformed keyid")?).map_err(|_| "bad key")?;
    let base = format!(
        "\"@method\": {}\n\"@request-target\": {}\n\"content-digest\": {}\n\"@signature-params\": {}",
        req.method.as_str(),
        req.path_and_query,
        digest,
        params.raw
    );
    key.verify_strict(base.as_bytes(), &sig).map_err(|_| "signature does not verify")?;
    Ok(params.key_id)
}

async fn groups(s: &Shared, req: &Incoming) -> Response {
    let key_id = match verify(req) {
        Ok(k) => k,
        Err(why) => return unauthorized(why),
    };
    let Some(token) = s.find(|t| t.key_id == key_id) else {
        return unauthorized("public key not registered");
    };
    let token = match s.gate(&token, &req.path_and_query).await {
        Gate::Pass(t) => t,
        Gate::Respond(r) => return r,
    };
    match token.behaviour {
        Behaviour::Revoked | Behaviour::Expired => unauthorized("public key not registered"),
        Behaviour::Forbidden => {
            json_response(StatusCode::FORBIDDEN, json!({"message": "You are not authorised to access this asset."}))
        }
        _ => json_response(
            StatusCode::OK,
            json!({
                "results": [{
                    "groupHash": "6b0f5c8e-0000-4000-8000-000000000001",
                    "name": format!("{} team", token.owner),
                    "description": "",
                    "createdAt": "2025-02-01T00:00:00Z",
                }],
                "nextPageToken": null,
            }),
        ),
    }
}

fn legacy_error(code: u16, what: &str) -> Response {
    json_response(StatusCode::OK, json!({"status": code, "response": [what], "payload": null}))
}

async fn legacy(s: &Shared, req: &Incoming) -> Response {
    if !req.is_json() {
        return legacy_error(400, "INVALID_ARGUMENTS_ERROR");
    }
    let body: serde_json::Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(_) => return legacy_error(400, "INVALID_ARGUMENTS_ERROR"),
    };
    let (Some(key), Some(resource)) = (req.header("authorization"), req.header("resourceid")) else {
        return legacy_error(401, "AUTHENTICATION_ERROR");
    };
    let Some(token) = s.find(|t| t.secret == key && !t.resource_id.is_empty()) else {
        return legacy_error(401, "AUTHENTICATION_ERROR");
    };
    if token.resource_id != resource {
        return legacy_error(403, "AUTHORISATION_ERROR");
    }
    let token = match s.gate(&token, &req.path_and_query).await {
        Gate::Pass(t) => t,
        Gate::Respond(r) => return r,
    };
    match token.behaviour {
        Behaviour::Revoked | Behaviour::Expired => return legacy_error(401, "AUTHENTICATION_ERROR"),
        Behaviour::Forbidden => return legacy_error(403, "AUTHORISATION_ERROR"),
        _ => {}
    }
    if body["query_type"] != "apikeymeta" || body["query_method"] != "GET" {
        return legacy_error(400, "INVALID_ARGUMENTS_ERROR");
    }
    let kind = if token.resource_type.is_empty() { "project" } else { token.resource_type.as_str() };
    json_response(StatusCode::OK, json!({"status": 200, "response": {"title": token.name, "resource_type": kind}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_input_must_have_the_sdk_shape() {
        let ok = format!("{LABEL}={COVERED};created=1700000000;keyid=\"{TEST_KEY_PUBLIC_HEX}\";alg=\"ed25519\"");
        let p = parse_signature_input(&ok).unwrap();
        assert_eq!((p.created, p.key_id.as_str()), (1_700_000_000, TEST_KEY_PUBLIC_HEX));
        for bad in [
            ok.replace("encord-sig=", "sig1="),
            ok.replace(r#""content-digest""#, ""),
            ok.replace("ed25519", "rsa"),
            ok.replace("created=1700000000", "created=soon"),
            ok.replace(&format!("\"{TEST_KEY_PUBLIC_HEX}\""), TEST_KEY_PUBLIC_HEX),
        ] {
            assert!(parse_signature_input(&bad).is_err(), "{bad}");
        }
    }
}
