//! A secret store that keeps one file per entry in a folder: for tests whose processes are
//! killed, where the secrets must outlive the process as the keychain's would. Test-only; the
//! app and the command line use the OS keychain and nothing else.

use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;

use latchkey_core::error::Result;
use latchkey_core::secret_store::SecretStore;
use latchkey_core::Error;
use secrecy::{ExposeSecret, SecretString};

pub struct DirStore {
    dir: PathBuf,
}

impl DirStore {
    pub fn new(dir: PathBuf) -> Self {
        fs::create_dir_all(&dir).unwrap();
        DirStore { dir }
    }

    /// The stored secret of `account`, read directly (for assertions).
    #[allow(dead_code)] // not every test file that includes this module asserts on secrets
    pub fn read(&self, account: &str) -> Option<String> {
        fs::read_to_string(self.dir.join(account)).ok()
    }
}

fn down(e: std::io::Error) -> Error {
    Error::KeychainUnavailable { detail: format!("test store: {e}") }
}

impl SecretStore for DirStore {
    fn put(&self, account: &str, secret: &SecretString) -> Result<()> {
        // Write and rename, so a kill leaves the old secret or the new one, as a keychain would.
        let tmp = self.dir.join(format!(".{account}.{}.tmp", std::process::id()));
        fs::write(&tmp, secret.expose_secret()).map_err(down)?;
        fs::rename(&tmp, self.dir.join(account)).map_err(down)
    }
    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        match fs::read_to_string(self.dir.join(account)) {
            Ok(s) => Ok(Some(SecretString::from(s))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(down(e)),
        }
    }
    fn delete(&self, account: &str) -> Result<()> {
        match fs::remove_file(self.dir.join(account)) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(down(e)),
            _ => Ok(()),
        }
    }
    fn probe(&self) -> Result<()> {
        Ok(())
    }
    fn describe(&self) -> String {
        "a test folder store".into()
    }
}
