use std::sync::Arc;
use std::time::Instant;

use super::*;

fn event(n: usize, action: Action) -> Event {
    Event {
        token: Uuid::from_u128(n as u128 % 3 + 1),
        label: format!("token {}", n % 3),
        platform: Platform::Cvat,
        action,
        team: None,
        detail: None,
        command: None,
    }
}

fn log_with(n: usize) -> (tempfile::TempDir, AccessLog) {
    let dir = tempfile::tempdir().unwrap();
    let log = AccessLog::new(dir.path(), Origin::Cli { parent: Some("bash".into()) });
    for i in 0..n {
        log.append(vec![event(i, Action::Copy)]).unwrap();
    }
    (dir, log)
}

fn lines(log: &AccessLog) -> Vec<String> {
    fs::read_to_string(log.path()).unwrap().lines().map(str::to_string).collect()
}

fn write_lines(log: &AccessLog, lines: &[String]) {
    fs::write(log.path(), lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
}

fn problems(log: &AccessLog) -> Vec<String> {
    log.read().unwrap().problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn an_untouched_log_verifies_and_chains_every_line() {
    let (_d, log) = log_with(5);
    let read = log.read().unwrap();
    assert!(read.is_intact(), "{:?}", read.problems);
    assert_eq!(log.verify().unwrap(), None);
    let seqs: Vec<u64> = read.entries.iter().map(|c| c.entry.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert_eq!(read.entries[0].entry.prev, GENESIS);
    for w in read.entries.windows(2) {
        assert_eq!(w[1].entry.prev, w[0].entry.hash);
        assert!(w[1].verified);
    }
    let e = &read.entries[0].entry;
    assert_eq!((e.place, e.parent.as_deref(), e.action), (Where::Cli, Some("bash"), Action::Copy));
    // The line on disk is the entry serialised as it is: hash last, RFC 3339 time.
    let first = &lines(&log)[0];
    assert_eq!(first, &serde_json::to_string(e).unwrap());
    assert!(first.ends_with(&format!(",\"hash\":\"{}\"}}", e.hash)), "{first}");
    assert!(first.contains("\"where\":\"cli\""), "{first}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(log.path()).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Newest first, one token's only.
    let mine = read.newest_first(Some(Uuid::from_u128(1)));
    assert_eq!(mine.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 1]);
    let recent = log.recent(Uuid::from_u128(1), 1).unwrap();
    assert_eq!((recent.uses.len(), recent.uses[0].seq, recent.broken), (1, 4, None));
}

#[test]
fn an_edited_line_is_found_and_not_shown() {
    let (_d, log) = log_with(5);
    let mut l = lines(&log);
    l[2] = l[2].replace("\"action\":\"copy\"", "\"action\":\"validate\"");
    write_lines(&log, &l);
    let read = log.read().unwrap();
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    let p = &read.problems[0];
    assert_eq!((p.file.as_str(), p.line), (LOG_FILE, Some(3)));
    assert!(p.what.contains("edited"), "{p}");
    assert_eq!(log.verify().unwrap().unwrap().line, Some(3));
    let shown: Vec<u64> = read.newest_first(None).iter().map(|e| e.seq).collect();
    assert_eq!(shown, [5, 4, 2, 1]);
}

#[test]
fn a_kept_read_is_not_used_once_a_file_changed() {
    let (_d, log) = log_with(3);
    assert!(log.read().unwrap().is_intact());
    assert!(log.clone().read().unwrap().is_intact(), "clones share the kept read");
    // The same length, so only the modification time and content differ.
    let mut l = lines(&log);
    l[1] = l[1].replace("\"label\":\"token 1\"", "\"label\":\"token 7\"");
    write_lines(&log, &l);
    let p = log.verify().unwrap().expect("found");
    assert_eq!(p.line, Some(2), "{p}");
}

#[test]
fn an_edited_line_with_its_hash_recomputed_breaks_the_next_link() {
    let (_d, log) = log_with(4);
    let mut l = lines(&log);
    let mut forged: AccessEntry = serde_json::from_str(&l[1]).unwrap();
    forged.label = "someone else".into();
    l[1] = seal(&mut forged);
    write_lines(&log, &l);
    let p = log.verify().unwrap().expect("found");
    assert_eq!(p.line, Some(3), "{p}");
    assert!(p.what.contains("not the one that was written after entry 2"), "{p}");
}

#[test]
fn removed_and_reordered_lines_are_found() {
    let (_d, log) = log_with(6);
    let mut l = lines(&log);
    l.remove(2);
    write_lines(&log, &l);
    let p = log.verify().unwrap().expect("found");
    assert_eq!(p.line, Some(3));
    assert!(p.what.contains("entry 4 comes right after entry 2: 1 entry before it is missing"), "{p}");

    let (_d, log) = log_with(6);
    let mut l = lines(&log);
    l.swap(1, 2);
    write_lines(&log, &l);
    let p = log.verify().unwrap().expect("found");
    assert_eq!(p.line, Some(2), "{p}");

    // The oldest lines: the head says where the kept log starts.
    let (_d, log) = log_with(3);
    let l = lines(&log);
    write_lines(&log, &l[1..]);
    let p = log.verify().unwrap().expect("found");
    assert_eq!(p.line, Some(1), "{p}");
}

#[test]
fn lines_removed_from_the_end_are_found_also_after_later_writes() {
    let (_d, log) = log_with(6);
    let l = lines(&log);
    write_lines(&log, &l[..4]);
    let all = problems(&log);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].contains("it ends at entry 4 but entry 6 was written: the last 2 entries were removed"), "{all:?}");
    // Every line that is left still verifies.
    assert_eq!(log.read().unwrap().newest_first(None).len(), 4);

    // A later write does not paper over it.
    log.append(vec![event(9, Action::Get)]).unwrap();
    let p = log.verify().unwrap().expect("still found");
    assert!(p.what.contains("entry 7 comes right after entry 4: 2 entries before it are missing"), "{p}");

    // Emptied entirely.
    let (_d, log) = log_with(2);
    fs::write(log.path(), "").unwrap();
    assert!(problems(&log)[0].contains("it is empty but 2 entries were written"), "{:?}", problems(&log));
}

#[test]
fn a_missing_head_is_reported() {
    let (d, log) = log_with(2);
    fs::remove_file(d.path().join(HEAD_FILE)).unwrap();
    let p = log.verify().unwrap().expect("found");
    assert_eq!(p.file, HEAD_FILE);
    // Writing again rebuilds it from the log and the chain goes on.
    log.append(vec![event(3, Action::Copy)]).unwrap();
    assert_eq!(log.verify().unwrap(), None);
    assert_eq!(log.read().unwrap().entries.len(), 3);
}

#[test]
fn a_write_cut_short_by_a_crash_is_repaired_on_the_next_write() {
    let (d, log) = log_with(3);
    // Killed after the line was flushed, before the head was written: the head lags by one.
    let head = fs::read(d.path().join(HEAD_FILE)).unwrap();
    log.append(vec![event(3, Action::Copy)]).unwrap();
    fs::write(d.path().join(HEAD_FILE), head).unwrap();
    assert_eq!(log.verify().unwrap(), None, "a head one line behind is a crash, not tampering");
    // Killed in the middle of a line: never acknowledged, cut off by the next writer.
    let mut f = OpenOptions::new().append(true).open(log.path()).unwrap();
    f.write_all(b"{\"v\":1,\"seq\":5,\"time\":\"2026-").unwrap();
    drop(f);
    log.append(vec![event(4, Action::Run)]).unwrap();
    let read = log.read().unwrap();
    assert!(read.is_intact(), "{:?}", read.problems);
    assert_eq!(read.entries.iter().map(|c| c.entry.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
}

#[test]
fn rotation_keeps_one_chain_across_the_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let log = AccessLog::new(dir.path(), Origin::App);
    let now = Utc::now();
    for i in 0..40 {
        log.append_at(vec![event(i, Action::Validate)], now, 4000).unwrap();
    }
    let old = dir.path().join(OLD_FILE);
    assert!(old.exists());
    assert!(fs::metadata(log.path()).unwrap().len() <= 4000);
    let read = log.read().unwrap();
    assert!(read.is_intact(), "{:?}", read.problems);
    // The oldest lines went with the file before; what is kept runs without a gap to 40.
    let seqs: Vec<u64> = read.entries.iter().map(|c| c.entry.seq).collect();
    assert_eq!(*seqs.last().unwrap(), 40);
    assert!(seqs[0] > 1, "{seqs:?}");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    // The new file's first line points at the old file's last one.
    let old_last: AccessEntry =
        serde_json::from_str(fs::read_to_string(&old).unwrap().lines().last().unwrap()).unwrap();
    let new_first: AccessEntry = serde_json::from_str(&lines(&log)[0]).unwrap();
    assert_eq!(new_first.prev, old_last.hash);
    assert_eq!(new_first.seq, old_last.seq + 1);

    // The rotated file is checked too: its first line removed is found.
    let kept: Vec<String> = fs::read_to_string(&old).unwrap().lines().skip(1).map(|l| format!("{l}\n")).collect();
    fs::write(&old, kept.concat()).unwrap();
    let p = log.verify().unwrap().expect("found");
    assert_eq!((p.file.as_str(), p.line), (OLD_FILE, Some(1)), "{p}");
}

#[test]
fn concurrent_writers_lose_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let dir = Arc::new(dir.path().to_path_buf());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                // Each its own handle, as separate processes would have.
                let log = AccessLog::new(&*dir, Origin::Cli { parent: None });
                for i in 0..25 {
                    log.append(vec![event(t * 100 + i, Action::Get)]).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let read = AccessLog::new(&*dir, Origin::App).read().unwrap();
    assert!(read.is_intact(), "{:?}", read.problems);
    let seqs: Vec<u64> = read.entries.iter().map(|c| c.entry.seq).collect();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
}

#[test]
fn a_command_line_has_the_secrets_masked_and_is_cut() {
    let secret = "FAKEcvat.secret/with+chars0001";
    let argv = vec![
        "curl".to_string(),
        format!("-H=Authorization: Token {secret}"),
        format!("https://x.invalid/?t={}", crate::leak::url_encode(secret, true).as_str()),
        "ok".into(),
        "x".repeat(300),
    ];
    let masked = mask_command(&argv, &[("cvat/ci".into(), secret), ("tiny".into(), "ab")]);
    assert_eq!(masked[1], "-H=Authorization: Token <latchkey:cvat/ci>");
    assert_eq!(masked[2], "https://x.invalid/?t=<latchkey:cvat/ci>");
    assert_eq!(masked[3], "ok");
    assert_eq!(masked[4].chars().count(), 257);
    assert!(!masked.concat().contains(secret));
    let many: Vec<String> = (0..100).map(|i| format!("argument-{i:04}-{}", "y".repeat(20))).collect();
    let cut = mask_command(&many, &[]);
    assert!(cut.concat().len() < 1200);
    assert!(cut.last().unwrap().starts_with("…("), "{cut:?}");
}

#[test]
fn an_empty_folder_has_an_empty_intact_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = AccessLog::new(dir.path().join("not-yet"), Origin::App);
    let read = log.read().unwrap();
    assert!(read.is_intact() && read.entries.is_empty());
    // A write creates the folder.
    log.record(vec![event(1, Action::Add)]);
    assert_eq!(log.read().unwrap().entries.len(), 1);
}

/// Figures for ARCHITECTURE.md: `cargo test -p latchkey-core --lib accesslog::tests::figures -- --ignored --nocapture`.
#[test]
#[ignore]
fn figures() {
    let dir = tempfile::tempdir().unwrap();
    let log = AccessLog::new(dir.path(), Origin::App);
    let started = Instant::now();
    for i in 0..200 {
        log.append(vec![event(i, Action::Copy)]).unwrap();
    }
    let per_append = started.elapsed() / 200;
    // Fill both files to the cap in big batches.
    while !dir.path().join(OLD_FILE).exists() || fs::metadata(log.path()).unwrap().len() < CAP_BYTES / 2 {
        log.append((0..500).map(|i| event(i, Action::Validate)).collect()).unwrap();
    }
    let started = Instant::now();
    let read = log.read().unwrap();
    let full_read = started.elapsed();
    assert!(read.is_intact());
    let started = Instant::now();
    let recent = log.recent(Uuid::from_u128(1), 10).unwrap();
    let recent_took = started.elapsed();
    assert_eq!(recent.uses.len(), 10);
    eprintln!(
        "access log: append (fsync) {per_append:?} each; read + verify of {} lines ({} KiB) {full_read:?}; recent(10) from the kept read {recent_took:?}",
        read.entries.len(),
        (fs::metadata(log.path()).unwrap().len() + fs::metadata(dir.path().join(OLD_FILE)).unwrap().len()) / 1024
    );
}
