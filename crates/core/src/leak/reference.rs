//! “Replace with a reference”: one finding's occurrence of a stored secret in a file becomes
//! the token's `latchkey://` reference (see [`crate::reference`]), so the file keeps working
//! with `latchkey run` / `latchkey inject` and holds no secret.
//!
//! Only the one occurrence the finding points at is replaced, and only if the file still
//! holds exactly that secret there (else the scan is out of date and nothing is written).
//! The file is rewritten atomically (a temporary file in the same folder, fsync, rename) with
//! its permissions; every other byte (CRLF line ends, a BOM, other occurrences) stays as it
//! was. Symbolic links and anything but a regular file are refused: the rename would replace
//! the link, not the file it points to.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;
use zeroize::Zeroizing;

use super::needles::NeedleForm;
use super::source::{sniff, Encoding, Sniff, SNIFF_LEN};
use super::{Finding, FindingKind};
use crate::error::{Error, Result};

/// The confirm step of “Replace with a reference”. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReferencePreview {
    /// What is written in place of the secret.
    pub reference: String,
    /// The finding's line as it will be, masked as the excerpt is.
    pub line: String,
}

/// Findings of a report after finding `index` was replaced by a reference `shift` bytes longer
/// (or shorter) than the secret: it is gone, and later findings on its line move along.
pub fn drop_replaced(findings: &mut Vec<Finding>, index: usize, shift: i64) {
    if index >= findings.len() {
        return;
    }
    let done = findings.remove(index);
    for f in findings.iter_mut().filter(|f| f.path == done.path && f.line == done.line && f.column > done.column) {
        f.column = (f.column as i64 + shift).max(1) as u64;
    }
}

/// Why a finding gets no “Replace with a reference”, or `None` when it does.
pub fn reference_unavailable(finding: &Finding) -> Option<&'static str> {
    match &finding.kind {
        FindingKind::Stored { form: NeedleForm::AsIs, .. } => None,
        FindingKind::Stored { form: NeedleForm::UrlEncoded, .. } => Some(
            "The secret is URL-encoded here (part of a URL); a reference stands for the plain secret, so edit this line by hand.",
        ),
        FindingKind::Stored { form: NeedleForm::Base64Basic, .. } => Some(
            "This is env0's key id and secret in base64 (HTTP Basic auth); a reference stands for the secret alone, so edit this line by hand.",
        ),
        FindingKind::Stored { form: NeedleForm::PemLines, .. } => {
            Some("This is an SSH private key file; a reference cannot stand for a key file.")
        }
        FindingKind::Revoked { .. } => Some("This token is revoked: there is no secret for a reference to stand for."),
        FindingKind::Unknown { .. } => Some("This token is not stored in Latchkey: import it first."),
    }
}

/// What the finding's line becomes, for the confirm step: the finding's masked excerpt with
/// the finding's own marker (`••••` and the hint) replaced by `reference`. Holds no secret.
pub fn reference_preview(finding: &Finding, hint: &str, reference: &str) -> String {
    let marker = format!("••••{hint}");
    match finding.excerpt.find(&marker) {
        Some(at) => format!("{}{reference}{}", &finding.excerpt[..at], &finding.excerpt[at + marker.len()..]),
        None => finding.excerpt.clone(),
    }
}

/// Replace the occurrence of `secret` at `line`/`column` (1-based, columns in bytes, as a
/// finding gives them) in the file at `path` with `reference`.
pub fn replace_with_reference(path: &Path, line: u64, column: u64, secret: &str, reference: &str) -> Result<()> {
    let shown = path.display();
    let meta = std::fs::symlink_metadata(path).map_err(|e| io_error(path, "could not be read", e))?;
    if meta.file_type().is_symlink() {
        return Err(Error::invalid(format!(
            "{shown} is a symbolic link; open the file it points to and replace the secret there. Nothing was changed."
        )));
    }
    if !meta.is_file() {
        return Err(Error::invalid(format!("{shown} is not a regular file. Nothing was changed.")));
    }
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| io_error(path, "could not be read", e))?);
    let bom = match sniff(&bytes[..bytes.len().min(SNIFF_LEN)]) {
        Sniff::Text { encoding: Encoding::Bytes, bom } => bom,
        _ => {
            return Err(Error::invalid(format!(
                "{shown} is not UTF-8 text (UTF-16 or binary); edit it by hand. Nothing was changed."
            )))
        }
    };
    let secret = secret.trim().as_bytes();
    let at = offset(&bytes[bom..], line, column).map(|o| o + bom);
    let holds = at.is_some_and(|at| !secret.is_empty() && bytes.get(at..at + secret.len()) == Some(secret));
    let Some(at) = at.filter(|_| holds) else {
        return Err(Error::invalid(format!(
            "{shown} changed since the scan: the secret is no longer at line {line}, column {column}. Scan again. Nothing was changed."
        )));
    };
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() + reference.len()));
    out.extend_from_slice(&bytes[..at]);
    out.extend_from_slice(reference.as_bytes());
    out.extend_from_slice(&bytes[at + secret.len()..]);
    write_atomic(path, &out, meta.permissions())
}

/// Byte offset of 1-based `line`/`column` in `text`, if the line exists and is long enough.
fn offset(text: &[u8], line: u64, column: u64) -> Option<usize> {
    if line == 0 || column == 0 {
        return None;
    }
    let mut start = 0usize;
    for _ in 1..line {
        start += memchr::memchr(b'\n', &text[start..])? + 1;
    }
    let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |n| start + n);
    let at = start + (column - 1) as usize;
    (at < end).then_some(at)
}

