//! The fake platform servers (`target/debug/fake-platforms`) as a child process, and a hook
//! that stands in for the user's browser.
//!
//! [`FakePlatforms::start`] runs the binary, reads the one JSON line it prints (base URLs and
//! seeded tokens) and talks to each fake's control API (`/__fake/…`) over plain HTTP on
//! 127.0.0.1: add tokens, read the request log, set a latency. Dropping it stops the process
//! (which also stops by itself when its stdin closes, so a killed test leaves nothing behind).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

/// The five platforms the fakes play, as the app names them.
pub const PLATFORMS: [&str; 5] = ["supervisely", "cvat", "roboflow", "encord", "env0"];

/// `LATCHKEY_FAKE_PLATFORMS`, else `target/debug/fake-platforms` (built by `make build`).
pub fn fake_platforms_binary() -> PathBuf {
    let bin = crate::built_binary("LATCHKEY_FAKE_PLATFORMS", "fake-platforms");
    if !bin.is_file() {
        panic!(
            "\n\nThe fake platform servers {} do not exist. Build them first:\n\n    make build\n\n\
             (or: cargo build -p latchkey-fake-platforms).\n",
            bin.display()
        );
    }
    bin
}

/// One request as a fake received it (from `GET /__fake/requests`).
#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl FakeRequest {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether `needle` appears anywhere in the request.
    pub fn contains(&self, needle: &str) -> bool {
        self.path.contains(needle)
            || self.query.as_deref().is_some_and(|q| q.contains(needle))
            || self.headers.iter().any(|(_, v)| v.contains(needle))
            || self.body.contains(needle)
    }
}

/// The `fake-platforms` process: all five fakes and the "elsewhere" host.
pub struct FakePlatforms {
    child: Child,
    _stdin: Option<ChildStdin>,
    /// The JSON line it printed: `{"supervisely": url, …, "elsewhere": url, "tokens": {…}}`.
    pub info: Value,
}

impl FakePlatforms {
    /// Start the fakes with no latency.
    pub fn start() -> FakePlatforms {
        Self::start_with(&[])
    }

