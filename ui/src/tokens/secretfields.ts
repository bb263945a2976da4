// The secret part of the add and replace forms, for each kind of credential.
// Values are read from the elements at submit time and wiped by clear().

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
  focusTarget(message: string): HTMLElement;
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

/**
 * Build the secret inputs for `platform`. `fixedKind` (replace mode) locks the kind;
 * otherwise the platform's first kind is preselected.
 */
export function secretFields(platform: PlatformInfo, fixedKind?: TokenKind): SecretFields {
  const root = h("div", { class: "secret-fields" });
  const help = h("p", { class: "form-help" }, icon("info", 13), h("span", null, platform.where_to_find));

  // Every input is created once so that switching the Encord kind keeps what was typed.
  const token = passwordInput("form-secret", "Paste the token");
  const keyId = h("input", { type: "text", class: "input mono", testid: "form-key-id", id: fieldId(), placeholder: "e.g. 1a2b3c4d", ...NO_AUTOFILL });
  const keySecret = passwordInput("form-key-secret", "Paste the API key secret");
  const ssh = h("textarea", {
    class: "input mono ssh-key masked",
    testid: "form-ssh-key",
    id: fieldId(),
    rows: 5,
    placeholder: "-----BEGIN OPENSSH PRIVATE KEY-----\n…\n-----END OPENSSH PRIVATE KEY-----",
    ...NO_AUTOFILL,
  });
  const sshToggle = h("button", { class: "btn btn-small", type: "button", testid: "form-ssh-key-toggle", "aria-pressed": "false" }, icon("eye", 14), "Show");
  sshToggle.addEventListener("click", () => {
    const show = ssh.classList.toggle("masked") === false;
    sshToggle.setAttribute("aria-pressed", String(show));
    replace(sshToggle, icon(show ? "eyeOff" : "eye", 14), show ? "Hide" : "Show");
  });
  const file = h("input", { type: "file", class: "file-input", testid: "form-ssh-file", id: fieldId(), "aria-label": "Choose a private key file" });
  const fileNote = h("span", { class: "file-note muted", "aria-live": "polite" });
  file.addEventListener("change", () => {
    const f = file.files?.[0];
    if (!f) return;
    if (f.size > 64 * 1024) {
      fileNote.textContent = `${f.name} is too large to be a private key.`;
      file.value = "";
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      ssh.value = String(reader.result ?? "");
      ssh.dispatchEvent(new Event("input", { bubbles: true }));
      fileNote.textContent = `Loaded ${f.name}`;
      // Do not keep a handle on the file once its text is in the field.
      file.value = "";
    };
    reader.onerror = () => {
      fileNote.textContent = `${f.name} could not be read.`;
    };
    reader.readAsText(f);
  });
  const resourceId = h("input", { type: "text", class: "input mono", testid: "form-resource-id", id: fieldId(), placeholder: "Project or dataset hash", ...NO_AUTOFILL });
  const apiKey = passwordInput("form-api-key", "Paste the API key");

  const kinds = fixedKind ? [fixedKind] : platform.kinds;
  let kind: TokenKind = fixedKind ?? platform.kinds[0] ?? "token";
  const body = h("div", { class: "secret-body" });

  function renderKind() {
    switch (kind) {
      case "token":
        replace(body, field(TOKEN_LABELS[platform.id] ?? "API token", token.wrap, token.input));
        break;
      case "key_pair":
        replace(
          body,
          h("div", { class: "grid-2" }, field("API key ID", keyId, keyId), field("API key secret", keySecret.wrap, keySecret.input)),
        );
        break;
      case "ssh_key":
        replace(
          body,
          h(
            "div",
            { class: "field" },
            h("div", { class: "field-label-row" }, h("label", { class: "field-label", for: ssh.id }, "SSH private key (Ed25519)"), sshToggle),
            ssh,
            h("div", { class: "file-row" }, h("label", { class: "muted", for: file.id }, "or load it from a file:"), file, fileNote),
          ),
        );
        break;
      case "resource_key":
        replace(
          body,
          h("div", { class: "grid-2" }, field("Project/dataset ID", resourceId, resourceId), field("API key", apiKey.wrap, apiKey.input)),
        );
        break;
    }
  }

  if (platform.id === "encord" || kinds.length > 1) {
    const select = h(
      "select",
      { class: "input", testid: "form-encord-kind", id: fieldId(), disabled: kinds.length < 2 },
      (["ssh_key", "resource_key"] as TokenKind[]).map((k) =>
        h("option", { value: k, selected: k === kind }, k === "ssh_key" ? "SSH private key" : "Project/dataset API key"),
      ),
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
    read(): SecretInput {
      switch (kind) {
        case "token":
          return { type: "token", token: token.input.value };
        case "key_pair":
          return { type: "key_pair", key_id: keyId.value, secret: keySecret.input.value };
        case "ssh_key":
          return { type: "ssh_key", private_key: ssh.value };
        case "resource_key":
          return { type: "resource_key", resource_id: resourceId.value, api_key: apiKey.input.value };
      }
    },
    clear() {
      for (const el of [token.input, keyId, keySecret.input, ssh, resourceId, apiKey.input, file]) el.value = "";
      fileNote.textContent = "";
    },
    focusTarget(message: string): HTMLElement {
      const m = message.toLowerCase();
      switch (kind) {
        case "token":
          return token.input;
        case "key_pair":
          return m.includes("key id") ? keyId : keySecret.input;
        case "ssh_key":
          return ssh;
        case "resource_key":
          return m.includes("project or dataset id") || m.includes("resource") ? resourceId : apiKey.input;
      }
    },
  };
}
