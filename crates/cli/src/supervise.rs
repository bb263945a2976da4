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
//!   on Linux: fewer, larger reads) and its stdin is ours. On Linux their contents are moved
//!   into pipes of our own with splice(2) and read from there ([`Spliced`]).
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
        pumps.push(pump_pipe(masker, File::from(OwnedFd::from(p)), out()));
    }
    if let Some(p) = child.stderr.take() {
        enlarge_pipe(p.as_raw_fd());
        pumps.push(pump_pipe(masker, File::from(OwnedFd::from(p)), err()));
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
fn pump(masker: &'static Masker, mut from: impl Read + Send + 'static, mut to: File) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let _ = masker.stream().copy(&mut from, &mut to);
    })
}

/// [`pump`] for the child's output pipe, read through [`Spliced`] where the system has it.
fn pump_pipe(masker: &'static Masker, from: File, to: File) -> std::thread::JoinHandle<()> {
    #[cfg(target_os = "linux")]
    let from = match Spliced::new(from) {
        Ok(spliced) => return pump(masker, spliced, to),
        Err(from) => from,
    };
    pump(masker, from, to)
}

/// Reads a pipe by first moving what is in it into a pipe of our own (`splice(2)`: the kernel
/// hands over its pages, nothing is copied) and reading from there. The child's pipe is locked
/// for a moment only; a plain `read` copies the bytes out while holding it, and the child's
/// writes wait. Measured on a 1 GiB stream: ~10 % faster than cat as the filter, where reading
/// the child's pipe directly was on par with it (bench/RESULTS.md, masking). If `splice` is
/// refused (not something it can read, or not allowed), plain reads.
#[cfg(target_os = "linux")]
struct Spliced {
    from: File,
    ours_r: File,
    ours_w: OwnedFd,
    /// Bytes moved into our pipe and not read yet.
    pending: usize,
    /// `splice` was refused: read `from` directly.
    plain: bool,
}

#[cfg(target_os = "linux")]
impl Spliced {
    /// For reading `from`; `from` back if no pipe of our own can be had.
    fn new(from: File) -> Result<Spliced, File> {
        let Ok((r, w)) = std::io::pipe() else { return Err(from) };
        enlarge_pipe(w.as_raw_fd());
        Ok(Spliced { from, ours_r: File::from(OwnedFd::from(r)), ours_w: w.into(), pending: 0, plain: false })
    }
}

#[cfg(target_os = "linux")]
impl Read for Spliced {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.plain {
            return self.from.read(buf);
        }
        if self.pending == 0 {
            // SAFETY: splice(2) between two descriptors we hold, no offsets.
            let n = unsafe {
                libc::splice(
                    self.from.as_raw_fd(),
                    std::ptr::null_mut(),
                    self.ours_w.as_raw_fd(),
                    std::ptr::null_mut(),
                    buf.len(),
                    0,
                )
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                // Not something splice can read, or splice not allowed here (a seccomp filter):
                // nothing was moved, so plain reads go on from here.
                if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EPERM)) {
                    self.plain = true;
                    return self.read(buf);
                }
                return Err(e);
            }
            if n == 0 {
                return Ok(0);
            }
            self.pending = n as usize;
        }
        let want = self.pending.min(buf.len());
        let n = self.ours_r.read(&mut buf[..want])?;
        self.pending -= n;
        Ok(n)
    }
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::fd::FromRawFd;

    fn read_all(s: &mut Spliced, buf_len: usize) -> Vec<u8> {
        let (mut got, mut buf) = (vec![], vec![0; buf_len]);
        loop {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                return got;
            }
            got.extend_from_slice(&buf[..n]);
        }
    }

    /// Whatever the sizes of the writes into the pipe and of our reads, the bytes come out of
    /// [`Spliced`] as they went in, and through `splice`.
    #[test]
    fn a_pipe_read_through_our_own_comes_out_exactly() {
        for (len, chunk, buf_len) in
            [(100_000, 1, 7), (3_000_000, 4096, 4096), (3_000_000, 100_000, 1 << 18), (3_000_000, 1 << 20, 13)]
        {
            let data: Vec<u8> = (0..len as u32).map(|i| (i.wrapping_mul(7) % 251) as u8).collect();
            let (r, mut w) = std::io::pipe().unwrap();
            let sent = data.clone();
            let writer = std::thread::spawn(move || {
                for c in sent.chunks(chunk) {
                    w.write_all(c).unwrap();
                }
            });
            let mut s = Spliced::new(File::from(OwnedFd::from(r))).unwrap();
            let got = read_all(&mut s, buf_len);
            writer.join().unwrap();
            assert!(got == data, "{len} bytes in writes of {chunk}, reads of {buf_len}: differ");
            assert!(!s.plain, "a pipe is spliced, not read");
        }
    }

    /// What `splice` refuses (here a timerfd: it has `read` but nothing `splice` can use) is
    /// read as it is.
    #[test]
    fn what_splice_refuses_is_read_plainly() {
        // SAFETY: a timerfd set to expire at once; its read gives the count of expiries (8 bytes).
        let fd = unsafe {
            let fd = libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_CLOEXEC);
            assert!(fd >= 0);
            let at = libc::itimerspec {
                it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
                it_value: libc::timespec { tv_sec: 0, tv_nsec: 1 },
            };
            assert_eq!(libc::timerfd_settime(fd, 0, &at, std::ptr::null_mut()), 0);
            OwnedFd::from_raw_fd(fd)
        };
        let mut s = Spliced::new(File::from(fd)).unwrap();
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).unwrap();
        assert!(s.plain, "splice from a timerfd was not refused");
        assert_eq!(n, 8);
        assert_eq!(u64::from_ne_bytes(buf[..8].try_into().unwrap()), 1);
    }
}
