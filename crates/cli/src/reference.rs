//! References instead of values: `latchkey://<platform>/<label>` stands for a stored secret
//! in a file or an environment variable, so what is committed holds no secret.
//!
//! The label is URL-encoded (`latchkey://cvat/ci%20bot`); `#<id>` after it (a token id or
//! an id prefix of at least 6 characters) picks one of several tokens with the same label.
//! A reference ends at the first character that cannot be part of it (a quote, a space, the
//! end of the line). It stands for the secret `latchkey get` prints (env0: the key secret;
//! the key id is not secret and is written as it is). Core's `reference::format` writes them
//! (the leak panel's “Replace with a reference”); this module reads them.

use std::ops::Range;

use latchkey_core::{Platform, TokenRecord};

use crate::exit::{Code, Failure};

pub use latchkey_core::reference::SCHEME;

/// One reference found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Where it is in the text.
    pub span: Range<usize>,
    /// As written.
    pub text: String,
    pub platform: String,
    pub label: String,
    pub id: Option<String>,
}

fn label_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%' | b'+' | b'!' | b'*' | b'(' | b')')
}

/// Every reference in `text`, in order.
pub fn find(text: &str) -> Vec<Reference> {
    let bytes = text.as_bytes();
    let mut found = vec![];
    let mut from = 0;
    while let Some(at) = text[from..].find(SCHEME).map(|i| from + i) {
        let mut i = at + SCHEME.len();
        let p_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
            i += 1;
        }
        let p_end = i;
        if p_end == p_start || i >= bytes.len() || bytes[i] != b'/' {
            from = at + SCHEME.len();
            continue;
        }
        i += 1;
        let l_start = i;
        while i < bytes.len() && label_char(bytes[i]) {
            i += 1;
        }
        let l_end = i;
        let mut id = None;
        if i < bytes.len() && bytes[i] == b'#' {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j].is_ascii_hexdigit() || bytes[j] == b'-') {
                j += 1;
            }
            if j > i + 1 {
                id = Some(text[i + 1..j].to_string());
                i = j;
            }
        }
        if l_end > l_start {
            found.push(Reference {
                span: at..i,
                text: text[at..i].to_string(),
                platform: text[p_start..p_end].to_string(),
                label: decode(&text[l_start..l_end]),
                id,
            });
        }
        from = i.max(at + SCHEME.len());
    }
    found
}

/// Percent-decoding (`+` stays a plus); an invalid escape stays as written.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token a reference means, or an error naming the reference.
pub fn resolve<'a>(records: &'a [TokenRecord], r: &Reference) -> Result<&'a TokenRecord, Failure> {
    let platform: Option<Platform> = crate::cli::platform(&r.platform).ok();
    let matching: Vec<&TokenRecord> = records
        .iter()
        .filter(|t| Some(t.platform) == platform)
        .filter(|t| t.label.trim().to_lowercase() == r.label.trim().to_lowercase())
        .filter(|t| r.id.as_ref().is_none_or(|id| id.len() >= 6 && t.id.to_string().starts_with(&id.to_lowercase())))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(Failure::new(
            Code::NotFound,
            format!("{}: no stored token is called that. `latchkey list` shows them all.", r.text),
        )),
        many => {
            let ids: Vec<String> = many.iter().map(|t| format!("  {}#{}", r.text, t.id)).collect();
            Err(Failure::usage(format!(
                "{}: more than one token has that label; add the id:\n{}",
                r.text,
                ids.join("\n")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_with_their_ends() {
        let t = "A=latchkey://cvat/ci\nB=\"latchkey://roboflow/team%20bot#0a1b2c3d\" latchkey://x latchkey://env0/k.";
        let r = find(t);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].platform.as_str(), r[0].label.as_str(), r[0].id.as_deref()), ("cvat", "ci", None));
        assert_eq!(&t[r[0].span.clone()], "latchkey://cvat/ci");
        assert_eq!((r[1].label.as_str(), r[1].id.as_deref()), ("team bot", Some("0a1b2c3d")));
        assert_eq!(r[1].text, "latchkey://roboflow/team%20bot#0a1b2c3d");
        // A trailing dot is part of the label (URL-unreserved).
        assert_eq!(r[2].label, "k.");
    }

    #[test]
    fn decoding_keeps_invalid_escapes() {
        assert_eq!(decode("a%2Fb%zz%4"), "a/b%zz%4");
        assert_eq!(decode("%C3%A9t%C3%A9"), "été");
    }
}
