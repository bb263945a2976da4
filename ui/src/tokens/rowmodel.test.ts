import { describe, expect, it } from "vitest";
import { partKey, rowModel, type RowContext } from "./rowmodel";
import { testToken } from "./testtokens";

const now = Date.parse("2026-06-01T00:00:00Z");
const ctx: RowContext = { selectedId: null, platformName: "CVAT", copied: false, pending: false, viewNowMs: now, nowMs: now };

describe("rowModel", () => {
  it("a plain token", () => {
    const m = rowModel(testToken("CI", { tags: ["a", "b", "c", "d", "e"], identity: { owner: "me", workspace: "lab", scopes: [] } }), ctx);
    expect(m).toMatchObject({ id: "CI", selected: false, revoked: false, state: "no_expiry_set", owner: "me / lab", hint: "••••abcd", team: null, teamId: null });
    expect(m.tags).toEqual(["a", "b", "c"]);
    expect(m.moreTags).toEqual(["d", "e"]);
    expect(m.countdown).toEqual({ text: "no expiry set" });
    expect(m.ariaLabel).toBe("CI, CVAT, No expiry, not checked yet");
    expect(m.pill).toEqual({ label: "No expiry", tone: "neutral", title: "No expiry" });
  });
  it("selected, expiring, stale, rotation, team, pending", () => {
    const t = { ...testToken("CI", { expires_at: "2026-07-01T00:00:00Z" }, { stale_for_secs: 3600, rotation_due: true }), team: { vault_id: "v1", vault_name: "Vision", version: 1, updated_at: "" } };
    const m = rowModel(t, { ...ctx, selectedId: "CI", pending: true, copied: true });
    expect(m.selected).toBe(true);
    expect(m.countdown).toEqual({ expMs: Date.parse("2026-07-01T00:00:00Z") });
    expect(m.staleSinceMs).toBe(now - 3600 * 1000);
    expect(m.rotationDue).toBe(true);
    expect(m.teamId).toBe("v1");
    expect(m.ariaLabel).toBe("CI, CVAT, team vault Vision, No expiry, not checked yet");
    expect(m.mark).toEqual({ pending: true, sentence: "Checking with the platform…" });
    expect(m.copied).toBe(true);
  });
  it("a rotation that stopped half way marks the row until it is finished or undone", () => {
    const pending = { step: "rotating" as const, stage: "swapped" as const, hint: "…9940", public: {} };
    const stopped = rowModel(testToken("CI", { pending }), ctx);
    expect(stopped.rotationStopped).toBe(true);
    const done = rowModel(testToken("CI"), ctx);
    expect(done.rotationStopped).toBe(false);
    // The row part is rebuilt when it goes.
    expect(partKey(done, "rotationStopped")).not.toBe(partKey(stopped, "rotationStopped"));
  });
  it("a stale token says whose word that is", () => {
    const local = rowModel(testToken("CI", {}, { stale_for_secs: 100 * 86_400 }), ctx);
    expect(local.staleSource).toBe("as far as Latchkey knows");
    expect(local.staleBy).toBe(null);
    const cvat = rowModel(testToken("CI", {}, { stale_for_secs: 400 * 86_400, unused_source: "platform_last_use" }), ctx);
    expect(cvat.staleSinceMs).toBe(now - 400 * 86_400 * 1000);
    expect(cvat.staleSource).toBe("according to CVAT");
    expect(cvat.staleBy).toBe("CVAT");
    // Never used on the platform since its creation there: still the platform's word.
    expect(rowModel(testToken("CI", {}, { stale_for_secs: 1, unused_source: "platform_created" }), ctx).staleSource).toBe("according to CVAT");
    expect(partKey(cvat, "staleSource")).not.toBe(partKey(local, "staleSource"));
  });
  it("a revoked token shows no stale, rotation or check word", () => {
    const t = testToken("CI", { revoked: { at: "2026-05-31T22:00:00Z", reason: "x" } }, { stale_for_secs: 10, rotation_due: true, health: { state: "revoked" } });
    const m = rowModel(t, { ...ctx, viewNowMs: now });
    expect(m.staleSinceMs).toBe(null);
    expect(m.rotationDue).toBe(false);
    expect(m.countdown).toEqual({ text: "revoked 2 h ago" });
    expect(m.ariaLabel).toBe("CI, CVAT, Revoked");
  });
  it("a snoozed token says so", () => {
    const m = rowModel(testToken("CI", { snoozed_until: "2026-06-02T00:00:00Z" }), ctx);
    expect(m.snoozed).toMatch(/^Alerts snoozed until /);
    expect(m.ariaLabel).toMatch(/, alerts snoozed$/);
  });
  it("part keys change only with their data", () => {
    const a = rowModel(testToken("CI"), ctx);
    const b = rowModel(testToken("CI"), { ...ctx, selectedId: "CI" });
    expect(partKey(a, "label", "hint")).toBe(partKey(b, "label", "hint"));
    expect(partKey(a, "selected")).not.toBe(partKey(b, "selected"));
  });
});
