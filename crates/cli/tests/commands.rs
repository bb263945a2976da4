//! `latchkey add`, `list`, `get`, `run` and the exit codes, as the real binary against the
//! real keychain (gnome-keyring of the test session), checked with `secret-tool`.

mod support;

use std::process::Command;

use support::{by_label, fake, Sandbox};

#[test]
fn add_stores_the_secret_in_the_keychain_only_and_list_shows_it() {
    let sb = Sandbox::new();
    let secret = fake("cvat");
    let id = sb.add("cvat", "ci", &secret, &["--expires", "30d", "--server", "http://127.0.0.1:9"]);
    assert_eq!(sb.keychain(&id).as_deref(), Some(secret.as_str()));
    assert!(!sb.index_text().contains(&secret), "the index file holds no secret");

    let list = sb.list();
    let ci = by_label(&list, "ci");
    assert_eq!(ci["id"], id.as_str());
    assert_eq!(ci["platform"], "cvat");
    assert_eq!(ci["server_url"], "http://127.0.0.1:9");
    assert_eq!(ci["status"]["health"]["state"], "active");
    // "30 d" from now, read back a moment later: 30 d, or 29 d 23 h on a slow machine.
    let countdown = ci["countdown"].as_str().unwrap();
    assert!(countdown.starts_with("expires in 30 d") || countdown == "expires in 29 d 23 h", "{ci}");

    let table = sb.run(&["list"], None).ok();
    assert!(table.stdout.contains("cvat") && table.stdout.contains("ci"), "{table:?}");
    assert!(table.stdout.contains(&format!("…{}", &secret[secret.len() - 4..])), "the hint: {table:?}");
    assert!(!table.all().contains(&secret));

    // Filters: platform, expiring within, stale.
    sb.add("roboflow", "later", &fake("rf"), &["--expires", "60d"]);
    let only = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["list", "--json"];
        a.extend_from_slice(args);
        sb.run(&a, None).ok().json().as_array().unwrap().iter().map(|r| r["label"].as_str().unwrap().into()).collect()
    };
    assert_eq!(only(&["--platform", "roboflow"]), ["later"]);
    assert_eq!(only(&["--expiring", "31d"]), ["ci"]);
    assert_eq!(only(&["--expiring", "90d"]), ["ci", "later"]);
    assert!(only(&["--stale"]).is_empty());
}

#[test]
fn add_refuses_bad_input_with_usage_codes() {
    let sb = Sandbox::new();
    sb.add("supervisely", "laptop", &fake("sly"), &[]);
    // Same label on the same platform.
    let dup = sb.run(&["add", "supervisely", "--label", "laptop"], Some(&fake("sly"))).code(2);
    assert!(dup.stderr.contains("laptop"), "{dup:?}");
    // No secret at all.
    sb.run(&["add", "cvat", "--label", "empty"], Some("")).code(2);
    // Unknown platform, bad date: clap / our parser, both 2.
    sb.run(&["add", "gitlab", "--label", "x"], Some("x")).code(2);
    sb.run(&["add", "cvat", "--label", "x", "--expires", "next tuesday"], Some("x")).code(2);
    // A secret is never an argument: there is no such option.
    sb.run(&["add", "cvat", "--label", "x", "--token", "FAKE-arg"], None).code(2);
    assert_eq!(sb.list().len(), 1);
}

