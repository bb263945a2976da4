//! The access log: one line per use of a token — copy, reveal, get, run, validate, rotate,
//! revoke, add, delete — from the app or the command line, in `access.log` in the data folder.
//!
//! Each line is a JSON object: when, which token (id, and its label and platform at the time),
//! the action, where (`app` or `cli`; for the command line the parent process's name and, for
//! `run`, the child's command line with any injected secret masked), a short outcome, the
//! sequence number `seq`, `prev` (the hash of the line before) and `hash`: SHA-256 of the
//! line's own bytes up to its `"hash"` field. `access.log.head` keeps the last `seq` and hash
//! and where the kept log starts, so removing lines anywhere — also at the end, where no later
//! line would notice — is detected by [`AccessLog::read`]. Past [`CAP_BYTES`] the log is moved
//! to `access.log.1` (replacing the one before) and the chain goes on in a new file.
//!
//! Appends take `access.log.lock` (`std::fs::File::try_lock`, waited for up to 10 s), so the
//! app and any number of `latchkey` processes write in turn without losing a line. Never a
//! secret: the entry has no field for one, labels are refused when they hold the secret, and
//! a command line has the injected secrets masked before it gets here.
//!
//! The chain is not keyed: it shows that lines were edited, removed or reordered by anything
//! that does not also recompute every later hash and the head. It is evidence for the user,
//! not protection against someone who can already write the data folder.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind as IoKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::{Platform, TokenRecord};

pub const LOG_FILE: &str = "access.log";
pub const OLD_FILE: &str = "access.log.1";
pub const HEAD_FILE: &str = "access.log.head";
pub const LOCK_FILE: &str = "access.log.lock";
/// The log is rotated before it grows past this.
pub const CAP_BYTES: u64 = 1024 * 1024;
/// `prev` of the very first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// A command line is cut to about this many bytes (an argument to 256).
const COMMAND_CAP: usize = 1024;
const ARG_CAP: usize = 256;
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// What was done with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "AccessAction")]
pub enum Action {
    /// Put on the clipboard.
    Copy,
    /// Shown on screen (the app's Reveal, `latchkey get` to a terminal).
    Reveal,
    /// Printed to a pipe by `latchkey get`.
    Get,
    /// Put into a command's environment by `latchkey run`.
    Run,
    Validate,
    Rotate,
    Revoke,
    Add,
    Delete,
}

impl Action {
    pub fn id(self) -> &'static str {
        match self {
            Action::Copy => "copy",
            Action::Reveal => "reveal",
            Action::Get => "get",
            Action::Run => "run",
            Action::Validate => "validate",
            Action::Rotate => "rotate",
            Action::Revoke => "revoke",
            Action::Add => "add",
            Action::Delete => "delete",
        }
    }
}

/// Which front end did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "AccessWhere")]
pub enum Where {
    App,
    Cli,
}

/// Who is writing: the app, or a `latchkey` process (started by `parent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    App,
    Cli { parent: Option<String> },
}

impl Origin {
    /// This `latchkey` process, with its parent process's name where the OS tells it.
    pub fn cli() -> Origin {
        Origin::Cli { parent: parent_name() }
    }
}

/// The name of the process that started this one (`bash`, `make`, `python3`), on Linux from
/// `/proc/<ppid>/comm`; `None` elsewhere or when it cannot be read.
pub fn parent_name() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let ppid = std::os::unix::process::parent_id();
        let name = fs::read_to_string(format!("/proc/{ppid}/comm")).ok()?;
        let name = name.trim();
        (!name.is_empty()).then(|| name.chars().take(64).collect())
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// One use to be written.
#[derive(Debug, Clone)]
pub struct Event {
    pub token: Uuid,
    pub label: String,
    pub platform: Platform,
    pub action: Action,
    /// The team vault the token lives in; `None` for a local token.
    pub team: Option<Uuid>,
    /// The outcome in a few words ("valid", "guided steps shown"); never a secret.
    pub detail: Option<String>,
    /// `latchkey run`: the command started, with secrets masked ([`mask_command`]).
    pub command: Option<Vec<String>>,
}

