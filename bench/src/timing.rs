//! Timings of repeated runs in milliseconds, and the date a bench writes in its section
//! (shared by bench-run, bench-guard and bench-mask; each formats its own summary).

use std::process::Command;
use std::time::Duration;

/// Sorted figures: timings in milliseconds ([`Sample::ms`]), or ratios ([`Sample::of`]).
pub struct Sample(Vec<f64>);

impl Sample {
    pub fn ms(v: Vec<Duration>) -> Sample {
        Sample::of(v.into_iter().map(|d| d.as_secs_f64() * 1000.0).collect())
    }

    pub fn of(mut v: Vec<f64>) -> Sample {
        v.sort_by(f64::total_cmp);
        Sample(v)
    }

    /// The `p` quantile (0.0..=1.0), nearest rank.
    pub fn pct(&self, p: f64) -> f64 {
        let i = ((self.0.len() - 1) as f64 * p).round() as usize;
        self.0[i]
    }

    pub fn median(&self) -> f64 {
        self.pct(0.5)
    }
}

/// Now, as `date -u` prints it for the results ("2026-12-05 18:00 UTC").
pub fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
