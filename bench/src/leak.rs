//! bench-leak: leak scan throughput of core's scanner against ripgrep on the same trees.
//!
//! Two trees, each timed in the same run and alternating, `latchkey_core::leak::scan` (exact
//! needles only, and with the unknown-token patterns as the app runs it) against
//! `rg -F -f <needles file>`, page cache warm for both; both must find the same planted tokens:
//! - generated (once; reused while its parameters match): text files of mixed sizes —
//!   source-like files, logs, a few binaries — with stored tokens planted one per line;
//! - real code: the cargo registry's unpacked crates and `ui/node_modules` as this checkout's
//!   build downloaded them (tens of thousands of small files; read-only), plus three copies of
//!   real files with a stored token planted in each, scanned with ignored files included
//!   (`rg -uu`). Left out when those folders are not there.
//!
//! For each tree a breakdown of the scan: the walk alone, then walk + open + read of every
//! file (nothing searched), then the exact needles, then the patterns.
//! All tokens are fake, made at run time; the needles file lives in a temp folder.
//!
//! With `--latchkey <release binary>` (and a Secret Service: `make bench` runs it inside
//! scripts/test-session.sh), the real-code tree is also scanned from the command line, as a
//! user runs `latchkey scan`, against ripgrep ([`leak_cli`]).
//!
//! Usage: `bench-leak [--size-gb 2] [--runs 3] [--dir <tree>] [--out bench/RESULTS.md] [--latchkey <bin>]`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use latchkey_core::leak::{scan, FindingKind, LeakPlaces, NeedleSet, ScanOptions, TokenRef};
use latchkey_core::Platform;

mod leak_cli;
mod results;
mod sandbox;

struct Opts {
    size_gb: f64,
    runs: usize,
    dir: PathBuf,
    out: PathBuf,
    /// The release `latchkey`, for the command-line rows (in a session with a keychain).
    latchkey: Option<PathBuf>,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "bench-leak [--size-gb 2] [--runs 3] [--dir <tree>] [--out bench/RESULTS.md] [--latchkey <release cli>]"
        );
        std::process::exit(0);
    }
    Opts {
        size_gb: get("--size-gb").map(|s| s.parse().expect("--size-gb: a number")).unwrap_or(2.0),
        runs: get("--runs").map(|s| s.parse().expect("--runs: a number")).unwrap_or(3).max(1),
        dir: get("--dir").map(PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("latchkey-bench-leak-tree")),
        out: get("--out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/RESULTS.md")),
        latchkey: get("--latchkey").map(PathBuf::from),
    }
}

/// xorshift64: fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n).map(|_| A[self.below(A.len() as u64) as usize] as char).collect()
    }
}

/// 50 fake tokens of the platforms' shapes (10 each), with env0's key ids.
fn tokens() -> Vec<(Platform, Option<String>, String)> {
    let mut r = Rng(0x5EED_1EA4_0000_0001);
    let mut out = vec![];
    for i in 0..10 {
        out.push((Platform::Cvat, None, format!("{}.{}", r.alnum(8), r.alnum(32))));
        out.push((Platform::Roboflow, None, r.alnum(20)));
        out.push((Platform::Supervisely, None, r.alnum(128)));
        out.push((Platform::Env0, Some(format!("kid{i}{}", r.alnum(12))), r.alnum(32)));
        out.push((Platform::Other, None, format!("{}/{}+{}", r.alnum(12), r.alnum(12), r.alnum(8))));
    }
    out
}

fn needles() -> NeedleSet {
    let mut b = NeedleSet::builder();
    for (i, (platform, key_id, secret)) in tokens().into_iter().enumerate() {
        let t = TokenRef { token_id: uuid::Uuid::new_v4(), platform, label: format!("t{i}"), hint: String::new() };
        match key_id {
            Some(id) => b.key_pair(t, &id, &secret),
            None => b.secret(t, &secret),
        };
    }
    b.build()
}

/// The same needles for ripgrep, one per line: every form core derives (`leak/needles.rs`).
fn needle_lines() -> String {
    use base64::Engine;
    let mut lines: Vec<String> = vec![];
    for (_, key_id, secret) in tokens() {
        lines.push(secret.clone());
        for upper in [true, false] {
            let enc: String = secret
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                    _ if upper => format!("%{b:02X}"),
                    _ => format!("%{b:02x}"),
                })
                .collect();
            if enc != secret {
                lines.push(enc);
            }
        }
        if let Some(id) = key_id {
            let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
            let trimmed = b64.trim_end_matches('=').to_string();
            if trimmed != b64 {
                lines.push(trimmed);
            }
            lines.push(b64);
        }
    }
    lines.dedup();
    lines.join("\n") + "\n"
}

