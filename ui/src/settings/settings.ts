// The settings dialog: clipboard clearing, warning periods, checking at start, alerts and
// running in the background (those two sections live in alerts/settingsalerts.ts), team vaults
// (team/teamsettings.ts).
// Saved through update_settings; Rust checks the ranges and its message is shown here.

import { refresh } from "../tokens/actions";
import { api, toErrorPayload } from "../api";
import type { Settings } from "../bindings/Settings";
import { h, replace } from "../shell/dom";
import { icon } from "../shell/icons";
import { toast } from "../alerts/banners";
import { alertSections } from "../alerts/settingsalerts";
import { changed, state } from "../shell/state";
import { teamSection } from "../team/teamsettings";

let dlg: HTMLDialogElement | null = null;
let busy = false;

function dialog(): HTMLDialogElement {
  if (dlg) return dlg;
  const d = h("dialog", { class: "dialog settings-dialog", testid: "settings-dialog", "aria-label": "Settings" });
  d.addEventListener("cancel", (ev) => {
    if (busy) ev.preventDefault();
  });
  d.addEventListener("close", () => d.replaceChildren());
  document.body.appendChild(d);
  return (dlg = d);
}

/** "CVAT uses its own 1-year period" from the platforms that document one. */
function ownPeriods(): string | null {
  const own = state.platforms.filter((p) => p.stale_after_days);
  if (own.length === 0) return null;
  const period = (days: number) => (days % 365 === 0 ? `${days / 365}-year` : `${days}-day`);
  return own.map((p) => `${p.name} uses its own ${period(p.stale_after_days!)} period`).join("; ");
}

function numberInput(testid: string, value: number, min: number, max: number): HTMLInputElement {
  return h("input", { class: "input num-input", type: "number", inputmode: "numeric", id: `s-${testid}`, testid, value: String(value), min, max, step: 1 });
}

/** A row: label and note on the left, the number and its unit on the right. */
function numberRow(label: string, input: HTMLInputElement, unit: string, note?: string): HTMLElement {
  return h(
    "div",
    { class: "setting-row" },
    h("div", { class: "setting-text" }, h("label", { class: "field-label", for: input.id }, label), note ? h("div", { class: "field-note" }, note) : null),
    h("div", { class: "setting-control" }, input, h("span", { class: "unit muted" }, unit)),
  );
}

/** "Settings saved.", plus what changed that the user cannot see in the window. */
function savedMessage(before: Settings, after: Settings): string {
  if (after.start_at_login !== before.start_at_login) {
    return after.start_at_login ? "Settings saved. Latchkey will start in the background when you log in." : "Settings saved. Latchkey no longer starts when you log in.";
  }
  if (after.keep_running_in_background !== before.keep_running_in_background) {
    return after.keep_running_in_background
      ? "Settings saved. Closing the window keeps Latchkey running in the tray."
      : "Settings saved. Closing the window now quits Latchkey.";
  }
  return "Settings saved.";
}

