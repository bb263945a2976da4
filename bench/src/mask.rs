//! `bench-mask`: the throughput cost of masking in `latchkey run`.
//!
//! A command's output stream (`cat FILE`: a file of ordinary text, no secret in it) goes to
//! /dev/null through a filter, interleaved:
//! - through `cat` (the goal's baseline, "cat of a 1 GB stream"): `cat FILE | cat`, the pipe
//!   between the two made here with the 1 MiB buffer `latchkey run` gives its pipes, so the only
//!   difference left is what the filter does with the bytes (cat copies, latchkey searches too);
//! - through `latchkey run -t <token> -- cat FILE` (masking on: cat's output comes through a
//!   pipe into latchkey — moved off it with splice(2) into a pipe of latchkey's own and read
//!   from there — is searched for every form of the token, and written out);
//! - for context, `cat FILE | cat` as a shell makes it (a 64 KiB pipe), and `cat FILE` with no
//!   stream at all (straight to /dev/null: no filter can match that, cat itself included).
//!
//! The goal: masking at least 95 % of `cat`'s throughput on the same stream (≤ 5 % overhead).
//!
//! Usage: `bench-mask [--size-mb 1024] [--runs 15] [--latchkey target/release/latchkey]
//! [--out bench/RESULTS.md]`. Needs a Secret Service (scripts/test-session.sh).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod results;
mod sandbox;
mod timing;
use sandbox::Sandbox;
use timing::{date, Sample};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let size_mb: usize = get("--size-mb").and_then(|v| v.parse().ok()).unwrap_or(1024);
    let runs: usize = get("--runs").and_then(|v| v.parse().ok()).unwrap_or(15).max(1);
    let latchkey = get("--latchkey").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/release/latchkey"));
    let out = get("--out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/RESULTS.md"));
    assert!(latchkey.exists(), "{} is missing: cargo build --release -p latchkey-cli", latchkey.display());

    let sb = Sandbox::new("mask");
    sb.add(&latchkey, "cvat", "bench", &["--server", "http://127.0.0.1:9"], "FAKE-bench-mask-cvat-token-0001");
    sb.add(&latchkey, "env0", "bench", &["--key-id", "kid-bench-0001"], "FAKE-bench-mask-env0-secret-0002");

    // Log-like text: lines of words and numbers, no secret in it; and the worst case, every line
    // holding the first bytes all the secrets share ("FAKE-"), so every line is a candidate the
    // search has to check.
    let temp = |name: &str| std::env::temp_dir().join(format!("latchkey-bench-mask-{name}-{}.txt", std::process::id()));
    let (file, decoyed) = (temp("plain"), temp("decoy"));
    log_file(&file, size_mb, "not-a-token");
    log_file(&decoyed, size_mb, "FAKE-not-a-token");
    let bytes = std::fs::metadata(&file).unwrap().len() as f64;
    let f = file.to_str().unwrap().to_string();
    let cat = || {
        let mut c = Command::new("cat");
        c.arg(&f).stdout(Stdio::null());
        c
    };
    // `latchkey run -t … -- COMMAND`, masking on.
    let through = |command: &[&str]| {
        let mut args = vec!["run", "-t", "cvat/bench", "-t", "env0/bench", "--"];
        args.extend_from_slice(command);
        let mut c = sb.latchkey(&latchkey, &args);
        c.stdout(Stdio::null());
        c
    };
    let masked = |f: &str| through(&["cat", f]);
    let fixed = || through(&["true"]);
    let d = decoyed.to_str().unwrap().to_string();
    // Warm the page cache.
    time(&mut cat());
    time(&mut masked(&f));
    time(&mut masked(&d));
    let load_before = results::load();
    let figures = measure(
        runs,
        &Rows {
            no_stream: &|| time(&mut cat()),
            shell_pipe: &|| time(Command::new("sh").args(["-c", &format!("cat '{f}' | cat")]).stdout(Stdio::null())),
            cat: &|| cat_through_cat(&f),
            masked: &|| time(&mut masked(&f)),
            fixed: &|| time(&mut fixed()),
            worst: &|| time(&mut masked(&d)),
        },
    );
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&decoyed);
    let setup = format!(
        "a {size_mb} MiB text file of log lines (no secret in it, nor the start of one) from the page cache to \
         /dev/null, {runs} interleaved runs of each, medians"
    );
    let section = section(&figures, bytes, &setup, &load_before);
    results::write_section(&out, &section).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
    println!("{section}");
}

/// Each row's command, run and timed once a round.
struct Rows<'a> {
    no_stream: &'a dyn Fn() -> Duration,
    shell_pipe: &'a dyn Fn() -> Duration,
    cat: &'a dyn Fn() -> Duration,
    masked: &'a dyn Fn() -> Duration,
    fixed: &'a dyn Fn() -> Duration,
    worst: &'a dyn Fn() -> Duration,
}

/// `runs` rounds of every row, interleaved. The goal's two rows run back to back, in turn
/// first, and each pair gives a ratio: load on this shared machine drifts over seconds, and a
/// pair sees the same load.
fn measure(runs: usize, r: &Rows) -> Figures {
    let (mut a, mut s, mut p, mut m, mut z, mut w, mut pairs) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..runs {
        a.push((r.no_stream)());
        s.push((r.shell_pipe)());
        let (pc, mk) = if i % 2 == 0 {
            let pc = (r.cat)();
            (pc, (r.masked)())
        } else {
            let mk = (r.masked)();
            ((r.cat)(), mk)
        };
        pairs.push(pc.as_secs_f64() / mk.as_secs_f64());
        p.push(pc);
        m.push(mk);
        z.push((r.fixed)());
        w.push((r.worst)());
    }
    let median = |v: Vec<Duration>| Sample::ms(v).median() / 1000.0;
    let pairs = Sample::of(pairs);
    Figures {
        no_stream: median(a),
        shell_pipe: median(s),
        cat: median(p),
        masked: median(m),
        fixed: median(z),
        worst: median(w),
        ratio: pairs.median(),
        low: pairs.pct(0.1),
        high: pairs.pct(0.9),
    }
}