const WORDS: &[&str] = &[
    "the", "error", "request", "user", "token", "INFO", "DEBUG", "WARN", "return", "self", "import", "def", "class",
    "if", "else", "for", "while", "config", "server", "api", "value", "None", "true", "false", "string", "data",
];

/// One line of filler: words, numbers, hex ids, sometimes a base64 blob.
fn filler(r: &mut Rng, line: &mut String) {
    line.clear();
    let n = 4 + r.below(12);
    for _ in 0..n {
        match r.below(10) {
            0 => line.push_str(&format!("{:x}", r.next())),
            1 => line.push_str(&r.next().to_string()),
            2 if r.below(4) == 0 => line.push_str(&r.alnum(40)),
            _ => line.push_str(WORDS[r.below(WORDS.len() as u64) as usize]),
        }
        line.push(if r.below(8) == 0 { '.' } else { ' ' });
    }
    line.push('\n');
}

/// Write the tree; returns how many tokens were planted.
fn generate(dir: &Path, size: u64) -> u64 {
    let _ = std::fs::remove_dir_all(dir);
    let mut r = Rng(0xB16_7EE5);
    let toks = tokens();
    let mut written = 0u64;
    let mut planted = 0u64;
    let mut file_no = 0u64;
    let mut line = String::new();
    while written < size {
        // Mostly small files, some large logs: 70% 1–64 KiB, 25% 64 KiB–2 MiB, 5% 16–128 MiB.
        let want = match r.below(100) {
            0..=69 => 1024 + r.below(63 * 1024),
            70..=94 => 64 * 1024 + r.below(2 * 1024 * 1024),
            _ => 16 * 1024 * 1024 + r.below(112 * 1024 * 1024),
        }
        .min(size - written);
        let sub = dir.join(format!("d{}/s{}/n{}", file_no % 17, file_no % 5, file_no % 3));
        std::fs::create_dir_all(&sub).unwrap();
        if file_no.is_multiple_of(97) {
            // A binary file: never searched by either tool.
            let mut bytes = vec![0u8; want as usize];
            for b in bytes.iter_mut() {
                *b = r.next() as u8;
            }
            bytes[..4].copy_from_slice(b"\x7fELF");
            std::fs::write(sub.join(format!("f{file_no}.bin")), bytes).unwrap();
        } else {
            let ext = ["py", "log", "txt", "json", "sh"][(file_no % 5) as usize];
            let mut w = BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(sub.join(format!("f{file_no}.{ext}"))).unwrap(),
            );
            let mut n = 0u64;
            while n < want {
                if r.below(200_000) == 0 {
                    let (_, _, secret) = &toks[r.below(toks.len() as u64) as usize];
                    line = format!("export SOME_TOKEN={secret} # planted\n");
                    planted += 1;
                } else {
                    filler(&mut r, &mut line);
                }
                w.write_all(line.as_bytes()).unwrap();
                n += line.len() as u64;
            }
            w.flush().unwrap();
            written += n;
            file_no += 1;
            continue;
        }
        written += want;
        file_no += 1;
    }
    planted
}

