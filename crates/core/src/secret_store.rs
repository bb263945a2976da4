//! Where secrets live: the OS keychain, behind a small trait.
//!
//! Entries are keyed by service (`latchkey`) and account (the record's UUID), so
//! `secret-tool lookup service latchkey username <id>` finds them on Linux. There is no
//! plaintext fallback: when the keychain is unavailable, operations fail and say so.

use std::sync::mpsc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
mod bulk;

pub const DEFAULT_SERVICE: &str = "latchkey";

pub trait SecretStore: Send + Sync {
    /// Store (or overwrite) the secret of `account`.
    fn put(&self, account: &str, secret: &SecretString) -> Result<()>;
    /// Like `put`, with a label that keychain managers (Seahorse, KWallet) show for the entry.
    fn put_labeled(&self, account: &str, label: &str, secret: &SecretString) -> Result<()> {
        let _ = label;
        self.put(account, secret)
    }
    /// The secret of `account`, or `None` when there is no entry.
    fn get(&self, account: &str) -> Result<Option<SecretString>>;
    /// The secrets of `accounts`, in their order, as [`get`](SecretStore::get) gives them.
    /// A store that can read many in one go (one Secret Service session) overrides this.
    fn get_many(&self, accounts: &[String]) -> Vec<Result<Option<SecretString>>> {
        accounts.iter().map(|a| self.get(a)).collect()
    }
    /// Remove the entry; succeeds when there was none.
    fn delete(&self, account: &str) -> Result<()>;
    /// Check that the store answers at all (without touching real entries).
    fn probe(&self) -> Result<()>;
    /// A short description for messages ("Secret Service (service latchkey)").
    fn describe(&self) -> String;
}

/// The OS keychain through the `keyring` crate: Secret Service on Linux, Keychain on
/// macOS, Credential Manager on Windows.
///
/// Every call runs on a helper thread and is abandoned after `timeout`: a locked Secret
/// Service may wait for a password prompt forever, and the app must stay responsive.
pub struct KeyringStore {
    service: String,
    timeout: Duration,
}

impl KeyringStore {
    pub fn new(service: impl Into<String>) -> Self {
        KeyringStore { service: service.into(), timeout: Duration::from_secs(20) }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn run<T: Send + 'static>(
        &self,
        account: &str,
        op: impl FnOnce(keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Result<T> {
        self.run_labeled(account, None, op)
    }

    fn run_labeled<T: Send + 'static>(
        &self,
        account: &str,
        label: Option<String>,
        op: impl FnOnce(keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Result<T> {
        let (service, account) = (self.service.clone(), account.to_string());
        self.on_worker(move || entry(&service, &account, label.as_deref()).and_then(op))?.map_err(map_keyring_error)
    }

    /// `work` on a helper thread, given up after the timeout (it is left to finish alone).
    fn on_worker<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let _ = tx.send(work());
            })
            .map_err(|e| Error::KeychainUnavailable { detail: format!("could not start a worker thread: {e}") })?;
        rx.recv_timeout(self.timeout).map_err(|_| Error::KeychainTimeout { secs: self.timeout.as_secs() })
    }
}

#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
impl KeyringStore {
    /// Every unlocked item of this service that keyring made (target `default`) and that is
    /// the only one for its account: account → secret. On helper threads, with the timeout.
    ///
    /// First in one pipelined exchange ([`bulk`]). Should that fail, item by item: one search
    /// lists the items; each then costs two D-Bus round trips (its attributes, its secret), which
    /// gnome-keyring answers one after the other per connection; from [`PARALLEL_FROM`] items on
    /// they are spread over [`CONNECTIONS`] connections (each with its own encrypted session,
    /// opened while the search runs), so the round trips overlap.
    fn read_unlocked(&self, many: bool) -> Result<std::collections::HashMap<String, SecretString>> {
        use std::collections::HashMap;
        let (service, timeout) = (self.service.clone(), self.timeout);
        // One pipelined exchange; if that fails (a Secret Service without GetSecrets, say), item
        // by item.
        let read = self.on_worker(move || {
            bulk::read_all(&service, timeout).or_else(|e| {
                tracing::debug!(error = %e, "bulk keychain read failed; reading item by item");
                read_unlocked_items(&service, if many { CONNECTIONS } else { 1 }).map_err(|e| e.to_string())
            })
        })?;
        let read = read.map_err(|detail| Error::KeychainUnavailable { detail })?;
        let mut found = HashMap::new();
        let mut twice = std::collections::HashSet::new();
        for (account, secret) in read {
            if found.insert(account.clone(), secret).is_some() {
                twice.insert(account);
            }
        }
        // Two items for one account: `get` reports the ambiguity.
        found.retain(|a, _| !twice.contains(a));
        Ok(found)
    }

