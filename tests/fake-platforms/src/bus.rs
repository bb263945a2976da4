//! A private session bus (`dbus-daemon`) for tests that need a bus without the test
//! session's services: no Secret Service (keychain unavailable), or only a fake one.
//! Used by core's, the CLI's and the end-to-end tests.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A private session bus (`dbus-daemon`) with nothing on it and no service activation.
pub struct PrivateBus {
    child: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl PrivateBus {
    pub fn start() -> PrivateBus {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>unix:dir={}</listen><auth>EXTERNAL</auth>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // As root it warns that it cannot raise its fd limit; nothing else to say here.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon runs");
        let mut stdout = child.stdout.take().unwrap();
        let mut address = String::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            address.push(byte[0] as char);
        }
        assert!(address.starts_with("unix:"), "dbus-daemon printed {address:?}");
        PrivateBus { child, address, _dir: dir }
    }

    /// The folder of this bus's socket (a temp dir, removed with the bus).
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
