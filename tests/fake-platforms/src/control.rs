//! The control API of every fake (`/__fake/…`), for end-to-end tests that run the binary,
//! and query-string decoding.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use crate::{json_response, status, FakeToken, Incoming, Shared};

pub(crate) fn control(s: &Shared, req: &Incoming) -> Response {
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/__fake/tokens") => match serde_json::from_slice::<FakeToken>(&req.body) {
            Ok(t) => {
                s.tokens.lock().unwrap().push(t);
                json_response(StatusCode::CREATED, json!({}))
            }
            Err(e) => json_response(StatusCode::BAD_REQUEST, json!({"detail": e.to_string()})),
        },
        // The user revoked (or otherwise changed) a token on the platform's website:
        // `{"secret": "…", "behaviour": {"kind": "revoked"}}`.
        ("POST", "/__fake/behaviour") => match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) => {
                let secret = v["secret"].as_str().unwrap_or_default().to_string();
                match serde_json::from_value::<crate::Behaviour>(v["behaviour"].clone()) {
                    Ok(b) => {
                        let mut tokens = s.tokens.lock().unwrap();
                        let mut n = 0;
                        for t in tokens.iter_mut().filter(|t| t.secret == secret) {
                            t.behaviour = b.clone();
                            n += 1;
                        }
                        let code = if n > 0 { StatusCode::OK } else { StatusCode::NOT_FOUND };
                        json_response(code, json!({"changed": n}))
                    }
                    Err(e) => json_response(StatusCode::BAD_REQUEST, json!({"detail": e.to_string()})),
                }
            }
            Err(e) => json_response(StatusCode::BAD_REQUEST, json!({"detail": e.to_string()})),
        },
        ("GET", "/__fake/requests") => {
            json_response(StatusCode::OK, serde_json::to_value(&*s.log.lock().unwrap()).unwrap_or_default())
        }
        ("POST", "/__fake/latency") => {
            let ms = serde_json::from_slice::<Value>(&req.body).ok().and_then(|v| v["ms"].as_u64()).unwrap_or(0);
            *s.latency.lock().unwrap() = Duration::from_millis(ms);
            json_response(StatusCode::OK, json!({"ms": ms}))
        }
        // Hold every request of one method (`{"method": "DELETE"}`), or those of one method whose
        // path and query contain a string (`{"method": "POST", "matching": "?api_key=FAKErfNew"}`),
        // unanswered; `null` releases.
        ("POST", "/__fake/hold") => match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) => {
                let method = v["method"].as_str().map(str::to_ascii_uppercase);
                let matching = v["matching"].as_str().map(str::to_string);
                *s.hold.lock().unwrap() = method.clone().map(|m| (m, matching.clone()));
                json_response(StatusCode::OK, json!({ "method": method, "matching": matching }))
            }
            Err(e) => json_response(StatusCode::BAD_REQUEST, json!({"detail": e.to_string()})),
        },
        ("GET", "/__fake/stats") => json_response(
            StatusCode::OK,
            json!({
                "requests": s.log.lock().unwrap().len(),
                "max_in_flight": s.max_in_flight.load(Ordering::SeqCst),
            }),
        ),
        _ => status(StatusCode::NOT_FOUND),
    }
}

/// `a=1&b=%20x` → pairs, percent- and plus-decoded.
pub(crate) fn url_decode_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 3 <= bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        assert_eq!(
            url_decode_pairs("api_key=a%2Bb&x=1+2&organizationId=org-1"),
            vec![
                ("api_key".into(), "a+b".into()),
                ("x".into(), "1 2".into()),
                ("organizationId".into(), "org-1".into())
            ]
        );
        assert_eq!(decode("%zz%"), "%zz%");
    }
}
