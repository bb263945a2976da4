//! Tokens of the five platforms that are not in the vault, found by their documented shape.
//!
//! Only CVAT's personal access token has a shape distinctive enough to find on its own
//! (djangorestframework-api-key, which CVAT uses: 8 random letters/digits, a dot, 32 more;
//! `cvat/apps/api_tokens/models.py` keeps the library's `KeyGenerator`, whose
//! `get_random_string` draws each character uniformly from the 62 letters and digits). A shape
//! alone is not enough on real code — `factory2.createPartiallyEmittedExpression` in
//! TypeScript's compiler fits it too — so a CVAT-shaped match must also look random
//! ([`looks_random`]). The others are plain random strings, so they are looked for only where
//! they are written down by name — the platform's own variable or config key — which keeps
//! false positives low:
//!
//! | platform | where | shape |
//! |---|---|---|
//! | Supervisely | `API_TOKEN=` / `SUPERVISELY_API_TOKEN=` (the SDK's variable, `~/supervisely.env`) | 128 letters/digits (the SDK's documented length; its example `4r47N…xaTatb` is alphanumeric) |
//! | Roboflow | `ROBOFLOW_API_KEY=`; `Roboflow(api_key="…")`; `"api_key"`/`"apiKey"` in `~/.config/roboflow/config.json` | 16–64 letters/digits |
//! | env0 | `ENV0_API_SECRET=` (the Terraform provider's and CLI's variable); `"apiSecret"` in `~/.env0/config.json` | 16–128 of letters, digits, `_`, `-` |
//! | Encord | `ENCORD_SSH_KEY=-----BEGIN OPENSSH PRIVATE KEY-----`; `ENCORD_API_KEY=`; an OpenSSH private key in a file whose path mentions Encord | — |
//! | CVAT | anywhere, between non-token characters | `[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}`, both cases, entropy ≥ 3.5 bits, not words |
//!
//! Context is matched on one line; `=` or `:` with optional quotes and spaces, as in shell,
//! `.env`, YAML and JSON.

use regex::bytes::Regex;

use crate::record::Platform;

/// The longest text a pattern can match (context included); the scanner keeps this much
/// overlap between chunks.
pub const MAX_PATTERN_LEN: usize = 512;

/// One token found by a pattern: where the token itself is (not the context) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternHit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) platform: Platform,
    pub(crate) reason: &'static str,
    /// False for hits that mark a place (a PEM header) rather than the token's exact text.
    pub(crate) exact: bool,
}

/// What the path of a file says about it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FileContext {
    pub(crate) roboflow_config: bool,
    pub(crate) env0_config: bool,
    pub(crate) encord: bool,
}

impl FileContext {
    pub(crate) fn of(path: &std::path::Path) -> FileContext {
        let p = path.to_string_lossy().replace('\\', "/").to_lowercase();
        FileContext {
            roboflow_config: p.ends_with("roboflow/config.json"),
            env0_config: p.ends_with(".env0/config.json"),
            encord: p.contains("encord"),
        }
    }
}

struct Rule {
    group: &'static str,
    platform: Platform,
    reason: &'static str,
    exact: bool,
}

const RULES: &[Rule] = &[
    Rule {
        group: "sly",
        platform: Platform::Supervisely,
        reason: "a 128-character token assigned to API_TOKEN (Supervisely's variable)",
        exact: true,
    },
    Rule { group: "rf", platform: Platform::Roboflow, reason: "a key assigned to ROBOFLOW_API_KEY", exact: true },
    Rule {
        group: "rfcall", platform: Platform::Roboflow, reason: "a key passed as Roboflow(api_key=…)", exact: true
    },
    Rule { group: "e0", platform: Platform::Env0, reason: "a secret assigned to ENV0_API_SECRET", exact: true },
    Rule { group: "enck", platform: Platform::Encord, reason: "a key assigned to ENCORD_API_KEY", exact: true },
    Rule {
        group: "encssh",
        platform: Platform::Encord,
        reason: "an SSH private key assigned to ENCORD_SSH_KEY",
        exact: false,
    },
    Rule { group: "rfconf", platform: Platform::Roboflow, reason: "an API key in Roboflow's config file", exact: true },
    Rule {
        group: "e0conf",
        platform: Platform::Env0,
        reason: "an API secret in the env0 CLI's config file",
        exact: true,
    },
    Rule {
        group: "encpem",
        platform: Platform::Encord,
        reason: "an OpenSSH private key in an Encord file",
        exact: false,
    },
];

