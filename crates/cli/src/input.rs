//! Reading from the person or the pipe: secrets (hidden prompt on a terminal, else stdin —
//! never an argument, which would land in shell history) and yes/no questions.

use std::io::{BufRead, IsTerminal, Read, Write};

use secrecy::SecretString;
use zeroize::{Zeroize, Zeroizing};

use crate::exit::Failure;

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// One secret line: a hidden prompt when stdin is a terminal, else the first line of stdin.
pub fn secret_line(prompt: &str) -> Result<SecretString, Failure> {
    if stdin_is_terminal() {
        let mut s = rpassword::prompt_password(prompt)
            .map_err(|e| Failure::error(format!("could not read from the terminal ({e})")))?;
        let out = SecretString::from(s.trim().to_string());
        s.zeroize();
        return Ok(out);
    }
    let line = stdin_line("the secret")?;
    Ok(SecretString::from(line.trim().to_string()))
}

/// The first line of stdin, which must not be a terminal (`--password-stdin`), without its
/// line end: spaces can be part of a password.
pub fn secret_stdin_line(what: &str) -> Result<SecretString, Failure> {
    if stdin_is_terminal() {
        return Err(Failure::usage(format!("--password-stdin reads {what} from a pipe; leave it out to be asked.")));
    }
    let line = stdin_line(what)?;
    Ok(SecretString::from(line.trim_end_matches(['\n', '\r']).to_string()))
}

/// The first line of stdin as it came, line end included (zeroised when dropped).
fn stdin_line(what: &str) -> Result<Zeroizing<String>, Failure> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::error(format!("could not read {what} from stdin ({e})")))?;
    Ok(line)
}

/// All of stdin (a PEM key), never from a terminal.
pub fn secret_stdin_all(what: &str) -> Result<SecretString, Failure> {
    if stdin_is_terminal() {
        return Err(Failure::usage(format!("Pipe the {what} into latchkey, or name its file.")));
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Failure::error(format!("could not read the {what} from stdin ({e})")))?;
    let out = SecretString::from(s.clone());
    s.zeroize();
    Ok(out)
}

/// A visible answer typed at the terminal (a key id, which is not secret).
pub fn visible_line(prompt: &str) -> Result<String, Failure> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Failure::error(format!("could not read ({e})")))?;
    Ok(line.trim().to_string())
}

/// Ask a yes/no question on the terminal; anything but y/yes is no.
pub fn confirm(question: &str) -> Result<bool, Failure> {
    let answer = visible_line(&format!("{question} [y/N] "))?;
    Ok(matches!(answer.to_lowercase().as_str(), "y" | "yes"))
}
