// Which shortcut a key press means, without the DOM: the keyboard handler maps the answer to
// what it does. Letter shortcuts apply only outside text fields.

export type KeyAction =
  | "focusSearch"
  | "add"
  | "copy"
  | "searchEscape"
  | "searchToList"
  | "validateAll"
  | "help"
  | "settings"
  | "down"
  | "up"
  | "first"
  | "last"
  | "escape"
  | "openDetail"
  | "reveal"
  | "edit"
  | "validate"
  | "snooze"
  | "delete";

export interface KeyPress {
  key: string;
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
}

/** Where the key went: the search field, another text field, a button (which keeps its own
 *  Enter), or anything else. */
export type KeyTarget = "search" | "field" | "button" | "other";

const ANYTIME: Record<string, KeyAction> = {
  "/": "focusSearch",
  "?": "help",
  ",": "settings",
  n: "add",
  ArrowDown: "down",
  j: "down",
  ArrowUp: "up",
  k: "up",
  Home: "first",
  End: "last",
  Escape: "escape",
};

const ON_SELECTED: Record<string, KeyAction> = { Enter: "openDetail", c: "copy", r: "reveal", e: "edit", v: "validate", z: "snooze", Delete: "delete" };

export function keyAction(p: KeyPress, target: KeyTarget, selected: boolean): KeyAction | null {
  const lower = p.key.length === 1 ? p.key.toLowerCase() : p.key;
  if (p.ctrl && !p.alt) {
    if (!p.shift && lower === "f") return "focusSearch";
    if (!p.shift && lower === "n") return "add";
    return p.shift && lower === "c" && selected ? "copy" : null;
  }
  if (p.alt) return null;
  if (target === "search") return p.key === "Escape" ? "searchEscape" : p.key === "ArrowDown" || p.key === "Enter" ? "searchToList" : null;
  if (target === "field") return null;
  // Shift+V: the key arrives as "V" (or "v" with Shift on some layouts).
  if (lower === "v" && p.shift) return "validateAll";
  if (Object.hasOwn(ANYTIME, lower)) return ANYTIME[lower];
  if (!selected || !Object.hasOwn(ON_SELECTED, lower)) return null;
  return lower === "Enter" && target === "button" ? null : ON_SELECTED[lower];
}
