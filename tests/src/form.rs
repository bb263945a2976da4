//! The token form: what to type, and typing it.

use chrono::{DateTime, Local, NaiveDate, TimeZone};

use crate::{tid, App, Row, TIMEOUT};

/// What to put in the add form. Fields left `None` are not touched.
#[derive(Debug, Clone, Default)]
pub struct TokenInput {
    /// `supervisely`, `cvat`, `roboflow`, `encord`, `env0`, `other`.
    pub platform: &'static str,
    pub label: String,
    pub server: Option<String>,
    /// The single secret (Supervisely, CVAT, Roboflow, Other).
    pub secret: Option<String>,
    /// env0.
    pub key_id: Option<String>,
    pub key_secret: Option<String>,
    /// Encord: `ssh_key` or `resource_key`.
    pub encord_kind: Option<&'static str>,
    pub ssh_key: Option<String>,
    pub resource_id: Option<String>,
    pub api_key: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires_date: Option<String>,
    /// `HH:MM` or `HH:MM:SS`.
    pub expires_time: Option<String>,
    pub owner: Option<String>,
    pub tags: Option<String>,
    pub notes: Option<String>,
    /// Other: how to check the token (`form-check-*`).
    pub check_url: Option<String>,
    pub check_header: Option<String>,
    pub check_prefix: Option<String>,
    /// `GET`, `HEAD` or `POST`.
    pub check_method: Option<String>,
    pub check_status: Option<String>,
}

impl TokenInput {
    /// A single-secret token (Supervisely, CVAT, Roboflow, Other).
    pub fn token(platform: &'static str, label: &str, secret: &str) -> Self {
        TokenInput { platform, label: label.into(), secret: Some(secret.into()), ..Default::default() }
    }

    /// An env0 API key id and secret.
    pub fn env0(label: &str, key_id: &str, secret: &str) -> Self {
        TokenInput {
            platform: "env0",
            label: label.into(),
            key_id: Some(key_id.into()),
            key_secret: Some(secret.into()),
            ..Default::default()
        }
    }

    /// An Encord legacy project/dataset API key.
    pub fn encord_resource(label: &str, resource_id: &str, api_key: &str) -> Self {
        TokenInput {
            platform: "encord",
            label: label.into(),
            encord_kind: Some("resource_key"),
            resource_id: Some(resource_id.into()),
            api_key: Some(api_key.into()),
            ..Default::default()
        }
    }

    /// An Encord SSH private key (OpenSSH PEM).
    pub fn encord_ssh(label: &str, pem: &str) -> Self {
        TokenInput {
            platform: "encord",
            label: label.into(),
            encord_kind: Some("ssh_key"),
            ssh_key: Some(pem.into()),
            ..Default::default()
        }
    }

    pub fn expiring_on(mut self, date: NaiveDate) -> Self {
        self.expires_date = Some(date.format("%Y-%m-%d").to_string());
        self
    }

    /// Expires at this instant (to the second): the form's date and time (`HH:MM:SS`) in local
    /// time, as the webview (same time zone as the tests) reads them.
    pub fn expiring_at<Tz: TimeZone>(mut self, at: DateTime<Tz>) -> Self {
        let local = at.with_timezone(&Local);
        self.expires_date = Some(local.format("%Y-%m-%d").to_string());
        self.expires_time = Some(local.format("%H:%M:%S").to_string());
        self
    }

    pub fn server(mut self, url: &str) -> Self {
        self.server = Some(url.into());
        self
    }
}

impl App {
    /// Open the add form and fill it in (without saving).
    pub async fn fill_add_form(&self, t: &TokenInput) {
        self.click("add-button").await;
        self.wait_tid("token-form").await;
        self.fill_form(t).await;
    }

    /// Fill the open form.
    pub async fn fill_form(&self, t: &TokenInput) {
        self.set_value("form-platform", t.platform).await;
        self.type_into("form-label", &t.label).await;
        if let Some(k) = t.encord_kind {
            self.set_value("form-encord-kind", k).await;
        }
        if let Some(pem) = &t.ssh_key {
            // Multi-line: set as a paste would, not typed key by key.
            self.set_value("form-ssh-key", pem).await;
        }
        for id in ["form-check-url", "form-check-header", "form-check-prefix", "form-check-status", "form-check-method"]
        {
            let v = match id {
                "form-check-url" => &t.check_url,
                "form-check-header" => &t.check_header,
                "form-check-prefix" => &t.check_prefix,
                "form-check-status" => &t.check_status,
                _ => &t.check_method,
            };
            if let Some(v) = v {
                self.reveal(id).await;
                if id == "form-check-method" {
                    self.set_value(id, v).await;
                } else {
                    self.type_into(id, v).await;
                }
            }
        }
        for (id, v) in [
            ("form-secret", &t.secret),
            ("form-key-id", &t.key_id),
            ("form-key-secret", &t.key_secret),
            ("form-resource-id", &t.resource_id),
            ("form-api-key", &t.api_key),
            ("form-owner", &t.owner),
            ("form-tags", &t.tags),
            ("form-notes", &t.notes),
        ] {
            if let Some(v) = v {
                self.type_into(id, v).await;
            }
        }
        if let Some(d) = &t.expires_date {
            self.set_value("form-expires-date", d).await;
        }
        if let Some(tm) = &t.expires_time {
            self.set_value("form-expires-time", tm).await;
        }
        if let Some(s) = &t.server {
            // Platforms that are rarely self-hosted keep the server under "Advanced".
            self.reveal("form-server").await;
            self.type_into("form-server", s).await;
        }
    }

    /// Open the closed `<details>` ("Advanced") that holds the field with this test id, as a
    /// user would by clicking its summary.
    pub async fn reveal(&self, id: &str) {
        self.wait_css(&tid(id), TIMEOUT).await;
        if self.is_visible(id).await {
            return;
        }
        let summary = self
            .exec(
                r#"const el = document.querySelector(arguments[0]);
                   const d = el && el.closest('details');
                   if (!d || d.open) return null;
                   const s = d.querySelector(':scope > summary');
                   return s ? (s.setAttribute('data-e2e-reveal', '1'), true) : null;"#,
                vec![serde_json::json!(tid(id))],
            )
            .await;
        if summary == serde_json::json!(true) {
            self.click_css("[data-e2e-reveal=\"1\"]").await;
            self.exec("document.querySelector('[data-e2e-reveal]')?.removeAttribute('data-e2e-reveal');", vec![]).await;
        }
        self.wait_tid(id).await;
    }

    /// Add a token through the form and wait for its row; returns the row.
    pub async fn add_token(&self, t: &TokenInput) -> Row {
        self.fill_add_form(t).await;
        self.click("form-save").await;
        self.wait_until(&format!("the form to close after saving {:?}", t.label), TIMEOUT, async || {
            if !self.visible_css(&tid("token-form")).await {
                return Some(());
            }
            if let Some(msg) = self.visible_text(&tid("form-error")).await {
                if !msg.is_empty() {
                    panic!("[{}] saving {:?} failed: {msg}", self.name(), t.label);
                }
            }
            None
        })
        .await;
        self.wait_row(&t.label).await
    }

    /// Save the open form and wait for `form-error` to show a message; the form must stay open.
    pub async fn save_expecting_error(&self) -> String {
        self.click("form-save").await;
        let msg = self.wait_text("form-error", "an error message", |t| !t.is_empty()).await;
        assert!(self.is_visible("token-form").await, "[{}] the form closed after an error: {msg}", self.name());
        msg
    }
}
