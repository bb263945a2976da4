//! Token status: a pure function of a record, the time and the policy.
//!
//! All instants are UTC; durations are exact seconds, so leap days, time zones and daylight
//! saving never bend a countdown. Showing local time is the UI's job.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::platforms::{drops_unused, reports_last_use, server_stale_period};
use crate::record::{TokenRecord, Validity};

mod countdown;
pub use countdown::{ago_text, countdown_text};

/// Thresholds that turn times into warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Policy {
    /// Expiring within this many days is "expiring soon".
    pub expiring_soon_days: u32,
    /// Unused this many days is stale, for platforms that document no period of their own.
    pub stale_days: u32,
    /// Tokens without expiry older than this many days are due for rotation.
    pub rotate_after_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { expiring_soon_days: 7, stale_days: 90, rotate_after_days: 180 }
    }
}

impl Policy {
    fn soon(&self) -> Duration {
        Duration::days(self.expiring_soon_days.into())
    }

    /// The staleness period of `record`'s server where the platform has one (CVAT: the
    /// record's per-server override, else CVAT's default), else the policy's.
    pub fn stale_period(&self, record: &TokenRecord) -> Duration {
        server_stale_period(record).unwrap_or_else(|| Duration::days(self.stale_days.into()))
    }

    fn rotate_after(&self) -> Duration {
        Duration::days(self.rotate_after_days.into())
    }
}

/// The one state a token is shown in, most urgent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum Health {
    Revoked,
    /// The platform refused the token at the last check.
    Invalid {
        reason: String,
    },
    Expired {
        #[ts(type = "number")]
        since_secs: i64,
    },
    ExpiringSoon {
        #[ts(type = "number")]
        remaining_secs: i64,
    },
    /// Not used for longer than the staleness period.
    Stale {
        #[ts(type = "number")]
        unused_secs: i64,
    },
    /// No expiry is known; `age_secs` since the current secret was created on the platform
    /// (when it reported that), else since it was stored.
    NoExpirySet {
        #[ts(type = "number")]
        age_secs: i64,
    },
    Active {
        #[ts(type = "number")]
        remaining_secs: i64,
    },
}

/// Everything the list needs to show one token's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Status {
    pub health: Health,
    /// Seconds until expiry (negative once expired); `None` without an expiry.
    #[ts(optional, type = "number")]
    pub expires_in_secs: Option<i64>,
    /// Seconds unused, when past the staleness period (shown as a warning next to any state).
    #[ts(optional, type = "number")]
    pub stale_for_secs: Option<i64>,
    /// No expiry and older than the rotation period.
    pub rotation_due: bool,
    /// Whether a platform check has ever been made: `Unknown` until then.
    pub checked: Checked,
    /// The next instant at which this status changes by itself; the UI re-reads then.
    #[ts(optional)]
    pub changes_at: Option<DateTime<Utc>>,
    /// Where "unused" counts from (for `stale_for_secs`).
    pub unused_source: UnusedSource,
    /// When the platform's server refuses the token for inactivity (CVAT: last use, else
    /// creation, plus the server's period), when the platform reported those dates. May be
    /// in the past.
    #[ts(optional)]
    pub drop_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Checked {
    Unknown,
    Valid,
    Invalid,
    CannotCheck,
}

/// Where the start of "unused" comes from, so the UI and the command line can say it
/// ("unused for 400 days according to CVAT").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UnusedSource {
    /// The platform's own report of the token's last use.
    PlatformLastUse,
    /// The platform reports last uses but none for this token: counted from its creation
    /// on the platform.
    PlatformCreated,
    /// The platform reported nothing: counted from the last use through Latchkey, else from
    /// when the secret was stored here.
    Local,
}

