//! `latchkey copy`: put a token's secret on the clipboard and clear it after the app's delay.
//!
//! On X11 a clipboard lives only as long as the process that owns it, and this one is about
//! to exit. So the copy is handed to a small detached helper — `latchkey __clipboard-hold`,
//! this same binary — which gets the secret through a pipe (never argv or the environment),
//! owns the clipboard through core's `SecureClipboard`, and exits once it has cleared it, or
//! as soon as another program takes the clipboard.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use latchkey_core::accesslog::Action;
use latchkey_core::Use;
use secrecy::{ExposeSecret, SecretString};

use crate::exit::{Code, Failure, Outcome};
use crate::team::Found;

#[derive(clap::Args)]
pub struct Args {
    /// The token's label (or platform/label) or id.
    pub token: String,
    /// Use a token past its expiry.
    #[arg(long)]
    pub allow_expired: bool,
}

pub fn run(args: Args) -> Outcome {
    let now = Utc::now();
    let mut vault = crate::context::open_index();
    let found = crate::team::resolve(&mut vault, &args.token)?;
    let record = found.record().clone();
    super::check_usable(&vault, &record, now, args.allow_expired)?;
    // `LATCHKEY_CLIPBOARD_CLEAR_SECS` (as the app reads it), else the app's setting.
    let secs = latchkey_core::tokens::clear_after(vault.settings().clipboard_clear_secs);
    let secret = match &found {
        Found::Local(_) => vault.secret(record.id, Use::Inspect, now)?,
        Found::Team(_, client) => client.usable_secret_blocking(record.id)?,
    };
    hand_to_helper(&secret, secs)?;
    if let Found::Local(_) = found {
        vault.record_use(record.id, Utc::now());
    }
    vault.log_uses(vec![found.used(Action::Copy)]);
    println!("Copied {} to the clipboard; it is cleared in {secs} s.", crate::resolve::qualified(&record));
    Ok(Code::Ok)
}

/// Start the detached helper, give it the secret, and wait until it holds the clipboard.
fn hand_to_helper(secret: &SecretString, secs: u32) -> Result<(), Failure> {
    let exe = std::env::current_exe().map_err(|e| Failure::error(format!("cannot find the latchkey binary ({e})")))?;
    let mut cmd = Command::new(exe);
    cmd.args([super::clipboard_hold::ARG, &secs.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .current_dir("/");
    detach(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| Failure::error(format!("could not start the clipboard helper ({e})")))?;
    {
        let mut stdin = child.stdin.take().expect("piped");
        stdin
            .write_all(secret.expose_secret().as_bytes())
            .map_err(|e| Failure::error(format!("could not hand the secret to the clipboard helper ({e})")))?;
    } // closed: the helper reads to the end
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped");
    let read = BufReader::new(stdout).read_line(&mut line);
    match (read, line.trim()) {
        (Ok(_), "ok") => Ok(()),
        (_, reply) => {
            // The helper failed before taking the clipboard; it has exited or will.
            let _ = child.wait_timeout_or_kill(Duration::from_secs(2));
            let why = reply.strip_prefix("error: ").unwrap_or("the clipboard helper stopped");
            Err(Failure::error(format!("The clipboard could not be used: {why}")))
        }
    }
}

/// The helper must outlive this process and the terminal: its own session, so neither a
/// Ctrl-C here nor the terminal closing (SIGHUP) reaches it.
#[cfg(unix)]
fn detach(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe and touches no memory of this process.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn detach(_cmd: &mut Command) {}

trait WaitTimeout {
    fn wait_timeout_or_kill(&mut self, limit: Duration) -> std::io::Result<()>;
}

impl WaitTimeout for std::process::Child {
    fn wait_timeout_or_kill(&mut self, limit: Duration) -> std::io::Result<()> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if self.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill()?;
        self.wait().map(|_| ())
    }
}
