//! End-to-end harness: the real Latchkey window, driven over WebDriver through `tauri-driver`.
//!
//! Each test gets an [`App`]: a fresh data folder, its own keychain service name
//! (`latchkey-e2e-<uuid>`), its own XDG folders for the webview, and its own `tauri-driver`
//! on free ports, whose environment the app inherits. The harness builds nothing: it drives
//! `target/debug/latchkey-desktop` as `make build` leaves it.
//!
//! Run through `make test` (or `scripts/test-session.sh`): that provides the Xvfb display,
//! the private session bus with an unlocked gnome-keyring, and `tauri-driver` on PATH.
//! Tests run one at a time (they share the X clipboard); a process-wide lock enforces it.
//!
//! Helpers panic with a message on failure. When a test panics, dropping its [`App`] saves a
//! screenshot of the whole screen and the driver and app logs under `tests/output/`.
//!
//! Modules by job: [`app`] starts and stops one test's app, [`ui`] reads and drives the
//! window, [`form`] fills the token form, [`settings`] the settings dialog, [`system`] asks
//! the keychain, clipboard and file system, [`dunst`] reads and clicks desktop
//! notifications, [`desktop`] sees the X11 window, closes it as a window manager would and
//! launches the binary a second time, [`bus`] makes session buses without the keychain or
//! without a notification service, [`fakes`] runs the fake platform servers and stands in for
//! the browser, [`team`] connects team vaults and plays a second team member.

pub mod app;
pub mod bus;
pub mod desktop;
pub mod dunst;
pub mod fakes;
pub mod form;
pub mod hygiene;
pub mod settings;
pub mod system;
pub mod team;
pub mod tray;
pub mod ui;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDate, TimeZone};

pub use app::App;
pub use bus::{EmptyBus, KeyringBus};
pub use desktop::{SecondLaunch, XWindow};
pub use dunst::{Dunst, Notification};
pub use fakes::{ed25519_key, BrowserHook, FakePlatforms, FakeRequest};
pub use form::TokenInput;
pub use system::*;
pub use ui::{row_by_id, row_by_label, tid, Row};

/// How long a helper waits for the UI before it gives up.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// Seconds after which the app clears the clipboard in tests (`LATCHKEY_CLIPBOARD_CLEAR_SECS`).
pub const CLIPBOARD_CLEAR_SECS: u64 = 4;
/// The index file in the data folder.
pub const INDEX_FILE: &str = "latchkey.json";
/// The app's log in the data folder.
pub const LOG_FILE: &str = "latchkey.log";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Where screenshots and failure logs go: `tests/output/`.
pub fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("output");
    fs::create_dir_all(&dir).expect("create tests/output");
    dir
}

/// The binary `env_var` names when set, else `name` in the workspace's `target/debug`
/// (honouring `CARGO_TARGET_DIR`). Whether it exists is the caller's to check.
pub fn built_binary(env_var: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { workspace_root().join(p) })
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug").join(name)
}

/// The app under test: `LATCHKEY_APP`, else `target/debug/latchkey-desktop`.
pub fn app_binary() -> PathBuf {
    let bin = built_binary("LATCHKEY_APP", "latchkey-desktop");
    if !bin.is_file() {
        panic!(
            "\n\nThe app binary {} does not exist.\n\
             The end-to-end tests drive the built app with its UI embedded; build it first:\n\n    make build\n\n\
             (or run everything with `make test`).\n",
            bin.display()
        );
    }
    bin
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// `TAURI_DRIVER`, else `tauri-driver` on PATH, else in `$CARGO_HOME/bin` or `~/.cargo/bin`.
pub fn tauri_driver_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(p) = which("tauri-driver") {
        return p;
    }
    let mut candidates = vec![];
    if let Some(c) = std::env::var_os("CARGO_HOME") {
        candidates.push(PathBuf::from(c).join("bin/tauri-driver"));
    }
    if let Some(h) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(h).join(".cargo/bin/tauri-driver"));
    }
    candidates.into_iter().find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("\n\ntauri-driver was not found. `make test` installs it (cargo install tauri-driver --version ^2 --locked).\n")
    })
}

/// Refuse to run outside the private session of `scripts/test-session.sh`: these tests open
/// windows, use the clipboard and write to the keychain, and must never do that on a
/// developer's own desktop. `LATCHKEY_E2E_ANYWHERE=1` overrides (at your own risk).
pub fn require_test_session() {
    if std::env::var_os("LATCHKEY_TEST_SESSION").is_some() || std::env::var_os("LATCHKEY_E2E_ANYWHERE").is_some() {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            panic!("\n\nDISPLAY is not set; the end-to-end tests need an X display (make test starts Xvfb).\n");
        }
        return;
    }
    panic!(
        "\n\nThe end-to-end tests run only inside the private test session, so they never touch your own\n\
         display, clipboard or keychain. Run them with:\n\n    make test\n\n\
         or: scripts/test-session.sh -- cargo test -p latchkey-e2e -- --test-threads=1\n"
    );
}

/// A TCP port on 127.0.0.1 that was free a moment ago (below the ephemeral range, so an
/// outgoing connection cannot take it before the driver or WebKit binds it).
pub fn free_port() -> u16 {
    latchkey_fake_platforms::free_port_span(1)
}

/// `n` lower-case hex characters, fresh each time (fake secrets of a platform's exact shape).
pub fn hex(n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(n);
    s
}

/// A unique, obviously fake secret: `FAKE-e2e-<what>-<8 hex>`.
pub fn fake_secret(what: &str) -> String {
    format!("FAKE-e2e-{what}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// The instant the UI takes a date-only expiry to mean: the end of that local day.
pub fn end_of_local_day(date: NaiveDate) -> DateTime<Local> {
    let next = date.succ_opt().expect("date in range").and_hms_opt(0, 0, 0).unwrap();
    Local.from_local_datetime(&next).earliest().expect("local midnight exists") - chrono::Duration::milliseconds(1)
}

/// Today's local date plus `days`.
pub fn local_date_in(days: i64) -> NaiveDate {
    Local::now().date_naive() + chrono::Duration::days(days)
}
