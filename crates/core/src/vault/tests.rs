//! Unit tests of the vault with the in-memory secret store and a fixed clock.

use super::journal::set_mark;
use super::*;
use crate::secret_store::memory::MemoryStore;
use crate::status::Health;

fn now() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn open() -> (tempfile::TempDir, Arc<MemoryStore>, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let mem = Arc::new(MemoryStore::default());
    let vault = Vault::open(dir.path().join("data"), mem.clone(), now());
    (dir, mem, vault)
}

fn new_token(platform: Platform, label: &str, token: &str) -> NewToken {
    NewToken::token(platform, label, token)
}

#[test]
fn add_stores_secret_in_keychain_and_only_metadata_in_index() {
    let (dir, mem, mut v) = open();
    let r = v.add(new_token(Platform::Cvat, "ci", "FAKEcvat.0000000000000000000000000000fake"), now()).unwrap();
    assert_eq!(r.server_url.as_deref(), Some("https://app.cvat.ai"));
    assert_eq!(r.hint, "fake");
    assert!(mem.has(&r.id.to_string()));
    let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
    assert!(!text.contains("FAKEcvat"), "secret leaked into the index");
    assert!(text.contains("\"label\": \"ci\""));
    assert!(!text.contains("pending"));
    assert_eq!(
        v.secret(r.id, Use::Reveal, now()).unwrap().expose_secret(),
        "FAKEcvat.0000000000000000000000000000fake"
    );
}

#[test]
fn a_new_token_keeps_rotate_before_in_the_edit_forms_range() {
    let (_dir, mem, mut v) = open();
    let mut new = new_token(Platform::Roboflow, "rotating", "FAKEroboflowkey0101");
    new.rotate_before_days = Some(14);
    assert_eq!(v.add(new, now()).unwrap().rotate_before_days, Some(14));
    for bad in [0, 366] {
        let mut new = new_token(Platform::Roboflow, "bad", "FAKEroboflowkey0102");
        new.rotate_before_days = Some(bad);
        let e = v.add(new, now()).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput { field: Some(crate::error::Field::RotateBefore), .. }),
            "{bad}: {e:?}"
        );
    }
    assert_eq!(mem.entries.lock().unwrap().len(), 1, "nothing stored for a refused one");
}

#[test]
fn bad_input_is_refused_with_nothing_written() {
    let (dir, mem, mut v) = open();
    v.add(new_token(Platform::Roboflow, "Main", "FAKEroboflowkey0001"), now()).unwrap();
    let e = v.add(new_token(Platform::Roboflow, " main ", "FAKEroboflowkey0002"), now()).unwrap_err();
    assert!(matches!(e, Error::DuplicateLabel { .. }), "{e}");
    // Same label on another platform is fine.
    v.add(new_token(Platform::Cvat, "main", "FAKEcvat0002"), now()).unwrap();
    assert!(matches!(v.add(new_token(Platform::Cvat, "x", "  "), now()), Err(Error::InvalidInput { .. })));
    assert!(matches!(v.add(new_token(Platform::Cvat, " ", "FAKEtok"), now()), Err(Error::InvalidInput { .. })));
    let mut bad_url = new_token(Platform::Supervisely, "self-hosted", "FAKEsly");
    bad_url.server_url = Some("http://sly.example.org".into());
    assert!(v.add(bad_url, now()).unwrap_err().to_string().contains("https"));
    let mut in_notes = new_token(Platform::Supervisely, "notes", "FAKEsupervisely123456");
    in_notes.notes = "token is FAKEsupervisely123456".into();
    assert!(v.add(in_notes, now()).unwrap_err().to_string().contains("contain the secret"));
    assert_eq!(mem.entries.lock().unwrap().len(), 2);
    assert_eq!(v.records().unwrap().len(), 2);
    let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
    assert!(!text.contains("self-hosted") && !text.contains("FAKEsupervisely"));
}

#[test]
fn expiry_in_the_past_is_allowed_and_shown_expired() {
    let (_d, _m, mut v) = open();
    let mut t = new_token(Platform::Cvat, "old", "FAKEold0000");
    t.expires_at = Some("2026-11-01T00:00:00Z".parse().unwrap());
    v.add(t, now()).unwrap();
    let view = v.view(now());
    assert!(matches!(view.tokens[0].status.health, Health::Expired { .. }));
}

