// Modal dialogs: confirmation and the keyboard help. Native <dialog> with showModal()
// traps focus and closes on Esc.

import { h, replace } from "./dom";
import { icon, type IconName } from "./icons";

function makeDialog(testid: string, label: string): HTMLDialogElement {
  const d = h("dialog", { class: "dialog", testid, "aria-label": label });
  document.body.appendChild(d);
  // Clicking the backdrop (the dialog box itself, outside its content) closes it.
  d.addEventListener("click", (ev) => {
    if (ev.target === d) d.close("cancel");
  });
  return d;
}

let confirmEl: HTMLDialogElement | null = null;

export interface ConfirmOptions {
  title: string;
  message: string[];
  okLabel: string;
  danger?: boolean;
  /** The OK button's icon (a danger button shows a bin unless told otherwise). */
  okIcon?: IconName;
}

/** Ask a yes/no question. Focus starts on Cancel; Esc cancels. */
export function confirmDialog(o: ConfirmOptions): Promise<boolean> {
  const d = (confirmEl ??= makeDialog("confirm-dialog", "Confirm"));
  d.setAttribute("aria-label", o.title);
  const cancel = h("button", { class: "btn", type: "button", testid: "confirm-cancel", autofocus: true, onclick: () => d.close("cancel") }, "Cancel");
  const ok = h(
    "button",
    { class: o.danger ? "btn btn-danger" : "btn btn-primary", type: "button", testid: "confirm-ok", onclick: () => d.close("ok") },
    o.okIcon ? icon(o.okIcon, 14) : o.danger ? icon("trash", 14) : null,
    o.okLabel,
  );
  replace(
    d,
    h(
      "div",
      { class: "dialog-inner confirm" },
      h("h2", { class: "dialog-title" }, o.danger ? h("span", { class: "title-icon danger" }, icon("alert", 18)) : null, o.title),
      ...o.message.map((m) => h("p", { class: "dialog-text" }, m)),
      h("div", { class: "dialog-actions" }, cancel, ok),
    ),
  );
  d.returnValue = "";
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
    d.showModal();
    cancel.focus();
  });
}

let helpEl: HTMLDialogElement | null = null;

/** Each shortcut: alternative key combinations, and what it does. */
const SHORTCUTS: [string[][], string][] = [
  [[["/"], ["Ctrl", "F"]], "Search"],
  [[["N"], ["Ctrl", "N"]], "Add a token"],
  [[["↑"], ["↓"]], "Move through the list"],
  [[["Enter"]], "Open the selected token's details"],
  [[["C"], ["Ctrl", "Shift", "C"]], "Copy the secret"],
  [[["R"]], "Reveal or hide the secret"],
  [[["V"]], "Validate: check the token with its platform"],
  [[["Shift", "V"]], "Validate all tokens"],
  [[["E"]], "Edit details"],
  [[["Z"]], "Snooze alerts for a day, or resume them"],
  [[["Delete"]], "Delete the token"],
  [[[","]], "Settings"],
  [[["Esc"]], "Close a dialog, clear the search"],
  [[["?"]], "Show this help"],
];

function combo(keys: string[]): Node[] {
  const out: Node[] = [];
  keys.forEach((k, i) => {
    if (i) out.push(document.createTextNode("+"));
    out.push(h("kbd", null, k));
  });
  return out;
}

export function showHelp(): void {
  const d = (helpEl ??= makeDialog("help-dialog", "Keyboard shortcuts"));
  const close = h("button", { class: "btn", type: "button", onclick: () => d.close() }, "Close");
  replace(
    d,
    h(
      "div",
      { class: "dialog-inner help" },
      h("h2", { class: "dialog-title" }, h("span", { class: "title-icon" }, icon("keyboard", 18)), "Keyboard shortcuts"),
      h(
        "table",
        { class: "shortcuts" },
        h(
          "tbody",
          null,
          SHORTCUTS.map(([alts, what]) =>
            h("tr", null, h("td", null, alts.flatMap((keys, i) => [i ? h("span", { class: "or" }, "or") : null, ...combo(keys)])), h("td", null, what)),
          ),
        ),
      ),
      h("p", { class: "dialog-note" }, "Letter shortcuts work when no text field has focus."),
      h("div", { class: "dialog-actions" }, close),
    ),
  );
  d.showModal();
  close.focus();
}

export function anyDialogOpen(): boolean {
  return document.querySelector("dialog[open]") !== null;
}
