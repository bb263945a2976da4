// The token list: one row per token, a header, and the empty / no-match states.
// Rows are keyed by token id: a render keeps each row's element, patches only the parts
// whose data changed (see rowmodel.ts) and moves rows into the new order, so focus and
// selection stay where they are. Live texts (countdowns, stale age, "Copied · clears in N s")
// are updated in place by the window's single timer.

import { copySecret, refresh } from "./actions";
import { formatClipboard, formatCountdown, formatUnused } from "./countdown";
import { h, patchAttrs, replace } from "../shell/dom";
import { openAddForm } from "./form";
import { icon, platformBadge } from "../shell/icons";
import { pill } from "./labels";
import { snoozedMark } from "./snooze";
import { afterRender, allTokens, changed, platformName, select, state, visibleTokens } from "../shell/state";
import { teamBadge } from "../team/teamsection";
import { addTickSource, watched } from "../shell/ticker";
import { partKey, rowModel, type RowModel } from "./rowmodel";

/** The elements of one row that the timer updates. */
interface Live {
  countdown: { el: HTMLElement; expMs: number } | null;
  stale: { el: HTMLElement; sinceMs: number; by: string | null } | null;
  feedback: HTMLElement | null;
}

/** One row: its element, its parts with the key each was built from, and its live texts. */
interface KeyedRow {
  el: HTMLElement;
  parts: { key: string; el: HTMLElement }[];
  live: Live;
}

let pane: HTMLElement;
let listEl: HTMLElement;
let countEl: HTMLElement;
const rows = new Map<string, KeyedRow>();

export function mountList(root: HTMLElement): void {
  countEl = h("span", { class: "list-count", testid: "list-count", "aria-live": "polite" });
  listEl = h("div", { class: "token-list", testid: "token-list", role: "list", "aria-label": "Tokens" });
  pane = root;
  replace(
    root,
    h(
      "div",
      { class: "list-head", "aria-hidden": "true" },
      h("span", { class: "c-main" }, "Token ", countEl),
      h("span", { class: "c-hint" }, "Secret"),
      h("span", { class: "c-status" }, "Status"),
      h("span", { class: "c-actions" }),
    ),
    listEl,
  );
  addTickSource(tickList);
}

export function renderList(): void {
  const shown = visibleTokens();
  const total = state.view ? allTokens().length : 0;
  const now = Date.now();
  const viewNowMs = state.view ? Date.parse(state.view.now) : null;
  const models = shown.map((t) => {
    const id = t.record.id;
    const pending = state.validating.has(id) || !!state.validateRun?.pending.has(id);
    return rowModel(t, { selectedId: state.selectedId, platformName: platformName(t.record.platform), copied: state.copied.has(id), pending, viewNowMs, nowMs: now });
  });
  placeRows(models.map(patchRow));
  pane.querySelector(".list-placeholder")?.remove();
  countEl.textContent = state.search.trim() && total ? `${shown.length} of ${total}` : total ? String(total) : "";
  pane.classList.toggle("is-empty", shown.length === 0);
  const empty = emptyContent(total, shown.length);
  if (empty) pane.append(placeholder(empty));
  tickList(now);
}

/** What the list shows instead of rows, if anything. */
function emptyContent(total: number, shown: number): HTMLElement | null {
  if (!state.view) return state.loadError ? loadFailed(state.loadError) : h("div", { class: "loading" }, h("span", { class: "spinner" }), "Opening the vault…");
  if (total === 0) return emptyState();
  if (shown > 0) return null;
  return h(
    "div",
    { class: "no-results", testid: "no-results" },
    h("p", null, "No tokens match “", h("strong", null, state.search.trim()), "”."),
    h("button", { class: "btn", type: "button", onclick: clearSearch }, "Clear search"),
  );
}

function placeholder(content: Node): HTMLElement {
  return h("div", { class: "list-placeholder" }, content);
}

function emptyState(): HTMLElement {
  return h(
    "div",
    { class: "empty-state", testid: "empty-state" },
    h("div", { class: "empty-icon" }, icon("key", 36)),
    h("h2", null, "No tokens yet"),
    h(
      "p",
      null,
      "Keep your Supervisely, CVAT, Roboflow, Encord and env0 tokens in one place. " +
        "Latchkey stores each secret in the system keychain, shows when it expires, and copies it without putting it on screen.",
    ),
    h(
      "button",
      { class: "btn btn-primary", type: "button", testid: "empty-add", onclick: () => openAddForm() },
      icon("plus", 14),
      "Add your first token",
    ),
    h("p", { class: "hint-line" }, "Shortcut: ", h("kbd", null, "N")),
  );
}

function loadFailed(message: string): HTMLElement {
  return h(
    "div",
    { class: "empty-state error", role: "alert", testid: "load-error" },
    h("div", { class: "empty-icon" }, icon("alert", 32)),
    h("h2", null, "The vault could not be opened"),
    h("p", null, message),
    h("button", { class: "btn", type: "button", onclick: () => void refresh() }, icon("rotate", 14), "Try again"),
  );
}

