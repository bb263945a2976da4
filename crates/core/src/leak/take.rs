//! "Import it": read an unknown token back from where a scan found it, so it can be added
//! to the vault without the secret ever passing through the report or the UI.

use std::sync::OnceLock;

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::patterns::{FileContext, Patterns};
use super::source::Reader;
use super::{Finding, FindingKind};
use crate::error::{Error, Result};
use crate::record::Platform;
use crate::secret::SecretInput;

/// Files larger than this are not read back whole for an import.
const MAX_TAKE: usize = 64 * 1024 * 1024;

/// An unknown token read back from its file, ready for [`crate::Vault::add`].
pub struct FoundToken {
    pub platform: Platform,
    pub secret: SecretInput,
}

impl std::fmt::Debug for FoundToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoundToken").field("platform", &self.platform).finish_non_exhaustive()
    }
}

fn changed() -> Error {
    Error::invalid("The file changed since the scan and the token is no longer where it was found. Scan again.")
}

/// Read the token of an `Unknown` finding back from its file.
pub fn take_found_token(finding: &Finding) -> Result<FoundToken> {
    if !matches!(finding.kind, FindingKind::Unknown { .. }) {
        return Err(not_unknown());
    }
    let text = read_text(std::path::Path::new(&finding.path))?;
    token_in_text(finding, &text)
}

fn not_unknown() -> Error {
    Error::invalid("Only a token that is not in Latchkey yet can be imported from a scan.")
}

/// The token of an `Unknown` finding, taken from `text`, the file's content (the pure half of
/// [`take_found_token`]; the finding's path only says what kind of file it is). Whatever the
/// text and the finding's line and column, this gives the token or an error, never a panic
/// (fuzzed: `fuzz/fuzz_targets/importers.rs`).
pub fn token_in_text(finding: &Finding, text: &[u8]) -> Result<FoundToken> {
    let FindingKind::Unknown { platform, .. } = finding.kind else { return Err(not_unknown()) };
    let path = std::path::Path::new(&finding.path);
    let line_start = if finding.line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text).nth((finding.line - 2) as usize).ok_or_else(changed)? + 1
    };
    let line_end = memchr::memchr(b'\n', &text[line_start..]).map_or(text.len(), |i| line_start + i);
    // The finding comes from the webview: a column past the line (up to u64::MAX, which
    // overflowed the addition) means the file changed, never a panic.
    let at = usize::try_from(finding.column.saturating_sub(1))
        .ok()
        .and_then(|col| line_start.checked_add(col))
        .filter(|&at| at <= line_end)
        .ok_or_else(changed)?;
    let mut hits = vec![];
    patterns().find(text, line_start, line_end, FileContext::of(path), None, &mut hits);
    let hit = hits.into_iter().find(|h| h.start == at && h.platform == platform).ok_or_else(changed)?;
    let token = || -> Result<String> {
        std::str::from_utf8(&text[hit.start..hit.end]).map(str::to_string).map_err(|_| changed())
    };
    let secret = match platform {
        Platform::Env0 => {
            let key_id = env0_key_id(text).ok_or_else(|| {
                Error::invalid(
                    "The env0 secret was found but not its key id (ENV0_API_KEY) in the same file; add the key by hand.",
                )
            })?;
            SecretInput::KeyPair { key_id, secret: SecretString::from(token()?) }
        }
        Platform::Encord if !hit.exact => {
            let rest = &text[hit.start..];
            let end_marker = b"-----END OPENSSH PRIVATE KEY-----";
            let end = memchr::memmem::find(rest, end_marker).ok_or_else(changed)? + end_marker.len();
            let pem = String::from_utf8_lossy(&rest[..end]).replace("\\n", "\n");
            SecretInput::SshKey { private_key: SecretString::from(pem) }
        }
        Platform::Encord => {
            return Err(Error::invalid(
                "A legacy Encord API key needs the id of its project or dataset; add it by hand with that id.",
            ))
        }
        _ => SecretInput::Token { token: SecretString::from(token()?) },
    };
    Ok(FoundToken { platform, secret })
}

fn read_text(path: &std::path::Path) -> Result<Zeroizing<Vec<u8>>> {
    let io = |e| Error::io("reading the file the token was found in", path, e);
    let mut reader = Reader::open(path).map_err(io)?.ok_or_else(changed)?;
    let mut text = Zeroizing::new(vec![]);
    while !reader.fill(&mut text, 1 << 20).map_err(io)? {
        if text.len() > MAX_TAKE {
            return Err(Error::invalid("The file is too large to import from; copy the token by hand."));
        }
    }
    Ok(text)
}

/// The scanner's patterns, compiled once (an import is one click, but the fuzz target calls
/// [`token_in_text`] many thousand times a second).
fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(Patterns::new)
}

fn env0_key_id(text: &[u8]) -> Option<String> {
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::bytes::Regex::new(
            r#"(?:ENV0_API_KEY["']?[ \t]*[:=][ \t]*["']?|"apiKey"[ \t]*:[ \t]*")(?P<id>[A-Za-z0-9_\-]{4,128})"#,
        )
        .expect("pattern")
    });
    let caps = re.captures(text)?;
    std::str::from_utf8(caps.name("id")?.as_bytes()).ok().map(str::to_string)
}
