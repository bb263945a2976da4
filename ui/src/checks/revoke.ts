// Revoking a token: through the platform's API where the platform allows it, else a guided
// dialog (the steps, the settings page, "I have revoked it"). Afterwards, an offer to add
// the token that replaces it: the same record, reopened for the new secret.

import { refresh, reportError } from "../tokens/actions";
import { api, errorText, targetFor, targetOf, toErrorPayload } from "../api";
import type { RevokeOutcome } from "../bindings/RevokeOutcome";
import type { TokenRecord } from "../bindings/TokenRecord";
import { confirmDialog } from "../shell/dialogs";
import { h, replace } from "../shell/dom";
import { openReplaceForm } from "../tokens/form";
import { icon } from "../shell/icons";
import { toast, type ToastAction } from "../alerts/banners";
import { changed, findToken, platformName, state } from "../shell/state";
import { revokedMessage, revokeQuestion } from "./validation";

type Guided = Extract<RevokeOutcome, { how: "guided" }>;

/** "Add the replacement token": reopen the same (revoked) record for its new secret; label,
 *  tags, server and history stay, and it is no longer revoked once the secret is stored. */
export function addReplacement(id: string): void {
  if (findToken(id)) openReplaceForm(id);
}

function offer(id: string): ToastAction {
  return { label: "Add the replacement token", run: () => addReplacement(id) };
}

/** What the record says about the revoke: "Revoked through Roboflow's API; revocation
 *  confirmed by Roboflow (401)", or "…; not confirmed: Roboflow could not be reached". */
function revokedNote(id: string): string {
  return findToken(id)?.record.revoked?.reason ?? "";
}

/** The platform still accepts the token after an API revoke: say so, offer to mark it anyway. */
async function stillAccepted(id: string, label: string, message: string, vaultId?: string): Promise<void> {
  const where = vaultId ? "the team vault" : "your keychain";
  const anyway = await confirmDialog({
    title: "The revoke did not take effect",
    message: [message, `“${label}” is not marked revoked and its secret is still in ${where}. Try Revoke again later, revoke it on the website, or mark it revoked anyway.`],
    okLabel: "Mark revoked anyway",
    okIcon: "ban",
    danger: true,
  });
  if (!anyway) return;
  const rec = (await api.confirmRevoked(targetFor(id, vaultId), "", true)).record;
  forgetSecret(id);
  await refresh();
  toast(`Marked “${rec.label}” as revoked without confirmation. The secret was removed from ${where}.`, "info", vaultId ? undefined : offer(id));
}

/** The secret is gone from the keychain: forget what the window knew of it. */
function forgetSecret(id: string): void {
  state.copied.delete(id);
  if (state.revealed?.id === id) state.revealed = null;
}

export async function revokeToken(id: string): Promise<void> {
  const t = findToken(id);
  if (!t || t.record.revoked || state.revoking.has(id)) return;
  const r = t.record;
  const name = platformName(r.platform);
  const team = t.team;
  const where = team ? `the team vault “${team.vault_name}”` : "your keychain";
  const ok = await confirmDialog({
    title: team ? "Revoke team token?" : "Revoke token?",
    message: [
      revokeQuestion(r.label, name),
      `Latchkey asks ${name} to revoke it where ${name} allows that, and otherwise shows you how. Afterwards its secret is removed from ${where}; the record stays, marked revoked${team ? " for every member" : ""}.`,
    ],
    okLabel: "Revoke",
    okIcon: "ban",
    danger: true,
  });
  if (!ok) return;
  state.revoking.add(id);
  changed();
  try {
    const outcome = await api.revokeToken(targetOf(t));
    if (outcome.how === "revoked") {
      forgetSecret(id);
      await refresh();
      toast(`${revokedNote(id) || `Revoked on ${name}`}. The secret was removed from ${where}.`, "info", team ? undefined : offer(id));
    } else {
      showGuided(r, outcome, team?.vault_id);
    }
  } catch (e) {
    const err = toErrorPayload(e);
    if (err.kind === "still_accepted") {
      state.revoking.delete(id);
      changed();
      try {
        await stillAccepted(id, r.label, err.message, team?.vault_id);
      } catch (e2) {
        reportError(e2);
      }
    } else {
      reportError(e);
    }
  } finally {
    state.revoking.delete(id);
    changed();
  }
}

let dlg: HTMLDialogElement | null = null;
let busy = false;

function dialog(): HTMLDialogElement {
  if (dlg) return dlg;
  const d = h("dialog", { class: "dialog revoke-dialog", testid: "revoke-dialog" });
  d.addEventListener("cancel", (ev) => {
    if (busy) ev.preventDefault();
  });
  d.addEventListener("close", () => d.replaceChildren());
  document.body.appendChild(d);
  return (dlg = d);
}

/** The open guided dialog: the token, the platform's steps, and the inputs. */
interface GuidedDialog {
  d: HTMLDialogElement;
  r: TokenRecord;
  g: Guided;
  vaultId: string | undefined;
  name: string;
  error: HTMLElement;
  reason: HTMLInputElement;
  done: HTMLButtonElement;
  /** Shown once the platform still accepts the token after "I have revoked it". */
  anyway: HTMLButtonElement;
}

