//! The commands the window may call, one module per domain; `list.rs` names each command
//! and its module. A command parses its arguments, calls core (vault work on the blocking
//! pool through `AppState::read`/`write`) and returns `Result<T, latchkey_core::Error>`,
//! which reaches the window as `{kind, message}`.

pub mod alerts;
pub mod bench;
pub mod leak;
pub mod platform;
pub mod settings;
pub mod team;
pub mod tokens;
pub mod window;

/// What a command answers; the error serialises as `{kind, message}`.
pub type Reply<T> = Result<T, latchkey_core::Error>;

macro_rules! commands {
    ($($module:ident: $($name:ident),+ $(,)?;)*) => {
        /// Every command of `list.rs`, as Tauri dispatches them.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($($module::$name),+),*]
        }

        /// The names of `list.rs`, as registered.
        #[cfg(test)]
        pub const NAMES: &[&str] = &[$($(stringify!($name)),+),*];
    };
}

include!("list.rs");