impl Event {
    pub fn new(record: &TokenRecord, action: Action) -> Event {
        Event {
            token: record.id,
            label: record.label.clone(),
            platform: record.platform,
            action,
            team: None,
            detail: None,
            command: None,
        }
    }

    /// A validation of `record` (as stored afterwards), with its outcome in a word or two.
    pub fn validated(record: &TokenRecord) -> Event {
        Event { detail: validation_detail(record), ..Event::new(record, Action::Validate) }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = Some(detail.into());
        self
    }

    pub fn team(mut self, vault_id: Option<Uuid>) -> Event {
        self.team = vault_id;
        self
    }

    pub fn command(mut self, argv: Vec<String>) -> Event {
        self.command = Some(argv);
        self
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccessEntry {
    /// The line format (1).
    pub v: u32,
    /// Counts every line ever written, across rotations.
    #[ts(type = "number")]
    pub seq: u64,
    #[ts(type = "string")]
    pub time: DateTime<Utc>,
    pub token: Uuid,
    /// The token's label and platform when it was used.
    pub label: String,
    pub platform: Platform,
    pub action: Action,
    #[serde(rename = "where")]
    pub place: Where,
    /// Command line only: the process that ran `latchkey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub parent: Option<String>,
    /// `latchkey run`: the command it started (secrets masked as `<latchkey:label>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub team: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
    pub prev: String,
    /// Serialised last; empty while the hash is computed over the rest.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
}

/// Where the chain stands: kept in `access.log.head`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    v: u32,
    /// The last line written.
    seq: u64,
    hash: String,
    /// The oldest line still kept (the first of `access.log.1`, else of `access.log`) and its `prev`.
    kept_from: u64,
    kept_prev: String,
}

impl Head {
    fn fresh() -> Head {
        Head { v: 1, seq: 0, hash: GENESIS.into(), kept_from: 1, kept_prev: GENESIS.into() }
    }
}

/// Something wrong with the log, for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, rename = "LogProblem")]
pub struct Problem {
    /// `access.log`, `access.log.1` or `access.log.head`.
    pub file: String,
    /// 1-based line in that file, where there is one.
    #[ts(optional)]
    pub line: Option<usize>,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(n) => write!(f, "{} line {n}: {}", self.file, self.what),
            None => write!(f, "{}: {}", self.file, self.what),
        }
    }
}

/// A line read back, and whether it holds: its own hash is right and it follows the one before.
#[derive(Debug, Clone)]
pub struct Checked {
    pub entry: AccessEntry,
    pub verified: bool,
}

/// The whole log, oldest first, with what is wrong with it (nothing, normally).
#[derive(Debug, Clone, Default)]
pub struct LogRead {
    pub entries: Vec<Checked>,
    pub problems: Vec<Problem>,
}

impl LogRead {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// The entries that verify, newest first; only those of `token` when given.
    pub fn newest_first(&self, token: Option<Uuid>) -> Vec<AccessEntry> {
        self.entries
            .iter()
            .rev()
            .filter(|c| c.verified && token.is_none_or(|t| c.entry.token == t))
            .map(|c| c.entry.clone())
            .collect()
    }
}

/// A token's last uses, for the detail pane; `broken` says what is wrong with the log.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RecentUses {
    pub uses: Vec<AccessEntry>,
    #[ts(optional)]
    pub broken: Option<String>,
}

/// The access log of one data folder, written as `origin`.
#[derive(Debug, Clone)]
pub struct AccessLog {
    dir: PathBuf,
    origin: Origin,
    /// The last [`AccessLog::read`] and the files' stamps it was made from (shared by clones):
    /// the detail pane asks on every render, and a full log takes a while to verify.
    last_read: Arc<Mutex<Option<KeptRead>>>,
}

/// A read and the stamps of the files it was made from.
type KeptRead = (Vec<FileStamp>, LogRead);

/// Length, modification time and inode of a file (all zero when it is missing).
type FileStamp = (u64, Option<std::time::SystemTime>, u64);

fn file_stamp(path: &Path) -> FileStamp {
    match fs::metadata(path) {
        Ok(m) => {
            #[cfg(unix)]
            let ino = std::os::unix::fs::MetadataExt::ino(&m);
            #[cfg(not(unix))]
            let ino = 0;
            (m.len(), m.modified().ok(), ino)
        }
        Err(_) => (0, None, 0),
    }
}

