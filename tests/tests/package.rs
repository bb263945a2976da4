//! The installed package, used as a user would. Ignored in the ordinary run: it needs the
//! `.deb` installed on this machine, which `scripts/test-package.sh` (`make test-package`)
//! does before it runs this with `LATCHKEY_APP=/usr/bin/latchkey-desktop`:
//!
//!   scripts/test-session.sh -- env LATCHKEY_APP=/usr/bin/latchkey-desktop \
//!     cargo test -p latchkey-e2e --test package -- --ignored --test-threads=1
//!
//! The command line found on PATH stores a token in the private keychain and lists it; the
//! installed app shows it; its start-at-login entry points at the installed binary.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use latchkey_e2e::*;

const APP: &str = "/usr/bin/latchkey-desktop";
const CLI: &str = "/usr/bin/latchkey";

/// The first `name` on PATH, as a shell would find it.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

#[tokio::test]
#[ignore = "needs the package installed: make test-package"]
async fn the_installed_cli_stores_a_token_the_installed_app_shows_and_start_at_login_points_at_usr_bin() {
    assert_eq!(app_binary(), Path::new(APP), "run with LATCHKEY_APP={APP} (scripts/test-package.sh does)");
    let cli = on_path("latchkey").expect("`latchkey` is on PATH once the package is installed");
    assert_eq!(cli, Path::new(CLI), "the `latchkey` on PATH is the installed one");

    let mut app = App::new("package");
    // A HOME of the test's own: start at login writes $HOME/.config/autostart/Latchkey.desktop.
    let home = app.root().join("home");
    fs::create_dir_all(&home).unwrap();
    app.set_env("HOME", &home.to_string_lossy());

    // The command line, from PATH, into the app's data folder and keychain service.
    let label = "E2E installed package";
    let secret = fake_secret("package-cvat");
    let latchkey = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new("latchkey")
            .args(args)
            .env("LATCHKEY_DATA_DIR", app.data_dir())
            .env("LATCHKEY_KEYCHAIN_SERVICE", app.service())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run latchkey from PATH");
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "latchkey {args:?}: {}\n{stdout}{stderr}", out.status);
        assert!(!stdout.contains(&secret) && !stderr.contains(&secret), "the secret was printed: {stdout}{stderr}");
        stdout.into_owned()
    };
    latchkey(&["add", "cvat", "--label", label, "--expires", "30d"], Some(&secret));
    let listed: serde_json::Value = serde_json::from_str(&latchkey(&["list", "--json"], None)).expect("list --json");
    let rows = listed.as_array().expect("a JSON array");
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(rows[0]["label"], label);
    assert_eq!(rows[0]["platform"], "cvat");
    let id = rows[0]["id"].as_str().expect("an id").to_string();
    assert_eq!(secret_tool_lookup(app.service(), &id).as_deref(), Some(secret.as_str()), "the keychain holds it");
    assert!(!app.index_text().contains(&secret), "the index holds no secret");

    // The installed app shows it.
    app.launch().await;
    let pid = *app.app_pids().first().expect("the app is running");
    assert_eq!(fs::read_link(format!("/proc/{pid}/exe")).unwrap(), Path::new(APP));
    let row = app.wait_row(label).await;
    assert_eq!(row.id, id);
    assert_eq!(row.state, "active", "{row:?}");
    assert!(row.countdown.starts_with("expires in"), "{row:?}");
    assert!(row.hint.contains(&secret[secret.len() - 4..]), "{row:?}");

    // Start at login: the entry starts the installed binary, in the background.
    app.open_settings().await;
    app.set_checked("settings-start-at-login", true).await;
    app.save_settings().await;
    let entry = home.join(".config/autostart/Latchkey.desktop");
    let text = fs::read_to_string(&entry).unwrap_or_else(|e| panic!("no {} ({e})", entry.display()));
    let exec = text.lines().find_map(|l| l.strip_prefix("Exec=")).unwrap_or_else(|| panic!("no Exec= in:\n{text}"));
    assert_eq!(exec.trim(), format!("{APP} --background"), "{text}");
    app.open_settings().await;
    app.set_checked("settings-start-at-login", false).await;
    app.save_settings().await;
    assert!(!entry.exists(), "turning it off removes the entry");

    assert!(app.leaks(&[&secret]).is_empty(), "{:?}", app.leaks(&[&secret]));
    app.finish().await;
}
