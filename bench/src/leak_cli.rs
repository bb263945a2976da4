//! bench-leak's command-line rows: `latchkey scan` as a user runs it — start-up, the index, the
//! stored secrets from the keychain, the scan, the report kept — against ripgrep given the same
//! secrets, on the real-code tree. Needs the release `latchkey` (`--latchkey`) and a Secret
//! Service (`make bench` runs bench-leak inside scripts/test-session.sh).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use latchkey_core::Platform;

use crate::sandbox::Sandbox;
use crate::Tree;

pub struct CliTimed {
    rg: Duration,
    fixed: Duration,
    exact: Duration,
    full: Duration,
    /// Files with a hit: ripgrep's, and Latchkey's stored-token findings (exact, full).
    found: [usize; 3],
    /// Unknown-token findings of the full scan (false alarms on this tree).
    unknown: usize,
}

/// Store `tokens` with the release CLI, then time the commands `runs` times, interleaved.
pub fn measure(bin: &Path, tokens: &[(Platform, Option<String>, String)], tree: &Tree, runs: usize) -> CliTimed {
    let sb = Sandbox::new("leak");
    for (i, (platform, key_id, secret)) in tokens.iter().enumerate() {
        let extra: Vec<&str> = key_id.as_deref().map(|k| vec!["--key-id", k]).unwrap_or_default();
        sb.add(bin, platform.id(), &format!("bench {i}"), &extra, secret);
    }
    let secrets = tempfile::NamedTempFile::new().expect("temp file");
    let lines: String = tokens.iter().map(|(_, _, s)| format!("{s}\n")).collect();
    std::fs::write(secrets.path(), lines).expect("write the secrets file");
    let empty = tempfile::tempdir().expect("temp dir");
    let roots: Vec<&str> = tree.roots.iter().map(|r| r.to_str().expect("utf-8 path")).collect();
    let scan = |extra: &[&str], roots: &[&str]| {
        let mut args = vec!["scan", "--no-home", "--include-ignored"];
        args.extend_from_slice(extra);
        args.extend_from_slice(roots);
        let mut c = sb.latchkey(bin, &args);
        c.stdout(std::process::Stdio::piped());
        c
    };
    let rg = || {
        let mut c = Command::new("rg");
        c.args(["-F", "-uu", "-l", "--no-messages", "-f"]).arg(secrets.path()).args(&tree.roots);
        c
    };
    let empty_root = [empty.path().to_str().expect("utf-8 path")];
    let mut t: [Vec<Duration>; 4] = Default::default();
    let mut last: [Option<Output>; 4] = Default::default();
    // One round to warm the page cache and the keychain, then the timed rounds.
    for round in 0..=runs {
        let cmds = [rg(), scan(&["--stored-only"], &empty_root), scan(&["--stored-only"], &roots), scan(&[], &roots)];
        for (i, mut c) in cmds.into_iter().enumerate() {
            let start = Instant::now();
            let out = c.output().expect("the command starts");
            if round > 0 {
                t[i].push(start.elapsed());
            }
            last[i] = Some(out);
        }
    }
    let [rg_out, _, exact_out, full_out] = last.map(|o| o.expect("ran"));
    let count =
        |o: &Output, what: &str| String::from_utf8_lossy(&o.stdout).lines().filter(|l| l.contains(what)).count();
    let [rg, fixed, exact, full] = t.map(crate::median);
    CliTimed {
        rg,
        fixed,
        exact,
        full,
        found: [count(&rg_out, "/"), count(&exact_out, ": stored "), count(&full_out, ": stored ")],
        unknown: count(&full_out, ": unknown "),
    }
}

/// The command-line table, ratios against ripgrep.
pub fn table(tree: &Tree, t: &CliTimed) -> String {
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    let ratio = |d: Duration| t.rg.as_secs_f64() / d.as_secs_f64();
    let verdict = |r: f64, goal: f64| if r >= goal { "met" } else { "NOT met" };
    let mut md = format!(
        "### From the command line: `latchkey scan` against `rg`, on the real-code tree\n\n\
         - The same {} files; the 50 tokens stored with `latchkey add` in a private gnome-keyring; ripgrep \
         given the 50 secrets (`-f`, one per line: the issue's setup). Files with a stored token found: \
         ripgrep {}, Latchkey {} (exact) and {} (with patterns); unknown-token findings: {}\n\n\
         | Command | Median | vs ripgrep | Goal | Verdict |\n|---|---|---|---|---|\n",
        tree.files, t.found[0], t.found[1], t.found[2], t.unknown
    );
    md.push_str(&format!("| `rg -F -f <secrets> -uu -l <tree>` | {} | 1.00× | | |\n", ms(t.rg)));
    for (what, d, goal) in [
        ("`latchkey scan --no-home --include-ignored --stored-only <tree>`", t.exact, 1.0),
        ("`latchkey scan --no-home --include-ignored <tree>` (+ patterns)", t.full, 0.8),
    ] {
        let r = ratio(d);
        md.push_str(&format!("| {what} | {} | {r:.2}× | ≥ {goal:.1}× | {} |\n", ms(d), verdict(r, goal)));
    }
    md.push_str(&format!(
        "| ↳ of which the fixed cost: the same on an empty folder (start-up, index, keychain, report) | {} | | info | |\n\n",
        ms(t.fixed)
    ));
    md
}
