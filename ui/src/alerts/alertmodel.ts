// Pure rules for alerts in the window: snoozes, and the stack of in-app alerts (the ones
// the desktop could not show). No DOM, no clock: callers pass `nowMs`.

import type { InAppAlert } from "../bindings/InAppAlert";
import type { TokenRecord } from "../bindings/TokenRecord";
import { localString } from "../shell/dates";

/** The snooze lengths the detail pane offers, in hours (Rust accepts 1..8784). */
export const SNOOZE_CHOICES: readonly { hours: number; label: string }[] = [
  { hours: 24, label: "For 1 day" },
  { hours: 168, label: "For 1 week" },
];

/** When the token's snooze ends (ms), or null when its alerts are on. */
export function snoozedUntilMs(r: Pick<TokenRecord, "snoozed_until">, nowMs: number): number | null {
  if (!r.snoozed_until) return null;
  const at = Date.parse(r.snoozed_until);
  return Number.isNaN(at) || at <= nowMs ? null : at;
}

/** "Alerts snoozed until …" (the snooze's end in local time). */
export function snoozeTitle(r: Pick<TokenRecord, "snoozed_until">): string {
  return `Alerts snoozed until ${localString(r.snoozed_until)}`;
}

/** The soonest snooze that ends after `nowMs` (for the timer), or Infinity. */
export function nextSnoozeEnd(records: Pick<TokenRecord, "snoozed_until">[], nowMs: number): number {
  let next = Infinity;
  for (const r of records) {
    const at = snoozedUntilMs(r, nowMs);
    if (at !== null) next = Math.min(next, at);
  }
  return next;
}

/** An alert the desktop could not show, as take_in_app_alerts / `in-app-alert` send it (ts-rs). */
export type { InAppAlert };

export interface ShownAlert extends InAppAlert {
  /** Stable within this window (keys the DOM, dismisses the right one). */
  key: number;
  receivedMs: number;
}

/** How many alerts show in full before the rest collapse into "and N more". */
export const VISIBLE_ALERTS = 3;
/** Older alerts past this many are forgotten (they are summaries; the list shows the rest). */
export const MAX_ALERTS = 50;

function sameAlert(a: InAppAlert, b: InAppAlert): boolean {
  const x = a.notification;
  const y = b.notification;
  return x.title === y.title && x.body === y.body && (x.token ?? null) === (y.token ?? null);
}

/** Is this payload an in-app alert (events come from outside TypeScript's checks)? */
export function isInAppAlert(v: unknown): v is InAppAlert {
  const a = v as InAppAlert;
  return (
    typeof a === "object" &&
    a !== null &&
    typeof a.why === "string" &&
    typeof a.notification === "object" &&
    a.notification !== null &&
    typeof a.notification.title === "string" &&
    typeof a.notification.body === "string"
  );
}

/**
 * The stack with `incoming` added, newest first. An alert identical to one still shown
 * moves to the top instead of showing twice (the start-up take and a live event may both
 * carry it). At most MAX_ALERTS are kept.
 */
export function addAlerts(stack: ShownAlert[], incoming: InAppAlert[], nextKey: () => number, nowMs: number): ShownAlert[] {
  let out = stack;
  for (const a of incoming) {
    if (!isInAppAlert(a)) continue;
    out = [{ ...a, key: nextKey(), receivedMs: nowMs }, ...out.filter((s) => !sameAlert(s, a))];
  }
  return out.slice(0, MAX_ALERTS);
}

/** What to draw: the newest in full, the rest as a count (all in full when expanded). */
export function visibleAlerts(stack: ShownAlert[], expanded: boolean): { shown: ShownAlert[]; more: number } {
  if (expanded || stack.length <= VISIBLE_ALERTS) return { shown: stack, more: 0 };
  return { shown: stack.slice(0, VISIBLE_ALERTS), more: stack.length - VISIBLE_ALERTS };
}
