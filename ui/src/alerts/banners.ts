// Banners above the list (notices, keychain, read-only) and the toast.

import { api, toErrorPayload } from "../api";
import { h, keepFocus, replace } from "../shell/dom";
import { icon, type IconName } from "../shell/icons";
import { changed, state } from "../shell/state";
import { teamBanners } from "../team/teamsection";

let bannerRoot: HTMLElement;

export function mountBanners(root: HTMLElement): void {
  bannerRoot = root;
}

export function banner(level: "info" | "warning" | "error", iconName: IconName, attrs: Record<string, string>, ...body: (Node | string)[]) {
  return h(
    "div",
    { class: `banner banner-${level}`, role: level === "error" ? "alert" : "status", ...attrs },
    icon(iconName, 16),
    h("div", { class: "banner-body" }, ...body),
  );
}

export function renderBanners(): void {
  const v = state.view;
  const items: Node[] = [];
  if (v?.read_only) {
    items.push(
      banner("warning", "lock", { testid: "readonly-banner" }, h("span", { class: "banner-text" }, h("strong", null, "Read-only: "), v.read_only)),
    );
  }
  if (v?.keychain.state === "unavailable") {
    const retry = h(
      "button",
      { class: "btn btn-small", type: "button", testid: "keychain-retry", title: "Ask the keychain again", onclick: () => void retryKeychain(retry) },
      icon("rotate", 14),
      "Retry",
    );
    items.push(
      banner(
        "error",
        "alert",
        { testid: "keychain-banner" },
        // Core's message says what to do in general words; the button is this banner's.
        h("span", { class: "banner-text" }, v.keychain.error.message, v.keychain.error.kind === "keychain_unavailable" ? " Press Retry when it is running." : " Press Retry to ask it again."),
        retry,
      ),
    );
  } else if (v?.keychain.state === "checking") {
    items.push(
      h("div", { class: "banner banner-subtle", role: "status", testid: "keychain-checking" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Checking keychain…"),
    );
  }
  for (const n of v?.notices ?? []) {
    // The read-only banner already says this.
    if (state.dismissed.has(n.message) || n.message === v?.read_only) continue;
    const iconName: IconName = n.level === "info" ? "info" : "alert";
    items.push(
      banner(
        n.level,
        iconName,
        { testid: "notice", "data-level": n.level },
        h("span", { class: "banner-text" }, n.message),
        h(
          "button",
          { class: "icon-btn", type: "button", testid: "notice-dismiss", "aria-label": "Dismiss", title: "Dismiss", onclick: () => dismiss(n.message) },
          icon("x", 14),
        ),
      ),
    );
  }
  items.push(...teamBanners());
  keepFocus(bannerRoot, () => replace(bannerRoot, items));
  bannerRoot.hidden = items.length === 0;
}

async function retryKeychain(btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  btn.lastChild!.textContent = "Retrying…";
  try {
    state.view = await api.retryKeychain();
    if (state.view.keychain.state === "available") toast("The keychain is available again.");
  } catch (e) {
    toast(toErrorPayload(e).message, "error");
  } finally {
    changed();
  }
}

function dismiss(message: string): void {
  state.dismissed.add(message);
  const left = (state.view?.notices ?? []).filter((n) => !state.dismissed.has(n.message) && n.message !== state.view?.read_only);
  if (left.length === 0) {
    api.dismissNotices().catch((e) => toast(toErrorPayload(e).message, "error"));
  }
  changed();
}

let toastEl: HTMLElement | null = null;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

export type ToastKind = "info" | "warning" | "error";

export interface ToastAction {
  label: string;
  run: () => void;
}

/** A brief message at the bottom of the window. Errors, warnings and offers stay longer. */
export function toast(message: string, kind: ToastKind = "info", action?: ToastAction): void {
  toastEl?.remove();
  if (toastTimer) clearTimeout(toastTimer);
  toastEl = h(
    "div",
    { class: `toast toast-${kind}`, testid: "toast", "data-kind": kind, role: kind === "info" ? "status" : "alert" },
    icon(kind === "info" ? "check" : "alert", 16),
    h("span", null, message),
    action
      ? h(
          "button",
          {
            class: "btn btn-small toast-action",
            type: "button",
            testid: "toast-action",
            onclick: () => {
              closeToast();
              action.run();
            },
          },
          action.label,
        )
      : null,
    h("button", { class: "icon-btn", type: "button", "aria-label": "Close message", title: "Close", onclick: () => closeToast() }, icon("x", 14)),
  );
  // Inside an open modal dialog the toast must live in the top layer to be seen.
  const openDialog = document.querySelector<HTMLDialogElement>("dialog[open]");
  (openDialog ?? document.body).appendChild(toastEl);
  toastTimer = setTimeout(closeToast, action ? 15000 : kind === "info" ? 3500 : 8000);
}

function closeToast(): void {
  toastEl?.remove();
  toastEl = null;
}
