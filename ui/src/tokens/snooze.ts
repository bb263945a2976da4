// Snoozing a token's alerts: the detail pane's "Alerts" row and snoozed line, the list's
// bell-off icon, and the snooze_token calls. Rust decides what is due; a snoozed token gets
// no alerts until the snooze ends (then the most urgent one it missed).

import { refresh, reportError } from "./actions";
import { nextSnoozeEnd, SNOOZE_CHOICES, snoozedUntilMs, snoozeTitle } from "../alerts/alertmodel";
import { api } from "../api";
import type { TokenRecord } from "../bindings/TokenRecord";
import { relative } from "./countdown";
import { localString } from "../shell/dates";
import { h, type Child } from "../shell/dom";
import { icon } from "../shell/icons";
import { toast } from "../alerts/banners";
import { afterRender, changed, findToken, state } from "../shell/state";
import { addTickSource } from "../shell/ticker";

/** Snooze for `hours`, or resume alerts with `null`. */
export async function snooze(id: string, hours: number | null): Promise<void> {
  const t = findToken(id);
  if (!t || state.snoozing.has(id)) return;
  state.snoozing.add(id);
  // The button pressed may go (Resume disappears): keep the focus in the pane.
  const inPane = !!document.activeElement?.closest('[data-testid="detail"]');
  changed();
  try {
    const r = await api.snoozeToken(id, hours);
    const until = snoozedUntilMs(r, Date.now());
    toast(
      until !== null
        ? `Alerts for “${r.label}” are snoozed until ${localString(r.snoozed_until)}.`
        : `Alerts for “${r.label}” are on again.`,
    );
  } catch (e) {
    reportError(e);
  } finally {
    state.snoozing.delete(id);
    await refresh();
    if (inPane) {
      afterRender(() => {
        const a = document.activeElement;
        if (!a || a === document.body) document.querySelector<HTMLElement>('[data-testid="detail-snooze"]')?.focus();
      });
    }
  }
}

/** The Z shortcut: snooze for a day, or resume when snoozed. */
export function toggleSnooze(id: string): void {
  const t = findToken(id);
  if (!t || t.record.revoked || t.team) return;
  void snooze(id, snoozedUntilMs(t.record, Date.now()) === null ? SNOOZE_CHOICES[0].hours : null);
}

/** The bell-off mark beside a snoozed token's label in the list. */
export function snoozedMark(title: string): HTMLElement {
  return h("span", { class: "chip chip-muted chip-icon", testid: "row-snoozed", role: "img", "aria-label": title, title }, icon("bellOff", 12));
}

/** "Alerts snoozed until …" with Resume, under the detail pane's toolbar (when snoozed). */
export function snoozedLine(r: TokenRecord, nowMs: number): HTMLElement | null {
  const until = snoozedUntilMs(r, nowMs);
  if (r.revoked || until === null) return null;
  const busy = state.snoozing.has(r.id);
  return h(
    "div",
    { class: "callout callout-muted snoozed-line" },
    icon("bellOff", 14),
    h(
      "span",
      { class: "stack" },
      h("span", { testid: "detail-snoozed" }, snoozeTitle(r)),
      h("span", { class: "small" }, `Back on ${relative(until, nowMs)}`),
    ),
    h(
      "button",
      {
        class: "btn btn-small",
        type: "button",
        testid: "detail-unsnooze",
        title: "Turn this token's alerts back on now (Z). An alert missed meanwhile comes at once.",
        disabled: busy,
        onclick: () => void snooze(r.id, null),
      },
      icon("bell", 13),
      "Resume alerts",
    ),
  );
}

/** The "Alerts" row of the detail pane's list: on / snoozed / none, and the Snooze menu. */
export function alertsRow(r: TokenRecord, nowMs: number): [string, Child] {
  if (r.revoked) return ["Alerts", h("span", { class: "muted" }, "None: the token is revoked")];
  const a = state.view?.settings.alerts;
  if (a && !(r.expires_at && a.lead_times_secs.length) && !a.on_stale && !a.on_invalid) {
    return ["Alerts", h("span", { class: "muted", title: "Settings › Alerts" }, r.expires_at ? "None: all alerts are off in Settings" : "None: no expiry, and the other alerts are off in Settings")];
  }
  const snoozed = snoozedUntilMs(r, nowMs) !== null;
  const busy = state.snoozing.has(r.id);
  const select = h(
    "select",
    {
      class: "input snooze-select",
      testid: "detail-snooze",
      "aria-label": snoozed ? "Snooze this token's alerts for longer" : "Snooze this token's alerts",
      title: snoozed ? "Snooze for longer, counted from now" : "No alerts for this token for a while (Z: one day)",
      disabled: busy,
    },
    h("option", { value: "", selected: true, disabled: true, hidden: true }, snoozed ? "Snooze longer…" : "Snooze alerts…"),
    SNOOZE_CHOICES.map((c) => h("option", { value: String(c.hours) }, c.label)),
  );
  select.addEventListener("change", () => {
    const hours = Number(select.value);
    select.value = "";
    if (hours > 0) void snooze(r.id, hours);
  });
  const words = snoozed
    ? h("span", { class: "alerts-state is-snoozed" }, icon("bellOff", 13), "Snoozed")
    : h("span", { class: "alerts-state" }, icon("bell", 13), "On");
  return ["Alerts", h("span", { class: "alerts-cell" }, words, busy ? h("span", { class: "spinner", "aria-hidden": "true" }) : null, select)];
}

/** Re-render when a snooze ends by itself (the bell-off marks go, Resume disappears). */
let armed = Infinity;
function snoozeSource(now: number): number {
  if (now >= armed) {
    armed = Infinity;
    changed();
  }
  armed = nextSnoozeEnd((state.view?.tokens ?? []).map((t) => t.record), now);
  return armed;
}

export function watchSnoozes(): void {
  addTickSource(snoozeSource);
}
