//! Small pieces every adapter uses: addressing the record's server, reading answers, and
//! turning them into a [`Validation`] or a [`RevokeOutcome`].

use chrono::{DateTime, Utc};
use url::Url;

use super::http::{host_of, HttpError, Response};
use super::{info, normalise_server_url, RevokeOutcome, Validation};
use crate::error::{Error, Field, Result};
use crate::record::{Platform, TokenRecord};

/// The record's server (or the platform's public default), normalised, without a trailing slash.
pub fn server(record: &TokenRecord) -> Result<String> {
    let raw = record.server_url.clone().or_else(|| info(record.platform).default_server).ok_or_else(|| {
        Error::invalid_field(
            Field::ServerUrl,
            format!("“{}” has no server address. Edit it and give the address the token is for.", record.label),
        )
    })?;
    normalise_server_url(&raw)
}

/// `server` + `path` (path starts with `/`). The server may itself have a path (a base path
/// of a self-hosted instance), which is kept.
pub fn endpoint(server: &str, path: &str) -> Result<Url> {
    Url::parse(&format!("{}{path}", server.trim_end_matches('/')))
        .map_err(|e| Error::invalid_field(Field::ServerUrl, format!("The server address cannot be used ({e}).")))
}

/// The host of a server address, for messages.
pub fn host(server: &str) -> String {
    Url::parse(server).map(|u| host_of(&u)).unwrap_or_else(|_| "the server".into())
}

/// Network trouble or a busy server: we cannot tell.
pub fn cannot(e: HttpError) -> Validation {
    Validation::cannot_check(e.to_string())
}

/// An answer the adapter does not expect: we cannot tell either.
pub fn unexpected(platform: Platform, server: &str, resp: &Response) -> Validation {
    Validation::cannot_check(format!(
        "{} at {} gave an unexpected answer (HTTP {}); is this the right server address?",
        platform.name(),
        host(server),
        resp.status.as_u16()
    ))
}

/// A platform could not be asked to revoke: nothing is changed.
pub fn unreachable(platform: Platform, e: HttpError) -> Error {
    Error::PlatformUnreachable { platform: platform.name().to_string(), reason: e.to_string() }
}

/// RFC 3339 / ISO 8601 times as the platforms write them (with or without an offset).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // "2024-05-01T10:00:00.123" without an offset: the platforms mean UTC.
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc())
}

/// The web app's address for a public API host (api.X → app.X); a self-hosted or test
/// server is its own web app.
pub fn web_app(server: &str, public_api_host: &str, public_app: &str) -> String {
    match Url::parse(server) {
        Ok(u) if u.host_str() == Some(public_api_host) => public_app.to_string(),
        _ => server.trim_end_matches('/').to_string(),
    }
}

/// The user revokes it on `settings_url`: `steps`, then the one every platform ends with
/// (coming back to confirm).
pub fn guided(settings_url: String, steps: &[&str], note: Option<String>) -> RevokeOutcome {
    const CONFIRM: &str = "Come back and confirm, so Latchkey marks it revoked and removes it from the keychain.";
    let steps = steps.iter().chain([&CONFIRM]).map(|s| s.to_string()).collect();
    RevokeOutcome::Guided { settings_url, steps, note }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_and_without_offsets() {
        let t = parse_time("2026-01-02T03:04:05.678Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-02T03:04:05.678+00:00");
        assert_eq!(parse_time("2026-01-02T05:04:05+02:00"), parse_time("2026-01-02T03:04:05Z"));
        assert_eq!(parse_time("2026-01-02T03:04:05.5"), parse_time("2026-01-02T03:04:05.500Z"));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn endpoints_keep_a_base_path() {
        assert_eq!(endpoint("https://x.example/base", "/api/x").unwrap().as_str(), "https://x.example/base/api/x");
        assert_eq!(
            web_app("https://api.roboflow.com", "api.roboflow.com", "https://app.roboflow.com"),
            "https://app.roboflow.com"
        );
        assert_eq!(web_app("http://127.0.0.1:9", "api.roboflow.com", "https://app.roboflow.com"), "http://127.0.0.1:9");
    }
}

/// A rotated key's name: the old one's, with the day of the rotation ("ci (rotated 2026-12-05)";
/// a name that already ends so gets the new day instead of a second suffix).
pub fn successor_name(old: &str, now: DateTime<Utc>) -> String {
    let base = match old.rfind(" (rotated ") {
        Some(at) if old.ends_with(')') => &old[..at],
        _ => old,
    };
    format!("{base} (rotated {})", now.format("%Y-%m-%d"))
}

#[cfg(test)]
mod successor_tests {
    #[test]
    fn a_rotated_name_keeps_one_suffix() {
        let now = "2026-12-05T10:00:00Z".parse().unwrap();
        assert_eq!(super::successor_name("ci", now), "ci (rotated 2026-12-05)");
        assert_eq!(super::successor_name("ci (rotated 2026-01-02)", now), "ci (rotated 2026-12-05)");
    }
}
