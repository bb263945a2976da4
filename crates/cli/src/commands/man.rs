//! `latchkey man`: the man page generated from the clap definition — `latchkey.1` on stdout,
//! or with `--dir DIR` one page per command (`latchkey.1`, `latchkey-list.1`, …).

use std::path::PathBuf;

use crate::exit::{Code, Failure, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// Write latchkey.1 and one latchkey-<command>.1 per command into this folder.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    let cmd = crate::cli::command();
    let failed = |e: std::io::Error| Failure::error(format!("could not write the man page ({e})"));
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(failed)?;
            clap_mangen::generate_to(cmd, &dir).map_err(failed)?;
            eprintln!("Man pages written to {}", dir.display());
        }
        None => {
            let mut page = vec![];
            clap_mangen::Man::new(cmd).render(&mut page).map_err(failed)?;
            crate::output::write_stdout(&page)?;
        }
    }
    Ok(Code::Ok)
}
