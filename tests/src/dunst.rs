//! Desktop notifications as the session's notification daemon (dunst) received them.
//!
//! The test session runs dunst 1.9 with notifications that never time out, no stacking of
//! identical ones (a notification sent twice shows twice) and a long history
//! (`scripts/test-session.sh`). dunst 1.9 can list only its history, not what is on screen,
//! and cannot clear the history: so a [`Dunst`] closes whatever is on screen (it moves to the
//! history) and remembers the highest id at its start; it reads only newer notifications.
//! Reading closes the notifications on screen, which ends the sender's wait for a click: to
//! click one, [`Dunst::click_newest`] first, read after.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::system::run_with_timeout;

/// The app name Latchkey's notifications carry.
pub const APP_NAME: &str = "Latchkey";

/// A desktop notification as dunst received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// dunst's id (grows with every notification).
    pub id: i64,
    pub app: String,
    pub summary: String,
    pub body: String,
    /// When dunst received it (its monotonic clock, turned into wall-clock time).
    pub at: DateTime<Utc>,
}

/// The session's dunst, seen from one test: only notifications that arrived after
/// [`Dunst::clear`] count.
pub struct Dunst {
    after_id: i64,
}

fn dunstctl(args: &[&str]) -> String {
    let out = run_with_timeout(5, "dunstctl", args);
    assert!(
        out.status.success(),
        "dunstctl {args:?} failed ({}): {} — is dunst running? (scripts/test-session.sh starts it)",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// `CLOCK_MONOTONIC` in microseconds: the clock of dunst's timestamps.
fn monotonic_us() -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
}

/// dunst's whole history, newest first.
fn history() -> Vec<Notification> {
    let text = dunstctl(&["history"]);
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("dunstctl history is not JSON ({e}):\n{text}"));
    // Turn dunst's monotonic timestamps into wall-clock times with one reading of each clock.
    let (mono, wall) = (monotonic_us(), Utc::now());
    json["data"][0]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| {
                    let s = |k: &str| n[k]["data"].as_str().unwrap_or_default().to_string();
                    let ts = n["timestamp"]["data"].as_i64().unwrap_or(mono);
                    Notification {
                        id: n["id"]["data"].as_i64().unwrap_or_default(),
                        app: s("appname"),
                        summary: s("summary"),
                        body: s("body"),
                        at: wall - chrono::Duration::microseconds(mono - ts),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One of dunst's counters: `displayed`, `waiting` or `history`.
fn count(which: &str) -> u32 {
    let out = dunstctl(&["count", which]);
    out.trim().parse().unwrap_or_else(|_| panic!("dunstctl count {which}: {out:?}"))
}

/// Close every notification on screen; they move to the history.
pub fn close_all_notifications() {
    dunstctl(&["close-all"]);
    // close-all returns before the history has them.
    let deadline = Instant::now() + Duration::from_secs(2);
    while count("displayed") + count("waiting") > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a notification daemon answers on the session bus.
pub fn dunst_running() -> bool {
    run_with_timeout(5, "dunstctl", &["count", "displayed"]).status.success()
}

impl Dunst {
    /// Close what is on screen and forget everything received so far: from now on only new
    /// notifications count.
    pub fn clear() -> Dunst {
        close_all_notifications();
        let after_id = history().iter().map(|n| n.id).max().unwrap_or(0);
        Dunst { after_id }
    }

    /// Every notification received since [`Dunst::clear`] (any app), oldest first. Closes the
    /// ones on screen first so that the history holds them.
    pub fn all(&self) -> Vec<Notification> {
        close_all_notifications();
        let mut list: Vec<Notification> = history().into_iter().filter(|n| n.id > self.after_id).collect();
        list.sort_by_key(|n| n.id);
        list
    }

    /// Latchkey's notifications (app name "Latchkey") since [`Dunst::clear`], oldest first.
    pub fn latchkey(&self) -> Vec<Notification> {
        self.all().into_iter().filter(|n| n.app == APP_NAME).collect()
    }

    /// How many notifications are on screen or waiting now (without closing any).
    pub fn on_screen(&self) -> u32 {
        count("displayed") + count("waiting")
    }

    /// Wait until Latchkey has sent at least `n` notifications since [`Dunst::clear`]; all of
    /// them, oldest first. Polls the history (closing what is on screen) every 200 ms.
    pub async fn wait_latchkey(&self, n: usize, timeout: Duration) -> Vec<Notification> {
        let deadline = Instant::now() + timeout;
        loop {
            let list = self.latchkey();
            if list.len() >= n {
                return list;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {n} notification(s) from Latchkey; got {list:#?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Wait until a notification is on screen (without closing it), e.g. before clicking.
    pub async fn wait_on_screen(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.on_screen() == 0 {
            if Instant::now() > deadline {
                panic!("no notification on screen after {timeout:?}; received so far: {:#?}", history());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Click the notification on screen (there must be exactly one), as a user clicks its
    /// body: dunst invokes its "default" action (`dunstctl action 0`).
    pub fn click_the_one_on_screen(&self) {
        let n = self.on_screen();
        assert_eq!(n, 1, "exactly one notification should be on screen to click, there are {n}");
        dunstctl(&["action", "0"]);
    }
}
