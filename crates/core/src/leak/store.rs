//! The last scan's report, kept in `leak-scan.json` in the data folder until the next scan.
//! It holds no secret (findings carry masked excerpts only). Written like the index:
//! temporary file in the same folder, owner-only, fsync, rename.

use std::io::Write;
use std::path::Path;

use super::LeakReport;
use crate::error::{Error, Result};

pub const REPORT_FILE: &str = "leak-scan.json";

/// Replace the stored report with `report`.
pub fn save(dir: &Path, report: &LeakReport) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating the data folder", dir, e))?;
    let json = serde_json::to_vec_pretty(report).map_err(|e| Error::Internal(format!("leak report: {e}")))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".leak-scan.json.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io("creating a temporary file", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    tmp.write_all(&json).map_err(|e| Error::io("writing the leak scan report", tmp.path().to_path_buf(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io("flushing the leak scan report", tmp.path().to_path_buf(), e))?;
    let path = dir.join(REPORT_FILE);
    tmp.persist(&path).map_err(|e| Error::io("replacing the leak scan report", &path, e.error))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The stored report; `None` when there is none or it cannot be read (a new scan replaces it).
pub fn load(dir: &Path) -> Option<LeakReport> {
    let bytes = std::fs::read(dir.join(REPORT_FILE)).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(error = %e, "the last leak scan report could not be read; ignored");
            None
        }
    }
}
