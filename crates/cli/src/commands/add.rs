//! `latchkey add`: store a new token. The secret comes from a hidden prompt, or from stdin
//! when it is piped — never from an argument, which would land in the shell's history.

use std::path::PathBuf;

use chrono::Utc;
use latchkey_core::secret::SecretInput;
use latchkey_core::{NewToken, Platform};
use secrecy::SecretString;

use crate::exit::{Code, Failure, Outcome};
use crate::input::{secret_line, secret_stdin_all, stdin_is_terminal, visible_line};
use crate::output::{masked, print_json};

#[derive(clap::Args)]
#[command(after_help = "The secret is never an argument. Examples:
  latchkey add supervisely --label laptop --server https://sly.example.com   (hidden prompt)
  printf %s \"$TOKEN\" | latchkey add cvat --label ci --expires 2027-01-31
  pass show env0/ci | latchkey add env0 --label ci --key-id 3f1c…           (secret on stdin)
  latchkey add encord --label me --ssh-key-file ~/.ssh/encord_ed25519")]
pub struct Args {
    /// supervisely, cvat, roboflow, encord, env0 or other.
    #[arg(value_parser = crate::cli::platform_parser())]
    pub platform: Platform,
    /// A name to tell the token apart (unique per platform).
    #[arg(long)]
    pub label: String,
    /// The platform's server, for self-hosted instances (default: the public one).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// When it expires: YYYY-MM-DD (end of that local day), RFC 3339, or from now (30d).
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    /// Tags, comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    #[arg(long, default_value = "")]
    pub notes: String,
    /// Store it even though it is a secret Latchkey revoked before (refused otherwise).
    #[arg(long)]
    pub allow_revoked: bool,
    /// Whose token it is.
    #[arg(long)]
    pub owner: Option<String>,
    /// Workspace, team or organisation.
    #[arg(long)]
    pub workspace: Option<String>,
    /// env0: the API key id (public); the secret is prompted for or read from stdin.
    #[arg(long, value_name = "ID")]
    pub key_id: Option<String>,
    /// Encord: the Ed25519 private key file (else the key is read from stdin).
    #[arg(long, value_name = "PATH", conflicts_with = "resource_id")]
    pub ssh_key_file: Option<PathBuf>,
    /// Encord legacy API keys: the project or dataset id the key belongs to.
    #[arg(long, value_name = "ID")]
    pub resource_id: Option<String>,
    /// Rotate this many days before it expires (1 to 365): through the platform's API where
    /// it can, else an alert with Rotate. Needs an expiry (given or found when checked).
    #[arg(long, value_name = "DAYS", value_parser = rotate_before_parser)]
    pub rotate_before: Option<u32>,
    /// Print the stored record as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--rotate-before`: checked before the secret is asked for, with the Edit form's range.
fn rotate_before_parser(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(d) if (1..=365).contains(&d) => Ok(d),
        _ => Err("give how many days before expiry to rotate, a whole number from 1 to 365".into()),
    }
}

pub fn run(args: Args) -> Outcome {
    let now = Utc::now();
    if args.key_id.is_some() && args.platform != Platform::Env0 {
        return Err(Failure::usage("--key-id is for env0 keys."));
    }
    if (args.ssh_key_file.is_some() || args.resource_id.is_some()) && args.platform != Platform::Encord {
        return Err(Failure::usage("--ssh-key-file and --resource-id are for Encord."));
    }
    let expires_at = match &args.expires {
        Some(s) => Some(crate::when::parse_expiry(s, now).map_err(Failure::usage)?),
        None => None,
    };
    // Open (and probe) the keychain before asking for the secret: no point typing it if
    // it cannot be stored.
    let mut vault = crate::context::open();
    if let latchkey_core::vault::KeychainStatus::Unavailable { error } = vault.keychain_status() {
        return Err(Failure::new(Code::Keychain, format!("Nothing was stored: {}", error.message)));
    }
    let secret = read_secret(&args)?;
    let new = NewToken {
        platform: args.platform,
        label: args.label,
        server_url: args.server,
        secret,
        expires_at,
        owner: args.owner,
        workspace: args.workspace,
        tags: args.tags,
        notes: args.notes,
        check: None,
        allow_revoked: Some(args.allow_revoked),
        rotate_before_days: args.rotate_before,
    };
    let record = vault.add(new, now)?;
    vault.log_uses(vec![latchkey_core::accesslog::Event::new(&record, latchkey_core::accesslog::Action::Add)]);
    if args.json {
        print_json(&record);
    } else {
        println!(
            "Added {}/{} ({}, {}), id {}.",
            record.platform.id(),
            record.label,
            masked(&record.hint),
            crate::output::countdown(&record, now),
            record.id
        );
    }
    if expires_at.is_some_and(|e| e <= now) {
        eprintln!("latchkey: warning: the expiry you gave is already past.");
    }
    if let (Some(days), None) = (record.rotate_before_days, record.expires_at) {
        eprintln!(
            "latchkey: note: no expiry is known yet; rotating {days} days before it starts once one is set or found."
        );
    }
    Ok(Code::Ok)
}

fn read_secret(args: &Args) -> Result<SecretInput, Failure> {
    let name = args.platform.name();
    Ok(match args.platform {
        Platform::Env0 => {
            let key_id = match &args.key_id {
                Some(k) => k.clone(),
                None if stdin_is_terminal() => visible_line("env0 API key id: ")?,
                None => {
                    return Err(Failure::usage("Give the env0 key id with --key-id when the secret comes from stdin."))
                }
            };
            SecretInput::KeyPair { key_id, secret: secret_line("env0 API key secret (hidden): ")? }
        }
        Platform::Encord => match (&args.resource_id, &args.ssh_key_file) {
            (Some(resource_id), _) => SecretInput::ResourceKey {
                resource_id: resource_id.clone(),
                api_key: secret_line("Encord API key (hidden): ")?,
            },
            (None, Some(path)) => {
                let pem = std::fs::read_to_string(path)
                    .map_err(|e| Failure::usage(format!("could not read {} ({e})", path.display())))?;
                SecretInput::SshKey { private_key: SecretString::from(pem) }
            }
            (None, None) => SecretInput::SshKey { private_key: secret_stdin_all("Encord SSH private key")? },
        },
        _ => SecretInput::Token { token: secret_line(&format!("{name} token (hidden): "))? },
    })
}
