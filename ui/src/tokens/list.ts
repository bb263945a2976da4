// The token list: one row per token, a header, and the empty / no-match states.
// Live texts (countdowns, stale age, "Copied · clears in N s") are updated in place by
// the window's single timer; the rows themselves are rebuilt only when the state changes.

import { copySecret, refresh } from "./actions";
import { formatClipboard, formatCountdown, formatUnused } from "./countdown";
import { h, replace } from "../shell/dom";
import { openAddForm } from "./form";
import { icon, platformBadge } from "../shell/icons";
import { maskedHint, ownerText, publicPart, statusInfo, statusPill } from "./labels";
import { rowSnoozed } from "./snooze";
import { afterRender, allTokens, changed, platformName, select, state, visibleTokens } from "../shell/state";
import { teamBadge } from "../team/teamsection";
import type { ListToken } from "../team/teammodel";
import { addTickSource } from "../shell/ticker";
import { ago, VALIDATION_INFO, validationSentence } from "../checks/validation";

interface Live {
  countdowns: { el: HTMLElement; expMs: number }[];
  stale: { el: HTMLElement; sinceMs: number }[];
  feedback: Map<string, HTMLElement>;
}

let pane: HTMLElement;
let listEl: HTMLElement;
let countEl: HTMLElement;
let live: Live = { countdowns: [], stale: [], feedback: new Map() };
const MAX_TAGS = 3;

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
  const focus = focusedInList();
  const rows = visibleTokens();
  const total = state.view ? allTokens().length : 0;
  live = { countdowns: [], stale: [], feedback: new Map() };
  pane.querySelector(".list-placeholder")?.remove();
  replace(listEl, rows.map(row));
  countEl.textContent = state.search.trim() && total ? `${rows.length} of ${total}` : total ? String(total) : "";
  pane.classList.toggle("is-empty", rows.length === 0);

  if (!state.view) {
    pane.append(placeholder(state.loadError ? loadFailed(state.loadError) : h("div", { class: "loading" }, h("span", { class: "spinner" }), "Opening the vault…")));
  } else if (total === 0) {
    pane.append(placeholder(emptyState()));
  } else if (rows.length === 0) {
    pane.append(
      placeholder(
        h(
          "div",
          { class: "no-results", testid: "no-results" },
          h("p", null, "No tokens match “", h("strong", null, state.search.trim()), "”."),
          h("button", { class: "btn", type: "button", onclick: clearSearch }, "Clear search"),
        ),
      ),
    );
  }
  if (focus) restoreFocus(focus);
  tickList(Date.now());
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

function row(t: ListToken): HTMLElement {
  const r = t.record;
  const selected = r.id === state.selectedId;
  const pub = publicPart(r);
  const owner = ownerText(r);
  const tags = r.tags ?? [];
  const name = platformName(r.platform);

  const revoked = !!r.revoked;
  const countdown = h("span", { class: "countdown", testid: "row-countdown" });
  if (r.revoked) countdown.textContent = `revoked ${ago(r.revoked.at, Date.now())}`;
  else if (r.expires_at) live.countdowns.push({ el: countdown, expMs: Date.parse(r.expires_at) });
  else countdown.textContent = "no expiry set";

  let stale: HTMLElement | null = null;
  if (t.status.stale_for_secs != null && state.view && !revoked) {
    stale = h("span", { class: "chip chip-warn", testid: "row-stale", title: "Not used for longer than the platform's staleness period" }, icon("clock", 12), h("span", { class: "chip-text" }));
    const sinceMs = Date.parse(state.view.now) - t.status.stale_for_secs * 1000;
    live.stale.push({ el: stale.lastChild as HTMLElement, sinceMs });
  }

  const feedback = h("span", { class: "chip chip-ok feedback", testid: "row-feedback", role: "status" });
  if (state.copied.has(r.id)) live.feedback.set(r.id, feedback);
  const snoozed = rowSnoozed(r, Date.now());

  const el = h(
    "div",
    {
      class: `row${selected ? " selected" : ""}${revoked ? " is-revoked" : ""}`,
      role: "listitem",
      testid: "token-row",
      "data-id": r.id,
      "data-label": r.label,
      "data-state": t.status.health.state,
      "data-team": t.team?.vault_id ?? false,
      "aria-current": selected ? "true" : false,
      "data-checked": t.status.checked,
      "aria-label": `${r.label}, ${name}${t.team ? `, team vault ${t.team.vault_name}` : ""}, ${statusInfo(t.status.health).label}${revoked ? "" : `, ${VALIDATION_INFO[t.status.checked].word.toLowerCase()}`}${snoozed ? ", alerts snoozed" : ""}`,
      tabindex: selected ? 0 : -1,
      onclick: () => select(r.id),
    },
    h("div", { class: "c-badge" }, platformBadge(r.platform, 30)),
    h(
      "div",
      { class: "c-main" },
      h(
        "div",
        { class: "line1" },
        h("span", { class: "label", testid: "row-label", title: r.label }, r.label),
        snoozed,
        stale,
        t.status.rotation_due && !revoked
          ? h(
              "span",
              { class: "chip chip-info chip-icon", testid: "row-rotation", role: "img", "aria-label": "Rotation due", title: "Rotation due: no expiry, and older than the rotation period. Consider replacing the secret." },
              icon("rotate", 12),
            )
          : null,
        state.copied.has(r.id) ? feedback : null,
      ),
      h(
        "div",
        { class: "line2" },
        t.team ? teamBadge(t.team.vault_name, "row-team") : null,
        h("span", { class: "platform-name", testid: "row-platform" }, name),
        owner ? h("span", { class: "owner", title: owner }, owner) : null,
        tags.length
          ? h(
              "span",
              { class: "tags" },
              tags.slice(0, MAX_TAGS).map((tag) => h("span", { class: "tag" }, tag)),
              tags.length > MAX_TAGS ? h("span", { class: "tag more", title: tags.slice(MAX_TAGS).join(", ") }, `+${tags.length - MAX_TAGS}`) : null,
            )
          : null,
      ),
    ),
    h(
      "div",
      { class: "c-hint", testid: "row-hint" },
      h("span", { class: "mono hint", title: "Last characters of the secret" }, maskedHint(r.hint)),
      pub ? h("span", { class: "mono public", title: `${pub.caption}: ${pub.value}` }, pub.value) : null,
    ),
    h("div", { class: "c-status" }, h("div", { class: "status-line" }, statusPill(t.status.health, "row-status"), rowCheck(t)), countdown),
    h(
      "div",
      { class: "c-actions" },
      h(
        "button",
        {
          class: "btn btn-small btn-row",
          type: "button",
          testid: "row-copy",
          "aria-label": `Copy the secret of ${r.label}`,
          title: revoked ? "The secret was removed when the token was revoked" : "Copy the secret to the clipboard (C)",
          disabled: revoked,
          onclick: (ev: MouseEvent) => {
            ev.stopPropagation();
            void copySecret(r.id);
          },
        },
        icon("copy", 14),
        "Copy",
      ),
    ),
  );
  return el;
}

