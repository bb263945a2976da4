//! Countdown and "ago" texts, worded as the desktop list shows them (`ui/src/tokens/countdown.ts`),
//! so the app and the command line say the same thing. Pure: the clock is passed in.

use chrono::{DateTime, Utc};

const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// From this many days on, a remaining time is shown in whole days only.
const DAYS_ONLY: i64 = 100;

/// "expires in 6 d 4 h", "expires in 5 h 3 m", "expires in 42 m", "expires in 42 s" (seconds
/// only in the last minute: the window changes its text once a minute before that),
/// "expired just now" (for the first minute), "expired 2 d ago", or "no expiry set".
///
/// The remaining time is rounded up to whole seconds, so the last second before expiry reads
/// "expires in 1 s" and the instant of expiry reads "expired just now".
pub fn countdown_text(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(expires_at) = expires_at else { return "no expiry set".into() };
    let remaining_ms = (expires_at - now).num_milliseconds();
    if remaining_ms > 0 {
        let secs = (remaining_ms + 999) / 1000;
        let text = if secs < MIN {
            format!("{secs} s")
        } else if secs < HOUR {
            format!("{} m", secs / MIN)
        } else if secs < DAY {
            format!("{} h {} m", secs / HOUR, (secs % HOUR) / MIN)
        } else if secs < DAYS_ONLY * DAY {
            format!("{} d {} h", secs / DAY, (secs % DAY) / HOUR)
        } else {
            format!("{} d", secs / DAY)
        };
        return format!("expires in {text}");
    }
    match elapsed_text(-remaining_ms) {
        None => "expired just now".into(),
        Some(t) => format!("expired {t} ago"),
    }
}

/// "just now" / "5 m ago" / "2 d ago" for an instant in the past; "in 5 h" for one ahead.
pub fn ago_text(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let ms = (now - at).num_milliseconds();
    if ms < 0 {
        return match elapsed_text(-ms) {
            None => "in under a minute".into(),
            Some(t) => format!("in {t}"),
        };
    }
    match elapsed_text(ms) {
        None => "just now".into(),
        Some(t) => format!("{t} ago"),
    }
}

/// An elapsed time, coarsely: `None` under a minute, else "12 m", "5 h", "95 d".
fn elapsed_text(elapsed_ms: i64) -> Option<String> {
    let secs = elapsed_ms.max(0) / 1000;
    if secs < MIN {
        return None;
    }
    let (unit, name) = if secs < HOUR {
        (MIN, "m")
    } else if secs < DAY {
        (HOUR, "h")
    } else {
        (DAY, "d")
    };
    Some(format!("{} {name}", secs / unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-03-01T12:00:00Z";

    fn cd(exp: &str) -> String {
        countdown_text(Some(at(exp)), at(NOW))
    }

    #[test]
    fn wording_matches_the_desktop_list() {
        assert_eq!(countdown_text(None, at(NOW)), "no expiry set");
        assert_eq!(cd("2026-03-07T16:00:00Z"), "expires in 6 d 4 h");
        assert_eq!(cd("2026-03-01T17:03:00Z"), "expires in 5 h 3 m");
        assert_eq!(cd("2026-03-01T12:04:10Z"), "expires in 4 m");
        assert_eq!(cd("2026-03-01T12:09:59Z"), "expires in 9 m");
        assert_eq!(cd("2026-03-01T12:10:00Z"), "expires in 10 m");
        assert_eq!(cd("2026-03-01T12:42:30Z"), "expires in 42 m");
        assert_eq!(cd("2026-03-01T12:59:59Z"), "expires in 59 m");
        assert_eq!(cd("2026-03-01T12:00:42Z"), "expires in 42 s");
        assert_eq!(cd("2026-03-01T12:00:00Z"), "expired just now");
        assert_eq!(cd("2026-03-01T11:59:01Z"), "expired just now");
        assert_eq!(cd("2026-03-01T11:59:00Z"), "expired 1 m ago");
        assert_eq!(cd("2026-02-27T12:00:00Z"), "expired 2 d ago");
        assert_eq!(cd("2026-07-01T12:00:00Z"), "expires in 122 d");
    }

    #[test]
    fn remaining_time_rounds_up_to_whole_seconds() {
        let now = at(NOW);
        let exp = now + chrono::Duration::milliseconds(200);
        assert_eq!(countdown_text(Some(exp), now), "expires in 1 s");
        let exp = now + chrono::Duration::milliseconds(59_001);
        assert_eq!(countdown_text(Some(exp), now), "expires in 1 m");
    }

    #[test]
    fn ago_both_ways() {
        assert_eq!(ago_text(at("2026-03-01T11:59:30Z"), at(NOW)), "just now");
        assert_eq!(ago_text(at("2026-03-01T07:00:00Z"), at(NOW)), "5 h ago");
        assert_eq!(ago_text(at("2026-03-01T17:00:00Z"), at(NOW)), "in 5 h");
        assert_eq!(ago_text(at("2026-03-01T12:00:30Z"), at(NOW)), "in under a minute");
    }
}