#[test]
fn keychain_down_refuses_add_and_leaves_index_unchanged() {
    let (dir, mem, mut v) = open();
    mem.set_down(true);
    let e = v.add(new_token(Platform::Cvat, "ci", "FAKEcvat0001"), now()).unwrap_err();
    assert!(matches!(e, Error::KeychainUnavailable { .. }), "{e}");
    assert!(matches!(v.keychain_status(), KeychainStatus::Unavailable { .. }));
    assert!(v.records().unwrap().is_empty());
    let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
    assert!(!text.contains("FAKEcvat"));
    mem.set_down(false);
    assert!(v.check_keychain(now()));
    v.add(new_token(Platform::Cvat, "ci", "FAKEcvat0001"), now()).unwrap();
}

#[test]
fn copy_records_last_use_and_reveal_does_not() {
    let (_d, _m, mut v) = open();
    let r = v.add(new_token(Platform::Roboflow, "k", "FAKEroboflow0001"), now()).unwrap();
    v.secret(r.id, Use::Reveal, now()).unwrap();
    assert_eq!(v.get(r.id).unwrap().last_used_at, None);
    let later = now() + chrono::Duration::hours(1);
    v.secret(r.id, Use::Copy, later).unwrap();
    assert_eq!(v.get(r.id).unwrap().last_used_at, Some(later));
}

#[test]
fn replace_keeps_rotation_time_and_new_hint_only() {
    let (dir, _m, mut v) = open();
    let r = v.add(new_token(Platform::Supervisely, "s", "FAKEsupervisely-old-aaaa"), now()).unwrap();
    let later = now() + chrono::Duration::days(3);
    let r2 = v
        .replace_secret(
            r.id,
            SecretInput::Token { token: SecretString::from("FAKEsupervisely-new-bbbb".to_string()) },
            later,
        )
        .unwrap();
    assert_eq!(r2.hint, "bbbb");
    assert_eq!(r2.rotated_at, vec![later]);
    assert_eq!(v.secret(r.id, Use::Reveal, later).unwrap().expose_secret(), "FAKEsupervisely-new-bbbb");
    let all = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect::<String>();
    assert!(!all.contains("FAKEsupervisely-old"), "old secret must not survive anywhere in the data dir");
}

#[test]
fn a_new_secret_gets_the_same_lifetime_as_a_hand_entered_expiry_and_forgets_a_platforms() {
    let (_d, _m, mut v) = open();
    let input = |s: &str| SecretInput::Token { token: SecretString::from(s.to_string()) };
    // Entered by hand: 90 days from adding. Replaced 80 days in: 90 days from then.
    let r = v
        .add(
            NewToken {
                expires_at: Some(now() + chrono::Duration::days(90)),
                ..new_token(Platform::Roboflow, "r", "FAKErfold00000001")
            },
            now(),
        )
        .unwrap();
    let day80 = now() + chrono::Duration::days(80);
    let r = v.replace_secret(r.id, input("FAKErfnew00000002"), day80).unwrap();
    assert_eq!(r.expires_at, Some(day80 + chrono::Duration::days(90)));
    // Counted from the last replacement the next time.
    let day100 = now() + chrono::Duration::days(100);
    let r = v.replace_secret(r.id, input("FAKErfnew00000003"), day100).unwrap();
    assert_eq!(r.expires_at, Some(day100 + chrono::Duration::days(90)));
    // Reported by the platform: the new secret's own is learnt at its check; none until then.
    v.mutate(|idx| {
        let x = find_mut(idx, r.id).unwrap();
        x.expiry_source = crate::record::ExpirySource::Platform;
        Ok(())
    })
    .unwrap();
    let r = v.replace_secret(r.id, input("FAKErfnew00000004"), day100).unwrap();
    assert_eq!((r.expires_at, r.expiry_source), (None, crate::record::ExpirySource::User));
}

