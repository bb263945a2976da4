// Latchkey's window: header, banners, list, detail pane and status bar.

import { refresh } from "../tokens/actions";
import { api, takeBoot, toErrorPayload } from "../api";
import { headerValidateControls, listenForProgress, renderValidateControls } from "../checks/validate";
import { renderDetail, mountDetail } from "../tokens/detail";
import { showHelp } from "./dialogs";
import { h, replace } from "./dom";
import { openAddForm } from "../tokens/form";
import { icon } from "./icons";
import { listenForAlerts, mountAlertStack, renderAlertStack, takeOpenRequest } from "../alerts/alertstack";
import { installKeyboard } from "./keyboard";
import { focusSelectedRow, mountList, renderList } from "../tokens/list";
import { announceStoppedRotations } from "../checks/rotate";
import { mountBanners, renderBanners } from "../alerts/banners";
import { isSortKey, SORT_OPTIONS } from "../tokens/query";
import { openLeakWatch } from "../leak/leak";
import { openSettings } from "../settings/settings";
import { watchSnoozes } from "../tokens/snooze";
import { allTokens, changed, onChange, renderNow, saveSort, state } from "./state";
import { addTickSource, startTicker, tick } from "./ticker";

function header(): HTMLElement {
  const search = h("input", {
    type: "search",
    class: "search-input",
    testid: "search",
    placeholder: "Search tokens",
    "aria-label": "Search tokens by label, platform, tag, owner, notes or server",
    autocomplete: "off",
    spellcheck: "false",
  });
  search.addEventListener("input", () => {
    state.search = search.value;
    changed();
  });
  const sort = h(
    "select",
    { class: "input sort-select", testid: "sort", "aria-label": "Sort tokens by", title: "Sort tokens by" },
    SORT_OPTIONS.map((o) => h("option", { value: o.key, selected: o.key === state.sort }, o.label)),
  );
  sort.addEventListener("change", () => {
    if (isSortKey(sort.value)) {
      state.sort = sort.value;
      // The user asked for an order: a running check no longer holds the rows in place.
      state.frozenOrder = null;
      saveSort();
      changed();
    }
  });
  return h(
    "header",
    { class: "topbar" },
    h("div", { class: "brand" }, h("span", { class: "brand-mark" }, icon("lock", 16)), h("span", { class: "brand-name" }, "Latchkey")),
    h("div", { class: "search-wrap" }, icon("search", 15), search, h("kbd", { class: "search-kbd", "aria-hidden": "true" }, "/")),
    h("label", { class: "sort-wrap" }, h("span", { class: "sort-caption" }, "Sort"), sort),
    ...headerValidateControls(),
    h(
      "button",
      { class: "icon-btn", type: "button", testid: "help-button", "aria-label": "Keyboard shortcuts", title: "Keyboard shortcuts (?)", onclick: showHelp },
      icon("keyboard", 18),
    ),
    h(
      "button",
      { class: "icon-btn", type: "button", testid: "leak-button", "aria-label": "Leak watch", title: "Leak watch: find stored tokens in files", onclick: () => void openLeakWatch() },
      icon("shieldCheck", 18),
    ),
    h(
      "button",
      { class: "icon-btn", type: "button", testid: "settings-button", "aria-label": "Settings", title: "Settings (,)", onclick: openSettings },
      icon("gear", 18),
    ),
    h(
      "button",
      { class: "btn btn-primary", type: "button", testid: "add-button", "aria-label": "Add token", title: "Add a token (N)", onclick: () => openAddForm() },
      icon("plus", 15),
      "Add token",
    ),
  );
}

function renderStatusbar(bar: HTMLElement): void {
  const v = state.view;
  if (!v) return replace(bar);
  const kc = v.keychain;
  const kcText =
    kc.state === "available"
      ? `Keychain: ${kc.description}`
      : kc.state === "checking"
        ? "Checking keychain…"
        : kc.error.kind === "keychain_error"
          ? "Keychain answered an error"
          : "Keychain unavailable";
  replace(
    bar,
    h("span", { class: `kc kc-${kc.state}` }, h("span", { class: "dot", "aria-hidden": "true" }), kcText),
    v.read_only ? h("span", { class: "ro" }, icon("lock", 12), "Read-only") : null,
    h("span", { class: "spacer" }),
    h("span", { class: "data-dir", title: `Data folder: ${v.data_dir}` }, v.data_dir),
  );
}