fn tree_size(dir: &Path) -> (u64, u64) {
    let (mut bytes, mut files) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else if e.file_name() != ".complete" {
                bytes += m.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

/// A tree to scan: its folders, whether ignored files count, its size.
struct Tree {
    name: String,
    roots: Vec<PathBuf>,
    include_ignored: bool,
    files: u64,
    bytes: u64,
}

/// What a scan is asked to do, for the breakdown.
#[derive(Clone, Copy)]
enum Work {
    /// Walk + open + read every file (an empty needle set, no patterns).
    Read,
    Exact,
    Full,
}

fn time_core(needles: &NeedleSet, empty: &NeedleSet, tree: &Tree, work: Work) -> (Duration, usize) {
    let places = LeakPlaces {
        home_defaults: false,
        folders: tree.roots.iter().map(|r| r.display().to_string()).collect(),
        include_ignored: tree.include_ignored,
        schedule_hours: None,
    };
    let options = ScanOptions { unknown_tokens: matches!(work, Work::Full), ..Default::default() };
    let needles = if matches!(work, Work::Read) { empty } else { needles };
    let start = Instant::now();
    let report = scan(needles, &places, None, &options, &|_| {}, &AtomicBool::new(false), chrono::Utc::now());
    let took = start.elapsed();
    (took, report.findings.iter().filter(|f| matches!(f.kind, FindingKind::Stored { .. })).count())
}

/// The walk alone, with the scanner's settings (files are listed, not opened).
fn time_walk(tree: &Tree) -> Duration {
    let start = Instant::now();
    let mut b = ignore::WalkBuilder::new(&tree.roots[0]);
    for r in &tree.roots[1..] {
        b.add(r);
    }
    let respect = !tree.include_ignored;
    b.hidden(false).git_ignore(respect).git_global(respect).git_exclude(respect).ignore(respect).parents(respect);
    b.require_git(false).follow_links(true).threads(ScanOptions::default().threads);
    let count = std::sync::atomic::AtomicU64::new(0);
    b.build_parallel().run(|| {
        Box::new(|e| {
            if e.is_ok_and(|e| e.file_type().is_some_and(|t| t.is_file())) {
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            ignore::WalkState::Continue
        })
    });
    start.elapsed()
}

fn time_rg(needles_file: &Path, tree: &Tree) -> (Duration, usize) {
    let start = Instant::now();
    let out = Command::new("rg")
        .args(["-F", "--hidden", "--no-messages", "--no-line-number", "-o"])
        .args(if tree.include_ignored { &["--no-ignore"][..] } else { &[] })
        .arg("-f")
        .arg(needles_file)
        .args(&tree.roots)
        .output()
        .expect("run rg (install ripgrep: apt-get install ripgrep)");
    let took = start.elapsed();
    (took, out.stdout.iter().filter(|&&b| b == b'\n').count())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn gbps(bytes: u64, d: Duration) -> String {
    format!("{:.2} GB/s", bytes as f64 / d.as_secs_f64() / 1e9)
}

/// The medians of one tree's timings.
struct Timed {
    rg: Duration,
    walk: Duration,
    read: Duration,
    exact: Duration,
    full: Duration,
    core_found: usize,
    rg_found: usize,
}

fn measure(tree: &Tree, needles: &NeedleSet, needles_file: &Path, runs: usize) -> Timed {
    let empty = NeedleSet::builder().build();
    // Warm the page cache (and check that both find the same).
    let (_, core_found) = time_core(needles, &empty, tree, Work::Exact);
    let (_, rg_found) = time_rg(needles_file, tree);
    eprintln!(
        "bench-leak: {}: {} files, {} bytes; core found {core_found}, rg {rg_found}",
        tree.name, tree.files, tree.bytes
    );
    let mut t: [Vec<Duration>; 5] = Default::default();
    for i in 0..runs {
        eprintln!("bench-leak: {}: run {}/{runs}", tree.name, i + 1);
        t[0].push(time_rg(needles_file, tree).0);
        t[1].push(time_walk(tree));
        t[2].push(time_core(needles, &empty, tree, Work::Read).0);
        t[3].push(time_core(needles, &empty, tree, Work::Exact).0);
        t[4].push(time_core(needles, &empty, tree, Work::Full).0);
    }
    let [rg, walk, read, exact, full] = t.map(median);
    Timed { rg, walk, read, exact, full, core_found, rg_found }
}

/// One tree's table: the goals against ripgrep, then the breakdown.
fn table(tree: &Tree, t: &Timed) -> String {
    let ratio = |d: Duration| t.rg.as_secs_f64() / d.as_secs_f64();
    let verdict = |r: f64, goal: f64| if r >= goal { "met" } else { "NOT met" };
    let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let mut md = format!(
        "### {}\n\n- {} files, {:.2} GB; both found {} planted tokens{}\n\n",
        tree.name,
        tree.files,
        tree.bytes as f64 / 1e9,
        t.core_found,
        if t.core_found == t.rg_found { String::new() } else { format!(" — MISMATCH: rg found {}", t.rg_found) },
    );
    md.push_str("| Figure | Time | Throughput | vs ripgrep | Goal | Verdict |\n|---|---|---|---|---|---|\n");
    let rg_args = if tree.include_ignored { "-uu -o" } else { "--hidden -o" };
    md.push_str(&format!(
        "| `rg -F -f <needles> {rg_args}` | {} | {} | 1.00× | | |\n",
        secs(t.rg),
        gbps(tree.bytes, t.rg)
    ));
    for (what, d, goal) in [
        ("Latchkey scan, exact needles", t.exact, 1.0),
        ("Latchkey scan as the app runs it (+ unknown-token patterns)", t.full, 0.8),
    ] {
        let r = ratio(d);
        md.push_str(&format!(
            "| {what} | {} | {} | {r:.2}× | ≥ {goal:.1}× | {} |\n",
            secs(d),
            gbps(tree.bytes, d),
            verdict(r, goal)
        ));
    }
    md.push_str(&format!(
        "| ↳ of which the walk alone (listing the files, none opened) | {} | | | info | |\n\
         | ↳ walk + open + read every file, nothing searched | {} | | | info | |\n\
         | ↳ the exact needles' search (exact − read) | {:+.2} s | | | info | |\n\
         | ↳ the patterns' search (app − exact) | {:+.2} s | | | info | |\n\n",
        secs(t.walk),
        secs(t.read),
        t.exact.as_secs_f64() - t.read.as_secs_f64(),
        t.full.as_secs_f64() - t.exact.as_secs_f64(),
    ));
    md
}

/// The real-code tree: the cargo registry's sources and `ui/node_modules`, plus a folder
/// with three copies of real files, a stored token planted in each. `None` without them.
fn real_tree(planted: &Path) -> Option<Tree> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let roots: Vec<PathBuf> =
        [cargo_home.join("registry/src"), Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules")]
            .into_iter()
            .filter(|p| p.is_dir())
            .collect();
    // Three real source files, a token inserted in the middle of each.
    let sources: Vec<PathBuf> = ignore::WalkBuilder::new(roots.first()?)
        .build()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs" || x == "js"))
        .take(3)
        .collect();
    for (i, (src, (_, _, secret))) in sources.iter().zip(tokens()).enumerate() {
        let text = std::fs::read_to_string(src).ok()?;
        let mid = text.len() / 2;
        let at = text[mid..].find('\n').map_or(text.len(), |n| mid + n + 1);
        let planted_text = format!("{}const API: &str = \"{secret}\";\n{}", &text[..at], &text[at..]);
        std::fs::write(planted.join(format!("planted{i}.{}", src.extension()?.to_string_lossy())), planted_text)
            .ok()?;
    }
    let mut roots = roots;
    roots.push(planted.to_path_buf());
    let (bytes, files) = roots.iter().map(|r| tree_size(r)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    Some(Tree {
        name: "Real code: cargo registry sources + ui/node_modules, 3 planted tokens, ignored files included".into(),
        roots,
        include_ignored: true,
        files,
        bytes,
    })
}

fn main() {
    let o = opts();
    let size = (o.size_gb * 1e9) as u64;
    let (nproc, cpu, load_before) = results::machine();
    let stamp = format!("size={size} v1\n");
    let marker = o.dir.join(".complete");
    let started = Instant::now();
    let generated = if std::fs::read_to_string(&marker).ok().as_deref() == Some(stamp.as_str()) {
        eprintln!("bench-leak: reusing the tree in {}", o.dir.display());
        false
    } else {
        eprintln!("bench-leak: generating {:.1} GB in {} …", o.size_gb, o.dir.display());
        generate(&o.dir, size);
        std::fs::write(&marker, &stamp).unwrap();
        true
    };
    let gen_took = started.elapsed();
    let (bytes, files) = tree_size(&o.dir);
    let gen_tree = Tree {
        name: format!(
            "Generated: text of mixed sizes up to 128 MiB, ~1% binary, {}",
            if generated { format!("generated in {:.0} s", gen_took.as_secs_f64()) } else { "reused".into() }
        ),
        roots: vec![o.dir.clone()],
        include_ignored: false,
        files,
        bytes,
    };

    let needles = needles();
    let secrets_dir = tempfile::tempdir().unwrap();
    let needles_file = secrets_dir.path().join("needles");
    std::fs::write(&needles_file, needle_lines()).unwrap();
    let planted = secrets_dir.path().join("planted");
    std::fs::create_dir_all(&planted).unwrap();
    let real = real_tree(&planted);

    let mut md = String::from("## Leak scan (exact secrets vs ripgrep)\n\n");
    md.push_str(&format!(
        "- Date: {}; commit {}\n- Machine: {nproc} cores, {cpu}; load average {load_before} before, {{LOAD_AFTER}} after \
         (shared cores: figures vary)\n- {} needles from 50 fake tokens (10 per platform shape, env0 with its base64 \
         Basic form, URL-encoded forms); page cache warm; {} runs, median\n\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M %Z"),
        results::commit(),
        needles.len(),
        o.runs,
    ));
    for tree in std::iter::once(&gen_tree).chain(real.as_ref()) {
        let t = measure(tree, &needles, &needles_file, o.runs);
        md.push_str(&table(tree, &t));
    }
    if let (Some(bin), Some(tree)) = (&o.latchkey, &real) {
        eprintln!("bench-leak: the command line, {} rounds", o.runs.max(5));
        let t = leak_cli::measure(bin, &tokens(), tree, o.runs.max(5));
        md.push_str(&leak_cli::table(tree, &t));
    }
    if real.is_none() {
        md.push_str("The real-code tree was left out: no cargo registry sources or ui/node_modules here.\n\n");
    }
    drop(secrets_dir);
    md = md.replace("{LOAD_AFTER}", &results::load());
    md.push_str(
        "Both tools use all cores (2 here) and skip binary files; ripgrep searches the same needle list \
         (every form of every secret, one per line). Latchkey additionally works out line, column and a masked \
         excerpt for each hit, in a second pass over only the files that had one. The breakdown rows are \
         separate runs (the walk alone uses the scanner's walker settings); the scan overlaps walking, reading \
         and searching on all threads, so the rows do not add up exactly.\n",
    );
    results::write_section(&o.out, &md).unwrap_or_else(|e| panic!("write {}: {e}", o.out.display()));
    println!("{md}");
}
