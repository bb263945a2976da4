// The detail pane: everything about the selected token, and its actions.

import { copySecret, deleteToken, toggleReveal } from "./actions";
import { validateToken } from "../checks/validate";
import { formatAgo, formatClipboard, formatCountdown, formatUnused, relative, secondsLeft } from "./countdown";
import { localString } from "../shell/dates";
import { validateSection, expiresValue, showsIdentity } from "../checks/detailvalidate";
import { h, keepFocus, replace, type Child } from "../shell/dom";
import { openEditForm, openReplaceForm, openRotateForm } from "./form";
import { icon, platformBadge, type IconName } from "../shell/icons";
import { KIND_NAMES, maskedHint, publicPart, statusPill, unusedSourceWords } from "./labels";
import { addReplacement, revokeToken } from "../checks/revoke";
import { canRotate, rotateToken, rotatesByApi, rotationUnderWay, undoRotation, undoable } from "../checks/rotate";
import { alertsRow, snoozedLine } from "./snooze";
import { changed, platformName, selectedToken, state } from "../shell/state";
import { addTickSource, watched } from "../shell/ticker";
import type { TokenKind } from "../bindings/TokenKind";
import type { TokenRecord } from "../bindings/TokenRecord";
import type { ListToken } from "../team/teammodel";
import { actionWords, detailWarnings, metaRows, type DetailWarning, type MetaRow } from "./detailmodel";
import { teamBadge } from "../team/teamsection";
import { recentUsesSection } from "./recentuses";

let pane: HTMLElement;
let live: {
  countdowns: { el: HTMLElement; expMs: number }[];
  stale: { el: HTMLElement; sinceMs: number } | null;
  feedback: { id: string; el: HTMLElement } | null;
  hides: HTMLElement | null;
  agos: { el: HTMLElement; atMs: number }[];
} = { countdowns: [], stale: null, feedback: null, hides: null, agos: [] };

/** "2 h ago", kept current by the timer. */
function agoText(iso: string): HTMLElement {
  const el = h("span", { class: "ago" });
  live.agos.push({ el, atMs: Math.min(Date.parse(iso), Date.now()) });
  return el;
}

export function mountDetail(root: HTMLElement): void {
  pane = root;
  addTickSource(tickDetail);
}

export function renderDetail(): void {
  keepFocus(pane, render);
}

function render(): void {
  live = { countdowns: [], stale: null, feedback: null, hides: null, agos: [] };
  const t = selectedToken();
  pane.classList.toggle("has-selection", !!t);
  if (!t) {
    replace(
      pane,
      h(
        "div",
        { class: "detail-empty" },
        icon("lock", 28),
        h("p", null, state.view?.tokens.length ? "Select a token to see its details." : "Token details appear here."),
        state.view?.tokens.length ? h("p", { class: "hint-line" }, "Use ", h("kbd", null, "↑"), " ", h("kbd", null, "↓"), " to move through the list.") : null,
      ),
    );
    return;
  }
  replace(pane, content(t));
  tickDetail(Date.now());
}

function content(t: ListToken): Child[] {
  const r = t.record;
  const now = Date.now();
  const name = platformName(r.platform);
  const revealed = state.revealed?.id === r.id ? state.revealed : null;
  const validating = state.validating.has(r.id) || !!state.validateRun?.pending.has(r.id);
  const feedback = h("span", { class: "chip chip-ok feedback", testid: "detail-feedback", role: "status" });
  if (state.copied.has(r.id)) live.feedback = { id: r.id, el: feedback };
  const warnings = detailWarnings(t, state.view?.settings.policy.rotate_after_days, !!state.view);
  return [
    detailHead(t),
    detailActions(t, name, !!revealed, validating),
    state.copied.has(r.id) ? h("div", { class: "detail-feedback" }, feedback) : null,
    revealed ? secretBox(r.kind, revealed.secret) : null,
    snoozedLine(r, now),
    rotationUnderWay(r) ? rotationOffer(r, name, state.rotating.has(r.id)) : null,
    ...warnings.map((w) => warningView(t, w)),
    validateSection(t, name, agoText, validating),
    metaList(t, name, now),
    recentUsesSection(r.id),
    r.notes ? h("section", { class: "notes" }, h("h3", null, "Notes"), h("p", { class: "notes-text", testid: "detail-notes" }, r.notes)) : null,
  ];
}

function detailHead(t: ListToken): HTMLElement {
  const r = t.record;
  const headCountdown = h("span", { class: "countdown", testid: "detail-countdown" });
  if (r.expires_at) live.countdowns.push({ el: headCountdown, expMs: Date.parse(r.expires_at) });
  return h(
    "div",
    { class: "detail-head" },
    platformBadge(r.platform, 40),
    h(
      "div",
      { class: "detail-title" },
      h("h2", { testid: "detail-label", title: r.label }, r.label),
      h("div", { class: "detail-sub" }, statusPill(t.status.health, "detail-status"), t.team ? teamBadge(t.team.vault_name, "detail-team-badge") : null, headCountdown),
    ),
  );
}

