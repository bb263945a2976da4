//! Opening the vault the way the app does: the index in the data folder
//! (`LATCHKEY_DATA_DIR`), secrets in the system keychain (`LATCHKEY_KEYCHAIN_SERVICE`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use latchkey_core::accesslog::Origin;
use latchkey_core::clipboard::SecureClipboard;
use latchkey_core::secret_store::KeyringStore;
use latchkey_core::{default_data_dir, keychain_service, Tokens, Vault};

fn store() -> Arc<KeyringStore> {
    // The app waits 20 s for a keychain that may show an unlock prompt; a terminal user can
    // retry, and a script should not hang that long.
    let secs = std::env::var("LATCHKEY_KEYCHAIN_TIMEOUT_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    Arc::new(KeyringStore::new(keychain_service()).with_timeout(Duration::from_secs(secs)))
}

/// The vault with the keychain asked first (finishing changes a crash interrupted).
pub fn open() -> Vault {
    let mut vault = Vault::open(default_data_dir(), store(), Utc::now());
    vault.set_origin(Origin::cli());
    report_notices(&vault);
    vault
}

/// The vault without asking the keychain up front (listing, and `run`, which asks it anyway).
pub fn open_index() -> Vault {
    let vault = open_unprobed();
    report_notices(&vault);
    vault
}

/// Core's token actions (local and team tokens alike) over `vault`, run with
/// `Tokens::blocking`. The clipboard is never held by this process (see `copy`).
pub fn tokens(vault: Vault) -> Tokens {
    Tokens::new(Arc::new(Mutex::new(vault)), SecureClipboard::new())
}

/// The vault without asking the keychain and without printing its notices: the caller probes
/// it ([`Vault::check_keychain`]) and then prints them ([`report_notices`]).
pub fn open_unprobed() -> Vault {
    let mut vault = Vault::open_index(default_data_dir(), store());
    // Uses are written to the access log as this command line's (with its parent process).
    vault.set_origin(Origin::cli());
    vault
}

/// Anything the vault had to say on opening (a recovered index, a finished interrupted add).
pub fn report_notices(vault: &Vault) {
    for n in vault.notices() {
        eprintln!("latchkey: note: {}", n.message);
    }
}