    /// The secrets of a few `accounts` in one session ([`bulk::read_accounts`]), on a helper
    /// thread with the timeout: account → secret, for those it settles.
    fn read_accounts(&self, accounts: &[String]) -> Result<std::collections::HashMap<String, SecretString>> {
        let (service, timeout, wanted) = (self.service.clone(), self.timeout, accounts.to_vec());
        let read = self.on_worker(move || {
            bulk::read_accounts(&service, &wanted, timeout)
                .map(|secrets| wanted.into_iter().zip(secrets).filter_map(|(a, s)| Some((a, s?))).collect())
        })?;
        read.map_err(|detail| Error::KeychainUnavailable { detail })
    }
}

#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
impl KeyringStore {
    /// (account, secret) of every unlocked item of this service that keyring made, read in one
    /// pipelined, encrypted exchange — what [`SecretStore::get_many`] tries first. Public so
    /// the keychain tests can check it on its own (`get_many` would hide a failure by reading
    /// item by item).
    pub fn read_all_at_once(&self) -> Result<Vec<(String, SecretString)>> {
        bulk::read_all(&self.service, self.timeout).map_err(|detail| Error::KeychainUnavailable { detail })
    }

    /// The secrets of a few accounts in one session, found by account — what
    /// [`SecretStore::get_many`] tries first for up to [`FEW`] of them. `None` where it leaves
    /// the account to `get`. Public for the keychain tests, as `read_all_at_once`.
    pub fn read_by_account(&self, accounts: &[String]) -> Result<Vec<Option<SecretString>>> {
        bulk::read_accounts(&self.service, accounts, self.timeout)
            .map_err(|detail| Error::KeychainUnavailable { detail })
    }

    /// The same, the way `get_many` falls back to when that fails: item by item, over
    /// [`CONNECTIONS`] connections from [`PARALLEL_FROM`] items on (no timeout here). Public for
    /// the keychain tests.
    pub fn read_item_by_item(&self) -> Result<Vec<(String, SecretString)>> {
        read_unlocked_items(&self.service, CONNECTIONS)
            .map_err(|e| Error::KeychainUnavailable { detail: e.to_string() })
    }
}

/// Secrets [`KeyringStore::get_many`] reads by account at most; more are read as the whole
/// service (one search, then every item).
#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
const FEW: usize = 16;
/// Items from which [`KeyringStore::get_many`] reads over several connections at once.
#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
const PARALLEL_FROM: usize = 32;
/// Connections a bulk read uses at most (gnome-keyring serves each in turn; more than a few
/// only contend on a small machine).
#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
const CONNECTIONS: usize = 4;

