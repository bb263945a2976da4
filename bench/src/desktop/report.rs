//! The desktop section of bench/RESULTS.md (between its own markers, so bench-validate's
//! sections stay as they are) and a bar chart drawn with ImageMagick.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::tray::TrayFigures;
use crate::{Figures, Opts};

const START: &str = "<!-- bench-desktop:start -->";
const END: &str = "<!-- bench-desktop:end -->";

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

fn range(v: &[Duration]) -> String {
    let (lo, hi) = (v.iter().min().copied().unwrap_or_default(), v.iter().max().copied().unwrap_or_default());
    format!("{} ({}–{})", ms(median(v)), lo.as_millis(), hi.as_millis())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "–".into()
    }
}

/// The table's rows: figure, Latchkey, KeePassXC, ratio, goal, verdict.
fn rows(o: &Opts, lk: &Figures, kp: &Figures) -> Vec<[String; 6]> {
    let ready = median(&lk.ready);
    let (lk_win, kp_win) = (median(&lk.window), median(&kp.window));
    let r = ratio;
    let mut rows = vec![
        [
            "Cold start to window mapped".to_string(),
            range(&lk.window),
            range(&kp.window),
            r(lk_win.as_secs_f64(), kp_win.as_secs_f64()),
            "info".into(),
            String::new(),
        ],
        [
            format!("Cold start to the token list rendered ({} tokens)", o.tokens),
            range(&lk.ready),
            format!("window mapped {}", ms(kp_win)),
            r(ready.as_secs_f64(), kp_win.as_secs_f64()),
            "≤ 500 ms".into(),
            verdict(ready <= Duration::from_millis(500)).into(),
        ],
        [
            "↳ to the next animation frame after it".into(),
            if lk.paint.is_empty() { "none within 10 s".into() } else { range(&lk.paint) },
            String::new(),
            String::new(),
            "info".into(),
            String::new(),
        ],
        [
            format!("Idle memory after {} s, sum of RSS of all processes", o.idle.as_secs() + 5),
            mib(lk.rss_kib),
            mib(kp.rss_kib),
            r(lk.rss_kib as f64, kp.rss_kib as f64),
            "≤ 120 MiB and below KeePassXC".into(),
            verdict(lk.rss_kib <= 120 * 1024 && lk.rss_kib < kp.rss_kib).into(),
        ],
        [
            "↳ sum of PSS (shared pages split between processes)".into(),
            mib(lk.pss_kib),
            mib(kp.pss_kib),
            r(lk.pss_kib as f64, kp.pss_kib as f64),
            "info".into(),
            String::new(),
        ],
        [
            format!("Idle CPU over {} s ({} countdowns on screen)", o.idle.as_secs(), o.tokens),
            format!("{:.2} %", lk.cpu_percent),
            format!("{:.2} %", kp.cpu_percent),
            r(lk.cpu_percent, kp.cpu_percent),
            "≈ 0 % (≤ 0.5 %)".into(),
            verdict(lk.cpu_percent <= 0.5).into(),
        ],
        [
            "Release binary size".into(),
            mib(lk.binary_bytes / 1024),
            mib(kp.binary_bytes / 1024),
            r(lk.binary_bytes as f64, kp.binary_bytes as f64),
            "info".into(),
            String::new(),
        ],
        [
            "Bundle: the .deb (download)".into(),
            lk.deb.map(|d| mib(d.0 / 1024)).unwrap_or_else(|| "not built".into()),
            kp.deb.map(|d| mib(d.0 / 1024)).unwrap_or_else(|| "–".into()),
            match (lk.deb, kp.deb) {
                (Some(a), Some(b)) => r(a.0 as f64, b.0 as f64),
                _ => "–".into(),
            },
            "info".into(),
            String::new(),
        ],
        [
            "↳ installed size (dpkg Installed-Size; KeePassXC's package alone, without its libraries)".into(),
            lk.deb.map(|d| mib(d.1 / 1024)).unwrap_or_else(|| "not built".into()),
            kp.deb.map(|d| mib(d.1 / 1024)).unwrap_or_else(|| "–".into()),
            match (lk.deb, kp.deb) {
                (Some(a), Some(b)) => r(a.1 as f64, b.1 as f64),
                _ => "–".into(),
            },
            "info".into(),
            String::new(),
        ],
    ];
    if let Some(t) = &lk.tray {
        rows.splice(6..6, tray_rows(o, t, kp));
    }
    rows
}