impl AccessLog {
    pub fn new(dir: impl Into<PathBuf>, origin: Origin) -> AccessLog {
        AccessLog { dir: dir.into(), origin, last_read: Default::default() }
    }

    fn stamps(&self) -> Vec<FileStamp> {
        [LOG_FILE, OLD_FILE, HEAD_FILE].iter().map(|f| file_stamp(&self.dir.join(f))).collect()
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn set_origin(&mut self, origin: Origin) {
        self.origin = origin;
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(LOG_FILE)
    }

    /// Write `events`; a failure is logged (and, from the command line, printed) but not
    /// returned: the use itself has happened and must not be undone or hidden by it.
    pub fn record(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        if let Err(e) = self.append(events) {
            tracing::warn!(error = %e, "a use could not be written to the access log");
            if let Origin::Cli { .. } = self.origin {
                eprintln!("latchkey: warning: this use could not be written to the access log ({e}).");
            }
        }
    }

    /// Append `events` under the lock, each chained to the one before.
    pub fn append(&self, events: Vec<Event>) -> Result<()> {
        self.append_at(events, Utc::now(), CAP_BYTES)
    }

    fn append_at(&self, events: Vec<Event>, now: DateTime<Utc>, cap: u64) -> Result<()> {
        crate::index::Store::new(&self.dir).ensure_dir()?;
        let _lock = self.lock()?;
        let path = self.path();
        let mut file = open_log(&path)?;
        let (len, last) = tail(&mut file, &path)?;
        let mut head = match self.read_head() {
            Ok(Some(h)) => h,
            // Missing (first use) or unreadable: start from what the files hold.
            _ => self.head_from_files(last.as_ref())?,
        };
        if let Some(l) = &last {
            // A crash after the line was written and before the head was: adopt the line.
            if l.seq == head.seq + 1 && l.prev == head.hash {
                head.seq = l.seq;
                head.hash = l.hash.clone();
            }
        }
        let (mut prev, mut seq) = match &last {
            Some(l) => (l.hash.clone(), l.seq.max(head.seq)),
            None => (head.hash.clone(), head.seq),
        };
        let (parent, place) = match &self.origin {
            Origin::App => (None, Where::App),
            Origin::Cli { parent } => (parent.clone(), Where::Cli),
        };
        let mut text = String::new();
        for e in events {
            seq += 1;
            let mut entry = AccessEntry {
                v: 1,
                seq,
                time: now,
                token: e.token,
                label: e.label,
                platform: e.platform,
                action: e.action,
                place,
                parent: parent.clone(),
                command: e.command,
                team: e.team,
                detail: e.detail,
                prev: prev.clone(),
                hash: String::new(),
            };
            let line = seal(&mut entry);
            prev = entry.hash;
            text.push_str(&line);
            text.push('\n');
        }
        if len > 0 && len + text.len() as u64 > cap {
            // Rotate: the new file's first line has prev = the old file's last hash.
            let first = first_line(&mut file, &path)?;
            drop(file);
            let old = self.dir.join(OLD_FILE);
            fs::rename(&path, &old).map_err(|e| Error::io("rotating the access log", &old, e))?;
            if let Some(first) = first {
                head.kept_from = first.seq;
                head.kept_prev = first.prev;
            }
            file = open_log(&path)?;
        }
        file.write_all(text.as_bytes()).map_err(|e| Error::io("writing the access log", &path, e))?;
        file.sync_data().map_err(|e| Error::io("flushing the access log", &path, e))?;
        head.seq = seq;
        head.hash = prev;
        self.write_head(&head)
    }

    /// The head when there is none: the last line's, and where the oldest kept file starts.
    fn head_from_files(&self, last: Option<&Sealed>) -> Result<Head> {
        let mut head = Head::fresh();
        let old = self.dir.join(OLD_FILE);
        let oldest = if old.exists() { old } else { self.path() };
        if let Ok(mut f) = File::open(&oldest) {
            if let Some(first) = first_line(&mut f, &oldest)? {
                head.kept_from = first.seq;
                head.kept_prev = first.prev;
            }
        }
        let last = match last {
            Some(l) => Some(l.clone()),
            None => match File::open(self.dir.join(OLD_FILE)) {
                Ok(mut f) => tail(&mut f, &self.dir.join(OLD_FILE))?.1,
                Err(_) => None,
            },
        };
        if let Some(l) = last {
            head.seq = l.seq;
            head.hash = l.hash;
        }
        Ok(head)
    }

    fn lock(&self) -> Result<File> {
        crate::index::lock_file(
            &self.dir.join(LOCK_FILE),
            LOCK_WAIT,
            Duration::from_millis(5),
            ("opening the access log's lock file", "locking the access log"),
        )
    }

    fn read_head(&self) -> Result<Option<Head>> {
        let path = self.dir.join(HEAD_FILE);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                Error::io("reading the access log's head", &path, std::io::Error::new(IoKind::InvalidData, e))
            }),
            Err(e) if e.kind() == IoKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("reading the access log's head", &path, e)),
        }
    }

    fn write_head(&self, head: &Head) -> Result<()> {
        let path = self.dir.join(HEAD_FILE);
        let tmp = self.dir.join(format!(".{HEAD_FILE}.tmp"));
        let json = serde_json::to_vec(head).expect("the head serialises");
        let written = (|| {
            let mut f = OpenOptions::new().create(true).write(true).truncate(true).open(&tmp)?;
            set_private(&f);
            f.write_all(&json)?;
            fs::rename(&tmp, &path)
        })();
        written.map_err(|e| Error::io("writing the access log's head", &path, e))
    }

    /// Read both files under the lock and check the chain, the sequence and the head.
    pub fn read(&self) -> Result<LogRead> {
        let path = self.path();
        let old = self.dir.join(OLD_FILE);
        if !path.exists() && !old.exists() && !self.dir.join(HEAD_FILE).exists() {
            return Ok(LogRead::default());
        }
        // A folder this process may not write (read-only mount) is still read, unlocked.
        let _lock = match self.lock() {
            Err(Error::Io { .. }) => None,
            locked => Some(locked?),
        };
        let stamps = self.stamps();
        let mut cached = self.last_read.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, read)) = cached.as_ref() {
            if *at == stamps {
                return Ok(read.clone());
            }
        }
        let out = self.read_files()?;
        *cached = Some((stamps, out.clone()));
        Ok(out)
    }

    /// [`AccessLog::read`] from the files themselves (with the lock held).
    fn read_files(&self) -> Result<LogRead> {
        let path = self.path();
        let old = self.dir.join(OLD_FILE);
        let mut out = LogRead::default();
        let head = match self.read_head() {
            Ok(h) => h,
            Err(_) => {
                out.problems.push(Problem {
                    file: HEAD_FILE.into(),
                    line: None,
                    what: "it cannot be read, so lines removed from the end would not be noticed".into(),
                });
                None
            }
        };
        let mut link: Option<(String, u64)> = head.as_ref().map(|h| (h.kept_prev.clone(), h.kept_from));
        let mut last: Option<(u64, String)> = None;
        let mut lines_seen = 0usize;
        for (name, file) in [(OLD_FILE, &old), (LOG_FILE, &path)] {
            let text = match fs::read(file) {
                Ok(b) => b,
                Err(e) if e.kind() == IoKind::NotFound => continue,
                Err(e) => return Err(Error::io("reading the access log", file.clone(), e)),
            };
            for (i, raw) in text.split(|b| *b == b'\n').enumerate() {
                if raw.is_empty() {
                    continue;
                }
                lines_seen += 1;
                let problem = |what: String| Problem { file: name.into(), line: Some(i + 1), what };
                let Some(sealed) = std::str::from_utf8(raw).ok().and_then(unseal) else {
                    out.problems.push(problem("it is not a log entry (damaged or edited)".into()));
                    link = None;
                    continue;
                };
                let Sealed { entry, hash_ok, .. } = sealed;
                let mut verified = hash_ok;
                if !hash_ok {
                    out.problems.push(problem(format!(
                        "entry {} does not match its hash: it was edited after it was written",
                        entry.seq
                    )));
                }
                if let Some((prev, seq)) = &link {
                    if entry.seq != *seq || entry.prev != *prev {
                        verified = false;
                        out.problems.push(problem(if entry.seq > *seq {
                            let n = entry.seq - seq;
                            format!(
                                "entry {} comes right after entry {}: {n} entr{} before it {} missing (removed or moved)",
                                entry.seq,
                                seq - 1,
                                if n == 1 { "y" } else { "ies" },
                                if n == 1 { "is" } else { "are" }
                            )
                        } else {
                            format!(
                                "entry {} is not the one that was written after entry {}: lines were \
                                 moved, removed or changed here",
                                entry.seq,
                                seq.saturating_sub(1)
                            )
                        }));
                    }
                }
                link = Some((entry.hash.clone(), entry.seq + 1));
                last = Some((entry.seq, entry.hash.clone()));
                out.entries.push(Checked { entry, verified });
            }
        }
        match (&head, &last) {
            (Some(h), Some((seq, hash))) => {
                let lagging = out.entries.last().is_some_and(|c| c.entry.seq == h.seq + 1 && c.entry.prev == h.hash);
                if (*seq != h.seq || *hash != h.hash) && !lagging {
                    out.problems.push(Problem {
                        file: LOG_FILE.into(),
                        line: None,
                        what: if *seq < h.seq {
                            let gone = match h.seq - seq {
                                1 => "the last entry was removed".to_string(),
                                n => format!("the last {n} entries were removed"),
                            };
                            format!("it ends at entry {seq} but entry {} was written: {gone}", h.seq)
                        } else {
                            format!("its last entry ({seq}) is not the last one written ({}): it was changed", h.seq)
                        },
                    });
                }
            }
            (Some(h), None) if h.seq > 0 => out.problems.push(Problem {
                file: LOG_FILE.into(),
                line: None,
                what: format!("it is empty but {} entries were written: it was emptied or deleted", h.seq),
            }),
            (None, _) if lines_seen > 0 && !out.problems.iter().any(|p| p.file == HEAD_FILE) => {
                out.problems.push(Problem {
                    file: HEAD_FILE.into(),
                    line: None,
                    what: "it is missing, so lines removed from the end cannot be ruled out".into(),
                })
            }
            _ => {}
        }
        Ok(out)
    }

    /// The first problem, if any: the chain is checked from the oldest kept line to the head.
    pub fn verify(&self) -> Result<Option<Problem>> {
        Ok(self.read()?.problems.into_iter().next())
    }

    /// The last `n` uses of `token` that verify, newest first, and what is wrong with the log.
    pub fn recent(&self, token: Uuid, n: usize) -> Result<RecentUses> {
        let read = self.read()?;
        let broken = read.problems.first().map(|p| p.to_string());
        let mut uses = read.newest_first(Some(token));
        uses.truncate(n);
        Ok(RecentUses { uses, broken })
    }
}

