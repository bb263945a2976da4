// Alerts shown in the window because the desktop could not show them (no notification
// service), and the `open-token` event of a clicked desktop notification.
// Banners above the list, newest first; past VISIBLE_ALERTS they collapse into "and N more".

import { refresh } from "../tokens/actions";
import { addAlerts, visibleAlerts, type InAppAlert, type ShownAlert } from "./alertmodel";
import { api, toErrorPayload } from "../api";
import { anyDialogOpen } from "../shell/dialogs";
import { h, replace } from "../shell/dom";
import { icon } from "../shell/icons";
import { focusSelectedRow } from "../tokens/list";
import { toast } from "./banners";
import { revokeToken } from "../checks/revoke";
import { rotatesByApi, rotateToken } from "../checks/rotate";
import { openRotateForm } from "../tokens/form";
import { afterRender, changed, findToken, select, state, visibleTokens } from "../shell/state";

let root: HTMLElement;
let moreRow: HTMLElement;
/** One element per shown alert, kept across renders so screen readers announce only new ones. */
const nodes = new Map<number, HTMLElement>();
let seq = 0;

export function mountAlertStack(el: HTMLElement): void {
  root = el;
  moreRow = h("div", { class: "in-app-more", testid: "in-app-alert-more" });
  root.hidden = true;
}

function add(alerts: InAppAlert[]): void {
  if (alerts.length === 0) return;
  state.alertStack = addAlerts(state.alertStack, alerts, () => ++seq, Date.now());
  changed();
}

/** Listen for live alerts and `open-token`, then take what arrived before the window was ready. */
export async function listenForAlerts(): Promise<void> {
  try {
    // The event says one arrived; taking drains Rust's queue, so a reload does not show it again.
    await api.onInAppAlert(() => void takeQueued());
    await api.onOpenRequest(() => void takeOpenRequest());
  } catch (e) {
    console.warn("alert events unavailable:", toErrorPayload(e).message);
  }
  await takeQueued();
}

/** Show what the window was opened for: a notification's token, the tray's "Revoke …" or "Rotate …". */
export async function takeOpenRequest(): Promise<void> {
  try {
    const req = await api.takeOpenRequest();
    if (!req) return;
    if (req.action === "revoke") await revokeFromTray(req.token);
    else if (req.action === "rotate") await rotateFromTray(req.token);
    else await showToken(req.token);
  } catch (e) {
    console.warn("open request unavailable:", toErrorPayload(e).message);
  }
}

async function takeQueued(): Promise<void> {
  try {
    add(await api.takeInAppAlerts());
  } catch (e) {
    console.warn("in-app alerts unavailable:", toErrorPayload(e).message);
  }
}

/** The tray's "Revoke …": show the token, then its revoke confirmation (never revoke unasked). */
async function revokeFromTray(id: string): Promise<void> {
  await showToken(id);
  if (!findToken(id)) return;
  document.querySelector<HTMLDialogElement>("dialog[open]")?.close();
  await revokeToken(id);
}

/** The tray's "Rotate …" (or a "rotate before expiry" notification): show the token, then its
 *  rotation as its Rotate button starts it — a confirmation, or the form for the new secret. */
async function rotateFromTray(id: string): Promise<void> {
  await showToken(id);
  const t = findToken(id);
  if (!t || t.team || t.record.revoked) return;
  document.querySelector<HTMLDialogElement>("dialog[open]")?.close();
  if (rotatesByApi(t.record)) await rotateToken(id);
  else openRotateForm(id);
}

/** Select a token, bring its row into view, open its details and focus Copy. */
export async function showToken(id: string): Promise<void> {
  if (!findToken(id)) await refresh();
  if (!findToken(id)) {
    toast("That token is no longer in Latchkey.", "warning");
    return;
  }
  // A search that hides the token would leave it selected but out of sight.
  if (!visibleTokens().some((t) => t.record.id === id)) {
    state.search = "";
    const input = document.querySelector<HTMLInputElement>('[data-testid="search"]');
    if (input) input.value = "";
  }
  select(id);
  afterRender(() => {
    focusSelectedRow();
    const pane = document.querySelector<HTMLElement>('[data-testid="detail"]');
    if (!pane) return;
    pane.scrollTop = 0;
    pane.scrollIntoView({ block: "nearest" });
    // An open dialog (a half-filled form) keeps the focus; the pane is ready behind it.
    if (!anyDialogOpen()) pane.querySelector<HTMLButtonElement>('[data-testid="detail-copy"]:not(:disabled)')?.focus();
  });
}