/// Separator between a name and its value: optional closing quote, `=` or `:`, optional
/// spaces and opening quote.
const SEP: &str = r#"["']?[ \t]*[:=][ \t]*["']?"#;

/// The word each context pattern starts with (`API_TOKEN` also covers
/// `SUPERVISELY_API_TOKEN`). The scanner finds them with the secrets, in one pass
/// ([`NeedleSet::automata_with`](super::needles::NeedleSet::automata_with)), and the context
/// pattern is then tried only where one is.
pub(crate) const CONTEXT_TRIGGERS: [&str; 6] =
    ["API_TOKEN", "ROBOFLOW_API_KEY", "Roboflow(", "ENV0_API_SECRET", "ENCORD_API_KEY", "ENCORD_SSH_KEY"];

/// The compiled patterns.
pub struct Patterns {
    context: Regex,
    /// `context` anchored at a trigger (it must match from its first byte).
    context_at: Regex,
    roboflow_config: Regex,
    env0_config: Regex,
    encord_pem: Regex,
}

impl std::fmt::Debug for Patterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Patterns")
    }
}

impl Default for Patterns {
    fn default() -> Self {
        Patterns::new()
    }
}

impl Patterns {
    pub fn new() -> Patterns {
        let b = r"(?-u:\b)";
        let context = |supervisely: &str| {
            [
                format!(r"{supervisely}API_TOKEN{SEP}(?P<sly>[A-Za-z0-9]{{128}}){b}"),
                format!(r"ROBOFLOW_API_KEY{SEP}(?P<rf>[A-Za-z0-9]{{16,64}}){b}"),
                r#"Roboflow\([ \t]*api_key[ \t]*=[ \t]*["'](?P<rfcall>[A-Za-z0-9]{16,64})["']"#.to_string(),
                format!(r"ENV0_API_SECRET{SEP}(?P<e0>[A-Za-z0-9_\-]{{16,128}})"),
                format!(r"ENCORD_API_KEY{SEP}(?P<enck>[A-Za-z0-9_\-]{{20,128}})"),
                format!(r"ENCORD_SSH_KEY{SEP}(?P<encssh>-----BEGIN OPENSSH PRIVATE KEY-----)"),
            ]
            .join("|")
        };
        let build = |s: &str| Regex::new(s).expect("pattern");
        Patterns {
            context: build(&context("(?:SUPERVISELY_)?")),
            context_at: build(&format!(r"\A(?:{})", context(""))),
            roboflow_config: build(r#""(?:api_key|apiKey)"[ \t]*:[ \t]*"(?P<rfconf>[A-Za-z0-9]{16,64})""#),
            env0_config: build(r#""apiSecret"[ \t]*:[ \t]*"(?P<e0conf>[A-Za-z0-9_\-]{16,128})""#),
            encord_pem: build(r"(?P<encpem>-----BEGIN OPENSSH PRIVATE KEY-----)"),
        }
    }

    /// Find tokens whose start lies in `from..to` of `buf` (the rest of `buf` is context).
    /// `triggers`: where in `buf` the [`CONTEXT_TRIGGERS`] are (those starting in `from..to`),
    /// when the caller found them; else the context pattern searches the window itself.
    pub(crate) fn find(
        &self,
        buf: &[u8],
        from: usize,
        to: usize,
        ctx: FileContext,
        triggers: Option<&[usize]>,
        out: &mut Vec<PatternHit>,
    ) {
        match triggers {
            Some(at) => {
                for &t in at {
                    // The longest context match is far shorter than this.
                    let text = &buf[t..(t + MAX_PATTERN_LEN).min(buf.len())];
                    if let Some(caps) = self.context_at.captures(text) {
                        push_rule_hit(&caps, t, out);
                    }
                }
            }
            None => find_regex(&self.context, buf, from, to, out),
        }
        if ctx.roboflow_config {
            find_regex(&self.roboflow_config, buf, from, to, out);
        }
        if ctx.env0_config {
            find_regex(&self.env0_config, buf, from, to, out);
        }
        if ctx.encord {
            find_regex(&self.encord_pem, buf, from, to, out);
        }
        find_cvat(buf, from, to, out);
    }
}

fn find_regex(re: &Regex, buf: &[u8], from: usize, to: usize, out: &mut Vec<PatternHit>) {
    let mut at = from;
    while at < to {
        let Some(caps) = re.captures_at(buf, at) else { break };
        let whole = caps.get(0).expect("group 0");
        if whole.start() >= to {
            break;
        }
        push_rule_hit(&caps, 0, out);
        at = whole.end().max(whole.start() + 1);
    }
}

/// The hit of whichever rule's group matched, `offset` bytes into the text.
fn push_rule_hit(caps: &regex::bytes::Captures, offset: usize, out: &mut Vec<PatternHit>) {
    let hit = RULES.iter().find_map(|r| caps.name(r.group).map(|m| (r, m)));
    if let Some((rule, m)) = hit {
        out.push(PatternHit {
            start: offset + m.start(),
            end: offset + m.end(),
            platform: rule.platform,
            reason: rule.reason,
            exact: rule.exact,
        });
    }
}

/// Bytes that may not come right before a CVAT token (they would make it part of a longer
/// word, path, number or base64 run). `=` may: it is how a token is assigned.
fn cvat_left(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/' | b'+')
}

/// Bytes that may not come right after one (`=` would be base64 padding).
fn cvat_right(b: u8) -> bool {
    cvat_left(b) || b == b'='
}

/// CVAT personal access tokens: `[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}` with no token character
/// on either side, whose 40 letters and digits [look random](looks_random). Found from each
/// dot, which is faster than a regex without a literal to start from. Code has a dot every
/// ~110 bytes and nearly none of them is a token's, so the bytes where the token must end are
/// tested first: sixteen dots at a time where the CPU can ([`edge_candidates`]), else dot by dot.
fn find_cvat(buf: &[u8], from: usize, to: usize, out: &mut Vec<PatternHit>) {
    let scan_from = from + 8;
    let scan_to = (to + 8).min(buf.len());
    if scan_from >= scan_to {
        return;
    }
    let mut check = |i: usize| {
        if let Some(hit) = cvat_at(buf, i) {
            out.push(hit);
        }
    };
    // The vector test reads 9 bytes before a dot and 48 after: the ends are done dot by dot.
    let vector_from = scan_from.max(9);
    let vector_to = scan_to.min(buf.len().saturating_sub(48));
    let mut at = scan_from;
    if vector_from < vector_to {
        for i in memchr::memchr_iter(b'.', &buf[scan_from..vector_from]) {
            check(scan_from + i);
        }
        // SAFETY: `edge_candidates` only needs SSE2, which every x86-64 CPU has (it is part of
        // the architecture's baseline); its bounds are asserted inside.
        #[allow(unused_unsafe)] // other CPUs: a plain function
        {
            at = unsafe { edge_candidates(buf, vector_from, vector_to, &mut check) };
        }
    }
    for i in memchr::memchr_iter(b'.', &buf[at..scan_to]) {
        check(at + i);
    }
}

/// The CVAT token whose dot is at `i`, if there is one.
fn cvat_at(buf: &[u8], i: usize) -> Option<PatternHit> {
    let start = i.checked_sub(8)?;
    let end = i + 33;
    if end > buf.len()
        || !buf[end - 1].is_ascii_alphanumeric()
        || (end < buf.len() && cvat_right(buf[end]))
        || !buf[start..i].iter().all(u8::is_ascii_alphanumeric)
        || !buf[i + 1..end].iter().all(u8::is_ascii_alphanumeric)
        || (start > 0 && cvat_left(buf[start - 1]))
        || !looks_random(&buf[start..i], &buf[i + 1..end])
    {
        return None;
    }
    Some(PatternHit {
        start,
        end,
        platform: Platform::Cvat,
        reason: "the shape of a CVAT personal access token",
        exact: true,
    })
}

/// Calls `f` with each dot at `lo..hi` whose edge bytes allow a CVAT token — none of
/// [`cvat_left`] 9 bytes before it, none of [`cvat_right`] 33 after — and returns where it
/// stopped (the rest, fewer than 16 positions, is the caller's). Needs `lo >= 9` and
/// `hi + 48 <= buf.len()`. SSE2, which every x86-64 CPU has: one compare finds the dots of 16
/// bytes, and only where there is one are the edge bytes classified, 16 at a time, instead of a
/// hard-to-predict branch per dot (which cost three times the search itself).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn edge_candidates(buf: &[u8], lo: usize, hi: usize, f: &mut impl FnMut(usize)) -> usize {
    use std::arch::x86_64::*;
    assert!(lo >= 9 && hi + 48 <= buf.len());
    let load = |at: usize| load16(buf, at);
    let dot = _mm_set1_epi8(b'.' as i8);
    let equals = _mm_set1_epi8(b'=' as i8);
    let mut p = lo;
    while p + 16 <= hi {
        let dots = _mm_cmpeq_epi8(load(p), dot);
        if _mm_movemask_epi8(dots) != 0 {
            let right = load(p + 33);
            let bad =
                _mm_or_si128(token_chars(load(p - 9)), _mm_or_si128(token_chars(right), _mm_cmpeq_epi8(right, equals)));
            let mut m = _mm_movemask_epi8(_mm_andnot_si128(bad, dots)) as u32;
            while m != 0 {
                f(p + m.trailing_zeros() as usize);
                m &= m - 1;
            }
        }
        p += 16;
    }
    p
}

/// The 16 bytes of `buf` from `at`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn load16(buf: &[u8], at: usize) -> std::arch::x86_64::__m128i {
    let bytes = &buf[at..at + 16];
    // SAFETY: `bytes` is 16 bytes long (the slice above is bounds-checked); an unaligned load
    // reads exactly them.
    unsafe { std::arch::x86_64::_mm_loadu_si128(bytes.as_ptr().cast()) }
}

