// "How to check this token": the Other platform's check settings in the add and edit form.
// Optional as a whole: with no URL, no check is sent (and editing clears it).

import type { Field } from "../bindings/Field";
import type { CheckSettings } from "../bindings/CheckSettings";
import { h } from "../shell/dom";
import { icon } from "../shell/icons";

export const VALIDATE_DEFAULTS: CheckSettings = { url: "", header: "Authorization", prefix: "Bearer ", method: "GET", expect_status: 200 };
const METHODS = ["GET", "HEAD", "POST"];

export class ValidateInputError extends Error {
  constructor(
    message: string,
    readonly field: HTMLElement,
  ) {
    super(message);
  }
}

export interface ValidateFields {
  root: HTMLElement;
  /** The settings to send, or undefined when no check URL was given. Throws CheckInputError. */
  read(): CheckSettings | undefined;
  /** The field an error from Rust most likely refers to, if it is about the check. */
  /** The input an error is about (`field` as Rust names it), if it is one of these. */
  focusTarget(field: Field | undefined): HTMLElement | null;
}

export function validateFields(initial?: CheckSettings): ValidateFields {
  const c = { ...VALIDATE_DEFAULTS, ...initial };
  const attrs = { class: "input", type: "text", autocomplete: "off", spellcheck: "false" };
  const url = h("input", { ...attrs, class: "input mono", id: "f-check-url", testid: "form-check-url", placeholder: "/api/me  or  https://api.example.com/v1/whoami", value: c.url });
  const header = h("input", { ...attrs, class: "input mono", id: "f-check-header", testid: "form-check-header", placeholder: "Authorization", value: c.header });
  // A prefix may end in a space ("Bearer "): shown as typed, sent as typed.
  const prefix = h("input", { ...attrs, class: "input mono", id: "f-check-prefix", testid: "form-check-prefix", placeholder: "(none)", value: c.prefix });
  const method = h(
    "select",
    { class: "input", id: "f-check-method", testid: "form-check-method" },
    METHODS.map((m) => h("option", { value: m, selected: m === c.method.toUpperCase() }, m)),
  );
  const status = h("input", { class: "input", type: "number", id: "f-check-status", testid: "form-check-status", min: 200, max: 399, step: 1, value: String(c.expect_status) });

  const label = (el: HTMLElement, text: string) => h("label", { class: "field-label", for: el.id }, text);
  const root = h(
    "fieldset",
    { class: "validate-set", testid: "form-check" },
    h("legend", null, icon("shieldCheck", 13), "How to check this token", h("span", { class: "optional" }, " optional")),
    h(
      "p",
      { class: "form-help" },
      icon("info", 13),
      h("span", null, "To check the token, Latchkey sends it to this address. The expected status means valid; 401 or 403 means rejected."),
    ),
    h(
      "div",
      { class: "field" },
      label(url, "Check URL"),
      url,
      h("div", { class: "field-note" }, "A full https:// address, or a path relative to the server URL. Leave empty for no check."),
    ),
    h(
      "div",
      { class: "validate-grid" },
      h("div", { class: "field" }, label(header, "Header"), header),
      h("div", { class: "field" }, label(prefix, "Prefix"), prefix),
      h("div", { class: "field" }, label(method, "Method"), method),
      h("div", { class: "field" }, label(status, "Expected status"), status),
    ),
  );

  const fields = { url, header, prefix, method, status };
  return {
    root,
    read() {
      const r = validateSettings({ url: url.value, header: header.value, prefix: prefix.value, method: method.value, status: status.value });
      if (r && "error" in r) throw new ValidateInputError(r.error, status);
      return r;
    },
    focusTarget(field) {
      const f = validateFieldFor(field);
      return f ? fields[f] : null;
    },
  };
}

type Typed = Record<"url" | "header" | "prefix" | "method" | "status", string>;

/** The settings from what was typed: undefined without a URL, or the status's error. */
export function validateSettings(v: Typed): CheckSettings | undefined | { error: string } {
  if (!v.url.trim()) return undefined;
  const code = Number(v.status.trim() || "200");
  if (!Number.isInteger(code) || code < 100 || code > 599) return { error: "Enter the expected status as a number, such as 200." };
  return { url: v.url.trim(), header: v.header.trim() || "Authorization", prefix: v.prefix, method: v.method, expect_status: code };
}

const VALIDATE_FIELDS: Partial<Record<Field, keyof Typed>> = {
  check_url: "url",
  check_header: "header",
  check_prefix: "prefix",
  check_method: "method",
  check_status: "status",
};

/** The input an error from Rust is about (Rust names the field), if it is about validating. */
export function validateFieldFor(field: Field | undefined): keyof Typed | null {
  return (field && VALIDATE_FIELDS[field]) ?? null;
}
