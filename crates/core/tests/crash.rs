//! Kill -9 during index writes: a child process (this test binary again, running the ignored
//! `crash_child_writer`) adds, edits, re-keys and deletes tokens through the real `Vault` in a
//! loop and prints `ACK …` after each call returns. The parent kills it with SIGKILL at random
//! points — during start-up and repair too — and after every kill checks that the index loads
//! cleanly (no damage, no recovery), every acknowledged write is there, nothing else is there
//! but the one write in flight, and the two stores agree. The next child's `Vault::open`
//! repairs the interrupted change; it reports what it sees, which is checked as well.
//!
//! Secrets go to a file-per-entry store (`support::dir_store`) instead of the keychain, so
//! they survive the kill like the index does and a few hundred kills take seconds.
//! `LATCHKEY_CRASH_KILLS` sets the number of kills (default 200; `make bench` runs more).

#[path = "support/dir_store.rs"]
mod dir_store;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use dir_store::DirStore;
use latchkey_core::index::Store;
use latchkey_core::record::{Pending, Platform};
use latchkey_core::secret::SecretInput;
use latchkey_core::{MetaUpdate, NewToken, Use, Vault};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

const CHILD_DIR: &str = "LATCHKEY_CRASH_CHILD_DIR";
const CHILD_LIFE: &str = "LATCHKEY_CRASH_CHILD_LIFE";

/// Each child life runs a day after the last, so the journal marks a killed child left are
/// past the repair grace period for the next one (the clock is injected, as in the app).
fn clock(life: u64, op: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        + chrono::Duration::days(life as i64)
        + chrono::Duration::seconds(op as i64)
}

/// A small deterministic generator (xorshift64*), so a failing run can be repeated by seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn token(life: u64, n: u64) -> String {
    format!("FAKEcrash{life:06}x{n:06}")
}

#[test]
#[ignore = "the child process of kill9_during_index_writes; runs only when spawned by it"]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_DIR).map(PathBuf::from) else { return };
    let life: u64 = std::env::var(CHILD_LIFE).unwrap().parse().unwrap();
    let store = Arc::new(DirStore::new(dir.join("keychain")));
    let mut vault = Vault::open(dir.join("data"), store, clock(life, 0));
    // libtest has printed "test crash_child_writer ... " without a newline: end that line.
    println!();
    for r in vault.records().unwrap() {
        assert_eq!(r.pending, Pending::None, "repair left a journal mark on {}", r.label);
        // Shown means usable: the secret must be there (read without counting as a use).
        let secret = vault.secret(r.id, Use::Inspect, clock(life, 0)).unwrap();
        println!("HAVE {} {} {}", r.id, r.label, secret.expose_secret());
    }
    println!("READY");
    let mut rng = Rng(life.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    for n in 1..10_000u64 {
        let now = clock(life, n);
        let records = vault.records().unwrap();
        let pick = records.get(rng.below(records.len().max(1) as u64) as usize);
        match (rng.below(8), pick) {
            (0..=3, _) | (_, None) if records.len() < 40 => {
                let label = format!("crash-{life}-{n}");
                println!("START add {label}");
                let new = NewToken::token(Platform::Roboflow, label.clone(), token(life, n));
                let r = vault.add(new, now).unwrap();
                println!("ACK add {} {label} {}", r.id, token(life, n));
            }
            (4..=5, Some(r)) => {
                let label = format!("edit-{life}-{n}");
                println!("START edit {} {label}", r.id);
                let update = MetaUpdate {
                    label: label.clone(),
                    server_url: r.server_url.clone(),
                    expires_at: Some(now + chrono::Duration::days(30)),
                    owner: None,
                    workspace: None,
                    tags: vec![format!("t{n}")],
                    notes: format!("edited in life {life}"),
                    check: None,
                    stale_period_days: None,
                    rotate_before_days: None,
                };
                vault.update(r.id, update).unwrap();
                println!("ACK edit {} {label}", r.id);
            }
            (6, Some(r)) => {
                println!("START replace {} {}", r.id, token(life, n));
                let secret = SecretInput::Token { token: SecretString::from(token(life, n)) };
                vault.replace_secret(r.id, secret, now).unwrap();
                println!("ACK replace {} {}", r.id, token(life, n));
            }
            (_, Some(r)) => {
                println!("START delete {}", r.id);
                vault.delete(r.id, now).unwrap();
                println!("ACK delete {}", r.id);
            }
            (_, None) => unreachable!("an empty vault always adds"),
        }
    }
}

