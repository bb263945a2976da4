//! Times on the command line: `--expires 2027-01-31` (the end of that local day, as the app
//! reads a date without a time), RFC 3339, or relative (`30d`); durations such as `7d`.

use chrono::{DateTime, Duration, Local, NaiveDate, TimeZone, Utc};

/// `30d`, `12h`, `2w`, `90m`, `45s`; a bare number is days.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim().to_lowercase();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 =
        num.parse().map_err(|_| format!("“{s}” is not a duration; use a number and a unit, like 7d or 12h"))?;
    if n > 100 * 366 {
        return Err(format!("“{s}” is too long"));
    }
    Ok(match unit.trim() {
        "" | "d" | "day" | "days" => Duration::days(n),
        "w" | "week" | "weeks" => Duration::weeks(n),
        "h" | "hour" | "hours" => Duration::hours(n),
        "m" | "min" | "mins" | "minutes" => Duration::minutes(n),
        "s" | "sec" | "secs" | "seconds" => Duration::seconds(n),
        other => return Err(format!("unknown unit “{other}” in “{s}”; use s, m, h, d or w")),
    })
}

/// An expiry: `YYYY-MM-DD` (end of that local day, 23:59:59), RFC 3339, or a duration from now.
pub fn parse_expiry(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let end = date.and_hms_opt(23, 59, 59).expect("valid time");
        return Local
            .from_local_datetime(&end)
            .latest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| format!("{s} 23:59:59 does not exist in the local time zone"));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    parse_duration(s).map(|d| now + d).map_err(|_| {
        format!("“{s}” is not a date; use YYYY-MM-DD (end of that day), RFC 3339 (2027-01-31T12:00:00Z) or a duration from now (30d)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_expiries() {
        assert_eq!(parse_duration("7d").unwrap(), Duration::days(7));
        assert_eq!(parse_duration("7").unwrap(), Duration::days(7));
        assert_eq!(parse_duration("2w").unwrap(), Duration::days(14));
        assert_eq!(parse_duration("12h").unwrap(), Duration::hours(12));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3y").is_err());
        let now: DateTime<Utc> = "2026-11-25T12:00:00Z".parse().unwrap();
        assert_eq!(parse_expiry("30d", now).unwrap(), now + Duration::days(30));
        assert_eq!(parse_expiry("2027-01-31T12:00:00Z", now).unwrap().to_rfc3339(), "2027-01-31T12:00:00+00:00");
        let local = parse_expiry("2027-01-31", now).unwrap().with_timezone(&Local);
        assert_eq!(local.format("%Y-%m-%d %H:%M:%S").to_string(), "2027-01-31 23:59:59");
        assert!(parse_expiry("next tuesday", now).is_err());
    }
}
