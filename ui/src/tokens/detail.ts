// The detail pane: everything about the selected token, and its actions.

import { copySecret, deleteToken, toggleReveal } from "./actions";
import { validateToken } from "../checks/validate";
import { formatAgo, formatClipboard, formatCountdown, formatUnused, relative, secondsLeft } from "./countdown";
import { localString } from "../shell/dates";
import { validateSection, expiresValue, showsIdentity } from "../checks/detailvalidate";
import { h, keepFocus, replace, type Child } from "../shell/dom";
import { openEditForm, openReplaceForm } from "./form";
import { icon, platformBadge } from "../shell/icons";
import { KIND_NAMES, maskedHint, publicPart, statusPill } from "./labels";
import { addReplacement, revokeToken } from "../checks/revoke";
import { alertsRow, snoozedLine } from "./snooze";
import { changed, platformName, selectedToken, state } from "../shell/state";
import { addTickSource } from "../shell/ticker";
import type { ListToken } from "../team/teammodel";
import { teamBadge } from "../team/teamsection";

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
  const pub = publicPart(r);

  const headCountdown = h("span", { class: "countdown", testid: "detail-countdown" });
  const expiresCountdown = h("span", { class: "countdown muted" });
  if (r.expires_at) {
    const expMs = Date.parse(r.expires_at);
    live.countdowns.push({ el: headCountdown, expMs }, { el: expiresCountdown, expMs });
  }

  const feedback = h("span", { class: "chip chip-ok feedback", testid: "detail-feedback", role: "status" });
  if (state.copied.has(r.id)) live.feedback = { id: r.id, el: feedback };

  const btn = (testid: string, label: string, iconName: Parameters<typeof icon>[0], title: string, onclick: () => void, extra = "", disabled = false) =>
    h("button", { class: `btn ${extra}`, type: "button", testid, title, "aria-label": label, onclick, disabled }, icon(iconName, 14), label);
  const revoked = !!r.revoked;
  const team = t.team;
  const gone = team ? "The secret was removed from the team vault when the token was revoked" : "The secret was removed from the keychain when the token was revoked";
  const validating = state.validating.has(r.id) || !!state.validateRun?.pending.has(r.id);
  const revoking = state.revoking.has(r.id);

  const warnings: Child[] = [];
  if (t.status.stale_for_secs != null && state.view && !revoked) {
    const el = h("span");
    live.stale = { el, sinceMs: Date.parse(state.view.now) - t.status.stale_for_secs * 1000 };
    warnings.push(
      h("div", { class: "callout callout-warn", testid: "detail-stale" }, icon("clock", 14), h("span", null, el, ". Platforms may remove tokens that go unused; check it still works or delete it.")),
    );
  }
  if (t.status.rotation_due && !revoked) {
    const days = state.view?.settings.policy.rotate_after_days;
    warnings.push(
      h(
        "div",
        { class: "callout callout-info", testid: "detail-rotation" },
        icon("rotate", 14),
        h("span", null, `Rotation due: this secret has no expiry and is older than ${days ?? "the rotation period in"} days. Create a new one on the platform, then use Replace secret.`),
      ),
    );
  }
  if (t.status.health.state === "expired") {
    warnings.push(h("div", { class: "callout callout-bad" }, icon("alert", 14), h("span", null, "This token has expired. Create a new one on the platform and use Replace secret to store it here.")));
  } else if (r.revoked) {
    const why = r.revoked.reason.trim();
    warnings.push(
      h(
        "div",
        { class: "callout callout-bad", testid: "detail-revoked" },
        icon("ban", 14),
        h(
          "span",
          { class: "stack" },
          h("span", null, h("strong", null, "Revoked ", agoText(r.revoked.at)), why && why !== "Revoked" ? `: ${why}` : "."),
          h("span", { class: "small" }, `${localString(r.revoked.at)}. Its secret is no longer in ${team ? "the team vault" : "the keychain"}.`),
        ),
      ),
    );
  }

  let secretBox: HTMLElement | null = null;
  if (revealed) {
    live.hides = h("span", { class: "muted" });
    secretBox = h(
      "div",
      { class: "secret-box" },
      h("div", { class: "secret-head" }, h("span", { class: "secret-caption" }, icon("eye", 13), "Secret"), live.hides),
      h(r.kind === "ssh_key" ? "pre" : "div", { class: "secret mono", testid: "detail-secret", tabindex: 0, "aria-label": "Revealed secret" }, revealed.secret),
    );
  }

  const rotated = r.rotated_at ?? [];
  const identityInSection = showsIdentity(t);
  const rowList: ([string, Child] | null)[] = [
    team
      ? [
          "Team vault",
          h(
            "span",
            { class: "stack", testid: "detail-team" },
            h("span", null, team.vault_name),
            h("span", { class: "muted" }, `Version ${team.version} · saved ${relative(Date.parse(team.updated_at), now)}`),
          ),
        ]
      : null,
    ["Platform", h("span", { class: "inline-badge" }, platformBadge(r.platform, 16), name)],
    ["Credential", KIND_NAMES[r.kind]],
    ["Server", r.server_url ? h("span", { class: "mono wrap" }, r.server_url) : h("span", { class: "muted" }, "—")],
    r.identity.owner && !identityInSection ? ["Owner", r.identity.owner] : null,
    r.identity.workspace && !identityInSection ? ["Workspace", r.identity.workspace] : null,
    ["Secret ends in", h("span", { class: "mono" }, maskedHint(r.hint))],
    pub ? [pub.caption, h("span", { class: "mono wrap" }, pub.value)] : null,
    r.public.key_id && r.kind === "ssh_key" ? ["Public key", h("span", { class: "mono wrap small" }, r.public.key_id)] : null,
    ["Expires", expiresValue(t, name, expiresCountdown)],
    team ? ["Alerts", h("span", { class: "muted" }, "From the shared expiry, on each member's computer")] : alertsRow(r, now),
    ["Created", h("span", { class: "stack" }, h("span", null, localString(r.created_at)), h("span", { class: "muted" }, relative(Date.parse(r.created_at), now)))],
    [
      "Last used",
      r.last_used_at
        ? h("span", { class: "stack" }, h("span", null, localString(r.last_used_at)), h("span", { class: "muted" }, relative(Date.parse(r.last_used_at), now)))
        : h("span", { class: "muted" }, "Not used through Latchkey yet"),
    ],
    ["Rotated", rotated.length ? h("ul", { class: "plain-list" }, [...rotated].reverse().map((at) => h("li", null, localString(at)))) : h("span", { class: "muted" }, "Never")],
    r.tags?.length ? ["Tags", h("span", { class: "tags" }, r.tags.map((tag) => h("span", { class: "tag" }, tag)))] : null,
  ];
  const rows = rowList.filter((x): x is [string, Child] => x !== null);

  return [
    h(
      "div",
      { class: "detail-head" },
      platformBadge(r.platform, 40),
      h(
        "div",
        { class: "detail-title" },
        h("h2", { testid: "detail-label", title: r.label }, r.label),
        h("div", { class: "detail-sub" }, statusPill(t.status.health, "detail-status"), team ? teamBadge(team.vault_name, "detail-team-badge") : null, headCountdown),
      ),
    ),
    h(
      "div",
      { class: "detail-actions", role: "toolbar", "aria-label": "Token actions" },
      btn("detail-copy", "Copy", "copy", revoked ? gone : "Copy the secret to the clipboard (C)", () => void copySecret(r.id), "btn-primary", revoked),
      btn("detail-reveal", revealed ? "Hide" : "Reveal", revealed ? "eyeOff" : "eye", revoked ? gone : revealed ? "Hide the secret (R)" : "Show the secret for 30 s (R)", () => void toggleReveal(r.id), "", revoked),
      validateButton(r.id, name, validating, revoked),
      btn("detail-edit", "Edit", "edit", "Edit label, server, expiry, tags and notes (E)", () => openEditForm(r.id)),
      revoked
        ? btn("detail-add-replacement", "Add replacement", "plus", "Store the new token in this same record (label, tags and server kept)", () => addReplacement(r.id))
        : btn("detail-replace", "Replace secret", "rotate", "Store a new secret for this token (rotation)", () => openReplaceForm(r.id)),
      h("span", { class: "toolbar-gap" }),
      revoked
        ? null
        : h(
            "button",
            {
              class: revoking ? "btn btn-danger-quiet is-busy" : "btn btn-danger-quiet",
              type: "button",
              testid: "detail-revoke",
              title: `Revoke this token on ${name}: it stops working everywhere`,
              "aria-label": "Revoke",
              "aria-disabled": revoking ? "true" : false,
              "aria-busy": String(revoking),
              onclick: () => void revokeToken(r.id),
            },
            revoking ? h("span", { class: "spinner", "aria-hidden": "true" }) : icon("ban", 14),
            revoking ? "Revoking…" : "Revoke",
          ),
      btn("detail-delete", "Delete", "trash", team ? "Delete this token from the team vault, for every member (Delete)" : "Delete this token and its keychain entry (Delete)", () => void deleteToken(r.id), "btn-danger-quiet"),
    ),
    state.copied.has(r.id) ? h("div", { class: "detail-feedback" }, feedback) : null,
    secretBox,
    snoozedLine(r, now),
    ...warnings,
    validateSection(t, name, agoText, validating),
    h("dl", { class: "meta" }, rows.map(([k, val]) => [h("dt", null, k), h("dd", null, val)])),
    r.notes
      ? h("section", { class: "notes" }, h("h3", null, "Notes"), h("p", { class: "notes-text", testid: "detail-notes" }, r.notes))
      : null,
  ];
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
    const f = formatCountdown(c.expMs, now);
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
