//! The stable, bounded stand-in for the cargo-fuzz targets in fuzz/ (which need nightly):
//! random bytes and mutated real index files through the parser and through `Store::load`.
//! Whatever the bytes, there is no panic; a readable file loads as it is and survives a
//! rewrite unchanged; anything else is moved aside byte for byte and reported with a message
//! that never quotes the file's content.

#[path = "support/dir_store.rs"]
mod dir_store;

use std::fs;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use dir_store::DirStore;
use latchkey_core::index::{parse_bytes, IndexFile, NoticeLevel, Parsed, Store, SCHEMA};
use latchkey_core::record::Platform;
use latchkey_core::secret::SecretInput;
use latchkey_core::{MetaUpdate, NewToken, Vault};
use proptest::prelude::*;
use secrecy::SecretString;

/// Text that must never appear in a message about a damaged file.
const MARKER: &str = "MARKERxyzzy";

fn now() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

/// A real index file: three tokens of different kinds, one edited, settings changed.
fn valid_index() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(DirStore::new(dir.path().join("k")));
    let mut v = Vault::open(dir.path().join("data"), secrets, now());
    let mut add = |platform, label: &str, secret: SecretInput| {
        let t = NewToken {
            expires_at: Some(now() + chrono::Duration::days(9)),
            owner: Some("owner".into()),
            tags: vec!["ci".into(), "prod".into()],
            notes: format!("notes with {MARKER} and “quotes” \\ and \n newlines"),
            ..NewToken::new(platform, label, secret)
        };
        v.add(t, now()).unwrap()
    };
    let token = |s: &str| SecretInput::Token { token: SecretString::from(s.to_string()) };
    let a = add(Platform::Cvat, "cvat ci", token("FAKEcvatFUZZ00000000000000000001"));
    add(Platform::Roboflow, "rf", token("FAKEroboflowFUZZ0000000002"));
    let pair =
        SecretInput::KeyPair { key_id: "FAKEkeyid0003".into(), secret: SecretString::from("FAKEsecretFUZZ0003") };
    add(Platform::Env0, "env0 key", pair);
    let update = MetaUpdate {
        label: "cvat renamed".into(),
        server_url: a.server_url.clone(),
        expires_at: None,
        owner: None,
        workspace: Some("ws".into()),
        tags: vec![],
        notes: String::new(),
        check: None,
        stale_period_days: None,
        rotate_before_days: None,
    };
    v.update(a.id, update).unwrap();
    fs::read(dir.path().join("data/latchkey.json")).unwrap()
}

/// Load `bytes` as the index through `Store::load` and check the outcome against the parser.
fn load_and_check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    fs::write(store.index_path(), bytes).unwrap();
    let mut notices = vec![];
    let loaded = store.load(&mut notices).expect("load never fails on content");
    let kept_aside = || -> Vec<Vec<u8>> {
        fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap() != "latchkey.json")
            .map(|p| fs::read(p).unwrap())
            .collect()
    };
    match parse_bytes(bytes) {
        Parsed::Ok(index) => {
            prop_assert!(notices.is_empty(), "{notices:?}");
            prop_assert_eq!(&loaded, &index);
            // A rewrite keeps everything, including fields this version does not know.
            store.save(&loaded).unwrap();
            let again = store.load(&mut notices).unwrap();
            prop_assert_eq!(&again, &index);
            prop_assert!(notices.is_empty());
        }
        Parsed::Missing => prop_assert!(false, "bytes on disk are never missing"),
        Parsed::Newer(v) => {
            prop_assert!(v > SCHEMA);
            prop_assert_eq!(loaded, IndexFile::default());
            prop_assert_eq!(notices.len(), 1);
            prop_assert!(notices[0].message.contains("newer Latchkey"), "{}", notices[0].message);
            prop_assert_eq!(kept_aside(), vec![bytes.to_vec()], "moved aside unchanged");
        }
        Parsed::Damaged(why) => {
            prop_assert!(!why.is_empty() && !why.contains(MARKER), "{why}");
            prop_assert_eq!(loaded, IndexFile::default());
            prop_assert_eq!(notices.len(), 1);
            prop_assert_eq!(notices[0].level, NoticeLevel::Error);
            prop_assert!(!notices[0].message.contains(MARKER), "{}", notices[0].message);
            prop_assert_eq!(kept_aside(), vec![bytes.to_vec()], "kept aside byte for byte");
            prop_assert!(!store.index_path().exists());
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    /// Replace a byte by one of JSON's structural characters or a digit.
    Structural(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let fragment = prop_oneof![
        Just(b"null".to_vec()),
        Just(b"{}".to_vec()),
        Just(b"[]".to_vec()),
        Just(b"\"\\u0000\"".to_vec()),
        Just(b"-1e999".to_vec()),
        Just(b"18446744073709551616".to_vec()),
        Just("\u{feff}é😀".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1..64usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), fragment).prop_map(|(i, f)| Mutation::Insert(i, f)),
        (any::<usize>(), proptest::sample::select(b"{}[],:\"0-9tfn ".to_vec()))
            .prop_map(|(i, b)| Mutation::Structural(i, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match m {
        Mutation::Flip(i, b) | Mutation::Structural(i, b) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] = if matches!(m, Mutation::Flip(..)) { bytes[i] ^ b.max(&1) } else { *b };
        }
        Mutation::Truncate(i) => bytes.truncate(at(*i, bytes.len() + 1)),
        Mutation::Delete(i, n) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes.drain(i..(i + n).min(bytes.len()));
        }
        Mutation::Insert(i, f) => {
            let i = at(*i, bytes.len() + 1);
            bytes.splice(i..i, f.iter().copied());
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_and_are_kept_aside(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        load_and_check(&bytes)?;
    }

    #[test]
    fn mutated_index_files_load_or_are_kept_aside(muts in proptest::collection::vec(mutation(), 1..4)) {
        let mut bytes = valid_index_cached().to_vec();
        for m in &muts {
            apply(&mut bytes, m);
        }
        load_and_check(&bytes)?;
    }

    #[test]
    fn any_schema_number_is_read_or_set_aside(n in any::<u32>()) {
        let text = String::from_utf8(valid_index_cached().to_vec()).unwrap();
        let text = text.replacen("\"schema\": 1", &format!("\"schema\": {n}"), 1);
        match parse_bytes(text.as_bytes()) {
            Parsed::Ok(i) => prop_assert!(n <= SCHEMA && i.schema == SCHEMA && i.records.len() == 3),
            Parsed::Newer(v) => prop_assert!(n > SCHEMA && v == n),
            other => prop_assert!(false, "schema {n}: {other:?}"),
        }
        load_and_check(text.as_bytes())?;
    }
}

fn valid_index_cached() -> &'static [u8] {
    static VALID: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    VALID.get_or_init(valid_index)
}

#[test]
fn every_truncation_is_reported_as_cut_off() {
    let valid = valid_index_cached();
    let Parsed::Ok(full) = parse_bytes(valid) else { panic!("the sample does not parse") };
    assert_eq!(full.records.len(), 3);
    let end = valid.iter().rposition(|b| *b == b'}').unwrap();
    for len in 0..=end {
        match parse_bytes(&valid[..len]) {
            Parsed::Damaged(why) => assert!(why.starts_with("it ends early, as if cut off"), "{len}: {why}"),
            other => panic!("a file cut at byte {len} of {} was taken as {other:?}", valid.len()),
        }
    }
    // Cutting only the final newline (or whitespace) loses nothing.
    assert!(matches!(parse_bytes(&valid[..=end]), Parsed::Ok(i) if i == full));
}
