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
    expect(settingsErrorField("clipboard_clear_secs")).toBe("clipboard");
    expect(settingsErrorField("expiring_soon_days")).toBe("soon");
    expect(settingsErrorField("lead_times")).toBe("leadTimes");
    expect(settingsErrorField("start_at_login")).toBe("startAtLogin");
    expect(settingsErrorField("stale_days")).toBe("stale");
    expect(settingsErrorField("rotate_after_days")).toBe("rotate");
    expect(settingsErrorField("label")).toBe(null);
    expect(settingsErrorField(undefined)).toBe(null);
  });
  it("says what changed that the window does not show", () => {
    const s = { start_at_login: false, keep_running_in_background: false } as Settings;
    expect(savedMessage(s, s)).toBe("Settings saved.");
    expect(savedMessage(s, { ...s, start_at_login: true })).toContain("when you log in");
    expect(savedMessage(s, { ...s, keep_running_in_background: true })).toContain("tray");
  });
});
