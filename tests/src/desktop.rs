//! The desktop around the window: its X11 window (mapped or not, closed as a window manager
//! closes it) and launching the app binary a second time, as a user or the login session does.
//!
//! There is no window manager under Xvfb: the app's toplevel windows are children of the root
//! window, and "closing" one is what a window manager does when its close button is pressed —
//! a `WM_DELETE_WINDOW` client message, which GTK turns into a close request (Tauri's
//! `CloseRequested`).

use std::fs::{self, File};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, MapState, Window};
use x11rb::rust_connection::RustConnection;

use crate::system::tail;
use crate::App;

/// The window title the app's main window has.
pub const WINDOW_TITLE: &str = "Latchkey";

/// One toplevel X11 window of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XWindow {
    pub id: u32,
    pub title: String,
    /// Mapped and viewable: on screen (as far as X knows; there is no window manager).
    pub viewable: bool,
}

fn connect() -> (RustConnection, Window) {
    let (conn, screen) = x11rb::connect(None).unwrap_or_else(|e| panic!("cannot connect to the X display: {e}"));
    let root = conn.setup().roots[screen].root;
    (conn, root)
}

fn atom(conn: &RustConnection, name: &str) -> u32 {
    conn.intern_atom(false, name.as_bytes()).expect("intern_atom").reply().expect("intern_atom reply").atom
}

/// The toplevel windows (children of the root window) whose `_NET_WM_PID` is `pid`.
pub fn x_windows_of(pid: i32) -> Vec<XWindow> {
    let (conn, root) = connect();
    let net_wm_pid = atom(&conn, "_NET_WM_PID");
    let net_wm_name = atom(&conn, "_NET_WM_NAME");
    let utf8 = atom(&conn, "UTF8_STRING");
    let Ok(tree) = conn.query_tree(root).map_err(|e| e.to_string()).and_then(|c| c.reply().map_err(|e| e.to_string()))
    else {
        return vec![];
    };
    let mut out = vec![];
    for w in tree.children {
        // A window may go away while we look at it: skip it.
        let Some(owner) = conn
            .get_property(false, w, net_wm_pid, AtomEnum::CARDINAL, 0, 1)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().and_then(|mut v| v.next()))
        else {
            continue;
        };
        if owner as i32 != pid {
            continue;
        }
        let title = conn
            .get_property(false, w, net_wm_name, utf8, 0, 1024)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| String::from_utf8_lossy(&r.value).to_string())
            .unwrap_or_default();
        let viewable = conn
            .get_window_attributes(w)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|a| a.map_state == MapState::VIEWABLE)
            .unwrap_or(false);
        out.push(XWindow { id: w, title, viewable });
    }
    out
}

/// Ask the window to close as a window manager's close button does (`WM_DELETE_WINDOW`).
pub fn x_close_window(id: u32) {
    let (conn, _) = connect();
    let protocols = atom(&conn, "WM_PROTOCOLS");
    let delete = atom(&conn, "WM_DELETE_WINDOW");
    let event = ClientMessageEvent::new(32, id, protocols, [delete, x11rb::CURRENT_TIME, 0, 0, 0]);
    conn.send_event(false, id, EventMask::NO_EVENT, event).expect("send_event");
    conn.flush().expect("flush the X connection");
}

/// How a second launch of the binary went.
#[derive(Debug)]
pub struct SecondLaunch {
    /// `None`: still running after the time limit (it was then killed).
    pub status: Option<ExitStatus>,
    pub took: Duration,
    /// What it printed (stdout and stderr).
    pub output: String,
}

impl App {
    /// The one running app process (panics when there is none or more than one).
    pub fn app_pid(&self) -> i32 {
        let pids = self.app_pids();
        assert_eq!(pids.len(), 1, "[{}] expected one app process, found {pids:?}", self.name());
        pids[0]
    }

    /// The app's main window on the X display, if it has one.
    pub fn main_x_window(&self) -> Option<XWindow> {
        let pid = *self.app_pids().first()?;
        x_windows_of(pid).into_iter().find(|w| w.title == WINDOW_TITLE)
    }

