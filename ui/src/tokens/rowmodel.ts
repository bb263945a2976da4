// What one row of the token list shows, as plain data: the list builds a row from it and,
// on the next render, patches only the parts whose data changed. No DOM, no clock.

import { snoozedUntilMs, snoozeTitle } from "../alerts/alertmodel";
import type { Checked } from "../bindings/Checked";
import type { Platform } from "../bindings/Platform";
import { ago, VALIDATION_INFO, validationSentence } from "../checks/validation";
import type { ListToken } from "../team/teammodel";
import { maskedHint, ownerText, publicPart, statusInfo, unusedSourceWords, type Tone } from "./labels";

export const MAX_TAGS = 3;

export interface RowModel {
  id: string;
  label: string;
  platform: Platform;
  platformName: string;
  /** The team vault's name, for a team token. */
  team: string | null;
  teamId: string | null;
  selected: boolean;
  revoked: boolean;
  /** The row's attributes: data-state, data-checked, aria-label. */
  state: string;
  checked: Checked;
  ariaLabel: string;
  owner: string;
  tags: string[];
  /** Tags past MAX_TAGS: "+N" with these in its title. */
  moreTags: string[];
  hint: string;
  publicPart: { caption: string; value: string } | null;
  pill: { label: string; tone: Tone; title: string };
  /** A live countdown to `expMs`, or a fixed text. */
  countdown: { expMs: number } | { text: string };
  /** "Unused for …" counts from here; null when not stale (or revoked). */
  staleSinceMs: number | null;
  /** Whose word that is: "according to CVAT", "as far as Latchkey knows" (the chip's title). */
  staleSource: string;
  /** The platform whose report it is, named in the chip ("unused for 400 d · CVAT"); null
   *  when it is only what Latchkey saw. */
  staleBy: string | null;
  rotationDue: boolean;
  /** A rotation stopped half way (a crash, the network): the row says so until it is finished or undone. */
  rotationStopped: boolean;
  snoozed: string | null;
  copied: boolean;
  /** The last platform answer: ✓ ✗ ⚠, a dot, a spinner while pending; nothing when revoked. */
  mark: { pending: boolean; sentence: string };
}

export interface RowContext {
  selectedId: string | null;
  platformName: string;
  /** Copied to the clipboard and not cleared yet. */
  copied: boolean;
  /** Being validated now. */
  pending: boolean;
  /** The view's "now" (ms), which stale_for_secs counts from; null without a view. */
  viewNowMs: number | null;
  nowMs: number;
}

export function rowModel(t: ListToken, c: RowContext): RowModel {
  const r = t.record;
  const revoked = !!r.revoked;
  const info = statusInfo(t.status.health);
  const snoozed = !revoked && snoozedUntilMs(r, c.nowMs) !== null ? snoozeTitle(r) : null;
  const team = t.team?.vault_name ?? null;
  const words = [r.label, c.platformName, team ? `team vault ${team}` : null, info.label, revoked ? null : VALIDATION_INFO[t.status.checked].word.toLowerCase(), snoozed ? "alerts snoozed" : null];
  const tags = r.tags ?? [];
  const h = t.status.health;
  return {
    id: r.id,
    label: r.label,
    platform: r.platform,
    platformName: c.platformName,
    team,
    teamId: t.team?.vault_id ?? null,
    selected: r.id === c.selectedId,
    revoked,
    state: h.state,
    checked: t.status.checked,
    ariaLabel: words.filter((w) => w !== null).join(", "),
    owner: ownerText(r),
    tags: tags.slice(0, MAX_TAGS),
    moreTags: tags.slice(MAX_TAGS),
    hint: maskedHint(r.hint),
    publicPart: publicPart(r),
    pill: { label: info.label, tone: info.tone, title: h.state === "invalid" ? `Invalid: ${h.reason}` : info.label },
    countdown: r.revoked ? { text: `revoked ${ago(r.revoked.at, c.nowMs)}` } : r.expires_at ? { expMs: Date.parse(r.expires_at) } : { text: "no expiry set" },
    staleSinceMs: t.status.stale_for_secs != null && c.viewNowMs !== null && !revoked ? c.viewNowMs - t.status.stale_for_secs * 1000 : null,
    staleSource: unusedSourceWords(t.status.unused_source, c.platformName),
    staleBy: t.status.unused_source === "local" ? null : c.platformName,
    rotationDue: t.status.rotation_due && !revoked,
    rotationStopped: t.record.pending?.step === "rotating",
    snoozed,
    copied: c.copied,
    mark: { pending: c.pending, sentence: c.pending ? "Checking with the platform…" : validationSentence(r, c.nowMs) },
  };
}

/** A stable text of `parts` of a model: equal texts mean the part needs no patch. */
export function partKey<K extends keyof RowModel>(m: RowModel, ...parts: K[]): string {
  return JSON.stringify(parts.map((p) => m[p]));
}
