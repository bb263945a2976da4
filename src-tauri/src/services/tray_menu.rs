//! What the tray menu offers besides Open/Validate all/Quit, as plain data (the menu itself is
//! built in `tray.rs`): "Revoke “label”…" for the live tokens with suspected leaks in the last
//! scan report, at most five, most findings first. Choosing one shows the window with that
//! token's revoke confirmation open; nothing is revoked from the menu itself.

use std::collections::BTreeMap;

use latchkey_core::leak::{FindingKind, LeakReport};
use latchkey_core::VaultView;
use uuid::Uuid;

/// How many leaked tokens the menu offers to revoke.
pub const MENU_LEAKS: usize = 5;

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
}
