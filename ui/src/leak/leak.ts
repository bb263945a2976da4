// The Leak watch dialog: where to scan, Scan with a progress bar and Cancel, and the last
// report's findings with Revoke and Replace with a reference (stored tokens), Mark allowed and
// Import (unknown tokens). Findings hold no secret (masked excerpts); an import reads the token
// in Rust, and so does writing a reference (to check the file still holds the secret there).

import { refresh, reportError } from "../tokens/actions";
import { api, toErrorPayload } from "../api";
import type { Finding } from "../bindings/Finding";
import type { LeakPlaces } from "../bindings/LeakPlaces";
import type { LeakReport } from "../bindings/LeakReport";
import type { ReferencePreview } from "../bindings/ReferencePreview";
import type { ScanProgress } from "../bindings/ScanProgress";
import { h, replace } from "../shell/dom";
import { checkRow } from "../shell/fields";
import { icon } from "../shell/icons";
import { findingPlace, findingTitle, importLabel, nextScanText, placesFrom, progressPercent, progressText, referenceUnavailable, referenceWrittenText, reportSummary, scheduleChoices } from "./leakmodel";
import { toast } from "../alerts/banners";
import { revokeToken } from "../checks/revoke";
import { platformName, select, state } from "../shell/state";

let dlg: HTMLDialogElement | null = null;
let report: LeakReport | null = null;
let progress: ScanProgress | null = null;
let scanning = false;
let listening = false;
/** "Replace with a reference" waiting for its confirm: the finding and what its line becomes. */
let confirming: { index: number; preview: ReferencePreview } | null = null;
/** The last "Replace with a reference" error, shown in its finding. */
let referenceError: { index: number; message: string } | null = null;

function dialog(): HTMLDialogElement {
  if (dlg) return dlg;
  const d = h("dialog", { class: "dialog leak-dialog", testid: "leak-dialog", "aria-label": "Leak watch" });
  document.body.appendChild(d);
  return (dlg = d);
}

async function listen(): Promise<void> {
  if (listening) return;
  listening = true;
  await api.onLeakProgress((p) => {
    progress = p;
    scanning = true;
    renderBody();
  });
  await api.onLeakDone((r) => {
    report = r;
    confirming = null;
    referenceError = null;
    progress = null;
    scanning = false;
    renderBody();
    void refresh();
  });
}

export async function openLeakWatch(): Promise<void> {
  if (!state.view) return;
  const d = dialog();
  if (d.open) return;
  document.querySelector<HTMLDialogElement>("dialog[open]")?.close();
  await listen();
  try {
    report = await api.getLeakReport();
  } catch (e) {
    reportError(e);
  }
  renderBody();
  d.showModal();
}

async function startScan(homeDefaults: boolean, folders: string, includeIgnored: boolean): Promise<void> {
  const leak = state.view!.settings.leak;
  try {
    const saved = await api.setLeakSettings({ ...leak, places: placesFrom(homeDefaults, folders, includeIgnored, leak.places) });
    if (state.view) state.view.settings = saved;
    scanning = true;
    progress = null;
    renderBody();
    await api.startLeakScan();
  } catch (e) {
    scanning = false;
    renderBody();
    toast(toErrorPayload(e).message, "error");
  }
}

/** Save the schedule at once (the scheduler in the app plans again). */
async function setSchedule(value: string): Promise<void> {
  const leak = state.view!.settings.leak;
  const hours = value === "" ? undefined : Number(value);
  try {
    const saved = await api.setLeakSettings({ ...leak, places: { ...leak.places, schedule_hours: hours } });
    if (state.view) state.view.settings = saved;
    renderBody();
    toast(hours ? `Leak scans now run by themselves ${scheduleChoices(hours).find((c) => c.hours === hours)?.label.toLowerCase()}.` : "Scheduled leak scans are off.");
  } catch (e) {
    renderBody();
    reportError(e);
  }
}

async function allow(index: number): Promise<void> {
  try {
    report = await api.allowLeakFinding(index, false);
    confirming = null;
    referenceError = null;
    const s = await api.getView();
    state.view = s;
    renderBody();
    toast("Marked as allowed: this token in this file no longer raises an alert.");
  } catch (e) {
    reportError(e);
  }
}

async function importToken(index: number, f: Finding): Promise<void> {
  try {
    const rec = await api.importFoundToken(index, importLabel(f, platformName));
    await refresh();
    dlg?.close();
    select(rec.id);
    toast(`Imported as “${rec.label}”. Rename it with Edit, and remove it from ${f.path}.`);
  } catch (e) {
    reportError(e);
  }
}

