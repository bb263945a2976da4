//! `latchkey rotate`: a new key made by the platform, stored and validated, then the old one
//! revoked with it and its refusal confirmed — through core's rotation, as the app does.
//! Running it again resumes a rotation that stopped (a crash, a network failure, a revoke that
//! takes time to take effect); `--undo` drops one whose new key is not in use yet.

use latchkey_core::TokenTarget;
use serde_json::json;

use crate::exit::{Code, Outcome};
use crate::output::print_json;

#[derive(clap::Args)]
#[command(after_help = "Through the API for Roboflow keys (allowed to create keys) and env0 organization
keys (Admin role; env0 may take up to an hour to refuse the old key: run it again to confirm).
Platforms whose API cannot make keys: store the new one with the app's Replace secret, then
  latchkey revoke <token>
Exit 8 when the new key is in use but the old one is not yet refused; run it again to finish.")]
pub struct Args {
    /// The token's label (or platform/label) or id.
    pub token: String,
    /// Drop an unfinished rotation whose new key is not in use yet (it is deleted on the platform).
    #[arg(long)]
    pub undo: bool,
    /// Print JSON: {"finished", "note", "settings_url"?, "record"}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Outcome {
    let mut vault = crate::context::open();
    let records = vault.records()?;
    let record = crate::resolve::find(&records, &args.token)?.clone();
    let name = crate::resolve::qualified(&record);
    let tokens = crate::context::tokens(vault);
    let target = TokenTarget::Local { id: record.id };
    if args.undo {
        let t = target.clone();
        let record = tokens.blocking(move |tk| async move { tk.undo_rotation(&t).await })?;
        if args.json {
            print_json(&json!({"undone": true, "record": record}));
        } else {
            println!("Rotation of {name} undone; the old key stays in use.");
        }
        return Ok(Code::Ok);
    }
    let t = target.clone();
    let rotated = tokens.blocking(move |tk| async move { tk.rotate(&t).await })?;
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
