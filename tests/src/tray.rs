//! The tray, for real: a fake `org.kde.StatusNotifierWatcher` on the test session's bus.
//!
//! Headless there is no panel to host tray icons. Linux tray icons (libayatana-appindicator,
//! which Tauri uses) register with whoever owns `org.kde.StatusNotifierWatcher` on the
//! session bus and export their menu over `com.canonical.dbusmenu`, so a small watcher lets a
//! test find Latchkey's item, read its menu (`GetLayout`) and click an entry
//! (`Event(id, "clicked")`) — what a panel does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::blocking::Connection;
use zbus::message::Header;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

const WATCHER: &str = "org.kde.StatusNotifierWatcher";

#[derive(Default)]
struct Watcher {
    /// (bus name of the sender, the item's object path)
    items: Arc<Mutex<Vec<(String, String)>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, service: &str, #[zbus(header)] header: Header<'_>) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // An item passes its object path (ayatana) or its bus name (KDE's default path).
        let (name, path) = if service.starts_with('/') {
            (sender, service.to_string())
        } else {
            (service.to_string(), "/StatusNotifierItem".to_string())
        };
        self.items.lock().unwrap().push((name, path));
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().unwrap().iter().map(|(n, p)| format!("{n}{p}")).collect()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// One menu entry as the panel sees it.
#[derive(Debug, Clone)]
pub struct MenuEntry {
    pub id: i32,
    pub label: String,
    pub enabled: bool,
    pub visible: bool,
}

/// A fake panel: owns the watcher name while alive.
pub struct FakeTray {
    conn: Connection,
    items: Arc<Mutex<Vec<(String, String)>>>,
}

impl FakeTray {
    /// Own `org.kde.StatusNotifierWatcher` on the session bus (start it before the app).
    pub fn start() -> FakeTray {
        let items: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let conn = zbus::blocking::connection::Builder::session()
            .expect("the session bus")
            .serve_at("/StatusNotifierWatcher", Watcher { items: items.clone() })
            .expect("serve the watcher")
            .name(WATCHER)
            .expect("the watcher name")
            .build()
            .unwrap_or_else(|e| panic!("could not own {WATCHER} on the session bus: {e}"));
        FakeTray { conn, items }
    }

    /// The item registered by the process `pid` (the app), waiting up to `timeout`.
    pub fn wait_item(&self, pid: u32, timeout: Duration) -> (String, String) {
        let deadline = Instant::now() + timeout;
        loop {
            for (name, path) in self.items.lock().unwrap().clone() {
                if self.pid_of(&name) == Some(pid) {
                    return (name, path);
                }
            }
            if Instant::now() > deadline {
                panic!("no tray item of pid {pid} registered within {timeout:?}: {:?}", self.items.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pid_of(&self, name: &str) -> Option<u32> {
        let dbus = zbus::blocking::fdo::DBusProxy::new(&self.conn).ok()?;
        let name = zbus::names::BusName::try_from(name).ok()?;
        dbus.get_connection_unix_process_id(name).ok()
    }

    fn menu_path(&self, item: &(String, String)) -> OwnedObjectPath {
        let props = zbus::blocking::fdo::PropertiesProxy::builder(&self.conn)
            .destination(item.0.as_str())
            .unwrap()
            .path(item.1.as_str())
            .unwrap()
            .build()
            .unwrap();
        let iface = zbus::names::InterfaceName::try_from("org.kde.StatusNotifierItem").unwrap();
        let v = props.get(iface, "Menu").expect("the item's Menu property");
        OwnedObjectPath::try_from(v).expect("Menu is an object path")
    }

    /// The item's menu, flattened (top level entries in order; separators have no label).
    pub fn menu(&self, item: &(String, String)) -> Vec<MenuEntry> {
        let path = self.menu_path(item);
        let reply = self
            .conn
            .call_method(
                Some(item.0.as_str()),
                &path,
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .expect("GetLayout");
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (id, props, children)): (u32, Layout) = reply.body().deserialize().expect("GetLayout's answer");
        let mut out = vec![];
        let props: Vec<(String, &Value)> = props.iter().map(|(k, v)| (k.clone(), &**v)).collect();
        entry(id, &props, children.iter().map(|c| &**c), &mut out);
        // The root is not an entry.
        out.retain(|e| e.id != 0);
        out
    }

    /// Click the menu entry with this id, as a panel does.
    pub fn click(&self, item: &(String, String), id: i32) {
        let path = self.menu_path(item);
        let stamp = 0u32;
        self.conn
            .call_method(
                Some(item.0.as_str()),
                &path,
                Some("com.canonical.dbusmenu"),
                "Event",
                &(id, "clicked", Value::from(""), stamp),
            )
            .expect("Event(clicked)");
    }

    /// Wait until the menu has an entry whose label satisfies `pred`.
    pub fn wait_entry(
        &self,
        item: &(String, String),
        what: &str,
        timeout: Duration,
        pred: impl Fn(&MenuEntry) -> bool,
    ) -> MenuEntry {
        let deadline = Instant::now() + timeout;
        loop {
            let menu = self.menu(item);
            if let Some(e) = menu.iter().find(|e| pred(e)) {
                return e.clone();
            }
            if Instant::now() > deadline {
                panic!("the tray menu has no {what} within {timeout:?}: {menu:#?}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn flatten(v: &Value, out: &mut Vec<MenuEntry>) {
    let v = match v {
        Value::Value(inner) => inner.as_ref(),
        other => other,
    };
    let Value::Structure(s) = v else { return };
    let fields = s.fields();
    let (Some(Value::I32(id)), Some(Value::Dict(props)), Some(Value::Array(children))) =
        (fields.first(), fields.get(1), fields.get(2))
    else {
        return;
    };
    let props: Vec<(String, &Value)> =
        props.iter().filter_map(|(k, v)| if let Value::Str(k) = k { Some((k.to_string(), v)) } else { None }).collect();
    entry(*id, &props, children.iter(), out);
}

fn entry<'a>(
    id: i32,
    props: &[(String, &Value)],
    children: impl Iterator<Item = &'a Value<'a>>,
    out: &mut Vec<MenuEntry>,
) {
    let mut label = String::new();
    let (mut enabled, mut visible) = (true, true);
    for (k, v) in props {
        let v = match *v {
            Value::Value(inner) => inner.as_ref(),
            other => other,
        };
        match (k.as_str(), v) {
            ("label", Value::Str(s)) => label = s.to_string(),
            ("enabled", Value::Bool(b)) => enabled = *b,
            ("visible", Value::Bool(b)) => visible = *b,
            _ => {}
        }
    }
    // GTK mnemonics: "_" marks the access key, "__" is a literal underscore.
    let label = label.replace("__", "\u{0}").replace('_', "").replace('\u{0}', "_");
    out.push(MenuEntry { id, label, enabled, visible });
    for c in children {
        flatten(c, out);
    }
}
