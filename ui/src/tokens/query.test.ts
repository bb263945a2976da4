import { describe, expect, it } from "vitest";
import type { TokenView } from "../bindings/TokenView";
import { testToken } from "./testtokens";
import { applyOrder, matchesSearch, sortTokens } from "./query";

const tv = (label: string, extra: Partial<TokenView["record"]> = {}): TokenView => testToken(label, extra);
const names: Record<string, string> = { cvat: "CVAT", env0: "env0", roboflow: "Roboflow" };
const name = (id: string) => names[id] ?? id;
const labels = (ts: TokenView[]) => ts.map((t) => t.record.label);

describe("sortTokens", () => {
  const tokens = [
    tv("zeta none"),
    tv("later", { expires_at: "2027-01-01T00:00:00Z", platform: "roboflow", last_used_at: "2026-05-01T00:00:00Z" }),
    tv("alpha none", { platform: "env0", last_used_at: "2026-06-01T00:00:00Z" }),
    tv("expired", { expires_at: "2025-01-01T00:00:00Z" }),
    tv("soon", { expires_at: "2026-07-01T00:00:00Z", platform: "env0" }),
  ];
  it("puts the soonest expiry first and no expiry last by label", () => {
    expect(labels(sortTokens(tokens, "expiry", name))).toEqual(["expired", "soon", "later", "alpha none", "zeta none"]);
  });
  it("sorts by label naturally", () => {
    expect(labels(sortTokens([tv("b10"), tv("B2"), tv("a")], "label", name))).toEqual(["a", "B2", "b10"]);
  });
  it("sorts by platform name then label", () => {
    expect(labels(sortTokens(tokens, "platform", name))).toEqual(["expired", "zeta none", "alpha none", "soon", "later"]);
  });
  it("sorts by most recent use, never used last", () => {
    expect(labels(sortTokens(tokens, "recent", name))).toEqual(["alpha none", "later", "expired", "soon", "zeta none"]);
  });
  it("puts revoked tokens after every live one, whatever the sort", () => {
    const gone = { revoked: { at: "2026-02-01T00:00:00Z", reason: "leaked" } };
    const mixed = [...tokens, tv("aaa revoked", { ...gone, expires_at: "2024-01-01T00:00:00Z" }), tv("000 revoked", gone)];
    expect(labels(sortTokens(mixed, "expiry", name)).slice(-2)).toEqual(["aaa revoked", "000 revoked"]);
    expect(labels(sortTokens(mixed, "label", name)).slice(-2)).toEqual(["000 revoked", "aaa revoked"]);
    expect(labels(sortTokens(mixed, "recent", name)).slice(-2)).toEqual(["000 revoked", "aaa revoked"]);
    expect(labels(sortTokens(mixed, "expiry", name))[0]).toBe("expired");
  });
});

describe("applyOrder", () => {
  it("keeps the earlier order and appends tokens it did not have", () => {
    const ts = [tv("a"), tv("b"), tv("c"), tv("new")];
    expect(labels(applyOrder(ts, ["c", "a", "b"]))).toEqual(["c", "a", "b", "new"]);
  });
  it("skips ids no longer present (deleted, or filtered by the search)", () => {
    expect(labels(applyOrder([tv("b"), tv("x"), tv("a")], ["a", "gone", "b"]))).toEqual(["a", "b", "x"]);
  });
});

describe("matchesSearch", () => {
  const t = tv("CI runner", {
    platform: "env0",
    tags: ["prod", "ci"],
    identity: { owner: "alice", workspace: "Vision-Team", scopes: [] },
    notes: "Rotates quarterly",
    server_url: "https://api.env0.com",
    hint: "x9Q2",
    public: { key_id: "key-123" },
  });
  it.each(["", "ci", "RUNNER", "env0", "prod", "alice", "vision", "quarterly", "api.env0", "x9q2", "key-123", "runner prod"])(
    "finds %s",
    (q) => expect(matchesSearch(t, q, "env0")).toBe(true),
  );
  it.each(["cvat", "staging", "runner staging"])("does not find %s", (q) => expect(matchesSearch(t, q, "env0")).toBe(false));
});
