//! What the tray shows, as plain data (the menu itself is built in `tray.rs`): the tooltip
//! and count of tokens needing attention; Open; "Revoke “label”…" for the live tokens with
//! suspected leaks in the last scan report, at most five, most findings first (choosing one
//! shows the window with that token's revoke confirmation; nothing is revoked from the menu
//! itself); "Rotate “label”…" for the tokens expiring soon or expired, at most three, soonest
//! first (the window opens with that token's rotation: its confirmation, or the form for the
//! new secret); copy of the five soonest-expiring tokens; Validate all; Quit.

use std::collections::BTreeMap;

use latchkey_core::leak::{FindingKind, LeakReport};
use latchkey_core::status::Health;
use latchkey_core::{TokenRecord, VaultView};
use uuid::Uuid;

/// How many leaked tokens the menu offers to revoke.
pub const MENU_LEAKS: usize = 5;
/// How many of the soonest-expiring tokens the menu offers to copy.
const MENU_TOKENS: usize = 5;
/// How many tokens expiring soon the menu offers to rotate.
pub const MENU_ROTATE: usize = 3;

/// Everything the tray shows; rebuilt only when this changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub tooltip: String,
    /// Tokens expiring within the "soon" window or expired (shown beside the icon where panels do).
    pub count: usize,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Item {
        id: String,
        text: String,
    },
    /// A line that cannot be chosen (a heading).
    Caption(String),
    Separator,
}

fn item(id: impl Into<String>, text: impl Into<String>) -> Entry {
    Entry::Item { id: id.into(), text: text.into() }
}

/// The tray for this view of the vault and the last leak report.
pub fn tray_model(view: &VaultView, leaks: Option<&LeakReport>) -> TrayModel {
    let count = view
        .tokens
        .iter()
        .filter(|t| matches!(t.status.health, Health::Expired { .. } | Health::ExpiringSoon { .. }))
        .count();
    let tooltip = match count {
        0 => "Latchkey — no token expires within a week".to_string(),
        1 => "Latchkey — 1 token expiring or expired".to_string(),
        n => format!("Latchkey — {n} tokens expiring or expired"),
    };
    let mut entries = vec![item("open", "Open Latchkey"), Entry::Separator];
    let leaked = leak_entries(leaks, &menu_tokens(view));
    if !leaked.is_empty() {
        entries.push(Entry::Caption("Found by the last leak scan".into()));
        entries.extend(leaked.into_iter().map(|e| item(leak_menu_id(e.id), e.text)));
        entries.push(Entry::Separator);
    }
    let due = rotate_entries(view);
    if !due.is_empty() {
        entries.push(Entry::Caption("Expiring soon".into()));
        entries.extend(due);
        entries.push(Entry::Separator);
    }
    let tokens = soonest(view);
    if !tokens.is_empty() {
        entries.push(Entry::Caption("Copy a token (soonest expiry first)".into()));
        for r in tokens {
            let left = r.expires_at.map(|e| (e - view.now).num_seconds()).unwrap_or_default();
            let when = if left <= 0 {
                "expired".to_string()
            } else {
                format!("expires in {}", latchkey_core::alert_plan::human_duration(left))
            };
            entries.push(item(format!("copy:{}", r.id), format!("{} · {} — {when}", r.platform.name(), r.label)));
        }
        entries.push(Entry::Separator);
    }
    entries.extend([item("validate_all", "Validate all tokens"), Entry::Separator, item("quit", "Quit Latchkey")]);
    TrayModel { tooltip, count, entries }
}

fn soonest(view: &VaultView) -> Vec<&TokenRecord> {
    let mut live: Vec<&TokenRecord> = view
        .tokens
        .iter()
        .filter(|t| t.record.revoked.is_none() && t.record.expires_at.is_some())
        .map(|t| &t.record)
        .collect();
    live.sort_by_key(|r| r.expires_at);
    live.truncate(MENU_TOKENS);
    live
}

