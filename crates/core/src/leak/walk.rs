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
//! Project folders are walked with the `ignore` crate's parallel walker (ripgrep's), whose
//! threads scan the files as they find them: `.gitignore`,
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

/// Files already scanned: by device and inode on Unix, by canonical path elsewhere.
#[derive(Default)]
pub(crate) struct Seen {
    #[cfg(unix)]
    inodes: HashSet<(u64, u64)>,
    #[cfg(not(unix))]
    paths: HashSet<PathBuf>,
}

impl Seen {
    /// True the first time a file is seen (`meta`: of the open file, so of a link's target).
    pub(crate) fn first(&mut self, path: &Path, meta: &std::fs::Metadata) -> bool {
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

/// Makes the visitor of one walking thread: it is handed each regular file that thread finds.
pub(crate) type MakeVisitor<'a> = dyn Fn() -> Box<dyn FnMut(&Path) + Send + 'a> + Sync + 'a;

/// Hand every regular file of `places` to a visitor: the home defaults on the calling
/// thread, the folders from ignore's parallel walker on `threads` threads, each of which
/// scans what it finds (no list of files is built first, and no file is looked at twice
/// before it is read). Stops early when `cancel` is set. Missing folders, link loops and
/// unreadable folders go to `issue`. The same file may be handed over twice (by a link and
/// directly): the visitor tells by [`Seen`].
pub(crate) fn walk(
    places: &LeakPlaces,
    home: Option<&Path>,
    threads: usize,
    cancel: &AtomicBool,
    issue: &(dyn Fn(ScanIssue) + Sync),
    visitor: &MakeVisitor,
) {
    if places.home_defaults {
        match home {
            Some(home) => home_files(home, issue, &mut visitor()),
            None => issue(ScanIssue {
                path: "~".into(),
                message: "The home folder is not known, so its files were not scanned.".into(),
            }),
        }
    }
    let mut roots = vec![];
    for folder in &places.folders {
        let root = expand_home(folder, home);
        if root.exists() {
            roots.push(root);
        } else {
            issue(ScanIssue {
                path: root.display().to_string(),
                message: "This folder does not exist (any more); remove it from the scan places or pick it again."
                    .into(),
            });
        }
    }
    if !roots.is_empty() && !cancel.load(Ordering::Relaxed) {
        walk_folders(&roots, places.include_ignored, threads, cancel, issue, visitor);
    }
}

/// Hand `path` to `visit` if it is a regular file (following a link; never a FIFO or a device).
fn visit_file(path: &Path, issue: &dyn Fn(ScanIssue), visit: &mut dyn FnMut(&Path)) {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => visit(path),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => issue(ScanIssue { path: path.display().to_string(), message: e.to_string() }),
    }
}

fn home_files(home: &Path, issue: &dyn Fn(ScanIssue), visit: &mut dyn FnMut(&Path)) {
    for p in default_home_files(home) {
        visit_file(&p, issue, visit);
    }
    let entries = match std::fs::read_dir(home) {
        Ok(e) => e,
        Err(e) => {
            issue(ScanIssue { path: home.display().to_string(), message: e.to_string() });
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
        visit_file(&p, issue, visit);
    }
}

fn walk_folders(
    roots: &[PathBuf],
    include_ignored: bool,
    threads: usize,
    cancel: &AtomicBool,
    issue: &(dyn Fn(ScanIssue) + Sync),
    visitor: &MakeVisitor,
) {
    let respect = !include_ignored;
    let mut builder = ignore::WalkBuilder::new(&roots[0]);
    for root in &roots[1..] {
        builder.add(root);
    }
    builder
        .hidden(false)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .ignore(respect)
        .parents(respect)
        .require_git(false)
        .follow_links(true)
        .threads(threads.max(1))
        .filter_entry(|e| e.file_name() != ".git");
    builder.build_parallel().run(|| {
        let mut visit = visitor();
        Box::new(move |entry| {
            if cancel.load(Ordering::Relaxed) {
                return ignore::WalkState::Quit;
            }
            match entry {
                // The type comes from the directory listing (of the target, for a link).
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => visit(e.path()),
                Ok(_) => {}
                Err(e) => issue(describe(&e)),
            }
            ignore::WalkState::Continue
        })
    });
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
