//! Logs go to stderr and to `latchkey.log` in the data folder. No secret ever reaches a log
//! line: core's secret types redact themselves and commands log ids, never values.

use std::fs::{self, OpenOptions};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::EnvFilter;

pub const LOG_FILE: &str = "latchkey.log";
const ROTATE_AT: u64 = 5 * 1024 * 1024;

pub fn init(data_dir: &Path) {
    let filter = EnvFilter::try_from_env("LATCHKEY_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file = fs::create_dir_all(data_dir).ok().and_then(|_| {
        let path = data_dir.join(LOG_FILE);
        if fs::metadata(&path).map(|m| m.len() > ROTATE_AT).unwrap_or(false) {
            let _ = fs::rename(&path, data_dir.join(format!("{LOG_FILE}.1")));
        }
        OpenOptions::new().create(true).append(true).open(path).ok()
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_target(false);
    match file {
        Some(f) => builder.with_writer(std::io::stderr.and(Mutex::new(f))).init(),
        None => builder.with_writer(std::io::stderr).init(),
    }
}
