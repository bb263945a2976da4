// Rotate a CVAT token with the account's password: CVAT makes and deletes tokens only for a
// signed-in user. The password goes straight to Rust (`rotate_with_password`, zeroised there);
// the field is cleared after every submit and whenever the dialog closes. Esc cancels, Enter
// submits, errors stay in the dialog; an SSO-only account takes the guided path instead.

import { api, errorText, toErrorPayload, type TokenTarget } from "../api";
import type { Rotated } from "../bindings/Rotated";
import { h, replace } from "../shell/dom";
import { icon } from "../shell/icons";

let dlg: HTMLDialogElement | null = null;

function dialog(): HTMLDialogElement {
  if (dlg) return dlg;
  const d = h("dialog", { class: "dialog", testid: "rotate-password", "aria-label": "Rotate with your password" });
  d.addEventListener("close", () => {
    for (const el of d.querySelectorAll<HTMLInputElement>("input")) el.value = "";
    d.replaceChildren();
  });
  document.body.appendChild(d);
  return (dlg = d);
}

export interface PasswordRotation {
  target: TokenTarget;
  label: string;
  platform: string;
  /** The account the token belongs to, when its last check said. */
  owner?: string;
  resuming: boolean;
  /** Switch to the guided rotation (the user makes the token on the website). */
  guided: () => void;
}

/** Ask for the password and rotate; resolves with what the rotation answered, or null if cancelled. */
export function rotateWithPassword(o: PasswordRotation): Promise<Rotated | null> {
  const d = dialog();
  if (d.open) return Promise.resolve(null);
  let busy = false;
  let result: Rotated | null = null;
  const input = h("input", {
    class: "input",
    type: "password",
    id: "rotate-password-input",
    testid: "rotate-password-input",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
  }) as HTMLInputElement;
  const error = h("div", { class: "form-error", testid: "rotate-password-error", role: "alert", hidden: true });
  const submit = h("button", { class: "btn btn-primary", type: "submit", testid: "rotate-password-ok" }, icon("rotate", 14), o.resuming ? "Finish rotation" : "Rotate");
  const cancel = h("button", { class: "btn", type: "button", testid: "rotate-password-cancel", onclick: () => d.close() }, "Cancel");
  const guided = h(
    "button",
    {
      class: "btn btn-text",
      type: "button",
      testid: "rotate-password-guided",
      title: `For an account that signs in through SSO (no password): make the new token on ${o.platform}'s website and give it here`,
      onclick: () => (d.close(), o.guided()),
    },
    "SSO: use a token I made",
  );
  const who = o.owner ? ` (${o.owner})` : "";
  const form = h(
    "form",
    { class: "dialog-inner confirm password-rotate", novalidate: true },
    h("h2", { class: "dialog-title" }, `Rotate “${o.label}”`),
    h(
      "p",
      { class: "dialog-text" },
      `${o.platform} makes and revokes tokens only for a signed-in user. Your ${o.platform} password${who} is used for this rotation only: never stored, never logged.`,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { class: "field-label", for: input.id }, `${o.platform} password`),
      input,
      h("div", { class: "field-note" }, "The new token gets the same read-only setting and lifetime; the old one is revoked once the new one works."),
    ),
    error,
    h("div", { class: "dialog-actions" }, guided, cancel, submit),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (busy) return;
    const password = input.value;
    input.value = "";
    if (!password) {
      error.textContent = `Type your ${o.platform} password.`;
      error.hidden = false;
      input.focus();
      return;
    }
    busy = true;
    error.hidden = true;
    submit.setAttribute("aria-busy", "true");
    submit.classList.add("is-busy");
    api
      .rotateWithPassword(o.target, password)
      .then((done) => {
        result = done;
        d.close();
      })
      .catch((e: unknown) => {
        error.textContent = errorText(toErrorPayload(e));
        error.hidden = false;
        input.focus();
      })
      .finally(() => {
        busy = false;
        submit.removeAttribute("aria-busy");
        submit.classList.remove("is-busy");
      });
  });
  d.addEventListener("cancel", (ev) => {
    if (busy) ev.preventDefault();
  });
  replace(d, form);
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(result), { once: true });
    d.showModal();
    input.focus();
  });
}
