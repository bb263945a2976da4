//! Secret material: what the user gives, how it is checked, and how it is stored in the
//! keychain. Everything here holds secrets in `SecretString` (zeroised on drop, redacted
//! in Debug) and never formats them into errors or logs.

use std::borrow::Cow;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Field, Result};
use crate::record::{Platform, PublicParts, TokenKind};

/// A secret as the user enters it in the form or on the command line.
#[derive(Debug, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum SecretInput {
    /// A single opaque token or API key.
    Token {
        #[ts(type = "string")]
        token: SecretString,
    },
    /// env0: API key id and secret.
    KeyPair {
        key_id: String,
        #[ts(type = "string")]
        secret: SecretString,
    },
    /// Encord: an OpenSSH Ed25519 private key (file contents or pasted).
    SshKey {
        #[ts(type = "string")]
        private_key: SecretString,
    },
    /// Encord legacy: an API key tied to one project or dataset.
    ResourceKey {
        resource_id: String,
        #[ts(type = "string")]
        api_key: SecretString,
    },
}

/// A checked secret, ready for the keychain, with the public facts derived from it.
pub struct PreparedSecret {
    pub kind: TokenKind,
    pub public: PublicParts,
    pub hint: String,
    /// Exactly what goes into the keychain entry.
    pub payload: SecretString,
}

impl std::fmt::Debug for PreparedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedSecret")
            .field("kind", &self.kind)
            .field("public", &self.public)
            .field("hint", &self.hint)
            .field("payload", &"[redacted]")
            .finish()
    }
}

/// The keychain payload of a key pair (env0). Serialised to JSON inside the keychain only.
/// `Cow`, not `&str`: a value JSON escapes (a quote, a backslash, a control character) cannot
/// be borrowed from the payload when it is read back.
#[derive(Serialize, Deserialize)]
struct KeyPairPayload<'a> {
    #[serde(borrow)]
    key_id: Cow<'a, str>,
    #[serde(borrow)]
    secret: Cow<'a, str>,
}

/// Which secret forms each platform accepts.
pub fn kinds_for(platform: Platform) -> &'static [TokenKind] {
    match platform {
        Platform::Env0 => &[TokenKind::KeyPair],
        Platform::Encord => &[TokenKind::SshKey, TokenKind::ResourceKey],
        _ => &[TokenKind::Token],
    }
}

impl SecretInput {
    pub fn kind(&self) -> TokenKind {
        match self {
            SecretInput::Token { .. } => TokenKind::Token,
            SecretInput::KeyPair { .. } => TokenKind::KeyPair,
            SecretInput::SshKey { .. } => TokenKind::SshKey,
            SecretInput::ResourceKey { .. } => TokenKind::ResourceKey,
        }
    }

    /// Check the secret for `platform` and turn it into what we store.
    pub fn prepare(self, platform: Platform) -> Result<PreparedSecret> {
        let kind = self.kind();
        refuse_other_kind(platform, kind)?;
        match self {
            SecretInput::Token { token } => {
                let token = single_line(&token, "token")?;
                Ok(PreparedSecret {
                    kind,
                    public: PublicParts::default(),
                    hint: hint_of(token.expose_secret()),
                    payload: token,
                })
            }
            SecretInput::KeyPair { key_id, secret } => {
                let key_id = key_id.trim().to_string();
                if key_id.is_empty() {
                    return Err(Error::invalid_field(
                        Field::KeyId,
                        "The API key id is empty. env0 shows it next to the secret when the key is created.",
                    ));
                }
                if key_id.chars().any(|c| c.is_whitespace() || c == ':') {
                    return Err(Error::invalid_field(
                        Field::KeyId,
                        "The API key id must not contain spaces or a colon.",
                    ));
                }
                let secret = single_line(&secret, "API key secret")?;
                let hint = hint_of(secret.expose_secret());
                let json = serde_json::to_string(&KeyPairPayload {
                    key_id: Cow::Borrowed(&key_id),
                    secret: Cow::Borrowed(secret.expose_secret()),
                })
                .map_err(|_| Error::invalid_field(Field::Secret, "The key could not be encoded."))?;
                Ok(PreparedSecret {
                    kind,
                    public: PublicParts { key_id: Some(key_id), ..Default::default() },
                    hint,
                    payload: SecretString::from(json),
                })
            }
            SecretInput::SshKey { private_key } => {
                let pem = normalise_pem(private_key.expose_secret());
                let facts = inspect_ssh_key(&pem)?;
                Ok(PreparedSecret {
                    kind,
                    hint: hint_of(&facts.fingerprint),
                    public: PublicParts {
                        key_id: Some(facts.public_hex),
                        ssh_fingerprint: Some(facts.fingerprint),
                        resource_id: None,
                    },
                    payload: SecretString::from(pem),
                })
            }
            SecretInput::ResourceKey { resource_id, api_key } => {
                let resource_id = resource_id.trim().to_string();
                if resource_id.is_empty() {
                    return Err(Error::invalid_field(Field::ResourceId,
                        "The project or dataset id is empty. A legacy Encord API key only works together with the id of the project or dataset it was created for.",
                    ));
                }
                let api_key = single_line(&api_key, "API key")?;
                Ok(PreparedSecret {
                    kind,
                    hint: hint_of(api_key.expose_secret()),
                    public: PublicParts { resource_id: Some(resource_id), ..Default::default() },
                    payload: api_key,
                })
            }
        }
    }
}

