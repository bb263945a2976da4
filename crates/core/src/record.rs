//! The non-secret description of a stored token: what the index file holds.
//!
//! Nothing in this module holds secret material. The secret itself lives in the OS
//! keychain under the record's id (see `secret_store`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// The platforms Latchkey knows. `Other` is any token with a user-given server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Platform {
    Supervisely,
    Cvat,
    Roboflow,
    Encord,
    Env0,
    Other,
}

impl Platform {
    pub const ALL: [Platform; 6] =
        [Platform::Supervisely, Platform::Cvat, Platform::Roboflow, Platform::Encord, Platform::Env0, Platform::Other];

    /// The id used in files, on the command line and in the UI.
    pub fn id(self) -> &'static str {
        match self {
            Platform::Supervisely => "supervisely",
            Platform::Cvat => "cvat",
            Platform::Roboflow => "roboflow",
            Platform::Encord => "encord",
            Platform::Env0 => "env0",
            Platform::Other => "other",
        }
    }

    /// The name people know it by.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Supervisely => "Supervisely",
            Platform::Cvat => "CVAT",
            Platform::Roboflow => "Roboflow",
            Platform::Encord => "Encord",
            Platform::Env0 => "env0",
            Platform::Other => "Other",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What sort of credential the secret is; decides how it is stored and used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TokenKind {
    /// One opaque string (Supervisely API token, CVAT PAT, Roboflow API key, generic bearer).
    Token,
    /// env0: an API key id (public) and its secret, used together for HTTP Basic auth.
    KeyPair,
    /// Encord user auth: an OpenSSH Ed25519 private key.
    SshKey,
    /// Encord legacy auth: an API key tied to one project or dataset id.
    ResourceKey,
}

/// Parts of a credential that are not secret and help recognise it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct PublicParts {
    /// env0 API key id; for Encord SSH keys, the hex of the Ed25519 public key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key_id: Option<String>,
    /// `SHA256:…` fingerprint of an SSH public key, as `ssh-keygen -l` prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ssh_fingerprint: Option<String>,
    /// Encord legacy keys: the project or dataset the key is tied to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub resource_id: Option<String>,
}

/// Who and what a token is, as far as we know (typed by the user or learnt from the platform).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Identity {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub workspace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub role: Option<String>,
    pub scopes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub read_only: Option<bool>,
}

