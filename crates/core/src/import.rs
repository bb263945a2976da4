//! Reading tokens out of the places the platforms' own tools keep them, for `latchkey import`:
//! `~/supervisely.env` (`SERVER_ADDRESS`, `API_TOKEN`, as Supervisely's SDK reads it with
//! python-dotenv); Roboflow's `~/.config/roboflow/config.json` (`workspaces.<id>.apiKey`, as
//! roboflow-python's `config.py` reads it); and the environment: `API_TOKEN` +
//! `SERVER_ADDRESS`, `CVAT_ACCESS_TOKEN`, `ROBOFLOW_API_KEY` (+ `API_URL`, `RF_WORKSPACE`),
//! `ENV0_API_KEY` + `ENV0_API_SECRET` (+ `ENV0_API_ENDPOINT`), `ENCORD_SSH_KEY` or
//! `ENCORD_SSH_KEY_FILE`, `ENCORD_API_KEY` + `ENCORD_PROJECT_ID` / `ENCORD_DATASET_ID`.
//! cvat-cli keeps no credential file (`--auth` or the variable only).
//!
//! Pure: the caller reads the files and passes their text; nothing here touches the disk, the
//! environment or the keychain, so every parser can be fuzzed (`fuzz/fuzz_targets/importers.rs`).
//! A text longer than [`MAX_INPUT`] is refused with a clear error rather than parsed: no
//! credentials file is that large, and the caller should not read more than that of one.

use std::collections::HashMap;

use secrecy::SecretString;

use crate::error::{Error, Result};
use crate::record::Platform;
use crate::secret::SecretInput;

/// The largest file text the parsers here take (1 MiB).
pub const MAX_INPUT: usize = 1024 * 1024;

/// Where `~/supervisely.env` findings say they came from.
pub const SUPERVISELY_SOURCE: &str = "~/supervisely.env";
/// Where findings from Roboflow's config file say they came from.
pub const ROBOFLOW_SOURCE: &str = "Roboflow's config.json";

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

impl std::fmt::Debug for Raw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Raw::Token(_) => "Token([redacted])",
            Raw::KeyPair(..) => "KeyPair([redacted])",
            Raw::SshKey(_) => "SshKey([redacted])",
            Raw::ResourceKey(..) => "ResourceKey([redacted])",
        })
    }
}

/// A token found in one place, not yet checked (see [`SecretInput::prepare`]).
#[derive(Debug, Clone)]
pub struct Found {
    /// Where it was found, as shown to the user (`~/supervisely.env`, `$CVAT_ACCESS_TOKEN`).
    pub source: String,
    pub platform: Platform,
    pub server: Option<String>,
    pub workspace: Option<String>,
    /// The label proposed for it.
    pub label: String,
    pub raw: Raw,
}

/// A found secret with no server or workspace of its own.
fn found(source: impl Into<String>, platform: Platform, label: &str, raw: Raw) -> Found {
    Found { source: source.into(), platform, server: None, workspace: None, label: label.into(), raw }
}

/// Refuse a text over [`MAX_INPUT`]; `what` names it for the user (`~/supervisely.env`).
pub fn check_size(what: &str, len: usize) -> Result<()> {
    if len > MAX_INPUT {
        return Err(Error::invalid(format!(
            "{what} is larger than 1 MiB, which no credentials file is; it was not read. \
             Check that it is the right file."
        )));
    }
    Ok(())
}

/// `~/supervisely.env`: `API_TOKEN` and `SERVER_ADDRESS`.
pub fn supervisely_env(text: &str) -> Result<Option<Found>> {
    check_size(SUPERVISELY_SOURCE, text.len())?;
    let vars = parse_env_file(text);
    let Some(token) = vars.get("API_TOKEN").filter(|t| !t.trim().is_empty()) else { return Ok(None) };
    Ok(Some(Found {
        server: vars.get("SERVER_ADDRESS").filter(|s| !s.is_empty()).cloned(),
        ..found(SUPERVISELY_SOURCE, Platform::Supervisely, "supervisely.env", Raw::Token(token.clone().into()))
    }))
}

/// Roboflow's config file: one key per workspace. Text that is not JSON of that shape gives
/// nothing (as roboflow-python, which starts afresh then).
pub fn roboflow_config(text: &str) -> Result<Vec<Found>> {
    check_size(ROBOFLOW_SOURCE, text.len())?;
    let Ok(config) = serde_json::from_str::<serde_json::Value>(text) else { return Ok(vec![]) };
    let server = config.get("API_URL").and_then(|v| v.as_str()).map(str::to_string);
    let Some(ws) = config.get("workspaces").and_then(|w| w.as_object()) else { return Ok(vec![]) };
    Ok(ws
        .values()
        .filter_map(|w| {
            let key = w.get("apiKey").and_then(|k| k.as_str()).filter(|k| !k.trim().is_empty())?;
            let url = w.get("url").and_then(|u| u.as_str()).map(str::to_string);
            let name = w.get("name").and_then(|u| u.as_str()).or(url.as_deref()).unwrap_or("workspace");
            Some(Found {
                server: server.clone(),
                workspace: url.clone(),
                ..found(
                    ROBOFLOW_SOURCE,
                    Platform::Roboflow,
                    &format!("workspace {name}"),
                    Raw::Token(key.to_string().into()),
                )
            })
        })
        .collect())
}