/** Re-read the view when a token's status changes by itself (changes_at). */
let lastAuto = 0;
function statusSource(now: number): number {
  let next = Infinity;
  for (const t of allTokens()) {
    const at = t.status.changes_at ? Date.parse(t.status.changes_at) : NaN;
    if (!Number.isNaN(at)) next = Math.min(next, at);
  }
  if (next <= now) {
    // At most once a second, in case Rust still reports the same instant.
    if (now - lastAuto >= 1000) {
      lastAuto = now;
      void refresh();
    }
    return now + 1000;
  }
  return next;
}

/** Lay out the window and render every part on each change. */
function mountWindow(): void {
  const listPane = h("section", { class: "list-pane", "aria-label": "Token list" });
  const detailPane = h("aside", { class: "detail-pane", testid: "detail", "aria-label": "Token details" });
  const banners = h("div", { class: "banners", "aria-live": "polite" });
  // Each alert is role="alert" itself; the region only names them.
  const alerts = h("section", { class: "in-app-alerts", "aria-label": "Alerts the desktop could not show" });
  const statusbar = h("footer", { class: "statusbar" });
  const app = document.getElementById("app")!;
  replace(app, header(), alerts, banners, h("main", { class: "split" }, listPane, detailPane), statusbar);

  mountAlertStack(alerts);
  mountBanners(banners);
  mountList(listPane);
  mountDetail(detailPane);
  // One part failing to render must not freeze the others on stale content.
  const parts = [renderAlertStack, renderBanners, renderList, renderDetail, () => renderStatusbar(statusbar), renderValidateControls, tick];
  onChange(() => {
    for (const render of parts) {
      try {
        render();
      } catch (e) {
        console.error("render failed:", e);
      }
    }
  });
}

/** Rust's events: vault changes, "validate all" progress, alerts and notification clicks.
 *  Registered side by side: each is a round trip to Rust. */
async function listenToRust(): Promise<void> {
  const vault = api.onVaultChanged(() => void refresh()).catch((e: unknown) => {
    console.warn("vault-changed events unavailable:", toErrorPayload(e).message);
  });
  // "Validate all", and the check Rust may run at start (validate_on_start).
  const progress = listenForProgress().catch((e: unknown) => {
    console.warn("check-progress events unavailable:", toErrorPayload(e).message);
  });
  // Alerts the desktop could not show (no notification service), and notification clicks.
  await Promise.all([vault, progress, listenForAlerts()]);
}

async function loadPlatforms(): Promise<void> {
  try {
    state.platforms = await api.listPlatforms();
  } catch (e) {
    state.loadError = toErrorPayload(e).message;
  }
}

/** make bench times start-up to here: the list with its data is in the DOM ("list-ready"), and
 *  the next animation frame ("first-paint"). Rust ignores both unless LATCHKEY_BENCH_MARK is set. */
function markListReady(): void {
  void api.benchMark("list-ready").catch(() => {});
  requestAnimationFrame(() => setTimeout(() => void api.benchMark("first-paint").catch(() => {}), 0));
}

async function start(): Promise<void> {
  void api.benchMark("script-start").catch(() => {});
  // The list Rust handed over with the window is drawn at once; without it, after the calls.
  const boot = takeBoot();
  if (boot) {
    state.view = boot.view;
    state.platforms = boot.platforms;
  }
  mountWindow();
  addTickSource(statusSource);
  watchSnoozes();
  installKeyboard();
  startTicker();
  document.addEventListener("latchkey:focus-row", () => focusSelectedRow());
  document.addEventListener("visibilitychange", () => {
    // A revealed secret does not survive the window being hidden.
    if (document.hidden && state.revealed) {
      state.revealed = null;
      changed();
    }
  });
  // With the boot data the list is drawn here, before the listeners' calls to Rust go out, so
  // nothing queues in front of it (or of the bench's mark).
  if (boot) {
    renderNow();
    markListReady();
  } else changed();
  // Listen before reading again, so a change made meanwhile is not missed.
  await Promise.all([listenToRust(), boot ? null : loadPlatforms()]);
  await refresh();
  announceStoppedRotations();
  // A window made for a notification or the tray's "Revoke …" opens on what it was made for.
  await takeOpenRequest();
  if (!boot) markListReady();
}

void start();
