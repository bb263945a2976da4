// The secret part of the add and replace forms, for each kind of credential.
// Values are read from the elements at submit time and wiped by clear().

import type { Field } from "../bindings/Field";
import type { PlatformInfo } from "../bindings/PlatformInfo";
import type { SecretInput } from "../bindings/SecretInput";
import type { TokenKind } from "../bindings/TokenKind";
import { h, replace } from "../shell/dom";
import { icon } from "../shell/icons";

export interface SecretFields {
  root: HTMLElement;
  read(): SecretInput;
  clear(): void;
  /** The field an error about the secret most likely refers to. */
  /** The input an error is about (`field` as Rust names it). */
  focusTarget(field: Field | undefined): HTMLElement;
}

const TOKEN_LABELS: Record<string, string> = {
  supervisely: "API token",
  cvat: "Personal access token",
  roboflow: "Private API key",
  other: "Token",
};

const NO_AUTOFILL = { autocomplete: "off", autocapitalize: "off", autocorrect: "off", spellcheck: "false" };

let uid = 0;
function fieldId(): string {
  return `sf-${++uid}`;
}

/** A password input with a show/hide eye toggle. */
export function passwordInput(testid: string, placeholder = ""): { wrap: HTMLElement; input: HTMLInputElement } {
  const input = h("input", { type: "password", class: "input mono", testid, id: fieldId(), placeholder, ...NO_AUTOFILL });
  const toggle = h(
    "button",
    { class: "icon-btn eye", type: "button", testid: `${testid}-toggle`, "aria-label": "Show secret", title: "Show or hide what you typed", "aria-pressed": "false" },
    icon("eye", 16),
  );
  toggle.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    toggle.setAttribute("aria-pressed", String(show));
    toggle.setAttribute("aria-label", show ? "Hide secret" : "Show secret");
    replace(toggle, icon(show ? "eyeOff" : "eye", 16));
  });
  return { wrap: h("div", { class: "input-with-button" }, input, toggle), input };
}

function field(label: string, control: HTMLElement, input: HTMLElement, note?: string): HTMLElement {
  return h("div", { class: "field" }, h("label", { class: "field-label", for: input.id }, label), control, note ? h("div", { class: "field-note" }, note) : null);
}

type Inputs = ReturnType<typeof secretInputs>;

/** Every input is created once so that switching the Encord kind keeps what was typed. */
function secretInputs() {
  const ssh = h("textarea", {
    class: "input mono ssh-key masked",
    testid: "form-ssh-key",
    id: fieldId(),
    rows: 5,
    placeholder: "-----BEGIN OPENSSH PRIVATE KEY-----\n…\n-----END OPENSSH PRIVATE KEY-----",
    ...NO_AUTOFILL,
  });
  const file = h("input", { type: "file", class: "file-input", testid: "form-ssh-file", id: fieldId(), "aria-label": "Choose a private key file" });
  const fileNote = h("span", { class: "file-note muted", "aria-live": "polite" });
  file.addEventListener("change", () => loadKeyFile(file, ssh, fileNote));
  return {
    token: passwordInput("form-secret", "Paste the token"),
    keyId: h("input", { type: "text", class: "input mono", testid: "form-key-id", id: fieldId(), placeholder: "e.g. 1a2b3c4d", ...NO_AUTOFILL }),
    keySecret: passwordInput("form-key-secret", "Paste the API key secret"),
    ssh,
    sshToggle: maskToggle(ssh),
    file,
    fileNote,
    resourceId: h("input", { type: "text", class: "input mono", testid: "form-resource-id", id: fieldId(), placeholder: "Project or dataset hash", ...NO_AUTOFILL }),
    apiKey: passwordInput("form-api-key", "Paste the API key"),
  };
}

/** "Show"/"Hide" for the SSH key's text area (masked by CSS). */
function maskToggle(ssh: HTMLTextAreaElement): HTMLButtonElement {
  const toggle = h("button", { class: "btn btn-small", type: "button", testid: "form-ssh-key-toggle", "aria-pressed": "false" }, icon("eye", 14), "Show");
  toggle.addEventListener("click", () => {
    const show = ssh.classList.toggle("masked") === false;
    toggle.setAttribute("aria-pressed", String(show));
    replace(toggle, icon(show ? "eyeOff" : "eye", 14), show ? "Hide" : "Show");
  });
  return toggle;
}