    /// Wait until the main window is (or is not) viewable on the X display; returns it.
    pub async fn wait_x_window_viewable(&self, viewable: bool, timeout: Duration) -> XWindow {
        let deadline = Instant::now() + timeout;
        loop {
            let w = self.main_x_window();
            if let Some(w) = w.clone().filter(|w| w.viewable == viewable) {
                return w;
            }
            if Instant::now() > deadline {
                panic!(
                    "[{}] the main window did not become {} within {timeout:?}; last seen: {w:?}",
                    self.name(),
                    if viewable { "viewable" } else { "hidden" }
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Close the main window as a user does with the window manager's close button, and wait
    /// until the app has logged the close request. Under Xvfb without a window manager a
    /// `WM_DELETE_WINDOW` sent while GTK is still busy has been seen to go unanswered (rarely,
    /// on a loaded machine); like a user clicking close again, it is sent again then (at most
    /// three times). What the app does with the request is up to the test to check.
    pub async fn close_main_window(&self) {
        let w = self.wait_x_window_viewable(true, Duration::from_secs(10)).await;
        let log_path = self.data_dir().join(crate::LOG_FILE);
        let requests = || fs::read_to_string(&log_path).unwrap_or_default().matches("window close requested").count();
        let before = requests();
        for attempt in 1..=3 {
            x_close_window(w.id);
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if requests() > before {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let windows = self.app_pids().first().map(|p| x_windows_of(*p)).unwrap_or_default();
            // What the app was doing (gdb, where installed): an idle main loop means the
            // message was not taken as a close, a stack elsewhere means the app was busy.
            if attempt == 1 {
                if let Some(pid) = self.app_pids().first() {
                    let bt = Command::new("gdb")
                        .args(["-p", &pid.to_string(), "-batch", "-ex", "thread apply 1 bt 30"])
                        .output();
                    if let Ok(o) = bt {
                        eprintln!("[{}] the app's main thread:\n{}", self.name(), String::from_utf8_lossy(&o.stdout));
                    }
                }
            }
            eprintln!(
                "[{}] close request {attempt} (to {:#x}) was not logged within 5 s; sending it again; the app's X windows: {windows:?}",
                self.name(),
                w.id
            );
        }
        panic!("[{}] the app never logged a close request for its window:\n{}", self.name(), tail(&log_path, 40));
    }

    /// WebKit's processes among this test's (pid, name): the browser engine of a window (the
    /// test's own WebKitWebDriver is not the app's).
    pub fn webkit_pids(&self) -> Vec<(i32, String)> {
        self.pids()
            .into_iter()
            .filter_map(|pid| {
                let name = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?.trim().to_string();
                (name.starts_with("WebKit") && name != "WebKitWebDriver").then_some((pid, name))
            })
            .collect()
    }

    /// Resident memory (KiB) of the app and its WebKit processes together.
    pub fn rss_kib(&self) -> u64 {
        let pids = self.app_pids().into_iter().chain(self.webkit_pids().into_iter().map(|(p, _)| p));
        pids.filter_map(|p| {
            let status = fs::read_to_string(format!("/proc/{p}/status")).ok()?;
            status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum()
    }

    /// The app process's resident memory (KiB) by kind: (anonymous, file pages), from
    /// /proc/<pid>/status (RssAnon, RssFile).
    pub fn app_rss_parts_kib(&self) -> (u64, u64) {
        let status = self.app_pids().first().and_then(|p| fs::read_to_string(format!("/proc/{p}/status")).ok());
        let field = |name: &str| {
            status
                .as_deref()
                .and_then(|s| s.lines().find(|l| l.starts_with(name))?.split_whitespace().nth(1)?.parse().ok())
                .unwrap_or(0)
        };
        (field("RssAnon:"), field("RssFile:"))
    }

    /// Wait until the app has no main window on the X display (it was destroyed, not hidden).
    pub async fn wait_x_window_gone(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while let Some(w) = self.main_x_window() {
            assert!(
                Instant::now() < deadline,
                "[{}] the main window is still there after {timeout:?}: {w:?}",
                self.name()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// After the app made its window anew: drive the new page (WebDriver lists it as a new
    /// window handle of the same session).
    pub async fn follow_new_window(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let handles = self.client().windows().await.unwrap_or_default();
            if let Some(h) = handles.last() {
                if self.client().switch_to_window(h.clone()).await.is_ok()
                    && self.client().execute("return document.readyState;", vec![]).await.is_ok()
                {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "[{}] WebDriver saw no new window within {timeout:?}: {handles:?}",
                self.name()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The page's `document.visibilityState` ("visible" or "hidden").
    pub async fn page_visibility(&self) -> String {
        self.exec("return document.visibilityState;", vec![]).await.as_str().unwrap_or_default().to_string()
    }

    /// Start the app binary again, directly (not through WebDriver), with exactly the
    /// environment of the running app and `args`, as a user starting it from the menu does;
    /// wait up to `timeout` for it to exit.
    pub async fn launch_second_instance(&self, args: &[&str], timeout: Duration) -> SecondLaunch {
        let pid = self.app_pid();
        let environ = fs::read(format!("/proc/{pid}/environ")).expect("read the app's environment");
        let exe = fs::read_link(format!("/proc/{pid}/exe")).expect("the app's executable");
        let log_path = self.root().join("logs/second-launch.log");
        let log = File::create(&log_path).unwrap();
        let mut cmd = Command::new(&exe);
        cmd.args(args).env_clear().stdin(Stdio::null()).stdout(log.try_clone().unwrap()).stderr(log);
        for kv in environ.split(|b| *b == 0).filter(|kv| !kv.is_empty()) {
            let kv = String::from_utf8_lossy(kv);
            if let Some((k, v)) = kv.split_once('=') {
                cmd.env(k, v);
            }
        }
        let started = Instant::now();
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("could not start {}: {e}", exe.display()));
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        SecondLaunch { status, took: started.elapsed(), output: tail(&log_path, 40) }
    }

    /// Wait until no app process is left (it quit by itself); panics after `timeout`.
    pub async fn wait_app_exited(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.app_pids().is_empty() {
            if Instant::now() > deadline {
                panic!("[{}] the app is still running after {timeout:?}: {:?}", self.name(), self.app_pids());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