#[test]
fn add_keeps_rotate_before_and_refuses_a_day_count_out_of_range() {
    let sb = Sandbox::new();
    let secret = fake("rf-rotate-before");
    let id = sb.add("roboflow", "rotating", &secret, &["--expires", "90d", "--rotate-before", "14"]);
    let index: serde_json::Value = serde_json::from_str(&sb.index_text()).unwrap();
    let record = index["records"].as_array().unwrap().iter().find(|r| r["id"] == id.as_str()).expect("the record");
    assert_eq!(record["rotate_before_days"], 14, "{record}");
    assert_eq!(sb.keychain(&id).as_deref(), Some(secret.as_str()));
    // Without it the record has none (off).
    let plain = sb.add("roboflow", "plain", &fake("rf-plain"), &["--expires", "90d"]);
    let index: serde_json::Value = serde_json::from_str(&sb.index_text()).unwrap();
    let record = index["records"].as_array().unwrap().iter().find(|r| r["id"] == plain.as_str()).unwrap();
    assert!(record.get("rotate_before_days").is_none(), "{record}");

    // The Edit form's range, 1 to 365 whole days; anything else is a usage error and stores nothing.
    for bad in ["0", "366", "-3", "two", "1.5", ""] {
        let flag = format!("--rotate-before={bad}");
        let ran = sb.run(&["add", "roboflow", "--label", "bad", &flag], Some(&fake("rf-bad"))).code(2);
        assert!(ran.stderr.contains("1 to 365"), "--rotate-before {bad:?}: {ran:?}");
    }
    assert_eq!(sb.list().len(), 2);
    // With no expiry it is kept, and the note says when it starts to count.
    let ran = sb.run(&["add", "cvat", "--label", "no-expiry", "--rotate-before", "7"], Some(&fake("cvat-rb"))).ok();
    assert!(ran.stderr.contains("no expiry is known yet"), "{ran:?}");
}

#[test]
fn env0_and_encord_take_their_composite_secrets() {
    let sb = Sandbox::new();
    let secret = fake("env0");
    let id = sb.add("env0", "deploy", &secret, &["--key-id", "kid-public-1"]);
    let stored = sb.keychain(&id).unwrap();
    assert!(stored.contains("kid-public-1") && stored.contains(&secret), "one JSON payload");
    let env = sb.run(
        &[
            "run",
            "--no-mask",
            "-t",
            "deploy",
            "--",
            "sh",
            "-c",
            "printf '%s|%s' \"$ENV0_API_KEY\" \"$ENV0_API_SECRET\"",
        ],
        None,
    );
    assert_eq!(env.ok().stdout, format!("kid-public-1|{secret}"));

    // Without --key-id on a pipe: a usage error, nothing stored.
    sb.run(&["add", "env0", "--label", "nokey"], Some(&fake("env0"))).code(2);
    // --key-id belongs to env0 only.
    sb.run(&["add", "cvat", "--label", "x", "--key-id", "k"], Some("x")).code(2);

    let api_key = fake("enc");
    let key = sb.add("encord", "legacy", &api_key, &["--resource-id", "project-7"]);
    assert_eq!(sb.keychain(&key).as_deref(), Some(api_key.as_str()), "the key; the project id is public");
    let rec = sb.list().into_iter().find(|r| r["id"] == key.as_str()).unwrap();
    assert_eq!(rec["public"]["resource_id"], "project-7");
    let vars = sb.run(&["run", "-t", "encord/legacy", "--print-names"], None).ok();
    assert!(vars.stdout.contains("ENCORD_API_KEY") && vars.stdout.contains("ENCORD_PROJECT_ID"), "{vars:?}");
}

#[test]
fn get_prints_for_pipes_and_names_tokens_every_way() {
    let sb = Sandbox::new();
    let secret = fake("sly");
    let id = sb.add("supervisely", "Laptop", &secret, &[]);
    sb.add("cvat", "laptop", &fake("cvat"), &[]);

    assert_eq!(sb.run(&["get", &id], None).ok().stdout, format!("{secret}\n"));
    assert_eq!(sb.run(&["get", &id[..8]], None).ok().stdout, format!("{secret}\n"));
    assert_eq!(sb.run(&["get", "supervisely/laptop"], None).ok().stdout, format!("{secret}\n"));
    let json = sb.run(&["get", "supervisely/Laptop", "--json"], None).ok().json();
    assert_eq!(json["secret"], secret.as_str());
    // Two platforms share the label: say which.
    let ambiguous = sb.run(&["get", "laptop"], None).code(2);
    assert!(ambiguous.stderr.contains("supervisely/Laptop") && ambiguous.stderr.contains("cvat/laptop"));
    let missing = sb.run(&["get", "nothing-like-it"], None).code(3);
    assert!(missing.stderr.contains("latchkey list"));
    // Handed to a pipe counts as a use.
    let rec = sb.list().into_iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert!(rec["last_used_at"].is_string(), "{rec}");
}

