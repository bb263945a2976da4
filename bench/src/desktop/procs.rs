//! Processes: starting an app, its process tree, summed memory and CPU time, stopping it.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Every process whose parent chain leads to `root` (root included).
pub fn tree(root: u32) -> Vec<u32> {
    let mut parent = HashMap::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        if let Some(ppid) = stat_fields(pid).and_then(|f| f.get(1).and_then(|p| p.parse::<u32>().ok())) {
            parent.insert(pid, ppid);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parent.iter().filter(|(_, pp)| **pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

/// Fields of /proc/PID/stat after the command name: [state, ppid, …].
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &s[s.rfind(')')? + 2..];
    Some(after.split_whitespace().map(String::from).collect())
}

/// user + system CPU time of the tree so far, in clock ticks.
pub fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|p| stat_fields(*p))
        .map(|f| {
            f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
                + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
        })
        .sum()
}

pub fn clock_ticks_per_sec() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// Resident memory of the tree: (sum of RSS, sum of PSS) in KiB. RSS counts shared pages
/// (libraries) once per process; PSS splits them between the processes that share them.
pub fn memory_kib(pids: &[u32]) -> (u64, u64) {
    let field = |text: &str, key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut rss = 0;
    let mut pss = 0;
    for p in pids {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            rss += field(&s, "VmRSS:");
        }
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) {
            pss += field(&s, "Pss:");
        }
    }
    (rss, pss)
}

pub fn names(pids: &[u32]) -> Vec<String> {
    pids.iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/comm")).ok())
        .map(|s| s.trim().to_string())
        .collect()
}

/// Stop the app and everything it started: SIGTERM, then SIGKILL after 3 s.
pub fn stop(child: &mut Child) {
    let pids = tree(child.id());
    signal(&pids, "TERM");
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && child.try_wait().ok().flatten().is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<u32> = pids.into_iter().filter(|p| Path::new(&format!("/proc/{p}")).exists()).collect();
    signal(&left, "KILL");
    let _ = child.kill();
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(300));
}

fn signal(pids: &[u32], sig: &str) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill").arg(format!("-{sig}")).args(pids.iter().map(|p| p.to_string())).output();
}

/// Wait until a visible X window whose name matches `pattern` exists (xdotool); the time it
/// took since `since`, polling every 10 ms.
pub fn wait_for_window(pattern: &str, since: Instant, timeout: Duration) -> Option<Duration> {
    while since.elapsed() < timeout {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", pattern])
            .output()
            .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
        if found {
            return Some(since.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}
