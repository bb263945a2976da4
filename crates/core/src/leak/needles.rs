//! The exact needles: every stored secret in the forms it is usually written, searched for
//! all at once with Aho-Corasick automata of at most [`GROUP`] needles each.
//!
//! Forms: the usable secret as it is; URL-encoded (when that differs; upper- and lower-case
//! hex); for env0 the base64 of `key_id:secret` that HTTP Basic auth sends (it also covers
//! `Authorization: Basic …`, which contains it); for Encord SSH keys the base64 body lines of
//! the PEM that carry key material, so a pasted key is found line by line. Needles shorter
//! than 8 bytes are dropped: they would match by chance.
//!
//! Needle bytes live only here, in memory, zeroised on drop. The automaton keeps its own
//! copy of the patterns, which the `aho-corasick` crate does not zeroise; it lives only as
//! long as the scan. Nothing in this module formats a needle: `Debug` shows counts only.

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::Result;
use crate::record::{Platform, TokenKind};
use crate::secret::usable_secret;

/// Needles per automaton at most. Up to 64 patterns the `aho-corasick` crate searches with
/// Teddy (SIMD, several GB/s); with more it falls back to its DFA, which on random tokens —
/// no rare byte to skip to — goes through every byte at a fraction of that (0.25 GB/s on a
/// loaded 2-core machine against 2+ GB/s). Two or three Teddy passes beat one DFA pass.
pub const GROUP: usize = 64;
/// Needles shorter than this are not searched for.
pub const MIN_NEEDLE: usize = 8;
/// Encord SSH keys: body lines shorter than this are not searched for.
pub const MIN_PEM_LINE: usize = 40;

/// How a stored secret was written where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NeedleForm {
    /// The secret exactly as stored.
    AsIs,
    /// Percent-encoded, as in a URL query.
    UrlEncoded,
    /// env0: base64 of `key_id:secret`, as HTTP Basic auth sends it.
    Base64Basic,
    /// Encord: lines of the SSH private key file.
    PemLines,
}

/// The stored token a needle belongs to. No secret material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRef {
    pub token_id: Uuid,
    pub platform: Platform,
    pub label: String,
    /// The record's hint (at most 4 characters), the only part of a secret a result may show.
    pub hint: String,
}

pub(crate) struct Needle {
    bytes: Zeroizing<Vec<u8>>,
    pub(crate) token: usize,
    pub(crate) form: NeedleForm,
}

/// A revoked token: its secret is gone, only a SHA-256 of it is kept.
#[derive(Debug, Clone)]
pub(crate) struct RevokedRef {
    pub(crate) token: TokenRef,
    pub(crate) fingerprint: String,
}

/// Everything the scanner looks for exactly. Build with [`NeedleSet::builder`].
pub struct NeedleSet {
    needles: Vec<Needle>,
    tokens: Vec<TokenRef>,
    revoked: Vec<RevokedRef>,
    /// One automaton per group of needles (pattern ids are offsets into the group).
    automata: Vec<(usize, AhoCorasick)>,
    /// The same with the patterns' [triggers](super::patterns::CONTEXT_TRIGGERS) added, made
    /// the first time a scan with patterns asks for them.
    with_triggers: std::sync::OnceLock<Vec<(usize, AhoCorasick)>>,
    max_len: usize,
}

impl std::fmt::Debug for NeedleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeedleSet")
            .field("tokens", &self.tokens.len())
            .field("needles", &self.needles.len())
            .field("revoked", &self.revoked.len())
            .finish()
    }
}

impl NeedleSet {
    pub fn builder() -> NeedleSetBuilder {
        NeedleSetBuilder::default()
    }