/// The platforms' own environment variables. `read_key_file` reads the file
/// `ENCORD_SSH_KEY_FILE` names (`None` when it cannot; the caller reads no more than
/// [`MAX_INPUT`] of it: a longer text is left out, as is an empty one). A blank secret is
/// never found, here or in the files.
pub fn from_environment(
    env: &HashMap<String, String>,
    read_key_file: impl FnOnce(&str) -> Option<String>,
) -> Vec<Found> {
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
            let pem = read_key_file(&path).filter(|pem| pem.len() <= MAX_INPUT && !pem.trim().is_empty())?;
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
pub fn parse_env_file(text: &str) -> HashMap<String, String> {
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
    use secrecy::ExposeSecret;

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

    #[test]
    fn supervisely_env_gives_its_token_and_server() {
        let f =
            supervisely_env("SERVER_ADDRESS=https://sly.example.invalid\nAPI_TOKEN=FAKEsly0001\n").unwrap().unwrap();
        assert_eq!(
            (f.source.as_str(), f.platform, f.label.as_str()),
            (SUPERVISELY_SOURCE, Platform::Supervisely, "supervisely.env")
        );
        assert_eq!(f.server.as_deref(), Some("https://sly.example.invalid"));
        assert!(matches!(&f.raw, Raw::Token(t) if t.expose_secret() == "FAKEsly0001"));
        assert!(supervisely_env("SERVER_ADDRESS=x\nAPI_TOKEN=\n").unwrap().is_none(), "an empty token is none");
        assert!(supervisely_env("API_TOKEN=\" \"\n").unwrap().is_none(), "a blank token is none");
        assert!(supervisely_env("").unwrap().is_none());
    }

    #[test]
    fn roboflow_config_gives_one_token_per_workspace() {
        let text = r#"{"API_URL": "https://rf.example.invalid", "workspaces": {
            "a": {"name": "Acme", "url": "acme", "apiKey": "FAKErf0001"},
            "b": {"url": "beta", "apiKey": "FAKErf0002"},
            "c": {"apiKey": ""}, "d": 7, "e": {"apiKey": " \t"}}}"#;
        let found = roboflow_config(text).unwrap();
        let labels: Vec<_> = found.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["workspace Acme", "workspace beta"]);
        assert_eq!(found[0].server.as_deref(), Some("https://rf.example.invalid"));
        assert_eq!(found[1].workspace.as_deref(), Some("beta"));
        for not_config in ["", "{", "[]", r#"{"workspaces": []}"#, "null"] {
            assert!(roboflow_config(not_config).unwrap().is_empty(), "{not_config}");
        }
    }

    #[test]
    fn the_environment_gives_each_platforms_variables() {
        let env: HashMap<String, String> = [
            ("CVAT_ACCESS_TOKEN", " FAKEcvat0001 "),
            ("ENV0_API_KEY", "kid"),
            ("ENV0_API_SECRET", "FAKEenv0"),
            ("ENCORD_SSH_KEY_FILE", "/keys/encord"),
            ("ENCORD_API_KEY", "FAKEenc"),
            ("ENCORD_DATASET_ID", "ds-1"),
            ("API_TOKEN", "  "),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let found = from_environment(&env, |path| (path == "/keys/encord").then(|| "PEM".to_string()));
        let sources: Vec<_> = found.iter().map(|f| f.source.as_str()).collect();
        assert_eq!(
            sources,
            [
                "$CVAT_ACCESS_TOKEN",
                "$ENV0_API_KEY + $ENV0_API_SECRET",
                "$ENCORD_SSH_KEY_FILE (/keys/encord)",
                "$ENCORD_API_KEY"
            ]
        );
        assert!(matches!(&found[0].raw, Raw::Token(t) if t.expose_secret() == "FAKEcvat0001"), "trimmed");
        assert!(matches!(&found[3].raw, Raw::ResourceKey(id, _) if id == "ds-1"));
        let big = from_environment(&env, |_| Some("x".repeat(MAX_INPUT + 1)));
        assert_eq!(big.len(), 3, "a key file over the limit is left out");
        // Found by fuzz/fuzz_targets/importers.rs: an empty key file was found as an empty key.
        let blank = from_environment(&env, |_| Some(" \n\t".to_string()));
        assert_eq!(blank.len(), 3, "an empty key file is left out");
    }

    #[test]
    fn text_over_the_limit_is_refused_with_a_clear_error() {
        let mut text = format!("API_TOKEN=FAKEsly0001\n{}", "#".repeat(MAX_INPUT));
        let e = supervisely_env(&text).unwrap_err().to_string();
        assert!(e.starts_with("~/supervisely.env is larger than 1 MiB"), "{e}");
        assert!(roboflow_config(&text).unwrap_err().to_string().contains("larger than 1 MiB"));
        text.truncate(MAX_INPUT);
        assert!(supervisely_env(&text).unwrap().is_some(), "exactly the limit is read");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let f = supervisely_env("API_TOKEN=FAKEsly0001").unwrap().unwrap();
        let shown = format!("{f:?}");
        assert!(!shown.contains("FAKEsly0001") && shown.contains("redacted"), "{shown}");
    }
}
