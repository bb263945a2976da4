//! `latchkey guard`: the pre-commit hook in a real git repository, with the real keychain.
//! Staging a stored secret (or a token shaped like a platform's) stops `git commit`, naming
//! the file and line without printing the secret; a clean commit passes; a hook that was
//! there before still runs, its failure still stops the commit, and uninstall puts it back.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{fake, Ran, Sandbox};

/// A fresh repository in the sandbox's home with one commit.
fn repo(sb: &Sandbox, name: &str) -> PathBuf {
    let dir = sb.home().join(name);
    fs::create_dir_all(&dir).unwrap();
    git(sb, &dir, &["init", "-q", "-b", "main"]).ok();
    git(sb, &dir, &["config", "user.email", "dev@example.invalid"]).ok();
    git(sb, &dir, &["config", "user.name", "Dev"]).ok();
    fs::write(dir.join("README"), "hello\n").unwrap();
    git(sb, &dir, &["add", "README"]).ok();
    git(sb, &dir, &["commit", "-q", "-m", "first", "--no-verify"]).ok();
    dir
}

fn git(sb: &Sandbox, dir: &Path, args: &[&str]) -> Ran {
    let mut c = sb.program("git", args);
    c.current_dir(dir);
    support::run_with_stdin(&mut c, None)
}

fn commits(sb: &Sandbox, dir: &Path) -> usize {
    git(sb, dir, &["rev-list", "--count", "HEAD"]).ok().stdout.trim().parse().unwrap()
}

fn latchkey_in(sb: &Sandbox, dir: &Path, args: &[&str]) -> Ran {
    let mut c = sb.cmd(args);
    c.current_dir(dir);
    support::run_with_stdin(&mut c, None)
}

/// Stage `file` with `text` and try to commit it.
fn commit(sb: &Sandbox, dir: &Path, file: &str, text: &str) -> Ran {
    if let Some(parent) = dir.join(file).parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(dir.join(file), text).unwrap();
    git(sb, dir, &["add", file]).ok();
    git(sb, dir, &["commit", "-q", "-m", &format!("add {file}")])
}

#[test]
fn a_staged_stored_secret_stops_the_commit_and_a_clean_one_passes() {
    let sb = Sandbox::new();
    let secret = fake("guard-cvat");
    sb.add("cvat", "ci", &secret, &[]);
    sb.add("roboflow", "other", &fake("guard-rf"), &[]);
    let dir = repo(&sb, "project");
    let p = dir.to_str().unwrap();
    let ran = sb.run(&["guard", "install", "--repo", p], None).ok();
    assert!(ran.stdout.contains("Installed the Latchkey guard"), "{ran:?}");
    let hook = dir.join(".git/hooks/pre-commit");
    assert!(hook.exists());

    // Clean: committed, quietly.
    let clean = commit(&sb, &dir, "src/main.py", "print('hello')\n").ok();
    assert!(!clean.all().contains("latchkey"), "{clean:?}");
    assert_eq!(commits(&sb, &dir), 2);

    // The stored secret on line 3 of a new file: stopped, named, masked.
    let text = format!("import os\n\nCVAT_TOKEN = \"{secret}\"\nprint(1)\n");
    let stopped = commit(&sb, &dir, "config/settings.py", &text);
    assert_ne!(stopped.code, 0, "the commit went through: {stopped:?}");
    assert_eq!(commits(&sb, &dir), 2, "nothing was committed");
    let out = stopped.all();
    assert!(!out.contains(&secret), "the secret was printed:\n{out}");
    assert!(out.contains("config/settings.py:3: stored CVAT token “ci”"), "{out}");
    assert!(out.contains("CVAT_TOKEN = \"••••"), "{out}");
    assert!(out.contains("latchkey revoke cvat/ci"), "{out}");
    assert!(out.contains("latchkey inject") && out.contains("latchkey://cvat/ci"), "{out}");
    assert!(out.contains("--no-verify"), "{out}");

    // The check itself says 9; a change to a committed file is found at its new line number.
    let check = latchkey_in(&sb, &dir, &["guard", "check"]).code(9);
    assert!(!check.all().contains(&secret));
    git(&sb, &dir, &["reset", "-q"]).ok();
    fs::remove_file(dir.join("config/settings.py")).unwrap();
    fs::write(dir.join("README"), format!("hello\nmore\nurl: https://x.example/?t={secret}\n")).unwrap();
    git(&sb, &dir, &["add", "README"]).ok();
    let check = latchkey_in(&sb, &dir, &["guard", "check"]).code(9);
    assert!(check.stderr.contains("README:3: stored CVAT token “ci”"), "{check:?}");
    // `commit -a` uses a temporary index: what it commits is what is checked.
    git(&sb, &dir, &["reset", "-q"]).ok();
    let all = git(&sb, &dir, &["commit", "-q", "-a", "-m", "all"]);
    assert_ne!(all.code, 0, "{all:?}");
    assert!(all.stderr.contains("README:3:"), "{all:?}");

    // git's own escape hatch.
    git(&sb, &dir, &["commit", "-q", "-a", "-m", "anyway", "--no-verify"]).ok();
    assert_eq!(commits(&sb, &dir), 3);
    // A commit that adds nothing (only removes lines) needs no keychain at all.
    fs::write(dir.join("README"), "hello\n").unwrap();
    let mut c = sb.program("git", &["commit", "-q", "-a", "-m", "remove"]);
    c.current_dir(&dir).env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", sb.home().join("no-bus").display()));
    support::run_with_stdin(&mut c, None).ok();
    assert_eq!(commits(&sb, &dir), 4);
}