#[test]
fn delete_removes_the_keychain_entry() {
    let (_d, mem, mut v) = open();
    let r = v.add(new_token(Platform::Cvat, "d", "FAKEdelete0001"), now()).unwrap();
    v.delete(r.id, now()).unwrap();
    assert!(!mem.has(&r.id.to_string()));
    assert!(v.records().unwrap().is_empty());
    assert!(matches!(v.delete(r.id, now()), Err(Error::NotFound(_))));
}

#[test]
fn interrupted_changes_are_finished_or_undone_on_open() {
    let (dir, mem, mut v) = open();
    let keep = v.add(new_token(Platform::Cvat, "keep", "FAKEkeep0001"), now()).unwrap();
    let gone = v.add(new_token(Platform::Cvat, "gone", "FAKEgone0001"), now()).unwrap();
    let half = v.add(new_token(Platform::Cvat, "half", "FAKEhalf0001"), now()).unwrap();
    let orphan = v.add(new_token(Platform::Cvat, "orphan", "FAKEorph0001"), now()).unwrap();
    let rot = v.add(new_token(Platform::Cvat, "rot", "FAKErot-old-0001"), now()).unwrap();
    // Simulate crashes two minutes ago: edit the journal marks and the keychain by hand.
    let crashed = now() - chrono::Duration::minutes(2);
    v.mutate(|idx| {
        for r in idx.records.iter_mut() {
            if r.id == gone.id {
                set_mark(r, Pending::Deleting, crashed);
            }
            if r.id == half.id || r.id == orphan.id {
                set_mark(r, Pending::Adding, crashed);
            }
            if r.id == rot.id {
                set_mark(r, Pending::Replacing { hint: "0002".into(), public: Default::default() }, crashed);
            }
        }
        Ok(())
    })
    .unwrap();
    mem.delete(&orphan.id.to_string()).unwrap(); // the add crashed before the keychain write
    mem.put(&rot.id.to_string(), &SecretString::from("FAKErot-new-0002".to_string())).unwrap(); // the replace reached the keychain
    drop(v);
    let mut v = Vault::open(dir.path().join("data"), mem.clone(), now());
    let labels: Vec<String> = v.records().unwrap().into_iter().map(|r| r.label).collect();
    assert_eq!(labels, vec!["keep", "half", "rot"]);
    assert!(!mem.has(&gone.id.to_string()));
    assert!(mem.has(&keep.id.to_string()));
    let rot_now = v.get(rot.id).unwrap();
    assert_eq!(rot_now.hint, "0002");
    assert_eq!(rot_now.rotated_at.len(), 1);
    assert_eq!(v.notices().len(), 4, "{:?}", v.notices());
    let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
    assert!(!text.contains("pending"), "{text}");
}

/// `latchkey scan` reads every secret anyway: it asks the keychain first only when a change
/// was interrupted, and then finishes it before reading.
#[test]
fn the_keychain_is_probed_before_a_read_only_when_a_change_needs_finishing() {
    let (dir, mem, mut v) = open();
    let half = v.add(new_token(Platform::Cvat, "half", "FAKEhalf0002"), now()).unwrap();
    drop(v);
    let mut v = Vault::open_index(dir.path().join("data"), mem.clone());
    v.check_keychain_if_needed(now());
    assert!(matches!(v.keychain, KeychainStatus::Checking), "nothing to finish, so not probed");

    v.mutate(|idx| {
        set_mark(
            idx.records.iter_mut().find(|r| r.id == half.id).unwrap(),
            Pending::Adding,
            now() - chrono::Duration::minutes(2),
        );
        Ok(())
    })
    .unwrap();
    drop(v);
    let mut v = Vault::open_index(dir.path().join("data"), mem.clone());
    v.check_keychain_if_needed(now());
    assert!(matches!(v.keychain, KeychainStatus::Available { .. }));
    assert_eq!(v.notices().len(), 1, "{:?}", v.notices());
    assert!(v.notices()[0].message.contains("Finished adding “half”"), "{:?}", v.notices());
    assert!(v.index.records[0].pending.is_none());
}