/** Step 1: show what the line will become (masked) and ask. */
async function askReference(index: number): Promise<void> {
  referenceError = null;
  try {
    confirming = { index, preview: await api.leakReferencePreview(index) };
  } catch (e) {
    confirming = null;
    referenceError = { index, message: toErrorPayload(e).message };
  }
  renderBody();
  dlg?.querySelector<HTMLButtonElement>(confirming ? '[data-testid="leak-reference-confirm"]' : '[data-testid="leak-reference"]')?.focus();
}

/** Step 2: write it. The finding leaves the list; the token stays stored. */
async function writeReference(index: number): Promise<void> {
  try {
    const done = await api.replaceLeakWithReference(index);
    report = done.report;
    confirming = null;
    referenceError = null;
    renderBody();
    dlg?.querySelector<HTMLButtonElement>('[data-testid="leak-scan"]')?.focus();
    toast(referenceWrittenText(done.path, done.line, done.reference));
  } catch (e) {
    confirming = null;
    referenceError = { index, message: toErrorPayload(e).message };
    renderBody();
    dlg?.querySelector<HTMLButtonElement>('[data-testid="leak-reference"]')?.focus();
  }
}

function cancelReference(): void {
  confirming = null;
  renderBody();
  dlg?.querySelector<HTMLButtonElement>('[data-testid="leak-reference"]')?.focus();
}

/** The confirm step under a finding: the line as it will be, masked, and Replace / Cancel. */
function referenceConfirm(f: Finding, index: number, preview: ReferencePreview): HTMLElement {
  return h(
    "div",
    { class: "leak-confirm", testid: "leak-reference-step", role: "group", "aria-label": "Replace with a reference" },
    h("div", { class: "small" }, `Line ${f.line} will read:`),
    h("code", { class: "leak-excerpt leak-preview", testid: "leak-reference-preview" }, preview.line),
    h("div", { class: "muted small" }, "Only this occurrence is changed, and only if the file still holds the secret there. The token stays in Latchkey; ", h("code", {}, "latchkey run"), " and ", h("code", {}, "latchkey inject"), " resolve the reference."),
    h(
      "div",
      { class: "leak-actions leak-confirm-actions" },
      h("button", { class: "btn btn-small", type: "button", testid: "leak-reference-cancel", onclick: cancelReference }, "Cancel"),
      h("button", { class: "btn btn-primary btn-small", type: "button", testid: "leak-reference-confirm", onclick: () => void writeReference(index) }, icon("link", 13), "Replace"),
    ),
  );
}

async function revoke(id: string): Promise<void> {
  dlg?.close();
  select(id);
  await revokeToken(id);
}

function findingRow(f: Finding, index: number): HTMLElement {
  const k = f.kind;
  const actions: HTMLElement[] = [];
  let notes: HTMLElement | null = null;
  if (k.type === "stored") {
    const live = state.view?.tokens.find((t) => t.record.id === k.token_id && !t.record.revoked);
    const why = referenceUnavailable(f);
    if (live && why === null) {
      const open = confirming?.index === index;
      actions.push(
        h("button", { class: "btn btn-small", type: "button", testid: "leak-reference", "aria-expanded": open ? "true" : "false", title: "Write latchkey://… in place of the secret in this file", onclick: () => void (open ? cancelReference() : askReference(index)) }, icon("link", 13), "Replace with a reference"),
      );
    } else if (live && why) {
      notes = h("div", { class: "muted small", testid: "leak-reference-unavailable" }, why);
    }
    if (live) {
      actions.push(
        h("button", { class: "btn btn-danger-quiet btn-small", type: "button", testid: "leak-revoke", onclick: () => void revoke(k.token_id) }, icon("ban", 13), "Revoke"),
      );
    }
  }
  if (k.type === "unknown") {
    actions.push(
      h("button", { class: "btn btn-small", type: "button", testid: "leak-import", title: "Store it in Latchkey (read from the file; it never passes through this window)", onclick: () => void importToken(index, f) }, icon("plus", 13), "Import"),
    );
  }
  if (!f.allowed) {
    actions.push(
      h("button", { class: "btn btn-small", type: "button", testid: "leak-allow", title: "This file is expected to hold this token: stop alerting", onclick: () => void allow(index) }, icon("check", 13), "Mark allowed"),
    );
  }
  return h(
    "li",
    { class: f.allowed ? "leak-finding allowed" : "leak-finding", testid: "leak-finding" },
    h("div", { class: "leak-finding-title", testid: "leak-finding-title" }, f.allowed ? icon("check", 14) : icon("alert", 14), findingTitle(f, platformName), f.allowed ? h("span", { class: "chip chip-muted" }, "allowed") : null),
    h("div", { class: "leak-finding-place mono", testid: "leak-finding-place", title: f.path }, findingPlace(f)),
    h("code", { class: "leak-excerpt", testid: "leak-finding-excerpt" }, f.excerpt),
    notes,
    h(
      "div",
      { class: "leak-finding-foot" },
      h("span", { class: "muted small" }, f.modified_at ? `File changed ${new Date(f.modified_at).toLocaleString()}` : ""),
      h("span", { class: "leak-actions" }, ...actions),
    ),
    confirming?.index === index ? referenceConfirm(f, index, confirming.preview) : null,
    referenceError?.index === index ? h("div", { class: "form-error", testid: "leak-reference-error", role: "alert" }, referenceError.message) : null,
  );
}