function clearSearch(): void {
  state.search = "";
  const input = document.querySelector<HTMLInputElement>('[data-testid="search"]');
  if (input) input.value = "";
  changed();
}

/** A row's parts in order, each rebuilt only when its key (the data it shows) changed. */
const PARTS: { key: (m: RowModel) => string; build: (m: RowModel, live: Live) => HTMLElement }[] = [
  { key: (m) => partKey(m, "platform"), build: (m) => h("div", { class: "c-badge" }, platformBadge(m.platform, 30)) },
  { key: (m) => partKey(m, "label", "snoozed", "staleSinceMs", "staleSource", "staleBy", "rotationDue", "rotationStopped", "copied", "team", "platformName", "owner", "tags", "moreTags"), build: mainPart },
  { key: (m) => partKey(m, "hint", "publicPart"), build: hintPart },
  { key: (m) => partKey(m, "pill", "mark", "checked", "revoked", "countdown"), build: statusPart },
  { key: (m) => partKey(m, "label", "revoked"), build: actionsPart },
];

/** The row of `m`, made or patched: attributes in place, parts only where they changed. */
function patchRow(m: RowModel): HTMLElement {
  let row = rows.get(m.id);
  if (!row) {
    const el = h("div", { role: "listitem", testid: "token-row", "data-id": m.id, onclick: () => select(m.id) });
    row = { el, parts: [], live: { countdown: null, stale: null, feedback: null } };
    rows.set(m.id, row);
  }
  patchAttrs(row.el, {
    class: `row${m.selected ? " selected" : ""}${m.revoked ? " is-revoked" : ""}`,
    "data-label": m.label,
    "data-state": m.state,
    "data-team": m.teamId ?? false,
    "aria-current": m.selected ? "true" : false,
    "data-checked": m.checked,
    "aria-label": m.ariaLabel,
    tabindex: m.selected ? 0 : -1,
  });
  PARTS.forEach((p, i) => {
    const key = p.key(m);
    const old = row.parts[i];
    if (old?.key === key) return;
    const el = p.build(m, row.live);
    if (old) old.el.replaceWith(el);
    else row.el.append(el);
    row.parts[i] = { key, el };
  });
  return row.el;
}

/** Drop the rows not shown any more and put the rest in order. The row holding focus never
 *  moves (moving a node takes its focus away): the others are placed around it. */
function placeRows(els: HTMLElement[]): void {
  const keep = new Set(els);
  for (const [id, row] of rows) {
    if (keep.has(row.el)) continue;
    row.el.remove();
    rows.delete(id);
  }
  const active = document.activeElement;
  const pivot = els.findIndex((el) => el.contains(active));
  let cursor: ChildNode | null = listEl.firstChild;
  els.forEach((el, i) => {
    if (i === pivot) cursor = el.nextSibling;
    else if (el === cursor) cursor = cursor.nextSibling;
    else listEl.insertBefore(el, cursor);
  });
}

function mainPart(m: RowModel, live: Live): HTMLElement {
  live.stale = null;
  let stale: HTMLElement | null = null;
  if (m.staleSinceMs !== null) {
    const text = h("span", { class: "chip-text" });
    stale = h("span", { class: "chip chip-warn", testid: "row-stale", title: `Not used for longer than the staleness period, ${m.staleSource}` }, icon("clock", 12), text);
    live.stale = { el: text, sinceMs: m.staleSinceMs, by: m.staleBy };
  }
  live.feedback = m.copied ? h("span", { class: "chip chip-ok feedback", testid: "row-feedback", role: "status" }) : null;
  const rotation = m.rotationDue
    ? h(
        "span",
        { class: "chip chip-info chip-icon", testid: "row-rotation", role: "img", "aria-label": "Rotation due", title: "Rotation due: no expiry, and older than the rotation period. Consider replacing the secret." },
        icon("rotate", 12),
      )
    : null;
  const stopped = m.rotationStopped
    ? h(
        "span",
        { class: "chip chip-warn chip-icon", testid: "row-rotation-stopped", role: "img", "aria-label": "Rotation stopped halfway", title: "Rotation stopped halfway: both keys are kept in your keychain. Open the token to finish or undo it." },
        icon("rotate", 12),
      )
    : null;
  const label = h("span", { class: "label", testid: "row-label", title: m.label }, m.label);
  return h("div", { class: "c-main" }, h("div", { class: "line1" }, label, m.snoozed ? snoozedMark(m.snoozed) : null, stopped, stale, rotation, live.feedback), line2(m));
}

function line2(m: RowModel): HTMLElement {
  const more = m.moreTags.length ? h("span", { class: "tag more", title: m.moreTags.join(", ") }, `+${m.moreTags.length}`) : null;
  return h(
    "div",
    { class: "line2" },
    m.team ? teamBadge(m.team, "row-team") : null,
    h("span", { class: "platform-name", testid: "row-platform" }, m.platformName),
    m.owner ? h("span", { class: "owner", title: m.owner }, m.owner) : null,
    m.tags.length ? h("span", { class: "tags" }, m.tags.map((tag) => h("span", { class: "tag" }, tag)), more) : null,
  );
}

