// The settings dialog: clipboard clearing, warning periods, checking at start, alerts and
// running in the background (those two sections live in alerts/settingsalerts.ts), team vaults
// (team/teamsettings.ts).
// Saved through update_settings; Rust checks the ranges and its message is shown here.

import { refresh } from "../tokens/actions";
import { api, toErrorPayload } from "../api";
import type { Settings } from "../bindings/Settings";
import { h, replace } from "../shell/dom";
import { checkRow } from "../shell/fields";
import { icon } from "../shell/icons";
import { toast } from "../alerts/banners";
import { alertSections, type AlertSections } from "../alerts/settingsalerts";
import { changed, state } from "../shell/state";
import { teamSection } from "../team/teamsettings";
import { ownPeriods, savedMessage, settingsErrorField, wholeNumber, type SettingsField } from "./settingsmodel";

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

/** The open dialog: the settings it started from and its inputs. */
interface SettingsForm {
  d: HTMLDialogElement;
  s: Settings;
  fields: Record<"clipboard" | "soon" | "stale" | "rotate", HTMLInputElement>;
  onStart: HTMLInputElement;
  alerts: AlertSections;
  error: HTMLElement;
  save: HTMLButtonElement;
}

export function openSettings(): void {
  const v = state.view;
  if (!v) return;
  const d = dialog();
  if (d.open) return;
  document.querySelector<HTMLDialogElement>("dialog[open]")?.close();
  const s = v.settings;
  const f: SettingsForm = {
    d,
    s,
    fields: {
      clipboard: numberInput("settings-clipboard", s.clipboard_clear_secs, 1, 3600),
      soon: numberInput("settings-soon", s.policy.expiring_soon_days, 1, 365),
      stale: numberInput("settings-stale", s.policy.stale_days, 1, 3650),
      rotate: numberInput("settings-rotate", s.policy.rotate_after_days, 1, 3650),
    },
    onStart: h("input", { type: "checkbox", id: "s-validate-on-start", testid: "settings-validate-on-start", checked: s.validate_on_start }),
    alerts: alertSections(s),
    error: h("div", { class: "form-error", testid: "settings-error", role: "alert", hidden: true }),
    save: h("button", { class: "btn btn-primary", type: "submit", testid: "settings-save" }, "Save"),
  };
  const form = settingsLayout(f);
  replace(d, form);
  // Editing the field an error pointed at takes the error away.
  form.addEventListener("input", (ev) => {
    const el = ev.target as HTMLElement;
    if (!el.classList.contains("invalid")) return;
    el.classList.remove("invalid");
    if (!d.querySelector(".invalid")) f.error.hidden = true;
  });
  busy = false;
  d.showModal();
  f.fields.clipboard.focus();
  f.fields.clipboard.select();
}

function settingsLayout(f: SettingsForm): HTMLFormElement {
  const close = () => f.d.close();
  const cancel = h("button", { class: "btn", type: "button", testid: "settings-cancel", onclick: close }, "Cancel");
  return h(
    "form",
    { class: "dialog-inner settings-form", novalidate: true, onsubmit: (ev: Event) => void submit(f, ev) },
    h(
      "header",
      { class: "dialog-header" },
      h("h2", { class: "dialog-title" }, h("span", { class: "title-icon" }, icon("gear", 18)), "Settings"),
      h("button", { class: "icon-btn", type: "button", "aria-label": "Close", title: "Close (Esc)", onclick: close }, icon("x", 16)),
    ),
    h("div", { class: "dialog-body" }, ...numberSections(f), validateOnStart(f.onStart), ...f.alerts.nodes, ...teamSection()),
    h("footer", { class: "dialog-footer" }, f.error, h("div", { class: "dialog-actions" }, cancel, f.save)),
  );
}

function numberSections(f: SettingsForm): HTMLElement[] {
  const { clipboard, soon, stale, rotate } = f.fields;
  const periods = ownPeriods(state.platforms);
  return [
    h("h3", { class: "settings-heading" }, "Clipboard"),
    numberRow("Clear the clipboard after", clipboard, "seconds", "Only if it still holds the secret Latchkey copied."),
    h("h3", { class: "settings-heading" }, "Warnings"),
    numberRow("Expiring soon", soon, "days", "Warn this long before a token expires."),
    numberRow("Stale after", stale, "days unused", periods ? `For platforms without a period of their own. ${periods}.` : "For platforms without a period of their own."),
    numberRow("Rotation reminder after", rotate, "days", "For tokens without an expiry, counted from when they were stored or last replaced."),
  ];
}

function validateOnStart(onStart: HTMLInputElement): HTMLElement[] {
  return [
    h("h3", { class: "settings-heading" }, "Platform checks"),
    checkRow(onStart, "Validate all tokens with their platforms when Latchkey starts", "Off by default: each start then contacts every platform your tokens belong to."),
  ];
}

function showError(f: SettingsForm, message: string, focus: HTMLInputElement | null): void {
  f.error.hidden = false;
  replace(f.error, icon("alert", 14), h("span", null, message));
  if (focus) {
    focus.classList.add("invalid");
    focus.focus();
    focus.select();
  }
}

function fieldInput(f: SettingsForm, field: SettingsField): HTMLInputElement {
  if (field === "leadTimes") return f.alerts.custom;
  if (field === "startAtLogin") return f.alerts.startAtLogin;
  return f.fields[field];
}

/** The Settings to save, or null after showing what is wrong. */
function readSettings(f: SettingsForm): Settings | null {
  const asked: [keyof SettingsForm["fields"], string][] = [
    ["clipboard", "the seconds before the clipboard is cleared"],
    ["soon", "the “expiring soon” days"],
    ["stale", "the stale period in days"],
    ["rotate", "the rotation period in days"],
  ];
  const n: Partial<Record<keyof SettingsForm["fields"], number>> = {};
  for (const [k, what] of asked) {
    const value = wholeNumber(f.fields[k].value);
    if (value === null) return showError(f, `Enter ${what} as a whole number.`, f.fields[k]), null;
    n[k] = value;
  }
  const more = f.alerts.read();
  if (!more.ok) return showError(f, more.error, more.focus), null;
  // Everything this dialog does not show goes back as it was.
  const policy = { ...f.s.policy, expiring_soon_days: n.soon!, stale_days: n.stale!, rotate_after_days: n.rotate! };
  return { ...f.s, ...more.value, clipboard_clear_secs: n.clipboard!, policy, validate_on_start: f.onStart.checked };
}

async function submit(f: SettingsForm, ev: Event): Promise<void> {
  ev.preventDefault();
  if (busy) return;
  f.error.hidden = true;
  for (const el of f.d.querySelectorAll(".invalid")) el.classList.remove("invalid");
  const next = readSettings(f);
  if (!next) return;
  busy = true;
  f.save.disabled = true;
  f.d.classList.add("busy");
  try {
    const saved = await api.updateSettings(next);
    if (state.view) state.view.settings = saved;
    busy = false;
    f.d.close();
    changed();
    toast(savedMessage(f.s, saved));
    // Warning periods change the statuses Rust computes.
    await refresh();
  } catch (e) {
    const err = toErrorPayload(e);
    const field = settingsErrorField(err.field);
    showError(f, err.message, field ? fieldInput(f, field) : null);
  } finally {
    busy = false;
    f.save.disabled = false;
    f.d.classList.remove("busy");
  }
}