/// What the parent knows: the acknowledged state, and the changes started but not
/// acknowledged whose outcome no child has reported yet.
#[derive(Default)]
struct Model {
    /// id → (label, secret)
    acked: HashMap<Uuid, (String, String)>,
    /// START lines without an ACK, not yet resolved by a later child's HAVE report.
    unresolved: Vec<Vec<String>>,
}

impl Model {
    fn apply(&mut self, line: &str) {
        let w: Vec<String> = line.split(' ').map(String::from).collect();
        match w[0].as_str() {
            "START" => self.unresolved.push(w[1..].to_vec()),
            "ACK" => {
                self.unresolved.pop();
                let id: Uuid = w[2].parse().unwrap();
                match w[1].as_str() {
                    "add" => drop(self.acked.insert(id, (w[3].clone(), w[4].clone()))),
                    "edit" => self.acked.get_mut(&id).unwrap().0 = w[3].clone(),
                    "replace" => self.acked.get_mut(&id).unwrap().1 = w[3].clone(),
                    "delete" => drop(self.acked.remove(&id)),
                    other => panic!("unknown ACK {other}"),
                }
            }
            _ => {}
        }
    }

    /// Was `op` (add/edit/replace/delete) on this id or label started and left unresolved?
    fn in_flight(&self, op: &str, key: &str) -> Vec<&Vec<String>> {
        self.unresolved.iter().filter(|u| u[0] == op && u[1] == key).collect()
    }
    fn secret_ok(&self, id: Uuid, stored: Option<&str>) -> bool {
        let key = id.to_string();
        let want = self.acked.get(&id).map(|a| a.1.as_str());
        stored == want || self.in_flight("replace", &key).iter().any(|u| Some(u[2].as_str()) == stored)
    }
}

/// The state on disk right after a kill, before anything repairs it.
fn check_disk(dir: &Path, model: &Model, secrets: &DirStore, context: &str) {
    let store = Store::new(dir.join("data"));
    let _lock = store.lock(Duration::from_secs(5)).unwrap();
    let mut notices = vec![];
    let index = store.load(&mut notices).unwrap_or_else(|e| panic!("{context}: the index does not load: {e}"));
    assert!(notices.is_empty(), "{context}: a kill damaged the index: {notices:?}");
    let mut seen = std::collections::HashSet::new();
    for r in &index.records {
        let key = r.id.to_string();
        seen.insert(r.id);
        let deleting = !model.in_flight("delete", &key).is_empty();
        match model.acked.get(&r.id) {
            Some((label, _)) => {
                let edited = model.in_flight("edit", &key).iter().any(|u| u[2] == r.label);
                assert!(&r.label == label || edited, "{context}: {key} has label {} not {label}", r.label);
                let ok_mark = match r.pending {
                    Pending::None => true,
                    Pending::Deleting => deleting,
                    Pending::Replacing { .. } => !model.in_flight("replace", &key).is_empty(),
                    // The crash test's workers never rotate.
                    Pending::Adding | Pending::Rotating { .. } => false,
                };
                assert!(ok_mark, "{context}: {} carries {:?} with no such change in flight", r.label, r.pending);
            }
            None => assert!(
                !model.in_flight("add", &r.label).is_empty(),
                "{context}: {} ({key}) is in the index but was never added or was deleted",
                r.label
            ),
        }
        if r.pending == Pending::None && model.acked.contains_key(&r.id) {
            let stored = secrets.read(&key);
            assert!(model.secret_ok(r.id, stored.as_deref()), "{context}: secret of {} is wrong", r.label);
        }
    }
    for (id, (label, _)) in &model.acked {
        assert!(
            seen.contains(id) || !model.in_flight("delete", &id.to_string()).is_empty(),
            "{context}: acknowledged {label} ({id}) is missing"
        );
    }
}

