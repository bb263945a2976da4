//! `bench-desktop`: Latchkey's release app against KeePassXC, in the same run, on the same
//! private X display (run it through `scripts/test-session.sh --`, as `make bench` does).
//!
//! For each app, with 200 entries: cold start (a new process; the file cache is warm) to its
//! window being mapped, and for Latchkey also to the first painted token list (the UI reports
//! it through the `bench_mark` command when `LATCHKEY_BENCH_MARK` is set); then, with the app
//! left alone, CPU time over `--idle-secs` (200 countdowns on screen for Latchkey) and the
//! memory of its whole process tree (WebKit's processes included) at the end; and the size
//! of the binary. Writes its own section of bench/RESULTS.md and a PNG chart.
//!
//! Usage: `bench-desktop --app target/release/latchkey-desktop [--tokens 200] [--runs 3]
//! [--idle-secs 60] [--out bench/RESULTS.md] [--chart bench/desktop.png]
//! [--bundle-dir target/release/bundle/deb]`

mod package;
mod procs;
mod report;
mod tray;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::Utc;
use latchkey_core::record::Platform;
use latchkey_core::secret::SecretInput;
use latchkey_core::secret_store::KeyringStore;
use latchkey_core::{NewToken, Vault};
use secrecy::SecretString;

pub struct Opts {
    pub app: PathBuf,
    pub tokens: usize,
    pub runs: usize,
    pub idle: Duration,
    pub out: PathBuf,
    pub chart: PathBuf,
    /// Where `tauri build --bundles deb` put the .deb (its size is reported when given).
    pub bundle_dir: Option<PathBuf>,
    /// How long Latchkey sits in the tray (window closed) before it is measured there.
    pub tray: Duration,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().collect();
    let get = |k: &str| args.iter().position(|a| a == k).and_then(|i| args.get(i + 1)).cloned();
    Opts {
        app: get("--app").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/release/latchkey-desktop")),
        tokens: get("--tokens").and_then(|v| v.parse().ok()).unwrap_or(200),
        runs: get("--runs").and_then(|v| v.parse().ok()).unwrap_or(3),
        idle: Duration::from_secs(get("--idle-secs").and_then(|v| v.parse().ok()).unwrap_or(60)),
        out: get("--out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/RESULTS.md")),
        chart: get("--chart").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/desktop.png")),
        bundle_dir: get("--bundle-dir").map(PathBuf::from),
        tray: Duration::from_secs(get("--tray-secs").and_then(|v| v.parse().ok()).unwrap_or(60)),
    }
}

/// One app's figures.
#[derive(Default, Clone)]
pub struct Figures {
    pub window: Vec<Duration>,
    pub ready: Vec<Duration>,
    pub paint: Vec<Duration>,
    pub cpu_percent: f64,
    pub rss_kib: u64,
    pub pss_kib: u64,
    pub processes: Vec<String>,
    pub binary_bytes: u64,
    /// The Debian package: (file size, installed size), bytes.
    pub deb: Option<(u64, u64)>,
    /// Latchkey in the tray, and re-opened from it.
    pub tray: Option<tray::TrayFigures>,
    /// Each start-up mark (Rust's and the UI's, see commands/bench.rs) after the exec, one per
    /// timed start.
    pub marks: Vec<(String, Vec<Duration>)>,
}

pub fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()
}

/// 200 tokens over every platform, expiring from an hour to a year ahead (so countdowns run).
fn seed_latchkey(dir: &Path, service: &str, n: usize) {
    let store = Arc::new(KeyringStore::new(service));
    let now = Utc::now();
    let mut v = Vault::open(dir, store, now);
    let platforms = [Platform::Supervisely, Platform::Cvat, Platform::Roboflow, Platform::Env0];
    for i in 0..n {
        let platform = platforms[i % platforms.len()];
        let secret = match platform {
            Platform::Env0 => SecretInput::KeyPair {
                key_id: format!("FAKEbenchkeyid{i:04}"),
                secret: SecretString::from(format!("FAKEbenchsecret{i:04}xxxxxxxx")),
            },
            _ => SecretInput::Token { token: SecretString::from(format!("FAKEbench{i:04}xxxxxxxxxxxxxxxx")) },
        };
        let t = NewToken {
            expires_at: Some(now + chrono::Duration::hours(1 + (i as i64 * 43) % 8760)),
            tags: vec![format!("team{}", i % 7)],
            ..NewToken::new(platform, format!("bench token {i:03}"), secret)
        };
        v.add(t, now).unwrap_or_else(|e| panic!("seeding token {i}: {e}"));
    }
}

