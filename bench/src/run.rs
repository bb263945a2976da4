//! `bench-run`: what `latchkey run` adds to starting a command.
//!
//! Times, in the same run and interleaved (so load changes hit both alike):
//! - the command alone (`/bin/true`, started directly);
//! - `latchkey run -t <token> -- /bin/true`: read the index, take the secret from the keychain
//!   (one encrypted Secret Service session over D-Bus), start the command as a child whose
//!   output is masked, record the use (a locked, fsynced index write and an access-log line,
//!   while the command runs) and wait for it;
//! - the same with two tokens (both secrets in the same session), and with `--no-mask` (the use
//!   recorded first, then exec: no process stays in between);
//! - `latchkey --version`: starting the binary alone, and `latchkey run --print-names`:
//!   starting, the index and the keychain without recording the use — where the time goes.
//!
//! The difference of the medians is the overhead; the goal is under 30 ms. Needs the release
//! `latchkey` binary and a Secret Service: `make bench` runs it inside scripts/test-session.sh
//! (private gnome-keyring). It writes its own section of `bench/RESULTS.md`.
//!
//! Usage: `bench-run [--runs 40] [--latchkey target/release/latchkey] [--out bench/RESULTS.md]`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod results;
mod sandbox;
mod timing;
use results::{commit, load, machine};
use sandbox::Sandbox;
use timing::{date, Sample};

const GOAL_MS: f64 = 30.0;

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
    let exec = || {
        sb.latchkey(
            &o.latchkey,
            &["run", "--no-mask", "-t", "supervisely/bench", "-t", "cvat/bench", "--", "/bin/true"],
        )
    };
    let version = || sb.latchkey(&o.latchkey, &["--version"]);
    let names = || sb.latchkey(&o.latchkey, &["run", "-t", "supervisely/bench", "--print-names"]);
    // Warm the page cache and the keychain's session.
    for _ in 0..3 {
        time(&mut direct());
        time(&mut one());
        time(&mut version());
    }
    let (mut d, mut r1, mut r2, mut x, mut v, mut n) = (vec![], vec![], vec![], vec![], vec![], vec![]);
    let started = Instant::now();
    for _ in 0..o.runs {
        d.push(time(&mut direct()));
        r1.push(time(&mut one()));
        r2.push(time(&mut two()));
        x.push(time(&mut exec()));
        v.push(time(&mut version()));
        n.push(time(&mut names()));
    }
    let took = started.elapsed();
    let (d, r1, r2, x, v, n) =
        (Sample::ms(d), Sample::ms(r1), Sample::ms(r2), Sample::ms(x), Sample::ms(v), Sample::ms(n));
    let added1 = r1.median() - d.median();
    let added2 = r2.median() - d.median();
    let added_x = x.median() - d.median();
    let verdict = |ms: f64| if ms < GOAL_MS { "met" } else { "NOT met" };

    let (cores, cpu, _) = machine();
    let mut md = String::new();
    md.push_str("## `latchkey run` overhead\n\n");
    md.push_str(&format!(
        "- Date: {}; commit {}\n- Machine: {} cores, {}; load average {load_before} before, {} after\n\
         - Setup: {} interleaved runs of each, release build, a private gnome-keyring (scripts/test-session.sh), \
         the command `/bin/true`; took {:.1} s\n\n",
        date(),
        commit(),
        cores,
        cpu,
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
        "| same with two tokens, `--no-mask` (use recorded first, then exec) | {} | +{added_x:.1} ms ({:.1}×) | < {GOAL_MS} ms | {} |\n",
        x.show(),
        x.median() / d.median(),
        verdict(added_x)
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
        "\nWhat `latchkey run` does: start, read the index, read the tokens' secrets from the Secret Service \
         in one DH-encrypted session over D-Bus, start the command as a child whose output it masks, record the \
         use of all its tokens (one locked, fsynced index write and the access log) while the command runs, and \
         pass its exit code on. With `--no-mask` the use is recorded first and the command replaces `latchkey` \
         (exec). The remainder after `--print-names` is the masking set-up, the records and the child's start.\n",
    );
    results::write_section(&o.out, &md).unwrap_or_else(|e| panic!("write {}: {e}", o.out.display()));
    println!("{md}");
    eprintln!("bench-run: wrote {}", o.out.display());
}