/// The last answer a platform gave about a token (filled by platform validation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "result", rename_all = "snake_case")]
#[ts(export)]
pub enum Validity {
    /// The platform accepted the token.
    Valid,
    /// The platform refused it (401/403): it is revoked, expired or wrong.
    Invalid { reason: String },
    /// We could not tell (network down, 429, 5xx, timeout).
    CannotCheck { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ValidationOutcome {
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub validity: Validity,
    /// What else the check found worth saying (an expiry taken from the platform, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Who set `expires_at`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExpirySource {
    /// Entered by hand (or none known).
    #[default]
    User,
    /// Reported by the platform at the last successful check; it overrides a hand-entered one.
    Platform,
}

impl ExpirySource {
    pub fn is_user(&self) -> bool {
        matches!(self, ExpirySource::User)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Revocation {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// One alert that was shown, identified by what it was about (see `alert_plan`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SentAlert {
    /// What the alert was for: `expiry:<lead secs>@<expiry>`, `stale@<unused since>`,
    /// `invalid@<check time>`. A changed expiry or a new use makes new keys: alerts re-arm.
    pub key: String,
    pub at: DateTime<Utc>,
}

/// Where a record is in a two-step change of index and keychain. A crash between the two
/// steps leaves the state on disk, and the next open finishes or undoes the change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "step", rename_all = "snake_case")]
#[ts(export)]
pub enum Pending {
    #[default]
    None,
    /// Added to the index; the secret may not have reached the keychain yet.
    Adding,
    /// The secret is being replaced; these are the public parts of the new one.
    Replacing { hint: String, public: PublicParts },
    /// Being deleted; the keychain entry may already be gone.
    Deleting,
    /// Being rotated (`vault/rotate.rs`): a new key made on the platform replaces the current
    /// one, and the old key is revoked. The other secret waits in a keychain entry of its own
    /// until the rotation is finished or undone; `latchkey rotate` (or Rotate in the app)
    /// resumes it from `stage`.
    Rotating {
        stage: RotationStage,
        /// The new secret's public parts (known from `Created` on).
        #[serde(default)]
        hint: String,
        #[serde(default)]
        public: PublicParts,
        /// The platform's id of the new key and of the old one (Roboflow `keyId`), when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        new_key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        old_key: Option<String>,
    },
}

/// How far a rotation got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RotationStage {
    /// The platform is being asked for a new key; nothing is stored yet.
    Creating,
    /// The new key exists and waits in its own keychain entry; the old one is still in use.
    Created,
    /// The new key is in use; the old one waits in its own entry until the platform refuses it.
    Swapped,
}

/// One rotation in a record's history (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RotationEvent {
    pub at: DateTime<Utc>,
    /// `api` (the platform made the new key and revoked the old one) or `guided`.
    pub how: String,
    /// What happened, in words: "old key revoked; revocation confirmed by Roboflow (401)".
    pub outcome: String,
}

impl Pending {
    pub fn is_none(&self) -> bool {
        matches!(self, Pending::None)
    }
}

/// One token, as the index file stores it. No secret material, ever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TokenRecord {
    pub id: Uuid,
    pub platform: Platform,
    pub kind: TokenKind,
    pub label: String,
    /// Base URL of the platform's server (self-hosted Supervisely/CVAT, or the public default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server_url: Option<String>,
    #[serde(default)]
    pub public: PublicParts,
    /// The last few characters of the secret (4 at most) so the user can tell tokens apart.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether `expires_at` was entered by hand or reported by the platform.
    #[serde(default, skip_serializing_if = "ExpirySource::is_user")]
    pub expiry_source: ExpirySource,
    /// The expiry entered by hand, kept when the platform's replaced it, so a mismatch can
    /// be shown. `None` when there was none (or the user has not entered one since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user_expires_at: Option<DateTime<Utc>>,
    /// Last time the secret was used through Latchkey (copied, fetched, injected). Only
    /// Latchkey's own use: what the platform reports is kept in `platform_last_used_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When the platform says the current secret was created (CVAT `created_date`, env0
    /// `createdAt`, Roboflow `created_on`), learnt at the last valid check. It may be long
    /// before the secret was stored here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub platform_created_at: Option<DateTime<Utc>>,
    /// The last use the platform reports (CVAT `last_used_date`, env0 `lastUsedAt`), learnt
    /// at the last valid check. Uses through Latchkey do not move it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub platform_last_used_at: Option<DateTime<Utc>>,
    /// CVAT: the server's inactivity period in days, for a self-hosted server that sets
    /// `CVAT_ACCESS_TOKEN_STALE_PERIOD`; `None` is CVAT's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stale_period_days: Option<u32>,
    /// "Rotate before expiry": this many days before the token expires, Latchkey rotates it
    /// through the platform's API where it can (and says so), and otherwise alerts with a
    /// Rotate button. `None`: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rotate_before_days: Option<u32>,
    /// The outcome of the last check, whatever it was (including "cannot check").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_validation: Option<ValidationOutcome>,
    /// The last conclusive answer (valid or invalid). A later "cannot check" does not replace
    /// it, so a network failure never turns an invalid token valid, nor a valid one invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_verdict: Option<ValidationOutcome>,
    #[serde(default)]
    pub identity: Identity,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// When the secret was replaced (rotation history). Never the old secrets themselves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rotated_at: Vec<DateTime<Utc>>,
    /// Rotations through Latchkey: when, how, the outcome.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rotations: Vec<RotationEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub revoked: Option<Revocation>,
    /// `sha256:<hex>` of every secret of this record that was revoked (see
    /// `leak::fingerprint`), kept when the record gets a replacement secret, so a revoked
    /// secret is recognised when a scan or an import meets it again. Not the secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(skip)]
    pub revoked_secrets: Vec<String>,
    /// Other platform: how to check the token (not secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub check: Option<crate::platforms::CheckSettings>,
    /// Expiry and staleness alerts already sent (so each fires once, across restarts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts_sent: Vec<SentAlert>,
    /// No alerts for this token until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub snoozed_until: Option<DateTime<Utc>>,
    /// A change under way; the window reads it for a rotation (to offer finishing it).
    #[serde(default, skip_serializing_if = "Pending::is_none")]
    #[ts(as = "Option<Pending>", optional)]
    pub pending: Pending,
    /// When `pending` was set: a mark older than a minute belongs to a process that died.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(skip)]
    pub pending_since: Option<DateTime<Utc>>,
    /// Fields written by a newer Latchkey of the same schema; kept as they are on rewrite.
    #[serde(flatten)]
    #[ts(skip)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl TokenRecord {
    /// A plain record for unit tests.
    #[cfg(test)]
    pub(crate) fn for_test(platform: Platform, created_at: DateTime<Utc>) -> TokenRecord {
        TokenRecord {
            id: Uuid::new_v4(),
            platform,
            kind: TokenKind::Token,
            label: "t".into(),
            server_url: None,
            public: Default::default(),
            hint: String::new(),
            created_at,
            expires_at: None,
            expiry_source: Default::default(),
            user_expires_at: None,
            last_used_at: None,
            platform_created_at: None,
            platform_last_used_at: None,
            stale_period_days: None,
            rotate_before_days: None,
            last_validation: None,
            last_verdict: None,
            identity: Default::default(),
            tags: vec![],
            notes: String::new(),
            rotated_at: vec![],
            rotations: vec![],
            revoked: None,
            revoked_secrets: vec![],
            check: None,
            alerts_sent: vec![],
            snoozed_until: None,
            pending: Pending::None,
            pending_since: None,
            extra: Default::default(),
        }
    }

    /// Label comparison used for the "one label per platform" rule.
    pub fn same_label(&self, platform: Platform, label: &str) -> bool {
        self.platform == platform && self.label.trim().to_lowercase() == label.trim().to_lowercase()
    }

    /// The platform's last conclusive answer about the current secret, if any.
    pub fn verdict(&self) -> Option<&ValidationOutcome> {
        match &self.last_validation {
            Some(v) if !matches!(v.validity, Validity::CannotCheck { .. }) => Some(v),
            _ => self.last_verdict.as_ref(),
        }
    }

    /// When the current secret was made, as far as anyone knows: the platform's creation date
    /// when it reported one, else when it was stored here (or last replaced).
    pub fn secret_born(&self) -> DateTime<Utc> {
        self.platform_created_at.unwrap_or_else(|| self.secret_since())
    }

    /// The start of the record's current secret: creation or last rotation.
    pub fn secret_since(&self) -> DateTime<Utc> {
        self.rotated_at.iter().copied().max().unwrap_or(self.created_at).max(self.created_at)
    }
}
