//! Work that runs while nobody is calling: alerts, the leak scan and its schedule, the tray,
//! "validate all". Each depends on `state` (and `events`/`window`), never on `commands`.

pub mod alerts;
pub mod leak;
pub mod leak_schedule;
pub mod memory;
pub mod tray;
pub mod tray_menu;
pub mod validation;
