//! `latchkey rotate`: a new key made by the platform, stored and validated, then the old one
//! revoked with it and its refusal confirmed — through core's rotation, as the app does.
//! Running it again resumes a rotation that stopped (a crash, a network failure, a revoke that
//! takes time to take effect); `--undo` drops one whose new key is not in use yet.

use latchkey_core::record::TokenKind;
use latchkey_core::secret::SecretInput;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::exit::{Code, Failure, Outcome};
use crate::input::{secret_line, secret_stdin_all, secret_stdin_line, stdin_is_terminal, visible_line};
use crate::output::print_json;

#[derive(clap::Args)]
#[command(after_help = "Through the API for Roboflow keys (allowed to create keys) and env0 organization
keys (Admin role; env0 may take up to an hour to refuse the old key: run it again to confirm).
CVAT with your account password, read once and never stored: piped with --password-stdin,
or asked for (hidden) on a terminal. Elsewhere (Supervisely, Encord, other; a CVAT account
that signs in only through SSO): make the new secret on the website, then
  latchkey rotate <token> --new-secret          (prompted for, or read from stdin)
it is checked and put in place; the old one is kept until the platform refuses it.
Exit 8 when the platform would not make the new key (CVAT: a wrong password; nothing changed),
or when the new key is in use but the old one is not yet refused; run it again to finish.")]
pub struct Args {
    /// The token's label (or platform/label) or id.
    pub token: String,
    /// A guided rotation: you made the new secret on the platform's website; it is read from a
    /// hidden prompt or stdin (never an argument).
    #[arg(long)]
    pub new_secret: bool,
    /// env0: the new key's id (with --new-secret).
    #[arg(long, value_name = "ID", requires = "new_secret")]
    pub key_id: Option<String>,
    /// Encord: the new Ed25519 private key file (with --new-secret; else read from stdin).
    #[arg(long, value_name = "PATH", requires = "new_secret")]
    pub ssh_key_file: Option<std::path::PathBuf>,
    /// CVAT: read your account password from the first line of stdin (it is never stored).
    #[arg(long, conflicts_with = "new_secret")]
    pub password_stdin: bool,
    /// Drop an unfinished rotation whose new key is not in use yet (it is deleted on the platform).
    #[arg(long)]
    pub undo: bool,
    /// Print JSON: {"finished", "note", "settings_url"?, "record"}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Outcome {
    let mut vault = crate::context::open();
    // A team token when no local one matches: rotated through the API in the team vault.
    let found = crate::team::resolve(&mut vault, &args.token)?;
    let record = found.record().clone();
    let name = crate::resolve::qualified(&record);
    let target = found.target();
    let tokens = crate::context::tokens(vault);
    let password = read_password(&record, &args)?;
    if args.undo {
        let t = target.clone();
        let record = match password {
            Some(pw) => tokens.blocking(move |tk| async move { tk.undo_rotation_with_password(&t, pw).await })?,
            None => tokens.blocking(move |tk| async move { tk.undo_rotation(&t).await })?,
        };
        if args.json {
            print_json(&json!({"undone": true, "record": record}));
        } else {
            println!("Rotation of {name} undone; the old key stays in use.");
        }
        return Ok(Code::Ok);
    }
    let t = target.clone();
    let rotated = if args.new_secret {
        let input = read_new_secret(&record, &args)?;
        tokens.blocking(move |tk| async move { tk.rotate_with(&t, input).await })?
    } else if let Some(pw) = password {
        tokens.blocking(move |tk| async move { tk.rotate_with_password(&t, pw).await })?
    } else {
        tokens.blocking(move |tk| async move { tk.rotate(&t).await })?
    };
    if args.json {
        print_json(&rotated);
    } else if rotated.finished {
        println!("Rotated {name}: the new key is stored and valid (…{}). {}.", rotated.record.hint, rotated.note);
    } else {
        println!("{name}: {}", rotated.note);
        if let Some(url) = &rotated.settings_url {
            println!("Revoke it at: {url}");
        }
        eprintln!("Run `latchkey rotate {name}` again to finish.");
    }
    Ok(if rotated.finished { Code::Ok } else { Code::ActionNeeded })
}

/// The account password for a platform that rotates with it (CVAT): from stdin with
/// `--password-stdin`, else asked for without echo on a terminal. `None` elsewhere, for a
/// guided rotation, or when neither is possible (core then says how to give it).
fn read_password(record: &latchkey_core::TokenRecord, args: &Args) -> Result<Option<SecretString>, Failure> {
    let rotates_with_password =
        latchkey_core::platforms::adapter_for(record.platform).map(|a| a.rotates_with_password()).unwrap_or(false);
    if args.password_stdin && !rotates_with_password {
        return Err(Failure::usage(format!(
            "{} does not rotate with a password; leave out --password-stdin.",
            record.platform.name()
        )));
    }
    if args.new_secret || !rotates_with_password || (!args.password_stdin && !stdin_is_terminal()) {
        return Ok(None);
    }
    let name = record.platform.name();
    let user = record.identity.owner.as_deref().map(|u| format!(" for {u}")).unwrap_or_default();
    let password = if args.password_stdin {
        secret_stdin_line(&format!("the {name} password"))?
    } else {
        secret_line(&format!("{name} password{user} (hidden, used once, never stored): "))?
    };
    if password.expose_secret().is_empty() {
        return Err(Failure::usage(format!("The {name} password was empty.")));
    }
    Ok(Some(password))
}

/// The new secret, in the record's own form (as `add` reads one).
fn read_new_secret(record: &latchkey_core::TokenRecord, args: &Args) -> Result<SecretInput, Failure> {
    let name = record.platform.name();
    Ok(match record.kind {
        TokenKind::KeyPair => {
            let key_id = match &args.key_id {
                Some(k) => k.clone(),
                None if stdin_is_terminal() => visible_line(&format!("New {name} key id: "))?,
                None => {
                    return Err(Failure::usage("Give the new key id with --key-id when the secret comes from stdin."))
                }
            };
            SecretInput::KeyPair { key_id, secret: secret_line(&format!("New {name} key secret (hidden): "))? }
        }
        TokenKind::SshKey => match &args.ssh_key_file {
            Some(path) => {
                let pem = std::fs::read_to_string(path)
                    .map_err(|e| Failure::usage(format!("could not read {} ({e})", path.display())))?;
                SecretInput::SshKey { private_key: SecretString::from(pem) }
            }
            None => SecretInput::SshKey { private_key: secret_stdin_all("the new Encord SSH private key")? },
        },
        TokenKind::ResourceKey => SecretInput::ResourceKey {
            resource_id: record.public.resource_id.clone().unwrap_or_default(),
            api_key: secret_line(&format!("New {name} API key (hidden): "))?,
        },
        TokenKind::Token => SecretInput::Token { token: secret_line(&format!("New {name} token (hidden): "))? },
    })
}
