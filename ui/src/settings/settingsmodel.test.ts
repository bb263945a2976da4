import { describe, expect, it } from "vitest";
import type { Settings } from "../bindings/Settings";
import { ownPeriods, savedMessage, settingsErrorField, wholeNumber } from "./settingsmodel";

describe("settings rules", () => {
  it("names the platforms' own stale periods", () => {
    expect(ownPeriods([{ name: "CVAT" }, { name: "Roboflow" }] as never)).toBe(null);
    expect(ownPeriods([{ name: "CVAT", stale_after_days: 365 }, { name: "X", stale_after_days: 30 }])).toBe("CVAT uses its own 1-year period; X uses its own 30-day period");
  });
  it("reads whole numbers", () => {
    expect(wholeNumber(" 30 ")).toBe(30);
    expect(wholeNumber("0")).toBe(0);
    expect(wholeNumber("")).toBe(null);
    expect(wholeNumber("1.5")).toBe(null);
    expect(wholeNumber("-1")).toBe(null);
  });
  it("points Rust's message at a field", () => {
    expect(settingsErrorField("Clipboard seconds must be 1..3600", 30)).toBe("clipboard");
    expect(settingsErrorField("Expiring soon must be…", 30)).toBe("soon");
    expect(settingsErrorField("A lead time is too long", 30)).toBe("leadTimes");
    expect(settingsErrorField("Could not set start at login", 30)).toBe("startAtLogin");
    expect(settingsErrorField("The stale period must be 1..3650", 0)).toBe("stale");
    expect(settingsErrorField("The rotation period must exceed the stale period", 30)).toBe("rotate");
    expect(settingsErrorField("Something else", 30)).toBe(null);
  });
  it("says what changed that the window does not show", () => {
    const s = { start_at_login: false, keep_running_in_background: false } as Settings;
    expect(savedMessage(s, s)).toBe("Settings saved.");
    expect(savedMessage(s, { ...s, start_at_login: true })).toContain("when you log in");
    expect(savedMessage(s, { ...s, keep_running_in_background: true })).toContain("tray");
  });
});