    /// How many distinct needles (forms of secrets) are searched for.
    pub fn len(&self) -> usize {
        self.needles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// How many stored tokens the needles come from.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// The longest needle in bytes (0 when there is none).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The automata, each with the index of its first needle.
    pub(crate) fn automata(&self) -> &[(usize, AhoCorasick)] {
        &self.automata
    }

    /// The automata with the context patterns' trigger words added after the needles: a
    /// pattern id `first + id` of `len()` or more is trigger `first + id - len()` of `triggers`.
    /// One pass over a file then finds both the secrets and where a context pattern (such as
    /// `ROBOFLOW_API_KEY=…`) can start, instead of a second pass with the patterns' regex, which
    /// cost a scan of real code as much as all of its secrets did. Made once per needle set
    /// (`triggers` is always the same constant).
    pub(crate) fn automata_with(&self, triggers: &[&str]) -> &[(usize, AhoCorasick)] {
        self.with_triggers.get_or_init(|| {
            let triggers: Vec<&[u8]> = triggers.iter().map(|t| t.as_bytes()).collect();
            group_automata(&self.needles, &triggers)
        })
    }

    pub(crate) fn needle(&self, pattern: usize) -> &Needle {
        &self.needles[pattern]
    }

    pub(crate) fn token(&self, index: usize) -> &TokenRef {
        &self.tokens[index]
    }

    /// The revoked token whose secret has this fingerprint, if any.
    pub fn revoked_by_fingerprint(&self, fingerprint: &str) -> Option<&TokenRef> {
        self.revoked_position(fingerprint).map(|i| &self.revoked[i].token)
    }

    pub(crate) fn revoked_position(&self, fingerprint: &str) -> Option<usize> {
        self.revoked.iter().position(|r| r.fingerprint == fingerprint)
    }

    pub(crate) fn revoked_token(&self, index: usize) -> &TokenRef {
        &self.revoked[index].token
    }

    /// Whether `bytes` is exactly one of the needles (used to tell a stored token from an
    /// unknown one found by a pattern).
    pub(crate) fn is_needle(&self, bytes: &[u8]) -> bool {
        self.needles.iter().any(|n| n.bytes.as_slice() == bytes)
    }
}

#[derive(Default)]
pub struct NeedleSetBuilder {
    needles: Vec<Needle>,
    tokens: Vec<TokenRef>,
    revoked: Vec<RevokedRef>,
}

impl NeedleSetBuilder {
    /// Add a live token by its keychain payload (as stored for `kind`).
    pub fn payload(&mut self, token: TokenRef, kind: TokenKind, payload: &SecretString) -> Result<&mut Self> {
        match kind {
            TokenKind::Token | TokenKind::ResourceKey => {
                self.secret(token, payload.expose_secret());
            }
            TokenKind::KeyPair => {
                #[derive(Deserialize)]
                struct Pair {
                    key_id: String,
                }
                let key_id = serde_json::from_str::<Pair>(payload.expose_secret()).ok().map(|p| p.key_id);
                let secret = usable_secret(kind, SecretString::from(payload.expose_secret().to_string()))?;
                self.key_pair(token, key_id.as_deref().unwrap_or(""), secret.expose_secret());
            }
            TokenKind::SshKey => {
                self.ssh_key(token, payload.expose_secret());
            }
        }
        Ok(self)
    }

    /// A single secret: as-is and URL-encoded.
    pub fn secret(&mut self, token: TokenRef, secret: &str) -> &mut Self {
        let t = self.token(token);
        self.plain_forms(t, secret);
        self
    }

    /// env0: the secret (as-is, URL-encoded) and base64 of `key_id:secret`.
    pub fn key_pair(&mut self, token: TokenRef, key_id: &str, secret: &str) -> &mut Self {
        let t = self.token(token);
        self.plain_forms(t, secret);
        if !key_id.is_empty() {
            let pair = Zeroizing::new(format!("{key_id}:{secret}"));
            let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()));
            self.push(t, b64.as_bytes(), NeedleForm::Base64Basic);
            // Without padding, as some tools print it; a prefix of the padded form.
            let trimmed = b64.trim_end_matches('=');
            if trimmed.len() != b64.len() {
                self.push(t, trimmed.as_bytes(), NeedleForm::Base64Basic);
            }
        }
        self
    }

    /// Encord SSH key: the base64 body lines of the PEM that carry key material. The first
    /// body line of every unencrypted OpenSSH key is the same fixed header
    /// (`openssh-key-v1`, cipher and KDF "none", one key, the key type), so it is skipped;
    /// lines shorter than [`MIN_PEM_LINE`] are too.
    pub fn ssh_key(&mut self, token: TokenRef, pem: &str) -> &mut Self {
        let t = self.token(token);
        let body = pem
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("-----"))
            .skip(1)
            .filter(|l| l.len() >= MIN_PEM_LINE);
        for line in body {
            self.push(t, line.as_bytes(), NeedleForm::PemLines);
        }
        self
    }

    /// A revoked token, known only by the fingerprint of its secret.
    pub fn revoked(&mut self, token: TokenRef, fingerprint: &str) -> &mut Self {
        self.revoked.push(RevokedRef { token, fingerprint: fingerprint.to_string() });
        self
    }

    pub fn build(self) -> NeedleSet {
        let max_len = self.needles.iter().map(|n| n.bytes.len()).max().unwrap_or(0);
        let automata = group_automata(&self.needles, &[]);
        NeedleSet {
            needles: self.needles,
            tokens: self.tokens,
            revoked: self.revoked,
            automata,
            with_triggers: std::sync::OnceLock::new(),
            max_len,
        }
    }

    fn token(&mut self, token: TokenRef) -> usize {
        self.tokens.push(token);
        self.tokens.len() - 1
    }

    fn plain_forms(&mut self, t: usize, secret: &str) {
        let secret = secret.trim();
        self.push(t, secret.as_bytes(), NeedleForm::AsIs);
        for upper in [true, false] {
            let encoded = url_encode(secret, upper);
            if encoded.as_str() != secret {
                self.push(t, encoded.as_bytes(), NeedleForm::UrlEncoded);
            }
        }
    }

    fn push(&mut self, token: usize, bytes: &[u8], form: NeedleForm) {
        if bytes.len() < MIN_NEEDLE || self.needles.iter().any(|n| n.bytes.as_slice() == bytes) {
            return;
        }
        self.needles.push(Needle { bytes: Zeroizing::new(bytes.to_vec()), token, form });
    }
}

