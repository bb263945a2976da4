//! Leak scan over a generated tree: a fake home with histories and dotfiles and a project
//! folder, tokens planted in many forms and places. Every planted stored token must be
//! found at its exact line and column, and nothing else reported as a stored token.
//! All tokens are fake and made at run time.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use base64::Engine;
use latchkey_core::leak::{
    apply_allow_rules, fingerprint, scan, AllowRule, FindingKind, LeakPlaces, LeakReport, NeedleForm, NeedleSet,
    ScanOptions, TokenRef,
};
use latchkey_core::Platform;
use uuid::Uuid;

/// A text file being written, remembering where each token went (1-based line, byte column).
#[derive(Default)]
struct Doc {
    text: String,
    planted: Vec<(u64, u64, &'static str, NeedleForm)>,
}

impl Doc {
    fn t(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    fn tok(&mut self, label: &'static str, form: NeedleForm, value: &str) -> &mut Self {
        let line = self.text.matches('\n').count() as u64 + 1;
        let col = (self.text.len() - self.text.rfind('\n').map_or(0, |i| i + 1)) as u64 + 1;
        self.planted.push((line, col, label, form));
        self.text.push_str(value);
        self
    }
}

type Expected = BTreeSet<(String, u64, u64, String, NeedleForm)>;

struct Tree {
    _dir: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
    needles: NeedleSet,
    /// Found with default settings.
    expected: Expected,
    /// Found only when ignored files are included.
    expected_ignored: Expected,
    unknown: BTreeSet<(String, Platform)>,
    revoked_at: (String, u64, u64),
    pem_lines: u32,
}

fn tref(label: &str, platform: Platform) -> TokenRef {
    TokenRef { token_id: Uuid::new_v4(), platform, label: label.into(), hint: "".into() }
}

/// `n` characters of letters and digits, different for each seed.
fn alnum(seed: u64, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            A[(x % A.len() as u64) as usize] as char
        })
        .collect()
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn ed25519_pem(seed: u8) -> String {
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]);
    let key = ssh_key::PrivateKey::new(ssh_key::private::KeypairData::Ed25519(pair), "fake").unwrap();
    key.to_openssh(ssh_key::LineEnding::LF).unwrap().to_string()
}

