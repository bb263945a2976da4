// Words for platform checks and revocation: pure functions over what Rust stored, no DOM,
// no clock (callers pass `nowMs`), so every one is unit-tested.

import type { CheckSummary } from "../api";
import type { CheckSettings } from "../bindings/CheckSettings";
import type { Checked } from "../bindings/Checked";
import type { Identity } from "../bindings/Identity";
import type { Platform } from "../bindings/Platform";
import type { TokenRecord } from "../bindings/TokenRecord";
import type { ValidationOutcome } from "../bindings/ValidationOutcome";
import { relative } from "../tokens/countdown";

export type ValidationTone = "ok" | "bad" | "warn" | "none";

/** How each check result is shown: a word, a tone, and a symbol (never colour alone). */
export const VALIDATION_INFO: Record<Checked, { word: string; tone: ValidationTone; symbol: string }> = {
  unknown: { word: "Not checked yet", tone: "none", symbol: "·" },
  valid: { word: "Valid", tone: "ok", symbol: "✓" },
  invalid: { word: "Rejected", tone: "bad", symbol: "✗" },
  cannot_check: { word: "Could not check", tone: "warn", symbol: "⚠" },
};

/** A reason as a sentence of its own: capitalised, with one full stop. */
export function sentence(reason: string): string {
  const c = clause(reason);
  return `${c.charAt(0).toUpperCase()}${c.slice(1)}.`;
}

/** A reason as a clause: without its final full stop, so it can be followed by one. */
export function clause(reason: string): string {
  return reason.trim().replace(/[.。]+$/, "");
}

/** "just now" / "5 m ago" / "2 d ago" for an instant in the past. */
export function ago(iso: string, nowMs: number): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "at an unknown time" : relative(Math.min(t, nowMs), nowMs);
}

/** The last conclusive answer in a few words: "valid", "rejected (HTTP 401)". */
export function verdictWords(o: ValidationOutcome): string {
  if (o.result === "valid") return "valid";
  if (o.result === "invalid") return `rejected (${clause(o.reason)})`;
  return `could not check (${clause(o.reason)})`;
}

/**
 * The last conclusive answer, when it says something the last attempt does not: the last
 * attempt could not check, and an earlier answer exists. "Last answer (2 d ago): valid"
 */
export function lastAnswer(r: Pick<TokenRecord, "last_validation" | "last_verdict">, nowMs: number): string | null {
  const v = r.last_validation;
  const verdict = r.last_verdict;
  if (!v || v.result !== "cannot_check" || !verdict || verdict.result === "cannot_check") return null;
  return `Last answer (${ago(verdict.at, nowMs)}): ${verdictWords(verdict)}`;
}

/** One sentence about the last check, for tooltips and screen readers. */
export function validationSentence(r: Pick<TokenRecord, "last_validation" | "last_verdict" | "revoked">, nowMs: number): string {
  if (r.revoked) return "Revoked: it is not checked any more.";
  const v = r.last_validation;
  if (!v) return "Not checked with the platform yet.";
  const when = ago(v.at, nowMs);
  switch (v.result) {
    case "valid":
      return `Valid · checked ${when}`;
    case "invalid":
      return `Rejected: ${clause(v.reason)} · checked ${when}`;
    case "cannot_check": {
      const last = lastAnswer(r, nowMs);
      return `Could not check ${when}: ${clause(v.reason)}.${last ? ` ${last}` : ""}`;
    }
  }
}

/**
 * The toast after "validate all": "12 checked: 10 valid, 1 rejected, 1 could not be checked."
 * (`atStart`: the run Latchkey made itself when it started.)
 */
export function formatSummary(s: CheckSummary, atStart = false): { text: string; tone: "info" | "warning" } {
  if (s.total === 0) return { text: "There were no tokens to check.", tone: "info" };
  const checked = `${s.total} checked${atStart ? " at start" : ""}`;
  if (s.valid === s.total) return { text: s.total === 1 ? `${checked}: valid.` : `${checked}: all valid.`, tone: "info" };
  const parts = [
    s.valid ? `${s.valid} valid` : null,
    s.invalid ? `${s.invalid} rejected` : null,
    s.cannot_check ? `${s.cannot_check} could not be checked` : null,
    s.failed ? `${s.failed} skipped (no secret to check)` : null,
  ].filter((p): p is string => p !== null);
  return { text: `${checked}: ${parts.join(", ")}.`, tone: "warning" };
}

/** The toast after checking one token. */
export function resultToast(r: TokenRecord, platformName: string): { text: string; tone: "info" | "warning" | "error" } {
  const v = r.last_validation;
  if (!v) return { text: `“${r.label}” was not checked.`, tone: "warning" };
  switch (v.result) {
    case "valid":
      return { text: `${platformName} accepts “${r.label}”: valid.`, tone: "info" };
    case "invalid":
      return { text: `${platformName} rejected “${r.label}”: ${clause(v.reason)}.`, tone: "error" };
    case "cannot_check":
      return { text: `Could not check “${r.label}”: ${clause(v.reason)}.`, tone: "warning" };
  }
}

/** What the platform told us about who the token belongs to and what it may do. */
export function identityRows(id: Identity): [string, string][] {
  const rows: [string, string][] = [];
  if (id.owner) rows.push(["Owner", id.owner]);
  if (id.workspace) rows.push(["Workspace", id.workspace]);
  if (id.role) rows.push(["Role", id.role]);
  // Rust leaves out an empty `scopes` (skip_serializing_if), whatever the binding says.
  const scopes = id.scopes ?? [];
  if (scopes.length) rows.push(["Scopes", scopes.join(", ")]);
  if (id.read_only !== undefined && id.read_only !== null) rows.push(["Access", id.read_only ? "Read-only" : "Read and write"]);
  return rows;
}

/**
 * Where the expiry came from: "from CVAT" when the platform reported it, and the date the
 * user had entered when it differs (`entered` is that instant, or null).
 */
export function expiryOrigin(
  r: Pick<TokenRecord, "expires_at" | "expiry_source" | "user_expires_at">,
  platformName: string,
): { from: string | null; entered: string | null } {
  if (r.expiry_source !== "platform") return { from: null, entered: null };
  const mine = r.user_expires_at;
  const differs = !!mine && (r.expires_at === undefined || Date.parse(mine) !== Date.parse(r.expires_at));
  return { from: `from ${platformName}`, entered: differs ? mine! : null };
}

/** The Add form's values for the token that replaces a revoked one. */
export interface Prefill {
  /** The label of the revoked token this one replaces. */
  replaces: string;
  platform: Platform;
  label: string;
  server_url?: string;
  tags: string[];
  owner?: string;
  workspace?: string;
  check?: CheckSettings;
}

/** "Revoke “CI” on CVAT? The token stops working everywhere it is used." */
export function revokeQuestion(label: string, platformName: string): string {
  return `Revoke “${label}” on ${platformName}? The token stops working everywhere it is used.`;
}

/** The toast after a guided revoke was confirmed; `team`: the secret was in a team vault. */
export function revokedMessage(r: Pick<TokenRecord, "label" | "revoked">, team: boolean): string {
  const from = team ? "the team vault" : "your keychain";
  return `Marked “${r.label}” as revoked (${r.revoked?.reason ?? ""}). The secret was removed from ${from}.`;
}
