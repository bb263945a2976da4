//! `latchkey scan`: the app's leak watch from the terminal — not available yet (the leak
//! scanner is being built in core). Exits 1 so scripts do not mistake it for a clean scan.

use crate::exit::{Failure, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// Folders or files to scan (for when it is available).
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_args: Args) -> Outcome {
    Err(Failure::error("scan is not available yet: the leak watch is still being built. Nothing was scanned."))
}