fn build_tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let project = home.join("work/proj");
    let cvat = format!("FAKE{}.{}", alnum(1, 4), alnum(2, 32));
    let roboflow = format!("FAKErf{}", alnum(3, 14));
    let sly = format!("FAKE{}", alnum(4, 124));
    let (env0_id, env0_secret) = ("fake-kid-0001", format!("FAKEenv0{}", alnum(5, 16)));
    let other = format!("FAKE/other+token={}", alnum(6, 8));
    let pem = ed25519_pem(9);
    let revoked = format!("FAKE{}.{}", alnum(7, 4), alnum(8, 32));
    let unknown_cvat = format!("FAKE{}.{}", alnum(10, 4), alnum(11, 32));
    let unknown_rf = format!("FAKEunknownrf{}", alnum(12, 8));

    let mut b = NeedleSet::builder();
    b.secret(tref("cvat", Platform::Cvat), &cvat);
    b.secret(tref("roboflow", Platform::Roboflow), &roboflow);
    b.secret(tref("sly", Platform::Supervisely), &sly);
    b.key_pair(tref("env0", Platform::Env0), env0_id, &env0_secret);
    b.secret(tref("other", Platform::Other), &other);
    b.ssh_key(tref("encord", Platform::Encord), &pem);
    b.revoked(tref("old cvat", Platform::Cvat), &fingerprint(&revoked));
    let needles = b.build();

    let mut expected = Expected::new();
    let mut expected_ignored = Expected::new();
    let put = |set: &mut Expected, path: &Path, doc: &Doc| {
        for (line, col, label, form) in &doc.planted {
            set.insert((path.display().to_string(), *line, *col, label.to_string(), *form));
        }
        write(path, &doc.text);
    };

    // Shell histories.
    let mut d = Doc::default();
    d.t("ls\ncd work\ncurl -H \"Authorization: Token ").tok("cvat", NeedleForm::AsIs, &cvat).t("\" http://x/api\n");
    d.t(&format!("echo {}\n", &cvat[..cvat.len() - 1])); // a near miss: not the token
    put(&mut expected, &home.join(".bash_history"), &d);
    let mut d = Doc::default();
    d.t(": 1700000000:0;ls\r\n: 1700000001:0;export ROBOFLOW_API_KEY=").tok("roboflow", NeedleForm::AsIs, &roboflow);
    d.t("\r\n");
    put(&mut expected, &home.join(".zsh_history"), &d);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{env0_id}:{env0_secret}"));
    let mut d = Doc::default();
    d.t(&format!("- cmd: curl -u {env0_id}:")).tok("env0", NeedleForm::AsIs, &env0_secret).t(" https://x\n  when: 1\n");
    d.t("- cmd: curl -H 'Authorization: Basic ").tok("env0", NeedleForm::Base64Basic, &basic).t("'\n");
    put(&mut expected, &home.join(".local/share/fish/fish_history"), &d);
    // The Supervisely SDK's own file (allowed below) and a dotfile with an unknown key.
    let mut d = Doc::default();
    d.t("SERVER_ADDRESS=\"https://app.supervise.ly\"\nAPI_TOKEN=\"").tok("sly", NeedleForm::AsIs, &sly).t("\"\n");
    put(&mut expected, &home.join("supervisely.env"), &d);
    write(&home.join(".bashrc"), format!("alias ll='ls -l'\nexport ROBOFLOW_API_KEY={unknown_rf}\n"));
    write(&home.join(".python_history"), format!("import x\ncvat_token = '{revoked}'\n"));
    // Not a place: a file in a folder of home that is no project.
    write(&home.join("Documents/notes.txt"), &cvat);

    // The project: nested, long line, URL-encoded, UTF-16, hidden, ignored, binary, links.
    let mut d = Doc::default();
    let long = "x".repeat(200_000);
    d.t("import os\n").t(&long).t(" url = 'https://x/api?token=");
    d.tok("other", NeedleForm::UrlEncoded, &other.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D"));
    d.t("&a=1'\n");
    put(&mut expected, &project.join("src/deep/nested/a/b/c/config.py"), &d);
    let mut d = Doc::default();
    d.t("héllo wörld\r\ntoken: ").tok("other", NeedleForm::AsIs, &other).t("\r\n");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(d.text.encode_utf16().flat_map(u16::to_le_bytes));
    expected.insert((project.join("notes-utf16.txt").display().to_string(), 2, 8, "other".into(), NeedleForm::AsIs));
    write(&project.join("notes-utf16.txt"), utf16);
    let mut d = Doc::default();
    d.t("{\n  \"t\": \"").tok("cvat", NeedleForm::AsIs, &cvat).t("\"\n}\n");
    put(&mut expected, &project.join(".config/settings.json"), &d);
    write(&project.join("deploy.sh"), format!("#!/bin/sh\nexport CVAT_ACCESS_TOKEN={unknown_cvat}\n"));
    let pem_path = project.join("keys/encord-id");
    write(&pem_path, format!("# key\n{pem}"));
    let pem_body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).skip(1).collect();
    let pem_lines = pem_body.iter().filter(|l| l.len() >= 40).count() as u32;
    expected.insert((pem_path.display().to_string(), 4, 1, "encord".into(), NeedleForm::PemLines));
    // Ignored by the project's .gitignore: found only with `include_ignored`.
    write(&project.join(".gitignore"), ".env\nsecrets/\n");
    let mut d = Doc::default();
    d.t("ROBOFLOW_API_KEY=").tok("roboflow", NeedleForm::AsIs, &roboflow).t("\n");
    put(&mut expected_ignored, &project.join(".env"), &d);
    let mut d = Doc::default();
    d.t("a\nb\n  ").tok("other", NeedleForm::AsIs, &other);
    put(&mut expected_ignored, &project.join("secrets/deep/t.txt"), &d);
    // Never searched: git's own folder, binary files.
    write(&project.join(".git/config"), &cvat);
    let mut bin = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    bin.extend_from_slice(cvat.as_bytes());
    write(&project.join("bin/tool"), bin);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("..", project.join("src/loop")).unwrap();
        std::os::unix::fs::symlink(home.join("supervisely.env"), project.join("linked.env")).unwrap();
    }
    let revoked_at = (home.join(".python_history").display().to_string(), 2, 15);
    let unknown = BTreeSet::from([
        (home.join(".bashrc").display().to_string(), Platform::Roboflow),
        (project.join("deploy.sh").display().to_string(), Platform::Cvat),
    ]);
    Tree { _dir: dir, home, project, needles, expected, expected_ignored, unknown, revoked_at, pem_lines }
}