/// A KeePassXC database with `n` entries, made with keepassxc-cli from an XML export.
fn seed_keepassxc(dir: &Path, n: usize) -> PathBuf {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><KeePassFile><Meta><DatabaseName>bench</DatabaseName></Meta><Root><Group><UUID>AAAAAAAAAAAAAAAAAAAAAA==</UUID><Name>Root</Name>",
    );
    for i in 0..n {
        use base64::Engine;
        let uuid = base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes());
        xml.push_str(&format!(
            "<Entry><UUID>{uuid}</UUID><String><Key>Title</Key><Value>bench entry {i:03}</Value></String>\
             <String><Key>UserName</Key><Value>user{i}</Value></String>\
             <String><Key>Password</Key><Value>FAKEbench{i:04}xxxxxxxxxxxxxxxx</Value></String>\
             <String><Key>URL</Key><Value>https://example.invalid/{i}</Value></String>\
             <Times><Expires>True</Expires><ExpiryTime>2027-0{}-15T00:00:00Z</ExpiryTime></Times></Entry>",
            1 + i % 9
        ));
    }
    xml.push_str("</Group></Root></KeePassFile>");
    let xml_path = dir.join("bench.xml");
    std::fs::write(&xml_path, xml).unwrap();
    let db = dir.join("bench.kdbx");
    let mut c = Command::new("keepassxc-cli")
        .args(["import", "-q", "-p", "-t", "100"])
        .arg(&xml_path)
        .arg(&db)
        .stdin(Stdio::piped())
        .spawn()
        .expect("keepassxc-cli (make bench installs keepassxc)");
    std::io::Write::write_all(c.stdin.as_mut().unwrap(), b"FAKEbenchpw\nFAKEbenchpw\n").unwrap();
    assert!(c.wait().unwrap().success() && db.exists(), "keepassxc-cli import failed");
    // No first-start questions (update checks) in the way of the window.
    let conf = std::env::var("XDG_CONFIG_HOME").map(PathBuf::from).unwrap().join("keepassxc");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("keepassxc.ini"), "[General]\nConfigVersion=2\nUpdateCheckMessageShown=true\n\n[GUI]\nCheckForUpdates=false\nMinimizeOnStartup=false\nShowTrayIcon=false\n").unwrap();
    db
}

/// Start, time, and (on the last run) watch the app idle.
fn measure(
    o: &Opts,
    label: &str,
    start: &dyn Fn(Option<&Path>) -> std::process::Child,
    window: &str,
    mark_dir: Option<&Path>,
    tray: Option<&latchkey_e2e::tray::FakeTray>,
) -> Figures {
    let mut f = Figures::default();
    let ticks = procs::clock_ticks_per_sec();
    // One extra first run warms the file cache and is not counted.
    for run in 0..=o.runs {
        let mark = mark_dir.map(|d| d.join(format!("mark-{run}")));
        let t0_ms = now_ms();
        let t0 = Instant::now();
        let mut child = start(mark.as_deref());
        let shown = procs::wait_for_window(window, t0, Duration::from_secs(60));
        // The UI marks "list-ready" when the token list is in the DOM, and "first-paint" in the
        // next animation frame (which WebKit under Xvfb may deliver seconds late).
        let ready = mark.as_deref().and_then(|m| read_mark(m, "list-ready ", t0_ms, Duration::from_secs(60)));
        let painted = mark.as_deref().and_then(|m| read_mark(m, "first-paint ", t0_ms, Duration::from_secs(10)));
        eprintln!("bench-desktop: {label} run {run}: window {shown:?}, list ready {ready:?}, first frame {painted:?}");
        let shown = shown.unwrap_or_else(|| panic!("{label}: no window matching {window} within 60 s"));
        if run > 0 {
            f.window.push(shown);
            if let Some(m) = mark.as_deref() {
                f.ready.push(ready.unwrap_or_else(|| panic!("{label}: the UI never reported its token list")));
                f.paint.extend(painted);
                add_marks(&mut f.marks, m, t0_ms);
            }
        }
        if run == o.runs {
            // Let start-up work settle, then leave it alone and watch. Close the expiry
            // summary the seeded tokens raise first: under Xvfb (no compositor) a notification
            // over the window makes WebKit repaint all the time (~10 % CPU measured with
            // dunst's window on top, ~0 % without), which is the test desktop, not the app.
            let _ = std::process::Command::new("dunstctl").arg("close-all").status();
            std::thread::sleep(Duration::from_secs(5));
            let before = procs::cpu_ticks(&procs::tree(child.id()));
            let t = Instant::now();
            std::thread::sleep(o.idle);
            let pids = procs::tree(child.id());
            let used = procs::cpu_ticks(&pids).saturating_sub(before);
            f.cpu_percent = used as f64 / ticks as f64 / t.elapsed().as_secs_f64() * 100.0;
            (f.rss_kib, f.pss_kib) = procs::memory_kib(&pids);
            f.processes = procs::names(&pids);
            if let (Some(t), Some(m)) = (tray, mark.as_deref()) {
                f.tray = Some(tray::measure(o, t, &child, m));
            }
        }
        procs::stop(&mut child);
    }
    f
}