/// The start of "unused", and where it comes from. The platform's facts beat what Latchkey
/// saw: a copy through Latchkey does not mean the platform saw the token used.
pub(crate) fn unused_since(record: &TokenRecord) -> (DateTime<Utc>, UnusedSource) {
    if let Some(used) = record.platform_last_used_at {
        return (used, UnusedSource::PlatformLastUse);
    }
    if let Some(created) = record.platform_created_at.filter(|_| reports_last_use(record.platform)) {
        return (created, UnusedSource::PlatformCreated);
    }
    let since = record.secret_since();
    match record.last_used_at {
        Some(used) if used > since => (used, UnusedSource::Local),
        _ => (since, UnusedSource::Local),
    }
}

/// When the platform's server will refuse the token for inactivity (CVAT), if the platform
/// told us when it was last used or created.
pub(crate) fn drop_at(record: &TokenRecord) -> Option<DateTime<Utc>> {
    let (since, source) = unused_since(record);
    if !drops_unused(record.platform) || source == UnusedSource::Local {
        return None;
    }
    server_stale_period(record).map(|period| since + period)
}

pub fn status(record: &TokenRecord, now: DateTime<Utc>, policy: &Policy) -> Status {
    let expires_in = record.expires_at.map(|e| e - now);
    let (unused_from, unused_source) = unused_since(record);
    let unused_for = now - unused_from;
    let stale_period = policy.stale_period(record);
    let is_stale = unused_for >= stale_period;
    // Rotation age counts from the platform's creation date when it reported one.
    let age = now - record.secret_born();
    let rotation_due = record.expires_at.is_none() && age >= policy.rotate_after();

    let checked = match record.last_validation.as_ref().map(|v| &v.validity) {
        None => Checked::Unknown,
        Some(Validity::Valid) => Checked::Valid,
        Some(Validity::Invalid { .. }) => Checked::Invalid,
        Some(Validity::CannotCheck { .. }) => Checked::CannotCheck,
    };

    let health = if record.revoked.is_some() {
        Health::Revoked
    } else if let Some(Validity::Invalid { reason }) = record.verdict().map(|v| &v.validity) {
        Health::Invalid { reason: reason.clone() }
    } else {
        match expires_in {
            Some(left) if left <= Duration::zero() => Health::Expired { since_secs: -left.num_seconds() },
            Some(left) if left <= policy.soon() => Health::ExpiringSoon { remaining_secs: left.num_seconds() },
            _ if is_stale => Health::Stale { unused_secs: unused_for.num_seconds() },
            Some(left) => Health::Active { remaining_secs: left.num_seconds() },
            None => Health::NoExpirySet { age_secs: age.num_seconds() },
        }
    };

    // Every instant after `now` at which one of the thresholds above is crossed.
    let mut edges: Vec<DateTime<Utc>> = Vec::new();
    if let Some(exp) = record.expires_at {
        edges.push(exp - policy.soon());
        edges.push(exp);
    }
    edges.push(unused_from + stale_period);
    if record.expires_at.is_none() {
        edges.push(record.secret_born() + policy.rotate_after());
    }
    let changes_at = if matches!(health, Health::Revoked | Health::Invalid { .. }) {
        None
    } else {
        edges.into_iter().filter(|t| *t > now).min()
    };

    Status {
        health,
        expires_in_secs: expires_in.map(|d| d.num_seconds()),
        stale_for_secs: is_stale.then(|| unused_for.num_seconds()),
        rotation_due,
        checked,
        changes_at,
        unused_source,
        drop_at: drop_at(record),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::*;
    use chrono::{FixedOffset, TimeZone};
    use uuid::Uuid;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn record(platform: Platform, created: &str) -> TokenRecord {
        let mut r = TokenRecord::for_test(platform, at(created));
        r.id = Uuid::nil();
        r
    }

    fn with_expiry(mut r: TokenRecord, exp: &str) -> TokenRecord {
        r.expires_at = Some(at(exp));
        r
    }

    const P: Policy = Policy { expiring_soon_days: 7, stale_days: 90, rotate_after_days: 180 };

    #[test]
    fn exactly_at_expiry_is_expired_and_one_second_before_is_not() {
        let r = with_expiry(record(Platform::Roboflow, "2026-01-01T00:00:00Z"), "2026-03-01T12:00:00Z");
        let s = status(&r, at("2026-03-01T12:00:00Z"), &P);
        assert_eq!(s.health, Health::Expired { since_secs: 0 });
        assert_eq!(s.expires_in_secs, Some(0));
        let s = status(&r, at("2026-03-01T11:59:59Z"), &P);
        assert_eq!(s.health, Health::ExpiringSoon { remaining_secs: 1 });
        assert_eq!(s.changes_at, Some(at("2026-03-01T12:00:00Z")));
        let s = status(&r, at("2026-03-03T12:00:00Z"), &P);
        assert_eq!(s.health, Health::Expired { since_secs: 2 * 86_400 });
        assert_eq!(s.expires_in_secs, Some(-2 * 86_400));
    }

    #[test]
    fn expiring_soon_starts_exactly_seven_days_before() {
        let r = with_expiry(record(Platform::Cvat, "2026-01-01T00:00:00Z"), "2026-02-10T00:00:00Z");
        let s = status(&r, at("2026-02-02T23:59:59Z"), &P);
        assert_eq!(s.health, Health::Active { remaining_secs: 7 * 86_400 + 1 });
        assert_eq!(s.changes_at, Some(at("2026-02-03T00:00:00Z")));
        let s = status(&r, at("2026-02-03T00:00:00Z"), &P);
        assert_eq!(s.health, Health::ExpiringSoon { remaining_secs: 7 * 86_400 });
    }

    #[test]
    fn countdown_across_a_leap_day_counts_the_29th() {
        let r = with_expiry(record(Platform::Encord, "2028-02-01T00:00:00Z"), "2028-03-01T00:00:00Z");
        let s = status(&r, at("2028-02-28T00:00:00Z"), &P);
        assert_eq!(s.expires_in_secs, Some(2 * 86_400));
        // An expiry on the leap day itself.
        let r = with_expiry(record(Platform::Encord, "2028-01-01T00:00:00Z"), "2028-02-29T23:59:59Z");
        assert_eq!(status(&r, at("2028-02-29T23:59:58Z"), &P).health, Health::ExpiringSoon { remaining_secs: 1 });
        assert!(matches!(status(&r, at("2028-03-01T00:00:00Z"), &P).health, Health::Expired { since_secs: 1 }));
    }

    #[test]
    fn instants_from_any_time_zone_compare_in_utc() {
        // 23:59:59 on 31 Dec in Auckland (+13:00) is 10:59:59 UTC the same day.
        let auckland = FixedOffset::east_opt(13 * 3600).unwrap();
        let exp = auckland.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap().with_timezone(&Utc);
        let mut r = record(Platform::Cvat, "2026-12-01T00:00:00Z");
        r.expires_at = Some(exp);
        assert_eq!(exp, at("2026-12-31T10:59:59Z"));
        assert_eq!(status(&r, at("2026-12-31T10:59:58Z"), &P).expires_in_secs, Some(1));
        // The same instant written in another zone gives the same status.
        let la = FixedOffset::west_opt(8 * 3600).unwrap();
        let now_la = la.with_ymd_and_hms(2026, 12, 31, 2, 59, 58).unwrap().with_timezone(&Utc);
        assert_eq!(status(&r, now_la, &P).expires_in_secs, Some(1));
        // Stored form is UTC with a Z.
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"expires_at\":\"2026-12-31T10:59:59Z\""), "{json}");
    }

    #[test]
    fn daylight_saving_change_does_not_bend_the_countdown() {
        // Europe/Berlin leaves summer time at 03:00 CEST (01:00 UTC) on 25 Oct 2026.
        let cest = FixedOffset::east_opt(2 * 3600).unwrap();
        let cet = FixedOffset::east_opt(3600).unwrap();
        let now = cest.with_ymd_and_hms(2026, 10, 25, 0, 0, 0).unwrap().with_timezone(&Utc);
        let exp = cet.with_ymd_and_hms(2026, 10, 26, 0, 0, 0).unwrap().with_timezone(&Utc);
        let r = with_expiry(record(Platform::Cvat, "2026-10-01T00:00:00Z"), &exp.to_rfc3339());
        // Wall clock says 24 h, but the day is 25 h long.
        assert_eq!(status(&r, now, &P).expires_in_secs, Some(25 * 3600));
    }

    #[test]
    fn no_expiry_reports_age_and_rotation_due_after_180_days() {
        let r = record(Platform::Supervisely, "2026-01-01T00:00:00Z");
        let mut r2 = r.clone();
        r2.last_used_at = Some(at("2026-06-29T00:00:00Z"));
        let s = status(&r2, at("2026-06-30T00:00:00Z"), &P);
        assert_eq!(s.health, Health::NoExpirySet { age_secs: 180 * 86_400 });
        assert!(s.rotation_due);
        let s = status(&r2, at("2026-06-29T23:59:59Z"), &P);
        assert!(!s.rotation_due);
        assert_eq!(s.changes_at, Some(at("2026-06-30T00:00:00Z")));
        // A rotation restarts the clock.
        r2.rotated_at.push(at("2026-06-01T00:00:00Z"));
        let s = status(&r2, at("2026-07-01T00:00:00Z"), &P);
        assert!(!s.rotation_due);
        assert_eq!(s.health, Health::NoExpirySet { age_secs: 30 * 86_400 });
        let _ = r;
    }

    #[test]
    fn stale_after_policy_period_or_platform_period() {
        let r = record(Platform::Roboflow, "2026-01-01T00:00:00Z");
        assert!(status(&r, at("2026-03-31T23:59:59Z"), &P).stale_for_secs.is_none());
        let s = status(&r, at("2026-04-01T00:00:00Z"), &P);
        assert_eq!(s.health, Health::Stale { unused_secs: 90 * 86_400 });
        assert_eq!(s.stale_for_secs, Some(90 * 86_400));
        // A recent use clears it.
        let mut used = r.clone();
        used.last_used_at = Some(at("2026-03-20T00:00:00Z"));
        assert!(matches!(status(&used, at("2026-04-01T00:00:00Z"), &P).health, Health::NoExpirySet { .. }));
        // CVAT's own period is 180 days by default (its server refuses tokens unused that long).
        let cvat = with_expiry(record(Platform::Cvat, "2026-01-01T00:00:00Z"), "2030-01-01T00:00:00Z");
        assert!(matches!(status(&cvat, at("2026-06-29T23:59:59Z"), &P).health, Health::Active { .. }));
        let s = status(&cvat, at("2026-06-30T00:00:00Z"), &P);
        assert!(matches!(s.health, Health::Stale { .. }), "{:?}", s.health);
        // Expiry outranks staleness, but the stale warning still shows.
        let soon = with_expiry(record(Platform::Roboflow, "2026-01-01T00:00:00Z"), "2026-04-03T00:00:00Z");
        let s = status(&soon, at("2026-04-01T00:00:00Z"), &P);
        assert!(matches!(s.health, Health::ExpiringSoon { .. }));
        assert!(s.stale_for_secs.is_some());
        // A policy with a different default period applies to platforms without their own.
        let p30 = Policy { stale_days: 30, ..P };
        assert!(status(&r, at("2026-01-31T00:00:00Z"), &p30).stale_for_secs.is_some());
        assert!(status(&cvat, at("2026-01-31T00:00:00Z"), &p30).stale_for_secs.is_none());
    }

    /// A CVAT token stored on 1 June 2026 that CVAT reports as created 500 days before and
    /// last used `used` (if at all).
    fn cvat_reported(used: Option<&str>) -> TokenRecord {
        let mut r = record(Platform::Cvat, "2026-06-01T00:00:00Z");
        r.platform_created_at = Some(at("2025-01-17T00:00:00Z"));
        r.platform_last_used_at = used.map(at);
        r
    }

    #[test]
    fn a_platform_last_use_older_than_storing_makes_a_fresh_import_stale() {
        let r = cvat_reported(Some("2025-04-27T00:00:00Z"));
        let s = status(&r, at("2026-06-01T00:00:00Z"), &P);
        assert_eq!(s.health, Health::Stale { unused_secs: 400 * 86_400 });
        assert_eq!(s.stale_for_secs, Some(400 * 86_400));
        assert_eq!(s.unused_source, UnusedSource::PlatformLastUse);
        // CVAT refused it 180 days after that last use.
        assert_eq!(s.drop_at, Some(at("2025-10-24T00:00:00Z")));
    }

    #[test]
    fn a_platform_last_use_newer_than_storing_counts_from_that_use() {
        let r = cvat_reported(Some("2026-06-20T00:00:00Z"));
        let s = status(&r, at("2026-07-01T00:00:00Z"), &P);
        assert_eq!(s.stale_for_secs, None);
        assert_eq!(s.unused_source, UnusedSource::PlatformLastUse);
        assert_eq!(s.drop_at, Some(at("2026-12-17T00:00:00Z")));
        assert_eq!(s.changes_at, Some(at("2026-12-17T00:00:00Z")));
    }

    #[test]
    fn a_missing_platform_last_use_counts_from_the_platform_creation_where_uses_are_reported() {
        // CVAT reports last uses: none means never used since it was created there.
        let r = cvat_reported(None);
        let s = status(&r, at("2026-06-01T00:00:00Z"), &P);
        assert_eq!(s.unused_source, UnusedSource::PlatformCreated);
        assert_eq!(s.stale_for_secs, Some(500 * 86_400));
        assert_eq!(s.drop_at, Some(at("2025-07-16T00:00:00Z")));
        // Roboflow reports a creation date but no uses: unused counts from storing here.
        let mut rf = record(Platform::Roboflow, "2026-06-01T00:00:00Z");
        rf.platform_created_at = Some(at("2025-01-17T00:00:00Z"));
        let s = status(&rf, at("2026-06-02T00:00:00Z"), &P);
        assert_eq!((s.unused_source, s.stale_for_secs, s.drop_at), (UnusedSource::Local, None, None));
        // Nothing reported (never checked): from storing, and no drop date is known.
        let plain = record(Platform::Cvat, "2026-06-01T00:00:00Z");
        let s = status(&plain, at("2026-12-01T00:00:00Z"), &P);
        assert_eq!((s.unused_source, s.stale_for_secs, s.drop_at), (UnusedSource::Local, Some(183 * 86_400), None));
    }

    #[test]
    fn a_copy_through_latchkey_does_not_reset_platform_staleness() {
        let mut r = cvat_reported(Some("2025-04-27T00:00:00Z"));
        r.last_used_at = Some(at("2026-05-31T23:00:00Z"));
        let s = status(&r, at("2026-06-01T00:00:00Z"), &P);
        assert_eq!(s.health, Health::Stale { unused_secs: 400 * 86_400 });
        assert_eq!(s.unused_source, UnusedSource::PlatformLastUse);
        // Without the platform's report, the copy is the last use known.
        r.platform_last_used_at = None;
        r.platform_created_at = None;
        let s = status(&r, at("2026-06-01T00:00:00Z"), &P);
        assert_eq!((s.unused_source, s.stale_for_secs), (UnusedSource::Local, None));
    }

    #[test]
    fn the_cvat_drop_date_follows_the_servers_own_period() {
        let mut r = cvat_reported(Some("2026-01-01T00:00:00Z"));
        assert_eq!(status(&r, at("2026-06-01T00:00:00Z"), &P).drop_at, Some(at("2026-06-30T00:00:00Z")));
        // A self-hosted server with CVAT_ACCESS_TOKEN_STALE_PERIOD of a year.
        r.stale_period_days = Some(365);
        let s = status(&r, at("2026-07-01T00:00:00Z"), &P);
        assert_eq!(s.drop_at, Some(at("2027-01-01T00:00:00Z")));
        assert_eq!(s.stale_for_secs, None, "the server's period decides staleness too");
        // Only CVAT drops unused tokens; an override elsewhere is ignored.
        let mut env0 = record(Platform::Env0, "2026-06-01T00:00:00Z");
        env0.platform_last_used_at = Some(at("2026-01-01T00:00:00Z"));
        env0.stale_period_days = Some(365);
        let s = status(&env0, at("2026-06-01T00:00:00Z"), &P);
        assert_eq!((s.drop_at, s.stale_for_secs), (None, Some(151 * 86_400)));
    }

    #[test]
    fn rotation_age_counts_from_the_platform_creation() {
        let mut r = record(Platform::Roboflow, "2026-06-01T00:00:00Z");
        r.last_used_at = Some(at("2026-06-01T00:00:00Z"));
        assert!(!status(&r, at("2026-06-02T00:00:00Z"), &P).rotation_due);
        r.platform_created_at = Some(at("2025-06-01T00:00:00Z"));
        let s = status(&r, at("2026-06-02T00:00:00Z"), &P);
        assert!(s.rotation_due);
        assert_eq!(s.health, Health::NoExpirySet { age_secs: 366 * 86_400 });
    }

    #[test]
    fn revoked_and_invalid_outrank_time_and_never_change_by_themselves() {
        let mut r = with_expiry(record(Platform::Env0, "2026-01-01T00:00:00Z"), "2026-01-02T00:00:00Z");
        r.last_validation = Some(ValidationOutcome {
            at: at("2026-01-01T01:00:00Z"),
            validity: Validity::Invalid { reason: "401 Unauthorized".into() },
            notes: vec![],
        });
        let s = status(&r, at("2026-01-01T02:00:00Z"), &P);
        assert_eq!(s.health, Health::Invalid { reason: "401 Unauthorized".into() });
        assert_eq!(s.checked, Checked::Invalid);
        assert_eq!(s.changes_at, None);
        r.revoked = Some(Revocation { at: at("2026-01-01T03:00:00Z"), reason: "leaked".into() });
        assert_eq!(status(&r, at("2026-01-05T00:00:00Z"), &P).health, Health::Revoked);
    }

    #[test]
    fn never_checked_is_unknown_and_valid_check_is_shown() {
        let mut r = record(Platform::Cvat, "2026-01-01T00:00:00Z");
        assert_eq!(status(&r, at("2026-01-02T00:00:00Z"), &P).checked, Checked::Unknown);
        r.last_validation =
            Some(ValidationOutcome { at: at("2026-01-01T05:00:00Z"), validity: Validity::Valid, notes: vec![] });
        assert_eq!(status(&r, at("2026-01-02T00:00:00Z"), &P).checked, Checked::Valid);
        r.last_validation = Some(ValidationOutcome {
            at: at("2026-01-01T05:00:00Z"),
            validity: Validity::CannotCheck { reason: "timeout".into() },
            notes: vec![],
        });
        let s = status(&r, at("2026-01-02T00:00:00Z"), &P);
        assert_eq!(s.checked, Checked::CannotCheck);
        assert!(matches!(s.health, Health::NoExpirySet { .. }), "cannot-check does not make a token invalid");
    }

    #[test]
    fn cannot_check_after_invalid_keeps_the_token_invalid() {
        let mut r = record(Platform::Cvat, "2026-01-01T00:00:00Z");
        let refused = ValidationOutcome {
            at: at("2026-01-01T05:00:00Z"),
            validity: Validity::Invalid { reason: "401".into() },
            notes: vec![],
        };
        r.last_verdict = Some(refused.clone());
        r.last_validation = Some(ValidationOutcome {
            at: at("2026-01-01T06:00:00Z"),
            validity: Validity::CannotCheck { reason: "timeout".into() },
            notes: vec![],
        });
        let s = status(&r, at("2026-01-02T00:00:00Z"), &P);
        assert_eq!(s.checked, Checked::CannotCheck);
        assert_eq!(s.health, Health::Invalid { reason: "401".into() });
        // A later valid answer clears it.
        r.last_validation = Some(ValidationOutcome { validity: Validity::Valid, ..refused });
        assert!(matches!(status(&r, at("2026-01-02T00:00:00Z"), &P).health, Health::NoExpirySet { .. }));
    }

    #[test]
    fn expiry_in_the_past_at_creation_is_shown_expired() {
        let r = with_expiry(record(Platform::Cvat, "2026-05-01T00:00:00Z"), "2026-04-01T00:00:00Z");
        let s = status(&r, at("2026-05-01T00:00:00Z"), &P);
        assert_eq!(s.health, Health::Expired { since_secs: 30 * 86_400 });
    }

    #[test]
    fn changes_at_is_always_in_the_future_and_status_is_stable_until_then() {
        // Walk a record through its life one change at a time; between changes nothing moves.
        let r = with_expiry(record(Platform::Roboflow, "2026-01-01T00:00:00Z"), "2026-06-01T00:00:00Z");
        let mut now = at("2026-01-01T00:00:00Z");
        let mut seen = vec![];
        while let Some(next) = status(&r, now, &P).changes_at {
            assert!(next > now);
            let before = std::mem::discriminant(&status(&r, next - Duration::seconds(1), &P).health);
            assert_eq!(before, std::mem::discriminant(&status(&r, now, &P).health));
            now = next;
            seen.push(status(&r, now, &P).health);
        }
        assert!(matches!(seen.last(), Some(Health::Expired { .. })), "{seen:?}");
        assert!(seen.iter().any(|h| matches!(h, Health::Stale { .. })));
        assert!(seen.iter().any(|h| matches!(h, Health::ExpiringSoon { .. })));
    }

    proptest::proptest! {
        /// For any record and any moment: the countdown sign matches the state, and
        /// `changes_at` lies in the future with the same state one second before it.
        #[test]
        fn status_invariants(
            created in 0i64..4_000_000_000,
            expiry_offset in proptest::option::of(-400i64 * 86_400..800 * 86_400),
            used_offset in proptest::option::of(0i64..500 * 86_400),
            platform_used_offset in proptest::option::of(-600i64 * 86_400..500 * 86_400),
            now_offset in 0i64..900 * 86_400,
            platform in proptest::sample::select(Platform::ALL.to_vec()),
        ) {
            let created_at = DateTime::from_timestamp(created, 0).unwrap();
            let mut r = record(platform, "2026-01-01T00:00:00Z");
            r.created_at = created_at;
            r.expires_at = expiry_offset.map(|o| created_at + Duration::seconds(o));
            r.last_used_at = used_offset.map(|o| created_at + Duration::seconds(o));
            r.platform_last_used_at = platform_used_offset.map(|o| created_at + Duration::seconds(o));
            let now = created_at + Duration::seconds(now_offset);
            let s = status(&r, now, &P);
            match &s.health {
                Health::Expired { since_secs } => proptest::prop_assert!(*since_secs >= 0 && s.expires_in_secs == Some(-since_secs)),
                Health::ExpiringSoon { remaining_secs } => proptest::prop_assert!(*remaining_secs > 0 && *remaining_secs <= 7 * 86_400),
                Health::Active { remaining_secs } => proptest::prop_assert!(*remaining_secs > 7 * 86_400),
                Health::NoExpirySet { .. } => proptest::prop_assert!(r.expires_at.is_none()),
                Health::Stale { .. } => proptest::prop_assert!(s.stale_for_secs.is_some()),
                other => proptest::prop_assert!(false, "unexpected {other:?}"),
            }
            if let Some(next) = s.changes_at {
                proptest::prop_assert!(next > now);
                let before = status(&r, next - Duration::seconds(1), &P);
                proptest::prop_assert_eq!(std::mem::discriminant(&before.health), std::mem::discriminant(&s.health));
            }
        }
    }
}
