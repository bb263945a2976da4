//! `latchkey guard`: a git pre-commit hook that stops a commit adding a secret Latchkey holds
//! (in any of the forms the leak watch knows) or a token shaped like a platform's.
//!
//! - `install` writes the hook where git looks for it (`git rev-parse --git-path hooks`, so
//!   `core.hooksPath` and worktrees are honoured). A pre-commit hook that is already there and
//!   is not ours is kept: it is renamed to `pre-commit.latchkey-chained` (same file, same mode)
//!   and our hook runs it first, with the same arguments and stdin, and stops when it fails.
//! - `uninstall` removes our hook and renames the chained one back.
//! - `check` (what the hook runs) reads the added lines of the staged changes from
//!   `git diff --cached`, and only when there are some reads the secrets from the keychain and
//!   searches them with the leak watch's automata and patterns (`leak::scan_text`). A finding
//!   is printed as `file:line`, what it is and a masked excerpt — never the secret — and the
//!   commit is stopped with exit 9.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use latchkey_core::leak::{self, Finding, FindingKind, Patterns};

use crate::exit::{Code, Failure, Outcome};

/// The line that marks a pre-commit hook as ours.
const MARKER: &str = "# latchkey-guard: installed by `latchkey guard install`";
/// Where an existing hook is kept while ours is installed (beside it).
const CHAINED: &str = "pre-commit.latchkey-chained";

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(clap::Subcommand)]
pub enum Sub {
    /// Add the pre-commit hook to a git repository (an existing hook keeps running first).
    #[command(after_help = "Examples:\n  latchkey guard install\n  latchkey guard install --repo ~/src/project")]
    Install(RepoArg),
    /// Remove the hook and put back the hook that was there before.
    Uninstall(RepoArg),
    /// Scan the staged changes (what the hook runs). Exits 9 when the commit would add a secret.
    #[command(after_help = "Exits 0 when the staged changes add no stored secret and no token shaped like a \
                      platform's, 9 when they do (the commit is stopped; `git commit --no-verify` skips the check).")]
    Check(RepoArg),
}

#[derive(clap::Args)]
pub struct RepoArg {
    /// The repository (default: the current folder).
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    match args.command {
        Sub::Install(a) => install(&repo(a)),
        Sub::Uninstall(a) => uninstall(&repo(a)),
        Sub::Check(a) => check(&repo(a)),
    }
}

fn repo(a: RepoArg) -> PathBuf {
    a.repo.unwrap_or_else(|| PathBuf::from("."))
}

/// `git -C repo ARGS` with the user's diff settings out of the way; stdout, or a failure.
fn git(repo: &Path, args: &[&str]) -> Result<Vec<u8>, Failure> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Failure::error(format!("could not run git: {e}")))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(Failure::usage(format!("git {} failed in {}: {why}", args.join(" "), repo.display())));
    }
    Ok(out.stdout)
}

