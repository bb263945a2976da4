//! Looking for a secret in every form it could have been written in: as it is, URL-encoded,
//! base64 (standard and URL-safe, at each of the three alignments it can have inside longer
//! data) and UTF-16 (LE and BE, as WebKit's local storage and IndexedDB keep strings).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine as _;

/// `(form name, bytes)` for each form of `secret`.
pub fn secret_forms(secret: &str) -> Vec<(String, Vec<u8>)> {
    let mut forms = vec![("plain".to_string(), secret.as_bytes().to_vec())];
    let encoded: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if encoded != secret {
        forms.push(("URL-encoded".into(), encoded.clone().into_bytes()));
        forms.push(("url-encoded, lower-case hex".into(), lower_hex_escapes(&encoded).into_bytes()));
    }
    for (name, engine) in [
        ("base64", &base64::engine::general_purpose::STANDARD),
        ("base64url", &base64::engine::general_purpose::URL_SAFE),
    ] {
        for offset in 0..3usize {
            // The secret after `offset` other bytes: keep only the characters that depend on
            // the secret's bytes alone (whole 3-byte groups, none shared with its neighbours).
            let mut data = vec![0u8; offset];
            data.extend_from_slice(secret.as_bytes());
            let text = engine.encode(&data);
            let skip = [0, 2, 3][offset];
            let end = data.len() / 3 * 4;
            if end > skip + 8 {
                forms.push((format!("{name} (offset {offset})"), text.as_bytes()[skip..end].to_vec()));
            }
        }
    }
    let utf16: Vec<u16> = secret.encode_utf16().collect();
    forms.push(("UTF-16LE".into(), utf16.iter().flat_map(|u| u.to_le_bytes()).collect()));
    forms.push(("UTF-16BE".into(), utf16.iter().flat_map(|u| u.to_be_bytes()).collect()));
    forms
}

fn lower_hex_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// Every file under `dirs` (except those under `skip`) holding one of `secrets` in any of
/// its forms: `(file, "secret #i as <form>")`.
pub fn find_secrets(dirs: &[&Path], secrets: &[&str], skip: &[&Path]) -> Vec<(PathBuf, String)> {
    let needles: Vec<(String, Vec<u8>)> = secrets
        .iter()
        .enumerate()
        .flat_map(|(i, s)| secret_forms(s).into_iter().map(move |(form, b)| (format!("secret #{i} as {form}"), b)))
        .collect();
    let finder = aho_corasick::AhoCorasick::new(needles.iter().map(|(_, b)| b)).unwrap();
    let mut hits = vec![];
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    while let Some(d) = stack.pop() {
        if skip.iter().any(|s| d.starts_with(s)) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if skip.iter().any(|s| path.starts_with(s)) {
                continue;
            }
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                let mut bytes = vec![];
                if File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)).is_err() {
                    continue;
                }
                let mut found: Vec<String> =
                    finder.find_overlapping_iter(&bytes).map(|m| needles[m.pattern().as_usize()].0.clone()).collect();
                found.sort();
                found.dedup();
                hits.extend(found.into_iter().map(|f| (path.clone(), f)));
            }
        }
    }
    hits
}

/// Files under `dir`, recursively (to show which places a sweep covered).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => out.push(e.path()),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each form, planted inside other bytes at every alignment, is found; nothing else is.
    #[test]
    fn every_form_is_found_wherever_it_sits() {
        let secret = "FAKE-hyg+ie/ne=42~xyz";
        let dir = tempfile::tempdir().unwrap();
        let mut planted = vec![];
        for (i, (form, bytes)) in secret_forms(secret).into_iter().enumerate() {
            let mut data = b"{\"some\":\"thing\",\"v\":\"".to_vec();
            data.extend_from_slice(&bytes);
            data.extend_from_slice(b"\"}");
            std::fs::write(dir.path().join(format!("f{i}")), &data).unwrap();
            planted.push(form);
        }
        // The secret inside longer base64 data, at each offset, as a web storage would keep it.
        for pre in ["", "a", "ab"] {
            let data = base64::engine::general_purpose::STANDARD.encode(format!("{pre}{{\"token\":\"{secret}\"}}"));
            std::fs::write(dir.path().join(format!("b64-{}", pre.len())), data).unwrap();
        }
        std::fs::write(dir.path().join("clean"), "FAKE-hyg+ie/ne=42~xy and other text").unwrap();
        let hits = find_secrets(&[dir.path()], &[secret], &[]);
        let files: std::collections::BTreeSet<_> =
            hits.iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().to_string()).collect();
        assert_eq!(files.len(), planted.len() + 3, "forms {planted:?}, hits {hits:?}");
        assert!(!files.contains("clean"), "{hits:?}");
        // A skipped folder is not read.
        assert!(find_secrets(&[dir.path()], &[secret], &[dir.path()]).is_empty());
    }
}
