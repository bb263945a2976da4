//! What a user pastes as a secret, for every platform and kind of credential, and OpenSSH
//! private keys laid out every way people paste them.
//!
//! First byte < 0x80 — pasted text: kind = byte % 4, platform = Platform::ALL[byte / 4 % 6]
//! (so 14 is an Encord SSH key), then the text; for a key pair or a resource key the public
//! part comes first, ended by 0x1f. Never a panic; what is accepted has a short hint and is
//! stored in a form that, checked again, stays the same (every platform's normalisation is
//! idempotent); a refusal never quotes the secret.
//!
//! First byte >= 0x80 — an SSH key: the next 32 bytes are an Ed25519 seed, then a width, a line
//! ending, a lead-in and an indent byte, and the rest is the key's comment and what follows the
//! key. The key is written by ssh-key and laid out with that width (1..=255), line ending (LF,
//! CRLF, CR, mixed), lead-in, indentation and trailing text: it must be accepted with the key's
//! own fingerprint and stored exactly as ssh-keygen writes it.
#![no_main]

use latchkey_core::record::{Platform, TokenKind};
use latchkey_core::secret::{usable_secret, SecretInput};
use libfuzzer_sys::fuzz_target;
use secrecy::{ExposeSecret, SecretString};

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((&sel, rest)) if sel < 0x80 => pasted(sel, rest),
        Some((_, rest)) => ssh_layout(rest),
        None => {}
    }
});

fn input(kind: u8, public: &str, secret: &str) -> SecretInput {
    let s = SecretString::from(secret.to_string());
    match kind % 4 {
        0 => SecretInput::Token { token: s },
        1 => SecretInput::KeyPair { key_id: public.to_string(), secret: s },
        2 => SecretInput::SshKey { private_key: s },
        _ => SecretInput::ResourceKey { resource_id: public.to_string(), api_key: s },
    }
}

fn pasted(sel: u8, rest: &[u8]) {
    let text = String::from_utf8_lossy(rest).into_owned();
    let (public, secret) = match sel % 4 {
        1 | 3 => text.split_once('\u{1f}').unwrap_or(("", &text)),
        _ => ("", &text[..]),
    };
    let platform = Platform::ALL[(sel as usize / 4) % Platform::ALL.len()];
    let prepared = match input(sel, public, secret).prepare(platform) {
        Ok(p) => p,
        Err(e) => return refusal_quotes_nothing(sel, public, secret, platform, &e.to_string()),
    };
    assert!(prepared.hint.chars().count() <= 4, "hint {:?}", prepared.hint);
    let payload = prepared.payload.expose_secret();
    assert!(!payload.is_empty());
    // Checked again, the stored form is taken as it is: the normalisation is idempotent.
    let (again_public, again_secret) = match prepared.kind {
        TokenKind::KeyPair => {
            let usable = usable_secret(TokenKind::KeyPair, prepared.payload.clone()).expect("own payload reads back");
            assert_eq!(usable.expose_secret(), secret.trim(), "the key pair keeps the secret");
            (prepared.public.key_id.clone().unwrap_or_default(), usable.expose_secret().to_string())
        }
        TokenKind::ResourceKey => (prepared.public.resource_id.clone().unwrap_or_default(), payload.to_string()),
        _ => (String::new(), payload.to_string()),
    };
    let again = input(sel, &again_public, &again_secret).prepare(platform).expect("the stored form is accepted");
    assert_eq!(again.payload.expose_secret(), payload, "normalising twice changed the secret");
    assert_eq!((again.hint, again.public), (prepared.hint, prepared.public));
}

/// A refusal must not quote the secret. A line of it found in the message could be a
/// coincidence with the message's own words, so the same input with its letters and digits
/// rotated is checked too: a message that quotes the input contains the rotated line as well.
fn refusal_quotes_nothing(sel: u8, public: &str, secret: &str, platform: Platform, msg: &str) {
    assert!(!msg.is_empty());
    let armor = ["-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----"];
    let rotated_secret = rotate(secret);
    for line in secret.lines().map(str::trim) {
        if line.chars().count() < 8 || line.contains("-----") || armor.iter().any(|a| a.contains(line)) {
            continue;
        }
        if !msg.contains(line) {
            continue;
        }
        if let Err(e) = input(sel, public, &rotated_secret).prepare(platform) {
            let rotated_line = rotate(line);
            assert!(!e.to_string().contains(&rotated_line), "the refusal quotes the secret: {msg}");
        }
    }
}

/// ROT13 for letters, ROT5 for digits; everything else kept.
fn rotate(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            '0'..='9' => (((c as u8 - b'0') + 5) % 10 + b'0') as char,
            _ => c,
        })
        .collect()
}

const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END: &str = "-----END OPENSSH PRIVATE KEY-----";

fn ssh_layout(rest: &[u8]) {
    if rest.len() < 36 {
        return;
    }
    let (seed, rest) = rest.split_at(32);
    let (&[width, eol, lead, indent], tail) = rest.split_at(4) else { return };
    let tail = String::from_utf8_lossy(tail);
    let (comment, after) = tail.split_once('\n').unwrap_or((&tail, ""));
    let pair = ssh_key::private::Ed25519Keypair::from_seed(seed.try_into().expect("32 bytes"));
    let key = ssh_key::PrivateKey::new(ssh_key::private::KeypairData::Ed25519(pair), comment).expect("a key");
    let canonical = key.to_openssh(ssh_key::LineEnding::LF).expect("encodes").to_string();
    let fingerprint = key.public_key().fingerprint(ssh_key::HashAlg::Sha256).to_string();

    let body: String = canonical.lines().filter(|l| !l.starts_with("-----")).collect();
    let width = usize::from(width.max(1));
    let eols = ["\n", "\r\n", "\r"];
    let line_end = |i: usize| if eol % 4 == 3 { eols[i % 3] } else { eols[usize::from(eol % 4)] };
    let pad = ["", " ", "    ", "\t"][usize::from(indent % 4)];
    let mut pem = ["", "\n\n", "  ", "key:\n"][usize::from(lead % 4)].to_string();
    pem.push_str(BEGIN);
    pem.push_str(line_end(0));
    for (i, chunk) in body.as_bytes().chunks(width).enumerate() {
        pem.push_str(pad);
        pem.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        pem.push_str(line_end(i + 1));
    }
    pem.push_str(END);
    // Anything after the key (a comment, a blank line, more text) is left out, unless it is
    // the start of another key: then the text is two keys, which is not one key to take.
    if !after.contains(BEGIN) && !after.contains(END) {
        pem.push_str(line_end(0));
        pem.push_str(after);
    }

    let got = SecretInput::SshKey { private_key: SecretString::from(pem.clone()) }
        .prepare(Platform::Encord)
        .unwrap_or_else(|e| panic!("a valid key laid out differently was refused: {e}\n{pem:?}"));
    assert_eq!(got.public.ssh_fingerprint.as_deref(), Some(fingerprint.as_str()), "{pem:?}");
    assert_eq!(got.payload.expose_secret(), canonical, "not stored as ssh-keygen writes it: {pem:?}");
}
