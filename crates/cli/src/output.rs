//! Tables and words for people; JSON for scripts.

use chrono::{DateTime, Utc};
use latchkey_core::record::Platform;
use latchkey_core::status::{countdown_text, Health, Status, UnusedSource};
use latchkey_core::TokenRecord;

/// The one-word state, as the app's list colours it.
pub fn health_word(h: &Health) -> &'static str {
    match h {
        Health::Revoked => "revoked",
        Health::Invalid { .. } => "invalid",
        Health::Expired { .. } => "expired",
        Health::ExpiringSoon { .. } => "expiring soon",
        Health::Stale { .. } => "stale",
        Health::NoExpirySet { .. } => "no expiry",
        Health::Active { .. } => "active",
    }
}

/// "expires in 6 d 4 h", "revoked 2 d ago", "no expiry set" — the app's wording.
pub fn countdown(record: &TokenRecord, now: DateTime<Utc>) -> String {
    match &record.revoked {
        Some(r) => format!("revoked {}", latchkey_core::status::ago_text(r.at, now)),
        None => countdown_text(record.expires_at, now),
    }
}

/// Remarks beside the state: stale, rotation due, never checked.
pub fn remarks(record: &TokenRecord, status: &Status) -> Vec<String> {
    let mut out = vec![];
    if record.revoked.is_some() {
        return out;
    }
    if let Some(secs) = status.stale_for_secs {
        out.push(unused_words(record.platform, secs, status.unused_source));
    }
    if let Some(at) = status.drop_at {
        let day = at.format("%Y-%m-%d");
        out.push(match status.stale_for_secs {
            Some(_) => format!("{} refuses it since {day} (unused)", record.platform),
            None => format!("{} drops it if unused until {day}", record.platform),
        });
    }
    if status.rotation_due {
        out.push("rotation due".into());
    }
    out.push(
        match status.checked {
            latchkey_core::status::Checked::Unknown => "not checked",
            latchkey_core::status::Checked::Valid => "valid",
            latchkey_core::status::Checked::Invalid => "rejected",
            latchkey_core::status::Checked::CannotCheck => "could not check",
        }
        .into(),
    );
    out
}

/// "unused for 400 days according to CVAT" when the platform reported it, else "unused for
/// 90 days as far as Latchkey knows" (the app's wording).
pub fn unused_words(platform: Platform, unused_secs: i64, source: UnusedSource) -> String {
    let days = unused_secs / 86_400;
    let span = format!("{days} day{}", if days == 1 { "" } else { "s" });
    match source {
        UnusedSource::PlatformLastUse | UnusedSource::PlatformCreated => {
            format!("unused for {span} according to {platform}")
        }
        UnusedSource::Local => format!("unused for {span} as far as Latchkey knows"),
    }
}

/// The hint as shown: "…abcd", or "" without one.
pub fn masked(hint: &str) -> String {
    if hint.is_empty() {
        "…".into()
    } else {
        format!("…{hint}")
    }
}

/// Left-aligned columns, two spaces apart, widths by characters.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// Write generated text (completions, a man page) to stdout. A reader that stops early
/// (`latchkey man | head`) is its choice, not a failure.
pub fn write_stdout(bytes: &[u8]) -> Result<(), crate::exit::Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crate::exit::Failure::error(format!("could not write to stdout ({e})")))
        }
        _ => Ok(()),
    }
}

/// Print `value` as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) {
    print_text(&serde_json::to_string_pretty(value).expect("serialisable"));
}

/// `println!` that stays quiet when the reader has gone (`latchkey list | head -1`).
pub fn print_text(text: &str) {
    let _ = write_stdout(format!("{text}\n").as_bytes());
}
