//! The system around the app: keychain (secret-tool), clipboard (xclip), processes, files and
//! screenshots. Notifications (dunst) are in `dunst.rs`.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::output_dir;

/// Running processes (not zombies) whose environment has `key=value`.
pub fn pids_with_env(key: &str, value: &str) -> Vec<i32> {
    let needle = format!("{key}={value}");
    let me = std::process::id() as i32;
    let mut out = vec![];
    let Ok(entries) = fs::read_dir("/proc") else { return out };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(env) = fs::read(format!("/proc/{pid}/environ")) else { continue };
        if !env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()) {
            continue;
        }
        let zombie = fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')).unwrap_or(false))
            .unwrap_or(true);
        if !zombie {
            out.push(pid);
        }
    }
    out
}

/// Run a command with a time limit (via coreutils `timeout`).
pub fn run_with_timeout(secs: u64, program: &str, args: &[&str]) -> Output {
    Command::new("timeout")
        .arg("-k")
        .arg("2")
        .arg(secs.to_string())
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run {program}: {e}"))
}

/// `secret-tool lookup service <service> username <account>`: the stored secret, if any.
pub fn secret_tool_lookup(service: &str, account: &str) -> Option<String> {
    let out = run_with_timeout(10, "secret-tool", &["lookup", "service", service, "username", account]);
    if out.status.success() && !out.stdout.is_empty() {
        Some(String::from_utf8(out.stdout).expect("secret is UTF-8"))
    } else {
        None
    }
}

/// The accounts (record ids) the keychain holds for `service`.
pub fn keychain_accounts(service: &str) -> Vec<String> {
    let out = run_with_timeout(10, "secret-tool", &["search", "--all", "service", service]);
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    text.lines().filter_map(|l| l.trim().strip_prefix("attribute.username = ").map(str::to_string)).collect()
}

/// What `xclip -o -selection clipboard` prints (`None` when the clipboard is empty).
pub fn clipboard() -> Option<String> {
    let out = run_with_timeout(5, "xclip", &["-o", "-selection", "clipboard"]);
    if out.status.success() && !out.stdout.is_empty() {
        Some(String::from_utf8_lossy(&out.stdout).to_string())
    } else {
        None
    }
}

/// Put `text` on the clipboard with xclip (which keeps serving it in the background).
pub fn set_clipboard(text: &str) {
    let mut child = Command::new("xclip")
        .args(["-selection", "clipboard", "-i"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let _ = child.wait();
}

/// Every file under `dir` containing one of `needles`: `(file, needle)`.
pub fn grep_tree(dir: &Path, needles: &[&str]) -> Vec<(PathBuf, String)> {
    let mut hits = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                let mut bytes = vec![];
                if File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)).is_err() {
                    continue;
                }
                for n in needles {
                    if !n.is_empty() && bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                        hits.push((path.clone(), n.to_string()));
                    }
                }
            }
        }
    }
    hits
}

/// Files in `dir` whose name starts with `prefix`.
pub fn files_starting_with(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten().filter(|e| e.file_name().to_string_lossy().starts_with(prefix)).map(|e| e.path()).collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `import -window root tests/output/<name>.png`.
pub fn screenshot_root(name: &str) -> PathBuf {
    let path = output_dir().join(format!("{name}.png"));
    let out = run_with_timeout(20, "import", &["-window", "root", path.to_str().unwrap()]);
    if !out.status.success() {
        eprintln!("screenshot {} failed: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    }
    path
}

/// The last `n` lines of a text file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
