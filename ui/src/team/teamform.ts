// The token form's team parts: "Store in" (this computer or a team vault) when adding, and
// the box shown when an edit meets a version someone else saved meanwhile.

import type { TokenRecord } from "../bindings/TokenRecord";
import { localString } from "../shell/dates";
import { h } from "../shell/dom";
import { icon } from "../shell/icons";
import { state } from "../shell/state";
import { theirChanges } from "./teammodel";

export interface StoreIn {
  root: HTMLElement | null;
  /** The team vault chosen, or null for this computer. */
  vault(): { id: string; name: string } | null;
}

/** "Store in": shown only when a team vault is connected. */
export function storeInField(): StoreIn {
  const vaults = state.team?.vaults ?? [];
  if (vaults.length === 0) return { root: null, vault: () => null };
  const sel = h(
    "select",
    { class: "input", id: "f-form-store", testid: "form-store" },
    h("option", { value: "" }, "This computer (system keychain)"),
    vaults.map((v) =>
      h("option", { value: v.config.id, disabled: v.state !== "ok" }, `Team vault: ${v.config.name}${v.state === "ok" ? "" : " (not available)"}`),
    ),
  );
  const note = h("div", { class: "field-note" });
  const update = () => {
    const v = vaults.find((x) => x.config.id === sel.value);
    note.textContent = v
      ? `Every member of “${v.config.name}” sees it; the secret stays on the vault server and is fetched only when used.`
      : "Only you, on this computer.";
  };
  sel.addEventListener("change", update);
  update();
  return {
    root: h("div", { class: "field store-in" }, h("label", { class: "field-label", for: sel.id }, "Store in"), sel, note),
    vault: () => {
      const v = vaults.find((x) => x.config.id === sel.value);
      return v ? { id: v.config.id, name: v.config.name } : null;
    },
  };
}

export interface ConflictOptions {
  message: string;
  /** The record the user started editing from. */
  base: TokenRecord;
  /** The version on the server now (null if it could not be read). */
  theirs: TokenRecord | null;
  onReload: () => void;
  onApply: () => void;
}

export function conflictBox(o: ConflictOptions): HTMLElement {
  const changes = o.theirs ? theirChanges(o.base, o.theirs, localString) : [];
  return h(
    "div",
    { class: "conflict", testid: "form-conflict", role: "alert" },
    h("div", { class: "conflict-head" }, icon("users", 14), h("strong", null, "Someone else changed this token while you were editing.")),
    h("p", { class: "conflict-text" }, o.message),
    changes.length
      ? h(
          "table",
          { class: "conflict-table", testid: "form-conflict-changes" },
          h("thead", null, h("tr", null, h("th", null, ""), h("th", null, "When you opened it"), h("th", null, "Now"))),
          h(
            "tbody",
            null,
            changes.map((c) => h("tr", { "data-field": c.field }, h("th", null, c.field), h("td", null, c.before), h("td", { class: "theirs" }, c.theirs))),
          ),
        )
      : h("p", { class: "conflict-text muted" }, o.theirs ? "Their change is not in the fields shown here." : "Their version could not be read."),
    h(
      "div",
      { class: "conflict-actions" },
      h("button", { class: "btn", type: "button", testid: "form-conflict-reload", onclick: o.onReload }, icon("rotate", 14), "Reload theirs"),
      h(
        "button",
        { class: "btn btn-primary", type: "button", testid: "form-conflict-apply", disabled: !o.theirs, onclick: o.onApply },
        icon("check", 14),
        "Apply mine over theirs",
      ),
    ),
  );
}
