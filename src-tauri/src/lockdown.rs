//! Webview lockdown, asserted on the shipped configuration:
//! - the CSP allows scripts only from the app itself: no remote sources, no 'unsafe-eval',
//!   no 'unsafe-inline', no data:/blob: scripts; no plugins, frames or objects;
//! - the capabilities grant exactly the commands the UI calls — each one the UI calls is
//!   granted, and listed in commands/list.rs (registered and declared from there), and nothing else is
//!   granted: no fs, shell, http, opener or other plugin permission, no remote URLs.
//!
//! A unit test module rather than tests/lockdown.rs: an integration test makes `cargo test`
//! rebuild target/debug/latchkey-desktop without its embedded UI, over the one `make build` made.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The CSP as directive → sources, whether written as one string or as an object.
fn csp(conf: &Value) -> Vec<(String, Vec<String>)> {
    match &conf["app"]["security"]["csp"] {
        Value::String(s) => s
            .split(';')
            .filter_map(|d| {
                let mut w = d.split_whitespace().map(String::from);
                Some((w.next()?, w.collect()))
            })
            .collect(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| {
                let sources = match v {
                    Value::String(s) => s.split_whitespace().map(String::from).collect(),
                    Value::Array(a) => a.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
                    other => panic!("CSP directive {k}: unexpected {other}"),
                };
                (k.clone(), sources)
            })
            .collect(),
        other => panic!("the app has no CSP (app.security.csp is {other})"),
    }
}

fn directive<'a>(csp: &'a [(String, Vec<String>)], name: &str) -> Option<&'a Vec<String>> {
    csp.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[test]
fn csp_allows_only_the_apps_own_scripts() {
    let conf = json(&root().join("tauri.conf.json"));
    let csp = csp(&conf);
    assert_eq!(directive(&csp, "default-src"), Some(&vec!["'self'".to_string()]), "default-src must be 'self' only");
    // Scripts: script-src, or default-src when it is absent; the element/attr variants too.
    let scripts = directive(&csp, "script-src").expect("script-src must be set explicitly");
    assert_eq!(scripts, &vec!["'self'".to_string()], "script-src must be 'self' only");
    for extra in ["script-src-elem", "script-src-attr", "worker-src"] {
        if let Some(s) = directive(&csp, extra) {
            assert!(s.iter().all(|x| x == "'self'" || x == "'none'"), "{extra} allows {s:?}");
        }
    }
    for (name, sources) in &csp {
        for s in sources {
            let lower = s.to_ascii_lowercase();
            assert!(!lower.contains("unsafe-eval") && !lower.contains("unsafe-hashes"), "{name} allows {s}");
            assert!(lower != "*" && !lower.starts_with("*."), "{name} allows any host: {s}");
            if lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("ws") {
                // Tauri's own IPC endpoint (Windows, Android) is the only address allowed.
                assert!(name == "connect-src" && lower == "http://ipc.localhost", "{name} allows remote {s}");
            }
            if name.starts_with("script") || name == "default-src" {
                assert!(!lower.contains("unsafe-inline") && lower != "data:" && lower != "blob:", "{name} allows {s}");
            }
        }
    }
    for name in ["object-src", "frame-src", "base-uri", "form-action"] {
        assert_eq!(directive(&csp, name), Some(&vec!["'none'".to_string()]), "{name} must be 'none'");
    }
    let security = &conf["app"]["security"];
    for risky in ["dangerousDisableAssetCspModification", "dangerousRemoteDomainIpcAccess"] {
        assert!(security[risky].is_null() || security[risky] == false, "security.{risky} is set");
    }
    assert_eq!(security["freezePrototype"], true, "freezePrototype keeps page scripts from patching IPC");
    assert!(conf["app"]["withGlobalTauri"].is_null() || conf["app"]["withGlobalTauri"] == false);
    for w in conf["app"]["windows"].as_array().unwrap() {
        let url = w["url"].as_str().unwrap_or("index.html");
        assert!(!url.contains("://"), "window {} loads remote content: {url}", w["label"]);
    }
}