function showGuided(r: TokenRecord, g: Guided, vaultId?: string): void {
  const d = dialog();
  if (d.open) d.close();
  const c: GuidedDialog = {
    d,
    r,
    g,
    vaultId,
    name: platformName(r.platform),
    error: h("div", { class: "form-error", testid: "revoke-error", role: "alert", hidden: true }),
    reason: h("input", { class: "input", type: "text", id: "revoke-reason", testid: "revoke-reason", placeholder: "e.g. leaked in a CI log", maxlength: 500, autocomplete: "off" }),
    done: h("button", { class: "btn btn-danger", type: "submit", testid: "revoke-done" }, icon("check", 14), "I have revoked it"),
    anyway: h("button", { class: "btn", type: "button", testid: "revoke-anyway", hidden: true, onclick: () => void confirmRevoked(c, null, true) }, "Mark revoked anyway"),
  };
  const openPage = openPageButton(c);
  const title = `Revoke “${r.label}” on ${c.name}`;
  const cancel = h("button", { class: "btn", type: "button", testid: "revoke-cancel", onclick: () => d.close() }, "Cancel");
  replace(
    d,
    h(
      "form",
      { class: "dialog-inner revoke-form", novalidate: true, onsubmit: (ev: Event) => void confirmRevoked(c, ev) },
      h(
        "header",
        { class: "dialog-header" },
        h("h2", { class: "dialog-title" }, h("span", { class: "title-icon danger" }, icon("ban", 18)), title),
        h("button", { class: "icon-btn", type: "button", "aria-label": "Close", title: "Close (Esc)", onclick: () => d.close() }, icon("x", 16)),
      ),
      guidedBody(c, openPage),
      h("footer", { class: "dialog-footer" }, c.error, h("div", { class: "dialog-actions" }, cancel, c.anyway, c.done)),
    ),
  );
  d.setAttribute("aria-label", title);
  busy = false;
  d.showModal();
  openPage.focus();
}

function showGuidedError(c: GuidedDialog, message: string): void {
  c.error.hidden = false;
  replace(c.error, icon("alert", 14), h("span", null, message));
}

function openPageButton(c: GuidedDialog): HTMLButtonElement {
  const url = c.g.settings_url;
  const open = async () => {
    c.error.hidden = true;
    try {
      await api.openRevokePage(c.r.id);
    } catch (e) {
      showGuidedError(c, toErrorPayload(e).message);
    }
  };
  const title = url ? `Open ${url} in your browser` : "No settings page is known for this token: open the service yourself";
  return h("button", { class: "btn", type: "button", testid: "revoke-open", title, disabled: !url, onclick: open }, icon("external", 14), "Open settings page");
}

function guidedBody(c: GuidedDialog, openPage: HTMLElement): HTMLElement {
  const { g, name, reason } = c;
  const note = `Kept with the record, unencrypted. “I have revoked it” asks ${name} whether it still accepts the token, then removes the secret from your keychain.`;
  return h(
    "div",
    { class: "dialog-body" },
    h("p", { class: "dialog-text" }, `Latchkey cannot revoke this token for you. Revoke it on ${name}, then come back and confirm:`),
    g.note ? h("div", { class: "callout callout-warn", testid: "revoke-note" }, icon("info", 14), h("span", null, g.note)) : null,
    h("ol", { class: "revoke-steps", testid: "revoke-steps" }, g.steps.map((s) => h("li", null, s))),
    h(
      "div",
      { class: "revoke-open-row" },
      openPage,
      g.settings_url ? h("span", { class: "mono small muted wrap revoke-url", title: "The page that opens" }, g.settings_url) : null,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { class: "field-label", for: reason.id }, "Reason", h("span", { class: "optional" }, " optional")),
      reason,
      h("div", { class: "field-note" }, note),
    ),
  );
}

/** "I have revoked it" (or "Mark revoked anyway": `unchecked`): Rust validates, then forgets the secret. */
async function confirmRevoked(c: GuidedDialog, ev: Event | null, unchecked = false): Promise<void> {
  ev?.preventDefault();
  if (busy) return;
  const { d, done, vaultId } = c;
  const id = c.r.id;
  busy = true;
  done.disabled = true;
  d.classList.add("busy");
  c.error.hidden = true;
  try {
    done.lastChild!.textContent = "Checking with " + c.name + "…";
    const rec = (await api.confirmRevoked(targetFor(id, vaultId), c.reason.value, unchecked)).record;
    forgetSecret(id);
    busy = false;
    d.close();
    await refresh();
    toast(revokedMessage(rec, !!vaultId), "info", vaultId ? undefined : offer(id));
  } catch (e) {
    const err = toErrorPayload(e);
    showGuidedError(c, errorText(err));
    if (err.kind === "still_accepted") c.anyway.hidden = false;
    c.reason.focus();
    if (err.kind === "not_found") void refresh();
  } finally {
    busy = false;
    done.disabled = false;
    done.lastChild!.textContent = "I have revoked it";
    d.classList.remove("busy");
  }
}
