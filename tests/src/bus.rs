//! Session buses of our own, to start the app without some service: [`EmptyBus`] has nothing
//! on it (no keychain), [`KeyringBus`] has an unlocked gnome-keyring and nothing else (no
//! notification service).

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The names on the session bus (`address`, else the inherited one); empty if it cannot be asked.
pub fn bus_names(address: Option<&str>) -> Vec<String> {
    let mut cmd = Command::new("timeout");
    cmd.args([
        "5",
        "dbus-send",
        "--session",
        "--print-reply",
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.ListNames",
    ]);
    if let Some(a) = address {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", a);
    }
    let Ok(out) = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output() else { return vec![] };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("string \"")?.strip_suffix('"').map(str::to_string))
        .collect()
}

/// A session bus of our own with nothing on it (no Secret Service, no activation).
pub use latchkey_fake_platforms::bus::PrivateBus as EmptyBus;

/// A session bus of our own with an unlocked gnome-keyring (Secret Service) on it and nothing
/// else: no notification service, so an app on it cannot show desktop notifications, while
/// the keychain works as in the test session. The keyring daemon gets its own HOME, data and
/// runtime folders, so it never meets the session's keyring.
pub struct KeyringBus {
    keyring: Child,
    log: std::path::PathBuf,
    // Dropped after the keyring daemon: the bus goes last.
    bus: EmptyBus,
}

impl KeyringBus {
    pub fn start() -> KeyringBus {
        let bus = EmptyBus::start();
        let root = bus.dir().to_path_buf();
        let home = root.join("home");
        let run = root.join("run");
        fs::create_dir_all(home.join(".local/share")).unwrap();
        fs::create_dir_all(home.join(".config")).unwrap();
        fs::create_dir_all(&run).unwrap();
        fs::set_permissions(&run, fs::Permissions::from_mode(0o700)).unwrap();
        let log = root.join("gnome-keyring.log");
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_RUNTIME_DIR", &run)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("gnome-keyring-daemon");
        // --unlock reads the login keyring's password from stdin, up to EOF.
        {
            let mut stdin = keyring.stdin.take().unwrap();
            stdin.write_all(b"test").unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !bus_names(Some(&bus.address)).iter().any(|n| n == "org.freedesktop.secrets") {
            if let Ok(Some(status)) = keyring.try_wait() {
                panic!("gnome-keyring-daemon exited ({status}):\n{}", fs::read_to_string(&log).unwrap_or_default());
            }
            if Instant::now() > deadline {
                panic!(
                    "gnome-keyring did not appear on the private bus within 10 s:\n{}",
                    fs::read_to_string(&log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let names = bus_names(Some(&bus.address));
        assert!(
            !names.iter().any(|n| n == "org.freedesktop.Notifications"),
            "the private bus should have no notification service: {names:?}"
        );
        KeyringBus { keyring, log, bus }
    }

    pub fn address(&self) -> &str {
        &self.bus.address
    }

    /// `secret-tool lookup` against this bus's keyring.
    pub fn secret_lookup(&self, service: &str, account: &str) -> Option<String> {
        let out = Command::new("timeout")
            .args(["-k", "2", "10", "secret-tool", "lookup", "service", service, "username", account])
            .env("DBUS_SESSION_BUS_ADDRESS", self.address())
            .stdin(Stdio::null())
            .output()
            .expect("secret-tool");
        (out.status.success() && !out.stdout.is_empty()).then(|| String::from_utf8_lossy(&out.stdout).to_string())
    }

    /// What gnome-keyring said on stderr (for a failure message).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for KeyringBus {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
    }
}
