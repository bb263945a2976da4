//! `latchkey log`: the access log — every copy, get, run, reveal, validate, rotate, revoke,
//! add and delete of a token, from the app and the command line — newest first. The log's
//! hash chain is checked first: lines that do not verify are left out, what is wrong is said
//! on stderr, and the exit code is 10.

use chrono::Local;
use latchkey_core::accesslog::{AccessEntry, Where};
use uuid::Uuid;

use crate::exit::{Code, Failure, Outcome};
use crate::output::{print_json, print_text, table};

#[derive(clap::Args)]
#[command(after_help = "Examples:
  latchkey log                     the last 20 uses of any token
  latchkey log cvat/ci -n 50       one token's last 50 (also a deleted token, by label or id)
  latchkey log --json              for scripts: a JSON array, newest first
Exit code 10 when the log was edited, cut short or reordered (the lines that verify are still shown).")]
pub struct Args {
    /// Only this token's uses: label, platform/label or id (a deleted token's too).
    pub token: Option<String>,
    /// How many uses to show, newest first.
    #[arg(long, short = 'n', default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Print a JSON array of the entries (newest first).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Outcome {
    let mut vault = crate::context::open_index();
    let log = vault.access_log();
    let read = log.read()?;
    let token = match &args.token {
        None => None,
        Some(q) => Some(which(&mut vault, q, read.entries.iter().map(|c| &c.entry))?),
    };
    let mut entries = read.newest_first(None);
    if let Some(ids) = &token {
        entries.retain(|e| ids.contains(&e.token));
    }
    entries.truncate(args.limit);
    if args.json {
        print_json(&entries);
    } else if entries.is_empty() {
        eprintln!("No uses recorded{}.", if token.is_some() { " for that token" } else { " yet" });
    } else {
        print_text(&human(&entries));
    }
    if read.is_intact() {
        return Ok(Code::Ok);
    }
    eprintln!(
        "latchkey: the access log ({}) was changed after it was written; the lines that do not verify are left out:",
        log.path().display()
    );
    for p in &read.problems {
        eprintln!("  {p}");
    }
    Ok(Code::LogBroken)
}

/// The ids `query` names: a stored token (as every command resolves it), else the log's own
/// entries by id, label or platform/label — so a deleted token's uses can still be found.
fn which<'a>(
    vault: &mut latchkey_core::Vault,
    query: &str,
    entries: impl Iterator<Item = &'a AccessEntry>,
) -> Result<Vec<Uuid>, Failure> {
    let records = vault.records()?;
    match crate::resolve::find(&records, query) {
        Ok(r) => return Ok(vec![r.id]),
        Err(f) if f.code != Code::NotFound => return Err(f),
        Err(_) => {}
    }
    let q = query.trim().to_lowercase();
    let mut ids: Vec<Uuid> = vec![];
    for e in entries {
        let qualified = format!("{}/{}", e.platform.id(), e.label).to_lowercase();
        let hit = e.token.to_string() == q
            || e.label.to_lowercase() == q
            || qualified == q
            || (q.len() >= 6 && e.token.to_string().starts_with(&q));
        if hit && !ids.contains(&e.token) {
            ids.push(e.token);
        }
    }
    if ids.is_empty() {
        return Err(Failure::new(
            Code::NotFound,
            format!("No token matches “{}”, and the access log has no uses of one by that name.", query.trim()),
        ));
    }
    Ok(ids)
}

fn human(entries: &[AccessEntry]) -> String {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let place = match (e.place, &e.parent) {
                (Where::App, _) => "app".to_string(),
                (Where::Cli, Some(parent)) => format!("cli ({parent})"),
                (Where::Cli, None) => "cli".to_string(),
            };
            let what = match (&e.command, &e.detail) {
                (Some(argv), _) => argv.join(" "),
                (None, Some(d)) => d.clone(),
                (None, None) => String::new(),
            };
            vec![
                e.time.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S").to_string(),
                e.action.id().to_string(),
                place,
                format!("{}/{}", e.platform.id(), e.label),
                what,
            ]
        })
        .collect();
    table(&["WHEN", "ACTION", "WHERE", "TOKEN", "COMMAND / OUTCOME"], &rows)
}
