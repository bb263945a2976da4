//! The index file: every record's non-secret metadata, as versioned JSON.
//!
//! Writes are atomic (temp file in the same directory, fsync, rename, fsync of the
//! directory), the previous file is kept as `latchkey.json.bak`, and a lock file lets the
//! app and the command line write in turn. A file we cannot read, or one written by a newer
//! Latchkey, is moved aside under a new name (never overwritten) and reported.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind as IoKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::record::TokenRecord;
use crate::status::Policy;

/// The schema this build reads and writes. Bump it only with a migration in `migrate`.
pub const SCHEMA: u32 = 1;

pub const INDEX_FILE: &str = "latchkey.json";
pub const BACKUP_FILE: &str = "latchkey.json.bak";
pub const LOCK_FILE: &str = "latchkey.lock";

/// User settings kept with the records (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Settings {
    /// Clear the clipboard this many seconds after a copy, if it still holds the secret.
    pub clipboard_clear_secs: u32,
    pub policy: Policy,
    /// Check every token with its platform when the app starts (off: it touches the network).
    pub validate_on_start: bool,
    /// When to send desktop alerts.
    pub alerts: crate::alert_plan::AlertPolicy,
    /// Closing the window keeps Latchkey running (tray icon, alerts); Quit ends it.
    pub keep_running_in_background: bool,
    /// Start Latchkey (in the background) when the user logs in.
    pub start_at_login: bool,
    /// Leak watch: where to scan, which places are expected to hold a token.
    pub leak: crate::leak::LeakSettings,
    /// Team vaults (OpenBao/Vault KV v2) this machine is connected to. Their Vault tokens
    /// live in the keychain (account `team-vault:<id>`), never here.
    pub team_vaults: Vec<crate::team::TeamVaultConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clipboard_clear_secs: 30,
            policy: Policy::default(),
            validate_on_start: false,
            alerts: Default::default(),
            keep_running_in_background: true,
            start_at_login: false,
            leak: Default::default(),
            team_vaults: vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexFile {
    pub schema: u32,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub records: Vec<TokenRecord>,
    /// Top-level fields from a newer Latchkey of the same schema, kept on rewrite.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Default for IndexFile {
    fn default() -> Self {
        IndexFile { schema: SCHEMA, settings: Settings::default(), records: vec![], extra: Default::default() }
    }
}

/// Something the user should hear about after opening the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Notice {
    pub level: NoticeLevel,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

impl Notice {
    pub fn warning(message: impl Into<String>) -> Self {
        Notice { level: NoticeLevel::Warning, message: message.into() }
    }
    pub fn error(message: impl Into<String>) -> Self {
        Notice { level: NoticeLevel::Error, message: message.into() }
    }
    pub fn info(message: impl Into<String>) -> Self {
        Notice { level: NoticeLevel::Info, message: message.into() }
    }
}

/// Identifies one version of the file on disk, to notice writes by another process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    #[cfg(unix)]
    ino: u64,
}

/// The data directory and the files in it.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// What an index file's bytes turned out to be.
#[derive(Debug)]
pub enum Parsed {
    Ok(IndexFile),
    Missing,
    /// Written by a newer Latchkey: this schema number.
    Newer(u32),
    /// Unreadable: why, for the user (position and category, never the content).
    Damaged(String),
}

