// The token form's rules, without the DOM: titles, notes, which field an error is about,
// and the MetaUpdate sent from what was typed. No clock: callers pass `nowMs`.

import type { ErrorPayload } from "../api";
import type { CheckSettings } from "../bindings/CheckSettings";
import type { MetaUpdate } from "../bindings/MetaUpdate";
import type { PlatformInfo } from "../bindings/PlatformInfo";
import type { Prefill } from "../checks/validation";
import { localExpiryToUtc, localString } from "../shell/dates";
import { relative } from "./countdown";

/** `replace` with `rotate`: a guided rotation (the new secret is checked and put in place, the
 *  old one kept until the platform refuses it) instead of a plain replacement. */
export type FormMode = { kind: "add"; prefill?: Prefill } | { kind: "edit"; id: string } | { kind: "replace"; id: string; rotate?: boolean };

/** The dialog's title; `label` is the edited token's. */
export function formTitle(mode: FormMode, label = ""): string {
  if (mode.kind === "add") return mode.prefill ? "Add the replacement token" : "Add token";
  if (mode.kind === "replace" && mode.rotate) return `Rotate “${label}”`;
  return mode.kind === "edit" ? `Edit “${label}”` : `Replace secret of “${label}”`;
}

export function saveLabel(mode: FormMode): string {
  if (mode.kind === "add") return mode.prefill ? "Add the replacement token" : "Add token";
  if (mode.kind === "replace" && mode.rotate) return "Check and rotate";
  return mode.kind === "edit" ? "Save changes" : "Replace secret";
}

/** The note under "Server URL" for platform `p`. */
export function serverNote(p: Pick<PlatformInfo, "self_hosted" | "default_server">): string {
  if (!p.self_hosted) return `Leave as ${p.default_server ?? "is"} unless you use a private deployment.`;
  return p.default_server
    ? `The public service is ${p.default_server}; for a self-hosted instance, give its address.`
    : "The address of the service this token belongs to, if any.";
}

/** Self-hosted platforms show the server up front (and an edited token on its own server);
 *  the rest keep it under Advanced. */
export function serverUpFront(p: Pick<PlatformInfo, "self_hosted" | "default_server">, mode: FormMode, server?: string | null): boolean {
  return p.self_hosted || (mode.kind === "edit" && !!server && server !== p.default_server);
}

/** The note under the expiry inputs, or null while what is typed is not a date yet. */
export function expiryNote(date: string, time: string, nowMs: number): { text: string; warn: boolean } | null {
  let iso: string | undefined;
  try {
    iso = localExpiryToUtc(date, time);
  } catch {
    return null;
  }
  if (!iso) return { text: "No expiry: Latchkey will suggest rotating it after a while.", warn: false };
  const ms = Date.parse(iso);
  const when = `${localString(iso)}${time ? "" : " (end of the day)"}`;
  if (ms <= nowMs) return { text: `${when} is in the past; the token will be shown as expired.`, warn: true };
  return { text: `Expires ${when}, ${relative(ms, nowMs)}.`, warn: false };
}

export interface TypedMeta {
  label: string;
  server: string;
  expiresAt: string | undefined;
  owner: string;
  workspace: string;
  tags: string;
  notes: string;
  check: CheckSettings | undefined;
  /** CVAT: the server's inactivity period in days as typed; "" for CVAT's default. */
  stalePeriod: string;
  /** "Rotate before expiry": days as chosen; "" for off. */
  rotateBefore?: string;
}

/** The days "Rotate before expiry" offers (a record's other value is offered too). */
export const ROTATE_BEFORE_DAYS = [1, 3, 7, 14, 30];

/** The note under "Rotate before expiry": what happens on the day, for this platform. */
export function rotateBeforeNote(platform: string, byApi: boolean, hasExpiry: boolean): string {
  const when = hasExpiry ? "" : " It needs an expiry: set one above.";
  return byApi
    ? `On that day Latchkey makes a new key through ${platform}'s API, checks it, revokes the old one and tells you.${when}`
    : `On that day Latchkey reminds you with a Rotate button: ${platform} makes new tokens on its website.${when}`;
}

/** What the form sends: optional texts trimmed to undefined, tags split at commas. */
export function metaUpdate(v: TypedMeta): MetaUpdate {
  const opt = (s: string) => (s.trim() ? s.trim() : undefined);
  return {
    label: v.label,
    server_url: opt(v.server),
    expires_at: v.expiresAt,
    owner: opt(v.owner),
    workspace: opt(v.workspace),
    tags: v.tags.split(",").map((t) => t.trim()).filter(Boolean),
    notes: v.notes,
    check: v.check,
    // Not a whole number: 0, which the vault refuses with a message about this field.
    stale_period_days: v.stalePeriod.trim() ? (/^\d+$/.test(v.stalePeriod.trim()) ? Number(v.stalePeriod.trim()) : 0) : undefined,
    rotate_before_days: v.rotateBefore?.trim() ? Number(v.rotateBefore.trim()) : undefined,
  };
}

export type FormField = "label" | "server" | "tags" | "notes" | "secret" | "stalePeriod" | "rotateBefore";

/** The field an error from Rust is most likely about (the validate fields are asked first). */
export function errorField(err: ErrorPayload): FormField | null {
  if (err.kind === "duplicate_label") return "label";
  if (err.kind !== "invalid_input") return null;
  switch (err.field) {
    case "label":
    case "tags":
    case "notes":
      return err.field;
    case "server_url":
      return "server";
    case "stale_period":
      return "stalePeriod";
    case "rotate_before":
      return "rotateBefore";
    case "secret":
    case "key_id":
    case "resource_id":
      return "secret";
    default:
      return null;
  }
}

/** The toast after a save; `vault` names the team vault of a team token. */
export function savedMessage(kind: FormMode["kind"], label: string, vault?: string): string {
  if (kind === "add") return vault ? `Added “${label}” to the team vault “${vault}”.` : `Added “${label}”.`;
  if (kind === "edit") return vault ? `Saved “${label}” in the team vault “${vault}”.` : `Saved “${label}”.`;
  return vault ? `Replaced the secret of “${label}” in the team vault.` : `Replaced the secret of “${label}”.`;
}