#[test]
fn an_abandoned_keychain_write_is_settled_once_the_keychain_answers() {
    let (_d, mem, mut v) = open();
    mem.hang_writes.store(true, std::sync::atomic::Ordering::SeqCst);
    let e = v.add(new_token(Platform::Roboflow, "slow", "FAKEslow0001"), now()).unwrap_err();
    assert!(matches!(e, Error::KeychainTimeout { .. }));
    assert!(v.view(now()).tokens.is_empty(), "not shown while undecided");
    // The user unlocks the keychain and the abandoned write lands after all.
    mem.hang_writes.store(false, std::sync::atomic::Ordering::SeqCst);
    let id = v.index.records[0].id;
    mem.put(&id.to_string(), &SecretString::from("FAKEslow0001".to_string())).unwrap();
    v.check_keychain(now() + chrono::Duration::seconds(5));
    let view = v.view(now() + chrono::Duration::seconds(90));
    assert_eq!(view.tokens.len(), 1, "finished, not lost");
    assert_eq!(v.secret(id, Use::Reveal, now()).unwrap().expose_secret(), "FAKEslow0001");
}

#[test]
fn a_fresh_mark_from_a_live_process_is_left_alone_until_stale() {
    let (dir, mem, mut v) = open();
    let r = v.add(new_token(Platform::Cvat, "busy", "FAKEbusy0001"), now()).unwrap();
    // Another process has just marked it for deletion and is talking to the keychain.
    v.mutate(|idx| {
        set_mark(find_mut(idx, r.id).unwrap(), Pending::Deleting, now());
        Ok(())
    })
    .unwrap();
    let mut other = Vault::open(dir.path().join("data"), mem.clone(), now() + chrono::Duration::seconds(30));
    assert!(other.index.records.iter().any(|x| x.id == r.id), "a live change must not be repaired");
    assert!(mem.has(&r.id.to_string()));
    // A minute later nobody finished it: the view repairs it.
    let view = other.view(now() + chrono::Duration::seconds(61));
    assert!(view.tokens.is_empty());
    assert!(!mem.has(&r.id.to_string()));
}

