//! Leak watch: find the secrets Latchkey holds where they should not be.
//!
//! Latchkey knows every stored secret exactly, so it searches for them exactly: one
//! Aho-Corasick pass per file over all of them in their usual encodings (`needles`), plus
//! context-anchored patterns for tokens of the five platforms that are *not* in the vault
//! (`patterns`). The places (`walk`) are shell histories, dotfiles, `~/supervisely.env`,
//! the platforms' CLI config files and the user's project folders (gitignore respected by
//! default). Files are streamed in chunks (`source`, `scan`), so size does not matter;
//! binary files are skipped, UTF-16 files decoded. A result (`Finding`) says where and
//! what, with a masked excerpt — never the secret. The last report is kept in
//! `leak-scan.json` (`store`).
//!
//! Layers: [`scan`] takes explicit needles, places and home folder; `Vault::leak_needles`
//! builds the needles from the keychain and the revoked fingerprints (`vault/leak.rs`), and
//! the places and allow rules are part of the settings ([`LeakSettings`]).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::record::Platform;

mod needles;
mod patterns;
mod reference;
mod run;
mod scan;
pub mod schedule;
mod source;
pub mod store;
mod take;
#[cfg(test)]
mod tests;
mod walk;

pub use needles::url_encode;
pub use needles::{fingerprint, NeedleForm, NeedleSet, NeedleSetBuilder, TokenRef, MIN_NEEDLE};
pub use patterns::Patterns;
pub use reference::{
    drop_replaced, reference_preview, reference_unavailable, replace_with_reference, ReferencePreview,
};
pub use run::{scan, Needles, ScanOptions};
pub use scan::scan_text;
pub use take::{take_found_token, token_in_text, FoundToken};
pub use walk::{default_home_files, expand_home, home_dir};

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum FindingKind {
    /// A token stored in Latchkey.
    Stored { token_id: Uuid, platform: Platform, label: String, form: NeedleForm },
    /// A token Latchkey marked revoked (recognised by the fingerprint kept at revocation).
    Revoked { token_id: Uuid, platform: Platform, label: String },
    /// Something shaped like a platform's token that is not in Latchkey.
    Unknown { platform: Platform, reason: String },
}

/// One place where a secret was found. Holds no secret: the excerpt is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Finding {
    pub kind: FindingKind,
    pub path: String,
    /// 1-based line number.
    #[ts(type = "number")]
    pub line: u64,
    /// 1-based column, in bytes of the line as UTF-8 (as ripgrep counts).
    #[ts(type = "number")]
    pub column: u64,
    /// The line around the match, the secret replaced by `••••` and the record's hint.
    pub excerpt: String,
    /// When the file was last changed.
    #[ts(optional)]
    pub modified_at: Option<DateTime<Utc>>,
    /// The place is marked as expected (an allow rule matches): no alert.
    pub allowed: bool,
    /// For a key spread over several lines (an SSH key): how many lines matched.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    #[ts(optional, type = "number")]
    pub lines: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

impl Finding {
    /// The stored or revoked token this finding is about, if any.
    pub fn token_id(&self) -> Option<Uuid> {
        match &self.kind {
            FindingKind::Stored { token_id, .. } | FindingKind::Revoked { token_id, .. } => Some(*token_id),
            FindingKind::Unknown { .. } => None,
        }
    }
}

/// A file that could not be scanned, or a place that was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScanIssue {
    pub path: String,
    pub message: String,
}

/// The result of one scan. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeakReport {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// False when the scan was cancelled: what it found so far.
    pub complete: bool,
    #[ts(type = "number")]
    pub files_scanned: u64,
    #[ts(type = "number")]
    pub bytes_scanned: u64,
    /// Files skipped as binary (a NUL byte in the first 8 KiB and not UTF-16).
    #[ts(type = "number")]
    pub binary_skipped: u64,
    /// How many stored tokens were searched for (revoked ones are recognised only by pattern).
    pub tokens_searched: u32,
    pub findings: Vec<Finding>,
    /// Unreadable files, symlink loops, missing folders (at most 200 kept).
    pub issues: Vec<ScanIssue>,
    /// Issues beyond the 200 kept.
    #[ts(type = "number")]
    pub issues_dropped: u64,
}