function whereToLook(places: LeakPlaces): { nodes: HTMLElement[]; scan: () => void } {
  const home = h("input", { type: "checkbox", id: "leak-home", testid: "leak-home", checked: places.home_defaults, disabled: scanning });
  const ignored = h("input", { type: "checkbox", id: "leak-ignored", testid: "leak-include-ignored", checked: places.include_ignored, disabled: scanning });
  const folders = h("textarea", { class: "input leak-folders", id: "leak-folders", testid: "leak-folders", rows: 3, placeholder: "~/src/my-project", disabled: scanning });
  folders.value = places.folders.join("\n");
  const nodes = [
    h("h3", { class: "settings-heading" }, "Where to look"),
    checkRow(home, "Shell histories, dotfiles and .env files in your home folder", "bash, zsh and fish histories, ~/.env*, ~/supervisely.env, the Roboflow and env0 CLI config files."),
    h("label", { class: "field-label", for: folders.id }, "Project folders (one per line)"),
    folders,
    checkRow(ignored, "Include files .gitignore leaves out", ".env files are usually ignored, and still leak through backups and sharing."),
  ];
  return { nodes, scan: () => void startScan(home.checked, folders.value, ignored.checked) };
}

function when(current: number | null): HTMLElement[] {
  const schedule = h(
    "select",
    { class: "input leak-schedule", id: "leak-schedule", testid: "leak-schedule", onchange: (e: Event) => void setSchedule((e.target as HTMLSelectElement).value) },
    scheduleChoices(current).map((c) => h("option", { value: c.hours == null ? "" : String(c.hours), selected: c.hours === current }, c.label)),
  );
  const next = nextScanText(current, report, new Date());
  return [
    h("h3", { class: "settings-heading" }, "When"),
    h("div", { class: "leak-schedule-row" }, h("label", { class: "field-label", for: schedule.id }, "Scan by itself"), schedule),
    h("div", { class: "field-note", testid: "leak-next-scan", "aria-live": "polite" }, next ?? "Scans run only when you click Scan now."),
  ];
}

function scanRow(scan: () => void): HTMLElement {
  const scanBtn = h("button", { class: "btn btn-primary", type: "button", testid: "leak-scan", disabled: scanning, onclick: scan }, icon("search", 14), scanning ? "Scanning…" : "Scan now");
  const pct = progress ? progressPercent(progress) : null;
  const bar = scanning
    ? h(
        "div",
        { class: "leak-progress", testid: "leak-progress" },
        h("progress", { max: 100, value: pct ?? undefined }),
        h("span", { class: "muted small", testid: "leak-progress-text" }, progress ? progressText(progress) : "Starting…"),
        h("button", { class: "btn btn-small", type: "button", testid: "leak-cancel", onclick: () => void api.cancelLeakScan() }, "Cancel"),
      )
    : null;
  return h("div", { class: "leak-run" }, scanBtn, bar);
}

function renderBody(): void {
  const d = dlg;
  if (!d || !state.view) return;
  const places = state.view.settings.leak.places;
  const where = whereToLook(places);
  const findings = report?.findings ?? [];
  replace(
    d,
    h(
      "div",
      { class: "dialog-inner leak-inner" },
      h(
        "header",
        { class: "dialog-header" },
        h("h2", { class: "dialog-title" }, h("span", { class: "title-icon" }, icon("shieldCheck", 18)), "Leak watch"),
        h("button", { class: "icon-btn", type: "button", "aria-label": "Close", title: "Close (Esc)", onclick: () => d.close() }, icon("x", 16)),
      ),
      h(
        "div",
        { class: "dialog-body" },
        h("p", { class: "field-note" }, "Looks for the exact secrets Latchkey holds (and tokens of the five platforms it does not hold) in files on this computer. Nothing leaves the machine."),
        ...where.nodes,
        ...when(places.schedule_hours ?? null),
        scanRow(where.scan),
        h("p", { class: "muted small", testid: "leak-summary" }, report ? reportSummary(report) : "No scan yet."),
        findings.length ? h("ul", { class: "leak-findings", testid: "leak-findings" }, findings.map((f, i) => findingRow(f, i))) : null,
      ),
    ),
  );
}
