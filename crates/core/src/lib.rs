//! Latchkey's core: records, the vault (index file + OS keychain), token status, platform
//! catalogue, clipboard handling. No UI code lives here; the desktop app and the command
//! line are thin layers over this crate.

pub mod accesslog;
pub mod alert_plan;
pub mod check;
pub mod clipboard;
pub mod error;
pub mod import;
pub mod index;
pub mod leak;
pub mod platforms;
pub mod record;
pub mod reference;
pub mod secret;
pub mod secret_store;
pub mod status;
pub mod team;
pub mod tokens;
pub mod vault;

pub use check::{CheckProgress, Checker, RevokeCheck};
pub use error::{Error, ErrorKind, ErrorPayload, Field, Result};
pub use record::{Platform, TokenKind, TokenRecord};
pub use tokens::{TokenRow, TokenTarget, Tokens};
pub use vault::{MetaUpdate, NewToken, Use, Vault, VaultView};

/// Where the index lives: `LATCHKEY_DATA_DIR`, else the OS data dir (`~/.local/share/latchkey`).
pub fn default_data_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("LATCHKEY_DATA_DIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    dirs::data_dir().unwrap_or_else(|| std::path::PathBuf::from(".")).join("latchkey")
}

/// The keychain service name: `LATCHKEY_KEYCHAIN_SERVICE`, else `latchkey`.
pub fn keychain_service() -> String {
    std::env::var("LATCHKEY_KEYCHAIN_SERVICE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| secret_store::DEFAULT_SERVICE.to_string())
}
