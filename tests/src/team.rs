//! Team vaults: connecting one through Settings → "Team vaults", and a second team member
//! who writes to the same OpenBao server through core's `TeamClient` (as their own Latchkey
//! would) while the window is open.

use chrono::{DateTime, Utc};
use latchkey_core::secret::SecretInput;
use latchkey_core::team::{TeamClient, TeamToken, TeamVaultConfig};
use latchkey_core::{MetaUpdate, NewToken, Platform};
use secrecy::SecretString;
use serde_json::Value;
use uuid::Uuid;

use crate::{tid, App, TIMEOUT};

/// Another member of the team: their own client of the same vault (mount `secret`, prefix
/// `latchkey`, the defaults the Settings form offers).
pub struct Member {
    pub client: TeamClient,
}

impl Member {
    pub fn new(address: &str, token: &str) -> Member {
        let config = TeamVaultConfig {
            id: Uuid::new_v4(),
            name: "member".into(),
            address: address.into(),
            mount: "secret".into(),
            prefix: "latchkey".into(),
        };
        let client = TeamClient::new(config, SecretString::from(token.to_string())).expect("a team client");
        Member { client }
    }

    /// Store a token in the team vault, as another member would.
    pub async fn add(
        &self,
        platform: Platform,
        label: &str,
        secret: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> TeamToken {
        let new = NewToken {
            platform,
            label: label.into(),
            server_url: None,
            secret: SecretInput::Token { token: SecretString::from(secret.to_string()) },
            expires_at,
            owner: Some("second member".into()),
            workspace: None,
            tags: vec!["team".into()],
            notes: String::new(),
            check: None,
            allow_revoked: None,
            rotate_before_days: None,
        };
        self.client.add(new, Utc::now()).await.unwrap_or_else(|e| panic!("the member could not add {label:?}: {e}"))
    }

    pub async fn get(&self, id: &str) -> TeamToken {
        let id: Uuid = id.parse().expect("a uuid");
        self.client.get(id).await.unwrap_or_else(|e| panic!("the member could not read {id}: {e}"))
    }

    /// Change the notes of a token (check-and-set on the version just read).
    pub async fn set_notes(&self, id: &str, notes: &str) -> TeamToken {
        let t = self.get(id).await;
        let r = &t.record;
        let update = MetaUpdate {
            label: r.label.clone(),
            server_url: r.server_url.clone(),
            expires_at: r.expires_at,
            owner: r.identity.owner.clone(),
            workspace: r.identity.workspace.clone(),
            tags: r.tags.clone(),
            notes: notes.into(),
            check: r.check.clone(),
            stale_period_days: None,
            rotate_before_days: None,
        };
        self.client
            .update(t.record.id, update, t.version)
            .await
            .unwrap_or_else(|e| panic!("the member could not edit: {e}"))
    }
}

impl App {
    /// Settings → Team vaults → Add: fill the form (mount and prefix left at their defaults),
    /// Connect, and wait for the vault to be listed; the dialog stays open. Returns its id.
    pub async fn connect_team_vault(&self, name: &str, address: &str, token: &str) -> String {
        self.open_settings().await;
        self.click("team-add-open").await;
        self.type_into("team-name", name).await;
        self.type_into("team-address", address).await;
        assert_eq!(self.value("team-mount").await, "secret", "the mount's default");
        assert_eq!(self.value("team-prefix").await, "latchkey", "the prefix's default");
        self.type_into("team-token", token).await;
        self.click("team-connect").await;
        let css = format!("{}[data-state=\"ok\"]", tid("team-vault"));
        self.wait_until(&format!("team vault {name:?} to be connected"), TIMEOUT, async || {
            if let Some(msg) = self.visible_text(&tid("team-error")).await.filter(|m| !m.is_empty()) {
                panic!("[{}] connecting the team vault failed: {msg}", self.name());
            }
            self.attr_css(&css, "data-id").await
        })
        .await
    }

    /// The team vaults in the index's settings.
    pub fn team_vaults_in_index(&self) -> Vec<Value> {
        self.index_json()["settings"]["team_vaults"].as_array().cloned().unwrap_or_default()
    }

    /// The text of the team badge of the row with this id ("team · Vision").
    pub async fn row_team_badge(&self, id: &str) -> Option<String> {
        self.text_css(&format!("{} {}", crate::row_by_id(id), tid("row-team"))).await
    }
}