/// A line parsed back: its entry, whether its hash is right.
#[derive(Debug, Clone)]
struct Sealed {
    entry: AccessEntry,
    hash_ok: bool,
    seq: u64,
    prev: String,
    hash: String,
}

/// Fill in `entry.hash` and give the line (without the newline).
fn seal(entry: &mut AccessEntry) -> String {
    entry.hash.clear();
    let body = serde_json::to_string(&*entry).expect("an entry serialises");
    entry.hash = hex(&Sha256::digest(body.as_bytes()));
    // The same bytes as serialising the entry with its hash, which comes last.
    format!("{},\"hash\":\"{}\"}}", &body[..body.len() - 1], entry.hash)
}

const HASH_SUFFIX: usize = ",\"hash\":\"".len() + 64 + "\"}".len();

/// Parse a line and check its hash against its own bytes.
fn unseal(line: &str) -> Option<Sealed> {
    let entry: AccessEntry = serde_json::from_str(line).ok()?;
    let hash_ok = line.len() > HASH_SUFFIX && line.is_char_boundary(line.len() - HASH_SUFFIX) && {
        let (body, suffix) = line.split_at(line.len() - HASH_SUFFIX);
        let stated = &suffix[9..9 + 64];
        suffix.starts_with(",\"hash\":\"")
            && suffix.ends_with("\"}")
            && stated == entry.hash
            && hex(&Sha256::digest(format!("{body}}}").as_bytes())) == stated
    };
    Some(Sealed { seq: entry.seq, prev: entry.prev.clone(), hash: entry.hash.clone(), hash_ok, entry })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn open_log(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io("opening the access log", path, e))?;
    set_private(&file);
    Ok(file)
}