#[test]
fn get_refuses_a_terminal_without_reveal() {
    let sb = Sandbox::new();
    let secret = fake("tty");
    sb.add("cvat", "tty", &secret, &[]);
    // `script` gives the command a pseudo-terminal as stdout.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let in_tty = |extra: &str| -> support::Ran {
        let line = format!("{} get tty {extra}; echo \"[exit $?]\"", support::BIN);
        support::run_with_stdin(&mut sb.program("script", &["-qec", &line, "/dev/null"]), None)
    };
    let refused = in_tty("");
    assert!(refused.stdout.contains("[exit 2]"), "{refused:?}");
    assert!(refused.stdout.contains("Refusing"), "{refused:?}");
    assert!(!refused.all().contains(&secret));
    let shown = in_tty("--reveal");
    assert!(shown.stdout.contains(&secret) && shown.stdout.contains("[exit 0]"), "{shown:?}");
}

#[test]
fn expired_and_revoked_tokens_have_their_own_exit_codes() {
    let sb = Sandbox::new();
    let secret = fake("old");
    sb.add("cvat", "old", &secret, &["--expires", "2020-01-01"]);
    let refused = sb.run(&["get", "old"], None).code(6);
    assert!(refused.stderr.contains("--allow-expired") && !refused.all().contains(&secret));
    sb.run(&["run", "-t", "old", "--", "true"], None).code(6);
    sb.run(&["copy", "old"], None).code(6);
    assert_eq!(sb.run(&["get", "old", "--allow-expired"], None).ok().stdout.trim(), secret);

    let id = sb.add("roboflow", "gone", &fake("rf"), &[]);
    sb.run(&["revoke", "gone", "--mark-revoked"], None).ok();
    assert_eq!(sb.keychain(&id), None, "the secret left the keychain");
    sb.run(&["get", "gone"], None).code(5);
    sb.run(&["run", "-t", "gone", "--", "true"], None).code(5);
    sb.run(&["revoke", "gone"], None).code(5);
}

#[test]
fn run_refuses_a_token_expiring_within_min_valid() {
    let sb = Sandbox::new();
    sb.add("cvat", "soon", &fake("soon"), &["--expires", "1h"]);
    let refused = sb.run(&["run", "-t", "soon", "--min-valid", "2h", "--", "sh", "-c", "printf ran"], None).code(6);
    assert!(
        refused.stdout.is_empty()
            && refused.stderr.contains("cvat/soon expires in")
            && refused.stderr.contains("within --min-valid 2h")
            && refused.stderr.contains("latchkey rotate cvat/soon"),
        "{refused:?}"
    );
    let ran = sb.run(&["run", "-t", "soon", "--min-valid", "30m", "--", "sh", "-c", "printf ran"], None).ok();
    assert_eq!(ran.stdout, "ran");
    assert_eq!(sb.run(&["run", "-t", "soon", "--", "sh", "-c", "printf ran"], None).ok().stdout, "ran");
    sb.run(&["run", "-t", "soon", "--min-valid", "two hours", "--", "true"], None).code(2);
}

