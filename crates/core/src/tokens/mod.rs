//! One path for every token, whether it lives in the local vault or in a team vault.
//!
//! A [`TokenTarget`] names the token (`{"store": "local", "id"}` or `{"store": "team",
//! "vault_id", "id"}`), and [`Tokens`] runs each action once for both stores: copy, reveal,
//! validate, edit, rotate, delete, revoke (then confirm by validating the old secret) and
//! add. The app and the command line both call it; the app awaits it, the command line runs
//! it on core's own runtime through [`Tokens::blocking`].
//!
//! Vault work runs on `spawn_blocking` (the keychain may be slow), and the local vault's lock
//! is never held across a network call: a check takes the record and its secret out, asks
//! the platform, then stores the result (as `crate::check` describes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::accesslog::{AccessLog, Action, Event};
use crate::check::Checker;
use crate::clipboard::SecureClipboard;
use crate::error::{Error, ErrorPayload, Result};
use crate::record::TokenRecord;
use crate::status::{status, Status};
use crate::team::{TeamClient, TeamProblem, TeamToken, TeamVaultConfig};
use crate::vault::Vault;

mod blocking;
mod flow;
mod revoke;
pub mod rotate;
mod rotate_team;
pub use rotate::Rotated;
mod team;

/// Which token an action is about: one of the local vault, or one of a team vault.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "store", rename_all = "snake_case")]
#[ts(export)]
pub enum TokenTarget {
    Local { id: Uuid },
    Team { vault_id: Uuid, id: Uuid },
}

impl TokenTarget {
    /// The token's id (in a team vault, also the UUID in its KV path).
    pub fn id(&self) -> Uuid {
        match self {
            TokenTarget::Local { id } | TokenTarget::Team { id, .. } => *id,
        }
    }

    /// The team vault it lives in; `None` for a local token.
    pub fn vault_id(&self) -> Option<Uuid> {
        match self {
            TokenTarget::Local { .. } => None,
            TokenTarget::Team { vault_id, .. } => Some(*vault_id),
        }
    }
}

/// Which team vault a row belongs to, and the version to send back with an edit.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TeamRef {
    pub vault_id: Uuid,
    pub vault_name: String,
    #[ts(type = "number")]
    pub version: u64,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

/// One team token as a list row: the same shape as a local `TokenView`, plus `team`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TeamTokenView {
    pub record: TokenRecord,
    pub status: Status,
    pub team: TeamRef,
}

/// Any token as a list row, its status by this machine's policy; `team` for a team token.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TokenRow {
    pub record: TokenRecord,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub team: Option<TeamRef>,
}

impl TokenRow {
    /// Where this row's token lives.
    pub fn target(&self) -> TokenTarget {
        match &self.team {
            None => TokenTarget::Local { id: self.record.id },
            Some(t) => TokenTarget::Team { vault_id: t.vault_id, id: self.record.id },
        }
    }
}

impl From<TeamTokenView> for TokenRow {
    fn from(v: TeamTokenView) -> Self {
        TokenRow { record: v.record, status: v.status, team: Some(v.team) }
    }
}

/// How a team vault answered the last listing.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum TeamVaultState {
    Ok,
    Error { error: ErrorPayload },
}

/// One connected team vault in the team view.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TeamVaultView {
    pub config: TeamVaultConfig,
    #[serde(flatten)]
    pub state: TeamVaultState,
    /// Entries that could not be read (e.g. 403 on one path); the others are listed.
    pub problems: Vec<TeamProblem>,
    pub token_count: usize,
}

/// Every connected team vault and their tokens.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TeamView {
    pub vaults: Vec<TeamVaultView>,
    pub tokens: Vec<TeamTokenView>,
    pub now: DateTime<Utc>,
}

/// What a copy did: the clipboard is cleared after this many seconds if it still holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CopyReceipt {
    pub clear_after_secs: u32,
}

/// Seconds before the clipboard is cleared: `LATCHKEY_CLIPBOARD_CLEAR_SECS` (for tests and
/// the impatient) overrides the setting.
pub fn clear_after(settings_secs: u32) -> u32 {
    std::env::var("LATCHKEY_CLIPBOARD_CLEAR_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(settings_secs)
}

/// The row of team token `t`, with its status at `now` by `policy`.
pub fn team_row(t: TeamToken, vault_name: String, now: DateTime<Utc>, policy: &crate::status::Policy) -> TeamTokenView {
    TeamTokenView {
        status: status(&t.record, now, policy),
        team: TeamRef { vault_id: t.vault_id, vault_name, version: t.version, updated_at: t.updated_at },
        record: t.record,
    }
}

type Hook = Arc<dyn Fn() + Send + Sync>;

struct Inner {
    vault: Arc<Mutex<Vault>>,
    clipboard: SecureClipboard,
    /// Team vault clients by config id, made on first use.
    clients: Mutex<HashMap<Uuid, TeamClient>>,
    checker: OnceLock<std::result::Result<Checker, String>>,
    /// Called after every piece of local vault work (the app re-plans its alerts).
    on_vault_work: OnceLock<Hook>,
    /// Where each use is written, as the vault's origin (app or command line) says.
    log: AccessLog,
}

/// Token actions for both stores. Cheap to clone; see the module docs.
#[derive(Clone)]
pub struct Tokens {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let clients = self.inner.clients.lock().unwrap_or_else(|p| p.into_inner()).len();
        f.debug_struct("Tokens").field("team_clients", &clients).finish_non_exhaustive()
    }
}

