//! `latchkey scan`: a stored secret planted in the sandbox's shell history and in a project's
//! gitignored `.env` is found where it is, with a masked excerpt, and the exit code says so.

mod support;

use std::fs;

use support::{fake, Sandbox};

#[test]
fn scan_finds_a_stored_secret_in_history_and_ignored_files_without_printing_it() {
    let sb = Sandbox::new();
    let secret = fake("cvat-leak");
    let id = sb.add("cvat", "leaky", &secret, &[]);
    fs::write(sb.home().join(".bash_history"), format!("ls\ncd work\nexport CVAT_TOKEN={secret}\nmake\n")).unwrap();
    let project = sb.home().join("projects/app");
    fs::create_dir_all(project.join(".git")).unwrap();
    fs::write(project.join(".gitignore"), ".env\n").unwrap();
    fs::write(project.join(".env"), format!("# local\r\nCVAT_TOKEN={secret}\r\n")).unwrap();
    fs::write(project.join("main.py"), "print('no secret here')\n").unwrap();

    // The home folder's usual places: the history line, at the right column.
    let ran = sb.run(&["scan", "--json"], None).code(9);
    assert!(!ran.all().contains(&secret), "the secret was printed:\n{}", ran.all());
    let report = ran.json();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    let f = &findings[0];
    assert!(f["path"].as_str().unwrap().ends_with("/.bash_history"), "{f:#}");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(3), Some(19)), "{f:#}");
    assert_eq!(f["kind"]["type"], "stored");
    assert_eq!(f["kind"]["token_id"], id.as_str());
    assert_eq!(f["allowed"], false);
    assert!(f["excerpt"].as_str().unwrap().starts_with("export CVAT_TOKEN=••••"), "{f:#}");
    let kept = fs::read_to_string(sb.data_dir().join("leak-scan.json")).expect("the report is kept for the app");
    assert!(!kept.contains(&secret));

    // A project folder: the .env is gitignored, so found only when asked to include ignored files.
    let p = project.to_str().unwrap();
    let clean = sb.run(&["scan", "--no-home", p], None).code(0);
    assert!(clean.stdout.contains("0 findings"), "{clean:?}");
    let ran = sb.run(&["scan", "--no-home", "--include-ignored", p], None).code(9);
    assert!(!ran.all().contains(&secret), "{ran:?}");
    let first = ran.stdout.lines().next().unwrap_or_default();
    assert!(first.ends_with(".env:2:12: stored CVAT token “leaky”"), "{}", ran.stdout);

    // Nothing to scan is a usage error.
    sb.run(&["scan", "--no-home"], None).code(2);
}

/// The secrets are read from the keychain while the walk starts; a keychain that is not there
/// still ends the scan at once with exit code 4 and its reason, and keeps no report (a scan
/// without the secrets would say "no leak").
#[test]
fn scan_without_a_keychain_is_exit_4_and_keeps_no_report() {
    let sb = Sandbox::new();
    let secret = fake("cvat-nokeychain");
    sb.add("cvat", "kept", &secret, &[]);
    let project = sb.home().join("project");
    fs::create_dir_all(&project).unwrap();
    for i in 0..200 {
        fs::write(project.join(format!("f{i}.txt")), format!("line {i}\nCVAT_TOKEN={secret}\n")).unwrap();
    }
    let mut c = sb.cmd(&["scan", "--no-home", project.to_str().unwrap()]);
    c.env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", sb.home().join("no-bus").display()));
    let ran = support::run_with_stdin(&mut c, None);
    assert_eq!(ran.code, 4, "{ran:?}");
    assert!(ran.stderr.contains("keychain"), "{ran:?}");
    assert!(!ran.all().contains(&secret), "the secret was printed: {ran:?}");
    assert!(!sb.data_dir().join("leak-scan.json").exists(), "a report without the secrets was kept");
}
