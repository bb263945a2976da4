//! Where `latchkey import` looks: `~/supervisely.env` (`SERVER_ADDRESS`, `API_TOKEN`, as
//! Supervisely's SDK reads it with python-dotenv); Roboflow's `~/.config/roboflow/config.json`
//! (or `$ROBOFLOW_CONFIG_DIR`, which names the file itself: `workspaces.<id>.apiKey`, as
//! roboflow-python's `config.py` reads it); and the environment: `API_TOKEN` +
//! `SERVER_ADDRESS`, `CVAT_ACCESS_TOKEN`, `ROBOFLOW_API_KEY` (+ `API_URL`, `RF_WORKSPACE`),
//! `ENV0_API_KEY` + `ENV0_API_SECRET` (+ `ENV0_API_ENDPOINT`), `ENCORD_SSH_KEY` or
//! `ENCORD_SSH_KEY_FILE`, `ENCORD_API_KEY` + `ENCORD_PROJECT_ID` / `ENCORD_DATASET_ID`.
//! cvat-cli keeps no credential file (`--auth` or the variable only).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use latchkey_core::secret::SecretInput;
use latchkey_core::Platform;
use secrecy::SecretString;

/// A secret as found, in the form core takes it.
#[derive(Clone)]
pub enum Raw {
    Token(SecretString),
    KeyPair(String, SecretString),
    SshKey(SecretString),
    ResourceKey(String, SecretString),
}

impl Raw {
    pub fn input(&self) -> SecretInput {
        match self.clone() {
            Raw::Token(token) => SecretInput::Token { token },
            Raw::KeyPair(key_id, secret) => SecretInput::KeyPair { key_id, secret },
            Raw::SshKey(private_key) => SecretInput::SshKey { private_key },
            Raw::ResourceKey(resource_id, api_key) => SecretInput::ResourceKey { resource_id, api_key },
        }
    }
}

pub struct Found {
    pub source: String,
    pub platform: Platform,
    pub server: Option<String>,
    pub workspace: Option<String>,
    pub label: String,
    pub raw: Raw,
}

