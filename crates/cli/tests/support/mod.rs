//! Running the real `latchkey` binary against the real keychain, in a sandbox of its own: a
//! temp data folder (`LATCHKEY_DATA_DIR`), a temp HOME, a keychain service no one else uses
//! (`LATCHKEY_KEYCHAIN_SERVICE`, emptied again on drop) and a clean environment.
//!
//! These need the private session of `make test` (scripts/test-session.sh): an unlocked
//! gnome-keyring on the session bus, `secret-tool`, and an Xvfb display for `copy`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use std::io::Write;

pub const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

/// Never write to a developer's own keychain: only inside the test session.
pub fn require_test_session() {
    if std::env::var_os("LATCHKEY_TEST_SESSION").is_none() && std::env::var_os("LATCHKEY_TEST_REAL_KEYCHAIN").is_none()
    {
        panic!(
            "\n\nThe command-line tests use the Secret Service of the private session that `make test`\n\
             starts. Run them with:\n\n    scripts/test-session.sh -- cargo test -p latchkey-cli\n"
        );
    }
}

/// A fake secret, obviously so, unique per call.
pub fn fake(what: &str) -> String {
    format!("FAKE-{what}-{}", &uuid::Uuid::new_v4().simple().to_string()[..16])
}

pub struct Sandbox {
    pub data: tempfile::TempDir,
    pub home: tempfile::TempDir,
    pub service: String,
    /// Extra variables for every command (on top of the clean environment).
    pub env: Vec<(String, String)>,
}

/// What a finished command left.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn ok(self) -> Ran {
        assert_eq!(self.code, 0, "expected success:\n{self:?}");
        self
    }
    pub fn code(self, code: i32) -> Ran {
        assert_eq!(self.code, code, "expected exit {code}:\n{self:?}");
        self
    }
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

impl From<Output> for Ran {
    fn from(o: Output) -> Ran {
        Ran {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        require_test_session();
        Sandbox {
            data: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            service: format!("latchkey-cli-test-{}", uuid::Uuid::new_v4()),
            env: vec![],
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    pub fn home(&self) -> PathBuf {
        self.home.path().to_path_buf()
    }

    /// `latchkey ARGS` with a clean environment: only what a session needs, plus the sandbox.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.program(BIN, args)
    }

    /// Any program, in the same clean environment as [`Sandbox::cmd`].
    pub fn program(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args).env_clear();
        for var in [
            "PATH",
            "DBUS_SESSION_BUS_ADDRESS",
            "DISPLAY",
            "XDG_RUNTIME_DIR",
            "LATCHKEY_TEST_SESSION",
            "TMPDIR",
            "LANG",
        ] {
            if let Some(v) = std::env::var_os(var) {
                c.env(var, v);
            }
        }
        c.env("HOME", self.home.path())
            .env("LATCHKEY_DATA_DIR", self.data.path())
            .env("LATCHKEY_KEYCHAIN_SERVICE", &self.service)
            .env("LATCHKEY_KEYCHAIN_TIMEOUT_SECS", "10");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.stdin(Stdio::null());
        c
    }

    /// Run `latchkey ARGS`, `stdin` piped in (or /dev/null), and wait.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Ran {
        let mut c = self.cmd(args);
        run_with_stdin(&mut c, stdin)
    }

    /// `latchkey add PLATFORM --label LABEL EXTRA…` with `secret` on stdin; the new id.
    pub fn add(&self, platform: &str, label: &str, secret: &str, extra: &[&str]) -> String {
        let mut args = vec!["add", platform, "--label", label, "--json"];
        args.extend_from_slice(extra);
        let ran = self.run(&args, Some(secret)).ok();
        ran.json()["id"].as_str().expect("an id").to_string()
    }

    /// `list --json` as values.
    pub fn list(&self) -> Vec<serde_json::Value> {
        self.run(&["list", "--json"], None).ok().json().as_array().unwrap().clone()
    }

    /// What the keychain holds for `id` in this sandbox's service, through `secret-tool`.
    pub fn keychain(&self, id: &str) -> Option<String> {
        secret_tool_lookup(&self.service, id)
    }

    /// The index file as text (to prove no secret is in it).
    pub fn index_text(&self) -> String {
        std::fs::read_to_string(self.data.path().join("latchkey.json")).unwrap_or_default()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = Command::new("secret-tool")
            .args(["clear", "service", &self.service])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

pub fn run_with_stdin(c: &mut Command, stdin: Option<&str>) -> Ran {
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    let mut child = c.spawn().expect("latchkey starts");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // A usage error exits before reading stdin: a closed pipe is then expected.
        if let Err(e) = pipe.write_all(text.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing to latchkey's stdin: {e}");
        }
    }
    child.wait_with_output().unwrap().into()
}

/// What the X clipboard holds now (the test session's Xvfb display).
pub fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("xclip runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn secret_tool_lookup(service: &str, account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .stdin(Stdio::null())
        .output()
        .expect("secret-tool (package libsecret-tools) runs");
    (out.status.success() && !out.stdout.is_empty()).then(|| String::from_utf8(out.stdout).unwrap())
}

/// The record with `label` in `list --json`.
pub fn by_label<'a>(list: &'a [serde_json::Value], label: &str) -> &'a serde_json::Value {
    list.iter().find(|r| r["label"] == label).unwrap_or_else(|| panic!("no {label} in {list:#?}"))
}