/// The folder git runs hooks from (absolute).
fn hooks_dir(repo: &Path) -> Result<PathBuf, Failure> {
    let out = git(repo, &["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .map_err(|_| Failure::usage(format!("{} is not in a git repository.", repo.display())))?;
    let dir = String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r']).to_string();
    Ok(PathBuf::from(dir))
}

fn is_ours(hook: &Path) -> bool {
    std::fs::read(hook).is_ok_and(|b| String::from_utf8_lossy(&b).contains(MARKER))
}

/// `'…'` for sh.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook: the chained hook first (if any), then `latchkey guard check` — this binary, or
/// `latchkey` on PATH if it has moved.
fn hook_script(bin: &Path) -> String {
    format!(
        r#"#!/bin/sh
{MARKER}
# It stops a commit that adds a secret stored in Latchkey, or a token shaped like a platform's.
# Skip it for one commit with `git commit --no-verify`; remove it with `latchkey guard uninstall`.
chained="$(dirname "$0")/{CHAINED}"
if [ -x "$chained" ]; then
    "$chained" "$@" || exit $?
fi
latchkey={bin}
if [ ! -x "$latchkey" ]; then
    latchkey=$(command -v latchkey) || {{
        echo "latchkey guard: the latchkey command was not found, so the commit was not checked for secrets." >&2
        echo "  Install Latchkey again (or run \`latchkey guard uninstall\`); \`git commit --no-verify\` skips the check." >&2
        exit 1
    }}
fi
exec "$latchkey" guard check
"#,
        bin = sh_quote(&bin.to_string_lossy())
    )
}

fn install(repo: &Path) -> Outcome {
    let dir = hooks_dir(repo)?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    if is_ours(&hook) {
        println!("The Latchkey guard is already installed in {}; nothing changed.", hook.display());
        return Ok(Code::Ok);
    }
    std::fs::create_dir_all(&dir).map_err(|e| Failure::error(format!("could not create {}: {e}", dir.display())))?;
    let existing = hook.symlink_metadata().is_ok();
    if existing {
        if chained.symlink_metadata().is_ok() {
            return Err(Failure::error(format!(
                "{} is not Latchkey's, and {} is already taken; move one of them away first (nothing changed).",
                hook.display(),
                chained.display()
            )));
        }
        std::fs::rename(&hook, &chained).map_err(|e| {
            Failure::error(format!("could not move the existing hook aside to {}: {e}", chained.display()))
        })?;
    }
    let bin = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("latchkey"));
    if let Err(e) = write_hook(&dir, &hook, &hook_script(&bin)) {
        if existing {
            let _ = std::fs::rename(&chained, &hook);
        }
        return Err(Failure::error(format!("could not write {}: {e}", hook.display())));
    }
    println!("Installed the Latchkey guard: {}", hook.display());
    if existing {
        println!("The hook that was there runs first, as before (kept as {}).", chained.display());
    }
    println!("A commit that adds a stored secret or a platform's token is stopped; `git commit --no-verify` skips it.");
    Ok(Code::Ok)
}

/// Write `text` to `hook` (mode 0755) through a temp file in `dir`, so a hook is never half-written.
fn write_hook(dir: &Path, hook: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = tempfile_in(dir)?;
    tmp.1.write_all(text.as_bytes())?;
    tmp.1.sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp.0, std::fs::Permissions::from_mode(0o755))?;
    }
    std::fs::rename(&tmp.0, hook).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp.0);
    })
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(".pre-commit.latchkey-{}.tmp", std::process::id()));
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
    Ok((path, file))
}

fn uninstall(repo: &Path) -> Outcome {
    let dir = hooks_dir(repo)?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    if !is_ours(&hook) {
        println!("The Latchkey guard is not installed in {}; nothing changed.", dir.display());
        return Ok(Code::Ok);
    }
    std::fs::remove_file(&hook).map_err(|e| Failure::error(format!("could not remove {}: {e}", hook.display())))?;
    println!("Removed the Latchkey guard from {}", hook.display());
    if chained.symlink_metadata().is_ok() {
        std::fs::rename(&chained, &hook).map_err(|e| {
            Failure::error(format!(
                "could not put the previous hook back ({} → {}): {e}",
                chained.display(),
                hook.display()
            ))
        })?;
        println!("The previous hook is back in place.");
    }
    Ok(Code::Ok)
}

/// The added lines of one staged file: their text (joined by `\n`) and their line numbers.
#[derive(Debug, Default, PartialEq)]
struct Added {
    path: String,
    text: Vec<u8>,
    lines: Vec<u64>,
}

