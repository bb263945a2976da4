//! Unit tests of the index file: round trip, backup, recovery, lock.

use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::new(dir.path().join("data"));
    (dir, s)
}

#[test]
fn missing_file_is_an_empty_vault_and_save_round_trips() {
    let (_d, s) = store();
    let mut notes = vec![];
    let mut idx = s.load(&mut notes).unwrap();
    assert!(idx.records.is_empty() && notes.is_empty());
    idx.settings.clipboard_clear_secs = 12;
    s.save(&idx).unwrap();
    assert_eq!(s.load(&mut notes).unwrap(), idx);
    assert!(!s.backup_path().exists(), "no backup before a second write");
    idx.settings.clipboard_clear_secs = 13;
    s.save(&idx).unwrap();
    let backup: IndexFile = serde_json::from_slice(&fs::read(s.backup_path()).unwrap()).unwrap();
    assert_eq!(backup.settings.clipboard_clear_secs, 12);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(s.index_path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn damaged_file_is_kept_aside_and_backup_restored() {
    let (_d, s) = store();
    let mut idx = IndexFile::default();
    s.save(&idx).unwrap();
    idx.settings.clipboard_clear_secs = 99;
    s.save(&idx).unwrap();
    fs::write(s.index_path(), b"{\"schema\": 1, \"records\": [ {\"id\": ").unwrap();
    let mut notes = vec![];
    let loaded = s.load(&mut notes).unwrap();
    assert_eq!(loaded.settings.clipboard_clear_secs, 30, "restored the backup");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].level, NoticeLevel::Warning);
    assert!(notes[0].message.contains("restored from the backup"), "{}", notes[0].message);
    let aside: Vec<_> = fs::read_dir(s.dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.contains(".damaged-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(fs::read(s.dir().join(&aside[0])).unwrap(), b"{\"schema\": 1, \"records\": [ {\"id\": ");
}

#[test]
fn damaged_without_backup_starts_empty_and_keeps_the_file() {
    let (_d, s) = store();
    s.ensure_dir().unwrap();
    fs::write(s.index_path(), b"\x00\xffgarbage").unwrap();
    let mut notes = vec![];
    assert!(s.load(&mut notes).unwrap().records.is_empty());
    assert_eq!(notes[0].level, NoticeLevel::Error);
    assert!(!s.index_path().exists());
    // Twice in the same second still never overwrites the first kept file.
    fs::write(s.index_path(), b"also garbage").unwrap();
    s.load(&mut notes).unwrap();
    let kept = fs::read_dir(s.dir())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("damaged"))
        .count();
    assert_eq!(kept, 2);
}

#[test]
fn newer_schema_is_moved_aside_unchanged() {
    let (_d, s) = store();
    s.ensure_dir().unwrap();
    let newer = br#"{"schema": 7, "records": "a shape we do not know"}"#;
    fs::write(s.index_path(), newer).unwrap();
    let mut notes = vec![];
    assert!(s.load(&mut notes).unwrap().records.is_empty());
    assert!(notes[0].message.contains("newer Latchkey"), "{}", notes[0].message);
    let kept = fs::read_dir(s.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("schema7"))
        .unwrap();
    assert_eq!(fs::read(kept).unwrap(), newer);
}

#[test]
fn unknown_fields_survive_a_rewrite() {
    let (_d, s) = store();
    s.ensure_dir().unwrap();
    fs::write(s.index_path(), br#"{"schema":1,"future_top":{"x":1},"records":[{"id":"6f1c1f9e-3f7a-4c59-9a57-3e6f4f3f3f3f","platform":"cvat","kind":"token","label":"a","hint":"","created_at":"2026-01-01T00:00:00Z","future_field":[1,2]}]}"#).unwrap();
    let mut notes = vec![];
    let idx = s.load(&mut notes).unwrap();
    s.save(&idx).unwrap();
    let text = fs::read_to_string(s.index_path()).unwrap();
    assert!(text.contains("future_top") && text.contains("future_field"), "{text}");
}

#[test]
fn lock_excludes_a_second_holder() {
    let (_d, s) = store();
    let held = s.lock(Duration::from_secs(1)).unwrap();
    let e = s.lock(Duration::from_millis(100)).err().unwrap();
    assert!(matches!(e, Error::Busy { .. }));
    drop(held);
    s.lock(Duration::from_millis(100)).unwrap();
}

#[test]
fn unwritable_location_gives_a_clear_error() {
    // A data "folder" whose parent is a regular file cannot be created, even by root.
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("file"), b"x").unwrap();
    let s = Store::new(d.path().join("file").join("data"));
    let e = s.save(&IndexFile::default()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().contains("Nothing was changed"), "{e}");
}

#[test]
fn stale_temp_files_of_a_killed_writer_are_removed() {
    let (_d, s) = store();
    s.save(&IndexFile::default()).unwrap();
    fs::write(s.dir().join(".latchkey.json.Ab12Cd.tmp"), b"{\"schema\":1").unwrap();
    fs::write(s.dir().join(".latchkey.json.bak.new"), b"{}").unwrap();
    fs::write(s.dir().join("notes.tmp"), b"not ours").unwrap();
    assert_eq!(s.remove_stale_temp_files(), 2);
    let mut names: Vec<String> =
        fs::read_dir(s.dir()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["latchkey.json", "notes.tmp"]);
}

#[test]
fn save_after_a_kill_between_backup_and_replace_leaves_no_staged_file() {
    // A writer killed after making the backup a link of the current file and before
    // replacing it: backup and index are then one file, and the next save must still tidy up.
    let (_d, s) = store();
    s.save(&IndexFile::default()).unwrap();
    fs::remove_file(s.backup_path()).ok();
    fs::hard_link(s.index_path(), s.backup_path()).unwrap();
    let mut idx = IndexFile::default();
    idx.settings.clipboard_clear_secs = 45;
    s.save(&idx).unwrap();
    let mut names: Vec<String> =
        fs::read_dir(s.dir()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["latchkey.json", "latchkey.json.bak"]);
}

#[test]
fn an_index_written_before_platform_facts_loads_without_them() {
    let (_d, s) = store();
    s.ensure_dir().unwrap();
    // As Latchkey wrote it before `platform_created_at`, `platform_last_used_at` and
    // `stale_period_days` existed.
    fs::write(s.index_path(), br#"{"schema":1,"records":[{"id":"6f1c1f9e-3f7a-4c59-9a57-3e6f4f3f3f3f","platform":"cvat","kind":"token","label":"a","hint":"abcd","created_at":"2026-01-01T00:00:00Z","last_used_at":"2026-02-01T00:00:00Z"}]}"#).unwrap();
    let mut notes = vec![];
    let idx = s.load(&mut notes).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    let r = &idx.records[0];
    assert_eq!(r.last_used_at, Some("2026-02-01T00:00:00Z".parse().unwrap()));
    assert_eq!((r.platform_created_at, r.platform_last_used_at, r.stale_period_days), (None, None, None));
    assert!(r.extra.is_empty(), "{:?}", r.extra);
    s.save(&idx).unwrap();
    assert!(!fs::read_to_string(s.index_path()).unwrap().contains("platform_"), "unset facts are not written");
}

/// Found by fuzz/fuzz_targets/index_parse.rs: a long number in a field from a newer Latchkey
/// was read to the neighbouring float, so every rewrite changed it (serde_json's fast float
/// parsing; `float_roundtrip` reads it exactly).
#[test]
fn a_rewrite_keeps_a_long_number_of_an_unknown_field() {
    let text = format!(r#"{{"schema":1,"hinL\\\\c":1{},"{{:1,tnds":[]}}"#, "5".repeat(97));
    let Parsed::Ok(index) = parse_bytes(text.as_bytes()) else { panic!("parses") };
    let again = serde_json::to_vec_pretty(&index).unwrap();
    let Parsed::Ok(back) = parse_bytes(&again) else { panic!("the rewrite parses") };
    assert_eq!(back, index);
}
