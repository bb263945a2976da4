//! Each validation of a form input names that input; the payload carries it only then.

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::*;
use crate::platforms::CheckSettings;
use crate::record::Platform;
use crate::secret::SecretInput;
use crate::team::{NewTeamVault, TeamVaultConfig};
use crate::vault::{new_record, NewToken};

const TOKEN: &str = "FAKEcvat.0000000000000000000000000000fake";

fn now() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

/// The error of adding `new`, which must be refused.
fn refused(new: NewToken) -> Error {
    new_record(new, now()).expect_err("refused")
}

fn cvat(edit: impl FnOnce(&mut NewToken)) -> Error {
    let mut new = NewToken::token(Platform::Cvat, "ci", TOKEN);
    edit(&mut new);
    refused(new)
}

fn other_check(edit: impl FnOnce(&mut CheckSettings)) -> Error {
    let mut check = CheckSettings { url: "https://api.example.com/me".into(), ..Default::default() };
    edit(&mut check);
    cvat(|n| {
        n.platform = Platform::Other;
        n.check = Some(check);
    })
}

fn team(edit: impl FnOnce(&mut NewTeamVault)) -> Error {
    let mut new = NewTeamVault {
        name: "Platform team".into(),
        address: "https://vault.example.com:8200".into(),
        mount: None,
        prefix: None,
        token: secret("hvs.FAKE0000000000000000"),
    };
    edit(&mut new);
    TeamVaultConfig::from_new(&new).expect_err("refused")
}

fn with_secret(platform: Platform, input: SecretInput) -> Error {
    refused(NewToken::new(platform, "ci", input))
}

#[test]
fn each_field_bearing_validation_names_its_field() {
    let long = "x".repeat(5000);
    let cases: Vec<(&str, Error, Field)> = vec![
        ("empty label", cvat(|n| n.label = "  ".into()), Field::Label),
        ("long label", cvat(|n| n.label = long.clone()), Field::Label),
        ("label with a line break", cvat(|n| n.label = "a\nb".into()), Field::Label),
        ("secret in the label", cvat(|n| n.label = format!("ci {TOKEN}")), Field::Label),
        ("plain http server", cvat(|n| n.server_url = Some("http://cvat.example.org".into())), Field::ServerUrl),
        ("server with a password", cvat(|n| n.server_url = Some("https://u:p@x.org".into())), Field::ServerUrl),
        ("server with a query", cvat(|n| n.server_url = Some("https://x.org/?a=1".into())), Field::ServerUrl),
        ("tag with a comma", cvat(|n| n.tags = vec!["a,b".into()]), Field::Tags),
        ("long notes", cvat(|n| n.notes = long.clone()), Field::Notes),
        ("empty token", cvat(|n| n.secret = SecretInput::Token { token: secret(" ") }), Field::Secret),
        ("token with spaces", cvat(|n| n.secret = SecretInput::Token { token: secret("a b") }), Field::Secret),
        (
            "wrong kind of secret",
            with_secret(Platform::Cvat, SecretInput::KeyPair { key_id: "k".into(), secret: secret(TOKEN) }),
            Field::Secret,
        ),
        (
            "empty env0 key id",
            with_secret(Platform::Env0, SecretInput::KeyPair { key_id: " ".into(), secret: secret(TOKEN) }),
            Field::KeyId,
        ),
        (
            "env0 key id with a colon",
            with_secret(Platform::Env0, SecretInput::KeyPair { key_id: "a:b".into(), secret: secret(TOKEN) }),
            Field::KeyId,
        ),
        (
            "empty env0 secret",
            with_secret(Platform::Env0, SecretInput::KeyPair { key_id: "k".into(), secret: secret("") }),
            Field::Secret,
        ),
        (
            "public SSH key",
            with_secret(Platform::Encord, SecretInput::SshKey { private_key: secret("ssh-ed25519 AAAA x") }),
            Field::Secret,
        ),
        (
            "empty Encord resource id",
            with_secret(Platform::Encord, SecretInput::ResourceKey { resource_id: " ".into(), api_key: secret(TOKEN) }),
            Field::ResourceId,
        ),
        (
            "empty Encord API key",
            with_secret(Platform::Encord, SecretInput::ResourceKey { resource_id: "p1".into(), api_key: secret("") }),
            Field::Secret,
        ),
        ("check URL on a known platform", cvat(|n| n.check = Some(CheckSettings::default())), Field::CheckUrl),
        ("empty check URL", other_check(|c| c.url = String::new()), Field::CheckUrl),
        ("plain http check URL", other_check(|c| c.url = "http://api.example.com/me".into()), Field::CheckUrl),
        ("check path without a server", other_check(|c| c.url = "/me".into()), Field::CheckUrl),
        ("bad header name", other_check(|c| c.header = "X Bad".into()), Field::CheckHeader),
        ("prefix with a control character", other_check(|c| c.prefix = "\u{7}".into()), Field::CheckPrefix),
        ("unknown method", other_check(|c| c.method = "PUT".into()), Field::CheckMethod),
        ("failure status", other_check(|c| c.expect_status = 404), Field::CheckStatus),
        ("empty team name", team(|t| t.name = " ".into()), Field::TeamName),
        ("long team name", team(|t| t.name = long.clone()), Field::TeamName),
        ("empty team address", team(|t| t.address = String::new()), Field::TeamAddress),
        ("team address with a user", team(|t| t.address = "https://u@vault.example.com".into()), Field::TeamAddress),
        ("plain http team address", team(|t| t.address = "http://vault.example.com".into()), Field::TeamAddress),
        ("bad mount", team(|t| t.mount = Some("a b".into())), Field::TeamMount),
        ("bad prefix", team(|t| t.prefix = Some("../x".into())), Field::TeamPrefix),
        ("empty Vault token", team(|t| t.token = secret(" ")), Field::TeamToken),
        ("Vault token with spaces", team(|t| t.token = secret("hvs.a b")), Field::TeamToken),
    ];
    for (what, e, field) in cases {
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{what}: {e}");
        assert_eq!(e.field(), Some(field), "{what}: {e}");
        assert!(!e.to_string().contains(TOKEN), "{what}: the message holds the secret");
    }
}

#[test]
fn the_payload_carries_field_only_when_there_is_one() {
    let with = serde_json::to_value(Error::invalid_field(Field::KeyId, "The API key id is empty.")).unwrap();
    assert_eq!(
        with,
        serde_json::json!({"kind": "invalid_input", "message": "The API key id is empty.", "field": "key_id"})
    );
    let without = serde_json::to_value(Error::invalid("A scan is already running.")).unwrap();
    assert_eq!(without, serde_json::json!({"kind": "invalid_input", "message": "A scan is already running."}));
    let other = serde_json::to_value(Error::KeychainLocked).unwrap();
    assert!(other.get("field").is_none(), "{other}");
}

#[test]
fn with_field_names_the_input_of_invalid_input_only() {
    let e = Error::invalid_field(Field::ServerUrl, "bad").with_field(Field::CheckUrl);
    assert_eq!(e.field(), Some(Field::CheckUrl));
    assert_eq!(e.to_string(), "bad");
    assert_eq!(Error::KeychainLocked.with_field(Field::Label).field(), None);
}