#[test]
fn kill9_during_index_writes() {
    let kills: u64 = std::env::var("LATCHKEY_CRASH_KILLS").ok().and_then(|k| k.parse().ok()).unwrap_or(200);
    let seed = std::env::var("LATCHKEY_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    eprintln!("kill9_during_index_writes: {kills} kills, LATCHKEY_CRASH_SEED={seed}");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let secrets = DirStore::new(dir.join("keychain"));
    let mut model = Model::default();
    let mut rng = Rng(seed);
    let (started, mut acks, mut early) = (Instant::now(), 0usize, 0);
    for life in 1..=kills {
        let context = format!("kill {life} (seed {seed})");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash_child_writer", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir)
            .env(CHILD_LIFE, life.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let out = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(|l| l.ok()) {
                let _ = tx.send(line);
            }
        });
        // Kill at a random moment: one time in six while it opens and repairs, otherwise
        // after a random number of acknowledged writes plus a random fraction of the next.
        let mut lines = vec![];
        if rng.below(6) == 0 {
            early += 1;
            std::thread::sleep(Duration::from_micros(rng.below(15_000)));
        } else {
            let target = rng.below(12) as usize;
            let mut seen = 0;
            while seen < target {
                let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) else { break };
                seen += usize::from(line.starts_with("ACK"));
                lines.push(line);
            }
            std::thread::sleep(Duration::from_micros(rng.below(4_000)));
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        if status.code().is_some() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            panic!("{context}: the writer ended by itself ({status}) before the kill:\n{}\n{err}", lines.join("\n"));
        }
        // What the child reported after opening (and repairing) must match what we knew.
        let have: Vec<&String> = lines.iter().filter(|l| l.starts_with("HAVE ")).collect();
        if lines.iter().any(|l| l == "READY") {
            let mut fresh = HashMap::new();
            for h in have {
                let w: Vec<&str> = h.split(' ').collect();
                let (id, label, stored): (Uuid, &str, &str) = (w[1].parse().unwrap(), w[2], w[3]);
                let replaced = model.in_flight("replace", w[1]).iter().any(|u| u[2] == stored);
                let secret_known = model.acked.get(&id).is_none_or(|a| a.1 == stored) || replaced;
                assert!(secret_known, "{context}: {label} has a secret that was never stored for it");
                let known = model.acked.get(&id).is_some_and(|a| a.0 == label)
                    || !model.in_flight("add", label).is_empty()
                    || model.in_flight("edit", &id.to_string()).iter().any(|u| u[2] == label);
                assert!(known, "{context}: after repair {label} ({id}) is not what was written");
                fresh.insert(id, (label.to_string(), stored.to_string()));
            }
            for (id, (label, _)) in &model.acked {
                let deleting = !model.in_flight("delete", &id.to_string()).is_empty();
                assert!(
                    fresh.contains_key(id) || deleting,
                    "{context}: acknowledged {label} lost after repair; the child said:\n{}",
                    lines.join("\n")
                );
            }
            model = Model { acked: fresh, unresolved: vec![] };
        }
        for line in &lines {
            model.apply(line);
        }
        acks += lines.iter().filter(|l| l.starts_with("ACK")).count();
        check_disk(dir, &model, &secrets, &context);
    }
    let elapsed = started.elapsed();
    eprintln!(
        "kill9_during_index_writes: {kills} kills ({early} during start-up), {acks} acknowledged writes, {:.1} s",
        elapsed.as_secs_f64()
    );
    assert!(acks as u64 >= kills, "too few writes happened between kills to mean anything ({acks})");
    // A last open repairs whatever the final kill interrupted and cleans up its temp files.
    let mut vault = Vault::open(dir.join("data"), Arc::new(secrets), clock(kills + 1, 0));
    assert!(vault.records().unwrap().iter().all(|r| r.pending == Pending::None));
    let leftovers: Vec<String> = std::fs::read_dir(dir.join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.contains(".bak.new"))
        .collect();
    assert!(leftovers.is_empty(), "temp files of killed writers were left behind: {leftovers:?}");
}
