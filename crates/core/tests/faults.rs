//! Index faults that need the file system's help: a read-only data folder and a full disk.
//! (Damaged, truncated and newer-schema files are unit tests in `src/index/tests.rs`; random
//! and mutated files are `tests/index_fuzz.rs`.)
//!
//! Both use a small tmpfs mounted for the test (root or CAP_SYS_ADMIN, as in `make test` on
//! the CI machine): remounted read-only, or filled up so writes fail with ENOSPC. Without
//! mount rights, the read-only test falls back to a folder without write permission and
//! the disk-full test is skipped, saying so.

#[path = "support/dir_store.rs"]
mod dir_store;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use dir_store::DirStore;
use latchkey_core::record::Platform;
use latchkey_core::{ErrorKind, NewToken, Use, Vault};
use secrecy::ExposeSecret;

fn now() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn token(label: &str, secret: &str) -> NewToken {
    NewToken {
        tags: vec!["fault-test".into()],
        notes: "a note long enough to need a few bytes of disk ".repeat(20),
        ..NewToken::token(Platform::Cvat, label, secret)
    }
}

/// A tmpfs mounted on a temp dir, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then_some(Tmpfs { dir })
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn remount(&self, opt: &str) {
        let out = Command::new("mount").args(["-o", &format!("remount,{opt}")]).arg(self.path()).output().unwrap();
        assert!(out.status.success(), "remount {opt}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn labels(v: &mut Vault) -> Vec<String> {
    let mut l: Vec<String> = v.records().unwrap().into_iter().map(|r| r.label).collect();
    l.sort();
    l
}

#[test]
fn read_only_data_folder_shows_the_tokens_and_refuses_changes() {
    let keychain = tempfile::tempdir().unwrap();
    let secrets = Arc::new(DirStore::new(keychain.path().join("k")));
    let tmpfs = Tmpfs::mount("1m");
    let (root, _plain);
    match &tmpfs {
        Some(t) => root = t.path().to_path_buf(),
        None if is_root() => {
            eprintln!("SKIPPED: cannot mount a tmpfs, and as root a folder's permissions do not stop writes");
            return;
        }
        None => {
            _plain = tempfile::tempdir().unwrap();
            root = _plain.path().to_path_buf();
        }
    }
    let data: PathBuf = root.join("data");
    let mut v = Vault::open(&data, secrets.clone(), now());
    let a = v.add(token("alpha", "FAKEcvatROtest0000000000000001"), now()).unwrap();
    v.add(token("beta", "FAKEcvatROtest0000000000000002"), now()).unwrap();
    drop(v);
    let before = fs::read(data.join("latchkey.json")).unwrap();
    let names_before = files(&data);

    match &tmpfs {
        Some(t) => t.remount("ro"),
        None => set_mode(&data, 0o500),
    }
    let mut v = Vault::open(&data, secrets.clone(), now());
    let view = v.view(now());
    assert_eq!(view.tokens.len(), 2, "the tokens are still listed");
    let why = view.read_only.clone();
    // Copy still works: it needs only the keychain.
    assert_eq!(v.secret(a.id, Use::Copy, now()).unwrap().expose_secret(), "FAKEcvatROtest0000000000000001");
    let e = v.add(token("gamma", "FAKEcvatROtest0000000000000003"), now()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ReadOnly | ErrorKind::Io), "{e}");
    assert!(e.to_string().contains("Nothing was changed") || why.is_some(), "{e}");
    if tmpfs.is_some() {
        let why = why.expect("a read-only mount opens the vault read-only");
        assert!(why.contains("Read-only file system") && why.contains(data.to_str().unwrap()), "{why}");
    }
    let e = v.delete(a.id, now()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ReadOnly | ErrorKind::Io), "{e}");
    assert_eq!(secrets.read(&a.id.to_string()).as_deref(), Some("FAKEcvatROtest0000000000000001"));
    drop(v);

    match &tmpfs {
        Some(t) => t.remount("rw"),
        None => set_mode(&data, 0o700),
    }
    assert_eq!(fs::read(data.join("latchkey.json")).unwrap(), before, "the index is unchanged");
    assert_eq!(files(&data), names_before, "nothing was added to the folder");
    let mut v = Vault::open(&data, secrets, now());
    assert_eq!(labels(&mut v), ["alpha", "beta"]);
    v.add(token("gamma", "FAKEcvatROtest0000000000000003"), now()).unwrap();
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn full_disk_refuses_the_change_and_loses_nothing() {
    let Some(t) = Tmpfs::mount("256k") else {
        eprintln!("SKIPPED: cannot mount a tmpfs (needs root or CAP_SYS_ADMIN) to fill up");
        return;
    };
    let keychain = tempfile::tempdir().unwrap();
    let secrets = Arc::new(DirStore::new(keychain.path().join("k")));
    let data = t.path().join("data");
    let mut v = Vault::open(&data, secrets.clone(), now());
    for i in 0..5 {
        v.add(token(&format!("tok{i}"), &format!("FAKEcvatFULLtest00000000000000{i}")), now()).unwrap();
    }
    let before = fs::read(data.join("latchkey.json")).unwrap();
    // Fill the rest of the file system.
    let mut filler = fs::File::create(t.path().join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    while filler.write_all(&chunk).is_ok() {}
    let _ = filler.sync_all();

    let e = v.add(token("one-too-many", "FAKEcvatFULLtest0000000000000X"), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    let msg = e.to_string();
    assert!(msg.contains("No space left on device") && msg.contains("check free disk space"), "{msg}");
    assert!(secrets.read("one-too-many").is_none());
    let first = v.records().unwrap()[0].clone();
    let mut edit = latchkey_core::MetaUpdate {
        label: "renamed".into(),
        server_url: first.server_url.clone(),
        expires_at: None,
        owner: None,
        workspace: None,
        tags: vec![],
        notes: "x".repeat(3000),
        check: None,
        stale_period_days: None,
        rotate_before_days: None,
    };
    assert_eq!(v.update(first.id, edit.clone()).unwrap_err().kind(), ErrorKind::Io);
    assert_eq!(fs::read(data.join("latchkey.json")).unwrap(), before, "the index is untouched");
    assert!(files(&data).iter().all(|n| !n.ends_with(".tmp")), "no temp file left: {:?}", files(&data));
    // Reopening on the full disk still shows everything.
    let mut reopened = Vault::open(&data, secrets.clone(), now());
    assert_eq!(reopened.records().unwrap().len(), 5);
    assert!(reopened.notices().is_empty(), "{:?}", reopened.notices());

    // Space again: the same changes go through.
    drop(filler);
    fs::remove_file(t.path().join("filler")).unwrap();
    edit.notes = "shorter".into();
    v.update(first.id, edit).unwrap();
    v.add(token("one-too-many", "FAKEcvatFULLtest0000000000000X"), now()).unwrap();
    assert_eq!(labels(&mut reopened).len(), 6);
}
