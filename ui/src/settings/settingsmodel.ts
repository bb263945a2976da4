// The settings dialog's rules, without the DOM: notes, reading whole numbers, which field
// an error from Rust is about, and the message after saving.

import type { Field } from "../bindings/Field";
import type { PlatformInfo } from "../bindings/PlatformInfo";
import type { Settings } from "../bindings/Settings";

/** "CVAT uses its own 1-year period" from the platforms that document one. */
export function ownPeriods(platforms: Pick<PlatformInfo, "name" | "stale_after_days">[]): string | null {
  const own = platforms.filter((p) => p.stale_after_days);
  if (own.length === 0) return null;
  const period = (days: number) => (days % 365 === 0 ? `${days / 365}-year` : `${days}-day`);
  return own.map((p) => `${p.name} uses its own ${period(p.stale_after_days!)} period`).join("; ");
}

/** A whole number ≥ 0 as typed, or null. */
export function wholeNumber(text: string): number | null {
  const n = Number(text.trim());
  return text.trim() === "" || !Number.isInteger(n) || n < 0 ? null : n;
}

export type SettingsField = "clipboard" | "soon" | "stale" | "rotate" | "leadTimes" | "startAtLogin";

const SETTINGS_FIELDS: Partial<Record<Field, SettingsField>> = {
  clipboard_clear_secs: "clipboard",
  expiring_soon_days: "soon",
  stale_days: "stale",
  rotate_after_days: "rotate",
  lead_times: "leadTimes",
  start_at_login: "startAtLogin",
};

/** The input an error from Rust is about (Rust names the field). */
export function settingsErrorField(field: Field | undefined): SettingsField | null {
  return (field && SETTINGS_FIELDS[field]) ?? null;
}

/** "Settings saved.", plus what changed that the user cannot see in the window. */
export function savedMessage(before: Settings, after: Settings): string {
  if (after.start_at_login !== before.start_at_login) {
    return after.start_at_login ? "Settings saved. Latchkey will start in the background when you log in." : "Settings saved. Latchkey no longer starts when you log in.";
  }
  if (after.keep_running_in_background !== before.keep_running_in_background) {
    return after.keep_running_in_background
      ? "Settings saved. Closing the window keeps Latchkey running in the tray."
      : "Settings saved. Closing the window now quits Latchkey.";
  }
  return "Settings saved.";
}
