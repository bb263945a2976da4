//! When the next scheduled scan is due, and which findings are new since the last report.
//! Pure (the clock is a parameter), so the desktop's scheduler thread only sleeps and starts.
//!
//! The schedule is anchored on the last *finished* scan kept in `leak-scan.json`, manual or
//! scheduled, so it survives restarts: a scan that fell due while the app was closed runs
//! shortly after the next start, and a fresh report means no scan at start.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{Finding, FindingKind, LeakReport};

/// A scan that is due at start waits this long, so it does not compete with the app starting.
pub const START_DELAY: Duration = Duration::seconds(10);

/// When the next scheduled scan is due: `None` when scans run only on demand.
///
/// `last_finished` is the finish time of the last report (none yet: due at once); `started`
/// is when the app started (nothing runs before `started + START_DELAY`). A report from the
/// future (the clock was set back) counts as finished `now`, so the schedule does not stall.
pub fn next_due(
    schedule_hours: Option<u32>,
    last_finished: Option<DateTime<Utc>>,
    started: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let hours = schedule_hours.filter(|h| *h > 0)?;
    let earliest = started + START_DELAY;
    let due = match last_finished {
        None => earliest,
        Some(t) => t.min(now) + Duration::hours(hours as i64),
    };
    Some(due.max(earliest))
}

/// What makes two findings "the same" across scans: the token (or the unknown token's
/// platform and reason) and the file. Lines are left out on purpose: a history file grows
/// above an old finding, and that is no new leak.
fn key(f: &Finding) -> (String, &str) {
    let what = match &f.kind {
        FindingKind::Stored { token_id, form, .. } => format!("stored:{token_id}:{form:?}"),
        FindingKind::Revoked { token_id, .. } => format!("revoked:{token_id}"),
        FindingKind::Unknown { platform, reason } => format!("unknown:{}:{reason}", platform.id()),
    };
    (what, f.path.as_str())
}

