//! Package sizes: Latchkey's .deb as `tauri build --bundles deb` makes it, and the installed
//! Debian package of the peer (both: file size where there is a file, and Installed-Size).

use std::path::Path;
use std::process::Command;

/// The newest `*.deb` in `dir`: (file size, installed size) in bytes.
pub fn latchkey_deb(dir: &Path) -> Option<(u64, u64)> {
    let deb = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())?;
    let file = std::fs::metadata(&deb).ok()?.len();
    let out = Command::new("dpkg-deb").args(["-f"]).arg(&deb).arg("Installed-Size").output().ok()?;
    let kib: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some((file, kib * 1024))
}

/// An installed package: (its .deb's size as the archive lists it, or 0 if unknown; installed
/// size), bytes.
pub fn installed_deb(name: &str) -> Option<(u64, u64)> {
    let out = Command::new("dpkg-query").args(["-W", "-f=${Installed-Size} ${Version}", name]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (kib, version) = text.trim().split_once(' ')?;
    let kib: u64 = kib.parse().ok()?;
    let show = Command::new("apt-cache").arg("show").arg(format!("{name}={version}")).output().ok();
    let file = show
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .and_then(|t| t.lines().find_map(|l| l.strip_prefix("Size: ")?.trim().parse::<u64>().ok()))
        .unwrap_or(0);
    Some((file, kib * 1024))
}