/// Other CPUs: none, the caller tests dot by dot.
#[cfg(not(target_arch = "x86_64"))]
fn edge_candidates(_buf: &[u8], lo: usize, _hi: usize, _f: &mut impl FnMut(usize)) -> usize {
    lo
}

/// Per byte of `v`, all ones where it is one of [`cvat_left`]'s bytes (letters, digits, `_`,
/// `.`, `-`, `/`, `+`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn token_chars(v: std::arch::x86_64::__m128i) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::*;
    let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
    let letters = byte_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26);
    let digits = byte_range(v, b'0', 10);
    let dash_dot_slash = byte_range(v, b'-', 3);
    _mm_or_si128(_mm_or_si128(letters, digits), _mm_or_si128(dash_dot_slash, _mm_or_si128(is(b'_'), is(b'+'))))
}

/// Per byte of `v`, all ones where `lo <= b < lo + n`, as one signed compare: `b - lo` is below
/// `n` unsigned, and adding 0x80 turns that into `b - lo - 128 < n - 128` in signed bytes
/// (SSE2 compares signed bytes only).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn byte_range(v: std::arch::x86_64::__m128i, lo: u8, n: u8) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::*;
    let shifted = _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8));
    _mm_cmplt_epi8(shifted, _mm_set1_epi8((n ^ 0x80) as i8))
}

