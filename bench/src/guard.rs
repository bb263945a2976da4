//! `bench-guard`: what the commit guard (`latchkey guard install`'s pre-commit hook) adds to a
//! `git commit` of a few small files, with 200 tokens stored.
//!
//! Two identical repositories, one with the hook and one without, in the same run; each round
//! stages three new small files (about 40 lines each, no secret) in both and times `git commit`
//! in each, alternating which goes first, so load changes hit both alike. The hook runs the
//! release `latchkey guard check`: `git diff --cached`, the index, all 200 secrets from the
//! keychain (the bulk read of `SecretStore::get_many`), the scan of the added lines. Also
//! timed: `latchkey guard check` alone on the same staged files, and a commit that adds no line
//! (only removes), where the check needs no keychain. The goal: under 100 ms added (issue 18).
//!
//! Needs the release `latchkey` and a Secret Service: `make bench-guard` runs it inside
//! scripts/test-session.sh (private gnome-keyring). It writes the "Commit guard" section of
//! bench/RESULTS.md.
//!
//! Usage: `bench-guard [--runs 30] [--tokens 200] [--latchkey target/release/latchkey] [--out bench/RESULTS.md]`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod results;
mod sandbox;
mod timing;
use sandbox::Sandbox;
use timing::{date, Sample};

const GOAL_MS: f64 = 100.0;

struct Opts {
    runs: usize,
    tokens: usize,
    latchkey: PathBuf,
    out: PathBuf,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "bench-guard [--runs 30] [--tokens 200] [--latchkey target/release/latchkey] [--out bench/RESULTS.md]"
        );
        std::process::exit(0);
    }
    Opts {
        runs: get("--runs").and_then(|v| v.parse().ok()).unwrap_or(30).max(3),
        tokens: get("--tokens").and_then(|v| v.parse().ok()).unwrap_or(200),
        latchkey: get("--latchkey").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/release/latchkey")),
        out: get("--out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/RESULTS.md")),
    }
}

impl Sample {
    fn show(&self) -> String {
        format!("{:.1} ms (p90 {:.1})", self.median(), self.pct(0.9))
    }
}

