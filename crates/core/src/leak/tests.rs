//! Unit tests of one file's scan: chunk boundaries, masking, import of an unknown token.

use std::sync::atomic::{AtomicBool, AtomicU64};

use secrecy::ExposeSecret;
use uuid::Uuid;

use super::scan::{scan_file, Job, Outcome, Scratch, CHUNK};
use super::*;
use crate::record::Platform;
use crate::secret::SecretInput;

fn tref(label: &str, hint: &str) -> TokenRef {
    TokenRef { token_id: Uuid::new_v4(), platform: Platform::Roboflow, label: label.into(), hint: hint.into() }
}

fn findings(path: &std::path::Path, needles: &NeedleSet) -> Vec<Finding> {
    let patterns = Patterns::new();
    let (cancel, bytes) = (AtomicBool::new(false), AtomicU64::new(0));
    let job = Job { needles, patterns: Some(&patterns), cancel: &cancel, bytes: &bytes };
    let file = std::fs::File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    match scan_file(file, len, path, None, &job, &mut Scratch::default(), &|| {}).unwrap() {
        Outcome::Scanned { findings, complete: true, truncated: false } => findings,
        _ => panic!("not scanned"),
    }
}

#[test]
fn a_token_is_found_once_wherever_a_chunk_boundary_falls() {
    let token = "FAKEboundary0123456789abcdef";
    let mut b = NeedleSet::builder();
    b.secret(tref("t", "cdef"), token);
    let needles = b.build();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.txt");
    let mut text = "line\n".repeat(CHUNK / 5 + 200).into_bytes();
    for at in (CHUNK - 700..CHUNK + 40).step_by(13) {
        let mut t = text.clone();
        t[at..at + token.len()].copy_from_slice(token.as_bytes());
        std::fs::write(&path, &t).unwrap();
        let f = findings(&path, &needles);
        assert_eq!(f.len(), 1, "at {at}");
        let line = t[..at].iter().filter(|&&c| c == b'\n').count() as u64 + 1;
        let col = (at - t[..at].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1)) as u64 + 1;
        assert_eq!((f[0].line, f[0].column), (line, col), "at {at}");
    }
    text.clear();
}

/// More needles than one automaton takes: each token is found once, as the right one, also
/// where tokens of different automata stand side by side.
#[test]
fn every_needle_is_found_across_automata() {
    let tokens: Vec<String> = (0..150).map(|i| format!("FAKEgroup{i:03}x{}", "abcdefgh".repeat(2))).collect();
    let mut b = NeedleSet::builder();
    for (i, t) in tokens.iter().enumerate() {
        b.secret(tref(&format!("t{i}"), ""), t);
    }
    let needles = b.build();
    assert!(needles.len() > 2 * needles::GROUP);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.txt");
    let text: String = tokens.iter().rev().map(|t| format!("k={t} {t}\n")).collect();
    std::fs::write(&path, text).unwrap();
    let f = findings(&path, &needles);
    assert_eq!(f.len(), 300);
    for (line, t) in f.chunks(2).zip(tokens.iter().rev()) {
        let want = format!("t{}", &t[9..12].trim_start_matches('0').parse::<u32>().unwrap_or(0));
        for finding in line {
            assert!(matches!(&finding.kind, FindingKind::Stored { label, .. } if *label == want), "{finding:?}");
        }
    }
}

#[test]
fn excerpt_masks_every_token_on_the_line() {
    let (a, b2) = ("FAKEaaaa0123456789wxyz", "FAKEbbbb0123456789zzzz");
    let mut b = NeedleSet::builder();
    b.secret(tref("a", "wxyz"), a);
    b.secret(tref("b", "zzzz"), b2);
    let needles = b.build();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.sh");
    std::fs::write(&path, format!("first\r\nexport A={a} B={b2}\r\nlast\n")).unwrap();
    let f = findings(&path, &needles);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].excerpt, "export A=••••wxyz B=••••");
    assert_eq!(f[1].excerpt, "export A=•••• B=••••zzzz");
    assert_eq!((f[1].line, f[1].column), (2, 35));
}

#[test]
fn long_lines_are_shortened_around_the_token() {
    let token = "FAKElong0123456789abcdef";
    let mut b = NeedleSet::builder();
    b.secret(tref("t", "cdef"), token);
    let needles = b.build();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("min.js");
    std::fs::write(&path, format!("{}{token}{}", "a".repeat(5000), "b".repeat(5000))).unwrap();
    let f = findings(&path, &needles);
    assert_eq!(f[0].column, 5001);
    assert!(f[0].excerpt.starts_with('…') && f[0].excerpt.ends_with('…'), "{}", f[0].excerpt);
    assert!(f[0].excerpt.contains("••••cdef"));
    assert!(f[0].excerpt.chars().count() <= 122);
}

