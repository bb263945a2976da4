//! Which expiry alerts are due: a pure function of the records, the alert policy, the time
//! and the alerts already sent.
//!
//! Each alert is identified by a key made of what it is about — the lead time and the expiry
//! instant (`expiry:259200@2026-12-01T00:00:00+00:00`), the start of an unused stretch
//! (`stale@…`), the time of a rejecting check (`invalid@…`) — never by the time it was sent.
//! So an alert fires once per token per lead time across restarts, sleep and clock changes
//! (a clock moved backwards finds the key already sent), and editing the expiry makes new
//! keys: the alerts re-arm. When several lead times passed unseen (the laptop slept a week),
//! only the most urgent is shown and all of them are settled.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::record::{Pending, Platform, TokenRecord, Validity};
use crate::status::{drop_at, unused_since, Policy};

/// When to alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct AlertPolicy {
    /// Alert this many seconds before expiry; 0 means at expiry.
    #[ts(type = "number[]")]
    pub lead_times_secs: Vec<i64>,
    /// Alert once when a token turns stale.
    pub on_stale: bool,
    /// Alert once when a check finds a token rejected by its platform.
    pub on_invalid: bool,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        const DAY: i64 = 86_400;
        AlertPolicy { lead_times_secs: vec![14 * DAY, 3 * DAY, DAY, 3600, 0], on_stale: true, on_invalid: true }
    }
}

/// Why a token needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum AlertReason {
    Expiring {
        #[ts(type = "number")]
        remaining_secs: i64,
    },
    Expired {
        #[ts(type = "number")]
        since_secs: i64,
    },
    Stale {
        #[ts(type = "number")]
        unused_secs: i64,
    },
    /// The server will refuse the token for inactivity (CVAT) in this long.
    Dropping {
        #[ts(type = "number")]
        remaining_secs: i64,
    },
    /// The server refuses the token for inactivity since this long.
    Dropped {
        #[ts(type = "number")]
        since_secs: i64,
    },
    Invalid {
        reason: String,
    },
}

/// One alert due now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DueAlert {
    pub id: Uuid,
    pub platform: Platform,
    pub label: String,
    pub reason: AlertReason,
    /// Every key this alert settles (all lead times that passed unseen).
    pub keys: Vec<String>,
}

/// A token whose "rotate before expiry" day has come: the app rotates it through the
/// platform's API where it can, else alerts with Rotate. Settled like an alert (`key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRotation {
    pub id: Uuid,
    pub platform: Platform,
    pub label: String,
    pub expires_at: DateTime<Utc>,
    pub key: String,
}

impl DueRotation {
    /// As a due alert, to settle its key with the others.
    pub fn settled(&self, reason: AlertReason) -> DueAlert {
        DueAlert {
            id: self.id,
            platform: self.platform,
            label: self.label.clone(),
            reason,
            keys: vec![self.key.clone()],
        }
    }
}

/// What to show now, and when to look again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub due: Vec<DueAlert>,
    /// Rotations due ("rotate before expiry"), not yet attempted for this expiry.
    pub rotations: Vec<DueRotation>,
    /// The next instant at which an alert may become due (`None`: nothing scheduled).
    pub next_wake: Option<DateTime<Utc>>,
}

/// A notification to show for a set of due alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Notification {
    pub title: String,
    pub body: String,
    /// The token to open when the notification is clicked (one token only).
    #[ts(optional)]
    pub token: Option<Uuid>,
}

/// An alert the window shows itself, because the desktop could not show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct InAppAlert {
    pub notification: Notification,
    /// Why it is not a desktop notification.
    pub why: String,
}

fn expiry_key(lead: i64, expires_at: DateTime<Utc>) -> String {
    format!("expiry:{lead}@{}", expires_at.to_rfc3339())
}

/// The keys of `deadline`'s lead times that have passed and were not sent yet (the most
/// urgent is shown, all are settled); the lead times still to come are passed to `wake`.
fn deadline_keys(
    deadline: DateTime<Utc>,
    key: impl Fn(i64) -> String,
    alerts: &AlertPolicy,
    now: DateTime<Utc>,
    sent: &impl Fn(&str) -> bool,
    wake: &mut impl FnMut(DateTime<Utc>),
) -> Vec<String> {
    let mut passed = vec![];
    for &lead in &alerts.lead_times_secs {
        let at = deadline - Duration::seconds(lead);
        let key = key(lead);
        if at > now {
            wake(at);
        } else if !sent(&key) {
            passed.push(key);
        }
    }
    passed
}

