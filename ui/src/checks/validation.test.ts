import { describe, expect, it } from "vitest";
import type { TokenRecord } from "../bindings/TokenRecord";
import type { ValidationOutcome } from "../bindings/ValidationOutcome";
import {
  revokedMessage,
  validationSentence,
  clause,
  expiryOrigin,
  formatSummary,
  identityRows,
  lastAnswer,
  resultToast,
  revokeQuestion,
  sentence,
} from "./validation";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const H = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function rec(extra: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: "id-1",
    platform: "cvat",
    kind: "token",
    label: "CI",
    public: {},
    hint: "abcd",
    created_at: "2026-01-01T00:00:00Z",
    identity: { scopes: [] },
    ...extra,
  };
}
const valid = (at: number, notes?: string[]): ValidationOutcome => ({ at: iso(at), result: "valid", notes });
const invalid = (at: number, reason: string): ValidationOutcome => ({ at: iso(at), result: "invalid", reason });
const cannot = (at: number, reason: string): ValidationOutcome => ({ at: iso(at), result: "cannot_check", reason });

describe("checkSentence", () => {
  it("says when nothing was checked yet", () => {
    expect(validationSentence(rec(), NOW)).toBe("Not checked with the platform yet.");
  });
  it("gives the result and how long ago", () => {
    expect(validationSentence(rec({ last_validation: valid(NOW - 2 * H) }), NOW)).toBe("Valid · checked 2 h ago");
    expect(validationSentence(rec({ last_validation: invalid(NOW - 30_000, "CVAT refused the token (HTTP 401).") }), NOW)).toBe(
      "Rejected: CVAT refused the token (HTTP 401) · checked just now",
    );
  });
  it("keeps the last conclusive answer next to a failed attempt", () => {
    const r = rec({ last_validation: cannot(NOW - 10_000, "timed out after 10 s"), last_verdict: valid(NOW - 50 * H) });
    expect(validationSentence(r, NOW)).toBe("Could not check just now: timed out after 10 s. Last answer (2 d ago): valid");
    const bad = rec({ last_validation: cannot(NOW - 5 * 60_000, "DNS failed."), last_verdict: invalid(NOW - 3 * H, "HTTP 401") });
    expect(validationSentence(bad, NOW)).toBe("Could not check 5 m ago: DNS failed. Last answer (3 h ago): rejected (HTTP 401)");
  });
  it("has no last answer when there is none, or the last attempt was conclusive", () => {
    expect(lastAnswer(rec({ last_validation: cannot(NOW, "x") }), NOW)).toBeNull();
    const v = valid(NOW);
    expect(lastAnswer(rec({ last_validation: v, last_verdict: v }), NOW)).toBeNull();
  });
  it("says a revoked token is not checked", () => {
    expect(validationSentence(rec({ revoked: { at: iso(NOW), reason: "x" }, last_validation: valid(NOW) }), NOW)).toMatch(/^Revoked/);
  });
  it("never writes a double full stop", () => {
    expect(clause("  refused (HTTP 401)...  ")).toBe("refused (HTTP 401)");
    expect(sentence("could not connect (os error 111).")).toBe("Could not connect (os error 111).");
  });
});

describe("formatSummary", () => {
  const s = (valid: number, invalid = 0, cannot_check = 0, failed = 0) => ({ total: valid + invalid + cannot_check + failed, valid, invalid, cannot_check, failed });
  it("reads like the brief", () => {
    expect(formatSummary(s(10, 1, 1))).toEqual({ text: "12 checked: 10 valid, 1 rejected, 1 could not be checked.", tone: "warning" });
  });
  it("says all valid briefly", () => {
    expect(formatSummary(s(3)).text).toBe("3 checked: all valid.");
    expect(formatSummary(s(1)).text).toBe("1 checked: valid.");
    expect(formatSummary(s(3)).tone).toBe("info");
  });
  it("leaves out zero counts and names skipped tokens", () => {
    expect(formatSummary(s(0, 2, 0, 1)).text).toBe("3 checked: 2 rejected, 1 skipped (no secret to check).");
  });
  it("says when the run was the one at start", () => {
    expect(formatSummary(s(2, 1), true).text).toBe("3 checked at start: 2 valid, 1 rejected.");
  });
  it("handles nothing to check", () => {
    expect(formatSummary(s(0)).text).toBe("There were no tokens to check.");
  });
});

describe("resultToast", () => {
  it("names the platform and the token", () => {
    expect(resultToast(rec({ last_validation: valid(NOW) }), "CVAT")).toEqual({ text: "CVAT accepts “CI”: valid.", tone: "info" });
    expect(resultToast(rec({ last_validation: invalid(NOW, "HTTP 401.") }), "CVAT").text).toBe("CVAT rejected “CI”: HTTP 401.");
    expect(resultToast(rec({ last_validation: cannot(NOW, "offline") }), "CVAT").tone).toBe("warning");
  });
});

describe("identityRows", () => {
  it("lists what is known, in a fixed order", () => {
    expect(identityRows({ owner: "alice", role: "Admin", scopes: ["read", "write"], read_only: false })).toEqual([
      ["Owner", "alice"],
      ["Role", "Admin"],
      ["Scopes", "read, write"],
      ["Access", "Read and write"],
    ]);
    expect(identityRows({ scopes: [], read_only: true })).toEqual([["Access", "Read-only"]]);
    expect(identityRows({ scopes: [] })).toEqual([]);
    // Rust leaves an empty list out altogether.
    expect(identityRows({ owner: "bob" } as never)).toEqual([["Owner", "bob"]]);
  });
});

describe("expiryOrigin", () => {
  it("is silent for an expiry entered by hand", () => {
    expect(expiryOrigin({ expires_at: "2027-01-01T00:00:00Z", expiry_source: "user" }, "CVAT")).toEqual({ from: null, entered: null });
    expect(expiryOrigin({}, "CVAT")).toEqual({ from: null, entered: null });
  });
  it("names the platform, and the hand-entered date when it differs", () => {
    const r = { expires_at: "2026-12-24T00:00:00Z", expiry_source: "platform" as const, user_expires_at: "2027-01-01T00:00:00Z" };
    expect(expiryOrigin(r, "CVAT")).toEqual({ from: "from CVAT", entered: "2027-01-01T00:00:00Z" });
    expect(expiryOrigin({ ...r, user_expires_at: "2026-12-24T00:00:00.000Z" }, "CVAT").entered).toBeNull();
    expect(expiryOrigin({ ...r, expires_at: undefined }, "CVAT").entered).toBe("2027-01-01T00:00:00Z");
  });
});

describe("replacement", () => {
  it("asks the revoke question", () => {
    expect(revokeQuestion("CI", "CVAT")).toBe("Revoke “CI” on CVAT? The token stops working everywhere it is used.");
  });
});

describe("revokedMessage", () => {
  it("names where the secret was", () => {
    const r = { label: "CI", revoked: { at: "2026-02-01T00:00:00Z", reason: "leaked" } };
    expect(revokedMessage(r, false)).toBe("Marked “CI” as revoked (leaked). The secret was removed from your keychain.");
    expect(revokedMessage(r, true)).toBe("Marked “CI” as revoked (leaked). The secret was removed from the team vault.");
  });
});