fn run(tree: &Tree, include_ignored: bool) -> LeakReport {
    let places =
        LeakPlaces { home_defaults: true, folders: vec!["~/work/proj".into()], include_ignored, schedule_hours: None };
    let cancel = AtomicBool::new(false);
    let mut report =
        scan(&tree.needles, &places, Some(&tree.home), &ScanOptions::default(), &|_| {}, &cancel, chrono::Utc::now());
    let rules = [AllowRule { path: "~/supervisely.env".into(), token_id: None }];
    apply_allow_rules(&mut report, &rules, Some(&tree.home));
    report
}

fn stored(report: &LeakReport) -> Expected {
    report
        .findings
        .iter()
        .filter_map(|f| match &f.kind {
            FindingKind::Stored { label, form, .. } => Some((f.path.clone(), f.line, f.column, label.clone(), *form)),
            _ => None,
        })
        .collect()
}

#[test]
fn every_planted_token_is_found_exactly_and_nothing_else() {
    let tree = build_tree();
    let report = run(&tree, false);
    assert!(report.complete);
    assert_eq!(tree.expected.len(), 9, "{:?}", tree.expected);
    assert_eq!(stored(&report), tree.expected);
    assert_eq!(report.tokens_searched, 6);
    assert!(report.binary_skipped >= 1, "{report:?}");

    // The Supervisely file is allowed; everything else is a suspected leak.
    for f in &report.findings {
        assert_eq!(f.allowed, f.path.ends_with("/home/supervisely.env"), "{f:?}");
        assert!(f.modified_at.is_some());
    }
    assert!(report.alert_text().unwrap().starts_with("Possible leak:"));

    let pem = report.findings.iter().find(|f| matches!(f.kind, FindingKind::Stored { form: NeedleForm::PemLines, .. }));
    assert_eq!(pem.unwrap().lines, tree.pem_lines);

    let unknown: BTreeSet<(String, Platform)> = report
        .findings
        .iter()
        .filter_map(|f| match &f.kind {
            FindingKind::Unknown { platform, .. } => Some((f.path.clone(), *platform)),
            _ => None,
        })
        .collect();
    assert_eq!(unknown, tree.unknown);

    let revoked: Vec<_> = report
        .findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Revoked { .. }))
        .map(|f| (f.path.clone(), f.line, f.column))
        .collect();
    assert_eq!(revoked, std::slice::from_ref(&tree.revoked_at));

    #[cfg(unix)]
    assert!(
        report.issues.iter().any(|i| i.message.contains("loops back")),
        "the symlink loop is reported: {:?}",
        report.issues
    );
}

#[test]
fn ignored_files_are_found_only_when_asked() {
    let tree = build_tree();
    let report = run(&tree, true);
    let mut want = tree.expected.clone();
    want.extend(tree.expected_ignored.iter().cloned());
    assert_eq!(stored(&report), want);
    assert!(!tree.project.join(".git/config").display().to_string().is_empty());
}

#[test]
fn findings_never_hold_a_secret() {
    let tree = build_tree();
    let report = run(&tree, true);
    let json = serde_json::to_string(&report).unwrap();
    // Every needle the tree planted is at least 8 characters; none may appear in the report.
    for (path, ..) in tree.expected.iter().chain(&tree.expected_ignored) {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).to_string();
        for word in text.split(|c: char| c.is_whitespace() || "\"'=:&?".contains(c)) {
            if word.starts_with("FAKE") && word.len() > 12 {
                assert!(!json.contains(word), "report contains {word}");
            }
        }
    }
    for f in &report.findings {
        assert!(f.excerpt.contains("••••"), "{}", f.excerpt);
        assert!(f.excerpt.chars().count() <= 122, "{}", f.excerpt);
    }
}