fn set_private(file: &File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = file;
}

/// The file's length and its last complete line. A partial last line (a writer killed in the
/// middle of a write; it was never acknowledged) is cut off first.
fn tail(file: &mut File, path: &Path) -> Result<(u64, Option<Sealed>)> {
    let io = |e| Error::io("reading the access log", path, e);
    let len = file.metadata().map_err(io)?.len();
    if len == 0 {
        return Ok((0, None));
    }
    let mut window = 16 * 1024u64;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        file.take(len - start).read_to_end(&mut buf).map_err(io)?;
        let mut end = buf.len();
        if buf.last() != Some(&b'\n') {
            // Cut the torn line.
            match buf.iter().rposition(|b| *b == b'\n') {
                Some(p) => end = p + 1,
                None if start == 0 => end = 0,
                None => {
                    window *= 4;
                    continue;
                }
            }
            file.set_len(start + end as u64).map_err(|e| Error::io("repairing the access log", path, e))?;
            tracing::warn!("cut a torn last line from the access log");
        }
        let body = &buf[..end];
        let body = body.strip_suffix(b"\n").unwrap_or(body);
        if body.is_empty() {
            return Ok((start + end as u64, None));
        }
        match body.iter().rposition(|b| *b == b'\n') {
            Some(p) => {
                let last = std::str::from_utf8(&body[p + 1..]).ok().and_then(unseal);
                return Ok((start + end as u64, last));
            }
            None if start == 0 => {
                let last = std::str::from_utf8(body).ok().and_then(unseal);
                return Ok((end as u64, last));
            }
            None => window *= 4,
        }
    }
}