/// The first `key` line of the mark file at or after `since_ms`, as the time since then;
/// waiting up to `limit` for it.
pub fn read_mark(m: &Path, key: &str, since_ms: u128, limit: Duration) -> Option<Duration> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let text = std::fs::read_to_string(m).unwrap_or_default();
        let found =
            text.lines().filter_map(|l| l.strip_prefix(key)?.trim().parse::<u128>().ok()).find(|ms| *ms >= since_ms);
        if let Some(ms) = found {
            return Some(Duration::from_millis((ms - since_ms) as u64));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

/// Add one start's marks (the first of each name, as time since `t0_ms`) to `marks`.
fn add_marks(marks: &mut Vec<(String, Vec<Duration>)>, m: &Path, t0_ms: u128) {
    let text = std::fs::read_to_string(m).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    for (name, ms) in text.lines().filter_map(|l| l.split_once(' ')) {
        let Ok(ms) = ms.trim().parse::<u128>() else { continue };
        if !seen.insert(name) {
            continue;
        }
        let at = Duration::from_millis(ms.saturating_sub(t0_ms) as u64);
        match marks.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => v.push(at),
            None => marks.push((name.to_string(), vec![at])),
        }
    }
}

fn main() {
    let o = opts();
    let started = Instant::now();
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run me inside scripts/test-session.sh -- (needs its X display and keychain)"
    );
    let app =
        std::fs::canonicalize(&o.app).unwrap_or_else(|e| panic!("{}: {e} (make bench builds it)", o.app.display()));
    let tmp = std::env::temp_dir().join(format!("latchkey-bench-desktop-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let data = tmp.join("data");
    let service = format!("latchkey-bench-{}", std::process::id());
    let t = Instant::now();
    seed_latchkey(&data, &service, o.tokens);
    eprintln!("bench-desktop: seeded {} tokens into the keychain in {:.1} s", o.tokens, t.elapsed().as_secs_f64());
    let db = seed_keepassxc(&tmp, o.tokens);

    let lk_start = |mark: Option<&Path>| {
        let mut c = Command::new(&app);
        c.env("LATCHKEY_DATA_DIR", &data)
            .env("LATCHKEY_KEYCHAIN_SERVICE", &service)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(m) = mark {
            c.env("LATCHKEY_BENCH_MARK", m);
        }
        c.spawn().unwrap()
    };
    // A panel for Latchkey's tray icon, so its menu can be clicked as a user would.
    let fake_tray = latchkey_e2e::tray::FakeTray::start();
    let mut latchkey = measure(&o, "Latchkey", &lk_start, "^Latchkey$", Some(&tmp), Some(&fake_tray));
    latchkey.binary_bytes = std::fs::metadata(&app).map(|m| m.len()).unwrap_or(0);
    latchkey.deb = o.bundle_dir.as_deref().and_then(package::latchkey_deb);

    let kp_start = |_: Option<&Path>| {
        let mut c = Command::new("keepassxc")
            .arg("--pw-stdin")
            .arg(&db)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("keepassxc (make bench installs it)");
        let _ = std::io::Write::write_all(c.stdin.as_mut().unwrap(), b"FAKEbenchpw\n");
        drop(c.stdin.take());
        c
    };
    // The window title names the open database once it is unlocked.
    let mut keepassxc = measure(&o, "KeePassXC", &kp_start, "^bench(\\.kdbx)? - KeePassXC$", None, None);
    keepassxc.binary_bytes = which("keepassxc").and_then(|p| std::fs::metadata(p).ok()).map(|m| m.len()).unwrap_or(0);
    keepassxc.deb = package::installed_deb("keepassxc");

    // Remove the seeded keychain entries again.
    let mut v = Vault::open(&data, Arc::new(KeyringStore::new(&service)), Utc::now());
    for r in v.records().unwrap_or_default() {
        let _ = v.delete(r.id, Utc::now());
    }
    let _ = std::fs::remove_dir_all(&tmp);
    report::write(&o, &latchkey, &keepassxc, started.elapsed());
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.exists())
}
