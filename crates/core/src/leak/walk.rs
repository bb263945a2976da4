//! The places to scan, turned into a list of regular files.
//!
//! Home defaults (relative to the home folder given, so tests use a temporary one):
//! - shell histories: `~/.bash_history`, `~/.zsh_history`, `~/.local/share/fish/fish_history`
//!   (and any other `~/.*history`, e.g. `.python_history`, as a dotfile);
//! - every regular file directly in home whose name starts with `.` (`.bashrc`, `.zshrc`,
//!   `.profile`, `.env`, `.netrc`, …) or ends with `.env` (`~/supervisely.env`, which the
//!   Supervisely SDK reads, and the backups its CLI keeps) — not recursive;
//! - fish's `~/.config/fish/config.fish`;
//! - the platforms' CLI config files: `~/.config/roboflow/config.json` (roboflow-python's
//!   login, `roboflow/config.py`), `~/.env0/config.json` (env0's CLI, `env0 configure`,
//!   `node/src/commons/config-manager.js`). CVAT's CLI and the Encord SDK keep no credential
//!   file (they read `CVAT_ACCESS_TOKEN` / `--auth` and `ENCORD_SSH_KEY[_FILE]`); their uses
//!   show up in the shell histories and dotfiles instead.
//!
//! Project folders are walked with the `ignore` crate (ripgrep's walker): `.gitignore`,
//! `.ignore` and git's excludes respected unless `include_ignored`, also outside a git
//! repository; hidden files included (`.env`!); `.git` itself skipped (its objects are
//! compressed, nothing to match). Symbolic links are followed, so a `.env` linked into a
//! project is scanned; a link that loops back to a parent is reported once and not
//! followed, and a file reached twice (by a link and directly) is scanned once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{LeakPlaces, ScanIssue};

/// The fixed files of the home defaults (dotfiles directly in home are added by listing).
pub fn default_home_files(home: &Path) -> Vec<PathBuf> {
    [
        ".bash_history",
        ".zsh_history",
        ".local/share/fish/fish_history",
        ".config/fish/config.fish",
        "supervisely.env",
        ".env",
        ".config/roboflow/config.json",
        ".env0/config.json",
    ]
    .iter()
    .map(|p| home.join(p))
    .collect()
}

/// The user's home folder (`$HOME` on Unix).
pub fn home_dir() -> Option<PathBuf> {
    dirs::home_dir()
}

/// `~` or `~/x` → the home folder (or `x` in it); anything else unchanged.
pub fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    let path = path.trim();
    match (path.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') || rest.starts_with('\\') => {
            home.join(rest.trim_start_matches(['/', '\\']))
        }
        _ => PathBuf::from(path),
    }
}

/// A file to scan.
#[derive(Debug, Clone)]
pub(crate) struct FileEntry {
    pub(crate) path: PathBuf,
    pub(crate) len: u64,
}

#[derive(Default)]
pub(crate) struct Walked {
    pub(crate) files: Vec<FileEntry>,
    pub(crate) issues: Vec<ScanIssue>,
}

/// Files already listed: by device and inode on Unix, by canonical path elsewhere.
#[derive(Default)]
struct Seen {
    #[cfg(unix)]
    inodes: HashSet<(u64, u64)>,
    #[cfg(not(unix))]
    paths: HashSet<PathBuf>,
}

impl Seen {
    /// True the first time a file is seen.
    fn first(&mut self, path: &Path, meta: &std::fs::Metadata) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = path;
            self.inodes.insert((meta.dev(), meta.ino()))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            self.paths.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
        }
    }
}

/// List the files of `places`. Stops early (with what it has) when `cancel` is set.
pub(crate) fn collect(places: &LeakPlaces, home: Option<&Path>, cancel: &AtomicBool) -> Walked {
    let mut out = Walked::default();
    let mut seen = Seen::default();
    if places.home_defaults {
        match home {
            Some(home) => home_files(home, &mut seen, &mut out),
            None => out.issues.push(ScanIssue {
                path: "~".into(),
                message: "The home folder is not known, so its files were not scanned.".into(),
            }),
        }
    }
    for folder in &places.folders {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let root = expand_home(folder, home);
        walk_folder(&root, places.include_ignored, cancel, &mut seen, &mut out);
    }
    out
}

fn add_file(path: PathBuf, seen: &mut Seen, out: &mut Walked) {
    // Follow a link to its target; only regular files (never a FIFO or a device).
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => {
            if seen.first(&path, &m) {
                out.files.push(FileEntry { path, len: m.len() });
            }
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => out.issues.push(ScanIssue { path: path.display().to_string(), message: e.to_string() }),
    }
}

fn home_files(home: &Path, seen: &mut Seen, out: &mut Walked) {
    for p in default_home_files(home) {
        add_file(p, seen, out);
    }
    let entries = match std::fs::read_dir(home) {
        Ok(e) => e,
        Err(e) => {
            out.issues.push(ScanIssue { path: home.display().to_string(), message: e.to_string() });
            return;
        }
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with('.') || name.ends_with(".env")
        })
        .map(|e| e.path())
        .collect();
    names.sort();
    for p in names {
        add_file(p, seen, out);
    }
}

fn walk_folder(root: &Path, include_ignored: bool, cancel: &AtomicBool, seen: &mut Seen, out: &mut Walked) {
    if !root.exists() {
        out.issues.push(ScanIssue {
            path: root.display().to_string(),
            message: "This folder does not exist (any more); remove it from the scan places or pick it again.".into(),
        });
        return;
    }
    let respect = !include_ignored;
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .ignore(respect)
        .parents(respect)
        .require_git(false)
        .follow_links(true)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        match entry {
            Ok(e) => {
                if e.file_type().is_some_and(|t| t.is_file()) {
                    add_file(e.into_path(), seen, out);
                }
            }
            Err(e) => out.issues.push(describe(&e)),
        }
    }
}

fn describe(e: &ignore::Error) -> ScanIssue {
    match e {
        ignore::Error::WithPath { path, err } => {
            let mut issue = describe(err);
            if issue.path.is_empty() {
                issue.path = path.display().to_string();
            }
            issue
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => describe(err),
        ignore::Error::Loop { child, ancestor } => ScanIssue {
            path: child.display().to_string(),
            message: format!("A symbolic link loops back to {}; not followed.", ancestor.display()),
        },
        ignore::Error::Io(io) => ScanIssue { path: String::new(), message: io.to_string() },
        other => ScanIssue { path: String::new(), message: other.to_string() },
    }
}
