// The settings dialog's "Alerts" and "Background" sections: when desktop alerts fire, and
// whether Latchkey keeps running (tray icon, alerts) with its window closed.

import type { Settings } from "../bindings/Settings";
import { h } from "../shell/dom";
import { describeLeads, formatLeadTimes, joinLeadTimes, parseLeadTimes, splitLeadTimes, STANDARD_LEADS } from "./leadtimes";

export interface AlertSections {
  nodes: HTMLElement[];
  /** The "Other…" field (the dialog focuses it when its times are refused). */
  custom: HTMLInputElement;
  startAtLogin: HTMLInputElement;
  /** These sections' part of Settings, or the error to show at `focus`. */
  read(): { ok: true; value: Pick<Settings, "alerts" | "keep_running_in_background" | "start_at_login"> } | { ok: false; error: string; focus: HTMLInputElement };
}

function checkbox(testid: string, checked: boolean): HTMLInputElement {
  return h("input", { type: "checkbox", id: `s-${testid}`, testid, checked });
}

/** A checkbox with its label and a note underneath. */
function checkRow(input: HTMLInputElement, label: string, note?: string): HTMLElement {
  return h(
    "div",
    { class: "setting-check" },
    input,
    h("div", null, h("label", { class: "field-label", for: input.id }, label), note ? h("div", { class: "field-note" }, note) : null),
  );
}

export function alertSections(s: Settings): AlertSections {
  const { standard, custom: extra } = splitLeadTimes(s.alerts.lead_times_secs);
  const leads = STANDARD_LEADS.map((l) => ({ lead: l, input: checkbox(l.testid, standard.has(l.secs)) }));
  const custom = h("input", {
    class: "input lead-custom",
    type: "text",
    id: "s-settings-lead-custom",
    testid: "settings-lead-custom",
    value: formatLeadTimes(extra),
    placeholder: "e.g. 2h, 30m",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "s-lead-summary",
  });
  const summary = h("div", { class: "field-note lead-summary", id: "s-lead-summary", testid: "settings-lead-summary", "aria-live": "polite" });
  const onStale = checkbox("settings-alert-stale", s.alerts.on_stale);
  const onInvalid = checkbox("settings-alert-invalid", s.alerts.on_invalid);
  const keepRunning = checkbox("settings-keep-running", s.keep_running_in_background);
  const startAtLogin = checkbox("settings-start-at-login", s.start_at_login);

  const ticked = () => leads.filter((l) => l.input.checked).map((l) => l.lead.secs);

  /** Say in words what will happen, as the user types; a typo shows here before Save. */
  function updateSummary(): void {
    const all = joinLeadTimes(ticked(), custom.value);
    summary.classList.toggle("is-error", !all.ok);
    summary.textContent = all.ok
      ? all.value.length
        ? `Alerts ${describeLeads(all.value)}.`
        : "No alerts before expiry. Tick a time or type one."
      : all.error;
  }
  for (const l of leads) l.input.addEventListener("change", updateSummary);
  custom.addEventListener("input", updateSummary);
  // Show the times back as they will be kept (and shown next time): "90m" becomes "1h 30m",
  // and a standard time typed here ("1d") ticks its checkbox instead.
  custom.addEventListener("blur", () => {
    const p = parseLeadTimes(custom.value);
    if (!p.ok) return;
    const { standard: typed, custom: rest } = splitLeadTimes(p.value);
    for (const l of leads) if (typed.has(l.lead.secs)) l.input.checked = true;
    custom.value = formatLeadTimes(rest);
    updateSummary();
  });
  updateSummary();

  const nodes = [
    h("h3", { class: "settings-heading" }, "Alerts"),
    h(
      "fieldset",
      { class: "lead-set" },
      h("legend", { class: "field-label" }, "Desktop alert before a token expires"),
      h(
        "div",
        { class: "lead-choices" },
        leads.map(({ lead, input }) => h("label", { class: "lead-choice", for: input.id }, input, h("span", null, lead.label))),
      ),
      h(
        "div",
        { class: "lead-other" },
        h("label", { class: "field-label lead-other-label", for: custom.id }, "Other…"),
        custom,
      ),
      summary,
    ),
    checkRow(onStale, "Alert when a token goes unused for too long", "Once, when it passes the stale period above."),
    checkRow(onInvalid, "Alert when a platform rejects a token", "Once per check that finds it revoked or expired on the platform."),
    h("h3", { class: "settings-heading" }, "Background"),
    checkRow(
      keepRunning,
      "Keep running in the background when the window is closed (tray icon and alerts)",
      "Off: closing the window quits Latchkey, and no alerts come until you start it again.",
    ),
    checkRow(startAtLogin, "Start Latchkey when I log in", "It starts in the background, with its tray icon; the window opens when you ask."),
  ];

  return {
    nodes,
    custom,
    startAtLogin,
    read() {
      const all = joinLeadTimes(ticked(), custom.value);
      if (!all.ok) return { ok: false, error: all.error, focus: custom };
      return {
        ok: true,
        value: {
          // Fields of AlertPolicy this dialog does not know about go back as they were.
          alerts: { ...s.alerts, lead_times_secs: all.value, on_stale: onStale.checked, on_invalid: onInvalid.checked },
          keep_running_in_background: keepRunning.checked,
          start_at_login: startAtLogin.checked,
        },
      };
    },
  };
}