fn check(repo: &Path) -> Outcome {
    // GIT_INDEX_FILE (set by git for `commit -a` and `commit <paths>`) reaches git through the
    // environment, so this is what will be committed.
    let diff = git(
        repo,
        &[
            "diff",
            "--cached",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-relative",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--diff-filter=d",
            "--ignore-submodules",
        ],
    )?;
    let files = added_lines(&diff);
    if files.iter().all(|f| f.lines.is_empty()) {
        return Ok(Code::Ok); // nothing added: no need to ask the keychain
    }
    let mut vault = crate::context::open_unprobed();
    let (needles, issues) = vault.leak_needles().map_err(|e| {
        let f = Failure::from(e);
        Failure::new(
            f.code,
            format!(
                "the guard could not read the stored secrets, so the commit was stopped: {} \
                 (`git commit --no-verify` skips the check)",
                f.message
            ),
        )
    })?;
    for i in &issues {
        eprintln!("latchkey guard: note: {}", i.message);
    }
    let patterns = Patterns::new();
    let mut findings: Vec<Finding> = vec![];
    for f in &files {
        for mut found in leak::scan_text(&needles, Some(&patterns), Path::new(&f.path), &f.text) {
            found.line = f.lines.get(found.line as usize - 1).copied().unwrap_or(found.line);
            findings.push(found);
        }
    }
    if findings.is_empty() {
        return Ok(Code::Ok);
    }
    report(&findings);
    Ok(Code::LeakFound)
}

fn report(findings: &[Finding]) {
    let n = findings.len();
    eprintln!("latchkey guard: the commit was stopped — it would add {n} secret{}:", if n == 1 { "" } else { "s" });
    let mut revoke: Vec<String> = vec![];
    let mut reference: Vec<String> = vec![];
    for f in findings {
        let what = match &f.kind {
            FindingKind::Stored { platform, label, .. } => {
                let name = format!("{}/{label}", platform.id());
                if !revoke.contains(&name) {
                    revoke.push(name.clone());
                    reference.push(latchkey_core::reference::format(*platform, label, None));
                }
                format!("stored {} token “{label}”", platform.name())
            }
            FindingKind::Revoked { platform, label, .. } => format!("revoked {} token “{label}”", platform.name()),
            FindingKind::Unknown { platform, reason } => format!("unknown {} token ({reason})", platform.name()),
        };
        eprintln!("  {}:{}: {what}", f.path, f.line);
        eprintln!("      {}", f.excerpt);
    }
    eprintln!("Take the value out of the file and stage it again, then:");
    if !reference.is_empty() {
        eprintln!(
            "  - keep a reference instead ({}) and write the real file with `latchkey inject -i <template> -o <file>` \
             (leave that file uncommitted);",
            reference.join(", ")
        );
        eprintln!(
            "  - if the secret has already left this machine (pushed, shared), revoke it: {}",
            revoke.iter().map(|r| format!("`latchkey revoke {r}`")).collect::<Vec<_>>().join(", ")
        );
    }
    if findings.iter().any(|f| matches!(f.kind, FindingKind::Unknown { .. })) {
        eprintln!("  - an unknown token: store it in Latchkey (`latchkey add`) and use a reference, or revoke it;");
    }
    eprintln!("  - a false alarm: `git commit --no-verify` skips the check for this commit.");
}

/// Parse `git diff -U0` output into the added lines of each file. Hunk headers give the new
/// line numbers and counts, so an added line that itself starts with `++` is not mistaken
/// for a header.
fn added_lines(diff: &[u8]) -> Vec<Added> {
    let mut files: Vec<Added> = vec![];
    let (mut old_left, mut new_left, mut next_line) = (0u64, 0u64, 0u64);
    for raw in diff.split(|&b| b == b'\n') {
        if old_left > 0 || new_left > 0 {
            let body = match raw.first() {
                Some(b'+') if new_left > 0 => {
                    new_left -= 1;
                    if let Some(f) = files.last_mut() {
                        if !f.lines.is_empty() {
                            f.text.push(b'\n');
                        }
                        f.text.extend_from_slice(&raw[1..]);
                        f.lines.push(next_line);
                    }
                    next_line += 1;
                    true
                }
                Some(b'-') if old_left > 0 => {
                    old_left -= 1;
                    true
                }
                Some(b'\\') => true, // "\ No newline at end of file"
                // Not what the header promised: read it as a header line.
                _ => {
                    (old_left, new_left) = (0, 0);
                    false
                }
            };
            if body {
                continue;
            }
        }
        if raw.starts_with(b"diff --git ") {
            files.push(Added::default());
        } else if let Some(path) = raw.strip_prefix(b"+++ ") {
            if let Some(f) = files.last_mut() {
                let path = unquote(path);
                f.path = path.strip_prefix("b/").unwrap_or(&path).to_string();
            }
        } else if raw.starts_with(b"@@ ") {
            if let Some((old, new)) = hunk_counts(raw) {
                (old_left, new_left, next_line) = (old.1, new.1, new.0);
            }
        }
    }
    files.retain(|f| !f.path.is_empty());
    files
}