/// "Rotate “label”…" for the local, unrevoked tokens that expire soon or have expired, soonest
/// first; a token already being rotated reads "Finish rotating …".
fn rotate_entries(view: &VaultView) -> Vec<Entry> {
    let mut due: Vec<&TokenRecord> = view
        .tokens
        .iter()
        .filter(|t| t.record.revoked.is_none())
        .filter(|t| matches!(t.status.health, Health::Expired { .. } | Health::ExpiringSoon { .. }))
        .map(|t| &t.record)
        .collect();
    due.sort_by_key(|r| r.expires_at);
    due.truncate(MENU_ROTATE);
    due.into_iter()
        .map(|r| {
            let verb =
                if latchkey_core::vault::rotate::rotation_stage(r).is_some() { "Finish rotating" } else { "Rotate" };
            item(rotate_menu_id(r.id), format!("{verb} “{}”…", r.label))
        })
        .collect()
}

/// The menu id of a rotate entry, and back.
pub fn rotate_menu_id(id: Uuid) -> String {
    format!("rotate:{id}")
}

pub fn parse_rotate_menu_id(menu_id: &str) -> Option<Uuid> {
    menu_id.strip_prefix("rotate:").and_then(|s| Uuid::parse_str(s).ok())
}

/// A "Revoke …" entry: the token and the menu text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakEntry {
    pub id: Uuid,
    pub text: String,
}

/// The menu id of a leak entry, and back.
pub fn leak_menu_id(id: Uuid) -> String {
    format!("revoke:{id}")
}

pub fn parse_leak_menu_id(menu_id: &str) -> Option<Uuid> {
    menu_id.strip_prefix("revoke:").and_then(|s| Uuid::parse_str(s).ok())
}

/// A token as the menu needs it: id, label, revoked.
pub type MenuToken<'a> = (Uuid, &'a str, bool);

/// The tokens of a vault view, for [`leak_entries`].
pub fn menu_tokens(view: &VaultView) -> Vec<MenuToken<'_>> {
    view.tokens.iter().map(|t| (t.record.id, t.record.label.as_str(), t.record.revoked.is_some())).collect()
}

