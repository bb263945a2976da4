// Words and tones for what Rust computed. No status rules here: only how to show them.

import type { Health } from "../bindings/Health";
import type { TokenKind } from "../bindings/TokenKind";
import type { TokenRecord } from "../bindings/TokenRecord";
import type { UnusedSource } from "../bindings/UnusedSource";
import { h } from "../shell/dom";

export type Tone = "ok" | "neutral" | "warn" | "muted-warn" | "bad";

export function statusInfo(health: Health): { label: string; tone: Tone } {
  switch (health.state) {
    case "active":
      return { label: "Active", tone: "ok" };
    case "no_expiry_set":
      return { label: "No expiry", tone: "neutral" };
    case "expiring_soon":
      return { label: "Expiring soon", tone: "warn" };
    case "stale":
      return { label: "Stale", tone: "muted-warn" };
    case "expired":
      return { label: "Expired", tone: "bad" };
    case "invalid":
      return { label: "Invalid", tone: "bad" };
    case "revoked":
      return { label: "Revoked", tone: "bad" };
  }
}

/** Whose word "unused" rests on: "according to CVAT" when the platform reported the last
 *  use (or, reporting uses, none since the token's creation), else Latchkey's own view. */
export function unusedSourceWords(source: UnusedSource, platformName: string): string {
  return source === "local" ? "as far as Latchkey knows" : `according to ${platformName}`;
}

/** A status pill: coloured dot plus words, never colour alone. */
export function statusPill(health: Health, testid?: string): HTMLElement {
  const s = statusInfo(health);
  return pill({ ...s, title: health.state === "invalid" ? `Invalid: ${health.reason}` : s.label }, testid);
}

export function pill(p: { label: string; tone: Tone; title: string }, testid?: string): HTMLElement {
  return h("span", { class: `pill tone-${p.tone}`, testid, title: p.title }, h("span", { class: "dot", "aria-hidden": "true" }), p.label);
}

/** "••••abcd" (just dots when the secret was too short to show any of it). */
export function maskedHint(hint: string): string {
  return `••••${hint}`;
}

/** The non-secret part that tells a credential apart, with a caption. */
export function publicPart(r: TokenRecord): { caption: string; value: string } | null {
  if (r.kind === "ssh_key" && r.public.ssh_fingerprint) return { caption: "Fingerprint", value: r.public.ssh_fingerprint };
  if (r.kind === "key_pair" && r.public.key_id) return { caption: "Key ID", value: r.public.key_id };
  if (r.kind === "resource_key" && r.public.resource_id) return { caption: "Resource", value: r.public.resource_id };
  return null;
}

export const KIND_NAMES: Record<TokenKind, string> = {
  token: "API token",
  key_pair: "API key ID and secret",
  ssh_key: "SSH private key",
  resource_key: "Project/dataset API key",
};

export function ownerText(r: TokenRecord): string {
  return [r.identity.owner, r.identity.workspace].filter(Boolean).join(" / ");
}