/** Put the chosen key file's text into the field; no handle on the file is kept. */
function loadKeyFile(file: HTMLInputElement, ssh: HTMLTextAreaElement, note: HTMLElement): void {
  const f = file.files?.[0];
  if (!f) return;
  if (f.size > 64 * 1024) {
    note.textContent = `${f.name} is too large to be a private key.`;
    file.value = "";
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    ssh.value = String(reader.result ?? "");
    ssh.dispatchEvent(new Event("input", { bubbles: true }));
    note.textContent = `Loaded ${f.name}`;
    file.value = "";
  };
  reader.onerror = () => {
    note.textContent = `${f.name} could not be read.`;
  };
  reader.readAsText(f);
}

function kindBody(kind: TokenKind, platform: PlatformInfo, i: Inputs): HTMLElement {
  const pair = (a: HTMLElement, b: HTMLElement) => h("div", { class: "grid-2" }, a, b);
  switch (kind) {
    case "token":
      return field(TOKEN_LABELS[platform.id] ?? "API token", i.token.wrap, i.token.input);
    case "key_pair":
      return pair(field("API key ID", i.keyId, i.keyId), field("API key secret", i.keySecret.wrap, i.keySecret.input));
    case "resource_key":
      return pair(field("Project/dataset ID", i.resourceId, i.resourceId), field("API key", i.apiKey.wrap, i.apiKey.input));
    case "ssh_key":
      return h(
        "div",
        { class: "field" },
        h("div", { class: "field-label-row" }, h("label", { class: "field-label", for: i.ssh.id }, "SSH private key (Ed25519)"), i.sshToggle),
        i.ssh,
        h("div", { class: "file-row" }, h("label", { class: "muted", for: i.file.id }, "or load it from a file:"), i.file, i.fileNote),
      );
  }
}

function readSecret(kind: TokenKind, i: Inputs): SecretInput {
  switch (kind) {
    case "token":
      return { type: "token", token: i.token.input.value };
    case "key_pair":
      return { type: "key_pair", key_id: i.keyId.value, secret: i.keySecret.input.value };
    case "ssh_key":
      return { type: "ssh_key", private_key: i.ssh.value };
    case "resource_key":
      return { type: "resource_key", resource_id: i.resourceId.value, api_key: i.apiKey.input.value };
  }
}

function secretFocus(kind: TokenKind, i: Inputs, field: Field | undefined): HTMLElement {
  switch (kind) {
    case "token":
      return i.token.input;
    case "key_pair":
      return field === "key_id" ? i.keyId : i.keySecret.input;
    case "ssh_key":
      return i.ssh;
    case "resource_key":
      return field === "resource_id" ? i.resourceId : i.apiKey.input;
  }
}

/**
 * Build the secret inputs for `platform`. `fixedKind` (replace mode) locks the kind;
 * otherwise the platform's first kind is preselected.
 */
export function secretFields(platform: PlatformInfo, fixedKind?: TokenKind): SecretFields {
  const root = h("div", { class: "secret-fields" });
  const help = h("p", { class: "form-help" }, icon("info", 13), h("span", null, platform.where_to_find));
  const i = secretInputs();
  const kinds = fixedKind ? [fixedKind] : platform.kinds;
  let kind: TokenKind = fixedKind ?? platform.kinds[0] ?? "token";
  const body = h("div", { class: "secret-body" });
  const renderKind = () => replace(body, kindBody(kind, platform, i));

  if (platform.id === "encord" || kinds.length > 1) {
    const select = h(
      "select",
      { class: "input", testid: "form-encord-kind", id: fieldId(), disabled: kinds.length < 2 },
      (["ssh_key", "resource_key"] as TokenKind[]).map((k) => h("option", { value: k, selected: k === kind }, k === "ssh_key" ? "SSH private key" : "Project/dataset API key")),
    );
    select.addEventListener("change", () => {
      kind = select.value as TokenKind;
      renderKind();
    });
    root.append(field("Credential type", select, select));
  }
  renderKind();
  root.append(body, help);
  return {
    root,
    read: () => readSecret(kind, i),
    clear() {
      for (const el of [i.token.input, i.keyId, i.keySecret.input, i.ssh, i.resourceId, i.apiKey.input, i.file]) el.value = "";
      i.fileNote.textContent = "";
    },
    focusTarget: (field: Field | undefined) => secretFocus(kind, i, field),
  };
}