#[test]
fn a_token_shaped_like_a_platforms_is_stopped_too() {
    let sb = Sandbox::new();
    let dir = repo(&sb, "shapes");
    sb.run(&["guard", "install", "--repo", dir.to_str().unwrap()], None).ok();
    let cvat = "AbCd1234.0123456789abcdefABCDEF0123456789";
    let stopped = commit(&sb, &dir, "notes.md", &format!("# notes\ntoken {cvat} here\n"));
    assert_ne!(stopped.code, 0, "{stopped:?}");
    assert!(stopped.stderr.contains("notes.md:2: unknown CVAT token"), "{stopped:?}");
    assert!(!stopped.all().contains(cvat), "{stopped:?}");
    git(&sb, &dir, &["rm", "-q", "--cached", "notes.md"]).ok();
    let key = "FAKEunknown0123456789";
    let stopped = commit(&sb, &dir, ".env.example", &format!("ROBOFLOW_API_KEY={key}\n"));
    assert!(stopped.stderr.contains(".env.example:1: unknown Roboflow token"), "{stopped:?}");
    assert!(!stopped.all().contains(key), "{stopped:?}");
    assert_eq!(commits(&sb, &dir), 1);
}

#[cfg(unix)]
#[test]
fn an_existing_hook_keeps_running_and_comes_back_on_uninstall() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let secret = fake("guard-chain");
    sb.add("supervisely", "laptop", &secret, &[]);
    let dir = repo(&sb, "chained");
    let hooks = dir.join(".git/hooks");
    let theirs =
        "#!/bin/sh\n# the team's own hook\necho \"theirs ran $#\" >> \"$(git rev-parse --git-dir)/theirs.log\"\n\
                  if [ -e fail-please ]; then echo 'their hook says no' >&2; exit 3; fi\n";
    fs::write(hooks.join("pre-commit"), theirs).unwrap();
    fs::set_permissions(hooks.join("pre-commit"), fs::Permissions::from_mode(0o750)).unwrap();
    let p = dir.to_str().unwrap();

    let ran = sb.run(&["guard", "install", "--repo", p], None).ok();
    assert!(ran.stdout.contains("runs first"), "{ran:?}");
    assert_eq!(fs::read_to_string(hooks.join("pre-commit.latchkey-chained")).unwrap(), theirs);
    // Installing again changes nothing.
    let again = sb.run(&["guard", "install", "--repo", p], None).ok();
    assert!(again.stdout.contains("already installed"), "{again:?}");
    assert_eq!(fs::read_to_string(hooks.join("pre-commit.latchkey-chained")).unwrap(), theirs);

    // Their hook runs, then ours passes a clean commit.
    commit(&sb, &dir, "a.txt", "fine\n").ok();
    assert_eq!(fs::read_to_string(dir.join(".git/theirs.log")).unwrap(), "theirs ran 0\n");
    // Their failure still stops the commit (before ours is asked).
    fs::write(dir.join("fail-please"), "").unwrap();
    let stopped = commit(&sb, &dir, "b.txt", "also fine\n");
    assert_ne!(stopped.code, 0, "{stopped:?}");
    assert!(stopped.stderr.contains("their hook says no"), "{stopped:?}");
    fs::remove_file(dir.join("fail-please")).unwrap();
    // Ours still stops a secret after theirs passed.
    let stopped = commit(&sb, &dir, "c.env", &format!("API_TOKEN={secret}\n"));
    assert!(stopped.stderr.contains("c.env:1: stored Supervisely token “laptop”"), "{stopped:?}");
    assert_eq!(commits(&sb, &dir), 2);

    // Uninstall: their hook is back exactly (content and mode), ours is gone.
    let ran = sb.run(&["guard", "uninstall", "--repo", p], None).ok();
    assert!(ran.stdout.contains("previous hook is back"), "{ran:?}");
    assert_eq!(fs::read_to_string(hooks.join("pre-commit")).unwrap(), theirs);
    let mode = fs::metadata(hooks.join("pre-commit")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o750);
    assert!(!hooks.join("pre-commit.latchkey-chained").exists());
    commit(&sb, &dir, "d.env", &format!("API_TOKEN={secret}\n")).ok();
    let ran = sb.run(&["guard", "uninstall", "--repo", p], None).ok();
    assert!(ran.stdout.contains("not installed"), "{ran:?}");
    assert_eq!(fs::read_to_string(hooks.join("pre-commit")).unwrap(), theirs);
}

