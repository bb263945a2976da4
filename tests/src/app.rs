//! One test's app: folders, keychain service, tauri-driver, WebDriver session, cleanup.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

use crate::bus::bus_names;
use crate::fakes::BrowserHook;
use crate::system::{grep_tree, pids_with_env, screenshot_root, tail};
use crate::{
    app_binary, free_port, output_dir, require_test_session, tauri_driver_binary, CLIPBOARD_CLEAR_SECS, INDEX_FILE,
    LOG_FILE, TIMEOUT,
};

static SERIAL: Mutex<()> = Mutex::new(());

/// How long starting the app (a new WebDriver session) may take.
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);

/// The D-Bus name the single-instance plugin owns: `<identifier>.SingleInstance` (with a
/// version suffix in some builds), the identifier read from `src-tauri/tauri.conf.json`.
fn single_instance_name() -> String {
    let conf = fs::read_to_string(crate::workspace_root().join("src-tauri/tauri.conf.json")).unwrap_or_default();
    let id = serde_json::from_str::<Value>(&conf)
        .ok()
        .and_then(|v| v["identifier"].as_str().map(str::to_string))
        .unwrap_or_else(|| "dev.latchkey.desktop".into());
    format!("{id}.SingleInstance")
}

struct Driver {
    child: Child,
    port: u16,
}

/// One test's app: its folders, keychain service, tauri-driver and WebDriver session.
pub struct App {
    name: String,
    root: Option<tempfile::TempDir>,
    data_dir: PathBuf,
    service: String,
    marker: String,
    driver_log: PathBuf,
    env: Vec<(String, String)>,
    unset: Vec<String>,
    driver: Option<Driver>,
    client: Option<Client>,
    /// The WebDriver session id, for a last screenshot when a test fails.
    session: Option<String>,
    app_path: PathBuf,
    _serial: MutexGuard<'static, ()>,
}

impl App {
    /// Prepare folders and names; nothing runs until [`App::launch`].
    pub fn new(name: &str) -> App {
        let serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        require_test_session();
        let app_path = app_binary();
        let root = tempfile::Builder::new().prefix(&format!("latchkey-e2e-{name}-")).tempdir().expect("temp dir");
        let data_dir = root.path().join("data");
        fs::create_dir_all(&data_dir).unwrap();
        for d in ["xdg-data", "xdg-config", "xdg-cache", "logs"] {
            fs::create_dir_all(root.path().join(d)).unwrap();
        }
        let id = uuid::Uuid::new_v4();
        App {
            name: name.to_string(),
            driver_log: root.path().join("logs/tauri-driver.log"),
            data_dir,
            service: format!("latchkey-e2e-{id}"),
            marker: id.to_string(),
            root: Some(root),
            env: vec![],
            unset: vec![],
            driver: None,
            client: None,
            session: None,
            app_path,
            _serial: serial,
        }
    }

    /// New app, launched, with its first screen loaded.
    pub async fn start(name: &str) -> App {
        let mut app = App::new(name);
        app.launch().await;
        app
    }

