//! The help the packages ship must be true, and README must say what the binary does: every
//! command (and sub-command) `latchkey --help` lists, with its one-line help, is a row of
//! README.md's command table (between `<!-- commands:begin -->` and `<!-- commands:end -->`),
//! in the same order, word for word — and no one-line help still says a command is missing.
//!
//! A failure says exactly which row to add, change or remove, and prints the whole table as the
//! binary has it, ready to paste.

use std::path::Path;
use std::process::{Command, Stdio};

const BEGIN: &str = "<!-- commands:begin -->";
const END: &str = "<!-- commands:end -->";

/// `latchkey <path…> --help`, unwrapped: with no terminal, clap (wrap_help) takes the width
/// from COLUMNS, so each command's help is one line.
fn help(path: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args(path)
        .arg("--help")
        .env("COLUMNS", "10000")
        .env_remove("LINES")
        .stdin(Stdio::null())
        .output()
        .expect("run latchkey --help");
    let text = String::from_utf8(out.stdout).expect("help is UTF-8");
    assert!(
        out.status.success(),
        "`latchkey {} --help` failed ({}):\n{text}{}",
        path.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Every command and sub-command the binary lists, depth first in its own order, as
/// (`list` / `team add`, one-line help). `help` itself is left out.
fn binary_commands(path: &[String]) -> Vec<(String, String)> {
    let text = help(path);
    let mut out = vec![];
    let mut in_commands = false;
    for line in text.lines() {
        if line == "Commands:" {
            in_commands = true;
            continue;
        }
        if !in_commands {
            continue;
        }
        if !line.starts_with("  ") || line.trim().is_empty() {
            break;
        }
        let line = line.trim();
        let (name, about) = line.split_once(char::is_whitespace).map(|(n, a)| (n, a.trim())).unwrap_or((line, ""));
        if name == "help" {
            continue;
        }
        let mut sub = path.to_vec();
        sub.push(name.to_string());
        out.push((sub.join(" "), about.to_string()));
        out.extend(binary_commands(&sub));
    }
    out
}

/// README's rows: | `latchkey <command>` | what it does |
fn readme_commands() -> Vec<(String, String)> {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let text = std::fs::read_to_string(&readme).unwrap_or_else(|e| panic!("read {}: {e}", readme.display()));
    let start = text.find(BEGIN).unwrap_or_else(|| panic!("README.md has no {BEGIN} marker"));
    let end = text.find(END).unwrap_or_else(|| panic!("README.md has no {END} marker"));
    assert!(start < end, "README.md: {BEGIN} must come before {END}");
    let mut rows = vec![];
    for line in text[start + BEGIN.len()..end].lines().map(str::trim).filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 2, "README.md's command table: a row has two cells: {line}");
        if cells[0] == "command" || cells[0].chars().all(|c| c == '-' || c == ':') {
            continue;
        }
        let name = cells[0].trim_matches('`');
        let name = name.strip_prefix("latchkey ").unwrap_or_else(|| {
            panic!("README.md's command table: the first cell is `latchkey <command>` in backticks: {line}")
        });
        rows.push((name.to_string(), cells[1].to_string()));
    }
    rows
}

fn row((name, about): &(String, String)) -> String {
    format!("| `latchkey {name}` | {about} |")
}

#[test]
fn readme_command_table_matches_what_the_binary_lists() {
    let binary = binary_commands(&[]);
    assert!(binary.len() >= 10, "latchkey --help lists too few commands: {binary:?}");
    let readme = readme_commands();

    let mut fixes = vec![];
    for (i, cmd) in binary.iter().enumerate() {
        match readme.iter().find(|(n, _)| *n == cmd.0) {
            None => {
                let place = match i {
                    0 => "as the first row".to_string(),
                    _ => format!("after the row for `latchkey {}`", binary[i - 1].0),
                };
                fixes.push(format!("add the row {} {place}", row(cmd)));
            }
            Some(r) if r.1 != cmd.1 => {
                fixes.push(format!("change the row for `latchkey {}` to {} (README says: {:?})", cmd.0, row(cmd), r.1))
            }
            Some(_) => {}
        }
    }
    for r in &readme {
        if !binary.iter().any(|(n, _)| *n == r.0) {
            fixes.push(format!("remove the row for `latchkey {}`: `latchkey --help` has no such command", r.0));
        }
    }
    if fixes.is_empty() && readme != binary {
        fixes.push("put the rows in the order `latchkey --help` lists the commands".into());
    }
    let table: Vec<String> = binary.iter().map(row).collect();
    assert!(
        fixes.is_empty(),
        "README.md's command table does not match the binary. In README.md:\n  - {}\n\n\
         The table as the binary has it (one-line help from crates/cli/src/cli.rs and each \
         command's doc comment):\n{BEGIN}\n| command | what it does |\n|---|---|\n{}\n{END}\n",
        fixes.join("\n  - "),
        table.join("\n")
    );
}

#[test]
fn no_command_says_it_is_not_there_yet() {
    for (name, about) in binary_commands(&[]) {
        let lower = about.to_lowercase();
        for stale in ["not available", "not yet", "placeholder", "coming soon", "todo"] {
            assert!(!lower.contains(stale), "`latchkey {name}`'s one-line help says {stale:?}: {about}");
        }
        assert!(!about.is_empty(), "`latchkey {name}` has no one-line help");
    }
}