/// `@@ -a[,b] +c[,d] @@` → ((a, b), (c, d)); a missing count is 1.
fn hunk_counts(line: &[u8]) -> Option<((u64, u64), (u64, u64))> {
    let text = std::str::from_utf8(line).ok()?;
    let mut parts = text.split(' ').skip(1);
    let range = |s: &str, sign: char| -> Option<(u64, u64)> {
        let s = s.strip_prefix(sign)?;
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let old = range(parts.next()?, '-')?;
    let new = range(parts.next()?, '+')?;
    Some((old, new))
}

/// A path as git prints it: as is, or in C quotes with escapes (`"b/a\tb"`, octal bytes).
fn unquote(raw: &[u8]) -> String {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let Some(inner) = raw.strip_prefix(b"\"").and_then(|r| r.strip_suffix(b"\"")) else {
        return String::from_utf8_lossy(raw).into_owned();
    };
    let mut out = vec![];
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        i += 1;
        if b != b'\\' || i >= inner.len() {
            out.push(b);
            continue;
        }
        let e = inner[i];
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let digits: Vec<u8> = std::iter::once(e)
                    .chain(inner[i..].iter().copied().take_while(u8::is_ascii_digit).take(2))
                    .collect();
                i += digits.len() - 1;
                out.push(digits.iter().fold(0u32, |n, d| n * 8 + u32::from(d - b'0')) as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_follow_the_hunk_headers() {
        let diff = b"diff --git a/app.py b/app.py
index 1..2 100644
--- a/app.py
+++ b/app.py
@@ -3,0 +4,2 @@ def f():
+TOKEN = 'x'
++++ looks like a header
@@ -10 +12 @@
-old
+new
diff --git a/\"we\\tird \\303\\251.env\" b/\"we\\tird \\303\\251.env\"
new file mode 100644
--- /dev/null
+++ \"b/we\\tird \\303\\251.env\"
@@ -0,0 +1 @@
+A=1
\\ No newline at end of file
diff --git a/img.png b/img.png
Binary files a/img.png and b/img.png differ
";
        let files = added_lines(diff);
        // The binary file has no added lines to read (and no `+++` line): left out.
        assert_eq!(files.len(), 2, "{files:?}");
        assert_eq!(files[0].path, "app.py");
        assert_eq!(files[0].text, b"TOKEN = 'x'\n+++ looks like a header\nnew");
        assert_eq!(files[0].lines, [4, 5, 12]);
        assert_eq!(files[1].path, "we\tird é.env");
        assert_eq!((files[1].text.as_slice(), files[1].lines.as_slice()), (&b"A=1"[..], &[1u64][..]));
    }

    #[test]
    fn the_hook_runs_the_chained_one_and_quotes_the_binary() {
        let s = hook_script(Path::new("/opt/it's here/latchkey"));
        assert!(s.starts_with("#!/bin/sh\n") && s.contains(MARKER));
        assert!(s.contains(r"latchkey='/opt/it'\''s here/latchkey'"), "{s}");
        assert!(s.contains(r#""$chained" "$@" || exit $?"#));
    }
}