function button(testid: string, label: string, iconName: IconName, title: string, onclick: () => void, extra = "", disabled = false): HTMLElement {
  return h("button", { class: `btn ${extra}`, type: "button", testid, title, "aria-label": label, onclick, disabled }, icon(iconName, 14), label);
}

function detailActions(t: ListToken, name: string, revealed: boolean, validating: boolean): HTMLElement {
  const r = t.record;
  const revoked = !!r.revoked;
  const w = actionWords(t, revealed);
  return h(
    "div",
    { class: "detail-actions", role: "toolbar", "aria-label": "Token actions" },
    button("detail-copy", "Copy", "copy", w.copyTitle, () => void copySecret(r.id), "btn-primary", revoked),
    button("detail-reveal", w.revealLabel, revealed ? "eyeOff" : "eye", w.revealTitle, () => void toggleReveal(r.id), "", revoked),
    validateButton(r.id, name, validating, revoked),
    button("detail-edit", "Edit", "edit", "Edit label, server, expiry, tags and notes (E)", () => openEditForm(r.id)),
    revoked
      ? button("detail-add-replacement", "Add replacement", "plus", "Store the new token in this same record (label, tags and server kept)", () => addReplacement(r.id))
      : button("detail-replace", "Replace secret", "edit", "Store a new secret for this token at once (the old one is not kept)", () => openReplaceForm(r.id)),
    h("span", { class: "toolbar-gap" }),
    canRotate(r, !!t.team) ? rotateButton(r, name, state.rotating.has(r.id)) : null,
    revoked ? null : revokeButton(r.id, name, state.revoking.has(r.id)),
    button("detail-delete", "Delete", "trash", w.deleteTitle, () => void deleteToken(r.id), "btn-danger-quiet"),
  );
}

function rotateButton(r: TokenRecord, name: string, busy: boolean): HTMLElement {
  const resume = rotationUnderWay(r);
  const label = resume ? "Finish rotation" : "Rotate";
  return h(
    "button",
    {
      class: busy ? "btn is-busy" : "btn",
      type: "button",
      testid: "detail-rotate",
      title: resume
        ? `Finish the rotation that stopped: check the new key and revoke the old one on ${name}`
        : rotatesByApi(r)
          ? `Have ${name} make a new key, store and check it, then revoke this one`
          : `Give the new token you made on ${name}: it is checked and put in place, and this one kept until ${name} refuses it`,
      "aria-label": label,
      "aria-disabled": busy ? "true" : false,
      "aria-busy": String(busy),
      onclick: () => (rotatesByApi(r) ? void rotateToken(r.id) : openRotateForm(r.id)),
    },
    busy ? h("span", { class: "spinner", "aria-hidden": "true" }) : icon("rotate", 14),
    busy ? "Rotating…" : label,
  );
}

/** A rotation stopped half way (the app was closed or killed, the network failed): both keys
 *  are kept in the keychain, and this offers to finish it, or to undo it while the new key is
 *  not in use yet. While it runs, it only says so. */
function rotationOffer(r: TokenRecord, name: string, busy: boolean): HTMLElement {
  const stage = r.pending?.step === "rotating" ? r.pending.stage : null;
  const where =
    stage === "swapped"
      ? `The new key is in use; the old one is kept in your keychain until ${name} refuses it. Finish revokes it and confirms.`
      : `The new key is kept in your keychain and the old one is still in use. Finish checks the new key, puts it in place and revokes the old one${undoable(r) ? "; Undo deletes the new key" : ""}.`;
  const text = busy
    ? h("p", { class: "callout-title" }, `Rotating “${r.label}”…`)
    : h("p", { class: "callout-title" }, `Rotation of “${r.label}” stopped halfway`);
  return h(
    "div",
    { class: "callout callout-warn callout-offer", testid: "detail-rotation-pending", role: "group", "aria-label": "Rotation stopped halfway" },
    icon("rotate", 14),
    h(
      "div",
      { class: "callout-body" },
      text,
      h("p", null, busy ? `Nothing is lost if it stops: both keys are kept in your keychain until ${name} refuses the old one.` : `Nothing is lost. ${where}`),
      busy
        ? null
        : h(
            "div",
            { class: "callout-actions" },
            h(
              "button",
              { class: "btn btn-small btn-primary", type: "button", testid: "rotation-finish", title: `Finish the rotation: ${stage === "swapped" ? "revoke the old key" : "check the new key and revoke the old one"} on ${name}`, onclick: () => void rotateToken(r.id) },
              icon("rotate", 13),
              "Finish",
            ),
            undoable(r)
              ? h("button", { class: "btn btn-small", type: "button", testid: "rotation-undo", title: `Delete the new key on ${name} and keep using the old one`, onclick: () => void undoRotation(r.id) }, "Undo")
              : null,
          ),
    ),
  );
}

