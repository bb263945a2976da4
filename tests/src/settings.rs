//! The settings dialog: opening it, ticking its checkboxes, alert lead times, saving.

use serde_json::json;

use crate::{tid, App};

/// The standard lead-time checkboxes of the settings dialog (`settings-lead-<x>`).
pub const STANDARD_LEADS: [&str; 5] = ["14d", "3d", "1d", "1h", "0"];

impl App {
    /// Open the settings dialog (the gear button).
    pub async fn open_settings(&self) {
        self.click("settings-button").await;
        self.wait_tid("settings-dialog").await;
    }

    /// Whether the checkbox with this test id is ticked.
    pub async fn is_checked(&self, id: &str) -> bool {
        self.wait_css(&tid(id), crate::TIMEOUT).await;
        self.exec("return !!document.querySelector(arguments[0]).checked;", vec![json!(tid(id))]).await == json!(true)
    }

    /// Tick or untick a checkbox by clicking it, as a user would.
    pub async fn set_checked(&self, id: &str, on: bool) {
        if self.is_checked(id).await != on {
            self.click(id).await;
        }
        assert_eq!(self.is_checked(id).await, on, "[{}] {id} did not become {}", self.name(), on);
    }

    /// Save the open settings dialog and wait for it to close (panics with the dialog's error).
    pub async fn save_settings(&self) {
        self.click("settings-save").await;
        self.wait_until("the settings dialog to close after Save", crate::TIMEOUT, async || {
            if !self.visible_css(&tid("settings-dialog")).await {
                return Some(());
            }
            if let Some(msg) = self.visible_text(&tid("settings-error")).await.filter(|m| !m.is_empty()) {
                panic!("[{}] saving the settings failed: {msg}", self.name());
            }
            None
        })
        .await;
    }

    /// Set the alert lead times in the settings dialog: tick exactly the standard checkboxes in
    /// `standard` (of [`STANDARD_LEADS`]), type `custom` into "Other…" ("10s"), save. Checks
    /// that the index then holds `expect_secs` (furthest first).
    pub async fn set_alert_lead_times(&self, standard: &[&str], custom: &str, expect_secs: &[i64]) {
        self.open_settings().await;
        for lead in STANDARD_LEADS {
            self.set_checked(&format!("settings-lead-{lead}"), standard.contains(&lead)).await;
        }
        self.type_into("settings-lead-custom", custom).await;
        self.save_settings().await;
        let saved = self.index_json()["settings"]["alerts"]["lead_times_secs"].clone();
        assert_eq!(saved, json!(expect_secs), "[{}] lead times in the index:\n{}", self.name(), self.index_text());
    }
}