/// The medians (seconds) of each row, and the goal's ratio from the back-to-back pairs.
#[derive(Clone, Copy)]
struct Figures {
    no_stream: f64,
    shell_pipe: f64,
    cat: f64,
    masked: f64,
    fixed: f64,
    worst: f64,
    ratio: f64,
    low: f64,
    high: f64,
}

/// The RESULTS.md section: date, machine and `setup`, the table, what it means.
fn section(f: &Figures, bytes: f64, setup: &str, load_before: &str) -> String {
    let gbs = |s: f64| bytes / s / 1e9;
    let Figures { no_stream: a, shell_pipe: s, cat: p, masked: m, fixed: z, worst: w, ratio, low, high } = *f;
    let verdict = if ratio >= 0.95 { "met" } else { "NOT met" };
    let (nproc, cpu, _) = results::machine();
    format!(
        "## Masking in `latchkey run`\n\n\
         - Date: {}; commit {}\n- Machine: {nproc} cores, {cpu}; load average {load_before} before, {} after\n\
         - Setup: {setup}; release build, two tokens injected (cvat, env0: 8 forms searched)\n\n\
         | The stream `cat FILE` writes, to /dev/null through | Median | Throughput | Against `cat` | Goal | Verdict |\n|---|---|---|---|---|---|\n\
         | `cat` (`cat FILE \\| cat`, a 1 MiB pipe as `latchkey run` makes) | {p:.3} s | {:.2} GB/s | 1.00× | | |\n\
         | `latchkey run -t … -- cat FILE` (masking on) | {m:.3} s | {:.2} GB/s | {ratio:.2}× (pairs p10 {low:.2}, p90 {high:.2}) | ≥ 0.95× | {verdict} |\n\
         | ↳ of which the fixed cost: `latchkey run -t … -- true` (start-up, index, keychain, no output) | {z:.3} s | | | info | |\n\
         | ↳ worst case: every line holds the first 5 bytes of both secrets (`FAKE-`) | {w:.3} s | {:.2} GB/s | {:.2}× | info | |\n\
         | ↳ `cat` through a shell's pipe (64 KiB) | {s:.3} s | {:.2} GB/s | {:.2}× | info | |\n\
         | ↳ no stream: `cat FILE` straight to /dev/null, nothing in between | {a:.3} s | {:.2} GB/s | {:.2}× | info | |\n\n\
         The goal's ratio is the median over the runs of `cat`'s time over latchkey's in back-to-back pairs \
         (each pair in turn starting with the other), so that load drifting on a shared machine \
         hits both sides of a pair alike; the other rows compare medians.\n\n\
         Masking puts a filter between a command and its output: the command writes into a pipe, \
         latchkey takes the bytes, searches them and writes them out. The goal's baseline is the plainest \
         filter, `cat`, passing the same stream through the same pipe. Latchkey does not `read` the \
         command's pipe as cat does: it moves what is there into a pipe of its own (splice(2): the kernel \
         hands the pages over) and reads that, so the command's writes wait only while pages change hands, \
         not while latchkey copies — which is why it can pass the stream faster than cat, searching included. \
         The last row has no pipe and no second process; no filter reaches it (cat as the filter does not: \
         compare the first row).\n",
        date(),
        results::commit(),
        results::load(),
        gbs(p),
        gbs(m),
        gbs(w),
        p / w,
        gbs(s),
        p / s,
        gbs(a),
        p / a,
    )
}

/// Runs `c` to its end (it must succeed): how long it took.
fn time(c: &mut Command) -> Duration {
    let t = Instant::now();
    let o = c.output().expect("starts");
    assert!(o.status.success(), "{c:?}: {}", String::from_utf8_lossy(&o.stderr));
    t.elapsed()
}

/// `size_mb` MiB of log lines, each with `word` in it.
fn log_file(path: &std::path::Path, size_mb: usize, word: &str) {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut n: u64 = 0x9e37_79b9;
    let mut written = 0;
    while written < size_mb << 20 {
        n ^= n << 13;
        n ^= n >> 7;
        n ^= n << 17;
        let line = format!("2026-12-05T17:00:{:02} INFO step {n:x} loss={} {word} ok\n", n % 60, n % 997);
        w.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
}

/// `cat FILE | cat > /dev/null` with the pipe between them enlarged to 1 MiB, as `latchkey run`
/// enlarges the pipes it reads a command's output from (supervise.rs): cat as the filter, with
/// the same plumbing as masking.
fn cat_through_cat(file: &str) -> Duration {
    use std::os::fd::AsRawFd;
    let t = Instant::now();
    let (reader, writer) = std::io::pipe().expect("a pipe");
    // SAFETY: fcntl on a pipe this process owns; a failure leaves the default size (the
    // result would then favour latchkey, so it is checked).
    let got = unsafe { libc::fcntl(writer.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
    assert!(got >= 1 << 20, "F_SETPIPE_SZ failed: {}", std::io::Error::last_os_error());
    let mut producer = Command::new("cat").arg(file).stdout(writer).spawn().expect("cat starts");
    let mut filter = Command::new("cat").stdin(reader).stdout(Stdio::null()).spawn().expect("cat starts");
    assert!(producer.wait().expect("cat ends").success());
    assert!(filter.wait().expect("cat ends").success());
    t.elapsed()
}
