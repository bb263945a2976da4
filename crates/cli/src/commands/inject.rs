//! `latchkey inject`: a file from a template whose `latchkey://<platform>/<label>` references
//! (see `reference.rs`) are replaced by the secrets, so only the template is committed.
//!
//! Every reference is resolved before anything is written: one unknown reference names
//! itself (all of them) and nothing is written. The output is written to a temporary file
//! beside it with mode 0600, synced and renamed into place, so a reader never sees half a
//! file and the secrets are never readable by others; the template itself is never
//! overwritten. `-o -` writes to stdout, refused on a terminal (as `latchkey get` is).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;
use secrecy::ExposeSecret;

use crate::exit::{Code, Failure, Outcome};

#[derive(clap::Args)]
#[command(after_help = "Examples:
  latchkey inject -i config.tpl -o config          (config.tpl: token: latchkey://cvat/ci)
  latchkey inject -i .env.tpl -o - | docker run --env-file /dev/stdin …
A label is URL-encoded in a reference (latchkey://roboflow/team%20bot); add #<id> when two
tokens share a label. The output file gets mode 0600.")]
pub struct Args {
    /// The template with latchkey:// references.
    #[arg(short = 'i', long = "in", value_name = "TEMPLATE")]
    pub input: PathBuf,
    /// The file to write (mode 0600), or - for stdout (refused on a terminal).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub output: PathBuf,
    /// Use tokens past their expiry.
    #[arg(long)]
    pub allow_expired: bool,
}

pub fn run(args: Args) -> Outcome {
    let now = Utc::now();
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "Refusing to print secrets to the terminal. Give a file with -o, or pipe the output into a command.",
        ));
    }
    if !to_stdout && same_file(&args.input, &args.output) {
        return Err(Failure::usage(format!(
            "{} is the template itself; write the result to another file.",
            args.output.display()
        )));
    }
    let template = std::fs::read_to_string(&args.input).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound { Code::NotFound } else { Code::Error };
        Failure::new(code, format!("cannot read {} ({e})", args.input.display()))
    })?;
    let refs = crate::reference::find(&template);
    let mut vault = crate::context::open_index();
    let records = vault.records()?;
    let mut unknown = vec![];
    let mut resolved = vec![];
    for r in &refs {
        match crate::reference::resolve(&records, r) {
            Ok(rec) => resolved.push(rec.clone()),
            Err(f) => unknown.push(f.message),
        }
    }
    if !unknown.is_empty() {
        return Err(Failure::new(
            Code::NotFound,
            format!("Nothing was written. In {}:\n  {}", args.input.display(), unknown.join("\n  ")),
        ));
    }
    for rec in &resolved {
        super::check_usable(&vault, rec, now, args.allow_expired)?;
    }
    let used: Vec<_> = resolved.iter().map(|rec| rec.id).collect();
    // All the secrets in one keychain session.
    let secrets = vault.secrets_of(&used)?;
    let mut out = zeroize::Zeroizing::new(String::with_capacity(template.len() + 64));
    let mut from = 0;
    for (r, rec) in refs.iter().zip(&resolved) {
        let secret = &secrets[&rec.id];
        out.push_str(&template[from..r.span.start]);
        out.push_str(secret.expose_secret());
        from = r.span.end;
    }
    out.push_str(&template[from..]);
    vault.record_uses(&used, now);
    drop(vault);
    if to_stdout {
        let mut stdout = std::io::stdout().lock();
        return match stdout.write_all(out.as_bytes()).and_then(|_| stdout.flush()) {
            Ok(()) => Ok(Code::Ok),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Code::Ok),
            Err(e) => Err(Failure::error(format!("could not write the output ({e})"))),
        };
    }
    write_private(&args.output, out.as_bytes())
        .map_err(|e| Failure::error(format!("could not write {} ({e}); nothing was changed", args.output.display())))?;
    let mut distinct: Vec<String> = vec![];
    for name in resolved.iter().map(crate::resolve::qualified) {
        if !distinct.contains(&name) {
            distinct.push(name);
        }
    }
    eprintln!(
        "Wrote {} with {} reference{} replaced{}.",
        args.output.display(),
        refs.len(),
        if refs.len() == 1 { "" } else { "s" },
        if distinct.is_empty() { String::new() } else { format!(" ({})", distinct.join(", ")) }
    );
    Ok(Code::Ok)
}

/// Whether `a` and `b` name the same file (also through links); false if `b` does not exist.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// `bytes` into `path` atomically: a 0600 temporary file in the same folder, synced, renamed.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new().prefix(".latchkey-inject-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
