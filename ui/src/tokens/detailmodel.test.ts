import { describe, expect, it } from "vitest";
import type { ListToken } from "../team/teammodel";
import { actionWords, detailWarnings, metaRows } from "./detailmodel";
import { testToken } from "./testtokens";

const team = { vault_id: "v1", vault_name: "Vision", version: 2, updated_at: "2026-01-01T00:00:00Z" };

describe("detail warnings", () => {
  it("a fresh token has none", () => {
    expect(detailWarnings(testToken("a"), 90, true)).toEqual([]);
  });
  it("stale and rotation due, in order", () => {
    const t = testToken("a", {}, { stale_for_secs: 100, rotation_due: true });
    expect(detailWarnings(t, 90, true).map((w) => w.kind)).toEqual(["stale", "rotation"]);
    expect(detailWarnings(t, 90, true)[0]).toEqual({ kind: "stale", platformSaid: false });
    expect(detailWarnings(t, 90, false).map((w) => w.kind)).toEqual(["rotation"]);
    expect(detailWarnings(t, 90, true)[1]).toMatchObject({ text: expect.stringContaining("older than 90 days") });
  });
  it("stale on the platform's word", () => {
    const t = testToken("a", {}, { stale_for_secs: 100, unused_source: "platform_last_use" });
    expect(detailWarnings(t, 90, true)).toEqual([{ kind: "stale", platformSaid: true }]);
  });
  it("a revoked token: no stale or rotation, where its secret was", () => {
    const revoked = { at: "2026-02-01T00:00:00Z", reason: "leaked" };
    const t = testToken("a", { revoked }, { stale_for_secs: 100, rotation_due: true });
    expect(detailWarnings(t, 90, true)).toEqual([{ kind: "revoked", why: ": leaked", where: "the keychain" }]);
    const plain: ListToken = { ...testToken("b", { revoked: { ...revoked, reason: "Revoked" } }), team };
    expect(detailWarnings(plain, 90, true)).toEqual([{ kind: "revoked", why: ".", where: "the team vault" }]);
  });
  it("expired wins over revoked", () => {
    const t = testToken("a", { revoked: { at: "2026-02-01T00:00:00Z", reason: "x" } }, { health: { state: "expired", age_secs: 0 } as never });
    expect(detailWarnings(t, 90, true).map((w) => w.kind)).toEqual(["expired"]);
  });
});

describe("detail rows", () => {
  it("a plain token", () => {
    expect(metaRows(testToken("a"), false, false)).toEqual(["platform", "credential", "server", "hint", "expires", "alerts", "created", "lastUsed", "rotated"]);
  });
  it("team, identity, public part, ssh key and tags", () => {
    const t: ListToken = {
      ...testToken("a", { kind: "ssh_key", identity: { owner: "me", workspace: "w", scopes: [] }, public: { key_id: "k" }, tags: ["x"] }),
      team,
    };
    expect(metaRows(t, false, true)).toEqual(["team", "platform", "credential", "server", "owner", "workspace", "hint", "public", "publicKey", "expires", "alerts", "created", "lastUsed", "rotated", "tags"]);
    expect(metaRows(t, true, true)).not.toContain("owner");
  });
  it("what the platform reported follows Latchkey's own last use; the drop date while not revoked", () => {
    const facts = { platform_created_at: "2025-01-01T00:00:00Z", platform_last_used_at: "2025-02-01T00:00:00Z" };
    const t = testToken("a", facts, { drop_at: "2025-07-31T00:00:00Z" });
    expect(metaRows(t, false, false)).toEqual(["platform", "credential", "server", "hint", "expires", "alerts", "created", "lastUsed", "platformCreated", "platformLastUsed", "dropAt", "rotated"]);
    const revoked = testToken("a", { ...facts, revoked: { at: "2026-02-01T00:00:00Z", reason: "x" } }, { drop_at: "2025-07-31T00:00:00Z" });
    expect(metaRows(revoked, false, false)).not.toContain("dropAt");
  });
});

describe("action words", () => {
  it("follow revoked, revealed and team", () => {
    expect(actionWords(testToken("a"), false)).toMatchObject({ copyTitle: "Copy the secret to the clipboard (C)", revealLabel: "Reveal" });
    expect(actionWords(testToken("a"), true)).toMatchObject({ revealLabel: "Hide", revealTitle: "Hide the secret (R)" });
    const gone = actionWords({ ...testToken("a", { revoked: { at: "2026-02-01T00:00:00Z", reason: "x" } }), team }, false);
    expect(gone.copyTitle).toContain("team vault");
    expect(gone.deleteTitle).toContain("every member");
  });
});