function revokeButton(id: string, name: string, revoking: boolean): HTMLElement {
  return h(
    "button",
    {
      class: revoking ? "btn btn-danger-quiet is-busy" : "btn btn-danger-quiet",
      type: "button",
      testid: "detail-revoke",
      title: `Revoke this token on ${name}: it stops working everywhere`,
      "aria-label": "Revoke",
      "aria-disabled": revoking ? "true" : false,
      "aria-busy": String(revoking),
      onclick: () => void revokeToken(id),
    },
    revoking ? h("span", { class: "spinner", "aria-hidden": "true" }) : icon("ban", 14),
    revoking ? "Revoking…" : "Revoke",
  );
}

function secretBox(kind: TokenKind, secret: string): HTMLElement {
  live.hides = h("span", { class: "muted" });
  return h(
    "div",
    { class: "secret-box" },
    h("div", { class: "secret-head" }, h("span", { class: "secret-caption" }, icon("eye", 13), "Secret"), live.hides),
    h(kind === "ssh_key" ? "pre" : "div", { class: "secret mono", testid: "detail-secret", tabindex: 0, "aria-label": "Revealed secret" }, secret),
  );
}

function warningView(t: ListToken, w: DetailWarning): HTMLElement {
  switch (w.kind) {
    case "stale": {
      const el = h("span");
      live.stale = { el, sinceMs: Date.parse(state.view!.now) - t.status.stale_for_secs! * 1000 };
      const source = unusedSourceWords(t.status.unused_source, platformName(t.record.platform));
      const advice = w.platformSaid ? "" : " Platforms may remove tokens that go unused; check it still works or delete it.";
      const text = h("span", null, el, ` ${source}.${advice}`);
      return h("div", { class: "callout callout-warn", testid: "detail-stale" }, icon("clock", 14), text);
    }
    case "rotation":
      return h("div", { class: "callout callout-info", testid: "detail-rotation" }, icon("rotate", 14), h("span", null, w.text));
    case "expired":
      return h("div", { class: "callout callout-bad" }, icon("alert", 14), h("span", null, w.text));
    case "revoked": {
      const at = t.record.revoked!.at;
      return h(
        "div",
        { class: "callout callout-bad", testid: "detail-revoked" },
        icon("ban", 14),
        h(
          "span",
          { class: "stack" },
          h("span", null, h("strong", null, "Revoked ", agoText(at)), w.why),
          h("span", { class: "small" }, `${localString(at)}. Its secret is no longer in ${w.where}.`),
        ),
      );
    }
  }
}

function metaList(t: ListToken, name: string, now: number): HTMLElement {
  const pub = publicPart(t.record);
  const rows = metaRows(t, showsIdentity(t), !!pub);
  return h("dl", { class: "meta" }, rows.map((k) => [h("dt", null, metaCaption(k, name, pub?.caption)), h("dd", null, metaValue(k, t, name, now))]));
}

const CAPTIONS: Record<MetaRow, string> = {
  team: "Team vault",
  platform: "Platform",
  credential: "Credential",
  server: "Server",
  owner: "Owner",
  workspace: "Workspace",
  hint: "Secret ends in",
  public: "",
  publicKey: "Public key",
  expires: "Expires",
  alerts: "Alerts",
  created: "Created",
  lastUsed: "Last used",
  platformCreated: "Created on {p}",
  platformLastUsed: "Last used on {p}",
  dropAt: "{p} drops it",
  rotated: "Rotated",
  tags: "Tags",
};

function metaCaption(k: MetaRow, platform: string, publicCaption = ""): string {
  return k === "public" ? publicCaption : CAPTIONS[k].replace("{p}", platform);
}

const muted = (text: string) => h("span", { class: "muted" }, text);
const when = (iso: string, now: number) => h("span", { class: "stack" }, h("span", null, localString(iso)), muted(relative(Date.parse(iso), now)));