/// Judge an index file's contents. Pure and total: any bytes give an answer, never a panic
/// (the fuzz targets in fuzz/ and `tests/index_fuzz.rs` hold it to that).
pub fn parse_bytes(bytes: &[u8]) -> Parsed {
    // Look at the schema number first, so a newer file is never judged by our rules.
    #[derive(Deserialize)]
    struct Probe {
        schema: Option<u32>,
    }
    match serde_json::from_slice::<Probe>(bytes) {
        Ok(Probe { schema: Some(v) }) if v > SCHEMA => return Parsed::Newer(v),
        Ok(Probe { schema: None }) => return Parsed::Damaged("it has no schema number".into()),
        Ok(_) => {}
        Err(e) => return Parsed::Damaged(describe_json_error(&e)),
    }
    match serde_json::from_slice::<IndexFile>(bytes) {
        Ok(index) => Parsed::Ok(migrate(index)),
        Err(e) => Parsed::Damaged(describe_json_error(&e)),
    }
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn index_path(&self) -> PathBuf {
        self.dir.join(INDEX_FILE)
    }
    pub fn backup_path(&self) -> PathBuf {
        self.dir.join(BACKUP_FILE)
    }

    /// Create the data directory (owner-only) if needed.
    pub fn ensure_dir(&self) -> Result<()> {
        fs::create_dir_all(&self.dir).map_err(|e| Error::io("creating the data folder", &self.dir, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700));
        }
        Ok(())
    }

    pub fn stamp(&self) -> Stamp {
        match fs::metadata(self.index_path()) {
            Ok(m) => Stamp {
                modified: m.modified().ok(),
                len: m.len(),
                #[cfg(unix)]
                ino: std::os::unix::fs::MetadataExt::ino(&m),
            },
            Err(_) => Stamp::default(),
        }
    }

    /// Take the cross-process lock, waiting up to `wait`.
    pub fn lock(&self, wait: Duration) -> Result<IndexLock> {
        self.ensure_dir()?;
        let file = lock_file(
            &self.dir.join(LOCK_FILE),
            wait,
            Duration::from_millis(15),
            ("opening the lock file", "locking the vault"),
        )?;
        Ok(IndexLock { _file: file })
    }

    fn parse(path: &Path) -> Result<Parsed> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == IoKind::NotFound => return Ok(Parsed::Missing),
            Err(e) => return Err(Error::io("reading the vault index", path, e)),
        };
        Ok(parse_bytes(&bytes))
    }

    /// Read the index without the lock and without moving anything, for a data folder we
    /// cannot write (read-only mount, no permission): the list can still be shown and used.
    pub fn peek(&self) -> Option<IndexFile> {
        match Self::parse(&self.index_path()) {
            Ok(Parsed::Ok(index)) => Some(index),
            _ => None,
        }
    }

    /// Read the index. A missing file is an empty vault. A damaged or newer file is moved
    /// aside and reported; a damaged one is replaced by the backup when that is readable.
    /// Call with the lock held.
    pub fn load(&self, notices: &mut Vec<Notice>) -> Result<IndexFile> {
        let path = self.index_path();
        match Self::parse(&path)? {
            Parsed::Ok(index) => Ok(index),
            Parsed::Missing => Ok(IndexFile::default()),
            Parsed::Newer(v) => {
                let aside = self.move_aside(&format!("schema{v}"))?;
                notices.push(Notice::error(format!(
                    "The vault index was written by a newer Latchkey (format {v}; this version reads format {SCHEMA}). \
                     It was moved unchanged to {} and this version starts with an empty list. \
                     Your secrets are still in the keychain: install the newer Latchkey and move the file back.",
                    aside.display()
                )));
                Ok(IndexFile::default())
            }
            Parsed::Damaged(why) => {
                let aside = self.move_aside("damaged")?;
                match Self::parse(&self.backup_path())? {
                    Parsed::Ok(backup) => {
                        notices.push(Notice::warning(format!(
                            "The vault index could not be read ({why}). It was restored from the backup made before the last change, \
                             so that change may be missing. The damaged file is kept at {}.",
                            aside.display()
                        )));
                        Ok(backup)
                    }
                    _ => {
                        notices.push(Notice::error(format!(
                            "The vault index could not be read ({why}) and there is no usable backup. The file is kept unchanged at {}; \
                             Latchkey starts with an empty list. Your secrets are still in the keychain.",
                            aside.display()
                        )));
                        Ok(IndexFile::default())
                    }
                }
            }
        }
    }

    /// Remove temp files a killed writer left behind (`save` creates them under the lock, so
    /// with the lock held none can belong to a live write). They hold only metadata, but
    /// would pile up. Returns how many were removed. Call with the lock held.
    pub fn remove_stale_temp_files(&self) -> usize {
        let Ok(entries) = fs::read_dir(&self.dir) else { return 0 };
        let staged = format!(".{BACKUP_FILE}.new");
        entries
            .filter_map(|e| e.ok())
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                (name.starts_with(".latchkey.json.") && name.ends_with(".tmp")) || name == staged.as_str()
            })
            .filter(|e| fs::remove_file(e.path()).is_ok())
            .count()
    }

    /// Rename the index file to a new, unused name next to it and return that name.
    fn move_aside(&self, why: &str) -> Result<PathBuf> {
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut n = 0;
        loop {
            let name =
                if n == 0 { format!("{INDEX_FILE}.{why}-{stamp}") } else { format!("{INDEX_FILE}.{why}-{stamp}-{n}") };
            let target = self.dir.join(name);
            if !target.exists() {
                fs::rename(self.index_path(), &target)
                    .map_err(|e| Error::io("moving the unreadable index aside", &target, e))?;
                return Ok(target);
            }
            n += 1;
        }
    }

    /// Write the index atomically and keep the previous version as the backup.
    /// Call with the lock held.
    pub fn save(&self, index: &IndexFile) -> Result<()> {
        self.ensure_dir()?;
        let path = self.index_path();
        let json = serde_json::to_vec_pretty(index).expect("index serialises");
        let mut tmp = tempfile::Builder::new()
            .prefix(".latchkey.json.")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(|e| Error::io("creating a temporary file", &self.dir, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp.as_file().set_permissions(fs::Permissions::from_mode(0o600));
        }
        tmp.write_all(&json).map_err(|e| Error::io("writing the index", tmp.path().to_path_buf(), e))?;
        tmp.write_all(b"\n").map_err(|e| Error::io("writing the index", tmp.path().to_path_buf(), e))?;
        tmp.as_file().sync_all().map_err(|e| Error::io("flushing the index to disk", tmp.path().to_path_buf(), e))?;

        // Keep what is on disk now as the backup: hard-link it so no copy can tear.
        if path.exists() {
            let backup = self.backup_path();
            let staged = self.dir.join(format!(".{BACKUP_FILE}.new"));
            let _ = fs::remove_file(&staged);
            let linked = fs::hard_link(&path, &staged).or_else(|_| fs::copy(&path, &staged).map(|_| ()));
            if linked.is_ok() {
                fs::rename(&staged, &backup).map_err(|e| Error::io("keeping the backup", &backup, e))?;
                // When the backup already is this very file (a writer was killed after linking
                // it and before replacing the index), rename does nothing and leaves `staged`.
                let _ = fs::remove_file(&staged);
            }
        }
        tmp.persist(&path).map_err(|e| Error::io("replacing the index", &path, e.error))?;
        sync_dir(&self.dir);
        Ok(())
    }
}