/// Whole seconds to `deadline` (negative once past), rounded towards it: 9.4 s left reads
/// "10 seconds".
fn secs_left(deadline: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let left_ms = (deadline - now).num_milliseconds();
    if left_ms <= 0 {
        left_ms / 1000
    } else {
        (left_ms + 999) / 1000
    }
}

pub fn plan(records: &[TokenRecord], alerts: &AlertPolicy, policy: &Policy, now: DateTime<Utc>) -> Plan {
    let mut out = Plan::default();
    let mut wake = |t: DateTime<Utc>| {
        if t > now && out.next_wake.is_none_or(|w| t < w) {
            out.next_wake = Some(t);
        }
    };
    let mut due = vec![];
    let mut rotations = vec![];
    for r in records {
        if r.revoked.is_some() || matches!(r.pending, Pending::Adding | Pending::Deleting) {
            continue;
        }
        // "Rotate before expiry" is the user's standing order: a snooze of the alerts does
        // not hold it back. Once per expiry: a rotated token has a new one (or none). A token
        // rotated on or after its day is not rotated again for it: a lifetime shorter than
        // the days chosen would otherwise rotate it at every look.
        if let (Some(days), Some(exp)) = (r.rotate_before_days, r.expires_at) {
            let at = exp - Duration::days(i64::from(days));
            let key = format!("rotate:{days}@{}", exp.to_rfc3339());
            let rotated_since = r.rotations.last().is_some_and(|e| e.at >= at);
            if at > now {
                wake(at);
            } else if matches!(r.pending, Pending::None)
                && !rotated_since
                && !r.alerts_sent.iter().any(|a| a.key == key)
            {
                rotations.push(DueRotation {
                    id: r.id,
                    platform: r.platform,
                    label: r.label.clone(),
                    expires_at: exp,
                    key,
                });
            }
        }
        if let Some(until) = r.snoozed_until.filter(|u| *u > now) {
            wake(until);
            continue;
        }
        let sent = |key: &str| r.alerts_sent.iter().any(|a| a.key == key);
        let alert = |reason, keys| DueAlert { id: r.id, platform: r.platform, label: r.label.clone(), reason, keys };

        if let Some(exp) = r.expires_at {
            let keys = deadline_keys(exp, |lead| expiry_key(lead, exp), alerts, now, &sent, &mut wake);
            if !keys.is_empty() {
                let reason = match secs_left(exp, now) {
                    left if left <= 0 => AlertReason::Expired { since_secs: -left },
                    left => AlertReason::Expiring { remaining_secs: left },
                };
                due.push(alert(reason, keys));
            }
        }

        // CVAT refuses a token unused for its period: alert before that as before an expiry.
        let dropped_at = drop_at(r);
        if let Some(at) = dropped_at {
            let keys =
                deadline_keys(at, |lead| format!("drop:{lead}@{}", at.to_rfc3339()), alerts, now, &sent, &mut wake);
            if !keys.is_empty() {
                let reason = match secs_left(at, now) {
                    left if left <= 0 => AlertReason::Dropped { since_secs: -left },
                    left => AlertReason::Dropping { remaining_secs: left },
                };
                due.push(alert(reason, keys));
            }
        }

        // Where the server drops the token, its drop alerts say more than a stale alert.
        if alerts.on_stale && dropped_at.is_none() {
            let (since, _) = unused_since(r);
            let stale_at = since + policy.stale_period(r);
            let key = format!("stale@{}", since.to_rfc3339());
            if stale_at <= now {
                if !sent(&key) {
                    due.push(alert(AlertReason::Stale { unused_secs: (now - since).num_seconds() }, vec![key]));
                }
            } else {
                wake(stale_at);
            }
        }

        if alerts.on_invalid {
            if let Some(v) = r.verdict() {
                if let Validity::Invalid { reason } = &v.validity {
                    let key = format!("invalid@{}", v.at.to_rfc3339());
                    if !sent(&key) {
                        due.push(alert(AlertReason::Invalid { reason: reason.clone() }, vec![key]));
                    }
                }
            }
        }
    }
    out.due = due;
    out.rotations = rotations;
    out
}

