// The settings dialog's "Alerts" and "Background" sections: when desktop alerts fire, and
// whether Latchkey keeps running (tray icon, alerts) with its window closed.

import type { Settings } from "../bindings/Settings";
import { h } from "../shell/dom";
import { checkRow } from "../shell/fields";
import { formatLeadTimes, joinLeadTimes, leadSummary, parseLeadTimes, splitLeadTimes, STANDARD_LEADS, type StandardLead } from "./leadtimes";

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

/** The lead-time choices: a checkbox per standard time, and "Other…" for the rest. */
interface Leads {
  choices: { lead: StandardLead; input: HTMLInputElement }[];
  custom: HTMLInputElement;
  summary: HTMLElement;
}

function leadInputs(secs: number[]): Leads {
  const { standard, custom: extra } = splitLeadTimes(secs);
  return {
    choices: STANDARD_LEADS.map((l) => ({ lead: l, input: checkbox(l.testid, standard.has(l.secs)) })),
    custom: h("input", {
      class: "input lead-custom",
      type: "text",
      id: "s-settings-lead-custom",
      testid: "settings-lead-custom",
      value: formatLeadTimes(extra),
      placeholder: "e.g. 2h, 30m",
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": "s-lead-summary",
    }),
    summary: h("div", { class: "field-note lead-summary", id: "s-lead-summary", testid: "settings-lead-summary", "aria-live": "polite" }),
  };
}

function readLeads(l: Leads) {
  return joinLeadTimes(
    l.choices.filter((c) => c.input.checked).map((c) => c.lead.secs),
    l.custom.value,
  );
}

/** Say in words what will happen, as the user types; a typo shows here before Save. Show the
 *  times back as they will be kept: "90m" becomes "1h 30m", and a standard time typed in
 *  "Other…" ("1d") ticks its checkbox instead. */
function wireLeads(l: Leads): void {
  const update = () => {
    const s = leadSummary(readLeads(l));
    l.summary.classList.toggle("is-error", s.error);
    l.summary.textContent = s.text;
  };
  for (const c of l.choices) c.input.addEventListener("change", update);
  l.custom.addEventListener("input", update);
  l.custom.addEventListener("blur", () => {
    const p = parseLeadTimes(l.custom.value);
    if (!p.ok) return;
    const { standard: typed, custom: rest } = splitLeadTimes(p.value);
    for (const c of l.choices) if (typed.has(c.lead.secs)) c.input.checked = true;
    l.custom.value = formatLeadTimes(rest);
    update();
  });
  update();
}

function leadFieldset(l: Leads): HTMLElement {
  return h(
    "fieldset",
    { class: "lead-set" },
    h("legend", { class: "field-label" }, "Desktop alert before a token expires"),
    h(
      "div",
      { class: "lead-choices" },
      l.choices.map(({ lead, input }) => h("label", { class: "lead-choice", for: input.id }, input, h("span", null, lead.label))),
    ),
    h("div", { class: "lead-other" }, h("label", { class: "field-label lead-other-label", for: l.custom.id }, "Other…"), l.custom),
    l.summary,
  );
}

export function alertSections(s: Settings): AlertSections {
  const leads = leadInputs(s.alerts.lead_times_secs);
  wireLeads(leads);
  const onStale = checkbox("settings-alert-stale", s.alerts.on_stale);
  const onInvalid = checkbox("settings-alert-invalid", s.alerts.on_invalid);
  const keepRunning = checkbox("settings-keep-running", s.keep_running_in_background);
  const startAtLogin = checkbox("settings-start-at-login", s.start_at_login);
  const nodes = [
    h("h3", { class: "settings-heading" }, "Alerts"),
    leadFieldset(leads),
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
    custom: leads.custom,
    startAtLogin,
    read() {
      const all = readLeads(leads);
      if (!all.ok) return { ok: false, error: all.error, focus: leads.custom };
      // Fields of AlertPolicy this dialog does not know about go back as they were.
      const alerts = { ...s.alerts, lead_times_secs: all.value, on_stale: onStale.checked, on_invalid: onInvalid.checked };
      return { ok: true, value: { alerts, keep_running_in_background: keepRunning.checked, start_at_login: startAtLogin.checked } };
    },
  };
}
