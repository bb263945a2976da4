//! Giving memory back while Latchkey sits in the tray. Once the window is destroyed, WebKit's
//! web process has nothing left to show and is ended; its network process would stay for the
//! life of the app (WebKit keeps it for the web context, which Tauri keeps alive on Linux), so
//! after a while without a window Latchkey ends it too — the next window starts a fresh one.
//! Each time glibc is asked to return the freed heap to the system. Once the engine is gone,
//! the pages of its code (and of every other library's code and read-only data) that only this
//! process maps are dropped from its page tables: they are clean copies of files, stay in the
//! page cache for the kernel to keep or reclaim, and are faulted back in when a window needs
//! them again ([`pages`]).

use std::time::Duration;

use tauri::{AppHandle, Manager};

use crate::state::MAIN;

#[cfg(target_os = "linux")]
mod pages;
#[cfg(not(target_os = "linux"))]
mod pages {
    pub fn release_file_pages() -> u64 {
        0
    }
}

/// Time for WebKit to end its web process by itself after the page is gone.
const GRACE: Duration = Duration::from_millis(800);
/// How long the network process is kept for a window that comes back soon (reopening is
/// faster with it); `LATCHKEY_ENGINE_IDLE_SECS` overrides it (tests).
const ENGINE_IDLE: Duration = Duration::from_secs(30);

/// After the window is destroyed: end WebKit's web process and trim the heap; after a
/// while without a window, end its network process too. Nothing is ended once a window was
/// made again.
pub fn reclaim_after_window(app: AppHandle) {
    let spawned = std::thread::Builder::new().name("reclaim".into()).spawn(move || {
        std::thread::sleep(GRACE);
        if app.get_webview_window(MAIN).is_some() {
            return;
        }
        let stopped = stop_webkit_children(|name| !name.starts_with("WebKitNetwork"));
        trim_heap();
        tracing::info!(stopped = ?stopped, "window gone: web process ended, heap trimmed");
        std::thread::sleep(engine_idle().saturating_sub(GRACE));
        if app.get_webview_window(MAIN).is_some() {
            return;
        }
        let stopped = stop_webkit_children(|_| true);
        trim_heap();
        let released = pages::release_file_pages();
        tracing::info!(stopped = ?stopped, released_kib = released / 1024, "no window for a while: browser engine stopped");
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not give the window's memory back");
    }
}

fn engine_idle() -> Duration {
    std::env::var("LATCHKEY_ENGINE_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(ENGINE_IDLE)
}

/// End this process's WebKit children (by name); the names of those ended.
#[cfg(target_os = "linux")]
fn stop_webkit_children(which: impl Fn(&str) -> bool) -> Vec<String> {
    let me = std::process::id() as i32;
    let mut stopped = vec![];
    for (pid, name) in children(me) {
        if name.starts_with("WebKit") && which(&name) {
            // SAFETY: kill(2) with a pid we just read as our own child; no memory is touched.
            if unsafe { libc::kill(pid, libc::SIGTERM) } == 0 {
                stopped.push(name);
            }
        }
    }
    stopped
}

#[cfg(not(target_os = "linux"))]
fn stop_webkit_children(_which: impl Fn(&str) -> bool) -> Vec<String> {
    vec![]
}

/// (pid, command name) of every process whose parent is `parent`, from /proc.
#[cfg(target_os = "linux")]
fn children(parent: i32) -> Vec<(i32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return vec![] };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid …": comm may hold spaces and parentheses; it ends at the last ')'.
            let (head, rest) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1.to_string();
            let ppid: i32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some((pid, name))
        })
        .collect()
}

/// Return freed heap pages to the system (glibc keeps them otherwise).
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of glibc's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}