/// Refuse a kind of secret `platform` does not use, saying which it does.
fn refuse_other_kind(platform: Platform, kind: TokenKind) -> Result<()> {
    if kinds_for(platform).contains(&kind) {
        return Ok(());
    }
    let needs = match platform {
        Platform::Env0 => "env0 needs an API key id and its secret.",
        Platform::Encord => "Encord needs an SSH private key, or a project/dataset API key with its resource id.",
        _ => "Paste the token as one value.",
    };
    Err(Error::invalid_field(
        Field::Secret,
        format!("{} does not use this kind of credential. {needs}", platform.name()),
    ))
}

/// The value a user copies or reveals, taken out of a keychain payload of `kind`.
pub fn usable_secret(kind: TokenKind, payload: SecretString) -> Result<SecretString> {
    match kind {
        TokenKind::KeyPair => {
            let parsed: KeyPairPayload = serde_json::from_str(payload.expose_secret())
                .map_err(|_| Error::invalid_field(Field::Secret, "The stored env0 key is not in the expected form"))?;
            // An unescaped copy moves into the SecretString (zeroised on drop), not copied again.
            Ok(SecretString::from(parsed.secret.into_owned()))
        }
        _ => Ok(payload),
    }
}

/// At most the last 4 characters, and never more than a quarter of the secret.
pub fn hint_of(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = (chars.len() / 4).min(4);
    chars[chars.len() - n..].iter().collect()
}

fn single_line(secret: &SecretString, what: &str) -> Result<SecretString> {
    let trimmed = secret.expose_secret().trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_field(
            Field::Secret,
            format!("The {what} is empty. Paste the value the platform showed you."),
        ));
    }
    if trimmed.chars().any(char::is_whitespace) {
        return Err(Error::invalid_field(Field::Secret, format!(
            "The {what} contains spaces or line breaks. Paste only the value itself (one line, no quotes or variable name)."
        )));
    }
    if trimmed.len() > 16 * 1024 {
        return Err(Error::invalid_field(
            Field::Secret,
            format!("The {what} is longer than 16 KiB; that is not a token."),
        ));
    }
    Ok(SecretString::from(trimmed.to_string()))
}

struct SshKeyFacts {
    fingerprint: String,
    public_hex: String,
}

const OPENSSH_BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
const OPENSSH_END: &str = "-----END OPENSSH PRIVATE KEY-----";

/// An OpenSSH private key as OpenSSH itself reads one, in the form ssh-keygen writes: the
/// base64 between the markers joined whatever its line width (Python's `cryptography` wraps at
/// 76 columns, ssh-keygen at 70) or line endings, and wrapped again at 70; anything around the
/// markers (blank lines, a comment after the end) is left out. Text without both markers is
/// only trimmed, so the checks below explain what it is.
fn normalise_pem(pem: &str) -> String {
    let text = pem.replace("\r\n", "\n").replace('\r', "\n");
    let body = text
        .split_once(OPENSSH_BEGIN)
        .and_then(|(_, rest)| rest.split_once(OPENSSH_END))
        .map(|(body, _)| body.split_whitespace().collect::<String>());
    let Some(body) = body else {
        let mut s = text.trim().to_string();
        s.push('\n');
        return s;
    };
    let mut out = String::with_capacity(body.len() + body.len() / 70 + OPENSSH_BEGIN.len() + OPENSSH_END.len() + 4);
    out.push_str(OPENSSH_BEGIN);
    out.push('\n');
    for line in body.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(OPENSSH_END);
    out.push('\n');
    out
}