/// A text file over 100 MB, mostly a hole (no disk space), tokens at its start, across the
/// scanner's 256 KiB chunk boundaries and at its very end.
#[test]
fn huge_file_is_streamed() {
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let token = format!("FAKEbig{}", alnum(20, 30));
    let mut b = NeedleSet::builder();
    b.secret(tref("big", Platform::Roboflow), &token);
    let needles = b.build();
    let path = dir.path().join("huge.log");
    let mut f = std::fs::File::create(&path).unwrap();
    let mut text = String::new();
    let mut want = vec![];
    let line = "2026-01-01 INFO all is well, nothing to see here\n";
    while text.len() < 600 * 1024 {
        for target in [256 * 1024 - 10, 512 * 1024 - 600] {
            if text.len() < target && text.len() + line.len() >= target {
                let pad = target - text.len();
                let l = text.matches('\n').count() as u64 + 1;
                text.push_str(&"-".repeat(pad));
                want.push((l, pad as u64 + 1));
                text.push_str(&token);
                text.push('\n');
            }
        }
        text.push_str(line);
    }
    f.write_all(text.as_bytes()).unwrap();
    let size: u64 = 101 * 1024 * 1024;
    f.seek(SeekFrom::Start(size)).unwrap();
    let tail = format!("\nkey={token}\n");
    f.write_all(tail.as_bytes()).unwrap();
    drop(f);
    let last_line = text.matches('\n').count() as u64 + 2;
    want.push((last_line, 5));
    let places = LeakPlaces {
        home_defaults: false,
        folders: vec![dir.path().display().to_string()],
        include_ignored: false,
        schedule_hours: None,
    };
    let report =
        scan(&needles, &places, None, &ScanOptions::default(), &|_| {}, &AtomicBool::new(false), chrono::Utc::now());
    let got: Vec<(u64, u64)> = report.findings.iter().map(|f| (f.line, f.column)).collect();
    assert_eq!(got, want);
    assert!(report.bytes_scanned > size);
}

#[test]
fn cancel_stops_and_marks_the_report_incomplete() {
    let tree = build_tree();
    let cancel = AtomicBool::new(true);
    let places = LeakPlaces { folders: vec!["~/work/proj".into()], ..Default::default() };
    let report =
        scan(&tree.needles, &places, Some(&tree.home), &ScanOptions::default(), &|_| {}, &cancel, chrono::Utc::now());
    assert!(!report.complete);
    assert!(report.findings.is_empty());
}

/// The command line reads the secrets from the keychain while the walk starts: files found
/// before the needles are there wait, and are all scanned once they come.
#[test]
fn needles_that_come_while_the_walk_runs_find_the_same() {
    let mut tree = build_tree();
    let ready = run(&tree, false);
    let expected = stored(&ready);
    assert_eq!(expected, tree.expected);
    let needles = std::mem::replace(&mut tree.needles, NeedleSet::builder().build());
    let coming = std::sync::OnceLock::new();
    let places = LeakPlaces { home_defaults: true, folders: vec!["~/work/proj".into()], ..Default::default() };
    let cancel = AtomicBool::new(false);
    let report = std::thread::scope(|s| {
        s.spawn(|| {
            // Well after the walk has listed this small tree.
            std::thread::sleep(std::time::Duration::from_millis(300));
            let _ = coming.set(needles);
        });
        scan(&coming, &places, Some(&tree.home), &ScanOptions::default(), &|_| {}, &cancel, chrono::Utc::now())
    });
    assert!(report.complete);
    assert_eq!(report.tokens_searched, 6);
    let mut report = report;
    apply_allow_rules(&mut report, &[AllowRule { path: "~/supervisely.env".into(), token_id: None }], Some(&tree.home));
    assert_eq!(stored(&report), expected);
    assert_eq!(report.findings.len(), ready.findings.len(), "the same unknown tokens too");
}

/// Reading the secrets failed: the reader cancels and hands over an empty set; the scan stops.
#[test]
fn needles_that_never_come_cancel_the_scan() {
    let tree = build_tree();
    let coming = std::sync::OnceLock::new();
    let places = LeakPlaces { home_defaults: true, folders: vec!["~/work/proj".into()], ..Default::default() };
    let cancel = AtomicBool::new(false);
    let report = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = coming.set(NeedleSet::builder().build());
        });
        scan(&coming, &places, Some(&tree.home), &ScanOptions::default(), &|_| {}, &cancel, chrono::Utc::now())
    });
    assert!(!report.complete);
    assert!(stored(&report).is_empty());
}