#[test]
fn another_process_writes_are_seen_and_never_lost() {
    let (dir, mem, mut a) = open();
    let mut b = Vault::open(dir.path().join("data"), mem.clone(), now());
    a.add(new_token(Platform::Cvat, "from-a", "FAKEa0000001"), now()).unwrap();
    b.add(new_token(Platform::Cvat, "from-b", "FAKEb0000001"), now()).unwrap();
    assert_eq!(a.records().unwrap().len(), 2);
    assert_eq!(b.records().unwrap().len(), 2);
    // Concurrent writers from threads, each with its own Vault (as separate processes would).
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let dir = dir.path().join("data");
            let mem = mem.clone();
            std::thread::spawn(move || {
                let mut v = Vault::open(dir, mem, now());
                for i in 0..10 {
                    v.add(new_token(Platform::Roboflow, &format!("t{t}-{i}"), &format!("FAKEconc{t}x{i}0000")), now())
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(a.records().unwrap().len(), 42);
}

#[test]
fn unusable_data_dir_opens_read_only_with_a_notice() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("file"), b"x").unwrap();
    let mem = Arc::new(MemoryStore::default());
    let mut v = Vault::open(d.path().join("file/data"), mem, now());
    let view = v.view(now());
    assert!(view.read_only.is_some());
    assert_eq!(view.notices.len(), 1);
    let e = v.add(new_token(Platform::Cvat, "x", "FAKEx0000001"), now()).unwrap_err();
    assert!(matches!(e, Error::ReadOnly(_)));
}

#[test]
fn a_rotation_keeps_both_secrets_recoverable_at_every_step() {
    use crate::record::{RotationEvent, RotationStage};
    use rotate::{rotation_stage, staged_account, Staged};
    let (dir, mem, mut v) = open();
    let old = "FAKErotationOldKey0001";
    let new = "FAKErotationNewKey0002";
    let r = v.add(new_token(Platform::Roboflow, "ci", old), now()).unwrap();
    let main = r.id.to_string();
    let secret_of = |account: &str| mem.entries.lock().unwrap().get(account).cloned();

    v.rotation_begin(r.id, now()).unwrap();
    // A record under rotation is neither replaced nor deleted (it would lose a secret).
    let e =
        v.replace_secret(r.id, SecretInput::Token { token: SecretString::from("FAKEother0003") }, now()).unwrap_err();
    assert!(e.to_string().contains("rotation"), "{e}");
    assert!(v.delete(r.id, now()).unwrap_err().to_string().contains("rotation"));
    assert!(v.rotation_begin(r.id, now()).is_err(), "one rotation at a time");

    v.rotation_created(r.id, SecretString::from(new), Some("key-new".into()), Some("key-old".into()), now()).unwrap();
    assert_eq!(secret_of(&staged_account(r.id, Staged::New)).as_deref(), Some(new));
    assert_eq!(secret_of(&main).as_deref(), Some(old), "the old key stays in use until the new one is checked");
    assert_eq!(rotation_stage(&v.get(r.id).unwrap()), Some(RotationStage::Created));

    // The swap was interrupted after the new key reached the main entry: finishing it again
    // takes the new key and keeps the old one apart.
    mem.put(&staged_account(r.id, Staged::Old), &SecretString::from(old)).unwrap();
    mem.put(&main, &SecretString::from(new)).unwrap();
    let swapped = v.rotation_swap(r.id, now()).unwrap();
    assert_eq!(swapped.hint, "0002");
    assert_eq!(swapped.rotated_at, vec![now()]);
    assert_eq!(rotation_stage(&swapped), Some(RotationStage::Swapped));
    assert_eq!(secret_of(&main).as_deref(), Some(new));
    assert_eq!(secret_of(&staged_account(r.id, Staged::Old)).as_deref(), Some(old));
    assert_eq!(secret_of(&staged_account(r.id, Staged::New)), None);
    assert!(v.rotation_abort(r.id).is_err(), "a key in use is not undone");
    // Swapping again changes nothing.
    assert_eq!(v.rotation_swap(r.id, now()).unwrap().rotated_at.len(), 1);

    // Repair on open leaves a rotation that needs the platform alone.
    drop(v);
    let mut v = Vault::open(dir.path().join("data"), mem.clone(), now() + chrono::Duration::hours(1));
    assert_eq!(rotation_stage(&v.get(r.id).unwrap()), Some(RotationStage::Swapped));
    assert!(v.notices().is_empty(), "{:?}", v.notices());

    let done = v
        .rotation_finish(r.id, RotationEvent { at: now(), how: "api".into(), outcome: "old key revoked".into() })
        .unwrap();
    assert!(done.pending.is_none() && done.rotations.len() == 1);
    assert_eq!(secret_of(&staged_account(r.id, Staged::Old)), None);
    let text = std::fs::read_to_string(dir.path().join("data/latchkey.json")).unwrap();
    assert!(!text.contains("FAKErotation"), "no secret in the index: {text}");
}

#[test]
fn a_rotation_cut_off_while_the_platform_made_the_key_is_cleared_with_a_warning() {
    use rotate::{staged_account, Staged};
    let (dir, mem, mut v) = open();
    let r = v.add(new_token(Platform::Roboflow, "ci", "FAKErotationOldKey0003"), now()).unwrap();
    v.rotation_begin(r.id, now() - chrono::Duration::minutes(5)).unwrap();
    drop(v);
    let mut v = Vault::open(dir.path().join("data"), mem.clone(), now());
    assert!(v.get(r.id).unwrap().pending.is_none());
    assert!(v.notices()[0].message.contains("Rotating “ci” was interrupted"), "{:?}", v.notices());
    assert_eq!(mem.entries.lock().unwrap().get(&r.id.to_string()).map(String::as_str), Some("FAKErotationOldKey0003"));
    // An undone rotation before the swap leaves the old key and no staged one.
    v.rotation_begin(r.id, now()).unwrap();
    v.rotation_created(r.id, SecretString::from("FAKErotationNewKey0004"), None, None, now()).unwrap();
    v.rotation_abort(r.id).unwrap();
    assert!(v.get(r.id).unwrap().pending.is_none());
    assert!(!mem.has(&staged_account(r.id, Staged::New)));
}
