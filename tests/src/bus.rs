//! A session bus with nothing on it, to start the app without a keychain.

use std::fs;
use std::io::Read;
use std::process::{Child, Command, Stdio};

/// A session bus of our own with nothing on it (no Secret Service, no activation).
pub struct EmptyBus {
    child: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl EmptyBus {
    pub fn start() -> EmptyBus {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("bus.conf");
        fs::write(
            &conf,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
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
            .expect("dbus-daemon");
        let mut stdout = child.stdout.take().unwrap();
        let mut address = String::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            address.push(byte[0] as char);
        }
        assert!(address.starts_with("unix:"), "dbus-daemon printed no address: {address:?}");
        EmptyBus { child, address, _dir: dir }
    }
}

impl Drop for EmptyBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
