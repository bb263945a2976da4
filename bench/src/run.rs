//! `bench-run`: what `latchkey run` adds to starting a command.
//!
//! Times, in the same run and interleaved (so load changes hit both alike):
//! - the command alone (`/bin/true`, started directly);
//! - `latchkey run -t <token> -- /bin/true`: read the index, take the secret from the keychain
//!   (a Secret Service round trip over D-Bus), record the use (a locked, fsynced index write),
//!   then exec the command;
//! - the same with two tokens (two keychain reads);
//! - `latchkey --version`: starting the binary alone, and `latchkey run --print-names`:
//!   starting, the index and the keychain without recording the use — where the time goes.
//!
//! The difference of the medians is the overhead; the goal is under 30 ms. Needs the release
//! `latchkey` binary and a Secret Service: `make bench` runs it inside scripts/test-session.sh
//! (private gnome-keyring). It writes its own section of `bench/RESULTS.md`, between
//! `<!-- bench-run -->` markers, after `bench-validate` has written the file.
//!
//! Usage: `bench-run [--runs 40] [--latchkey target/release/latchkey] [--out bench/RESULTS.md]`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod sandbox;
mod timing;
use sandbox::Sandbox;
use timing::{date, Sample};

const GOAL_MS: f64 = 30.0;
const BEGIN: &str = "<!-- bench-run -->";
const END: &str = "<!-- /bench-run -->";

struct Opts {
    runs: usize,
    latchkey: PathBuf,
    out: PathBuf,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("bench-run [--runs 40] [--latchkey target/release/latchkey] [--out bench/RESULTS.md]");
        std::process::exit(0);
    }
    Opts {
        runs: get("--runs").and_then(|v| v.parse().ok()).unwrap_or(40).max(3),
        latchkey: get("--latchkey").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/release/latchkey")),
        out: get("--out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/RESULTS.md")),
    }
}

fn time(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let out = cmd.output().expect("starts");
    let took = start.elapsed();
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    took
}

impl Sample {
    fn show(&self) -> String {
        format!("{:.1} ms (p10 {:.1}, p90 {:.1})", self.median(), self.pct(0.1), self.pct(0.9))
    }
}

fn main() {
    let o = opts();
    assert!(o.latchkey.exists(), "{} is missing: cargo build --release -p latchkey-cli", o.latchkey.display());
    let sb = Sandbox::new("run");
    sb.add(&o.latchkey, "supervisely", "bench", &[], "FAKE-bench-run-supervisely-token-0001");
    sb.add(&o.latchkey, "cvat", "bench", &[], "FAKE-bench-run-cvat-token-0002");
    let load_before = load();
    eprintln!("bench-run: {} runs each, load {load_before}", o.runs);

    let direct = || {
        let mut c = Command::new("/bin/true");
        c.stdin(Stdio::null()).stdout(Stdio::null());
        c
    };
    let one = || sb.latchkey(&o.latchkey, &["run", "-t", "supervisely/bench", "--", "/bin/true"]);
    let two = || sb.latchkey(&o.latchkey, &["run", "-t", "supervisely/bench", "-t", "cvat/bench", "--", "/bin/true"]);
    let version = || sb.latchkey(&o.latchkey, &["--version"]);
    let names = || sb.latchkey(&o.latchkey, &["run", "-t", "supervisely/bench", "--print-names"]);
    // Warm the page cache and the keychain's session.
    for _ in 0..3 {
        time(&mut direct());
        time(&mut one());
        time(&mut version());
    }
    let (mut d, mut r1, mut r2, mut v, mut n) = (vec![], vec![], vec![], vec![], vec![]);
    let started = Instant::now();
    for _ in 0..o.runs {
        d.push(time(&mut direct()));
        r1.push(time(&mut one()));
        r2.push(time(&mut two()));
        v.push(time(&mut version()));
        n.push(time(&mut names()));
    }
    let took = started.elapsed();
    let (d, r1, r2, v, n) = (Sample::ms(d), Sample::ms(r1), Sample::ms(r2), Sample::ms(v), Sample::ms(n));
    let added1 = r1.median() - d.median();
    let added2 = r2.median() - d.median();
    let verdict = |ms: f64| if ms < GOAL_MS { "met" } else { "NOT met" };

    let mut md = String::new();
    md.push_str(&format!("{BEGIN}\n## `latchkey run` overhead\n\n"));
    md.push_str(&format!(
        "- Date: {}; commit {}\n- Machine: {} cores; load average {load_before} before, {} after\n\
         - Setup: {} interleaved runs of each, release build, a private gnome-keyring (scripts/test-session.sh), \
         the command `/bin/true`; took {:.1} s\n\n",
        date(),
        commit(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        load(),
        o.runs,
        took.as_secs_f64()
    ));
    md.push_str(
        "| Figure | Median (p10, p90) | Added to the command alone | Goal | Verdict |\n|---|---|---|---|---|\n",
    );
    md.push_str(&format!("| `/bin/true` started directly | {} | — | | |\n", d.show()));
    md.push_str(&format!(
        "| `latchkey run -t <token> -- /bin/true` | {} | +{added1:.1} ms ({:.1}×) | < {GOAL_MS} ms | {} |\n",
        r1.show(),
        r1.median() / d.median(),
        verdict(added1)
    ));
    md.push_str(&format!(
        "| same with two tokens | {} | +{added2:.1} ms ({:.1}×) | < {GOAL_MS} ms | {} |\n",
        r2.show(),
        r2.median() / d.median(),
        verdict(added2)
    ));
    md.push_str(&format!(
        "| ↳ of which starting `latchkey` (`latchkey --version`) | {} | +{:.1} ms | info | |\n",
        v.show(),
        v.median() - d.median()
    ));
    md.push_str(&format!(
        "| ↳ of which starting, reading the index and the keychain (`run --print-names`: no use recorded, \
         no exec) | {} | +{:.1} ms | info | |\n",
        n.show(),
        n.median() - d.median()
    ));
    md.push_str(
        "\nWhat `latchkey run` does: start, read the index, one Secret Service lookup per token over D-Bus \
         (keyring opens a new DH-encrypted session for each), then record the use of all its tokens in one \
         locked, fsynced index write, and exec the command in its own place (no process stays in between). \
         The remainder after `--print-names` is that index write.\n",
    );
    md.push_str(END);
    md.push('\n');

    let old = std::fs::read_to_string(&o.out).unwrap_or_else(|_| "# Benchmarks\n".into());
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => format!("{}{md}{}", &old[..b], &old[e + END.len()..].trim_start_matches('\n')),
        _ => format!("{}\n\n{md}", old.trim_end()),
    };
    std::fs::write(&o.out, new).unwrap_or_else(|e| panic!("write {}: {e}", o.out.display()));
    println!("{md}");
    eprintln!("bench-run: wrote {}", o.out.display());
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn commit() -> String {
    // Inside the test session HOME is a temp folder; git wants the developer's config.
    let mut git = Command::new("git");
    if let Some(home) = std::env::var_os("LATCHKEY_REAL_HOME") {
        git.env("HOME", home);
    }
    git.args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}