/// Latchkey in the tray against KeePassXC idle (it has no tray mode in this comparison).
fn tray_rows(o: &Opts, t: &TrayFigures, kp: &Figures) -> Vec<[String; 6]> {
    let reopen = median(&t.reopen);
    vec![
        [
            format!("In the tray (window closed {} s): sum of RSS of all processes", o.tray.as_secs()),
            mib(t.rss_kib),
            format!("idle, window open: {}", mib(kp.rss_kib)),
            ratio(t.rss_kib as f64, kp.rss_kib as f64),
            "≤ 60 MiB".into(),
            verdict(t.rss_kib <= 60 * 1024).into(),
        ],
        [
            "↳ sum of PSS".into(),
            mib(t.pss_kib),
            mib(kp.pss_kib),
            ratio(t.pss_kib as f64, kp.pss_kib as f64),
            "below KeePassXC's idle PSS".into(),
            verdict(t.pss_kib < kp.pss_kib).into(),
        ],
        [
            "↳ CPU in the tray".into(),
            format!("{:.2} %", t.cpu_percent),
            format!("{:.2} %", kp.cpu_percent),
            ratio(t.cpu_percent, kp.cpu_percent),
            "≈ 0 %".into(),
            verdict(t.cpu_percent <= 0.1).into(),
        ],
        [
            "Re-open from the tray (\"Open Latchkey\" clicked) to the token list in the DOM".into(),
            range(&t.reopen),
            String::new(),
            String::new(),
            "≤ 300 ms".into(),
            verdict(!t.reopen.is_empty() && reopen <= Duration::from_millis(300)).into(),
        ],
    ]
}

/// Where a cold start's time goes: each mark's median time after the exec.
fn breakdown(lk: &Figures) -> String {
    const WHAT: &[(&str, &str)] = &[
        ("main", "the process runs `main` (exec, dynamic linking of GTK and WebKit)"),
        ("setup", "Tauri's app is built (plugins, single-instance check on the session bus); `setup` starts"),
        (
            "window-created",
            "the webview window is made (WebKit's context; the token list is put in the page's boot script)",
        ),
        ("page-load-started", "WebKit's web process is up and starts loading the page"),
        ("script-start", "the UI bundle is parsed and its code starts"),
        ("list-ready", "the token list is in the DOM (drawn from the boot data, no call to Rust before it)"),
        ("page-load-finished", "WebKit reports the page loaded"),
        ("first-paint", "the next animation frame"),
    ];
    let mut md = String::from("| Mark | After exec (median) | Step | What happened by then |\n|---|---|---|---|\n");
    let mut prev = Duration::ZERO;
    for (name, what) in WHAT {
        let Some((_, v)) = lk.marks.iter().find(|(n, _)| n == name) else { continue };
        let at = median(v);
        md.push_str(&format!("| {name} | {} | +{} | {what} |\n", ms(at), at.saturating_sub(prev).as_millis()));
        prev = at;
    }
    md
}

pub fn write(o: &Opts, lk: &Figures, kp: &Figures, took: Duration) {
    let r = ratio;
    let rows = rows(o, lk, kp);
    let mut md = format!("{START}\n## Desktop app: start-up, idle memory and CPU, against KeePassXC\n\n");
    md.push_str(&format!(
        "- Date: {}; commit {}; written by `bench-desktop` in {:.0} s\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M %:z"),
        git_commit(),
        took.as_secs_f64()
    ));
    md.push_str(&format!(
        "- Setup: release builds; a private Xvfb display, session bus and gnome-keyring (scripts/test-session.sh); {} tokens \
         in Latchkey (secrets in the keychain) and {} entries in a KeePassXC {} database (AES-KDF tuned to 100 ms, unlocked \
         with `--pw-stdin`); {} timed starts each after one untimed warm-up (median, min–max in ms); the file cache is warm\n",
        o.tokens,
        o.tokens,
        keepassxc_version(),
        o.runs
    ));
    md.push_str(&format!("- Processes measured: Latchkey {:?}; KeePassXC {:?}\n\n", lk.processes, kp.processes));
    md.push_str("| Figure | Latchkey | KeePassXC | Ratio | Goal | Verdict |\n|---|---|---|---|---|---|\n");
    for row in &rows {
        md.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    md.push_str(
        "\n- *Window mapped*: a visible X window with the app's title (KeePassXC: the unlocked database's title), polled with \
         `xdotool` every 10 ms. *Token list rendered*: the UI calls `bench_mark(\"list-ready\")` right after the list with \
         its data is in the DOM, and `bench_mark(\"first-paint\")` in the next animation frame; the app writes the times \
         (only when `LATCHKEY_BENCH_MARK` is set). Under Xvfb WebKit may deliver that frame seconds late, so the list \
         figure is the DOM one. KeePassXC has no such hook; its window appears with the entry list already laid out.\n\
         - Memory and CPU cover the whole process tree (Latchkey: the app and WebKit's web and network processes).\n\
         - *In the tray*: the window closed as a window manager's close button does (WM_DELETE_WINDOW), with \"keep \
         running in the background\" on (the default); measured after the given time. *Re-open*: \"Open Latchkey\" \
         clicked in the tray menu (over D-Bus, as a panel does), each time after WebKit's processes had gone.\n",
    );
    if !lk.marks.is_empty() {
        md.push_str(&format!(
            "\n### Where a cold start's time goes (Latchkey, median of the timed starts)\n\n{}\n",
            breakdown(lk)
        ));
    }
    if lk.rss_kib > 120 * 1024 {
        md.push_str(&format!(
            "- The RSS goal (≤ 120 MiB) is not met, and is not reachable with WebKitGTK: its {} processes each map the same \
             large shared libraries (WebKit, JavaScriptCore, GTK, GL), which RSS counts once per process. PSS divides each \
             shared page among the processes that map it and is the fairer sum: Latchkey {} against KeePassXC {} ({}). \
             Only a UI toolkit without a browser engine (as KeePassXC's Qt Widgets) would reach RSS ≤ 120 MiB.\n",
            lk.processes.len(),
            mib(lk.pss_kib),
            mib(kp.pss_kib),
            r(lk.pss_kib as f64, kp.pss_kib as f64)
        ));
    }
    if lk.deb.is_some() {
        md.push_str(
            "- Bundle: `tauri build --bundles deb` (the AppImage, also configured, bundles GTK and WebKit and is \
             not built here); the .deb depends on the system's libwebkit2gtk-4.1 as KeePassXC's depends on Qt.\n",
        );
    }
    if draw_chart(&o.chart, lk, kp) {
        let name = o.chart.file_name().unwrap().to_string_lossy();
        md.push_str(&format!("\n![Latchkey against KeePassXC]({name})\n"));
    }
    md.push_str(END);
    md.push('\n');

    let old = std::fs::read_to_string(&o.out).unwrap_or_default();
    let new = match (old.find(START), old.find(END)) {
        (Some(a), Some(b)) if b > a => format!("{}{}{}", &old[..a], md, old[b + END.len()..].trim_start_matches('\n')),
        _ if old.is_empty() => format!("# Benchmarks\n\n{md}"),
        _ => format!("{}\n{md}", old.trim_end()),
    };
    std::fs::write(&o.out, new).unwrap_or_else(|e| panic!("{}: {e}", o.out.display()));
    eprintln!("bench-desktop: wrote {}", o.out.display());
    print!("{md}");
}