/// `git ARGS` in `dir`, pointed at the sandbox (the hook's `latchkey` reads its vault).
fn git(sb: &Sandbox, dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    sb.apply(&mut c);
    c.args(args).current_dir(dir).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

fn run(mut c: Command) -> Duration {
    let start = Instant::now();
    let out = c.output().expect("starts");
    let took = start.elapsed();
    assert!(out.status.success(), "{c:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    took
}

fn make_repo(sb: &Sandbox, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    run(git(sb, dir, &["init", "-q", "-b", "main"]));
    for (k, v) in [("user.email", "bench@example.invalid"), ("user.name", "Bench"), ("commit.gpgsign", "false")] {
        run(git(sb, dir, &["config", k, v]));
    }
    std::fs::write(dir.join("README"), "bench\n").unwrap();
    run(git(sb, dir, &["add", "README"]));
    run(git(sb, dir, &["commit", "-q", "-m", "first", "--no-verify"]));
}

/// Three new small files (about 40 lines of code-like text each), staged.
fn stage_three(sb: &Sandbox, dir: &Path, round: usize) {
    for f in 0..3 {
        let mut text = String::new();
        for line in 0..40 {
            text.push_str(&format!(
                "def handler_{round}_{f}_{line}(request, settings):  # round {round}\n    return settings.get('key_{line}')\n"
            ));
        }
        std::fs::write(dir.join(format!("mod_{round}_{f}.py")), text).unwrap();
    }
    run(git(sb, dir, &["add", "-A"]));
}

fn main() {
    let o = opts();
    assert!(o.latchkey.exists(), "{} is missing: cargo build --release -p latchkey-cli", o.latchkey.display());
    let latchkey = std::fs::canonicalize(&o.latchkey).unwrap();
    let sb = Sandbox::new("guard");
    let load_before = results::load();
    eprintln!("bench-guard: storing {} tokens (load {load_before})", o.tokens);
    let mut last = String::new();
    for i in 0..o.tokens {
        let platform = ["cvat", "roboflow", "supervisely"][i % 3];
        last = format!("FAKE-bench-guard-{i:03}-{}", uuid::Uuid::new_v4().simple());
        sb.add(&latchkey, platform, &format!("bench-{i:03}"), &[], &last);
    }
    let root = tempfile::tempdir().unwrap();
    let (with, without) = (root.path().join("with-hook"), root.path().join("without"));
    make_repo(&sb, &with);
    make_repo(&sb, &without);
    let mut install = sb.latchkey(&latchkey, &["guard", "install", "--repo", with.to_str().unwrap()]);
    install.stdout(Stdio::null());
    run(install);
    let check = |dir: &Path| {
        let mut c = sb.latchkey(&latchkey, &["guard", "check"]);
        c.current_dir(dir);
        c
    };
    // The hook is the one that runs, and it reads every secret: the last one stored, staged,
    // stops the commit.
    std::fs::write(with.join("probe.env"), format!("TOKEN={last}\n")).unwrap();
    run(git(&sb, &with, &["add", "probe.env"]));
    let refused = git(&sb, &with, &["commit", "-q", "-m", "probe"]).output().unwrap();
    assert!(!refused.status.success(), "the guard let a stored secret through");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("bench-"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    run(git(&sb, &with, &["rm", "-q", "--cached", "probe.env"]));
    std::fs::remove_file(with.join("probe.env")).unwrap();

    let commit = |dir: &Path, round: usize| run(git(&sb, dir, &["commit", "-q", "-m", &format!("round {round}")]));
    // Warm up: page cache, the keychain's first reads.
    for round in 0..3 {
        stage_three(&sb, &with, round);
        stage_three(&sb, &without, round);
        run(check(&with));
        commit(&with, round);
        commit(&without, round);
    }
    eprintln!("bench-guard: {} rounds", o.runs);
    let (mut w, mut wo, mut alone, mut nothing) = (vec![], vec![], vec![], vec![]);
    let started = Instant::now();
    for round in 3..3 + o.runs {
        stage_three(&sb, &with, round);
        stage_three(&sb, &without, round);
        alone.push(run(check(&with)));
        if round % 2 == 0 {
            w.push(commit(&with, round));
            wo.push(commit(&without, round));
        } else {
            wo.push(commit(&without, round));
            w.push(commit(&with, round));
        }
        // A commit that only removes lines: no keychain read.
        std::fs::write(with.join(format!("mod_{round}_0.py")), "").unwrap();
        run(git(&sb, &with, &["add", "-A"]));
        nothing.push(run(git(&sb, &with, &["commit", "-q", "-m", "shrink"])));
    }
    let took = started.elapsed();
    let (w, wo, alone, nothing) = (Sample::ms(w), Sample::ms(wo), Sample::ms(alone), Sample::ms(nothing));
    let added = w.median() - wo.median();
    let added90 = w.pct(0.9) - wo.pct(0.9);
    let verdict = if added < GOAL_MS { "met" } else { "NOT met" };
    let (cores, cpu, _) = results::machine();

    let mut md = String::from("## Commit guard\n\n");
    md.push_str(&format!(
        "- Date: {}; commit {}\n- Machine: {cores} cores ({cpu}); load average {load_before} before, {} after\n\
         - Setup: {} tokens stored (a private gnome-keyring, scripts/test-session.sh); two identical repositories, \
         one with `latchkey guard install`'s hook; each of {} rounds stages three new files of 80 lines in both and \
         times `git commit` in each, alternating which goes first; release build; took {:.1} s\n\n",
        date(),
        results::commit(),
        results::load(),
        o.tokens,
        o.runs,
        took.as_secs_f64()
    ));
    md.push_str("| Figure | Median (p90) | Added by the hook | Goal | Verdict |\n|---|---|---|---|---|\n");
    md.push_str(&format!("| `git commit` of 3 files, no hook | {} | — | | |\n", wo.show()));
    md.push_str(&format!(
        "| `git commit` of 3 files, with the guard | {} | +{added:.1} ms median, +{added90:.1} ms p90 ({:.2}×) | \
         < {GOAL_MS} ms | {verdict} |\n",
        w.show(),
        w.median() / wo.median()
    ));
    md.push_str(&format!(
        "| ↳ `latchkey guard check` alone on the same staged files | {} | | info | |\n",
        alone.show()
    ));
    md.push_str(&format!(
        "| `git commit` that adds no line (only removes), with the guard: no keychain read | {} | +{:.1} ms | info | |\n",
        nothing.show(),
        nothing.median() - wo.median()
    ));
    md.push_str(&format!(
        "\nThe check: `git diff --cached -U0` for the added lines (none: done), the index, every stored secret \
         from the keychain in one bulk read (an encrypted session, one search, then `GetSecrets` for all items \
         and every item's attributes pipelined on one D-Bus connection), one Aho-Corasick pass per file over all their forms plus the \
         platform patterns. Most of the time is the {} keychain reads.\n",
        o.tokens
    ));
    results::write_section(&o.out, &md).unwrap_or_else(|e| panic!("write {}: {e}", o.out.display()));
    println!("{md}");
    eprintln!("bench-guard: wrote {}", o.out.display());
}