impl Tokens {
    pub fn new(vault: Arc<Mutex<Vault>>, clipboard: SecureClipboard) -> Tokens {
        let log = vault.lock().unwrap_or_else(|p| p.into_inner()).access_log();
        Tokens {
            inner: Arc::new(Inner {
                log,
                vault,
                clipboard,
                clients: Mutex::new(HashMap::new()),
                checker: OnceLock::new(),
                on_vault_work: OnceLock::new(),
            }),
        }
    }

    /// Use `checker` for platform calls instead of the shared one (tests: short timeouts).
    pub fn with_checker(self, checker: Checker) -> Tokens {
        let _ = self.inner.checker.set(Ok(checker));
        self
    }

    /// Call `hook` after every piece of local vault work (the app re-plans its alerts).
    pub fn on_vault_work(self, hook: impl Fn() + Send + Sync + 'static) -> Tokens {
        let _ = self.inner.on_vault_work.set(Arc::new(hook));
        self
    }

    /// The local vault these actions use.
    pub fn vault(&self) -> &Arc<Mutex<Vault>> {
        &self.inner.vault
    }

    pub fn clipboard(&self) -> &SecureClipboard {
        &self.inner.clipboard
    }

    /// The platform checker, made on first use.
    pub fn checker(&self) -> Result<Checker> {
        self.inner.checker.get_or_init(|| Checker::shared().map_err(|e| e.to_string())).clone().map_err(Error::Internal)
    }

    /// Run `f` with the local vault on the blocking pool (never across a network call).
    pub async fn with_vault<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let vault = self.inner.vault.clone();
        let out = off_thread(move || {
            let mut v = vault.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut v)
        })
        .await;
        if let Some(hook) = self.inner.on_vault_work.get() {
            hook();
        }
        out
    }

    /// Write one use of `record` to the access log (off the async threads). Never fails the
    /// action: a log that cannot be written is reported as a warning (`AccessLog::record`).
    pub(crate) async fn log_use(
        &self,
        target: &TokenTarget,
        record: &TokenRecord,
        action: Action,
        detail: Option<String>,
    ) {
        let mut event = Event::new(record, action).team(target.vault_id());
        event.detail = detail.map(|d| d.chars().take(200).collect());
        let log = self.inner.log.clone();
        let _ = off_thread(move || {
            log.record(vec![event]);
            Ok(())
        })
        .await;
    }

    /// The row of a local record, its status by this machine's policy.
    async fn local_row(&self, record: TokenRecord) -> Result<TokenRow> {
        let policy = self.with_vault(|v| Ok(v.settings().policy)).await?;
        Ok(TokenRow { status: status(&record, Utc::now(), &policy), record, team: None })
    }

    /// The row of a team token, with its vault's name and this machine's policy.
    async fn team_token_row(&self, t: TeamToken) -> Result<TokenRow> {
        let (policy, configs) = self.with_vault(|v| Ok((v.settings().policy, v.team_vaults()))).await?;
        let name = configs.iter().find(|c| c.id == t.vault_id).map(|c| c.name.clone()).unwrap_or_default();
        Ok(team_row(t, name, Utc::now(), &policy).into())
    }
}

/// Run blocking work (keychain, clipboard, index file) on the blocking pool.
async fn off_thread<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}

/// Log `local` or `team` (the same event, worded for its store) with the target's ids.
fn note(target: &TokenTarget, platform: Option<&str>, local: &str, team: &str) {
    let platform = platform.unwrap_or_default();
    match target {
        TokenTarget::Local { id } if platform.is_empty() => tracing::info!(%id, "{local}"),
        TokenTarget::Local { id } => tracing::info!(%id, platform, "{local}"),
        TokenTarget::Team { vault_id, id } if platform.is_empty() => tracing::info!(%vault_id, %id, "{team}"),
        TokenTarget::Team { vault_id, id } => tracing::info!(%vault_id, %id, platform, "{team}"),
    }
}
