//! Latchkey in the tray: the window closed as a window manager's close button does
//! (WM_DELETE_WINDOW), the whole process tree measured after `--tray-secs`; then the window
//! re-opened from the tray's "Open Latchkey", clicked as a panel does (through the e2e tests'
//! fake StatusNotifierWatcher), and timed to the token list in the DOM.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use latchkey_e2e::tray::FakeTray;

use crate::{now_ms, procs, read_mark, Opts};

/// What the tray figures are.
#[derive(Default, Clone)]
pub struct TrayFigures {
    pub rss_kib: u64,
    pub pss_kib: u64,
    pub cpu_percent: f64,
    pub processes: Vec<String>,
    /// From the click on "Open Latchkey" to the list in the DOM, one per re-open.
    pub reopen: Vec<Duration>,
    /// How long after the close WebKit's processes were all gone.
    pub engine_gone: Option<Duration>,
}

fn webkit_alive(child: &Child) -> bool {
    procs::names(&procs::tree(child.id())).iter().any(|n| n.starts_with("WebKit"))
}

/// Wait until the app's tree has no WebKit process, up to `limit`; how long it took.
fn wait_engine_gone(child: &Child, limit: Duration) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if !webkit_alive(child) {
            return Some(t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// The app's log: `latchkey.log` in the data folder beside the mark files.
fn o_log(mark: &Path) -> std::path::PathBuf {
    mark.with_file_name("data").join("latchkey.log")
}

/// Close Latchkey's window as a window manager would, and wait for the app to log that it
/// took the request (sent again up to twice: see the e2e harness's `close_main_window`);
/// whether it did.
fn close_window(child: &Child, mark: &Path) -> bool {
    // By process: a notification from "Latchkey" on screen may carry the same name.
    let pid = child.id().to_string();
    let out = Command::new("xdotool").args(["search", "--onlyvisible", "--pid", &pid, "--name", "^Latchkey$"]).output();
    let ids: Vec<u32> = out
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default();
    let id = *ids.first().expect("Latchkey's window, to close it");
    let taken = || std::fs::read_to_string(o_log(mark)).unwrap_or_default().matches("window close requested").count();
    let before = taken();
    for attempt in 1..=3 {
        latchkey_e2e::desktop::x_close_window(id);
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(6) {
            if taken() > before {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let bt = Command::new("gdb")
            .args(["-p", &child.id().to_string(), "-batch", "-ex", "thread apply 1 bt 25"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
            .unwrap_or_default();
        eprintln!(
            "bench-desktop: close {attempt} of window {id:#x} (of {ids:?}) not taken within 6 s; main thread:\n{bt}"
        );
    }
    false
}

/// Close the window, sit in the tray for `o.tray`, measure; then re-open from the tray
/// `o.runs` times, each after the engine has gone again.
pub fn measure(o: &Opts, tray: &FakeTray, child: &Child, mark: &Path) -> TrayFigures {
    let mut f = TrayFigures::default();
    let item = tray.wait_item(child.id(), Duration::from_secs(20));
    let ticks = procs::clock_ticks_per_sec();

    let closed = Instant::now();
    assert!(close_window(child, mark), "Latchkey never took the close of its window");
    // The engine's network process is ended 30 s after the window (services/memory.rs).
    f.engine_gone = wait_engine_gone(child, Duration::from_secs(60));
    // "Latchkey keeps running" is said once, with a notification; dunst's window is not ours.
    let _ = Command::new("dunstctl").arg("close-all").status();
    let before = procs::cpu_ticks(&procs::tree(child.id()));
    let t = Instant::now();
    std::thread::sleep(o.tray.saturating_sub(closed.elapsed()).max(Duration::from_secs(5)));
    let pids = procs::tree(child.id());
    f.cpu_percent =
        procs::cpu_ticks(&pids).saturating_sub(before) as f64 / ticks as f64 / t.elapsed().as_secs_f64() * 100.0;
    (f.rss_kib, f.pss_kib) = procs::memory_kib(&pids);
    f.processes = procs::names(&pids);
    eprintln!(
        "bench-desktop: in the tray {:.0} s after closing: {:?}, RSS {} KiB, PSS {} KiB, CPU {:.2} %, engine gone after {:?}",
        closed.elapsed().as_secs_f64(),
        f.processes,
        f.rss_kib,
        f.pss_kib,
        f.cpu_percent,
        f.engine_gone
    );

    // Which part is the heap and which the libraries' pages (those are shared with other apps).
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let parts: Vec<&str> = status.lines().filter(|l| l.starts_with("Rss")).collect();
    eprintln!("bench-desktop: the app process in the tray: {parts:?}");

    for run in 1..=o.runs {
        if run > 1 {
            // Not in the same instant as the list appeared, as a person would not.
            std::thread::sleep(Duration::from_secs(1));
            if !close_window(child, mark) {
                eprintln!("bench-desktop: the window did not close again; {} re-open(s) measured", f.reopen.len());
                break;
            }
            let _ = wait_engine_gone(child, Duration::from_secs(60));
        }
        // The menu is rebuilt when what it shows changes: look the entry up each time.
        let open = tray.wait_entry(&item, "Open", Duration::from_secs(10), |e| e.label == "Open Latchkey");
        let t0 = now_ms();
        tray.click(&item, open.id);
        let ready = read_mark(mark, "list-ready ", t0, Duration::from_secs(30));
        eprintln!("bench-desktop: re-open {run} from the tray: list ready {ready:?}");
        let Some(ready) = ready else {
            let shot = mark.with_file_name("reopen-failed.png");
            let _ = Command::new("import").args(["-window", "root"]).arg(&shot).status();
            let log = std::fs::read_to_string(o_log(mark)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
            panic!(
                "re-open {run}: the window never reported its token list (screen: {}); the app's log:\n{}",
                shot.display(),
                tail.join("\n")
            );
        };
        f.reopen.push(ready);
        let steps: Vec<String> = std::fs::read_to_string(mark)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                l.split_once(' ').and_then(|(n, ms)| Some((n.to_string(), ms.trim().parse::<u128>().ok()?)))
            })
            .filter(|(_, ms)| *ms >= t0)
            .map(|(n, ms)| format!("{n} +{}", ms - t0))
            .collect();
        eprintln!("bench-desktop: re-open {run} steps: {}", steps.join(", "));
    }
    f
}