/// (account, secret) of every unlocked keyring-made item of `service` (items whose secret is
/// not UTF-8 or that have no account are left out, for `get` to explain).
#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
fn read_unlocked_items(
    service: &str,
    connections: usize,
) -> std::result::Result<Vec<(String, SecretString)>, dbus_secret_service::Error> {
    use dbus_secret_service::{EncryptionType, Item, Path, SecretService};
    use std::collections::HashMap;
    type Read = std::result::Result<Vec<(String, SecretString)>, dbus_secret_service::Error>;
    fn read(ss: &SecretService, paths: &[Path<'static>]) -> Read {
        let mut out = Vec::with_capacity(paths.len());
        for path in paths {
            let item = Item::new(ss, path.clone());
            let Some(account) = item.get_attributes()?.remove("username") else { continue };
            let secret = zeroize::Zeroizing::new(item.get_secret()?);
            // Not UTF-8: left to `get`, which says so.
            if let Ok(text) = std::str::from_utf8(&secret) {
                out.push((account, SecretString::from(text.to_string())));
            }
        }
        Ok(out)
    }
    let connect = || SecretService::connect(EncryptionType::Dh);
    std::thread::scope(|s| {
        // The extra connections are opened while the first one searches; each waits for its share.
        let helpers: Vec<_> = (1..connections)
            .map(|_| {
                let (give, take) = mpsc::channel::<Vec<Path<'static>>>();
                let worker = s.spawn(move || -> Read {
                    let ss = connect();
                    let Ok(paths) = take.recv() else { return Ok(vec![]) };
                    if paths.is_empty() {
                        return Ok(vec![]);
                    }
                    read(&ss?, &paths)
                });
                (give, worker)
            })
            .collect();
        let searched = connect().and_then(|ss| {
            let items = ss.search_items(HashMap::from([("service", service), ("target", "default")]))?;
            let paths: Vec<Path<'static>> = items.unlocked.iter().map(|i| i.path.clone()).collect();
            Ok((ss, paths))
        });
        let (ss, paths) = match searched {
            Ok(x) => x,
            Err(e) => {
                drop(helpers); // their channels close: they end without reading
                return Err(e);
            }
        };
        let shares = if paths.len() >= PARALLEL_FROM { connections } else { 1 };
        let per = paths.len().div_ceil(shares).max(1);
        let mut chunks = paths.chunks(per);
        let mine = chunks.next().unwrap_or(&[]);
        let mut workers = vec![];
        for (give, worker) in helpers {
            let _ = give.send(chunks.next().map(<[_]>::to_vec).unwrap_or_default());
            workers.push(worker);
        }
        let mut all = read(&ss, mine)?;
        for w in workers {
            all.extend(w.join().unwrap_or_else(|_| Ok(vec![]))?);
        }
        Ok(all)
    })
}

/// The keychain entry for `account`. On Linux a label, when given, names the item for
/// keychain managers; lookups match on the attributes (service, username), not the label.
fn entry(service: &str, account: &str, label: Option<&str>) -> keyring::Result<keyring::Entry> {
    #[cfg(all(target_os = "linux", not(target_env = "ohos")))]
    if let Some(label) = label {
        let mut cred = keyring::secret_service::SsCredential::new_with_target(None, service, account)?;
        cred.label = label.to_string();
        return Ok(keyring::Entry::new_with_credential(Box::new(cred)));
    }
    let _ = label;
    keyring::Entry::new(service, account)
}

/// Turn a keyring error into ours without ever formatting secret-bearing variants.
fn map_keyring_error(e: keyring::Error) -> Error {
    use keyring::Error as K;
    match e {
        K::NoStorageAccess(inner) => {
            let detail = inner.to_string();
            if detail.contains("no result found") {
                // dbus-secret-service's way of saying there is no default collection.
                Error::KeychainUnavailable {
                    detail: "it has no default keyring to store in — the “Login” keyring may be missing or locked; \
                             create or unlock it in Passwords and Keys"
                        .into(),
                }
            } else if detail.to_lowercase().contains("lock") {
                Error::KeychainLocked
            } else {
                Error::KeychainUnavailable { detail: short(&detail) }
            }
        }
        K::PlatformFailure(inner) => {
            let detail = inner.to_string();
            if detail.to_lowercase().contains("lock") || detail.to_lowercase().contains("prompt") {
                Error::KeychainLocked
            } else if answered_an_error(inner.as_ref()) {
                Error::KeychainError { detail: short(detail.strip_prefix("DBus error: ").unwrap_or(&detail)) }
            } else {
                Error::KeychainUnavailable { detail: short(&detail) }
            }
        }
        // These carry the stored bytes; report only that decoding failed.
        K::BadEncoding(_) => Error::KeychainUnavailable { detail: "an entry is not valid UTF-8".into() },
        K::TooLong(what, max) => Error::invalid(format!("The {what} is longer than the keychain allows ({max})")),
        K::Invalid(what, why) => Error::invalid(format!("The keychain refused the {what}: {why}")),
        K::Ambiguous(_) => Error::KeychainUnavailable {
            detail: "more than one keychain entry matches; remove duplicates in your keychain manager".into(),
        },
        K::NoEntry => Error::KeychainUnavailable { detail: "entry not found".into() },
        other => Error::KeychainUnavailable { detail: short(&other.to_string()) },
    }
}

/// True when a Secret Service was there and answered the call with an error (or with something
/// that makes no sense), as opposed to there being no bus or nobody owning the name.
#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
fn answered_an_error(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    use dbus_secret_service::Error as Ss;
    match inner.downcast_ref::<Ss>() {
        Some(Ss::Dbus(e)) => !NOT_THERE.contains(&e.name().unwrap_or_default()),
        Some(Ss::Parse | Ss::Path(_) | Ss::Crypto(_) | Ss::UnsupportedSecretFormat) => true,
        _ => false,
    }
}

#[cfg(not(all(target_os = "linux", not(target_env = "ohos"))))]
fn answered_an_error(_inner: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    false
}

/// D-Bus errors that mean nobody is there to answer: no bus, no owner of the name, no reply.
#[cfg(all(target_os = "linux", not(target_env = "ohos")))]
const NOT_THERE: &[&str] = &[
    "",
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.NoNetwork",
    "org.freedesktop.DBus.Error.BadAddress",
    "org.freedesktop.DBus.Error.FileNotFound",
    "org.freedesktop.DBus.Error.AuthFailed",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.Timeout",
    "org.freedesktop.DBus.Error.TimedOut",
    "org.freedesktop.DBus.Error.Spawn.ExecFailed",
    "org.freedesktop.DBus.Error.Spawn.ChildExited",
    "org.freedesktop.DBus.Error.Spawn.ServiceNotFound",
];

fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 200 {
        s.chars().take(200).collect::<String>() + "…"
    } else {
        s.to_string()
    }
}

