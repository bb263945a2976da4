// The settings dialog's rules, without the DOM: notes, reading whole numbers, which field
// an error from Rust is about, and the message after saving.

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

/** The field Rust's message is about; "stale" messages name the stale or the rotation period. */
export function settingsErrorField(message: string, staleDays: number): SettingsField | null {
  const m = message.toLowerCase();
  if (m.includes("clipboard")) return "clipboard";
  if (m.includes("expiring soon")) return "soon";
  if (m.includes("lead time")) return "leadTimes";
  if (m.includes("start at login")) return "startAtLogin";
  if (m.includes("stale")) return staleDays < 1 || staleDays > 3650 ? "stale" : "rotate";
  return null;
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