function metaValue(k: MetaRow, t: ListToken, name: string, now: number): Child {
  const r = t.record;
  switch (k) {
    case "team": {
      const team = t.team!;
      const saved = `Version ${team.version} · saved ${relative(Date.parse(team.updated_at), now)}`;
      return h("span", { class: "stack", testid: "detail-team" }, h("span", null, team.vault_name), muted(saved));
    }
    case "platform":
      return h("span", { class: "inline-badge" }, platformBadge(r.platform, 16), name);
    case "credential":
      return KIND_NAMES[r.kind];
    case "server":
      return r.server_url ? h("span", { class: "mono wrap" }, r.server_url) : muted("—");
    case "owner":
      return r.identity.owner;
    case "workspace":
      return r.identity.workspace;
    case "hint":
      return h("span", { class: "mono" }, maskedHint(r.hint));
    case "public":
      return h("span", { class: "mono wrap" }, publicPart(r)!.value);
    case "publicKey":
      return h("span", { class: "mono wrap small" }, r.public.key_id);
    case "expires":
      return expiresValue(t, name, expiresCountdown(r.expires_at));
    case "alerts":
      return t.team ? muted("From the shared expiry, on each member's computer") : alertsRow(r, now)[1];
    case "created":
      return when(r.created_at, now);
    case "lastUsed":
      return r.last_used_at ? when(r.last_used_at, now) : muted("Not used through Latchkey yet");
    case "platformCreated":
      return when(r.platform_created_at!, now);
    case "platformLastUsed":
      return when(r.platform_last_used_at!, now);
    case "dropAt": {
      const at = t.status.drop_at!;
      const gone = Date.parse(at) <= now;
      const words = gone ? "Refused for inactivity since then" : "if it stays unused until then (its inactivity period)";
      return h("span", { class: "stack", testid: "detail-drop" }, h("span", null, localString(at)), muted(`${relative(Date.parse(at), now)} · ${words}`));
    }
    case "rotated": {
      // Each replacement; a rotation through Latchkey adds how it ended (no secret in it).
      const events = r.rotations ?? [];
      const items = [...(r.rotated_at ?? [])].reverse().map((at) => {
        const ms = Date.parse(at);
        const ev = events.find((e) => Math.abs(Date.parse(e.at) - ms) < 10 * 60_000);
        return h("li", { testid: ev ? "detail-rotation-event" : undefined }, localString(at), ev ? muted(` · Rotate: ${ev.outcome}`) : null);
      });
      return items.length ? h("ul", { class: "plain-list" }, items) : muted("Never");
    }
    case "tags":
      return h("span", { class: "tags" }, (r.tags ?? []).map((tag) => h("span", { class: "tag" }, tag)));
  }
}

function expiresCountdown(expiresAt: string | undefined): HTMLElement {
  const el = h("span", { class: "countdown muted" });
  if (expiresAt) live.countdowns.push({ el, expMs: Date.parse(expiresAt) });
  return el;
}

function validateButton(id: string, name: string, busy: boolean, revoked: boolean): HTMLElement {
  return h(
    "button",
    {
      class: busy ? "btn is-busy" : "btn",
      type: "button",
      testid: "detail-validate",
      title: revoked ? "A revoked token is not checked any more" : `Ask ${name} whether it still accepts this token (V)`,
      "aria-label": busy ? "Validating" : "Validate",
      "aria-busy": String(busy),
      // Busy stays focusable (aria-disabled), so keyboard focus survives the check.
      "aria-disabled": busy ? "true" : false,
      disabled: revoked,
      onclick: () => void validateToken(id),
    },
    busy ? h("span", { class: "spinner", "aria-hidden": "true" }) : icon("shieldCheck", 14),
    // The label stays: the section below says "Checking…", and the toolbar does not reflow.
    "Validate",
  );
}

function tickDetail(now: number): number {
  let next = Infinity;
  for (const a of live.agos) {
    const f = formatAgo(now - a.atMs);
    const text = f.text === "just now" ? "just now" : `${f.text} ago`;
    if (a.el.textContent !== text) a.el.textContent = text;
    next = Math.min(next, a.atMs + f.nextInMs);
  }
  for (const c of live.countdowns) {
    const f = formatCountdown(c.expMs, now, watched());
    if (c.el.textContent !== f.text) c.el.textContent = f.text;
    next = Math.min(next, f.nextChangeMs);
  }
  if (live.stale) {
    const f = formatUnused(live.stale.sinceMs, now);
    const text = f.text.charAt(0).toUpperCase() + f.text.slice(1);
    if (live.stale.el.textContent !== text) live.stale.el.textContent = text;
    next = Math.min(next, f.nextChangeMs);
  }
  if (live.feedback) {
    const f = formatClipboard(state.copied.get(live.feedback.id) ?? 0, now);
    if (!f) {
      live.feedback.el.parentElement?.remove();
      live.feedback = null;
    } else {
      if (live.feedback.el.textContent !== f.text) replace(live.feedback.el, icon("check", 12), h("span", { class: "chip-text" }, f.text));
      next = Math.min(next, f.nextChangeMs);
    }
  }
  const rv = state.revealed;
  if (rv && live.hides) {
    const left = secondsLeft(rv.hideAtMs, now);
    if (left.secs <= 0) {
      // Forget the secret: the next render drops the field.
      state.revealed = null;
      changed();
      return next;
    }
    live.hides.textContent = `hides in ${left.secs} s`;
    next = Math.min(next, left.nextChangeMs);
  }
  return next;
}