function hintPart(m: RowModel): HTMLElement {
  const pub = m.publicPart;
  return h(
    "div",
    { class: "c-hint", testid: "row-hint" },
    h("span", { class: "mono hint", title: "Last characters of the secret" }, m.hint),
    pub ? h("span", { class: "mono public", title: `${pub.caption}: ${pub.value}` }, pub.value) : null,
  );
}

function statusPart(m: RowModel, live: Live): HTMLElement {
  const countdown = h("span", { class: "countdown", testid: "row-countdown" });
  live.countdown = null;
  if ("text" in m.countdown) countdown.textContent = m.countdown.text;
  else live.countdown = { el: countdown, expMs: m.countdown.expMs };
  return h("div", { class: "c-status" }, h("div", { class: "status-line" }, pill(m.pill, "row-status"), validateMark(m)), countdown);
}

function actionsPart(m: RowModel): HTMLElement {
  const copy = h(
    "button",
    {
      class: "btn btn-small btn-row",
      type: "button",
      testid: "row-copy",
      "aria-label": `Copy the secret of ${m.label}`,
      title: m.revoked ? "The secret was removed when the token was revoked" : "Copy the secret to the clipboard (C)",
      disabled: m.revoked,
      onclick: (ev: MouseEvent) => {
        ev.stopPropagation();
        void copySecret(m.id);
      },
    },
    icon("copy", 14),
    "Copy",
  );
  return h("div", { class: "c-actions" }, copy);
}

const MARK_ICONS = { valid: "check", invalid: "x", cannot_check: "alert" } as const;

/** ✓ / ✗ / ⚠ (or a faint dot) beside the status pill: the last platform answer. */
function validateMark(m: RowModel): HTMLElement {
  const c = m.checked;
  const { pending, sentence } = m.mark;
  const mark = pending ? h("span", { class: "spinner" }) : m.revoked ? null : c === "unknown" ? h("span", { class: "faint-dot" }) : icon(MARK_ICONS[c], 13);
  return h(
    "span",
    {
      class: `row-check validate-${c}${pending ? " is-pending" : ""}${m.revoked ? " is-revoked" : ""}`,
      testid: "row-check",
      "data-checked": c,
      "data-pending": pending ? "true" : false,
      role: "img",
      "aria-label": sentence,
      title: sentence,
    },
    mark,
  );
}

/** Update every live text of the list for `now`; returns when one next changes. */
function tickList(now: number): number {
  let next = Infinity;
  const show = (el: HTMLElement, f: { text: string; nextChangeMs: number }) => {
    if (el.textContent !== f.text) el.textContent = f.text;
    next = Math.min(next, f.nextChangeMs);
  };
  for (const [id, { live }] of rows) {
    if (live.countdown) show(live.countdown.el, formatCountdown(live.countdown.expMs, now, watched()));
    if (live.stale) {
      const f = formatUnused(live.stale.sinceMs, now);
      // The row has little room: the platform's name only; the title has the whole phrase.
      show(live.stale.el, { ...f, text: live.stale.by ? `${f.text} · ${live.stale.by}` : f.text });
    }
    if (live.feedback) next = Math.min(next, tickFeedback(id, live, now));
  }
  return next;
}

/** "Copied · clears in N s"; the chip goes once the clipboard was cleared. */
function tickFeedback(id: string, live: Live, now: number): number {
  const f = formatClipboard(state.copied.get(id) ?? 0, now);
  if (!f) {
    live.feedback?.remove();
    live.feedback = null;
    state.copied.delete(id);
    return Infinity;
  }
  if (live.feedback!.textContent !== f.text) replace(live.feedback!, icon("check", 12), h("span", { class: "chip-text" }, f.text));
  return f.nextChangeMs;
}

// --- selection and focus -------------------------------------------------------------

function rowEl(id: string): HTMLElement | null {
  return rows.get(id)?.el ?? null;
}

/** Focus the selected row (after keyboard moves) and keep it in view. */
export function focusSelectedRow(): void {
  if (!state.selectedId) return;
  const r = rowEl(state.selectedId);
  if (!r) return;
  r.focus({ preventScroll: true });
  r.scrollIntoView({ block: "nearest" });
}

/** Move the selection by `delta` rows (arrow keys); selects the first row if none. */
export function moveSelection(delta: number): void {
  const shown = visibleTokens();
  if (shown.length === 0) return;
  const i = shown.findIndex((t) => t.record.id === state.selectedId);
  const last = shown.length - 1;
  const fromNone = Math.abs(delta) === Infinity ? (delta > 0 ? last : 0) : delta > 0 ? 0 : last;
  const j = i < 0 ? fromNone : Math.min(last, Math.max(0, i + delta));
  select(shown[j].record.id);
  afterRender(focusSelectedRow);
}
