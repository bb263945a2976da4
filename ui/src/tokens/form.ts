// The token form in a modal <dialog>: add, edit details, or replace the secret.
// Every value is read from its element at submit time. On error the dialog stays open
// with everything as typed; secret fields are wiped whenever the dialog closes.

import { refresh, refreshTeam } from "./actions";
import { api, toErrorPayload, type ErrorPayload } from "../api";
import type { MetaUpdate } from "../bindings/MetaUpdate";
import type { Platform } from "../bindings/Platform";
import { validateFields, ValidateInputError, type ValidateFields } from "../checks/validatefields";
import { relative } from "./countdown";
import { DateInputError, localExpiryToUtc, localString, utcToLocalInputs } from "../shell/dates";
import { h, replace } from "../shell/dom";
import { icon } from "../shell/icons";
import { toast } from "../alerts/banners";
import { secretFields, type SecretFields } from "./secretfields";
import { changed, findToken, platformInfo, putTeamToken, select, state } from "../shell/state";
import { conflictBox, storeInField } from "../team/teamform";
import type { Prefill } from "../checks/validation";

type Mode = { kind: "add"; prefill?: Prefill } | { kind: "edit"; id: string } | { kind: "replace"; id: string };

let dlg: HTMLDialogElement | null = null;
let secrets: SecretFields | null = null;
let busy = false;
let lastPlatform: Platform | null = null;