#[test]
fn an_unknown_token_can_be_taken_back_from_its_file_without_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".bashrc");
    let key = "FAKEunknown0123456789";
    std::fs::write(&path, format!("alias x=y\nexport ROBOFLOW_API_KEY={key}\n")).unwrap();
    let needles = NeedleSet::builder().build();
    let f = findings(&path, &needles);
    assert_eq!(f.len(), 1);
    assert!(matches!(f[0].kind, FindingKind::Unknown { platform: Platform::Roboflow, .. }));
    assert!(!f[0].excerpt.contains(key));
    let found = take_found_token(&f[0]).unwrap();
    assert_eq!(found.platform, Platform::Roboflow);
    match found.secret {
        SecretInput::Token { token } => assert_eq!(token.expose_secret(), key),
        _ => panic!("a plain token"),
    }
    // The file changed: the token is not where it was.
    std::fs::write(&path, "alias x=y\n").unwrap();
    assert!(take_found_token(&f[0]).unwrap_err().to_string().contains("changed"));
}

/// Found by fuzz/fuzz_targets/importers.rs: a finding sent over IPC with a huge line or column
/// made `line_start + column` overflow (a panic in debug builds); it is the "changed" error.
#[test]
fn a_finding_with_a_huge_line_or_column_is_an_error_not_a_panic() {
    let text = b"alias x=y\nexport ROBOFLOW_API_KEY=FAKEunknown0123456789\n";
    let finding = |line: u64, column: u64| Finding {
        kind: FindingKind::Unknown { platform: Platform::Roboflow, reason: String::new() },
        path: "/home/u/.bashrc".into(),
        line,
        column,
        excerpt: String::new(),
        modified_at: None,
        allowed: false,
        lines: 1,
    };
    assert!(token_in_text(&finding(2, 25), text).is_ok(), "the token where it is");
    for (line, column) in [(2, u64::MAX), (2, u64::MAX - 24), (1, u64::MAX), (u64::MAX, 25), (u64::MAX, u64::MAX)] {
        let e = token_in_text(&finding(line, column), text).unwrap_err().to_string();
        assert!(e.contains("changed"), "line {line}, column {column}: {e}");
    }
}

#[test]
fn alert_text_counts_only_suspected_findings() {
    let finding = |path: &str, allowed: bool| Finding {
        kind: FindingKind::Stored {
            token_id: Uuid::nil(),
            platform: Platform::Cvat,
            label: "l".into(),
            form: NeedleForm::AsIs,
        },
        path: path.into(),
        line: 1,
        column: 1,
        excerpt: "••••".into(),
        modified_at: None,
        allowed,
        lines: 1,
    };
    let mut report = LeakReport {
        started_at: chrono::Utc::now(),
        finished_at: chrono::Utc::now(),
        complete: true,
        files_scanned: 3,
        bytes_scanned: 10,
        binary_skipped: 0,
        tokens_searched: 1,
        findings: vec![finding("/h/a", false), finding("/h/a", false), finding("/h/b", true)],
        issues: vec![],
        issues_dropped: 0,
    };
    assert_eq!(report.alert_text().unwrap(), "Possible leak: 2 stored secrets found in 1 file.");
    let rules = [AllowRule { path: "~".into(), token_id: None }];
    apply_allow_rules(&mut report, &rules, Some(std::path::Path::new("/h")));
    assert_eq!(report.alert_text(), None);
}

/// `scan_text` (the commit guard's: added lines in memory) finds every form of a stored secret
/// and the patterns, with lines and columns of the text, masked excerpts, and the path as the
/// patterns' context (an OpenSSH key counts as Encord's only in a file whose path says so).
#[test]
fn text_in_memory_is_scanned_like_a_file() {
    let token = "FAKEtext/in+memory0123";
    let mut b = NeedleSet::builder();
    b.secret(tref("mem", "0123"), token);
    let needles = b.build();
    let patterns = Patterns::new();
    let text = format!(
        "first line\nurl = \"https://x.example/?k=FAKEtext%2Fin%2Bmemory0123\"\n  key: {token}\n\
         ROBOFLOW_API_KEY=FAKEunknown0123456789\n-----BEGIN OPENSSH PRIVATE KEY-----\n"
    );
    let found = scan_text(&needles, Some(&patterns), std::path::Path::new("conf/app.yaml"), text.as_bytes());
    let summary: Vec<(u64, u64, &str)> = found
        .iter()
        .map(|f| {
            let what = match &f.kind {
                FindingKind::Stored { form: NeedleForm::UrlEncoded, .. } => "url",
                FindingKind::Stored { form: NeedleForm::AsIs, .. } => "as-is",
                FindingKind::Unknown { platform: Platform::Roboflow, .. } => "roboflow",
                _ => "other",
            };
            (f.line, f.column, what)
        })
        .collect();
    assert_eq!(summary, [(2, 29, "url"), (3, 8, "as-is"), (4, 18, "roboflow")]);
    assert_eq!(found[1].excerpt, "key: ••••0123");
    assert_eq!(found[0].path, "conf/app.yaml");
    for f in &found {
        assert!(!f.excerpt.contains("FAKE"), "{f:?}");
    }
    // The same key header in a file whose path names Encord is an Encord key.
    let found = scan_text(&needles, Some(&patterns), std::path::Path::new("encord/key"), text.as_bytes());
    assert!(found.iter().any(|f| matches!(f.kind, FindingKind::Unknown { platform: Platform::Encord, .. })));
    // Without patterns only the stored secret; nothing in clean text.
    assert_eq!(scan_text(&needles, None, std::path::Path::new("a"), text.as_bytes()).len(), 2);
    assert!(scan_text(&needles, Some(&patterns), std::path::Path::new("a"), b"nothing here\n").is_empty());
}
