//! `latchkey copy` on the test session's X display: the secret is on the clipboard after the
//! command has exited (a detached helper keeps owning it), never in the helper's argv or
//! environment, and is cleared after the delay — unless someone else's copy replaced it.
//! One test only: the clipboard is shared.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{clipboard, fake, Sandbox};

/// The pids of running `latchkey __clipboard-hold` helpers, with their argv and environment.
fn helpers() -> Vec<(u32, String, String)> {
    let mut out = vec![];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains("__clipboard-hold") {
            let environ = std::fs::read(e.path().join("environ")).unwrap_or_default();
            out.push((pid, cmdline, String::from_utf8_lossy(&environ).into_owned()));
        }
    }
    out
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

#[test]
fn copy_outlives_the_command_and_is_cleared_after_the_delay() {
    if std::env::var_os("DISPLAY").is_none() {
        panic!("no DISPLAY: run inside scripts/test-session.sh");
    }
    let mut sb = Sandbox::new();
    sb.env.push(("LATCHKEY_CLIPBOARD_CLEAR_SECS".into(), "3".into()));
    let secret = fake("copy");
    sb.add("cvat", "ci", &secret, &[]);

    let started = Instant::now();
    let out = sb.run(&["copy", "ci"], None).ok();
    assert!(started.elapsed() < Duration::from_secs(5), "copy returns at once");
    assert!(out.stdout.contains("cleared in 3 s"), "{out:?}");
    assert!(!out.all().contains(&secret));
    assert_eq!(clipboard(), secret, "the helper holds the clipboard after `copy` exited");
    let running = helpers();
    assert!(!running.is_empty(), "a helper is running");
    for (_, argv, env) in &running {
        assert!(!argv.contains(&secret) && !env.contains(&secret), "the secret came through a pipe");
    }
    // A copy counts as a use.
    assert!(sb.list()[0]["last_used_at"].is_string());

    assert!(wait_until(Duration::from_secs(8), || clipboard() != secret), "cleared after the delay");
    assert!(wait_until(Duration::from_secs(3), || helpers().is_empty()), "and the helper is gone");

    // Someone else copies over it: the helper leaves, and does not clear the newcomer.
    sb.run(&["copy", "ci"], None).ok();
    assert_eq!(clipboard(), secret);
    let mut other = Command::new("xclip")
        .args(["-selection", "clipboard", "-i", "-loops", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        other.stdin.take().unwrap().write_all(b"someone else's text").unwrap();
    }
    assert!(wait_until(Duration::from_secs(3), || helpers().is_empty()), "the helper left when replaced");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(clipboard(), "someone else's text", "not cleared: it was not ours");
    let _ = other.kill();
    let _ = other.wait();
}
