// Window-wide keyboard shortcuts. Letter shortcuts apply only when no text field has
// focus; native <dialog> handles Esc and focus trapping while a dialog is open.

import { copySecret, deleteToken, toggleReveal } from "../tokens/actions";
import { validateAll, validateToken } from "../checks/validate";
import { anyDialogOpen, showHelp } from "./dialogs";
import { openAddForm, openEditForm } from "../tokens/form";
import { focusSelectedRow, moveSelection } from "../tokens/list";
import { openSettings } from "../settings/settings";
import { toggleSnooze } from "../tokens/snooze";
import { keyAction, type KeyAction, type KeyTarget } from "./keymodel";
import { afterRender, changed, hideSecret, select, state, visibleTokens } from "./state";

function searchInput(): HTMLInputElement {
  return document.querySelector<HTMLInputElement>('[data-testid="search"]')!;
}

export function focusSearch(): void {
  const s = searchInput();
  s.focus();
  s.select();
}

function clearSearch(): boolean {
  const s = searchInput();
  if (!s.value && !state.search) return false;
  s.value = "";
  state.search = "";
  changed();
  return true;
}

/** Enter: show the selected token's details (scroll the pane into view, focus Copy). */
function openDetail(): void {
  if (!state.selectedId) return;
  const pane = document.querySelector<HTMLElement>('[data-testid="detail"]');
  pane?.scrollIntoView({ block: "nearest" });
  pane?.querySelector<HTMLElement>('[data-testid="detail-copy"]')?.focus();
}

function targetKind(target: HTMLElement): KeyTarget {
  if (target === searchInput()) return "search";
  if (target.closest("input, textarea, select, [contenteditable='true']")) return "field";
  return target.closest("button, a, summary") ? "button" : "other";
}

/** What each shortcut does. */
const ACTIONS: Record<KeyAction, (sel: string, target: HTMLElement) => void> = {
  focusSearch: () => focusSearch(),
  add: () => openAddForm(),
  copy: (sel) => void copySecret(sel),
  searchEscape: (_, target) => {
    if (!clearSearch()) target.blur();
  },
  searchToList: (sel) => {
    const rows = visibleTokens();
    if (rows.length && !rows.some((r) => r.record.id === sel)) select(rows[0].record.id);
    afterRender(focusSelectedRow);
  },
  validateAll: () => void validateAll(),
  help: () => showHelp(),
  settings: () => openSettings(),
  down: () => moveSelection(1),
  up: () => moveSelection(-1),
  first: () => moveSelection(-Infinity),
  last: () => moveSelection(Infinity),
  escape: () => {
    if (!clearSearch()) hideSecret();
  },
  openDetail: () => openDetail(),
  reveal: (sel) => void toggleReveal(sel),
  edit: (sel) => openEditForm(sel),
  validate: (sel) => void validateToken(sel),
  snooze: (sel) => toggleSnooze(sel),
  delete: (sel) => void deleteToken(sel),
};

export function installKeyboard(): void {
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.isComposing || anyDialogOpen()) return;
    const target = ev.target as HTMLElement;
    const press = { key: ev.key, ctrl: ev.ctrlKey || ev.metaKey, shift: ev.shiftKey, alt: ev.altKey };
    const action = keyAction(press, targetKind(target), !!state.selectedId);
    if (!action) return;
    const sel = state.selectedId ?? "";
    // Esc with nothing to clear or hide keeps its default.
    if (action === "escape" && !state.search && !searchInput().value && !state.revealed) return;
    ev.preventDefault();
    ACTIONS[action](sel, target);
  });
}
