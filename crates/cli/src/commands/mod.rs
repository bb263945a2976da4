//! One file per command (as aws-vault does); `dispatch` sends the parsed line to it.

use chrono::{DateTime, Utc};
use latchkey_core::status::{status, Health};
use latchkey_core::{TokenRecord, Vault};

use crate::cli::{Cli, Command};
use crate::exit::{Code, Failure, Outcome};

pub mod add;
pub mod clipboard_hold;
pub mod completions;
pub mod copy;
pub mod get;
pub mod guard;
pub mod import;
pub mod inject;
pub mod list;
pub mod log;
pub mod man;
pub mod revoke;
pub mod rotate;
pub mod run;
pub mod scan;
pub mod team;
pub mod validate;

pub fn dispatch(cli: Cli) -> Outcome {
    match cli.command {
        Command::List(a) => list::run(a),
        Command::Add(a) => add::run(a),
        Command::Get(a) => get::run(a),
        Command::Copy(a) => copy::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Revoke(a) => revoke::run(a),
        Command::Rotate(a) => rotate::run(a),
        Command::Run(a) => run::run(a),
        Command::Inject(a) => inject::run(a),
        Command::Import(a) => import::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Guard(a) => guard::run(a),
        Command::Team(a) => team::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
        Command::Log(a) => log::run(a),
    }
}

/// Before a secret leaves the vault (`get`, `copy`, `run`): a revoked token has no secret
/// (exit 5), an expired one is refused unless allowed (exit 6), and one the platform refused
/// at its last check is used with a warning.
pub fn check_usable(
    vault: &Vault,
    record: &TokenRecord,
    now: DateTime<Utc>,
    allow_expired: bool,
) -> Result<(), Failure> {
    let name = crate::resolve::qualified(record);
    let health = status(record, now, &vault.settings().policy).health;
    if health == Health::Revoked {
        return Err(Failure::new(
            Code::Invalid,
            format!("{name} is revoked; its secret was removed from the keychain."),
        ));
    }
    if record.expires_at.is_some_and(|e| e <= now) && !allow_expired {
        return Err(Failure::new(
            Code::Expired,
            format!(
                "{name} {}. Pass --allow-expired to use it anyway, or store a new token.",
                latchkey_core::status::countdown_text(record.expires_at, now)
            ),
        ));
    }
    if let Health::Invalid { reason } = health {
        eprintln!("latchkey: warning: {name} was rejected at its last check ({reason}).");
    }
    Ok(())
}
