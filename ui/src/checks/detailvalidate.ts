// The detail pane's "Platform check" section and its expiry value: what the platform said
// the last time it was asked, and what was learnt from it.

import type { TokenView } from "../bindings/TokenView";
import type { ValidationOutcome } from "../bindings/ValidationOutcome";
import { localString } from "../shell/dates";
import { h, type Child } from "../shell/dom";
import { icon, type IconName } from "../shell/icons";
import { VALIDATION_INFO, expiryOrigin, identityRows, lastAnswer, sentence } from "./validation";

/** A live "2 h ago" text: the pane's timer keeps it current. */
export type AgoText = (iso: string) => HTMLElement;

const ICONS: Record<string, IconName> = { valid: "check", invalid: "x", cannot_check: "alert", unknown: "info" };

/** Whether the section lists the identity the platform reported (then the meta list does not). */
export function showsIdentity(t: TokenView): boolean {
  return t.record.last_verdict?.result === "valid" && identityRows(t.record.identity).length > 0;
}

function resultLine(result: string, word: string): HTMLElement {
  return h(
    "div",
    { class: "validate-result", testid: "detail-check-result" },
    h("span", { class: "validate-icon", "aria-hidden": "true" }, icon(ICONS[result] ?? "info", 14)),
    h("strong", null, word),
  );
}

function reasonOf(v: ValidationOutcome): string | null {
  return v.result === "valid" ? null : sentence(v.reason);
}

export function validateSection(t: TokenView, platformName: string, ago: AgoText, busy: boolean): HTMLElement {
  const r = t.record;
  const v = r.last_validation;
  const result = r.revoked ? "revoked" : (v?.result ?? "unknown");
  const body: Child[] = [];

  if (r.revoked) {
    body.push(resultLine("unknown", "Not checked any more"));
  } else if (!v) {
    body.push(
      resultLine("unknown", VALIDATION_INFO.unknown.word),
      h(
        "p",
        { class: "validate-text muted" },
        r.platform === "other" && !r.check
          ? "Give a check URL with Edit, then press Validate to see whether the token still works."
          : `Press Validate to ask ${platformName} whether it still accepts this token, and who it belongs to.`,
      ),
    );
  } else {
    const info = VALIDATION_INFO[v.result];
    const reason = reasonOf(v);
    body.push(
      resultLine(v.result, info.word),
      reason ? h("p", { class: "validate-text validate-reason", testid: "detail-check-reason" }, reason) : null,
      h("p", { class: "validate-when muted" }, "Checked ", ago(v.at), " · ", localString(v.at)),
    );
    const last = lastAnswer(r, Date.now());
    if (last) body.push(h("p", { class: "validate-last", testid: "detail-check-last" }, last));
    if (v.notes?.length) {
      body.push(h("ul", { class: "validate-notes", testid: "detail-check-notes" }, v.notes.map((n) => h("li", null, n))));
    }
    if (t.status.health.state === "invalid") {
      body.push(h("p", { class: "validate-text" }, `Create a new token on ${platformName} and store it with Replace secret, or delete this one.`));
    }
  }

  if (showsIdentity(t)) {
    body.push(
      h("div", { class: "validate-caption" }, `Reported by ${platformName}`),
      h(
        "dl",
        { class: "validate-identity", testid: "detail-check-identity" },
        identityRows(r.identity).map(([k, val]) => [h("dt", null, k), h("dd", { "data-field": k.toLowerCase() }, val)]),
      ),
    );
  }

  return h(
    "section",
    { class: `validate-card validate-${result}${busy ? " is-busy" : ""}`, testid: "detail-validation", "data-result": result, "aria-label": "Platform check", "aria-busy": String(busy) },
    h("h3", { class: "validate-title" }, "Platform check", busy ? h("span", { class: "validate-busy muted" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Checking…") : null),
    body,
  );
}

/** The Expires value: the date, a countdown, and where it came from. */
export function expiresValue(t: TokenView, platformName: string, countdown: HTMLElement): HTMLElement {
  const r = t.record;
  const origin = expiryOrigin(r, platformName);
  const from = origin.from ? h("span", { class: "muted expiry-from", testid: "detail-expires-source" }, origin.from) : null;
  const entered = origin.entered
    ? h("span", { class: "muted expiry-entered", testid: "detail-expires-entered" }, `you entered ${localString(origin.entered)}`)
    : null;
  if (!r.expires_at) {
    const none = origin.from ? `Does not expire (${origin.from})` : "No expiry set";
    return h("span", { testid: "detail-expires", class: `stack${origin.from ? "" : " muted"}` }, h("span", null, none), entered);
  }
  return h("span", { testid: "detail-expires", class: "stack" }, h("span", null, localString(r.expires_at)), countdown, from, entered);
}
