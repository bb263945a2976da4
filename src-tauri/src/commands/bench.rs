//! The one command that exists for the benchmarks, and the marks Rust itself sets.

/// `make bench` times the start-up: the UI reports the points worth timing ("list-ready" when
/// the token list with its data is in the DOM, "first-paint" in the next frame, and the steps
/// before), and this appends `<what> <unix ms>` to the file named by `LATCHKEY_BENCH_MARK`.
/// Without that variable it does nothing.
#[tauri::command]
pub fn bench_mark(what: String) {
    mark(&what);
}

/// Append a start-up mark (see [`bench_mark`]); Rust marks its own steps ("main", "setup",
/// "window-created", "page-load-started", …) so `bench-desktop` can say where the time goes.
pub fn mark(what: &str) {
    let Some(path) = std::env::var_os("LATCHKEY_BENCH_MARK") else { return };
    let what: String = what.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect();
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path);
    if let Ok(mut f) = file {
        let _ = std::io::Write::write_all(&mut f, format!("{what} {ms}\n").as_bytes());
    }
}
