//! `bench-mask`: the throughput cost of masking in `latchkey run`.
//!
//! A file of ordinary text (no secret in it) is streamed to /dev/null, interleaved, by:
//! - `cat FILE` alone (the goal's baseline: cat's output goes straight to /dev/null);
//! - `cat FILE | cat` (the cost any pipe between a command and its output adds, for context);
//! - `latchkey run -t <token> -- cat FILE` (masking on: cat's output comes through a pipe
//!   into latchkey, is searched for every form of the token, and written out).
//!
//! The goal: `latchkey run` at least 95 % of `cat`'s throughput (≤ 5 % overhead).
//!
//! Usage: `bench-mask [--size-mb 1024] [--runs 5] [--latchkey target/release/latchkey]
//! [--out bench/RESULTS.md]`. Needs a Secret Service (scripts/test-session.sh).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod results;
mod sandbox;
use sandbox::Sandbox;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let size_mb: usize = get("--size-mb").and_then(|v| v.parse().ok()).unwrap_or(1024);
    let runs: usize = get("--runs").and_then(|v| v.parse().ok()).unwrap_or(5).max(1);
    let latchkey = get("--latchkey").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/release/latchkey"));
    let out = get("--out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/RESULTS.md"));
    assert!(latchkey.exists(), "{} is missing: cargo build --release -p latchkey-cli", latchkey.display());

    let sb = Sandbox::new("mask");
    sb.add(&latchkey, "cvat", "bench", &["--server", "http://127.0.0.1:9"], "FAKE-bench-mask-cvat-token-0001");
    sb.add(&latchkey, "env0", "bench", &["--key-id", "kid-bench-0001"], "FAKE-bench-mask-env0-secret-0002");

    // Log-like text: lines of words and numbers, no secret in it.
    let file = std::env::temp_dir().join(format!("latchkey-bench-mask-{}.txt", std::process::id()));
    {
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&file).unwrap());
        let mut n: u64 = 0x9e37_79b9;
        let mut written = 0;
        while written < size_mb << 20 {
            n ^= n << 13;
            n ^= n >> 7;
            n ^= n << 17;
            let line = format!("2026-12-05T17:00:{:02} INFO step {n:x} loss={} FAKE-not-a-token ok\n", n % 60, n % 997);
            w.write_all(line.as_bytes()).unwrap();
            written += line.len();
        }
    }
    let bytes = std::fs::metadata(&file).unwrap().len() as f64;
    let f = file.to_str().unwrap().to_string();
    let cat = || {
        let mut c = Command::new("cat");
        c.arg(&f).stdout(Stdio::null());
        c
    };
    let piped = || {
        let mut c = Command::new("sh");
        c.args(["-c", &format!("cat '{f}' | cat")]).stdout(Stdio::null());
        c
    };
    let masked = || {
        let mut c = sb.latchkey(&latchkey, &["run", "-t", "cvat/bench", "-t", "env0/bench", "--", "cat", &f]);
        c.stdout(Stdio::null());
        c
    };
    let time = |mut c: Command| {
        let t = Instant::now();
        let o = c.output().expect("starts");
        assert!(o.status.success(), "{c:?}: {}", String::from_utf8_lossy(&o.stderr));
        t.elapsed()
    };
    // Warm the page cache.
    time(cat());
    time(masked());
    let (mut a, mut p, mut m) = (vec![], vec![], vec![]);
    let load_before = results::load();
    for _ in 0..runs {
        a.push(time(cat()));
        p.push(time(piped()));
        m.push(time(masked()));
    }
    let _ = std::fs::remove_file(&file);
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    let (a, p, m) = (median(a), median(p), median(m));
    let gbs = |s: f64| bytes / s / 1e9;
    let ratio = a / m;
    let verdict = if ratio >= 0.95 { "met" } else { "NOT met" };
    let (nproc, cpu, _) = results::machine();
    let cores = format!("{nproc} cores, {cpu}");
    let section = format!(
        "## Masking in `latchkey run`\n\n\
         - Date: {}; commit {}\n- Machine: {cores}; load average {load_before} before, {} after\n\
         - Setup: a {size_mb} MiB text file (no secret in it) from the page cache to /dev/null, {runs} interleaved \
         runs of each, medians; release build, two tokens injected (cvat, env0: 8 forms searched)\n\n\
         | Command | Median | Throughput | Against `cat` | Goal | Verdict |\n|---|---|---|---|---|---|\n\
         | `cat FILE` | {a:.3} s | {:.2} GB/s | 1.00× | | |\n\
         | `cat FILE \\| cat` (any pipe in between, for context) | {p:.3} s | {:.2} GB/s | {:.2}× | info | |\n\
         | `latchkey run -t … -- cat FILE` (masking on) | {m:.3} s | {:.2} GB/s | {ratio:.2}× | ≥ 0.95× | {verdict} |\n\n\
         Masking puts a pipe between the command and its output (the command writes into it, \
         latchkey reads it, searches it and writes it out), so it can at best match `cat FILE | cat`; \
         `cat FILE` alone writes to /dev/null without a copy.\n",
        date(),
        results::commit(),
        results::load(),
        gbs(a),
        gbs(p),
        a / p,
        gbs(m),
    );
    results::write_section(&out, &section).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
    println!("{section}");
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