function dialog(): HTMLDialogElement {
  if (dlg) return dlg;
  const d = h("dialog", { class: "dialog form-dialog", testid: "token-form" });
  d.addEventListener("cancel", (ev) => {
    if (busy) ev.preventDefault();
  });
  d.addEventListener("close", () => {
    secrets?.clear();
    secrets = null;
    for (const el of d.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea")) el.value = "";
    d.replaceChildren();
  });
  document.body.appendChild(d);
  return (dlg = d);
}

const inputAttrs = { class: "input", type: "text", autocomplete: "off", spellcheck: "false" };

function field(label: string, control: HTMLElement, opts: { note?: Node | string; optional?: boolean } = {}) {
  if (!control.id) control.id = `f-${control.getAttribute("data-testid")}`;
  return h(
    "div",
    { class: "field" },
    h("label", { class: "field-label", for: control.id }, label, opts.optional ? h("span", { class: "optional" }, " optional") : null),
    control,
    opts.note ? h("div", { class: "field-note" }, opts.note) : null,
  );
}

/** The Add form, empty or pre-filled (the replacement of a revoked token). */
export function openAddForm(prefill?: Prefill): void {
  open({ kind: "add", prefill });
}
export function openEditForm(id: string): void {
  if (findToken(id)) open({ kind: "edit", id });
}
export function openReplaceForm(id: string): void {
  if (findToken(id)) open({ kind: "replace", id });
}

function open(mode: Mode): void {
  const d = dialog();
  if (d.open) return;
  document.querySelector<HTMLDialogElement>("dialog[open]")?.close();
  const found = mode.kind === "add" ? undefined : findToken(mode.id);
  const record = found?.record;
  // A team token: edits name the version they started from (check-and-set on the server).
  const team = found?.team;
  let expectedVersion = team?.version ?? 0;
  const pre = mode.kind === "add" ? mode.prefill : undefined;
  const storeIn = mode.kind === "add" && !pre ? storeInField() : null;
  const platforms = state.platforms;
  const initialPlatform: Platform = record?.platform ?? pre?.platform ?? lastPlatform ?? platforms[0]?.id ?? "supervisely";

  // --- elements -------------------------------------------------------------------------
  const platformSel = h(
    "select",
    { class: "input", testid: "form-platform", disabled: mode.kind !== "add" },
    platforms.map((p) => h("option", { value: p.id, selected: p.id === initialPlatform }, p.name)),
  );
  const label = h("input", { ...inputAttrs, testid: "form-label", placeholder: "e.g. CI runner, my laptop", value: record?.label ?? pre?.label ?? "" });
  const server = h("input", { ...inputAttrs, type: "url", testid: "form-server", value: record?.server_url ?? pre?.server_url ?? "" });
  const exp = utcToLocalInputs(record?.expires_at);
  const date = h("input", { class: "input", type: "date", testid: "form-expires-date", value: exp.date, "aria-label": "Expiry date" });
  const time = h("input", { class: "input", type: "time", testid: "form-expires-time", value: exp.time, "aria-label": "Expiry time (optional)" });
  const clearExp = h("button", { class: "btn btn-small btn-quiet", type: "button", testid: "form-expires-clear", title: "No expiry" }, "Clear");
  const expNote = h("div", { class: "field-note", testid: "form-expires-note", "aria-live": "polite" });
  const owner = h("input", { ...inputAttrs, testid: "form-owner", placeholder: "User or account", value: record?.identity.owner ?? pre?.owner ?? "" });
  const workspace = h("input", { ...inputAttrs, testid: "form-workspace", placeholder: "Team, organisation or project", value: record?.identity.workspace ?? pre?.workspace ?? "" });
  const tags = h("input", { ...inputAttrs, testid: "form-tags", placeholder: "prod, ci, team-vision", value: (record?.tags ?? pre?.tags ?? []).join(", ") });
  const notes = h("textarea", { class: "input", testid: "form-notes", rows: 3, placeholder: "Not secret: stored unencrypted", value: record?.notes ?? "" });
  const error = h("div", { class: "form-error", testid: "form-error", role: "alert", hidden: true });
  const conflict = h("div", { class: "conflict-slot", hidden: true });
  const save = h(
    "button",
    { class: "btn btn-primary", type: "submit", testid: "form-save" },
    mode.kind === "add" ? (pre ? "Add the replacement token" : "Add token") : mode.kind === "edit" ? "Save changes" : "Replace secret",
  );
  const cancel = h("button", { class: "btn", type: "button", testid: "form-cancel", onclick: () => d.close() }, "Cancel");

  const serverMain = h("div", { class: "server-slot" });
  const advanced = h("details", { class: "advanced", testid: "form-advanced" }, h("summary", null, "Advanced"));
  const secretSlot = h("fieldset", { class: "secret-set" }, h("legend", null, icon("lock", 13), mode.kind === "replace" ? "New secret" : "Secret"));
  const serverNote = h("span");
  const serverField = field("Server URL", server, { note: serverNote });
  // Other tokens only: how to check them. The edit form sends the record's back (edited).
  const checks: ValidateFields | null = mode.kind === "replace" ? null : validateFields(record?.check ?? pre?.check);

  // --- behaviour ------------------------------------------------------------------------
  let serverTouched = mode.kind !== "add" || !!pre?.server_url;
  server.addEventListener("input", () => (serverTouched = true));

  function applyPlatform(first: boolean) {
    const p = platformInfo(platformSel.value) ?? platforms[0];
    if (!p) return;
    if (!serverTouched || (first && mode.kind === "add" && !pre?.server_url)) server.value = p.default_server ?? "";
    server.placeholder = p.default_server ?? "https://tokens.example.com";
    serverNote.textContent = p.self_hosted
      ? p.default_server
        ? `The public service is ${p.default_server}; for a self-hosted instance, give its address.`
        : "The address of the service this token belongs to, if any."
      : `Leave as ${p.default_server ?? "is"} unless you use a private deployment.`;
    // Self-hosted platforms show the server up front; the rest keep it under Advanced.
    const upFront = p.self_hosted || (mode.kind === "edit" && !!record?.server_url && record.server_url !== p.default_server);
    (upFront ? serverMain : advanced).appendChild(serverField);
    advanced.hidden = upFront && mode.kind !== "replace";
    if (checks) checks.root.hidden = p.id !== "other";
    if (mode.kind !== "edit") {
      secrets?.clear();
      secrets = secretFields(p, mode.kind === "replace" ? record?.kind : undefined);
      secretSlot.replaceChildren(secretSlot.firstChild!, secrets.root);
    }
  }
  platformSel.addEventListener("change", () => {
    clearError();
    applyPlatform(false);
  });

  function updateExpiryNote() {
    date.classList.toggle("is-empty", !date.value);
    time.classList.toggle("is-empty", !time.value);
    replace(expNote);
    expNote.classList.remove("gentle-warn");
    let iso: string | undefined;
    try {
      iso = localExpiryToUtc(date.value, time.value);
    } catch {
      return;
    }
    if (!iso) {
      expNote.textContent = "No expiry: Latchkey will suggest rotating it after a while.";
      return;
    }
    const ms = Date.parse(iso);
    const when = `${localString(iso)}${time.value ? "" : " (end of the day)"}`;
    if (ms <= Date.now()) {
      expNote.classList.add("gentle-warn");
      expNote.textContent = `${when} is in the past; the token will be shown as expired.`;
    } else {
      expNote.textContent = `Expires ${when}, ${relative(ms, Date.now())}.`;
    }
  }
  for (const el of [date, time]) {
    el.addEventListener("input", updateExpiryNote);
    el.addEventListener("change", updateExpiryNote);
  }
  clearExp.addEventListener("click", () => {
    date.value = "";
    time.value = "";
    updateExpiryNote();
  });

  function clearError() {
    conflict.replaceChildren();
    conflict.hidden = true;
    error.hidden = true;
    error.textContent = "";
    for (const el of d.querySelectorAll(".invalid")) el.classList.remove("invalid");
  }

  function showError(message: string, focus: HTMLElement | null) {
    error.hidden = false;
    replace(error, icon("alert", 14), h("span", null, message));
    if (focus) {
      if (advanced.contains(focus)) advanced.open = true;
      focus.classList.add("invalid");
      focus.focus();
    }
  }

  function focusForError(err: ErrorPayload): HTMLElement | null {
    if (err.kind === "duplicate_label") return label;
    if (err.kind !== "invalid_input") return null;
    const checkField = checks && !checks.root.hidden ? checks.focusTarget(err.message) : null;
    if (checkField) return checkField;
    const m = err.message.toLowerCase();
    if (m.includes("label")) return label;
    if (m.includes("server address") || m.includes("https://") || m.includes("http")) return server;
    if (m.includes("tags")) return tags;
    if (m.includes("notes")) return notes;
    return secrets ? secrets.focusTarget(err.message) : null;
  }

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    clearError();
    let expiresAt: string | undefined;
    try {
      expiresAt = localExpiryToUtc(date.value, time.value);
    } catch (e) {
      if (e instanceof DateInputError) return showError(e.message, e.field === "date" ? date : time);
      throw e;
    }
    // Editing without touching the expiry keeps it to the second.
    if (record && date.value === exp.date && time.value === exp.time) expiresAt = record.expires_at;
    const opt = (s: string) => (s.trim() ? s.trim() : undefined);
    let check;
    try {
      check = checks && platformSel.value === "other" ? checks.read() : undefined;
    } catch (e) {
      if (e instanceof ValidateInputError) return showError(e.message, e.field);
      throw e;
    }
    const meta: MetaUpdate = {
      label: label.value,
      server_url: opt(server.value),
      expires_at: expiresAt,
      owner: opt(owner.value),
      workspace: opt(workspace.value),
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      notes: notes.value,
      check,
    };
    busy = true;
    save.disabled = true;
    const saveText = save.textContent;
    save.textContent = "Saving…";
    d.classList.add("busy");
    try {
      let id: string;
      let message: string;
      const vault = storeIn?.vault();
      if (mode.kind === "add" && vault) {
        const platform = platformSel.value as Platform;
        const tv = await api.teamAddToken(vault.id, { platform, secret: secrets!.read(), ...meta });
        putTeamToken(tv);
        lastPlatform = platform;
        [id, message] = [tv.record.id, `Added “${tv.record.label}” to the team vault “${vault.name}”.`];
      } else if (mode.kind === "add") {
        const platform = platformSel.value as Platform;
        const rec = await api.addToken({ platform, secret: secrets!.read(), ...meta });
        lastPlatform = platform;
        [id, message] = [rec.id, `Added “${rec.label}”.`];
      } else if (mode.kind === "edit" && team) {
        const tv = await api.teamUpdateToken(team.vault_id, mode.id, meta, expectedVersion);
        putTeamToken(tv);
        [id, message] = [tv.record.id, `Saved “${tv.record.label}” in the team vault “${team.vault_name}”.`];
      } else if (mode.kind === "edit") {
        const rec = await api.updateToken(mode.id, meta);
        [id, message] = [rec.id, `Saved “${rec.label}”.`];
      } else if (team) {
        const tv = await api.teamReplaceSecret(team.vault_id, mode.id, secrets!.read(), expectedVersion);
        putTeamToken(tv);
        [id, message] = [tv.record.id, `Replaced the secret of “${tv.record.label}” in the team vault.`];
        if (state.revealed?.id === id) state.revealed = null;
      } else {
        const rec = await api.replaceSecret(mode.id, secrets!.read());
        [id, message] = [rec.id, `Replaced the secret of “${rec.label}”.`];
        if (state.revealed?.id === id) state.revealed = null;
      }
      busy = false;
      d.close();
      select(id);
      changed();
      await refresh();
      toast(message);
      document.dispatchEvent(new CustomEvent("latchkey:focus-row"));
    } catch (e) {
      const err = toErrorPayload(e);
      if (err.kind === "team_conflict" && team && record && mode.kind !== "add") {
        await showConflict(err.message, mode);
        return;
      }
      showError(err.message, focusForError(err));
      // The keychain banner (with Retry) follows what the keychain just answered.
      if (err.kind.startsWith("keychain_")) void refresh();
      if (err.kind === "not_found") void refresh();
    } finally {
      busy = false;
      save.disabled = false;
      save.textContent = saveText;
      d.classList.remove("busy");
    }
  }

  /** Someone else saved a newer version: show what they changed; reload theirs, or apply
   *  ours over it (the next save names their version). */
  async function showConflict(message: string, m: { kind: "edit" | "replace"; id: string }) {
    await refreshTeam();
    const theirs = findToken(m.id);
    conflict.hidden = false;
    conflict.replaceChildren(
      conflictBox({
        message,
        base: record!,
        theirs: theirs?.team ? theirs.record : null,
        onReload: () => {
          busy = false;
          // Reopen once the dialog has closed (closing wipes its content).
          if (theirs) d.addEventListener("close", () => open(m), { once: true });
          d.close();
        },
        onApply: () => {
          if (theirs?.team) expectedVersion = theirs.team.version;
          conflict.hidden = true;
          conflict.replaceChildren();
          d.querySelector("form")?.requestSubmit();
        },
      }),
    );
  }

  // --- layout ---------------------------------------------------------------------------
  const title =
    mode.kind === "add" ? (pre ? "Add the replacement token" : "Add token") : mode.kind === "edit" ? `Edit “${record!.label}”` : `Replace secret of “${record!.label}”`;
  const teamNote = team
    ? h("p", { class: "form-help team-note", testid: "form-team-note" }, icon("users", 13), h("span", null, `In the team vault “${team.vault_name}”: a save is seen by every member.`))
    : null;
  const metaFields = [
    h("div", { class: "grid-2" }, field("Platform", platformSel), field("Label", label)),
    serverMain,
  ];
  const expiryField = h(
    "div",
    { class: "field" },
    h("label", { class: "field-label", for: date.id || (date.id = "f-date") }, "Expires", h("span", { class: "optional" }, " optional")),
    h("div", { class: "expiry-row" }, date, time, clearExp),
    expNote,
  );
  const rest = [
    expiryField,
    h("div", { class: "grid-2" }, field("Owner", owner, { optional: true }), field("Workspace", workspace, { optional: true })),
    field("Tags", tags, { optional: true, note: "Separate with commas." }),
    field("Notes", notes, { optional: true }),
    checks?.root,
  ];

  const body =
    mode.kind === "replace"
      ? [
          h(
            "p",
            { class: "dialog-text" },
            "Paste the new secret for this token. The old secret is not kept; Latchkey records when it was rotated.",
          ),
          secretSlot,
          h("p", { class: "field-note" }, "If the new secret expires at a different time, update the expiry with Edit afterwards."),
        ]
      : mode.kind === "edit"
        ? [...metaFields, ...rest, advanced]
        : [
            pre
              ? h("p", { class: "form-help", testid: "form-prefill-note" }, icon("info", 13), h("span", null, `Pre-filled from “${pre.replaces}”, which was revoked. Paste the new token's secret.`))
              : null,
            storeIn?.root,
            ...metaFields,
            secretSlot,
            ...rest,
            advanced,
          ];

  const form = h(
    "form",
    { class: "dialog-inner token-form", novalidate: true, onsubmit: (ev: Event) => void submit(ev) },
    h(
      "header",
      { class: "dialog-header" },
      h("h2", { class: "dialog-title" }, title),
      h("button", { class: "icon-btn", type: "button", "aria-label": "Close", title: "Close (Esc)", onclick: () => d.close() }, icon("x", 16)),
    ),
    h("div", { class: "dialog-body" }, teamNote, body),
    h("footer", { class: "dialog-footer" }, conflict, error, h("div", { class: "dialog-actions" }, cancel, save)),
  );
  d.setAttribute("aria-label", title);
  d.dataset.mode = mode.kind;
  replace(d, form);
  applyPlatform(true);
  updateExpiryNote();
  busy = false;
  d.showModal();
  const first = mode.kind === "add" && !pre ? platformSel : mode.kind === "edit" ? label : secretSlot.querySelector<HTMLElement>("input, textarea, select:not([disabled])");
  first?.focus();
}