impl LeakReport {
    /// Findings not covered by an allow rule: suspected leaks.
    pub fn suspected(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.allowed)
    }

    /// One sentence for a desktop notification, or `None` when nothing is suspected.
    pub fn alert_text(&self) -> Option<String> {
        alert_text(self.suspected())
    }
}

/// One sentence for a desktop notification about `findings` (`None` when there are none).
pub fn alert_text<'a>(findings: impl Iterator<Item = &'a Finding>) -> Option<String> {
    let findings: Vec<&Finding> = findings.collect();
    let of = |pick: fn(&FindingKind) -> bool| findings.iter().filter(move |f| pick(&f.kind));
    let stored = of(|k| matches!(k, FindingKind::Stored { .. })).count();
    let revoked = of(|k| matches!(k, FindingKind::Revoked { .. })).count();
    let unknown = of(|k| matches!(k, FindingKind::Unknown { .. })).count();
    let mut parts = vec![];
    if stored > 0 {
        let files: std::collections::BTreeSet<&str> =
            of(|k| matches!(k, FindingKind::Stored { .. })).map(|f| f.path.as_str()).collect();
        parts.push(format!(
            "{stored} stored secret{} found in {} file{}",
            plural(stored),
            files.len(),
            plural(files.len())
        ));
    }
    if revoked > 0 {
        parts.push(format!("{revoked} revoked token{} still present", plural(revoked)));
    }
    if unknown > 0 {
        parts.push(format!("{unknown} unknown token{} found", plural(unknown)));
    }
    (!parts.is_empty()).then(|| format!("Possible leak: {}.", parts.join(", ")))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Progress of a running scan (sent at most every 100 ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ScanProgress {
    #[ts(type = "number")]
    pub files_scanned: u64,
    /// Known when the scan ends (0 while it runs: files are scanned as the walk finds them).
    #[ts(type = "number")]
    pub files_total: u64,
    #[ts(type = "number")]
    pub bytes_scanned: u64,
    #[ts(type = "number")]
    pub bytes_total: u64,
    pub current_path: String,
}

/// Where to look (part of the settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct LeakPlaces {
    /// Shell histories, dotfiles and `*.env` in the home folder, `~/supervisely.env`, the
    /// platforms' CLI config files.
    pub home_defaults: bool,
    /// Project folders, walked recursively (`~/` allowed).
    pub folders: Vec<String>,
    /// Also scan files that .gitignore/.ignore exclude (`.env` files usually are).
    pub include_ignored: bool,
    /// Scan by itself every this many hours (`None`: only on demand).
    #[ts(optional)]
    pub schedule_hours: Option<u32>,
}

impl Default for LeakPlaces {
    fn default() -> Self {
        LeakPlaces { home_defaults: true, folders: vec![], include_ignored: false, schedule_hours: None }
    }
}

/// Leak watch settings, kept with the other settings in the index (no secrets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct LeakSettings {
    pub places: LeakPlaces,
    /// Places where findings are expected: no alert.
    pub allowed: Vec<AllowRule>,
}

/// A place where a finding is expected (the user's own `~/supervisely.env`): no alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AllowRule {
    /// A file, or a folder and everything in it (`~/` allowed).
    pub path: String,
    /// Only this token; `None`: any finding there.
    #[serde(default)]
    #[ts(optional)]
    pub token_id: Option<Uuid>,
}

impl AllowRule {
    /// Whether this rule covers `finding` (`home` expands `~`).
    pub fn covers(&self, finding: &Finding, home: Option<&std::path::Path>) -> bool {
        if let Some(id) = self.token_id {
            if finding.token_id() != Some(id) {
                return false;
            }
        }
        let rule = expand_home(&self.path, home);
        let path = PathBuf::from(&finding.path);
        path == rule || path.starts_with(&rule)
    }
}

/// Mark the findings covered by `rules` as allowed.
pub fn apply_allow_rules(report: &mut LeakReport, rules: &[AllowRule], home: Option<&std::path::Path>) {
    for f in &mut report.findings {
        f.allowed = rules.iter().any(|r| r.covers(f, home));
    }
}

/// Set to stop a running scan; it returns what it found so far, marked incomplete.
pub type CancelFlag = std::sync::Arc<AtomicBool>;