/// The first line of a log file.
fn first_line(file: &mut File, path: &Path) -> Result<Option<Sealed>> {
    let io = |e| Error::io("reading the access log", path, e);
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut buf = Vec::new();
    file.take(64 * 1024).read_to_end(&mut buf).map_err(io)?;
    let line = buf.split(|b| *b == b'\n').next().unwrap_or_default();
    Ok(std::str::from_utf8(line).ok().and_then(unseal))
}

/// A command line for the log: every value in `secrets` (with the label to show instead)
/// masked, also URL-encoded, and cut to about 1 KiB. Values shorter than 4 characters are left
/// alone (they would mask ordinary words).
pub fn mask_command(argv: &[String], secrets: &[(String, &str)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    for (i, arg) in argv.iter().enumerate() {
        let mut a = arg.clone();
        for (label, secret) in secrets {
            if secret.chars().count() < 4 {
                continue;
            }
            let mask = format!("<latchkey:{label}>");
            a = a.replace(secret, &mask);
            for upper in [true, false] {
                let encoded = crate::leak::url_encode(secret, upper);
                if encoded.as_str() != *secret {
                    a = a.replace(encoded.as_str(), &mask);
                }
            }
        }
        if a.len() > ARG_CAP {
            let mut cut = ARG_CAP;
            while !a.is_char_boundary(cut) {
                cut -= 1;
            }
            a.truncate(cut);
            a.push('…');
        }
        total += a.len();
        if total > COMMAND_CAP {
            out.push(format!("…({} more)", argv.len() - i));
            break;
        }
        out.push(a);
    }
    out
}

/// A validation's outcome in a word or two, for the log (never the platform's own text).
pub fn validation_detail(record: &TokenRecord) -> Option<String> {
    use crate::record::Validity;
    record.last_validation.as_ref().map(|o| {
        match o.validity {
            Validity::Valid => "valid",
            Validity::Invalid { .. } => "refused by the platform",
            Validity::CannotCheck { .. } => "could not check",
        }
        .to_string()
    })
}

/// When, for a table: RFC 3339 in UTC, to the second.
pub fn when(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests;
