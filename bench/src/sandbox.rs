//! A private data folder and keychain service for the release `latchkey` binary, emptied again
//! on drop (bench-run, bench-leak's command-line rows). Needs a Secret Service: `make bench` runs
//! those benches inside scripts/test-session.sh.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Sandbox {
    data: PathBuf,
    service: String,
}

impl Sandbox {
    /// `what` names the bench in the folder and service names.
    pub fn new(what: &str) -> Sandbox {
        let name = format!("latchkey-bench-{what}-{}", std::process::id());
        let data = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&data).expect("temp folder");
        Sandbox { data, service: name }
    }

    /// Point `c` (a `latchkey`, or a `git` whose hook runs one) at this sandbox's data and keychain.
    pub fn apply(&self, c: &mut Command) {
        c.env("LATCHKEY_DATA_DIR", &self.data).env("LATCHKEY_KEYCHAIN_SERVICE", &self.service);
    }

    /// `latchkey ARGS` on this sandbox's data and keychain; stdout and stdin closed, stderr piped.
    pub fn latchkey(&self, bin: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(bin);
        self.apply(&mut c);
        c.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        c
    }

    /// `latchkey add PLATFORM --label LABEL EXTRA…` with the secret on stdin.
    pub fn add(&self, bin: &Path, platform: &str, label: &str, extra: &[&str], secret: &str) {
        let mut args = vec!["add", platform, "--label", label];
        args.extend_from_slice(extra);
        let mut c = self.latchkey(bin, &args);
        c.stdin(Stdio::piped());
        let mut child = c.spawn().expect("latchkey add starts");
        child.stdin.take().unwrap().write_all(secret.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "latchkey add failed: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // secret-tool deletes all matching items at once and gives up past dbus-daemon's 128
        // pending replies: a few rounds for a sandbox of 200 tokens.
        for _ in 0..5 {
            let done = Command::new("secret-tool")
                .args(["clear", "service", &self.service])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if done {
                break;
            }
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}