    /// Start the fakes with extra arguments (`--latency-ms N`).
    pub fn start_with(args: &[&str]) -> FakePlatforms {
        let bin = fake_platforms_binary();
        let mut child = Command::new(&bin)
            .args(args)
            .arg("--until-stdin-closes")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", bin.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("{} printed nothing within 20 s", bin.display());
            }
        };
        let info: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("fake-platforms printed something that is not JSON ({e}): {line:?}"));
        let stdin = child.stdin.take();
        let fakes = FakePlatforms { child, _stdin: stdin, info };
        for p in PLATFORMS {
            let url = fakes.url(p);
            assert!(url.starts_with("http://127.0.0.1:"), "{p} fake is not on 127.0.0.1: {url}");
        }
        fakes
    }

    /// `http://127.0.0.1:PORT` of a platform's fake (or `elsewhere`).
    pub fn url(&self, platform: &str) -> String {
        self.info[platform].as_str().unwrap_or_else(|| panic!("no {platform} in {}", self.info)).to_string()
    }

    /// The seeded test tokens: `info["tokens"][platform]`.
    pub fn seeded(&self, platform: &str) -> &Value {
        &self.info["tokens"][platform]
    }

    /// Teach a fake a token (`FakeToken` as JSON: secret, key_id, behaviour, owner, …).
    pub fn add_token(&self, platform: &str, token: Value) {
        let (status, body) = http(&self.url(platform), "POST", "/__fake/tokens", Some(&token.to_string()));
        assert_eq!(status, 201, "{platform} fake refused the token {token}: {body}");
    }

    /// The user revoked the token with this secret on the platform's website: from now on
    /// the fake refuses it as the platform does (401, or 403 for Supervisely).
    pub fn revoke_on_website(&self, platform: &str, secret: &str) {
        self.set_behaviour(platform, secret, json!({"kind": "revoked"}));
    }

    /// From now on the fake answers requests with this secret as `behaviour` says
    /// (`{"kind": "server_error"}`, …: the fake's `Behaviour`).
    pub fn set_behaviour(&self, platform: &str, secret: &str, behaviour: Value) {
        let body = json!({"secret": secret, "behaviour": behaviour}).to_string();
        let (status, answer) = http(&self.url(platform), "POST", "/__fake/behaviour", Some(&body));
        assert_eq!(status, 200, "{platform} fake could not change the token: {answer}");
    }

    /// Every request the fake received, without the control API's own.
    pub fn requests(&self, platform: &str) -> Vec<FakeRequest> {
        let (status, body) = http(&self.url(platform), "GET", "/__fake/requests", None);
        assert_eq!(status, 200, "{platform} fake request log: {body}");
        let all: Vec<Value> = serde_json::from_str(&body).expect("request log is JSON");
        all.into_iter()
            .filter(|r| !r["path"].as_str().unwrap_or_default().starts_with("/__fake/"))
            .map(|r| FakeRequest {
                method: r["method"].as_str().unwrap_or_default().to_string(),
                path: r["path"].as_str().unwrap_or_default().to_string(),
                query: r["query"].as_str().map(str::to_string),
                headers: r["headers"]
                    .as_array()
                    .map(|hs| {
                        hs.iter()
                            .filter_map(|h| Some((h[0].as_str()?.to_string(), h[1].as_str()?.to_string())))
                            .collect()
                    })
                    .unwrap_or_default(),
                body: r["body"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    /// Make every answer of a platform's fake wait `ms` milliseconds.
    pub fn set_latency(&self, platform: &str, ms: u64) {
        let (status, body) =
            http(&self.url(platform), "POST", "/__fake/latency", Some(&json!({ "ms": ms }).to_string()));
        assert_eq!(status, 200, "{platform} latency: {body}");
    }

    /// Hold every request of `method` unanswered (`Some("DELETE")`), or release them (`None`).
    pub fn hold(&self, platform: &str, method: Option<&str>) {
        self.hold_matching(platform, method, None);
    }

    /// Hold only the requests of `method` whose path and query contain `matching` (the check
    /// of a key the fake made: `?api_key=FAKErfNew`); `None` releases them as
    /// [`FakePlatforms::hold`] does.
    pub fn hold_matching(&self, platform: &str, method: Option<&str>, matching: Option<&str>) {
        let body = json!({ "method": method, "matching": matching }).to_string();
        let (status, body) = http(&self.url(platform), "POST", "/__fake/hold", Some(&body));
        assert_eq!(status, 200, "{platform} hold: {body}");
    }

    /// `{"requests": n, "max_in_flight": n}` (the control API's own requests included).
    pub fn stats(&self, platform: &str) -> Value {
        let (_, body) = http(&self.url(platform), "GET", "/__fake/stats", None);
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }
}

impl Drop for FakePlatforms {
    fn drop(&mut self) {
        self._stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One plain HTTP/1.0 request to `base` (`http://127.0.0.1:PORT`): `(status, body)`.
pub fn http(base: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let addr = base.strip_prefix("http://").unwrap_or(base).trim_end_matches('/');
    assert!(addr.starts_with("127.0.0.1:"), "the tests only talk to 127.0.0.1, not {base}");
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = vec![];
    s.read_to_end(&mut answer).unwrap_or_else(|e| panic!("{method} {base}{path}: {e}"));
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// A fresh Ed25519 key made with `ssh-keygen` in `dir`: `(OpenSSH private key, public key hex)`.
/// The hex is the raw 32-byte public key, which is what Encord (and its fake) call the key id.
pub fn ed25519_key(dir: &Path, name: &str) -> (String, String) {
    use base64::Engine as _;
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "latchkey-e2e-fake-key", "-f"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run ssh-keygen (make deps installs openssh-client): {e}"));
    assert!(out.status.success(), "ssh-keygen failed: {}", String::from_utf8_lossy(&out.stderr));
    let pem = std::fs::read_to_string(&path).unwrap();
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    let b64 = public.split_whitespace().nth(1).expect("ssh-ed25519 <base64> <comment>");
    let blob = base64::engine::general_purpose::STANDARD.decode(b64).expect("public key base64");
    // string "ssh-ed25519" (4-byte length + 11 bytes), then string key (4-byte length + 32 bytes).
    assert_eq!(blob.len(), 4 + 11 + 4 + 32, "an Ed25519 public key blob");
    let hex: String = blob[19..].iter().map(|b| format!("{b:02x}")).collect();
    // The private key file is not needed any more; the text is in the test's hands.
    let _ = std::fs::remove_file(&path);
    (pem, hex)
}

/// A stand-in for the user's browser: a script for `$BROWSER` that appends every address it
/// is asked to open to a file, one per line.
pub struct BrowserHook {
    pub script: PathBuf,
    pub log: PathBuf,
}

impl BrowserHook {
    pub fn new(dir: &Path) -> BrowserHook {
        let script = dir.join("browser-hook.sh");
        let log = dir.join("browser-hook.log");
        std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display())).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        BrowserHook { script, log }
    }

    /// The addresses opened so far.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log).unwrap_or_default().lines().map(str::to_string).collect()
    }
}
