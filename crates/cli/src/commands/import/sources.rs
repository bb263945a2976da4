//! Where `latchkey import` looks, and reading it: the files are read here (at most
//! [`MAX_INPUT`] of each), and what they say is parsed by core (`latchkey_core::import`, where
//! the list of places is documented).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use latchkey_core::import::{
    check_size, from_environment, roboflow_config, supervisely_env, Found, MAX_INPUT, ROBOFLOW_SOURCE,
    SUPERVISELY_SOURCE,
};

/// Everything found, in a stable order: files first, then the environment. A file that is
/// there but too large to be a credentials file is skipped with a warning.
pub fn discover(home: &Path, env: &HashMap<String, String>) -> Vec<Found> {
    let get = |k: &str| env.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let mut out = vec![];
    if let Some(text) = read_source(&home.join("supervisely.env"), SUPERVISELY_SOURCE) {
        out.extend(warn_on_error(supervisely_env(&text)).flatten());
    }
    let rf_path =
        get("ROBOFLOW_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|| home.join(".config/roboflow/config.json"));
    if let Some(text) = read_source(&rf_path, ROBOFLOW_SOURCE) {
        out.extend(warn_on_error(roboflow_config(&text)).unwrap_or_default());
    }
    out.extend(from_environment(env, |path| read_source(Path::new(path), &format!("$ENCORD_SSH_KEY_FILE ({path})"))));
    out
}

/// A file's text, if it can be read as UTF-8 and is no larger than [`MAX_INPUT`] (else a
/// warning, naming the file as `what`).
fn read_source(path: &Path, what: &str) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = vec![];
    file.take(MAX_INPUT as u64 + 1).read_to_end(&mut bytes).ok()?;
    warn_on_error(check_size(what, bytes.len()))?;
    String::from_utf8(bytes).ok()
}

fn warn_on_error<T>(r: latchkey_core::Result<T>) -> Option<T> {
    r.map_err(|e| eprintln!("latchkey: warning: {e}")).ok()
}
