import { describe, expect, it } from "vitest";
import { errorField, expiryNote, formTitle, metaUpdate, rotateBeforeNote, saveLabel, savedMessage, serverNote, serverUpFront } from "./formmodel";

const prefill = { replaces: "Old", platform: "cvat" as const, label: "New", tags: [] };

describe("form words", () => {
  it("titles and save buttons follow the mode", () => {
    expect(formTitle({ kind: "add" })).toBe("Add token");
    expect(formTitle({ kind: "add", prefill })).toBe("Add the replacement token");
    expect(formTitle({ kind: "edit", id: "a" }, "CI")).toBe("Edit “CI”");
    expect(formTitle({ kind: "replace", id: "a" }, "CI")).toBe("Replace secret of “CI”");
    expect(saveLabel({ kind: "edit", id: "a" })).toBe("Save changes");
    expect(saveLabel({ kind: "replace", id: "a" })).toBe("Replace secret");
    expect(saveLabel({ kind: "add", prefill })).toBe("Add the replacement token");
    // A guided rotation reuses the replace form under its own words.
    expect(formTitle({ kind: "replace", id: "a", rotate: true }, "CI")).toBe("Rotate “CI”");
    expect(saveLabel({ kind: "replace", id: "a", rotate: true })).toBe("Check and rotate");
  });

  it("server note and place", () => {
    expect(serverNote({ self_hosted: false, default_server: "https://app.cvat.ai" })).toBe("Leave as https://app.cvat.ai unless you use a private deployment.");
    expect(serverNote({ self_hosted: true, default_server: undefined })).toBe("The address of the service this token belongs to, if any.");
    expect(serverNote({ self_hosted: true, default_server: "https://x" })).toContain("self-hosted");
    const cvat = { self_hosted: false, default_server: "https://app.cvat.ai" };
    expect(serverUpFront(cvat, { kind: "add" }, null)).toBe(false);
    expect(serverUpFront(cvat, { kind: "edit", id: "a" }, "https://cvat.example.org")).toBe(true);
    expect(serverUpFront(cvat, { kind: "edit", id: "a" }, "https://app.cvat.ai")).toBe(false);
    expect(serverUpFront({ self_hosted: true, default_server: undefined }, { kind: "add" })).toBe(true);
  });

  it("expiry note", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(expiryNote("", "", now)).toEqual({ text: "No expiry: Latchkey will suggest rotating it after a while.", warn: false });
    expect(expiryNote("2020-01-01", "", now)?.warn).toBe(true);
    expect(expiryNote("2031-06-01", "", now)?.text).toMatch(/^Expires .*\(end of the day\), /);
    expect(expiryNote("2031-06-01", "12:00", now)?.text).not.toContain("end of the day");
  });

  it("meta from what was typed", () => {
    const m = metaUpdate({ label: "CI", server: "  ", expiresAt: undefined, owner: " me ", workspace: "", tags: "a, ,b ", notes: "n", check: undefined, stalePeriod: "" });
    expect(m).toEqual({ label: "CI", server_url: undefined, expires_at: undefined, owner: "me", workspace: undefined, tags: ["a", "b"], notes: "n", check: undefined, stale_period_days: undefined, rotate_before_days: undefined });
  });

  it("rotate before expiry: days as chosen, empty for off; the note says what happens on the day", () => {
    const typed = { label: "CI", server: "", expiresAt: undefined, owner: "", workspace: "", tags: "", notes: "", check: undefined, stalePeriod: "" };
    expect(metaUpdate({ ...typed, rotateBefore: "7" }).rotate_before_days).toBe(7);
    expect(metaUpdate({ ...typed, rotateBefore: "" }).rotate_before_days).toBe(undefined);
    expect(metaUpdate(typed).rotate_before_days).toBe(undefined);
    expect(rotateBeforeNote("Roboflow", true, true)).toMatch(/new key through Roboflow's API/);
    expect(rotateBeforeNote("CVAT", false, false)).toMatch(/website.*needs an expiry/);
    expect(errorField({ kind: "invalid_input", message: "x", field: "rotate_before" })).toBe("rotateBefore");
  });

  it("a CVAT server's inactivity period: days, empty for the default, anything else refused by the vault", () => {
    const typed = { label: "CI", server: "", expiresAt: undefined, owner: "", workspace: "", tags: "", notes: "", check: undefined };
    expect(metaUpdate({ ...typed, stalePeriod: " 365 " }).stale_period_days).toBe(365);
    expect(metaUpdate({ ...typed, stalePeriod: "" }).stale_period_days).toBe(undefined);
    expect(metaUpdate({ ...typed, stalePeriod: "1.5" }).stale_period_days).toBe(0);
    expect(errorField({ kind: "invalid_input", message: "x", field: "stale_period" })).toBe("stalePeriod");
  });

  it("which field an error is about", () => {
    expect(errorField({ kind: "duplicate_label", message: "x" })).toBe("label");
    expect(errorField({ kind: "keychain_error", message: "label" })).toBe(null);
    expect(errorField({ kind: "invalid_input", message: "x", field: "server_url" })).toBe("server");
    expect(errorField({ kind: "invalid_input", message: "x", field: "tags" })).toBe("tags");
    expect(errorField({ kind: "invalid_input", message: "x", field: "notes" })).toBe("notes");
    expect(errorField({ kind: "invalid_input", message: "x", field: "label" })).toBe("label");
    expect(errorField({ kind: "invalid_input", message: "x", field: "secret" })).toBe("secret");
    expect(errorField({ kind: "invalid_input", message: "x", field: "key_id" })).toBe("secret");
    expect(errorField({ kind: "invalid_input", message: "The label is empty" })).toBe(null);
    expect(errorField({ kind: "invalid_input", message: "x", field: "check_url" })).toBe(null);
  });

  it("saved messages", () => {
    expect(savedMessage("add", "CI")).toBe("Added “CI”.");
    expect(savedMessage("add", "CI", "Vision")).toBe("Added “CI” to the team vault “Vision”.");
    expect(savedMessage("edit", "CI", "Vision")).toBe("Saved “CI” in the team vault “Vision”.");
    expect(savedMessage("replace", "CI")).toBe("Replaced the secret of “CI”.");
    expect(savedMessage("replace", "CI", "Vision")).toBe("Replaced the secret of “CI” in the team vault.");
  });
});
