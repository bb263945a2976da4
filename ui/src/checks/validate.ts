// Platform checks: one token (Validate, V) or all of them (Validate all, Shift+V), with a
// progress bar fed by `validate-progress` events. Rows update as their results arrive, and the
// list keeps its order until the run ends so that nothing jumps under the pointer.

import { refresh, reportError } from "../tokens/actions";
import { api, targetOf, type CheckSummary } from "../api";
import type { CheckProgress } from "../bindings/CheckProgress";
import type { TokenRecord } from "../bindings/TokenRecord";
import { h } from "../shell/dom";
import { icon } from "../shell/icons";
import { toast } from "../alerts/banners";
import { sortTokens } from "../tokens/query";
import { changed, findToken, platformName, putRow, state, type ValidateRun } from "../shell/state";
import { formatSummary, resultToast } from "./validation";

/** Put a record Rust just stored into the view, so its row and detail show it at once. */
function patchRecord(rec: TokenRecord): void {
  const t = state.view?.tokens.find((x) => x.record.id === rec.id);
  if (!t) return;
  t.record = rec;
  t.status = { ...t.status, checked: rec.last_validation?.result ?? "unknown" };
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;

/** Re-read the view soon (Rust computes the health); many results in a burst read it once. */
function refreshSoon(): void {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    void refresh();
  }, 200);
}

export async function validateToken(id: string): Promise<void> {
  const t = findToken(id);
  if (!t || state.validating.has(id)) return;
  if (t.record.revoked) {
    toast(`“${t.record.label}” is revoked; there is nothing to validate.`, "warning");
    return;
  }
  state.validating.add(id);
  changed();
  try {
    const row = await api.validateToken(targetOf(t));
    putRow(row);
    const rec = row.record;
    const r = resultToast(rec, platformName(rec.platform));
    toast(r.text, r.tone);
  } catch (e) {
    reportError(e);
  } finally {
    state.validating.delete(id);
    changed();
  }
  await refresh();
}

// --- validate all ----------------------------------------------------------------------

/** Counts kept from the events, for a run Rust started (validate_on_start). */
let counts: CheckSummary = { total: 0, valid: 0, invalid: 0, cannot_check: 0, failed: 0 };
/** When the last run ended and how many it had: its late events are ignored. */
let ended = { at: 0, total: 0 };

function liveIds(): string[] {
  const all = state.view?.tokens ?? [];
  return sortTokens(all, state.sort, platformName)
    .filter((t) => !t.record.revoked)
    .map((t) => t.record.id);
}

function startRun(ours: boolean, total: number): ValidateRun {
  const ids = liveIds();
  const run: ValidateRun = { done: 0, total, ours, pending: new Set(ids), finished: false };
  state.validateRun = run;
  // Keep the rows where they are (all of them, whatever the search) until the run ends.
  state.frozenOrder = sortTokens(state.view?.tokens ?? [], state.sort, platformName).map((t) => t.record.id);
  counts = { total, valid: 0, invalid: 0, cannot_check: 0, failed: 0 };
  changed();
  return run;
}

function finishRun(run: ValidateRun, summary: CheckSummary): void {
  run.finished = true;
  run.done = run.total = summary.total;
  run.pending.clear();
  ended = { at: Date.now(), total: summary.total };
  const s = formatSummary(summary, !run.ours);
  toast(s.text, s.tone);
  changed();
  void refresh().then(() => {
    // Leave "Checked 12 of 12" up for a moment, then re-sort and hide the bar.
    setTimeout(() => {
      if (state.validateRun !== run) return;
      state.validateRun = null;
      state.frozenOrder = null;
      changed();
    }, 1500);
  });
}

export async function validateAll(): Promise<void> {
  if (state.validateRun && !state.validateRun.finished) return;
  if (liveIds().length === 0) {
    toast(state.view?.tokens.length ? "Every token is revoked; there is nothing to validate." : "There are no tokens to validate yet.");
    return;
  }
  const run = startRun(true, liveIds().length);
  try {
    const summary = await api.validateAll();
    finishRun(run, summary);
  } catch (e) {
    run.finished = true;
    state.validateRun = null;
    state.frozenOrder = null;
    reportError(e);
    changed();
    await refresh();
  }
}

function onProgress(p: CheckProgress): void {
  let run = state.validateRun;
  if (!run || run.finished) {
    // A late event of a run that just ended, or a run Rust started itself.
    if (Date.now() - ended.at < 3000 && p.total === ended.total) return;
    run = startRun(false, p.total);
  }
  run.done = Math.max(run.done, p.done);
  run.total = p.total;
  run.pending.delete(p.id);
  if (p.record) patchRecord(p.record);
  const result = p.record?.last_validation?.result;
  if (result === "valid") counts.valid++;
  else if (result === "invalid") counts.invalid++;
  else if (result === "cannot_check") counts.cannot_check++;
  else counts.failed++;
  changed();
  refreshSoon();
  // Our own run ends when validate_all answers; one Rust started ends with its last event.
  if (!run.ours && run.done >= run.total) finishRun(run, { ...counts, total: run.total });
}

export async function listenForProgress(): Promise<void> {
  await api.onValidateProgress(onProgress);
}

// --- header controls -------------------------------------------------------------------

let bar: HTMLElement | null = null;
let barText: HTMLElement;
let barFill: HTMLElement;
let button: HTMLButtonElement;

/** The progress indicator and the Validate all button, for the header. */
export function headerValidateControls(): HTMLElement[] {
  barText = h("span", { class: "validate-progress-text" });
  barFill = h("span", { class: "validate-progress-fill" });
  bar = h(
    "div",
    { class: "validate-progress", testid: "check-progress", role: "progressbar", "aria-label": "Checking tokens", "aria-valuemin": 0, hidden: true },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    barText,
    h("span", { class: "validate-progress-track", "aria-hidden": "true" }, barFill),
  );
  button = h(
    "button",
    {
      class: "btn validate-all",
      type: "button",
      testid: "validate-all",
      title: "Check every token with its platform (Shift+V)",
      "aria-label": "Validate all tokens",
      onclick: () => void validateAll(),
    },
    icon("checks", 15),
    h("span", { class: "btn-text" }, "Validate all"),
  );
  return [bar, button];
}

export function renderValidateControls(): void {
  if (!bar) return;
  const run = state.validateRun;
  const running = !!run && !run.finished;
  button.disabled = running || !state.view || !state.view.tokens.some((t) => !t.record.revoked);
  button.setAttribute("aria-busy", String(running));
  bar.hidden = !run;
  if (!run) return;
  bar.dataset.done = String(run.done);
  bar.dataset.total = String(run.total);
  bar.dataset.finished = String(run.finished);
  bar.setAttribute("aria-valuemax", String(run.total));
  bar.setAttribute("aria-valuenow", String(run.done));
  barText.textContent = run.finished ? `Checked ${run.total} of ${run.total}` : `Checking ${run.done} of ${run.total}…`;
  barFill.style.width = `${run.total ? Math.round((run.done / run.total) * 100) : 100}%`;
}
