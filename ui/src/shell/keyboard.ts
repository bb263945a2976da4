// Window-wide keyboard shortcuts. Letter shortcuts apply only when no text field has
// focus; native <dialog> handles Esc and focus trapping while a dialog is open.

import { copySecret, deleteToken, toggleReveal } from "../tokens/actions";
import { validateAll, validateToken } from "../checks/validate";
import { anyDialogOpen, showHelp } from "./dialogs";
import { openAddForm, openEditForm } from "../tokens/form";
import { focusSelectedRow, moveSelection } from "../tokens/list";
import { openSettings } from "../settings/settings";
import { toggleSnooze } from "../tokens/snooze";
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

export function installKeyboard(): void {
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.isComposing || anyDialogOpen()) return;
    const target = ev.target as HTMLElement;
    const k = ev.key;
    const lower = k.length === 1 ? k.toLowerCase() : k;
    const ctrl = ev.ctrlKey || ev.metaKey;
    const sel = state.selectedId;
    const done = () => ev.preventDefault();

    if (ctrl && !ev.altKey) {
      if (!ev.shiftKey && lower === "f") return done(), focusSearch();
      if (!ev.shiftKey && lower === "n") return done(), openAddForm();
      if (ev.shiftKey && lower === "c" && sel) return done(), void copySecret(sel);
      return;
    }
    if (ev.altKey) return;

    if (target === searchInput()) {
      if (k === "Escape") {
        done();
        if (!clearSearch()) target.blur();
      } else if (k === "ArrowDown" || k === "Enter") {
        done();
        const rows = visibleTokens();
        if (rows.length && !rows.some((r) => r.record.id === sel)) select(rows[0].record.id);
        afterRender(focusSelectedRow);
      }
      return;
    }
    if (target.closest("input, textarea, select, [contenteditable='true']")) return;

    // Shift+V: the key arrives as "V" (or "v" with Shift on some layouts).
    if (lower === "v" && ev.shiftKey) return done(), void validateAll();
    switch (lower) {
      case "/":
        return done(), focusSearch();
      case "?":
        return done(), showHelp();
      case ",":
        return done(), openSettings();
      case "n":
        return done(), openAddForm();
      case "ArrowDown":
      case "j":
        return done(), moveSelection(1);
      case "ArrowUp":
      case "k":
        return done(), moveSelection(-1);
      case "Home":
        return done(), moveSelection(-Infinity);
      case "End":
        return done(), moveSelection(Infinity);
      case "Escape":
        if (clearSearch()) return done();
        if (state.revealed) return done(), hideSecret();
        return;
    }
    if (!sel) return;
    switch (lower) {
      case "Enter":
        // Buttons keep their own Enter.
        if (target.closest("button, a, summary")) return;
        return done(), openDetail();
      case "c":
        return done(), void copySecret(sel);
      case "r":
        return done(), void toggleReveal(sel);
      case "e":
        return done(), openEditForm(sel);
      case "v":
        return done(), void validateToken(sel);
      case "z":
        return done(), toggleSnooze(sel);
      case "Delete":
        return done(), void deleteToken(sel);
    }
  });
}
