//! The access log from the command line: 20 `latchkey copy`/`get` processes at once while an
//! in-process writer (what the app does) appends too lose no line and keep one chain; `run`
//! logs its command line with the secret masked and the parent process; `latchkey log` shows
//! it all newest first and exits 10 once a line was edited or removed.

mod support;

use std::process::Stdio;

use latchkey_core::accesslog::{AccessLog, Action, Event, Origin};
use latchkey_core::Platform;
use support::{fake, Sandbox};

const CLI_USES: usize = 20;
const APP_USES: usize = 10;

fn log_json(sb: &Sandbox, args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let mut all = vec!["log", "--json", "--limit", "1000"];
    all.extend_from_slice(args);
    let ran = sb.run(&all, None);
    let entries = ran.json().as_array().expect("an array").clone();
    (ran.code, entries, ran.stderr)
}

fn access_log_text(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.data_dir().join("access.log")).unwrap_or_default()
}

#[test]
fn twenty_processes_and_the_app_writing_at_once_lose_no_line() {
    let mut sb = Sandbox::new();
    sb.env.push(("LATCHKEY_CLIPBOARD_CLEAR_SECS".into(), "2".into()));
    let secrets = [fake("log-a"), fake("log-b")];
    let ids = [sb.add("cvat", "alpha", &secrets[0], &[]), sb.add("roboflow", "beta", &secrets[1], &[])];

    // The "app": its own handle on the same folder, appending while the processes run.
    let dir = sb.data_dir().to_path_buf();
    let app_id: uuid::Uuid = ids[0].parse().unwrap();
    let app = std::thread::spawn(move || {
        let log = AccessLog::new(dir, Origin::App);
        for _ in 0..APP_USES {
            let event = Event {
                token: app_id,
                label: "alpha".into(),
                platform: Platform::Cvat,
                action: Action::Copy,
                team: None,
                detail: None,
                command: None,
            };
            log.append(vec![event]).expect("the app's append");
        }
    });
    let children: Vec<_> = (0..CLI_USES)
        .map(|i| {
            let label = if i % 2 == 0 { "alpha" } else { "beta" };
            let verb = if i % 4 < 2 { "get" } else { "copy" };
            let mut c = sb.cmd(&[verb, label]);
            c.stdout(Stdio::piped()).stderr(Stdio::piped());
            (verb, c.spawn().unwrap())
        })
        .collect();
    for (verb, child) in children {
        let ran: support::Ran = child.wait_with_output().unwrap().into();
        assert_eq!(ran.code, 0, "{verb}: {ran:?}");
        assert!(!ran.stderr.contains("access log"), "no warning about the log: {ran:?}");
    }
    app.join().expect("the app thread");

    let (code, entries, stderr) = log_json(&sb, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(entries.len(), 2 + CLI_USES + APP_USES, "every use is there: {entries:#?}");
    // Newest first, one unbroken sequence.
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=entries.len() as u64).rev().collect::<Vec<_>>());
    let count =
        |action: &str, place: &str| entries.iter().filter(|e| e["action"] == action && e["where"] == place).count();
    assert_eq!(count("add", "cli"), 2);
    assert_eq!(count("get", "cli"), CLI_USES / 2);
    assert_eq!(count("copy", "cli"), CLI_USES / 2);
    assert_eq!(count("copy", "app"), APP_USES);
    for e in entries.iter().filter(|e| e["where"] == "cli") {
        assert!(e["parent"].as_str().is_some_and(|p| !p.is_empty()), "the parent process is named: {e}");
        assert!(e["label"] == "alpha" || e["label"] == "beta");
        assert!(e["time"].as_str().unwrap().ends_with('Z'), "RFC 3339 UTC: {e}");
    }
    // One token's only.
    let (_, alpha, _) = log_json(&sb, &["cvat/alpha"]);
    assert_eq!(alpha.len(), 1 + CLI_USES / 2 + APP_USES);
    assert!(alpha.iter().all(|e| e["token"] == ids[0].as_str()));
    // Never a secret.
    let text = access_log_text(&sb);
    for s in &secrets {
        assert!(!text.contains(s.as_str()));
    }
    // Let the clipboard helpers finish before the keychain service goes.
    std::thread::sleep(std::time::Duration::from_secs(3));
}

#[test]
fn run_is_logged_masked_and_an_altered_log_exits_10() {
    let sb = Sandbox::new();
    let secret = fake("log-run");
    let id = sb.add("cvat", "ci", &secret, &[]);
    // A command line that holds the secret itself (as a careless script might).
    sb.run(&["run", "-t", "ci", "--", "true", "--token", &secret, "plain"], None).ok();
    sb.run(&["get", "ci"], None).ok();
    sb.run(&["revoke", "ci", "--mark-revoked", "--reason", "left the team"], None).ok();

    let (code, entries, _) = log_json(&sb, &["ci"]);
    assert_eq!(code, 0);
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["revoke", "get", "run", "add"]);
    let run = &entries[2];
    assert_eq!(run["token"], id.as_str());
    assert_eq!(run["where"], "cli");
    assert_eq!(run["command"], serde_json::json!(["true", "--token", "<latchkey:cvat/ci>", "plain"]));
    assert!(entries[0]["detail"].as_str().unwrap().contains("left the team"), "{}", entries[0]);
    assert!(!access_log_text(&sb).contains(&secret));

    // The table: newest first, with the command.
    let table = sb.run(&["log"], None).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("WHEN"), "{table}");
    assert!(lines[1].contains("revoke") && lines[1].contains("cvat/ci"), "{table}");
    assert!(lines[3].contains("run") && lines[3].contains("true --token <latchkey:cvat/ci> plain"), "{table}");
    assert!(sb.run(&["log", "nothing-by-that-name"], None).code == 3);

    // An edited line: exit 10, said on stderr, the other lines still shown.
    let path = sb.data_dir().join("access.log");
    let original = access_log_text(&sb);
    let edited = original.replacen("\"action\":\"get\"", "\"action\":\"validate\"", 1);
    assert_ne!(edited, original);
    std::fs::write(&path, &edited).unwrap();
    let (code, entries, stderr) = log_json(&sb, &[]);
    assert_eq!(code, 10, "{stderr}");
    assert!(stderr.contains("access.log line 3") && stderr.contains("edited"), "{stderr}");
    assert_eq!(entries.len(), 3, "the lines that verify: {entries:#?}");
    assert!(entries.iter().all(|e| e["action"] != "validate" && e["action"] != "get"));

    // The last line removed: exit 10 too.
    let cut: String = original.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, cut).unwrap();
    let ran = sb.run(&["log"], None).code(10);
    assert!(ran.stderr.contains("it ends at entry 3 but entry 4 was written: the last entry was removed"), "{ran:?}");
    assert!(ran.stdout.contains("run"), "{ran:?}");
}