/// "3 days", "5 hours", "12 minutes", "40 seconds" — the largest whole unit.
pub fn human_duration(secs: i64) -> String {
    let secs = secs.abs();
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3600 => (s / 3600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn describe(reason: &AlertReason) -> String {
    match reason {
        AlertReason::Expiring { remaining_secs } => format!("expires in {}", human_duration(*remaining_secs)),
        AlertReason::Expired { since_secs } if *since_secs < 60 => "has expired".into(),
        AlertReason::Expired { since_secs } => format!("expired {} ago", human_duration(*since_secs)),
        AlertReason::Stale { unused_secs } => format!("unused for {}", human_duration(*unused_secs)),
        AlertReason::Dropping { remaining_secs } => {
            format!("will be dropped by its server for inactivity in {}", human_duration(*remaining_secs))
        }
        AlertReason::Dropped { since_secs } if *since_secs < 60 => "was dropped by its server for inactivity".into(),
        AlertReason::Dropped { since_secs } => {
            format!("was dropped by its server for inactivity {} ago", human_duration(*since_secs))
        }
        AlertReason::Invalid { reason } => format!("was rejected by the platform ({reason})"),
    }
}

/// One notification for everything due: the alert itself when there is one, a summary when
/// there are several (never a flood).
pub fn compose(due: &[DueAlert]) -> Option<Notification> {
    match due {
        [] => None,
        [one] => Some(Notification {
            title: format!("{} token {}", one.platform.name(), describe(&one.reason)),
            body: format!("“{}” {}.", one.label, describe(&one.reason)),
            token: Some(one.id),
        }),
        many => {
            const SHOWN: usize = 5;
            let mut lines: Vec<String> = many
                .iter()
                .take(SHOWN)
                .map(|a| format!("• “{}” ({}) {}", a.label, a.platform.name(), describe(&a.reason)))
                .collect();
            if many.len() > SHOWN {
                lines.push(format!("and {} more", many.len() - SHOWN));
            }
            let tokens = many.iter().map(|a| a.id).collect::<std::collections::HashSet<_>>().len();
            Some(Notification { title: format!("{tokens} tokens need attention"), body: lines.join("\n"), token: None })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{SentAlert, ValidationOutcome};

    const DAY: i64 = 86_400;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn token(label: &str, created: &str, expires: Option<&str>) -> TokenRecord {
        let mut r = TokenRecord::for_test(Platform::Cvat, at(created));
        r.label = label.into();
        r.expires_at = expires.map(at);
        r.last_used_at = Some(at(created));
        r
    }

    fn no_stale() -> AlertPolicy {
        AlertPolicy { on_stale: false, ..Default::default() }
    }

    /// Run the plan and record what it sent, as the app does.
    fn send(records: &mut [TokenRecord], alerts: &AlertPolicy, now: DateTime<Utc>) -> Plan {
        let p = plan(records, alerts, &Policy::default(), now);
        for d in &p.due {
            let r = records.iter_mut().find(|r| r.id == d.id).unwrap();
            r.alerts_sent.extend(d.keys.iter().map(|k| SentAlert { key: k.clone(), at: now }));
        }
        p
    }

    #[test]
    fn every_lead_time_fires_once_exactly_at_its_boundary() {
        let mut rs = vec![token("ci", "2026-11-01T00:00:00Z", Some("2026-12-01T00:00:00Z"))];
        let a = no_stale();
        // Nothing before 14 days; the plan says when to wake.
        let p = send(&mut rs, &a, at("2026-11-16T23:59:59Z"));
        assert!(p.due.is_empty());
        assert_eq!(p.next_wake, Some(at("2026-11-17T00:00:00Z")));
        let mut fired = vec![];
        for (now, want) in [
            ("2026-11-17T00:00:00Z", AlertReason::Expiring { remaining_secs: 14 * DAY }),
            ("2026-11-28T00:00:00Z", AlertReason::Expiring { remaining_secs: 3 * DAY }),
            ("2026-11-30T00:00:00Z", AlertReason::Expiring { remaining_secs: DAY }),
            ("2026-11-30T23:00:00Z", AlertReason::Expiring { remaining_secs: 3600 }),
            ("2026-12-01T00:00:00Z", AlertReason::Expired { since_secs: 0 }),
        ] {
            // One second early: nothing.
            assert!(send(&mut rs, &a, at(now) - Duration::seconds(1)).due.is_empty(), "{now}");
            let p = send(&mut rs, &a, at(now));
            assert_eq!(p.due.len(), 1, "{now}");
            assert_eq!(p.due[0].reason, want);
            fired.push(now);
            // And never again, at the same time or later.
            assert!(send(&mut rs, &a, at(now)).due.is_empty());
        }
        assert_eq!(fired.len(), 5);
        assert_eq!(send(&mut rs, &a, at("2027-01-01T00:00:00Z")).next_wake, None);
    }

    #[test]
    fn cvat_inactivity_drop_alerts_at_the_expiry_lead_times_instead_of_a_stale_alert() {
        let mut r = token("ci", "2026-06-01T00:00:00Z", None);
        r.platform_last_used_at = Some(at("2026-06-01T00:00:00Z"));
        let mut rs = vec![r];
        let a = AlertPolicy::default();
        // CVAT refuses it 180 days after its last use: 28 November.
        let p = send(&mut rs, &a, at("2026-11-13T23:59:59Z"));
        assert!(p.due.is_empty(), "{:?}", p.due);
        assert_eq!(p.next_wake, Some(at("2026-11-14T00:00:00Z")));
        let p = send(&mut rs, &a, at("2026-11-14T00:00:00Z"));
        assert_eq!(p.due.len(), 1);
        assert_eq!(p.due[0].reason, AlertReason::Dropping { remaining_secs: 14 * DAY });
        assert_eq!(p.due[0].keys, ["drop:1209600@2026-11-28T00:00:00+00:00"]);
        let note = compose(&p.due).unwrap();
        assert_eq!(note.title, "CVAT token will be dropped by its server for inactivity in 14 days");
        // At the drop itself: one alert, not a second one for staleness.
        let p = send(&mut rs, &a, at("2026-11-28T00:00:00Z"));
        assert_eq!(
            p.due.iter().map(|d| d.reason.clone()).collect::<Vec<_>>(),
            [AlertReason::Dropped { since_secs: 0 }]
        );
        // A use CVAT reports moves the drop date, and the alerts re-arm.
        rs[0].platform_last_used_at = Some(at("2026-11-27T00:00:00Z"));
        assert!(send(&mut rs, &a, at("2026-11-28T00:00:00Z")).due.is_empty());
        // A token imported long after CVAT dropped it: one alert, every lead time settled.
        let mut old = token("old", "2026-11-28T00:00:00Z", None);
        old.platform_last_used_at = Some(at("2025-10-29T00:00:00Z"));
        let p = plan(&[old], &a, &Policy::default(), at("2026-11-28T00:00:00Z"));
        assert_eq!(p.due.len(), 1);
        assert_eq!(p.due[0].reason, AlertReason::Dropped { since_secs: 215 * DAY });
        assert_eq!(p.due[0].keys.len(), 5);
    }

    #[test]
    fn a_restart_finds_alerts_already_sent() {
        let mut rs = vec![token("ci", "2026-11-01T00:00:00Z", Some("2026-12-01T00:00:00Z"))];
        send(&mut rs, &no_stale(), at("2026-11-28T01:00:00Z"));
        // The records (with alerts_sent) round-trip through the index file.
        let json = serde_json::to_string(&rs).unwrap();
        let reloaded: Vec<TokenRecord> = serde_json::from_str(&json).unwrap();
        assert!(plan(&reloaded, &no_stale(), &Policy::default(), at("2026-11-28T02:00:00Z")).due.is_empty());
    }

    #[test]
    fn a_week_of_sleep_gives_one_alert_per_token_and_one_summary() {
        let mut rs = vec![
            token("a", "2026-11-01T00:00:00Z", Some("2026-11-20T00:00:00Z")),
            token("b", "2026-11-01T00:00:00Z", Some("2026-11-22T00:00:00Z")),
            token("c", "2026-11-01T00:00:00Z", Some("2026-12-31T00:00:00Z")),
        ];
        send(&mut rs, &no_stale(), at("2026-11-02T00:00:00Z"));
        let p = send(&mut rs, &no_stale(), at("2026-11-21T00:00:00Z"));
        assert_eq!(p.due.len(), 2, "{:?}", p.due);
        assert_eq!(p.due[0].reason, AlertReason::Expired { since_secs: DAY });
        assert_eq!(p.due[0].keys.len(), 5, "every passed lead time is settled at once");
        assert_eq!(p.due[1].reason, AlertReason::Expiring { remaining_secs: DAY });
        let n = compose(&p.due).unwrap();
        assert_eq!(n.title, "2 tokens need attention");
        assert!(n.body.contains("“a” (CVAT) expired 1 day ago"), "{}", n.body);
        assert!(n.body.contains("“b” (CVAT) expires in 1 day"), "{}", n.body);
        assert_eq!(n.token, None);
        // Waking up again changes nothing.
        assert!(send(&mut rs, &no_stale(), at("2026-11-21T00:00:05Z")).due.is_empty());
    }

    #[test]
    fn editing_the_expiry_rearms_the_alerts() {
        let mut rs = vec![token("ci", "2026-11-01T00:00:00Z", Some("2026-11-10T00:00:00Z"))];
        assert_eq!(send(&mut rs, &no_stale(), at("2026-11-09T12:00:00Z")).due.len(), 1);
        rs[0].expires_at = Some(at("2026-12-10T00:00:00Z"));
        let p = send(&mut rs, &no_stale(), at("2026-11-09T12:00:00Z"));
        assert!(p.due.is_empty());
        assert_eq!(p.next_wake, Some(at("2026-11-26T00:00:00Z")));
        assert_eq!(send(&mut rs, &no_stale(), at("2026-11-26T00:00:00Z")).due.len(), 1);
    }

    #[test]
    fn snoozed_tokens_wait_and_then_get_the_most_urgent_alert() {
        let mut rs = vec![token("ci", "2026-11-01T00:00:00Z", Some("2026-12-01T00:00:00Z"))];
        rs[0].snoozed_until = Some(at("2026-11-29T00:00:00Z"));
        let p = send(&mut rs, &no_stale(), at("2026-11-20T00:00:00Z"));
        assert!(p.due.is_empty());
        assert_eq!(p.next_wake, Some(at("2026-11-29T00:00:00Z")));
        let p = send(&mut rs, &no_stale(), at("2026-11-29T00:00:00Z"));
        assert_eq!(p.due.len(), 1);
        assert_eq!(p.due[0].reason, AlertReason::Expiring { remaining_secs: 2 * DAY });
        assert_eq!(p.due[0].keys.len(), 2, "14 d and 3 d settled together");
    }

    #[test]
    fn the_clock_moving_backwards_never_repeats_an_alert() {
        let mut rs = vec![token("ci", "2026-11-01T00:00:00Z", Some("2026-12-01T00:00:00Z"))];
        assert_eq!(send(&mut rs, &no_stale(), at("2026-11-28T00:00:00Z")).due.len(), 1);
        // Back two weeks, then forward again.
        assert!(send(&mut rs, &no_stale(), at("2026-11-14T00:00:00Z")).due.is_empty());
        assert!(send(&mut rs, &no_stale(), at("2026-11-28T00:00:00Z")).due.is_empty());
    }

    #[test]
    fn stale_fires_once_per_unused_stretch_and_invalid_once_per_check() {
        let a = AlertPolicy::default();
        let mut rs = vec![token("old", "2026-01-01T00:00:00Z", None)];
        rs[0].platform = Platform::Roboflow;
        let p = send(&mut rs, &a, at("2026-03-01T00:00:00Z"));
        assert!(p.due.is_empty());
        assert_eq!(p.next_wake, Some(at("2026-04-01T00:00:00Z")));
        let p = send(&mut rs, &a, at("2026-04-01T00:00:00Z"));
        assert_eq!(p.due[0].reason, AlertReason::Stale { unused_secs: 90 * DAY });
        assert!(send(&mut rs, &a, at("2026-05-01T00:00:00Z")).due.is_empty());
        // Used again, then unused again: a new stretch, a new alert.
        rs[0].last_used_at = Some(at("2026-05-01T00:00:00Z"));
        assert_eq!(send(&mut rs, &a, at("2026-07-30T00:00:00Z")).due.len(), 1);

        let rejected = |when: &str| ValidationOutcome {
            at: at(when),
            validity: Validity::Invalid { reason: "HTTP 401".into() },
            notes: vec![],
        };
        rs[0].last_validation = Some(rejected("2026-08-01T00:00:00Z"));
        let p = send(&mut rs, &a, at("2026-08-01T00:00:01Z"));
        assert_eq!(p.due[0].reason, AlertReason::Invalid { reason: "HTTP 401".into() });
        assert_eq!(compose(&p.due).unwrap().title, "Roboflow token was rejected by the platform (HTTP 401)");
        assert!(send(&mut rs, &a, at("2026-08-02T00:00:00Z")).due.is_empty());
    }

    #[test]
    fn revoked_and_half_added_tokens_never_alert() {
        let mut rs = vec![token("r", "2026-11-01T00:00:00Z", Some("2026-11-02T00:00:00Z"))];
        rs[0].revoked = Some(crate::record::Revocation { at: at("2026-11-01T01:00:00Z"), reason: "leak".into() });
        assert!(send(&mut rs, &AlertPolicy::default(), at("2026-11-03T00:00:00Z")).due.is_empty());
        rs[0].revoked = None;
        rs[0].pending = Pending::Adding;
        assert!(send(&mut rs, &AlertPolicy::default(), at("2026-11-03T00:00:00Z")).due.is_empty());
    }

    #[test]
    fn one_alert_names_platform_label_and_time_left() {
        let rs = vec![token("deploy key", "2026-11-01T00:00:00Z", Some("2026-11-04T00:00:00Z"))];
        let p = plan(&rs, &no_stale(), &Policy::default(), at("2026-11-01T00:00:00Z"));
        let n = compose(&p.due).unwrap();
        assert_eq!(n.title, "CVAT token expires in 3 days");
        assert!(n.body.starts_with("“deploy key” expires in 3 days"), "{}", n.body);
        assert_eq!(n.token, Some(rs[0].id));
        assert_eq!(human_duration(3599), "59 minutes");
        assert_eq!(human_duration(1), "1 second");
    }

    #[test]
    fn rotate_before_expiry_is_due_once_per_expiry_snoozed_or_not_and_wakes_the_planner() {
        let mut rs = vec![token("ci", "2026-11-01T00:00:00Z", Some("2026-12-01T00:00:00Z"))];
        let a = no_stale();
        assert!(plan(&rs, &a, &Policy::default(), at("2026-11-20T00:00:00Z")).rotations.is_empty(), "off by default");
        rs[0].rotate_before_days = Some(7);
        let p = plan(&rs, &a, &Policy::default(), at("2026-11-23T23:59:59Z"));
        assert!(p.rotations.is_empty(), "one second before the day");
        assert_eq!(p.next_wake, Some(at("2026-11-24T00:00:00Z")), "the planner wakes for it");
        rs[0].snoozed_until = Some(at("2026-11-30T00:00:00Z"));
        let p = plan(&rs, &a, &Policy::default(), at("2026-11-24T00:00:00Z"));
        assert_eq!(p.rotations.len(), 1, "a snooze of the alerts does not hold a rotation back");
        let due = &p.rotations[0];
        assert_eq!((due.id, due.expires_at), (rs[0].id, at("2026-12-01T00:00:00Z")));
        assert_eq!(due.key, "rotate:7@2026-12-01T00:00:00+00:00");
        // Attempted (whatever came of it): not again for this expiry…
        rs[0].alerts_sent.push(SentAlert { key: due.key.clone(), at: at("2026-11-24T00:00:00Z") });
        assert!(plan(&rs, &a, &Policy::default(), at("2026-11-25T00:00:00Z")).rotations.is_empty());
        // …but a new expiry (the rotated token's) is due again in its turn.
        rs[0].expires_at = Some(at("2027-03-01T00:00:00Z"));
        assert!(plan(&rs, &a, &Policy::default(), at("2026-11-25T00:00:00Z")).rotations.is_empty());
        assert_eq!(plan(&rs, &a, &Policy::default(), at("2027-02-22T00:00:00Z")).rotations.len(), 1);
        // A successor whose lifetime is shorter than the days chosen is not rotated again
        // at once: it was rotated on or after its day.
        rs[0].rotations.push(crate::record::RotationEvent {
            at: at("2027-02-22T00:00:00Z"),
            how: "api".into(),
            outcome: "old key revoked".into(),
        });
        rs[0].expires_at = Some(at("2027-02-25T00:00:00Z"));
        assert!(plan(&rs, &a, &Policy::default(), at("2027-02-22T00:00:01Z")).rotations.is_empty());
        rs[0].expires_at = Some(at("2027-03-01T00:00:00Z"));
        // Never for a revoked token, one under a change, or one without an expiry.
        rs[0].pending = Pending::Adding;
        assert!(plan(&rs, &a, &Policy::default(), at("2027-02-22T00:00:00Z")).rotations.is_empty());
        rs[0].pending = Pending::None;
        rs[0].expires_at = None;
        assert!(plan(&rs, &a, &Policy::default(), at("2027-02-22T00:00:00Z")).rotations.is_empty());
    }
}