/// The needles in automata of at most [`GROUP`] patterns each, with the index of each one's
/// first needle; `extra` literals (the patterns' triggers) go after the needles, in the last
/// automaton if it has room, else in one of their own.
///
/// Leftmost-longest: where one needle is a prefix of another (unpadded base64), the longer one
/// is reported; all forms of one token are in one group, so that holds. Each automaton picks
/// its own engine and a SIMD prefilter.
fn group_automata(needles: &[Needle], extra: &[&[u8]]) -> Vec<(usize, AhoCorasick)> {
    let mut groups: Vec<(usize, Vec<&[u8]>)> = vec![];
    let mut first = 0;
    while first < needles.len() {
        let mut end = first;
        while end < needles.len() {
            let token = needles[end].token;
            let forms = needles[end..].iter().take_while(|n| n.token == token).count();
            if end > first && end + forms - first > GROUP {
                break;
            }
            end += forms;
        }
        groups.push((first, needles[first..end].iter().map(|n| n.bytes.as_slice()).collect()));
        first = end;
    }
    if !extra.is_empty() {
        match groups.last_mut() {
            Some((_, last)) if last.len() + extra.len() <= GROUP => last.extend_from_slice(extra),
            _ => groups.push((needles.len(), extra.to_vec())),
        }
    }
    groups
        .into_iter()
        .map(|(first, patterns)| {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(patterns)
                .expect("literal needles always build");
            (first, ac)
        })
        .collect()
}

/// Percent-encode everything but RFC 3986's unreserved characters (the form a secret takes
/// in a URL's query; the leak scan, the access log and `latchkey run`'s masking look for it).
pub fn url_encode(s: &str, upper: bool) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(s.len() * 3));
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// The fingerprint kept of a revoked secret: `sha256:<hex>` of the usable secret. Tokens are
/// long random strings, so the hash does not make them guessable; it only lets a scan or an
/// import recognise the same secret again.
pub fn fingerprint(secret: &str) -> String {
    fingerprint_bytes(secret.trim().as_bytes())
}

pub(crate) fn fingerprint_bytes(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tref(label: &str) -> TokenRef {
        TokenRef { token_id: Uuid::new_v4(), platform: Platform::Other, label: label.into(), hint: "zz".into() }
    }

    #[test]
    fn forms_are_derived_and_short_ones_dropped() {
        let mut b = NeedleSet::builder();
        b.secret(tref("a"), "FAKE/token+value=0001");
        b.secret(tref("short"), "abc1234");
        b.key_pair(tref("env0"), "kid-1", "FAKEenv0secret0001");
        let set = b.build();
        let forms: Vec<NeedleForm> = set.needles.iter().map(|n| n.form).collect();
        assert_eq!(
            forms,
            [
                NeedleForm::AsIs,
                NeedleForm::UrlEncoded,
                NeedleForm::UrlEncoded,
                NeedleForm::AsIs,
                NeedleForm::Base64Basic
            ]
        );
        assert!(set.is_needle(b"FAKE%2Ftoken%2Bvalue%3D0001"));
        assert!(set.is_needle(b"FAKE%2ftoken%2bvalue%3d0001"));
        assert!(set.is_needle(base64::engine::general_purpose::STANDARD.encode("kid-1:FAKEenv0secret0001").as_bytes()));
        assert!(!set.is_needle(b"abc1234"));
        assert_eq!(format!("{set:?}"), "NeedleSet { tokens: 3, needles: 5, revoked: 0 }");
    }

    #[test]
    fn ssh_key_lines_skip_the_common_header() {
        let pem = crate::secret::tests::test_ed25519_pem(3);
        let other = crate::secret::tests::test_ed25519_pem(4);
        let mut b = NeedleSet::builder();
        b.ssh_key(tref("k"), &pem);
        let set = b.build();
        assert!(set.len() >= 3, "{}", set.len());
        // No needle of one key appears in another key.
        for n in &set.needles {
            assert!(!other.contains(std::str::from_utf8(&n.bytes).unwrap()));
            assert!(n.bytes.len() >= MIN_PEM_LINE);
        }
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        assert_eq!(fingerprint("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(fingerprint(" abc\n"), fingerprint("abc"));
    }
}