/// The live (not revoked) stored tokens with suspected (not allowed) findings in `report`.
pub fn leak_entries(report: Option<&LeakReport>, tokens: &[MenuToken]) -> Vec<LeakEntry> {
    let Some(report) = report else { return vec![] };
    let mut count: BTreeMap<Uuid, usize> = BTreeMap::new();
    for f in report.suspected() {
        if let FindingKind::Stored { token_id, .. } = &f.kind {
            *count.entry(*token_id).or_default() += 1;
        }
    }
    let mut live: Vec<(usize, Uuid, &str)> = tokens
        .iter()
        .filter(|(_, _, revoked)| !revoked)
        .filter_map(|(id, label, _)| count.get(id).map(|n| (*n, *id, *label)))
        .collect();
    live.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.cmp(b.2)));
    live.truncate(MENU_LEAKS);
    live.into_iter().map(|(_, id, label)| LeakEntry { id, text: format!("Revoke “{label}”…") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_vault_offers_open_validate_all_and_quit_and_the_same_view_gives_the_same_model() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = std::sync::Arc::new(latchkey_core::secret_store::KeyringStore::new("latchkey-unused"));
        let view = latchkey_core::Vault::open_index(dir.path(), secrets).view(chrono::Utc::now());
        let m = tray_model(&view, None);
        let ids: Vec<&str> = m
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Item { id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ids, ["open", "validate_all", "quit"]);
        assert_eq!((m.count, m.tooltip.as_str()), (0, "Latchkey — no token expires within a week"));
        assert_eq!(tray_model(&view, None), m, "nothing changed: the tray is not rebuilt");
    }
    use chrono::Utc;
    use latchkey_core::leak::{Finding, NeedleForm};
    use latchkey_core::record::Platform;

    fn finding(id: Uuid, path: &str, allowed: bool) -> Finding {
        Finding {
            kind: FindingKind::Stored {
                token_id: id,
                platform: Platform::Cvat,
                label: "x".into(),
                form: NeedleForm::AsIs,
            },
            path: path.into(),
            line: 1,
            column: 1,
            excerpt: "••••".into(),
            modified_at: None,
            allowed,
            lines: 1,
        }
    }

    #[test]
    fn entries_are_the_live_leaked_tokens_most_findings_first_at_most_five() {
        let ids: Vec<Uuid> = (0..8).map(|_| Uuid::new_v4()).collect();
        let labels: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
        let tokens: Vec<MenuToken> = (0..8).map(|i| (ids[i], labels[i].as_str(), i == 7)).collect();
        let now = Utc::now();
        let mut findings = vec![
            finding(ids[2], "/a", false),
            finding(ids[2], "/b", false),
            finding(ids[0], "/a", false),
            finding(ids[1], "/a", true),  // allowed: no entry
            finding(ids[7], "/a", false), // revoked: no entry
        ];
        for id in &ids[3..7] {
            findings.push(finding(*id, "/c", false));
        }
        let report = LeakReport {
            started_at: now,
            finished_at: now,
            complete: true,
            files_scanned: 3,
            bytes_scanned: 3,
            binary_skipped: 0,
            tokens_searched: 7,
            findings,
            issues: vec![],
            issues_dropped: 0,
        };
        let entries = leak_entries(Some(&report), &tokens);
        let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["Revoke “t2”…", "Revoke “t0”…", "Revoke “t3”…", "Revoke “t4”…", "Revoke “t5”…"]);
        assert_eq!(entries[0].id, ids[2]);
        assert_eq!(parse_leak_menu_id(&leak_menu_id(ids[2])), Some(ids[2]));
        assert_eq!(parse_leak_menu_id("copy:x"), None);
        assert!(leak_entries(None, &tokens).is_empty());
    }

    fn record(label: &str, expires_in_days: Option<i64>, now: chrono::DateTime<Utc>) -> TokenRecord {
        serde_json::from_value(serde_json::json!({
            "id": Uuid::new_v4(), "platform": "roboflow", "kind": "token", "label": label, "hint": "abcd",
            "created_at": now - chrono::Duration::days(30),
            "expires_at": expires_in_days.map(|d| now + chrono::Duration::days(d)),
        }))
        .unwrap()
    }

    #[test]
    fn tokens_expiring_soon_or_expired_are_offered_for_rotation_soonest_first_at_most_three() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = std::sync::Arc::new(latchkey_core::secret_store::KeyringStore::new("latchkey-unused"));
        let mut view = latchkey_core::Vault::open_index(dir.path(), secrets).view(Utc::now());
        let now = view.now;
        let policy = view.settings.policy;
        let mut revoked = record("revoked", Some(1), now);
        revoked.revoked = Some(latchkey_core::record::Revocation { at: now, reason: "leak".into() });
        let records = [
            record("later", Some(60), now),
            record("in 5 days", Some(5), now),
            record("no expiry", None, now),
            record("expired", Some(-2), now),
            record("in 2 days", Some(2), now),
            record("in 6 days", Some(6), now),
            revoked,
        ];
        view.tokens = records
            .iter()
            .map(|r| latchkey_core::vault::TokenView {
                status: latchkey_core::status::status(r, now, &policy),
                record: r.clone(),
            })
            .collect();
        let m = tray_model(&view, None);
        let rotate: Vec<(&str, &str)> = m
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Item { id, text } if id.starts_with("rotate:") => Some((id.as_str(), text.as_str())),
                _ => None,
            })
            .collect();
        let texts: Vec<&str> = rotate.iter().map(|(_, t)| *t).collect();
        assert_eq!(texts, ["Rotate “expired”…", "Rotate “in 2 days”…", "Rotate “in 5 days”…"]);
        assert_eq!(parse_rotate_menu_id(rotate[0].0), Some(records[3].id));
        assert_eq!(parse_rotate_menu_id(&leak_menu_id(records[3].id)), None);
        assert!(m.entries.contains(&Entry::Caption("Expiring soon".into())));
    }
}
