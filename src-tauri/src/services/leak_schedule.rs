//! Scheduled leak scans. One thread asks core when the next scan is due
//! (`leak::schedule::next_due`: the last finished scan in `leak-scan.json` plus the interval
//! in the settings), starts it in the background when it is (never while another scan runs;
//! the window is not shown or focused), and sleeps until then — or until something changed
//! (settings saved, a scan finished: `AppState::changes`). Like the alert thread it never
//! sleeps more than five minutes at a time.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use latchkey_core::leak::schedule::next_due;
use tauri::{AppHandle, Manager};

use crate::services::alerts::{until, MAX_SLEEP};
use crate::services::leak::{begin_scan, scanning, Trigger};
use crate::state::{lock, AppState};

/// Start the scheduler thread; `started` is when the app started.
pub fn start(app: AppHandle, started: DateTime<Utc>) {
    let spawned = std::thread::Builder::new().name("leak-schedule".into()).spawn(move || {
        let changes = app.state::<AppState>().changes.clone();
        let mut seen = changes.current();
        loop {
            let wait = tick(&app, started);
            seen = changes.wait_after(seen, wait);
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the leak scan scheduler could not start; scans run on demand only");
    }
}

/// Start a scan if one is due; how long to sleep before looking again.
fn tick(app: &AppHandle, started: DateTime<Utc>) -> Duration {
    // The due time last written to the log (each plan is logged once).
    static LOGGED: Mutex<Option<DateTime<Utc>>> = Mutex::new(None);
    let (hours, dir) = {
        let state = app.state::<AppState>();
        let v = state.lock_vault();
        (v.settings().leak.places.schedule_hours, v.data_dir().to_path_buf())
    };
    let now = Utc::now();
    let last = app.state::<AppState>().leak.last_report(&dir).map(|r| r.finished_at);
    let Some(due) = next_due(hours, last, started, now) else { return MAX_SLEEP };
    if due > now {
        let mut logged = lock(&LOGGED);
        if *logged != Some(due) {
            tracing::info!(due = %due.to_rfc3339(), every_hours = hours, "next scheduled leak scan planned");
            *logged = Some(due);
        }
        return until(Some(due));
    }
    if scanning(app) {
        // The running scan (maybe the user's) finishes with a new report and wakes us.
        return MAX_SLEEP;
    }
    tracing::info!(every_hours = hours, "scheduled leak scan due");
    if let Err(e) = begin_scan(app, Trigger::Scheduled) {
        tracing::warn!(error = %e, "the scheduled leak scan could not start; trying again later");
    }
    // Its report moves the due time on, and finishing publishes a change that wakes us.
    MAX_SLEEP
}