/// Whether the letters and digits of a token-shaped match (`parts`, the text between its
/// separators) look like a random token rather than an identifier. A real token's characters
/// are drawn uniformly from the 62 letters and digits; each test below is one such a token
/// fails only by a chance too small to matter, while identifiers fail at least one:
///
/// - both upper- and lower-case letters: a random 40-character token lacks one with
///   probability 2·(36/62)^40 ≈ 7·10⁻¹⁰ (this rejects hex digests, all-caps constants);
/// - at least [`MIN_ENTROPY`] bits of Shannon entropy per character (gitleaks' threshold for
///   its generic rule): repeated placeholders such as `AAAAAAAA.AAAA…b` fall below it, random
///   tokens sit at 4.8 ± 0.15 and not one of 10⁸ simulated ones came below 3.8;
/// - not words ([`word_evidence`] below [`MAX_WORD_EVIDENCE`] bits).
///
/// gitleaks' other test, "must contain a digit", is left out on purpose: 8.8·10⁻⁴ of real CVAT
/// tokens (one in 1,100: (52/62)^40) have none, and identifiers often have one (`factory2`).
/// So is TruffleHog's "contains a dictionary word": about one random token in a hundred
/// contains a 5-letter English word by chance.
pub(crate) fn looks_random(head: &[u8], tail: &[u8]) -> bool {
    let all = || head.iter().chain(tail);
    all().any(u8::is_ascii_uppercase)
        && all().any(u8::is_ascii_lowercase)
        && entropy(all()) >= MIN_ENTROPY
        && word_evidence(head) + word_evidence(tail) < MAX_WORD_EVIDENCE
}