    /// Extra environment for tauri-driver and so the app (before [`App::launch`]).
    pub fn set_env(&mut self, key: &str, value: &str) {
        assert!(self.driver.is_none(), "set_env after launch has no effect");
        self.unset.retain(|k| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// Remove a variable from the environment of tauri-driver and so the app (before
    /// [`App::launch`]), including the ones the harness sets (`LATCHKEY_CLIPBOARD_CLEAR_SECS`).
    pub fn unset_env(&mut self, key: &str) {
        assert!(self.driver.is_none(), "unset_env after launch has no effect");
        self.env.retain(|(k, _)| k != key);
        self.unset.push(key.into());
    }

    /// Make the app's "open in browser" land in a [`BrowserHook`] in the test's temp dir:
    /// `BROWSER` points at the hook and no desktop environment is announced, so xdg-open
    /// (which the app's opener runs) falls back to `$BROWSER`.
    pub fn use_browser_hook(&mut self) -> BrowserHook {
        let hook = BrowserHook::new(self.root());
        self.set_env("BROWSER", &hook.script.to_string_lossy());
        for k in ["XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID"] {
            self.unset_env(k);
        }
        hook
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    pub fn service(&self) -> &str {
        &self.service
    }
    /// The temp root: data dir, the webview's XDG folders, the driver log.
    pub fn root(&self) -> &Path {
        self.root.as_ref().expect("root").path()
    }
    pub fn driver_log(&self) -> &Path {
        &self.driver_log
    }
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the app is not running; call launch()")
    }

    fn spawn_driver(&mut self) {
        let port = free_port();
        let mut native_port = free_port();
        while native_port == port {
            native_port = free_port();
        }
        let log = OpenOptions::new().create(true).append(true).open(&self.driver_log).expect("driver log");
        let root = self.root().to_path_buf();
        let mut cmd = Command::new(tauri_driver_binary());
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .env("LATCHKEY_DATA_DIR", &self.data_dir)
            .env("LATCHKEY_KEYCHAIN_SERVICE", &self.service)
            .env("LATCHKEY_CLIPBOARD_CLEAR_SECS", CLIPBOARD_CLEAR_SECS.to_string())
            .env("LATCHKEY_E2E_RUN", &self.marker)
            .env("XDG_DATA_HOME", root.join("xdg-data"))
            .env("XDG_CONFIG_HOME", root.join("xdg-config"))
            .env("XDG_CACHE_HOME", root.join("xdg-cache"))
            .env("NO_AT_BRIDGE", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Own process group: tauri-driver, WebKitWebDriver and the app go down together.
            .process_group(0);
        for k in &self.unset {
            cmd.env_remove(k);
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("could not start tauri-driver: {e}"));
        let driver = Driver { child, port };
        self.driver = Some(driver);
        // Wait until the driver and the native driver behind it answer.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.driver.as_mut().unwrap().child.try_wait().unwrap() {
                panic!("tauri-driver exited early ({status}); log:\n{}", tail(&self.driver_log, 40));
            }
            if http_status_ok(port) {
                break;
            }
            if Instant::now() > deadline {
                panic!("tauri-driver did not answer on port {port} within 20 s; log:\n{}", tail(&self.driver_log, 40));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Start the app (a new WebDriver session) and wait for its first screen.
    pub async fn launch(&mut self) {
        assert!(self.client.is_none(), "already running");
        if self.driver.is_none() {
            self.spawn_driver();
        }
        self.wait_single_instance_free().await;
        let port = self.driver.as_ref().unwrap().port;
        let mut caps = Capabilities::new();
        caps.insert("tauri:options".into(), json!({ "application": self.app_path }));
        let mut last_err = String::new();
        for _attempt in 0..2 {
            // A new session waits for the app to connect; an app that exits at start (a
            // panic, or handing over to another instance) would leave it waiting for ever.
            let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(caps.clone());
            let url = format!("http://127.0.0.1:{port}");
            match tokio::time::timeout(SESSION_TIMEOUT, builder.connect(&url)).await {
                Ok(Ok(c)) => {
                    self.session = c.session_id().await.ok().flatten();
                    self.client = Some(c);
                    break;
                }
                Ok(Err(e)) => {
                    last_err = e.to_string();
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(_) => {
                    panic!(
                        "[{}] the app did not open a WebDriver session within {SESSION_TIMEOUT:?} (did it exit at start?); \
                         driver and app output:\n{}",
                        self.name,
                        tail(&self.driver_log, 40)
                    );
                }
            }
        }
        if self.client.is_none() {
            panic!("could not start a WebDriver session: {last_err}\ndriver log:\n{}", tail(&self.driver_log, 40));
        }
        // Loaded once the list shows rows or says it is empty.
        self.wait_until("the window to show the token list", TIMEOUT, async || {
            let ready = self
                .exec(
                    r#"return !!document.querySelector('[data-testid="add-button"]')
                        && !!document.querySelector('[data-testid="token-row"], [data-testid="empty-state"]');"#,
                    vec![],
                )
                .await;
            (ready == json!(true)).then_some(())
        })
        .await;
    }

    /// The app is single-instance: a second start hands over to a running instance through
    /// its name on the session bus and exits (or fails, if that instance is dying). Wait until
    /// the last app — of this test or the one before — has left the bus.
    async fn wait_single_instance_free(&self) {
        let bus = self.env.iter().rev().find(|(k, _)| k == "DBUS_SESSION_BUS_ADDRESS").map(|(_, v)| v.clone());
        let name = single_instance_name();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let owners = bus_names(bus.as_deref()).into_iter().filter(|n| n.starts_with(&name)).collect::<Vec<_>>();
            if owners.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "[{}] another Latchkey still holds {owners:?} on the session bus after 15 s; a new app would hand over to it",
                    self.name
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// End the session (the app closes) and wait for the app process to exit.
    pub async fn quit(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = c.close().await;
        }
        self.session = None;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.app_pids().is_empty() {
            if Instant::now() > deadline {
                // It did not close by itself; make sure it is gone before anything else.
                for pid in self.app_pids() {
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                std::thread::sleep(Duration::from_millis(200));
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `kill -9` the app (no chance to tidy up), end its WebDriver session and wait until it is
    /// gone; `launch` then starts it again on the same data folder and keychain service.
    pub async fn kill(&mut self) {
        let pids = self.app_pids();
        assert!(!pids.is_empty(), "[{}] no app to kill", self.name);
        for pid in pids {
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        if let Some(c) = self.client.take() {
            // The session's app is gone: the driver answers at once or not at all.
            let _ = tokio::time::timeout(Duration::from_secs(5), c.close()).await;
        }
        self.session = None;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.app_pids().is_empty() {
            assert!(Instant::now() < deadline, "[{}] the killed app is still there after 10 s", self.name);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Close the app and start it again with the same data folder and keychain service.
    pub async fn restart(&mut self) {
        self.quit().await;
        self.launch().await;
    }

    /// End the session cleanly, then stop the driver (dropping does the same, less gently).
    pub async fn finish(mut self) {
        self.quit().await;
    }

    /// Processes started for this test (they carry `LATCHKEY_E2E_RUN` in their environment).
    pub fn pids(&self) -> Vec<i32> {
        pids_with_env("LATCHKEY_E2E_RUN", &self.marker)
    }

    /// The app processes among them.
    pub fn app_pids(&self) -> Vec<i32> {
        let name = self.app_path.file_name().unwrap().to_string_lossy().to_string();
        self.pids()
            .into_iter()
            .filter(|pid| {
                fs::read_link(format!("/proc/{pid}/exe"))
                    .map(|p| p.file_name().map(|f| f.to_string_lossy().starts_with(&name)).unwrap_or(false))
                    .unwrap_or(false)
            })
            .collect()
    }

    // ---- the data folder ---------------------------------------------------------------

    /// The index file as text ("" when it does not exist).
    pub fn index_text(&self) -> String {
        fs::read_to_string(self.data_dir.join(INDEX_FILE)).unwrap_or_default()
    }

    /// The index file as JSON.
    pub fn index_json(&self) -> Value {
        let text = self.index_text();
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("[{}] {INDEX_FILE} is not JSON ({e}):\n{text}", self.name))
    }

    /// The index record with this id.
    pub fn index_record(&self, id: &str) -> Option<Value> {
        self.index_json()["records"].as_array()?.iter().find(|r| r["id"] == id).cloned()
    }

    /// Every place where one of `needles` occurs in the data folder, the webview's folders
    /// and the driver/app output: `(file, needle)`.
    pub fn leaks(&self, needles: &[&str]) -> Vec<(PathBuf, String)> {
        grep_tree(self.root(), needles)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let out = output_dir();
            if let (Some(d), Some(session)) = (&self.driver, &self.session) {
                let page = output_dir().join(format!("{}-failure-page.png", self.name));
                if let Err(e) = webdriver_screenshot_blocking(d.port, session, &page) {
                    eprintln!("[{}] page screenshot failed: {e}", self.name);
                }
            }
            let shot = screenshot_root(&format!("{}-failure", self.name));
            let _ = fs::copy(&self.driver_log, out.join(format!("{}-tauri-driver.log", self.name)));
            let _ = fs::copy(self.data_dir.join(LOG_FILE), out.join(format!("{}-latchkey.log", self.name)));
            eprintln!(
                "\n[{}] failed: screenshots {} and -page.png; logs in {}\n--- last lines of tauri-driver/app output ---\n{}",
                self.name,
                shot.display(),
                out.display(),
                tail(&self.driver_log, 30)
            );
            if std::env::var_os("LATCHKEY_E2E_KEEP").is_some() {
                if let Some(root) = self.root.take() {
                    eprintln!("[{}] kept {}", self.name, root.keep().display());
                }
            }
        }
        self.client.take();
        if let Some(mut d) = self.driver.take() {
            let pgid = d.child.id() as i32;
            unsafe { libc::kill(-pgid, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !self.pids().is_empty() {
                std::thread::sleep(Duration::from_millis(50));
            }
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            let _ = d.child.kill();
            let _ = d.child.wait();
        }
        // Anything that left the process group (WebKit helpers) still carries our marker.
        for _ in 0..50 {
            let left = self.pids();
            if left.is_empty() {
                break;
            }
            for pid in left {
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Whether `GET /status` on 127.0.0.1:`port` answers 200 (tauri-driver proxies it).
fn http_status_ok(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), Duration::from_millis(300)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").as_bytes())
        .is_err()
    {
        return false;
    }
    // Read the whole answer: closing early makes tauri-driver log a connection reset.
    let mut answer = vec![];
    let _ = s.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}

/// One WebDriver command with plain blocking I/O (usable in `Drop`, outside async).
fn webdriver_blocking(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(15))).map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    // HTTP/1.0: the answer comes whole, not chunked, and the connection closes after it.
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut response = vec![];
    s.read_to_end(&mut response).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).ok_or("no HTTP body")?;
    serde_json::from_str(body).map_err(|e| format!("{e}: {}", &body[..body.len().min(200)]))
}

/// Wait for a paint, then save the page as WebDriver renders it (for a failed test).
fn webdriver_screenshot_blocking(port: u16, session: &str, path: &Path) -> Result<(), String> {
    use base64::Engine as _;
    let painted = json!({ "script": crate::ui::PAINTED_JS, "args": [] });
    let _ = webdriver_blocking(port, "POST", &format!("/session/{session}/execute/async"), Some(&painted));
    let json = webdriver_blocking(port, "GET", &format!("/session/{session}/screenshot"), None)?;
    let b64 = json["value"].as_str().ok_or_else(|| format!("no screenshot in {json}"))?;
    let png = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|e| e.to_string())?;
    fs::write(path, png).map_err(|e| e.to_string())
}