const CHECK_ICONS = { valid: "check", invalid: "x", cannot_check: "alert" } as const;

/** ✓ / ✗ / ⚠ (or a faint dot) beside the status pill: the last platform check. */
function rowCheck(t: ListToken): HTMLElement {
  const r = t.record;
  const c = t.status.checked;
  const pending = state.validating.has(r.id) || !!state.validateRun?.pending.has(r.id);
  const sentence = pending ? "Checking with the platform…" : validationSentence(r, Date.now());
  const mark = pending
    ? h("span", { class: "spinner" })
    : r.revoked
      ? null
      : c === "unknown"
        ? h("span", { class: "faint-dot" })
        : icon(CHECK_ICONS[c], 13);
  return h(
    "span",
    {
      class: `row-check check-${c}${pending ? " is-pending" : ""}${r.revoked ? " is-revoked" : ""}`,
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
  for (const c of live.countdowns) {
    const f = formatCountdown(c.expMs, now);
    if (c.el.textContent !== f.text) c.el.textContent = f.text;
    next = Math.min(next, f.nextChangeMs);
  }
  for (const s of live.stale) {
    const f = formatUnused(s.sinceMs, now);
    if (s.el.textContent !== f.text) s.el.textContent = f.text;
    next = Math.min(next, f.nextChangeMs);
  }
  for (const [id, el] of live.feedback) {
    const f = formatClipboard(state.copied.get(id) ?? 0, now);
    if (!f) {
      el.remove();
      live.feedback.delete(id);
      state.copied.delete(id);
      continue;
    }
    if (el.textContent !== f.text) replace(el, icon("check", 12), h("span", { class: "chip-text" }, f.text));
    next = Math.min(next, f.nextChangeMs);
  }
  return next;
}

// --- selection and focus -------------------------------------------------------------

function rowEl(id: string): HTMLElement | null {
  return listEl.querySelector<HTMLElement>(`[data-testid="token-row"][data-id="${CSS.escape(id)}"]`);
}

function focusedInList(): { id: string; testid: string | null } | null {
  const a = document.activeElement;
  if (!a || !listEl.contains(a)) return null;
  const r = a.closest<HTMLElement>('[data-testid="token-row"]');
  if (!r?.dataset.id) return null;
  return { id: r.dataset.id, testid: a === r ? null : a.getAttribute("data-testid") };
}

function restoreFocus(f: { id: string; testid: string | null }): void {
  const id = state.selectedId && f.testid === null ? state.selectedId : f.id;
  const r = rowEl(id);
  if (!r) return;
  const target = f.testid ? r.querySelector<HTMLElement>(`[data-testid="${f.testid}"]`) : r;
  (target ?? r).focus({ preventScroll: true });
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
  const rows = visibleTokens();
  if (rows.length === 0) return;
  const i = rows.findIndex((t) => t.record.id === state.selectedId);
  const last = rows.length - 1;
  const fromNone = Math.abs(delta) === Infinity ? (delta > 0 ? last : 0) : delta > 0 ? 0 : last;
  const j = i < 0 ? fromNone : Math.min(last, Math.max(0, i + delta));
  select(rows[j].record.id);
  afterRender(focusSelectedRow);
}