/// The suspected findings of `current` that `previous` did not already have (allowed or not:
/// a finding the user saw and allowed is no news either). With no previous report, all.
pub fn new_suspected<'a>(previous: Option<&LeakReport>, current: &'a LeakReport) -> Vec<&'a Finding> {
    let seen: BTreeSet<(String, &str)> = previous.map(|p| p.findings.iter().map(key).collect()).unwrap_or_default();
    current.suspected().filter(|f| !seen.contains(&key(f))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leak::NeedleForm;
    use crate::record::Platform;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn off_means_never() {
        let now = at("2026-11-26T10:00:00Z");
        assert_eq!(next_due(None, None, now, now), None);
        assert_eq!(next_due(Some(0), None, now, now), None);
    }

    #[test]
    fn no_report_yet_is_due_shortly_after_start() {
        let started = at("2026-11-26T10:00:00Z");
        assert_eq!(next_due(Some(6), None, started, started), Some(at("2026-11-26T10:00:10Z")));
        // Later in the run it is simply due (in the past).
        let now = at("2026-11-26T12:00:00Z");
        assert!(next_due(Some(6), None, started, now).unwrap() <= now);
    }

    #[test]
    fn a_fresh_report_means_no_scan_at_start() {
        let started = at("2026-11-26T10:00:00Z");
        let last = at("2026-11-26T09:00:00Z");
        assert_eq!(next_due(Some(6), Some(last), started, started), Some(at("2026-11-26T15:00:00Z")));
        assert_eq!(next_due(Some(24), Some(last), started, started), Some(at("2026-11-27T09:00:00Z")));
    }

    #[test]
    fn due_while_closed_runs_soon_after_start() {
        let started = at("2026-11-26T10:00:00Z");
        let last = at("2026-11-19T09:00:00Z"); // a week ago, every 6 h
        assert_eq!(next_due(Some(6), Some(last), started, started), Some(at("2026-11-26T10:00:10Z")));
    }

    #[test]
    fn a_suspend_past_the_due_time_makes_it_due_now() {
        let started = at("2026-11-26T10:00:00Z");
        let last = at("2026-11-26T10:30:00Z");
        let woke = at("2026-11-27T08:00:00Z");
        let due = next_due(Some(6), Some(last), started, woke).unwrap();
        assert_eq!(due, at("2026-11-26T16:30:00Z"));
        assert!(due <= woke);
    }

    #[test]
    fn a_report_from_the_future_does_not_stall_the_schedule() {
        // The clock was set back by a month after the last scan.
        let started = at("2026-10-26T10:00:00Z");
        let last = at("2026-11-26T09:00:00Z");
        assert_eq!(next_due(Some(6), Some(last), started, started), Some(at("2026-10-26T16:00:00Z")));
    }

    #[test]
    fn changing_the_interval_replans_from_the_same_report() {
        let started = at("2026-11-26T00:00:00Z");
        let last = at("2026-11-26T09:00:00Z");
        let now = at("2026-11-26T12:00:00Z");
        assert_eq!(next_due(Some(168), Some(last), started, now), Some(at("2026-12-03T09:00:00Z")));
        assert_eq!(next_due(Some(1), Some(last), started, now), Some(at("2026-11-26T10:00:00Z")));
    }

    fn finding(token: u128, path: &str, line: u64, allowed: bool) -> Finding {
        Finding {
            kind: FindingKind::Stored {
                token_id: uuid::Uuid::from_u128(token),
                platform: Platform::Roboflow,
                label: "k".into(),
                form: NeedleForm::AsIs,
            },
            path: path.into(),
            line,
            column: 1,
            excerpt: "x=••••".into(),
            modified_at: None,
            allowed,
            lines: 1,
        }
    }

    fn report(findings: Vec<Finding>) -> LeakReport {
        let t = at("2026-11-26T10:00:00Z");
        LeakReport {
            started_at: t,
            finished_at: t,
            complete: true,
            files_scanned: 1,
            bytes_scanned: 1,
            binary_skipped: 0,
            tokens_searched: 1,
            findings,
            issues: vec![],
            issues_dropped: 0,
        }
    }

    #[test]
    fn only_findings_new_since_the_previous_report_are_news() {
        let prev = report(vec![finding(1, "/h/.bash_history", 2, false)]);
        // Same token, same file, the history grew: not new. Another file: new.
        let cur = report(vec![finding(1, "/h/.bash_history", 40, false), finding(1, "/h/.zsh_history", 3, false)]);
        let news = new_suspected(Some(&prev), &cur);
        assert_eq!(news.len(), 1);
        assert_eq!(news[0].path, "/h/.zsh_history");
        // No previous report: everything suspected is new; allowed findings never are.
        let cur = report(vec![finding(1, "/h/a", 1, false), finding(2, "/h/b", 1, true)]);
        assert_eq!(new_suspected(None, &cur).len(), 1);
        // Another token in the same file is new.
        let prev = report(vec![finding(1, "/h/a", 1, false)]);
        let cur = report(vec![finding(1, "/h/a", 1, false), finding(2, "/h/a", 2, false)]);
        assert_eq!(new_suspected(Some(&prev), &cur).len(), 1);
        // Nothing new: nothing to say.
        assert!(new_suspected(Some(&cur), &cur).is_empty());
    }

    #[test]
    fn the_alert_for_new_findings_counts_only_them() {
        let prev = report(vec![finding(1, "/h/a", 1, false)]);
        let cur = report(vec![finding(1, "/h/a", 1, false), finding(2, "/h/b", 1, false)]);
        let news = new_suspected(Some(&prev), &cur);
        assert_eq!(
            crate::leak::alert_text(news.iter().copied()).as_deref(),
            Some("Possible leak: 1 stored secret found in 1 file.")
        );
        assert_eq!(crate::leak::alert_text(std::iter::empty()), None);
    }
}
