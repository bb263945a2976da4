//! `latchkey run` with masking (Unix): the command runs as a child whose stdout and stderr
//! come back through Latchkey, masked (see `mask.rs`), before they reach the terminal.
//!
//! - Where our stdout or stderr is a terminal, the child gets a pseudo-terminal instead (the
//!   pty's slave as its stdout/stderr, and stdin when ours is a terminal too), so it still
//!   sees a TTY: colours, line buffering, progress bars and interactive programs keep
//!   working. The pty gets the terminal's window size, and a SIGWINCH passes the new size on.
//!   Our terminal is put into raw mode while the child runs (restored after) and the keys go
//!   through to the pty, whose line discipline turns Ctrl-C into the child's SIGINT. The
//!   child leads its own session with the pty as its controlling terminal, as under script(1).
//! - Otherwise (output into a file or a pipe) the child's stdout and stderr are pipes (1 MiB
//!   on Linux: fewer, larger reads) and its stdin is ours.
//! - SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to `latchkey` are passed to the child. A SIGINT
//!   the terminal itself sent (Ctrl-C without a pty) already reached the child, which is in
//!   our process group: it is not sent twice.
//! - The exit code is the child's, or 128 + the signal that killed it, as shells report it.

use std::ffi::OsString;
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGWINCH};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;
use signal_hook::low_level::siginfo::Cause;

use crate::mask::Masker;

/// Runs `cmd` with its output masked and exits with its exit code. `started` runs once the
/// command has started, while its output already flows.
pub fn run(mut cmd: Command, program: &OsString, masker: Masker, started: impl FnOnce()) -> ! {
    let out_tty = std::io::stdout().is_terminal();
    let err_tty = std::io::stderr().is_terminal();
    let in_tty = std::io::stdin().is_terminal();
    let pty = if out_tty || err_tty { open_pty(if out_tty { 1 } else { 2 }) } else { None };
    let mut raw = None;
    if let Some(p) = &pty {
        let slave = || Stdio::from(p.slave.try_clone().expect("duplicating the pty"));
        cmd.stdout(if out_tty { slave() } else { Stdio::piped() });
        cmd.stderr(if err_tty { slave() } else { Stdio::piped() });
        if in_tty {
            cmd.stdin(slave());
        }
        let ctty: RawFd = if out_tty { 1 } else { 2 };
        // SAFETY: only async-signal-safe calls (setsid, ioctl) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() < 0 || libc::ioctl(ctty, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    } else {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    // Registered before the child starts: a signal in between is not lost (nor kills us).
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH])
        .expect("registering signal handlers");
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => crate::commands::run::cannot_start(program, e),
    };
    // Our copies of the slave must go, or the master never reports the end.
    drop(cmd);
    let pid = child.id() as libc::pid_t;
    let master = pty.map(|p| {
        drop(p.slave);
        p.master
    });
    if let (Some(m), true) = (&master, in_tty) {
        raw = raw_mode();
        let mut to_child = File::from(m.try_clone().expect("duplicating the pty"));
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut stdin = std::io::stdin().lock();
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 || to_child.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
    }
    let winch_to = master.as_ref().map(|m| m.as_raw_fd());
    let own_session = master.is_some();
    std::thread::spawn(move || {
        for info in signals.forever() {
            if info.signal == SIGWINCH {
                if let Some(fd) = winch_to {
                    copy_window_size(if out_tty { 1 } else { 2 }, fd);
                }
                continue;
            }
            // A Ctrl-C from the terminal already reached a child in our process group.
            if !own_session && info.cause == Cause::Kernel {
                continue;
            }
            // SAFETY: kill(2) on the child's pid; it is not reaped before we stop forwarding.
            unsafe { libc::kill(pid, info.signal) };
        }
    });

    let masker: &'static Masker = Box::leak(Box::new(masker));
    let mut pumps = vec![];
    let out = || File::from(std::io::stdout().as_fd().try_clone_to_owned().expect("duplicating stdout"));
    let err = || File::from(std::io::stderr().as_fd().try_clone_to_owned().expect("duplicating stderr"));
    if let Some(m) = master {
        let target = if out_tty { out() } else { err() };
        pumps.push(pump(masker, File::from(m), target));
    }
    if let Some(p) = child.stdout.take() {
        enlarge_pipe(p.as_raw_fd());
        pumps.push(pump(masker, File::from(OwnedFd::from(p)), out()));
    }
    if let Some(p) = child.stderr.take() {
        enlarge_pipe(p.as_raw_fd());
        pumps.push(pump(masker, File::from(OwnedFd::from(p)), err()));
    }
    started();
    let status = loop {
        match child.wait() {
            Ok(s) => break s,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                restore(raw);
                eprintln!("latchkey: lost the command ({e})");
                std::process::exit(1)
            }
        }
    };
    for p in pumps {
        let _ = p.join();
    }
    restore(raw);
    std::process::exit(status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

/// Copies `from` to `to` masked, in a thread. A failed write (the reader of our output went
/// away) ends it, which closes `from`: the child then gets SIGPIPE as it would without us.
fn pump(masker: &'static Masker, mut from: File, mut to: File) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let _ = masker.stream().copy(&mut from, &mut to);
    })
}

struct Pty {
    master: OwnedFd,
    slave: OwnedFd,
}

/// A pseudo-terminal the size of the terminal on `like`. `None` if none can be had (then
/// pipes are used).
fn open_pty(like: RawFd) -> Option<Pty> {
    let size = window_size(like);
    let p = nix::pty::openpty(size.as_ref(), None).ok()?;
    for fd in [&p.master, &p.slave] {
        // SAFETY: fcntl on a descriptor we own.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    Some(Pty { master: p.master, slave: p.slave })
}

fn window_size(fd: RawFd) -> Option<libc::winsize> {
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize.
    (unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0).then_some(ws)
}

fn copy_window_size(from: RawFd, to: RawFd) {
    if let Some(ws) = window_size(from) {
        // SAFETY: TIOCSWINSZ reads one winsize; the kernel signals the pty's foreground group.
        unsafe { libc::ioctl(to, libc::TIOCSWINSZ, &ws) };
    }
}

/// Our terminal in raw mode (keys go to the pty as they are typed); the old settings.
fn raw_mode() -> Option<nix::sys::termios::Termios> {
    use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};
    let stdin = std::io::stdin();
    let old = tcgetattr(stdin.as_fd()).ok()?;
    let mut raw = old.clone();
    cfmakeraw(&mut raw);
    tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw).ok()?;
    Some(old)
}

fn restore(old: Option<nix::sys::termios::Termios>) {
    if let Some(old) = old {
        let _ = nix::sys::termios::tcsetattr(std::io::stdin().as_fd(), nix::sys::termios::SetArg::TCSADRAIN, &old);
    }
}

/// Larger pipe buffers: fewer reads and context switches for a command with much output.
#[cfg(target_os = "linux")]
fn enlarge_pipe(fd: RawFd) {
    // SAFETY: fcntl on a pipe we own; failure (a lower limit) leaves it as it was.
    unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, 1 << 20) };
}

#[cfg(not(target_os = "linux"))]
fn enlarge_pipe(_fd: RawFd) {}
