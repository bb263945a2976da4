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
    let mut out = vec![];
    let get = |k: &str| env.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let secret = |v: String| SecretString::from(v);

    let sly_path = home.join("supervisely.env");
    if let Ok(text) = std::fs::read_to_string(&sly_path) {
        let vars = parse_env_file(&text);
        if let Some(token) = vars.get("API_TOKEN").filter(|t| !t.is_empty()) {
            out.push(Found {
                source: "~/supervisely.env".into(),
                platform: Platform::Supervisely,
                server: vars.get("SERVER_ADDRESS").filter(|s| !s.is_empty()).cloned(),
                workspace: None,
                label: "supervisely.env".into(),
                raw: Raw::Token(secret(token.clone())),
            });
        }
    }

    let rf_path =
        get("ROBOFLOW_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|| home.join(".config/roboflow/config.json"));
    if let Ok(text) = std::fs::read_to_string(&rf_path) {
        if let Ok(config) = serde_json::from_str::<serde_json::Value>(&text) {
            let server = config.get("API_URL").and_then(|v| v.as_str()).map(str::to_string);
            if let Some(ws) = config.get("workspaces").and_then(|w| w.as_object()) {
                for w in ws.values() {
                    let Some(key) = w.get("apiKey").and_then(|k| k.as_str()).filter(|k| !k.is_empty()) else {
                        continue;
                    };
                    let url = w.get("url").and_then(|u| u.as_str()).map(str::to_string);
                    let name = w.get("name").and_then(|u| u.as_str()).or(url.as_deref()).unwrap_or("workspace");
                    out.push(Found {
                        source: "Roboflow's config.json".into(),
                        platform: Platform::Roboflow,
                        server: server.clone(),
                        workspace: url.clone(),
                        label: format!("workspace {name}"),
                        raw: Raw::Token(secret(key.to_string())),
                    });
                }
            }
        }
    }

    let from_env = |var: &str| format!("${var}");
    if let Some(token) = get("API_TOKEN") {
        out.push(Found {
            source: from_env("API_TOKEN"),
            platform: Platform::Supervisely,
            server: get("SERVER_ADDRESS"),
            workspace: None,
            label: "from $API_TOKEN".into(),
            raw: Raw::Token(secret(token)),
        });
    }
    if let Some(token) = get("CVAT_ACCESS_TOKEN") {
        out.push(Found {
            source: from_env("CVAT_ACCESS_TOKEN"),
            platform: Platform::Cvat,
            server: None,
            workspace: None,
            label: "from $CVAT_ACCESS_TOKEN".into(),
            raw: Raw::Token(secret(token)),
        });
    }
    if let Some(key) = get("ROBOFLOW_API_KEY") {
        out.push(Found {
            source: from_env("ROBOFLOW_API_KEY"),
            platform: Platform::Roboflow,
            server: get("API_URL"),
            workspace: get("RF_WORKSPACE"),
            label: "from $ROBOFLOW_API_KEY".into(),
            raw: Raw::Token(secret(key)),
        });
    }
    if let (Some(id), Some(s)) = (get("ENV0_API_KEY"), get("ENV0_API_SECRET")) {
        out.push(Found {
            source: "$ENV0_API_KEY + $ENV0_API_SECRET".into(),
            platform: Platform::Env0,
            server: get("ENV0_API_ENDPOINT"),
            workspace: None,
            label: "from $ENV0_API_KEY".into(),
            raw: Raw::KeyPair(id, secret(s)),
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
        out.push(Found {
            source,
            platform: Platform::Encord,
            server: None,
            workspace: None,
            label: "from $ENCORD_SSH_KEY".into(),
            raw: Raw::SshKey(secret(pem)),
        });
    }
    if let (Some(key), Some(resource)) =
        (get("ENCORD_API_KEY"), get("ENCORD_PROJECT_ID").or_else(|| get("ENCORD_DATASET_ID")))
    {
        out.push(Found {
            source: "$ENCORD_API_KEY".into(),
            platform: Platform::Encord,
            server: None,
            workspace: None,
            label: "from $ENCORD_API_KEY".into(),
            raw: Raw::ResourceKey(resource, secret(key)),
        });
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
