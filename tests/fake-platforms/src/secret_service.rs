//! A fake Secret Service (`org.freedesktop.secrets`) that answers with D-Bus errors, on a
//! private session bus of its own, so tests can drive the real `keyring` code path against a
//! keychain that is there but fails.
//!
//! [`Refuse::Everything`]: every Secret Service call (even `OpenSession`) answers
//! `org.freedesktop.DBus.Error.Failed`. [`Refuse::Storage`]: the session opens, searches and
//! the default collection answer as GNOME Keyring would (so a probe succeeds), but storing,
//! reading and deleting a secret (`CreateItem`, `SetSecret`, `GetSecret`, `GetSecrets`,
//! `Delete`) fail. Accounts given as `present` are found by searches (as one item), so reads
//! and deletes of them reach the item. The fake never keeps a secret; it logs each call's
//! method name (see [`FakeSecretService::calls`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use zbus::fdo;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const COLLECTION_PATH: &str = "/org/freedesktop/secrets/collection/login";
const ITEM_PATH: &str = "/org/freedesktop/secrets/collection/login/1";
const SESSION_PATH: &str = "/org/freedesktop/secrets/session/1";

/// Which calls answer an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refuse {
    Everything,
    Storage,
}

struct State {
    refuse: Refuse,
    present: HashSet<String>,
    calls: Mutex<Vec<String>>,
}

impl State {
    /// Log the call; answer an error if this call is to fail.
    fn call(&self, method: &str, storage: bool) -> fdo::Result<()> {
        self.calls.lock().unwrap().push(method.to_string());
        if self.refuse == Refuse::Everything || storage {
            Err(fdo::Error::Failed(format!("fake Secret Service refuses {method}")))
        } else {
            Ok(())
        }
    }
}

fn path(p: &str) -> OwnedObjectPath {
    OwnedObjectPath::try_from(p).unwrap()
}

struct Service(Arc<State>);

#[zbus::interface(name = "org.freedesktop.Secret.Service")]
impl Service {
    fn open_session(&self, _algorithm: String, _input: OwnedValue) -> fdo::Result<(OwnedValue, OwnedObjectPath)> {
        self.0.call("OpenSession", false)?;
        // Any 128 bytes do as our DH public key: the fake never decrypts nor encrypts.
        let mut key = vec![0u8; 128];
        key[127] = 2;
        Ok((OwnedValue::try_from(Value::from(key)).unwrap(), path(SESSION_PATH)))
    }

    fn search_items(
        &self,
        attributes: HashMap<String, String>,
    ) -> fdo::Result<(Vec<OwnedObjectPath>, Vec<OwnedObjectPath>)> {
        self.0.call("SearchItems", false)?;
        let found = attributes.get("username").is_some_and(|u| self.0.present.contains(u));
        Ok((if found { vec![path(ITEM_PATH)] } else { vec![] }, vec![]))
    }

    fn read_alias(&self, _name: String) -> fdo::Result<OwnedObjectPath> {
        self.0.call("ReadAlias", false)?;
        Ok(path(COLLECTION_PATH))
    }

    fn unlock(&self, objects: Vec<OwnedObjectPath>) -> fdo::Result<(Vec<OwnedObjectPath>, OwnedObjectPath)> {
        self.0.call("Unlock", false)?;
        Ok((objects, path("/")))
    }

    fn get_secrets(&self, _items: Vec<OwnedObjectPath>, _session: OwnedObjectPath) -> fdo::Result<()> {
        self.0.call("GetSecrets", true)
    }

    #[zbus(property)]
    fn collections(&self) -> Vec<OwnedObjectPath> {
        vec![path(COLLECTION_PATH)]
    }
}

struct Collection(Arc<State>);

#[zbus::interface(name = "org.freedesktop.Secret.Collection")]
impl Collection {
    fn search_items(&self, _attributes: HashMap<String, String>) -> fdo::Result<Vec<OwnedObjectPath>> {
        self.0.call("Collection.SearchItems", false)?;
        Ok(vec![])
    }

    fn create_item(
        &self,
        _properties: HashMap<String, OwnedValue>,
        _secret: (OwnedObjectPath, Vec<u8>, Vec<u8>, String),
        _replace: bool,
    ) -> fdo::Result<(OwnedObjectPath, OwnedObjectPath)> {
        self.0.call("CreateItem", true).map(|()| (path("/"), path("/")))
    }

    #[zbus(property)]
    fn locked(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn label(&self) -> String {
        "Login".into()
    }
}

struct Item(Arc<State>);

#[zbus::interface(name = "org.freedesktop.Secret.Item")]
impl Item {
    fn get_secret(&self, _session: OwnedObjectPath) -> fdo::Result<()> {
        self.0.call("GetSecret", true)
    }

    fn set_secret(&self, _secret: (OwnedObjectPath, Vec<u8>, Vec<u8>, String)) -> fdo::Result<()> {
        self.0.call("SetSecret", true)
    }

    fn delete(&self) -> fdo::Result<OwnedObjectPath> {
        self.0.call("Delete", true).map(|()| path("/"))
    }

    #[zbus(property)]
    fn locked(&self) -> bool {
        false
    }
}

struct Session(Arc<State>);

#[zbus::interface(name = "org.freedesktop.Secret.Session")]
impl Session {
    fn close(&self) -> fdo::Result<()> {
        self.0.call("Close", false)
    }
}

/// The fake, owning `org.freedesktop.secrets` on the bus it was started on; gone when dropped.
pub struct FakeSecretService {
    _conn: zbus::blocking::Connection,
    state: Arc<State>,
}

impl FakeSecretService {
    pub fn start(bus_address: &str, refuse: Refuse, present: &[&str]) -> FakeSecretService {
        let state = Arc::new(State {
            refuse,
            present: present.iter().map(|s| s.to_string()).collect(),
            calls: Mutex::default(),
        });
        let conn = zbus::blocking::connection::Builder::address(bus_address)
            .and_then(|b| b.serve_at(SERVICE_PATH, Service(state.clone())))
            .and_then(|b| b.serve_at(COLLECTION_PATH, Collection(state.clone())))
            .and_then(|b| b.serve_at(ITEM_PATH, Item(state.clone())))
            .and_then(|b| b.serve_at(SESSION_PATH, Session(state.clone())))
            .and_then(|b| b.name("org.freedesktop.secrets"))
            .and_then(|b| b.build())
            .unwrap_or_else(|e| panic!("fake Secret Service on {bus_address}: {e}"));
        FakeSecretService { _conn: conn, state }
    }

    /// The Secret Service methods called so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.state.calls.lock().unwrap().clone()
    }
}

pub use crate::bus::PrivateBus;