/// Paired horizontal bars per figure, each pair scaled to its larger value.
fn draw_chart(path: &Path, lk: &Figures, kp: &Figures) -> bool {
    let figures = [
        ("Start to window (ms)", median(&lk.window).as_millis() as f64, median(&kp.window).as_millis() as f64),
        ("Idle memory, RSS (MiB)", lk.rss_kib as f64 / 1024.0, kp.rss_kib as f64 / 1024.0),
        ("Idle memory, PSS (MiB)", lk.pss_kib as f64 / 1024.0, kp.pss_kib as f64 / 1024.0),
        (
            "In the tray, RSS (MiB)",
            lk.tray.as_ref().map_or(0.0, |t| t.rss_kib as f64 / 1024.0),
            kp.rss_kib as f64 / 1024.0,
        ),
        (
            "In the tray, PSS (MiB)",
            lk.tray.as_ref().map_or(0.0, |t| t.pss_kib as f64 / 1024.0),
            kp.pss_kib as f64 / 1024.0,
        ),
        ("Idle CPU (%)", lk.cpu_percent, kp.cpu_percent),
        ("Binary (MiB)", lk.binary_bytes as f64 / 1048576.0, kp.binary_bytes as f64 / 1048576.0),
        (
            "Installed package (MiB)",
            lk.deb.map(|d| d.1 as f64 / 1048576.0).unwrap_or(0.0),
            kp.deb.map(|d| d.1 as f64 / 1048576.0).unwrap_or(0.0),
        ),
    ];
    let (w, row, left, bar_max) = (860, 70, 210, 500.0);
    let h = 50 + row * figures.len();
    let mut draw = vec![];
    for (i, (name, a, b)) in figures.iter().enumerate() {
        let y = 40 + i * row;
        let max = a.max(*b).max(1e-9);
        draw.push(format!("fill black text 10,{} '{}'", y + 22, name));
        for (j, (v, colour, who)) in [(a, "#2f6fdf", "Latchkey"), (b, "#8a8a8a", "KeePassXC")].iter().enumerate() {
            let y0 = y + j * 26;
            let len = (bar_max * **v / max).max(1.0);
            draw.push(format!("fill '{colour}' rectangle {left},{y0} {},{}", left as f64 + len, y0 + 20));
            draw.push(format!("fill black text {},{} '{who} {:.1}'", left as f64 + len + 6.0, y0 + 15, v));
        }
    }
    let status = Command::new("convert")
        .args(["-size", &format!("{w}x{h}"), "xc:white", "-font", "DejaVu-Sans", "-pointsize", "13"])
        .args(["-draw", "fill black text 10,22 'Latchkey (blue) against KeePassXC (grey): shorter is better'"])
        .args(draw.iter().flat_map(|d| ["-draw", d.as_str()]))
        .arg(path)
        .status();
    let ok = status.is_ok_and(|s| s.success());
    if !ok {
        eprintln!("bench-desktop: could not draw {} with ImageMagick's convert", path.display());
    }
    ok
}

fn git_commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn keepassxc_version() -> String {
    Command::new("keepassxc-cli")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into())
}
