//! Scheduled leak scans. One thread asks core when the next scan is due
//! (`leak::schedule::next_due`: the last finished scan in `leak-scan.json` plus the interval
//! in the settings), starts it in the background when it is (never while another scan runs;
//! the window is not shown or focused), and sleeps until then — or until the settings change
//! or a scan finishes (`Schedule::replan`). Like the alert thread it never sleeps more than
//! five minutes at a time: the monotonic clock stops during suspend and the wall clock may
//! be changed, so it looks at the wall clock again regularly.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use latchkey_core::leak::schedule::next_due;
use tauri::{AppHandle, Manager};

use crate::commands::AppState;
use crate::leak::{begin_scan, last_report, scanning, Trigger};

/// The longest sleep between two looks at the wall clock.
const MAX_SLEEP: Duration = Duration::from_secs(300);

#[derive(Clone, Default)]
pub struct Schedule {
    wake: Arc<(Mutex<bool>, Condvar)>,
    /// The due time last written to the log (each plan is logged once).
    logged: Arc<Mutex<Option<DateTime<Utc>>>>,
}

impl Schedule {
    /// The interval changed or a scan finished: plan again now.
    pub fn replan(&self) {
        let (flag, cv) = &*self.wake;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_one();
    }

    fn sleep(&self, d: Duration) {
        let (flag, cv) = &*self.wake;
        let guard = flag.lock().unwrap_or_else(|p| p.into_inner());
        let (mut guard, _) = cv.wait_timeout_while(guard, d, |woken| !*woken).unwrap_or_else(|p| p.into_inner());
        *guard = false;
    }

    /// Start the scheduler thread; `started` is when the app started.
    pub fn start(&self, app: AppHandle, started: DateTime<Utc>) {
        let schedule = self.clone();
        let spawned = std::thread::Builder::new().name("leak-schedule".into()).spawn(move || loop {
            let wait = schedule.tick(&app, started);
            schedule.sleep(wait);
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the leak scan scheduler could not start; scans run on demand only");
        }
    }

    /// Start a scan if one is due; how long to sleep before looking again.
    fn tick(&self, app: &AppHandle, started: DateTime<Utc>) -> Duration {
        let (hours, dir) = {
            let state = app.state::<AppState>();
            let v = state.vault.lock().unwrap_or_else(|p| p.into_inner());
            (v.settings().leak.places.schedule_hours, v.data_dir().to_path_buf())
        };
        let now = Utc::now();
        let last = last_report(app, &dir).map(|r| r.finished_at);
        let Some(due) = next_due(hours, last, started, now) else { return MAX_SLEEP };
        if due > now {
            let mut logged = self.logged.lock().unwrap_or_else(|p| p.into_inner());
            if *logged != Some(due) {
                tracing::info!(due = %due.to_rfc3339(), every_hours = hours, "next scheduled leak scan planned");
                *logged = Some(due);
            }
            return (due - now).to_std().unwrap_or(MAX_SLEEP).clamp(Duration::from_millis(200), MAX_SLEEP);
        }
        if scanning(app) {
            // The running scan (maybe the user's) finishes with a new report and wakes us.
            return MAX_SLEEP;
        }
        tracing::info!(every_hours = hours, "scheduled leak scan due");
        match begin_scan(app, Trigger::Scheduled) {
            // Its report moves the due time on; `finish` wakes us.
            Ok(()) => MAX_SLEEP,
            Err(e) => {
                tracing::warn!(error = %e, "the scheduled leak scan could not start; trying again later");
                MAX_SLEEP
            }
        }
    }
}