#[test]
fn an_unavailable_keychain_is_exit_4_and_nothing_is_written() {
    let sb = Sandbox::new();
    sb.add("cvat", "there", &fake("cvat"), &[]);
    let mut down = sb.cmd(&["add", "cvat", "--label", "nope"]);
    down.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/latchkey-test-bus");
    let ran = support::run_with_stdin(&mut down, Some(&fake("cvat")));
    assert_eq!(ran.code, 4, "{ran:?}");
    assert!(ran.stderr.to_lowercase().contains("keychain"), "{ran:?}");
    let mut get = sb.cmd(&["get", "there"]);
    get.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/latchkey-test-bus");
    assert_eq!(support::run_with_stdin(&mut get, None).code, 4);
    // The list is in the index: it still works, and the failed add left nothing behind.
    let mut list = sb.cmd(&["list", "--json"]);
    list.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/latchkey-test-bus");
    let listed = support::run_with_stdin(&mut list, None).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[test]
fn usage_errors_exit_2_and_help_documents_the_exit_codes() {
    let sb = Sandbox::new();
    sb.run(&["frobnicate"], None).code(2);
    sb.run(&["get"], None).code(2);
    sb.run(&["run", "-t", "x"], None).code(2);
    let help = sb.run(&["--help"], None).ok();
    for needle in ["Exit codes:", "3  not found", "4  keychain", "5  invalid", "6  expired"] {
        assert!(help.stdout.contains(needle), "{needle} in {}", help.stdout);
    }
    for cmd in ["list", "add", "get", "copy", "validate", "revoke", "run", "import", "completions", "man"] {
        let h = sb.run(&[cmd, "--help"], None).ok();
        assert!(h.stdout.contains("Usage: latchkey"), "{cmd}: {h:?}");
    }
    let scan = sb.run(&["scan", "--no-home"], None).code(2);
    assert!(scan.stderr.contains("Nothing to scan"), "{scan:?}");
}

#[test]
fn completions_and_man_page_come_from_the_same_definition() {
    let sb = Sandbox::new();
    for (shell, needle) in [("bash", "complete -F"), ("zsh", "#compdef latchkey"), ("fish", "complete -c latchkey")] {
        let out = sb.run(&["completions", shell], None).ok();
        assert!(out.stdout.contains(needle), "{shell}");
        assert!(out.stdout.contains("validate") && out.stdout.contains("import"), "{shell}");
        assert!(!out.stdout.contains("__clipboard-hold"), "the internal helper stays hidden");
    }
    let man = sb.run(&["man"], None).ok();
    assert!(man.stdout.contains(".TH latchkey 1") && man.stdout.contains("Exit codes"), "{}", man.stdout);
    let dir = sb.home().join("man1");
    sb.run(&["man", "--dir", dir.to_str().unwrap()], None).ok();
    assert!(dir.join("latchkey.1").exists() && dir.join("latchkey-run.1").exists());
}

#[test]
fn run_passes_the_exit_code_and_signals_through() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let sb = Sandbox::new();
    let secret = fake("sly");
    sb.add("supervisely", "laptop", &secret, &["--server", "https://sly.example.invalid"]);
    let env = sb.run(
        &["run", "--no-mask", "-t", "laptop", "--", "sh", "-c", "printf '%s %s' \"$SERVER_ADDRESS\" \"$API_TOKEN\""],
        None,
    );
    assert_eq!(env.ok().stdout, format!("https://sly.example.invalid {secret}"));
    sb.run(&["run", "-t", "laptop", "--", "sh", "-c", "exit 42"], None).code(42);
    sb.run(&["run", "-t", "laptop", "--", "/nonexistent/command"], None).code(127);
    let names = sb.run(&["run", "-t", "laptop", "--print-names"], None).ok();
    assert!(names.stdout.contains("SERVER_ADDRESS") && names.stdout.contains("API_TOKEN"));
    assert!(!names.all().contains(&secret), "names only");

    // SIGTERM and SIGINT sent to the pid `latchkey run` was started as reach the command.
    for (signal, code) in [("TERM", 77), ("INT", 78)] {
        let script = format!("trap 'exit {code}' {signal}; echo ready; while :; do sleep 0.05; done");
        let mut c = sb.cmd(&["run", "-t", "laptop", "--", "sh", "-c", &script]);
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        let killed = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal} reached the command's trap");
    }
}