fn inspect_ssh_key(pem: &str) -> Result<SshKeyFacts> {
    let pem = pem.trim();
    if pem.is_empty() {
        return Err(Error::invalid_field(
            Field::Secret,
            "The SSH private key is empty. Choose the key file or paste its contents.",
        ));
    }
    if pem.starts_with("ssh-") || pem.starts_with("ecdsa-") {
        return Err(Error::invalid_field(Field::Secret,
            "This is a public key. Latchkey needs the private key (the file without .pub, starting with “-----BEGIN OPENSSH PRIVATE KEY-----”).",
        ));
    }
    if pem.contains("BEGIN RSA PRIVATE KEY")
        || pem.contains("BEGIN EC PRIVATE KEY")
        || pem.contains("BEGIN PRIVATE KEY")
    {
        return Err(Error::invalid_field(Field::Secret,
            "Encord needs an Ed25519 key in OpenSSH format; this is an RSA/EC/PKCS#8 key. Create one with: ssh-keygen -t ed25519",
        ));
    }
    let key = ssh_key::PrivateKey::from_openssh(pem).map_err(|_| {
        Error::invalid_field(
            Field::Secret,
            "This is not a readable OpenSSH private key. It should start with “-----BEGIN OPENSSH PRIVATE KEY-----”.",
        )
    })?;
    if key.is_encrypted() {
        return Err(Error::invalid_field(Field::Secret,
            "This key is protected by a passphrase. Encord's SDK signs with an unencrypted key; create a dedicated one with: ssh-keygen -t ed25519 -N \"\"",
        ));
    }
    if key.algorithm() != ssh_key::Algorithm::Ed25519 {
        return Err(Error::invalid_field(
            Field::Secret,
            format!(
                "Encord needs an Ed25519 key; this one is {}. Create one with: ssh-keygen -t ed25519",
                key.algorithm()
            ),
        ));
    }
    let public = key.public_key();
    let fingerprint = public.fingerprint(ssh_key::HashAlg::Sha256).to_string();
    let public_hex = match public.key_data() {
        ssh_key::public::KeyData::Ed25519(k) => k.0.iter().map(|b| format!("{b:02x}")).collect(),
        _ => unreachable!("algorithm checked above"),
    };
    Ok(SshKeyFacts { fingerprint, public_hex })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn token(s: &str) -> SecretInput {
        SecretInput::Token { token: SecretString::from(s.to_string()) }
    }

    #[test]
    fn hint_is_short_and_never_more_than_a_quarter() {
        assert_eq!(hint_of("FAKE-token-0123456789abcd"), "abcd");
        assert_eq!(hint_of("abcdefgh"), "gh");
        assert_eq!(hint_of("abc"), "");
        assert_eq!(hint_of(""), "");
        assert_eq!(hint_of("éééééééééxyz"), "xyz");
        assert_eq!(hint_of("abcdefghijklmnoé"), "mnoé");
    }

    #[test]
    fn token_is_trimmed_and_must_be_one_line() {
        let p = token("  FAKE-supervisely-token-0000\n").prepare(Platform::Supervisely).unwrap();
        assert_eq!(p.payload.expose_secret(), "FAKE-supervisely-token-0000");
        assert_eq!(p.kind, TokenKind::Token);
        let e = token("   ").prepare(Platform::Cvat).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = token("API_TOKEN=FAKE abc").prepare(Platform::Cvat).unwrap_err();
        assert!(e.to_string().contains("spaces"));
        assert!(!e.to_string().contains("FAKE"), "error must not echo the secret");
    }

    #[test]
    fn platform_and_kind_must_match() {
        let e = token("FAKEtoken0000").prepare(Platform::Env0).unwrap_err();
        assert!(e.to_string().contains("key id"), "{e}");
        let kp = SecretInput::KeyPair { key_id: "kid".into(), secret: SecretString::from("FAKEsecret".to_string()) };
        assert!(kp.prepare(Platform::Roboflow).is_err());
    }

    #[test]
    fn key_pair_keeps_id_public_and_both_in_payload() {
        let kp = SecretInput::KeyPair {
            key_id: " fake-key-id ".into(),
            secret: SecretString::from("FAKE-env0-secret-zz99".to_string()),
        };
        let p = kp.prepare(Platform::Env0).unwrap();
        assert_eq!(p.public.key_id.as_deref(), Some("fake-key-id"));
        assert_eq!(p.hint, "zz99");
        let usable = usable_secret(TokenKind::KeyPair, p.payload).unwrap();
        assert_eq!(usable.expose_secret(), "FAKE-env0-secret-zz99");
    }

    /// Found by fuzz/fuzz_targets/secret_input.rs: a key pair whose secret or id JSON escapes
    /// (a quote, a backslash, a control character) was stored but could not be read back.
    #[test]
    fn a_key_pair_with_characters_json_escapes_reads_back() {
        for (key_id, secret) in [
            ("fake-key-id", "FAKEsecretFUZ\u{f}FAKZ0E"),
            ("fake-key-id", r#"FAKE"env0\secret"#),
            (r#"fake"id\"#, "FAKE-env0-secret-zz99"),
        ] {
            let kp = SecretInput::KeyPair { key_id: key_id.into(), secret: SecretString::from(secret.to_string()) };
            let p = kp.prepare(Platform::Env0).unwrap();
            let usable = usable_secret(TokenKind::KeyPair, p.payload).unwrap();
            assert_eq!(usable.expose_secret(), secret);
        }
    }

    #[test]
    fn resource_key_needs_resource_id() {
        let rk =
            SecretInput::ResourceKey { resource_id: "  ".into(), api_key: SecretString::from("FAKEkey".to_string()) };
        assert!(rk.prepare(Platform::Encord).unwrap_err().to_string().contains("project or dataset id"));
    }

    /// An Ed25519 key made from a fixed seed for tests only; it protects nothing.
    pub(crate) fn test_ed25519_pem(seed: u8) -> String {
        let pair = ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]);
        let key = ssh_key::PrivateKey::new(ssh_key::private::KeypairData::Ed25519(pair), "latchkey-test-key").unwrap();
        key.to_openssh(ssh_key::LineEnding::LF).unwrap().to_string()
    }

    #[test]
    fn ssh_key_gives_fingerprint_and_public_hex() {
        let p = SecretInput::SshKey { private_key: SecretString::from(test_ed25519_pem(7).replace('\n', "\r\n")) }
            .prepare(Platform::Encord)
            .unwrap();
        assert_eq!(p.kind, TokenKind::SshKey);
        let fp = p.public.ssh_fingerprint.unwrap();
        assert!(fp.starts_with("SHA256:"), "{fp}");
        assert_eq!(p.public.key_id.unwrap().len(), 64);
        assert!(!p.payload.expose_secret().contains('\r'));
    }

    #[test]
    fn ssh_keys_are_read_whatever_their_line_width_line_endings_and_surroundings() {
        let pem = test_ed25519_pem(9);
        let want =
            SecretInput::SshKey { private_key: SecretString::from(pem.clone()) }.prepare(Platform::Encord).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let wrapped = |width: usize, eol: &str| {
            let lines: Vec<&str> = body.as_bytes().chunks(width).map(|c| std::str::from_utf8(c).unwrap()).collect();
            format!("{OPENSSH_BEGIN}{eol}{}{eol}{OPENSSH_END}{eol}", lines.join(eol))
        };
        let variants = [
            wrapped(76, "\n"),                                     // Python's cryptography
            wrapped(64, "\r\n"),                                   // CRLF, another width
            format!("\n\n  {}  \n\n", wrapped(70, "\n")),          // surrounding whitespace
            format!("{}my laptop key, 2026\n", wrapped(76, "\n")), // a comment after the end
            wrapped(body.len(), "\n"),                             // one long line
        ];
        for v in variants {
            let got = SecretInput::SshKey { private_key: SecretString::from(v.clone()) }
                .prepare(Platform::Encord)
                .unwrap_or_else(|e| panic!("{e}: {v:?}"));
            assert_eq!(got.public.ssh_fingerprint, want.public.ssh_fingerprint, "{v:?}");
            assert_eq!(got.payload.expose_secret(), want.payload.expose_secret(), "stored as ssh-keygen writes it");
        }
        assert_eq!(want.payload.expose_secret(), &pem, "a key as ssh-keygen writes it is stored unchanged");
    }

    #[test]
    fn ssh_key_rejections_say_what_to_do() {
        let pubkey = SecretInput::SshKey { private_key: SecretString::from("ssh-ed25519 AAAAC3Nz fake".to_string()) };
        assert!(pubkey.prepare(Platform::Encord).unwrap_err().to_string().contains("public key"));
        let rsa = SecretInput::SshKey {
            private_key: SecretString::from(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIfake\n-----END RSA PRIVATE KEY-----".to_string(),
            ),
        };
        assert!(rsa.prepare(Platform::Encord).unwrap_err().to_string().contains("Ed25519"));
        let junk = SecretInput::SshKey {
            private_key: SecretString::from(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64!\n-----END OPENSSH PRIVATE KEY-----".to_string(),
            ),
        };
        assert!(junk.prepare(Platform::Encord).unwrap_err().to_string().contains("not a readable"));
    }

    proptest::proptest! {
        #[test]
        fn hint_never_reveals_more_than_four_chars_or_a_quarter(secret in "\\PC{0,200}") {
            let hint = hint_of(&secret);
            let n = hint.chars().count();
            proptest::prop_assert!(n <= 4 && n * 4 <= secret.chars().count());
            proptest::prop_assert!(secret.ends_with(&hint));
        }
    }
}