/// Least Shannon entropy of a random token's characters, in bits per character.
pub(crate) const MIN_ENTROPY: f64 = 3.5;

/// Above this many bits of [`word_evidence`] a match is taken for words.
pub(crate) const MAX_WORD_EVIDENCE: f64 = 30.0;

/// Shannon entropy of `bytes`, in bits per byte.
fn entropy<'a>(bytes: impl Iterator<Item = &'a u8> + Clone) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for &b in bytes {
        counts[b as usize] += 1;
        n += 1;
    }
    let n = f64::from(n.max(1));
    counts.iter().filter(|&&c| c > 0).map(|&c| f64::from(c) / n).map(|p| -p * p.log2()).sum()
}

/// How much likelier `text` (letters and digits) is as camelCase words than as a random token,
/// in bits: log2 P(words) / P(random). P(random) is (1/62)^n; P(words) comes from a simple
/// model of identifiers — long runs of lower-case letters, an upper-case letter starting each
/// word, few digits — with English letter frequencies. Words score high (40–52 bits for the
/// identifiers in the TypeScript compiler and wry that have a CVAT token's shape), random
/// tokens low (median −50, the highest of 10⁸ simulated +19). Whatever the model's details,
/// as long as P(words) is a probability distribution, a random token scores ≥ t bits with
/// probability at most 2^−t (Markov's inequality on the likelihood ratio), so
/// [`MAX_WORD_EVIDENCE`] = 30 misses at most one real token in 10⁹.
pub(crate) fn word_evidence(text: &[u8]) -> f64 {
    // Per cent, English text (the usual table); normalised below, so they need not sum to 100.
    const LETTERS: [f64; 26] = [
        8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, 0.15, 0.77, 4.0, 2.4, 6.7, 7.5, 1.9, 0.095, 6.0, 6.3, 9.1, 2.8,
        0.98, 2.4, 0.15, 2.0, 0.074,
    ];
    // Character classes: lower, upper, digit. First character, then after each class.
    const START: [f64; 3] = [0.6, 0.35, 0.05];
    const NEXT: [[f64; 3]; 3] = [[0.82, 0.15, 0.03], [0.8, 0.17, 0.03], [0.3, 0.3, 0.4]];
    let letter_total: f64 = LETTERS.iter().sum();
    let mut prev: Option<usize> = None;
    let mut bits = 0.0;
    for &b in text {
        let (class, p_in_class) = match b {
            b'a'..=b'z' => (0, LETTERS[(b - b'a') as usize] / letter_total),
            b'A'..=b'Z' => (1, LETTERS[(b - b'A') as usize] / letter_total),
            _ => (2, 0.1),
        };
        let p_class = prev.map_or(START[class], |p| NEXT[p][class]);
        bits += (p_class * p_in_class * 62.0).log2();
        prev = Some(class);
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns' hits, found both ways: the context regex searching the text itself, and
    /// tried only at the trigger words (as the scanner does, which finds them with the needles).
    fn hits(text: &str, ctx: FileContext) -> Vec<(Platform, String)> {
        let patterns = Patterns::new();
        let (mut searched, mut triggered) = (vec![], vec![]);
        patterns.find(text.as_bytes(), 0, text.len(), ctx, None, &mut searched);
        let mut at: Vec<usize> = CONTEXT_TRIGGERS.iter().flat_map(|t| text.match_indices(t).map(|(i, _)| i)).collect();
        at.sort();
        patterns.find(text.as_bytes(), 0, text.len(), ctx, Some(&at), &mut triggered);
        let sorted = |v: &[PatternHit]| {
            let mut v: Vec<(Platform, String)> =
                v.iter().map(|h| (h.platform, text[h.start..h.end].to_string())).collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&searched), sorted(&triggered), "searched and triggered differ in {text:?}");
        sorted(&searched)
    }

    const CVAT: &str = "AbCd1234.0123456789abcdefABCDEF0123456789";

    fn xorshift(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn cvat_shape_with_boundaries() {
        assert_eq!(hits(&format!("token: {CVAT}\n"), FileContext::default()), [(Platform::Cvat, CVAT.into())]);
        assert_eq!(hits(CVAT, FileContext::default()).len(), 1, "at both ends of the text");
        assert!(hits(&format!("x{CVAT}"), FileContext::default()).is_empty());
        assert!(hits(&format!("{CVAT}x"), FileContext::default()).is_empty());
        assert!(hits(&format!("a.{CVAT}"), FileContext::default()).is_empty());
        assert!(hits(&format!("{CVAT}.com"), FileContext::default()).is_empty());
        assert!(hits(&format!("{CVAT}=="), FileContext::default()).is_empty());
        assert_eq!(hits(&format!("CVAT_ACCESS_TOKEN={CVAT}"), FileContext::default()).len(), 1);
        assert!(
            hits("abcdefgh.0123456789abcdef0123456789abcde", FileContext::default()).is_empty(),
            "31 after the dot"
        );
    }

    /// Member chains of CVAT's shape from real code (TypeScript's compiler, wry) and made-up
    /// ones are not tokens; neither are hex digests, constants or placeholders.
    #[test]
    fn identifiers_of_a_cvat_token_shape_are_not_tokens() {
        for text in [
            "factory2.createPartiallyEmittedExpression",
            "factory2.createModifiersFromModifierFlags",
            "resolver.getPropertiesOfContainerFunction",
            "SortText.MemberDeclaredBySpreadAssignment",
            "settings.SetAreDefaultContextMenusEnabled",
            "settings.mediaPlaybackRequiresUserGesture",
            "visitor2.visitEachChildOfJsxAttributeNode",
            "deadbeef.0123456789abcdef0123456789abcdef",
            "ABCDEFGH.THE0CONSTANT1NAME2IN3UPPER4CASE5",
            "Aaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
            "XxXxXxXx.XxXxXxXxXxXxXxXxXxXxXxXxXxXxXxXx",
        ] {
            assert_eq!(text.len(), 41, "{text}");
            assert!(hits(&format!("x = {text};"), FileContext::default()).is_empty(), "{text}");
        }
    }

    /// Tokens made the way CVAT makes them (each character drawn uniformly from the 62
    /// letters and digits) are all found, including those without a digit.
    #[test]
    fn random_cvat_tokens_are_found() {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut pick = |n: usize, alphabet: &[u8]| -> String {
            (0..n).map(|_| alphabet[(xorshift(&mut seed) % alphabet.len() as u64) as usize] as char).collect()
        };
        let patterns = Patterns::new();
        let mut out = vec![];
        for i in 0..20_000 {
            // Every tenth without digits, as about one real token in 1,100 is.
            let alphabet = if i % 10 == 0 { &A[..52] } else { A };
            let token = format!("{}.{}", pick(8, alphabet), pick(32, alphabet));
            let text = format!("CVAT_ACCESS_TOKEN=\"{token}\"\n");
            out.clear();
            patterns.find(text.as_bytes(), 0, text.len(), FileContext::default(), None, &mut out);
            assert_eq!(out.len(), 1, "a random token was not found (#{i})");
        }
    }

    /// The SSE2 search (16 dots at a time, their edge bytes classified together) finds exactly
    /// what testing every dot one by one finds: random text of token characters, separators
    /// and dots with random tokens planted at every alignment, near both ends, next to each
    /// edge byte, searched whole and in random windows.
    #[test]
    fn the_vector_search_finds_what_the_dot_by_dot_one_does() {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const TEXT: &[u8] = b"aZ9.=_-/+, \n(\"'.:\x7f\xc3\x80";
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        let (mut planted, mut found) = (0, 0);
        for round in 0..4_000 {
            let len = (xorshift(&mut seed) % 400) as usize;
            let mut buf: Vec<u8> = (0..len).map(|_| TEXT[(xorshift(&mut seed) % TEXT.len() as u64) as usize]).collect();
            for _ in 0..xorshift(&mut seed) % 4 {
                let token: Vec<u8> = (0..41)
                    .map(|i| if i == 8 { b'.' } else { A[(xorshift(&mut seed) % A.len() as u64) as usize] })
                    .collect();
                let at = (xorshift(&mut seed) % (buf.len() as u64 + 1)) as usize;
                buf.splice(at..at, token);
                planted += 1;
            }
            let (from, to) = if round % 2 == 0 {
                (0, buf.len())
            } else {
                let a = (xorshift(&mut seed) % (buf.len() as u64 + 1)) as usize;
                let b = (xorshift(&mut seed) % (buf.len() as u64 + 1)) as usize;
                (a.min(b), a.max(b))
            };
            let mut fast = vec![];
            find_cvat(&buf, from, to, &mut fast);
            let slow: Vec<PatternHit> = memchr::memchr_iter(b'.', &buf)
                .filter_map(|i| cvat_at(&buf, i))
                .filter(|h| (from..to).contains(&h.start))
                .collect();
            assert_eq!(fast, slow, "round {round}: {:?}", String::from_utf8_lossy(&buf));
            found += fast.len();
        }
        assert!(planted > 4_000 && found > 500, "tokens were planted ({planted}) and found ({found})");
    }

    #[test]
    fn random_base64_and_hex_are_not_tokens() {
        use base64::Engine;
        let mut seed = 0x2545F4914F6CDD1Du64;
        let bytes: Vec<u8> = (0..64 * 1024).map(|_| xorshift(&mut seed) as u8).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let wrapped: Vec<String> = b64.as_bytes().chunks(76).map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
        assert!(hits(&wrapped.join("\n"), FileContext::default()).is_empty());
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert!(hits(&hex, FileContext::default()).is_empty());
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        assert!(hits(&url, FileContext::default()).is_empty());
    }

    #[test]
    fn context_patterns() {
        let sly: String = "Ab1".repeat(43)[..128].to_string();
        let got = hits(&format!("SERVER_ADDRESS=\"https://x\"\nAPI_TOKEN=\"{sly}\"\n"), FileContext::default());
        assert_eq!(got, [(Platform::Supervisely, sly.clone())]);
        assert!(hits(&format!("API_TOKEN={}", &sly[..100]), FileContext::default()).is_empty());
        assert_eq!(
            hits("export ROBOFLOW_API_KEY=FAKErf0123456789abcd", FileContext::default()),
            [(Platform::Roboflow, "FAKErf0123456789abcd".into())]
        );
        assert_eq!(
            hits("rf = roboflow.Roboflow(api_key=\"FAKErf0123456789abcd\")", FileContext::default()),
            [(Platform::Roboflow, "FAKErf0123456789abcd".into())]
        );
        assert_eq!(
            hits("ENV0_API_KEY: kid\nENV0_API_SECRET: 'FAKE_env0-secret-0123'", FileContext::default()),
            [(Platform::Env0, "FAKE_env0-secret-0123".into())]
        );
        let got = hits("ENCORD_SSH_KEY=\"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n", FileContext::default());
        assert_eq!(got[0].0, Platform::Encord);
        let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n";
        assert!(hits(pem, FileContext::default()).is_empty(), "an SSH key alone is not Encord's");
        assert_eq!(hits(pem, FileContext { encord: true, ..Default::default() }).len(), 1);
        let rf_conf = r#"{"workspaces": {"w": {"apiKey": "FAKErf0123456789abcd"}}}"#;
        assert!(hits(rf_conf, FileContext::default()).is_empty());
        assert_eq!(hits(rf_conf, FileContext { roboflow_config: true, ..Default::default() }).len(), 1);
        let e0_conf = r#"{"apiKey": "kid", "apiSecret": "FAKEenv0secret0123"}"#;
        assert_eq!(hits(e0_conf, FileContext { env0_config: true, ..Default::default() }).len(), 1);
    }

    #[test]
    fn file_context_from_path() {
        let c = FileContext::of(std::path::Path::new("/home/u/.config/roboflow/config.json"));
        assert!(c.roboflow_config && !c.env0_config && !c.encord);
        assert!(FileContext::of(std::path::Path::new("/home/u/.env0/config.json")).env0_config);
        assert!(FileContext::of(std::path::Path::new("/p/Encord-keys/id")).encord);
    }
}