#[test]
fn core_hooks_path_and_worktrees_are_honoured_and_a_folder_that_is_no_repository_is_refused() {
    let sb = Sandbox::new();
    let secret = fake("guard-hookspath");
    sb.add("cvat", "ci", &secret, &[]);
    let dir = repo(&sb, "hookspath");
    git(&sb, &dir, &["config", "core.hooksPath", ".githooks"]).ok();
    // From a subfolder, without --repo.
    fs::create_dir_all(dir.join("sub")).unwrap();
    latchkey_in(&sb, &dir.join("sub"), &["guard", "install"]).ok();
    assert!(dir.join(".githooks/pre-commit").exists());
    assert!(!dir.join(".git/hooks/pre-commit").exists());
    let stopped = commit(&sb, &dir, "sub/x.sh", &format!("export T={secret}\n"));
    assert!(stopped.stderr.contains("sub/x.sh:1: stored CVAT token “ci”"), "{stopped:?}");

    // A linked worktree shares the repository's hooks: installed from it, it guards it.
    let linked = repo(&sb, "linked-main");
    let wt = sb.home().join("linked-wt");
    git(&sb, &linked, &["worktree", "add", "-q", "-b", "feature", wt.to_str().unwrap()]).ok();
    sb.run(&["guard", "install", "--repo", wt.to_str().unwrap()], None).ok();
    assert!(linked.join(".git/hooks/pre-commit").exists());
    let stopped = commit(&sb, &wt, "deploy.sh", &format!("curl -H 'token: {secret}'\n"));
    assert!(stopped.stderr.contains("deploy.sh:1: stored CVAT token “ci”"), "{stopped:?}");
    assert!(!stopped.all().contains(&secret));

    let elsewhere = sb.home().join("not-a-repo");
    fs::create_dir_all(&elsewhere).unwrap();
    let ran = sb.run(&["guard", "install", "--repo", elsewhere.to_str().unwrap()], None).code(2);
    assert!(ran.stderr.contains("not in a git repository"), "{ran:?}");
}