/// Holds the cross-process lock until dropped.
pub struct IndexLock {
    _file: File,
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Bring an index of an older schema up to `SCHEMA`. Schema 1 is the first.
fn migrate(mut index: IndexFile) -> IndexFile {
    index.schema = SCHEMA;
    index
}

fn describe_json_error(e: &serde_json::Error) -> String {
    // serde_json's messages name the position and what was expected, never the content.
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "it ends early, as if cut off",
        Category::Syntax => "it is not valid JSON",
        Category::Data => "a field has an unexpected value",
        Category::Io => "it could not be read",
    };
    format!("{what}, line {} column {}", e.line(), e.column())
}

/// For messages: when a path was last changed.
pub fn modified_at(path: &Path) -> Option<DateTime<Utc>> {
    fs::metadata(path).ok()?.modified().ok().map(DateTime::<Utc>::from)
}

#[cfg(test)]
mod tests;

/// Open (creating) the lock file at `path` and take its exclusive lock, trying every `poll`
/// for up to `wait`; `opening` and `locking` are the errors' contexts. The lock is held as
/// long as the returned file is open.
pub(crate) fn lock_file(
    path: &Path,
    wait: Duration,
    poll: Duration,
    (opening, locking): (&'static str, &'static str),
) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(opening, path, e))?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(poll),
            Err(fs::TryLockError::WouldBlock) => return Err(Error::Busy { secs: wait.as_secs() }),
            Err(fs::TryLockError::Error(e)) => return Err(Error::io(locking, path, e)),
        }
    }
}