impl SecretStore for KeyringStore {
    fn put(&self, account: &str, secret: &SecretString) -> Result<()> {
        let value = SecretString::from(secret.expose_secret().to_string());
        self.run(account, move |entry| entry.set_password(value.expose_secret()))
    }

    fn put_labeled(&self, account: &str, label: &str, secret: &SecretString) -> Result<()> {
        let value = SecretString::from(secret.expose_secret().to_string());
        self.run_labeled(account, Some(label.to_string()), move |entry| entry.set_password(value.expose_secret()))
    }

    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        self.run(account, |entry| match entry.get_password() {
            Ok(p) => Ok(Some(SecretString::from(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }

    /// On Linux one Secret Service session reads them all: a few by account
    /// ([`bulk::read_accounts`]: `latchkey run` with its tokens), more as every unlocked item of
    /// the service at once (a leak scan reads all secrets). `get` alone opens a new D-Bus
    /// connection and an encrypted session for each, ~7 ms apiece. Whatever that does not
    /// settle — a locked item, two items for one account, an item of an older keyring version,
    /// an entry that is not there, any error — is asked for with `get`, as before.
    fn get_many(&self, accounts: &[String]) -> Vec<Result<Option<SecretString>>> {
        if accounts.is_empty() {
            return vec![];
        }
        #[cfg(all(target_os = "linux", not(target_env = "ohos")))]
        let read = if accounts.len() <= FEW {
            self.read_accounts(accounts)
        } else {
            self.read_unlocked(accounts.len() >= PARALLEL_FROM)
        };
        #[cfg(all(target_os = "linux", not(target_env = "ohos")))]
        let mut found = match read {
            Ok(found) => found,
            Err(Error::KeychainTimeout { secs }) => {
                return accounts.iter().map(|_| Err(Error::KeychainTimeout { secs })).collect()
            }
            Err(_) => Default::default(),
        };
        #[cfg(not(all(target_os = "linux", not(target_env = "ohos"))))]
        let mut found: std::collections::HashMap<String, SecretString> = Default::default();
        accounts.iter().map(|a| found.remove(a).map_or_else(|| self.get(a), |s| Ok(Some(s)))).collect()
    }

    fn delete(&self, account: &str) -> Result<()> {
        self.run(account, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
    }

    fn probe(&self) -> Result<()> {
        // Reading an account that never exists answers NoEntry when the store works.
        self.get("latchkey-probe-00000000-0000-0000-0000-000000000000").map(|_| ())
    }

    fn describe(&self) -> String {
        format!("the system keychain (service “{}”)", self.service)
    }
}

/// An in-memory store for core's unit tests. Never used by the app or the CLI.
#[cfg(test)]
pub mod memory {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    #[derive(Default)]
    pub struct MemoryStore {
        pub entries: Mutex<HashMap<String, String>>,
        pub down: AtomicBool,
        /// Writes time out (as a keychain waiting on a password prompt would) and are dropped.
        pub hang_writes: AtomicBool,
    }

    impl MemoryStore {
        pub fn set_down(&self, down: bool) {
            self.down.store(down, Ordering::SeqCst);
        }
        fn check(&self) -> Result<()> {
            if self.down.load(Ordering::SeqCst) {
                Err(Error::KeychainUnavailable { detail: "test store is down".into() })
            } else {
                Ok(())
            }
        }
        pub fn has(&self, account: &str) -> bool {
            self.entries.lock().unwrap().contains_key(account)
        }
    }

    impl SecretStore for MemoryStore {
        fn put(&self, account: &str, secret: &SecretString) -> Result<()> {
            self.check()?;
            if self.hang_writes.load(Ordering::SeqCst) {
                return Err(Error::KeychainTimeout { secs: 20 });
            }
            self.entries.lock().unwrap().insert(account.into(), secret.expose_secret().to_string());
            Ok(())
        }
        fn get(&self, account: &str) -> Result<Option<SecretString>> {
            self.check()?;
            Ok(self.entries.lock().unwrap().get(account).cloned().map(SecretString::from))
        }
        fn delete(&self, account: &str) -> Result<()> {
            self.check()?;
            self.entries.lock().unwrap().remove(account);
            Ok(())
        }
        fn probe(&self) -> Result<()> {
            self.check()
        }
        fn describe(&self) -> String {
            "memory".into()
        }
    }
}