/// Command names from `call("...")` / `invoke("...")` in the UI sources (tests excluded).
/// A call with a computed name is allowed once: the typed wrapper in api.ts.
fn ui_commands() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut dynamic = vec![];
    let mut stack = vec![root().join("../ui/src")];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "bindings" {
                    stack.push(path);
                }
                continue;
            }
            if !name.ends_with(".ts") || name.ends_with(".test.ts") || name.ends_with(".d.ts") {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            assert!(!text.contains("@tauri-apps/plugin-"), "{name} uses a Tauri plugin from the webview");
            for (cmd, at) in calls(&text) {
                match cmd {
                    Some(c) => drop(found.insert(c)),
                    None => dynamic.push(format!("{name}:{at}")),
                }
            }
        }
    }
    assert!(dynamic.len() <= 1 && dynamic.iter().all(|d| d.starts_with("api.ts:")), "computed commands: {dynamic:?}");
    assert!(!found.is_empty(), "no commands found in ui/src: the scanner is broken");
    found
}

/// Every `call` or `invoke` call in `src`: Some(name) for a string literal, None otherwise.
fn calls(src: &str) -> Vec<(Option<String>, usize)> {
    let b = src.as_bytes();
    let mut out = vec![];
    for word in ["call", "invoke"] {
        for (at, _) in src.match_indices(word) {
            if at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_' || b[at - 1] == b'.') {
                continue;
            }
            let mut i = at + word.len();
            if b.get(i) == Some(&b'<') {
                let mut depth = 0;
                while i < b.len() {
                    match b[i] {
                        b'<' => depth += 1,
                        b'>' => depth -= 1,
                        _ => {}
                    }
                    i += 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            if b.get(i) != Some(&b'(') {
                continue;
            }
            let rest = src[i + 1..].trim_start();
            let name = match rest.chars().next() {
                Some(q @ ('"' | '\'' | '`')) => rest[1..].split(q).next().map(String::from),
                _ => None,
            };
            // `async function call<T>(cmd: string, …)` is the wrapper's definition, not a call.
            if name.is_none() && src[..at].ends_with("function ") {
                continue;
            }
            out.push((name, src[..at].lines().count()));
        }
    }
    out
}

/// The `allow-*` permissions granted to the webview, as command names; fails on anything else.
fn granted_commands() -> BTreeSet<String> {
    let mut granted = BTreeSet::new();
    let allowed_core = ["core:event:allow-listen", "core:event:allow-unlisten"];
    for e in fs::read_dir(root().join("capabilities")).unwrap() {
        let path = e.unwrap().path();
        let name = path.display().to_string();
        assert!(name.ends_with(".json"), "{name}: only JSON capabilities are checked; convert it");
        let cap = json(&path);
        assert!(cap["remote"].is_null(), "{name} grants IPC to remote URLs");
        assert!(
            cap["webviews"].is_null() && cap["windows"] == serde_json::json!(["main"]),
            "{name} must apply to the main window only"
        );
        for p in cap["permissions"].as_array().unwrap() {
            let id = p.as_str().or_else(|| p["identifier"].as_str()).unwrap();
            if allowed_core.contains(&id) {
                continue;
            }
            let cmd = id.strip_prefix("allow-").unwrap_or_else(|| {
                panic!("{name} grants {id}: only Latchkey's own commands (allow-*) and event listen are allowed")
            });
            assert!(!cmd.contains(':'), "{name} grants a plugin permission: {id}");
            granted.insert(cmd.replace('-', "_"));
        }
    }
    granted
}

#[test]
fn capabilities_grant_exactly_the_commands_the_ui_calls() {
    let used = ui_commands();
    let granted = granted_commands();
    // commands/list.rs: registered with Tauri (commands::handler) and declared by build.rs.
    let registered: BTreeSet<String> = crate::commands::NAMES.iter().map(|s| s.to_string()).collect();
    let diff = |a: &BTreeSet<String>, b: &BTreeSet<String>| a.difference(b).cloned().collect::<Vec<_>>();
    assert!(diff(&used, &granted).is_empty(), "the UI calls commands not granted: {:?}", diff(&used, &granted));
    assert!(diff(&granted, &used).is_empty(), "granted but never called by the UI: {:?}", diff(&granted, &used));
    assert_eq!(registered, used, "commands/list.rs differs from what the UI calls");
}

#[test]
fn the_scanner_sees_literal_and_computed_calls() {
    let src = "const a = call<{ x: number }>(\"one\", {});\ninvoke('two');\nrecall(\"no\");\nx.call(\"no\");\ninvoke<T>(cmd);";
    let got: Vec<Option<String>> = calls(src).into_iter().map(|c| c.0).collect();
    assert_eq!(got, [Some("one".to_string()), Some("two".to_string()), None]);
}