function dismiss(key: number): void {
  const i = state.alertStack.findIndex((a) => a.key === key);
  const hadFocus = root.contains(document.activeElement);
  state.alertStack = state.alertStack.filter((a) => a.key !== key);
  if (state.alertStack.length <= 1) state.alertsExpanded = false;
  changed();
  if (hadFocus) {
    // Keep keyboard users in the stack: the next alert's close button, else the list.
    afterRender(() => {
      const closes = root.querySelectorAll<HTMLElement>('[data-testid="in-app-alert-dismiss"]');
      const next = closes[Math.min(Math.max(i, 0), closes.length - 1)];
      if (next) next.focus();
      else focusSelectedRow();
    });
  }
}

function dismissAll(): void {
  state.alertStack = [];
  state.alertsExpanded = false;
  changed();
  afterRender(focusSelectedRow);
}

function timeOf(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function card(a: ShownAlert): HTMLElement {
  const n = a.notification;
  const token = n.token ? findToken(n.token) : undefined;
  const open = n.token
    ? h(
        "button",
        {
          class: "btn btn-small",
          type: "button",
          testid: "in-app-alert-open",
          title: token ? `Select “${token.record.label}” and show its details` : "Show the token this alert is about",
          onclick: () => {
            dismiss(a.key);
            void showToken(n.token!);
          },
        },
        icon("key", 13),
        "Show token",
      )
    : null;
  // Title and body run on as one paragraph (a summary of several keeps its own lines).
  const multiLine = n.body.includes("\n");
  return h(
    "div",
    { class: "banner banner-warning in-app-alert", role: "alert", testid: "in-app-alert", "data-token": n.token ?? false, "data-key": a.key },
    icon("bell", 16),
    h(
      "div",
      { class: "in-app-body" },
      h(
        "div",
        { class: multiLine ? "in-app-main multi-line" : "in-app-main" },
        h("strong", { class: "in-app-title", testid: "in-app-alert-title" }, n.title),
        " ",
        h("span", { class: "in-app-text", testid: "in-app-alert-body" }, n.body),
      ),
      h(
        "div",
        { class: "in-app-why" },
        h("span", { class: "in-app-time", title: "When Latchkey raised this alert" }, timeOf(a.receivedMs)),
        h("span", { testid: "in-app-alert-why", title: a.why }, a.why),
      ),
    ),
    open,
    h(
      "button",
      { class: "icon-btn", type: "button", testid: "in-app-alert-dismiss", "aria-label": "Dismiss this alert", title: "Dismiss", onclick: () => dismiss(a.key) },
      icon("x", 14),
    ),
  );
}

export function renderAlertStack(): void {
  const { shown, more } = visibleAlerts(state.alertStack, state.alertsExpanded);
  const keep = new Set(shown.map((a) => a.key));
  for (const [key, el] of nodes) {
    if (!keep.has(key)) {
      el.remove();
      nodes.delete(key);
    }
  }
  // New alerts go in at the top; the ones already shown stay where they are in the DOM.
  shown.forEach((a, i) => {
    let el = nodes.get(a.key);
    if (!el) nodes.set(a.key, (el = card(a)));
    if (root.children[i] !== el) root.insertBefore(el, root.children[i] ?? null);
  });
  const total = state.alertStack.length;
  if (total > 1 && (more > 0 || state.alertsExpanded)) {
    replace(
      moreRow,
      more > 0
        ? h(
            "button",
            { class: "btn btn-quiet btn-small", type: "button", testid: "in-app-alert-expand", "aria-expanded": "false", onclick: () => expand(true) },
            `and ${more} more`,
          )
        : h("button", { class: "btn btn-quiet btn-small", type: "button", testid: "in-app-alert-expand", "aria-expanded": "true", onclick: () => expand(false) }, "Show fewer"),
      h("span", { class: "spacer" }),
      h("button", { class: "btn btn-quiet btn-small", type: "button", testid: "in-app-alert-dismiss-all", onclick: dismissAll }, "Dismiss all"),
    );
    root.appendChild(moreRow);
  } else {
    moreRow.remove();
  }
  root.hidden = total === 0;
}

function expand(open: boolean): void {
  state.alertsExpanded = open;
  changed();
  afterRender(() => root.querySelector<HTMLElement>('[data-testid="in-app-alert-expand"]')?.focus());
}