fn write_atomic(path: &Path, bytes: &[u8], permissions: std::fs::Permissions) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".latchkey-tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error(path, "could not be written (no temporary file next to it)", e))?;
    tmp.as_file().set_permissions(permissions).map_err(|e| io_error(path, "could not keep its permissions", e))?;
    tmp.write_all(bytes).map_err(|e| io_error(path, "could not be written", e))?;
    tmp.as_file().sync_all().map_err(|e| io_error(path, "could not be written", e))?;
    tmp.persist(path).map_err(|e| io_error(path, "could not be replaced", e.error))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::invalid(format!("{} {what} ({e}). Nothing was changed.", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Platform;
    use uuid::Uuid;

    const SECRET: &str = "FAKErfSecret0123456789";
    const REF: &str = "latchkey://roboflow/E2E%20ref";

    fn finding(form: NeedleForm, excerpt: &str) -> Finding {
        Finding {
            kind: FindingKind::Stored {
                token_id: Uuid::nil(),
                platform: Platform::Roboflow,
                label: "E2E ref".into(),
                form,
            },
            path: String::new(),
            line: 1,
            column: 1,
            excerpt: excerpt.into(),
            modified_at: None,
            allowed: false,
            lines: 1,
        }
    }

    fn file(dir: &tempfile::TempDir, text: &[u8]) -> std::path::PathBuf {
        let p = dir.path().join(".env");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn only_the_occurrence_at_the_column_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("# keys\nA={SECRET} B={SECRET}\n");
        let p = file(&dir, text.as_bytes());
        let second = (format!("A={SECRET} B=").len() + 1) as u64;
        replace_with_reference(&p, 2, second, SECRET, REF).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("# keys\nA={SECRET} B={REF}\n"));
        replace_with_reference(&p, 2, 3, SECRET, REF).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("# keys\nA={REF} B={REF}\n"));
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_changed_file_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let before = format!("X=1\nROBOFLOW_API_KEY={SECRET}\n");
        let p = file(&dir, before.as_bytes());
        for (line, column) in [(2, 1), (1, 18), (3, 18), (2, 400)] {
            let e = replace_with_reference(&p, line, column, SECRET, REF).unwrap_err().to_string();
            assert!(e.contains("changed since the scan") && e.contains("Scan again"), "{e}");
            assert!(!e.contains(SECRET));
        }
        // Another secret in the place of this one.
        let e = replace_with_reference(&p, 2, 18, "FAKEotherSecret0000000", REF).unwrap_err().to_string();
        assert!(e.contains("changed since the scan"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), before);
    }

    #[test]
    fn crlf_bom_and_every_other_byte_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = b"\xEF\xBB\xBFK=".to_vec();
        text.extend_from_slice(SECRET.as_bytes());
        text.extend_from_slice(b"\r\nB=\"x\xC3\xA9\"\r\n\r\n");
        let p = file(&dir, &text);
        replace_with_reference(&p, 1, 3, SECRET, REF).unwrap();
        let mut want = b"\xEF\xBB\xBFK=".to_vec();
        want.extend_from_slice(REF.as_bytes());
        want.extend_from_slice(b"\r\nB=\"x\xC3\xA9\"\r\n\r\n");
        assert_eq!(std::fs::read(&p).unwrap(), want);
    }

    #[cfg(unix)]
    #[test]
    fn the_mode_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o600, 0o640, 0o755] {
            let p = file(&dir, format!("K={SECRET}\n").as_bytes());
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            replace_with_reference(&p, 1, 3, SECRET, REF).unwrap();
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777, mode);
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.env");
        std::fs::write(&target, format!("K={SECRET}\n")).unwrap();
        let link = dir.path().join(".env");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = replace_with_reference(&link, 1, 3, SECRET, REF).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), format!("K={SECRET}\n"));
        let e = replace_with_reference(dir.path(), 1, 3, SECRET, REF).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }

    #[test]
    fn utf16_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = vec![0xFF, 0xFE];
        for u in format!("K={SECRET}\n").encode_utf16() {
            text.extend_from_slice(&u.to_le_bytes());
        }
        let p = file(&dir, &text);
        let e = replace_with_reference(&p, 1, 3, SECRET, REF).unwrap_err().to_string();
        assert!(e.contains("not UTF-8"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), text);
    }

    #[test]
    fn only_plain_stored_secrets_are_offered() {
        assert_eq!(reference_unavailable(&finding(NeedleForm::AsIs, "")), None);
        for form in [NeedleForm::UrlEncoded, NeedleForm::Base64Basic, NeedleForm::PemLines] {
            assert!(reference_unavailable(&finding(form, "")).is_some());
        }
        let mut unknown = finding(NeedleForm::AsIs, "");
        unknown.kind = FindingKind::Unknown { platform: Platform::Roboflow, reason: "r".into() };
        assert!(reference_unavailable(&unknown).unwrap().contains("import"));
    }

    #[test]
    fn a_replaced_finding_is_dropped_and_later_ones_on_its_line_move() {
        let mut fs = vec![finding(NeedleForm::AsIs, ""), finding(NeedleForm::AsIs, ""), finding(NeedleForm::AsIs, "")];
        fs[1].column = 30;
        fs[2].line = 2;
        fs[2].column = 30;
        drop_replaced(&mut fs, 0, -3);
        assert_eq!(fs.iter().map(|f| (f.line, f.column)).collect::<Vec<_>>(), [(1, 27), (2, 30)]);
    }

    #[test]
    fn the_preview_replaces_the_findings_marker() {
        let f = finding(NeedleForm::AsIs, "A=•••• ROBOFLOW_API_KEY=••••6789 # x");
        assert_eq!(reference_preview(&f, "6789", REF), format!("A=•••• ROBOFLOW_API_KEY={REF} # x"));
    }
}