export function openSettings(): void {
  const v = state.view;
  if (!v) return;
  const d = dialog();
  if (d.open) return;
  document.querySelector<HTMLDialogElement>("dialog[open]")?.close();
  const s = v.settings;

  const clipboard = numberInput("settings-clipboard", s.clipboard_clear_secs, 1, 3600);
  const soon = numberInput("settings-soon", s.policy.expiring_soon_days, 1, 365);
  const stale = numberInput("settings-stale", s.policy.stale_days, 1, 3650);
  const rotate = numberInput("settings-rotate", s.policy.rotate_after_days, 1, 3650);
  const onStart = h("input", { type: "checkbox", id: "s-validate-on-start", testid: "settings-validate-on-start", checked: s.validate_on_start });
  const alerts = alertSections(s);
  const error = h("div", { class: "form-error", testid: "settings-error", role: "alert", hidden: true });
  const save = h("button", { class: "btn btn-primary", type: "submit", testid: "settings-save" }, "Save");
  const cancel = h("button", { class: "btn", type: "button", testid: "settings-cancel", onclick: () => d.close() }, "Cancel");

  function showError(message: string, focus: HTMLInputElement | null) {
    error.hidden = false;
    replace(error, icon("alert", 14), h("span", null, message));
    if (focus) {
      focus.classList.add("invalid");
      focus.focus();
      focus.select();
    }
  }

  /** The whole number in `el`, or an error shown at it. */
  function whole(el: HTMLInputElement, what: string): number | null {
    const n = Number(el.value.trim());
    if (el.value.trim() === "" || !Number.isInteger(n) || n < 0) {
      showError(`Enter ${what} as a whole number.`, el);
      return null;
    }
    return n;
  }

  function focusFor(message: string): HTMLInputElement | null {
    const m = message.toLowerCase();
    if (m.includes("clipboard")) return clipboard;
    if (m.includes("expiring soon")) return soon;
    if (m.includes("lead time")) return alerts.custom;
    if (m.includes("start at login")) return alerts.startAtLogin;
    if (m.includes("stale")) return Number(stale.value) < 1 || Number(stale.value) > 3650 ? stale : rotate;
    return null;
  }

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    error.hidden = true;
    for (const el of d.querySelectorAll(".invalid")) el.classList.remove("invalid");
    const secs = whole(clipboard, "the seconds before the clipboard is cleared");
    const soonDays = secs === null ? null : whole(soon, "the “expiring soon” days");
    const staleDays = soonDays === null ? null : whole(stale, "the stale period in days");
    const rotateDays = staleDays === null ? null : whole(rotate, "the rotation period in days");
    if (secs === null || soonDays === null || staleDays === null || rotateDays === null) return;
    const more = alerts.read();
    if (!more.ok) return showError(more.error, more.focus);
    // Everything this dialog does not show goes back as it was.
    const next: Settings = {
      ...s,
      ...more.value,
      clipboard_clear_secs: secs,
      policy: { ...s.policy, expiring_soon_days: soonDays, stale_days: staleDays, rotate_after_days: rotateDays },
      validate_on_start: onStart.checked,
    };
    busy = true;
    save.disabled = true;
    d.classList.add("busy");
    try {
      const saved = await api.updateSettings(next);
      if (state.view) state.view.settings = saved;
      busy = false;
      d.close();
      changed();
      toast(savedMessage(s, saved));
      // Warning periods change the statuses Rust computes.
      await refresh();
    } catch (e) {
      const err = toErrorPayload(e);
      showError(err.message, focusFor(err.message));
    } finally {
      busy = false;
      save.disabled = false;
      d.classList.remove("busy");
    }
  }

  const periods = ownPeriods();
  replace(
    d,
    h(
      "form",
      { class: "dialog-inner settings-form", novalidate: true, onsubmit: (ev: Event) => void submit(ev) },
      h(
        "header",
        { class: "dialog-header" },
        h("h2", { class: "dialog-title" }, h("span", { class: "title-icon" }, icon("gear", 18)), "Settings"),
        h("button", { class: "icon-btn", type: "button", "aria-label": "Close", title: "Close (Esc)", onclick: () => d.close() }, icon("x", 16)),
      ),
      h(
        "div",
        { class: "dialog-body" },
        h("h3", { class: "settings-heading" }, "Clipboard"),
        numberRow("Clear the clipboard after", clipboard, "seconds", "Only if it still holds the secret Latchkey copied."),
        h("h3", { class: "settings-heading" }, "Warnings"),
        numberRow("Expiring soon", soon, "days", "Warn this long before a token expires."),
        numberRow("Stale after", stale, "days unused", periods ? `For platforms without a period of their own. ${periods}.` : "For platforms without a period of their own."),
        numberRow("Rotation reminder after", rotate, "days", "For tokens without an expiry, counted from when they were stored or last replaced."),
        h("h3", { class: "settings-heading" }, "Platform checks"),
        h(
          "div",
          { class: "setting-check" },
          onStart,
          h(
            "div",
            null,
            h("label", { class: "field-label", for: onStart.id }, "Check all tokens with their platforms when Latchkey starts"),
            h("div", { class: "field-note" }, "Off by default: each start then contacts every platform your tokens belong to."),
          ),
        ),
        ...alerts.nodes,
        ...teamSection(),
      ),
      h("footer", { class: "dialog-footer" }, error, h("div", { class: "dialog-actions" }, cancel, save)),
    ),
  );
  // Editing the field an error pointed at takes the error away.
  d.querySelector("form")!.addEventListener("input", (ev) => {
    const el = ev.target as HTMLElement;
    if (!el.classList.contains("invalid")) return;
    el.classList.remove("invalid");
    if (!d.querySelector(".invalid")) error.hidden = true;
  });
  busy = false;
  d.showModal();
  clipboard.focus();
  clipboard.select();
}
