//! bench/RESULTS.md holds one section (`## …`) per benchmark; each bench replaces only its
//! own, so `make bench` can run them one after the other.

use std::path::Path;

const HEADER: &str = "# Benchmarks\n\nWritten by `make bench` (release build). Do not edit by hand.\n\n";

/// Replace the section of `path` that starts with the first line of `section` (a `## `
/// heading), or append it; other sections are kept as they are.
pub fn write_section(path: &Path, section: &str) -> std::io::Result<()> {
    let heading = section.lines().next().unwrap_or_default();
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let old = if old.starts_with("# ") { old } else { HEADER.to_string() };
    let mut out = String::new();
    let mut rest = old.as_str();
    // Header and earlier sections.
    let start = find_line(rest, heading);
    match start {
        Some(at) => {
            out.push_str(&rest[..at]);
            rest = &rest[at + heading.len()..];
            // Skip to the next `## ` section, or to the marker comment that opens a section
            // bench-desktop owns (`<!-- … -->` before its heading).
            let next = [find_prefix(rest, "## "), find_prefix(rest, "<!-- ")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(rest.len());
            out.push_str(section.trim_end());
            out.push_str("\n\n");
            out.push_str(&rest[next..]);
        }
        None => {
            out.push_str(old.trim_end());
            out.push_str("\n\n");
            out.push_str(section.trim_end());
            out.push('\n');
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, out.trim_end().to_string() + "\n")
}

fn find_line(text: &str, line: &str) -> Option<usize> {
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        if l.trim_end() == line {
            return Some(at);
        }
        at += l.len();
    }
    None
}

fn find_prefix(text: &str, prefix: &str) -> Option<usize> {
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        if l.starts_with(prefix) {
            return Some(at);
        }
        at += l.len();
    }
    None
}

/// Cores, CPU model, load average.
pub fn machine() -> (String, String, String) {
    let nproc = std::thread::available_parallelism().map(|n| n.get().to_string()).unwrap_or_else(|_| "?".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    (nproc, cpu, load())
}

pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

pub fn commit() -> String {
    let mut git = std::process::Command::new("git");
    // Inside the test session HOME is a temp folder; git wants the developer's config.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_replaced_in_place_or_appended() {
        let dir = std::env::temp_dir().join(format!("latchkey-bench-results-{}", std::process::id()));
        let path = dir.join("R.md");
        write_section(&path, "## A\n\na1\n").unwrap();
        write_section(&path, "## B\n\nb1\n### sub\n").unwrap();
        write_section(&path, "## A\n\na2\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{HEADER}## A\n\na2\n\n## B\n\nb1\n### sub\n"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
