// Small form pieces the dialogs share.

import { h } from "./dom";

/** A checkbox with its label and a note underneath (class "setting-check"). */
export function checkRow(input: HTMLInputElement, label: string, note?: string): HTMLElement {
  return h(
    "div",
    { class: "setting-check" },
    input,
    h("div", null, h("label", { class: "field-label", for: input.id }, label), note ? h("div", { class: "field-note" }, note) : null),
  );
}