/// Everything found, in a stable order: files first, then the environment.
pub fn discover(home: &Path, env: &HashMap<String, String>) -> Vec<Found> {
    let get = |k: &str| env.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let mut out = vec![];
    out.extend(supervisely_file(home));
    let rf_path =
        get("ROBOFLOW_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|| home.join(".config/roboflow/config.json"));
    out.extend(roboflow_file(&rf_path));
    out.extend(from_environment(env));
    out
}

/// A found secret with no server or workspace of its own.
fn found(source: impl Into<String>, platform: Platform, label: &str, raw: Raw) -> Found {
    Found { source: source.into(), platform, server: None, workspace: None, label: label.into(), raw }
}

/// `~/supervisely.env`: `API_TOKEN` and `SERVER_ADDRESS`.
fn supervisely_file(home: &Path) -> Option<Found> {
    let text = std::fs::read_to_string(home.join("supervisely.env")).ok()?;
    let vars = parse_env_file(&text);
    let token = vars.get("API_TOKEN").filter(|t| !t.is_empty())?;
    Some(Found {
        server: vars.get("SERVER_ADDRESS").filter(|s| !s.is_empty()).cloned(),
        ..found("~/supervisely.env", Platform::Supervisely, "supervisely.env", Raw::Token(token.clone().into()))
    })
}

/// Roboflow's config file: one key per workspace.
fn roboflow_file(path: &Path) -> Vec<Found> {
    let Some(config) =
        std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
    else {
        return vec![];
    };
    let server = config.get("API_URL").and_then(|v| v.as_str()).map(str::to_string);
    let Some(ws) = config.get("workspaces").and_then(|w| w.as_object()) else { return vec![] };
    ws.values()
        .filter_map(|w| {
            let key = w.get("apiKey").and_then(|k| k.as_str()).filter(|k| !k.is_empty())?;
            let url = w.get("url").and_then(|u| u.as_str()).map(str::to_string);
            let name = w.get("name").and_then(|u| u.as_str()).or(url.as_deref()).unwrap_or("workspace");
            Some(Found {
                server: server.clone(),
                workspace: url.clone(),
                ..found(
                    "Roboflow's config.json",
                    Platform::Roboflow,
                    &format!("workspace {name}"),
                    Raw::Token(key.to_string().into()),
                )
            })
        })
        .collect()
}

/// The platforms' own environment variables.
fn from_environment(env: &HashMap<String, String>) -> Vec<Found> {
    let get = |k: &str| env.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let token = |v: String| Raw::Token(v.into());
    let mut out = vec![];
    if let Some(t) = get("API_TOKEN") {
        out.push(Found {
            server: get("SERVER_ADDRESS"),
            ..found("$API_TOKEN", Platform::Supervisely, "from $API_TOKEN", token(t))
        });
    }
    if let Some(t) = get("CVAT_ACCESS_TOKEN") {
        out.push(found("$CVAT_ACCESS_TOKEN", Platform::Cvat, "from $CVAT_ACCESS_TOKEN", token(t)));
    }
    if let Some(key) = get("ROBOFLOW_API_KEY") {
        out.push(Found {
            server: get("API_URL"),
            workspace: get("RF_WORKSPACE"),
            ..found("$ROBOFLOW_API_KEY", Platform::Roboflow, "from $ROBOFLOW_API_KEY", token(key))
        });
    }
    if let (Some(id), Some(s)) = (get("ENV0_API_KEY"), get("ENV0_API_SECRET")) {
        out.push(Found {
            server: get("ENV0_API_ENDPOINT"),
            ..found(
                "$ENV0_API_KEY + $ENV0_API_SECRET",
                Platform::Env0,
                "from $ENV0_API_KEY",
                Raw::KeyPair(id, s.into()),
            )
        });
    }
    let ssh = env
        .get("ENCORD_SSH_KEY")
        .filter(|k| !k.trim().is_empty())
        .map(|k| ("$ENCORD_SSH_KEY".to_string(), k.clone()))
        .or_else(|| {
            let path = get("ENCORD_SSH_KEY_FILE")?;
            let pem = std::fs::read_to_string(&path).ok()?;
            Some((format!("$ENCORD_SSH_KEY_FILE ({path})"), pem))
        });
    if let Some((source, pem)) = ssh {
        out.push(found(source, Platform::Encord, "from $ENCORD_SSH_KEY", Raw::SshKey(pem.into())));
    }
    if let (Some(key), Some(resource)) =
        (get("ENCORD_API_KEY"), get("ENCORD_PROJECT_ID").or_else(|| get("ENCORD_DATASET_ID")))
    {
        let raw = Raw::ResourceKey(resource, key.into());
        out.push(found("$ENCORD_API_KEY", Platform::Encord, "from $ENCORD_API_KEY", raw));
    }
    out
}

/// `KEY=value` lines as python-dotenv reads them: comments, `export `, quotes.
fn parse_env_file(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else { continue };
        let v = v.trim();
        let v = if (v.starts_with('"') && v.ends_with('"') || v.starts_with('\'') && v.ends_with('\'')) && v.len() >= 2
        {
            &v[1..v.len() - 1]
        } else {
            v.split(" #").next().unwrap_or(v).trim()
        };
        out.insert(k.trim().to_string(), v.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines() {
        let vars = parse_env_file(
            "# comment\nexport SERVER_ADDRESS=\"https://sly.example\"\nAPI_TOKEN='FAKE abc'\nX=1 # note\n",
        );
        assert_eq!(vars["SERVER_ADDRESS"], "https://sly.example");
        assert_eq!(vars["API_TOKEN"], "FAKE abc");
        assert_eq!(vars["X"], "1");
    }
}
