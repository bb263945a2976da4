// The token form in a modal <dialog>: add, edit details, or replace the secret.
// Every value is read from its element at submit time. On error the dialog stays open
// with everything as typed; secret fields are wiped whenever the dialog closes.

import { refresh, refreshTeam } from "./actions";
import { api, errorText, targetFor, toErrorPayload, type ErrorPayload, type TokenRow } from "../api";
import type { CheckSettings } from "../bindings/CheckSettings";
import type { MetaUpdate } from "../bindings/MetaUpdate";
import type { Platform } from "../bindings/Platform";
import type { TokenRecord } from "../bindings/TokenRecord";
import { validateFields, ValidateInputError, type ValidateFields } from "../checks/validatefields";
import { DateInputError, localExpiryToUtc, utcToLocalInputs } from "../shell/dates";
import { h, replace, type Child } from "../shell/dom";
import { icon } from "../shell/icons";
import { toast } from "../alerts/banners";
import { secretFields, type SecretFields } from "./secretfields";
import { changed, findToken, platformInfo, platformName, putRow, select, state } from "../shell/state";
import { announceRotated } from "../checks/rotate";
import type { Rotated } from "../bindings/Rotated";
import { conflictBox, storeInField, type StoreIn } from "../team/teamform";
import type { TeamRef } from "../team/teammodel";
import type { Prefill } from "../checks/validation";
import { errorField, expiryNote, formTitle, metaUpdate, ROTATE_BEFORE_DAYS, rotateBeforeNote, saveLabel, savedMessage, serverNote, serverUpFront, type FormMode } from "./formmodel";

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

/** "Rotate before expiry": off, or a number of days (the record's own value is kept). */
function rotateBeforeSelect(days: number | undefined): HTMLSelectElement {
  const choices = ROTATE_BEFORE_DAYS.includes(days ?? 0) || !days ? ROTATE_BEFORE_DAYS : [...ROTATE_BEFORE_DAYS, days].sort((a, b) => a - b);
  const opt = (value: string, text: string) => h("option", { value, selected: value === (days?.toString() ?? "") }, text);
  return h(
    "select",
    { class: "input", testid: "form-rotate-before" },
    opt("", "Off"),
    ...choices.map((d) => opt(String(d), `${d} day${d === 1 ? "" : "s"} before`)),
  ) as HTMLSelectElement;
}

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

/** A guided rotation: the user made the new secret on the platform's website. */
export function openRotateForm(id: string): void {
  if (findToken(id)) open({ kind: "replace", id, rotate: true });
}

/** One open form: its mode, the token it edits, and its elements. */
interface Form {
  d: HTMLDialogElement;
  mode: FormMode;
  pre: Prefill | undefined;
  record: TokenRecord | undefined;
  /** A team token: edits name the version they started from (check-and-set on the server). */
  team: TeamRef | undefined;
  expectedVersion: number;
  serverTouched: boolean;
  storeIn: StoreIn | null;
  /** Other tokens only: how to validate them. The edit form sends the record's back (edited). */
  validate: ValidateFields | null;
  exp: { date: string; time: string };
  el: ReturnType<typeof formElements>;
  /** What a guided rotation answered (rotate mode only). */
  rotated?: Rotated;
}

function open(mode: FormMode): void {
  const d = dialog();
  if (d.open) return;
  document.querySelector<HTMLDialogElement>("dialog[open]")?.close();
  const found = mode.kind === "add" ? undefined : findToken(mode.id);
  const record = found?.record;
  const pre = mode.kind === "add" ? mode.prefill : undefined;
  const f: Form = {
    d,
    mode,
    pre,
    record,
    team: found?.team,
    expectedVersion: found?.team?.version ?? 0,
    serverTouched: mode.kind !== "add" || !!pre?.server_url,
    storeIn: mode.kind === "add" && !pre ? storeInField() : null,
    validate: mode.kind === "replace" ? null : validateFields(record?.check ?? pre?.check),
    exp: utcToLocalInputs(record?.expires_at),
    el: formElements(mode, record, pre, () => d.close()),
  };
  wire(f);
  const title = formTitle(mode, record?.label);
  d.setAttribute("aria-label", title);
  d.dataset.mode = mode.kind;
  replace(d, formLayout(f, title));
  applyPlatform(f, true);
  updateExpiryNote(f);
  busy = false;
  d.showModal();
  const e = f.el;
  const first = mode.kind === "add" && !pre ? e.platformSel : mode.kind === "edit" ? e.label : e.secretSlot.querySelector<HTMLElement>("input, textarea, select:not([disabled])");
  first?.focus();
}

function formElements(mode: FormMode, record: TokenRecord | undefined, pre: Prefill | undefined, close: () => void) {
  const initialPlatform: Platform = record?.platform ?? pre?.platform ?? lastPlatform ?? state.platforms[0]?.id ?? "supervisely";
  const exp = utcToLocalInputs(record?.expires_at);
  const text = (testid: string, value: string, placeholder?: string) => h("input", { ...inputAttrs, testid, placeholder, value });
  const server = h("input", { ...inputAttrs, type: "url", testid: "form-server", value: record?.server_url ?? pre?.server_url ?? "" });
  const serverNote = h("span");
  return {
    platformSel: h(
      "select",
      { class: "input", testid: "form-platform", disabled: mode.kind !== "add" },
      state.platforms.map((p) => h("option", { value: p.id, selected: p.id === initialPlatform }, p.name)),
    ),
    label: text("form-label", record?.label ?? pre?.label ?? "", "e.g. CI runner, my laptop"),
    server,
    serverNote,
    serverField: field("Server URL", server, { note: serverNote }),
    date: h("input", { class: "input", type: "date", testid: "form-expires-date", value: exp.date, "aria-label": "Expiry date" }),
    time: h("input", { class: "input", type: "time", testid: "form-expires-time", value: exp.time, "aria-label": "Expiry time (optional)" }),
    clearExp: h("button", { class: "btn btn-small btn-quiet", type: "button", testid: "form-expires-clear", title: "No expiry" }, "Clear"),
    expNote: h("div", { class: "field-note", testid: "form-expires-note", "aria-live": "polite" }),
    owner: text("form-owner", record?.identity.owner ?? pre?.owner ?? "", "User or account"),
    workspace: text("form-workspace", record?.identity.workspace ?? pre?.workspace ?? "", "Team, organisation or project"),
    tags: text("form-tags", (record?.tags ?? pre?.tags ?? []).join(", "), "prod, ci, team-vision"),
    stalePeriod: h("input", { class: "input", type: "text", inputmode: "numeric", testid: "form-stale-period", placeholder: "CVAT's default", value: record?.stale_period_days?.toString() ?? "" }),
    rotateBefore: rotateBeforeSelect(record?.rotate_before_days),
    notes: h("textarea", { class: "input", testid: "form-notes", rows: 3, placeholder: "Not secret: stored unencrypted", value: record?.notes ?? "" }),
    error: h("div", { class: "form-error", testid: "form-error", role: "alert", hidden: true }),
    conflict: h("div", { class: "conflict-slot", hidden: true }),
    save: h("button", { class: "btn btn-primary", type: "submit", testid: "form-save" }, saveLabel(mode)),
    cancel: h("button", { class: "btn", type: "button", testid: "form-cancel", onclick: close }, "Cancel"),
    serverMain: h("div", { class: "server-slot" }),
    advanced: h("details", { class: "advanced", testid: "form-advanced" }, h("summary", null, "Advanced")),
    secretSlot: h("fieldset", { class: "secret-set" }, h("legend", null, icon("lock", 13), mode.kind === "replace" ? "New secret" : "Secret")),
  };
}

function wire(f: Form): void {
  const e = f.el;
  e.server.addEventListener("input", () => (f.serverTouched = true));
  e.platformSel.addEventListener("change", () => {
    clearError(f);
    applyPlatform(f, false);
  });
  for (const el of [e.date, e.time]) {
    el.addEventListener("input", () => updateExpiryNote(f));
    el.addEventListener("change", () => updateExpiryNote(f));
  }
  e.clearExp.addEventListener("click", () => {
    e.date.value = "";
    e.time.value = "";
    updateExpiryNote(f);
  });
}

function applyPlatform(f: Form, first: boolean): void {
  const e = f.el;
  const p = platformInfo(e.platformSel.value) ?? state.platforms[0];
  if (!p) return;
  if (!f.serverTouched || (first && f.mode.kind === "add" && !f.pre?.server_url)) e.server.value = p.default_server ?? "";
  e.server.placeholder = p.default_server ?? "https://tokens.example.com";
  e.serverNote.textContent = serverNote(p);
  const upFront = serverUpFront(p, f.mode, f.record?.server_url);
  (upFront ? e.serverMain : e.advanced).appendChild(e.serverField);
  e.advanced.hidden = upFront && f.mode.kind !== "replace";
  if (f.validate) f.validate.root.hidden = p.id !== "other";
  if (f.mode.kind !== "edit") {
    secrets?.clear();
    secrets = secretFields(p, f.mode.kind === "replace" ? f.record?.kind : undefined);
    e.secretSlot.replaceChildren(e.secretSlot.firstChild!, secrets.root);
  }
}

function updateExpiryNote(f: Form): void {
  const { date, time, expNote } = f.el;
  date.classList.toggle("is-empty", !date.value);
  time.classList.toggle("is-empty", !time.value);
  const note = expiryNote(date.value, time.value, Date.now());
  expNote.classList.toggle("gentle-warn", !!note?.warn);
  expNote.textContent = note?.text ?? "";
}

function clearError(f: Form): void {
  const { conflict, error } = f.el;
  conflict.replaceChildren();
  conflict.hidden = true;
  error.hidden = true;
  error.textContent = "";
  for (const el of f.d.querySelectorAll(".invalid")) el.classList.remove("invalid");
}

function showError(f: Form, message: string, focus: HTMLElement | null): void {
  f.el.error.hidden = false;
  replace(f.el.error, icon("alert", 14), h("span", null, message));
  if (!focus) return;
  if (f.el.advanced.contains(focus)) f.el.advanced.open = true;
  focus.classList.add("invalid");
  focus.focus();
}

function focusForError(f: Form, err: ErrorPayload): HTMLElement | null {
  const validateField = err.kind === "invalid_input" && f.validate && !f.validate.root.hidden ? f.validate.focusTarget(err.field) : null;
  if (validateField) return validateField;
  const which = errorField(err);
  if (which === "secret") return secrets ? secrets.focusTarget(err.field) : null;
  return which ? f.el[which] : null;
}

/** The MetaUpdate from the form, or null after showing why it cannot be read. */
function readMeta(f: Form): MetaUpdate | null {
  const e = f.el;
  let expiresAt: string | undefined;
  let check: CheckSettings | undefined;
  try {
    expiresAt = localExpiryToUtc(e.date.value, e.time.value);
    check = f.validate && e.platformSel.value === "other" ? f.validate.read() : undefined;
  } catch (err) {
    if (err instanceof DateInputError) showError(f, err.message, err.field === "date" ? e.date : e.time);
    else if (err instanceof ValidateInputError) showError(f, err.message, err.field);
    else throw err;
    return null;
  }
  // Editing without touching the expiry keeps it to the second.
  if (f.record && e.date.value === f.exp.date && e.time.value === f.exp.time) expiresAt = f.record.expires_at;
  const v = { label: e.label.value, server: e.server.value, owner: e.owner.value, workspace: e.workspace.value, tags: e.tags.value, notes: e.notes.value };
  const stalePeriod = e.stalePeriod.isConnected ? e.stalePeriod.value : (f.record?.stale_period_days?.toString() ?? "");
  // Not shown (team tokens): sent back as it is.
  const rotateBefore = e.rotateBefore.isConnected ? e.rotateBefore.value : (f.record?.rotate_before_days?.toString() ?? "");
  return metaUpdate({ ...v, expiresAt, check, stalePeriod, rotateBefore });
}

async function submit(f: Form, ev: Event): Promise<void> {
  ev.preventDefault();
  if (busy) return;
  clearError(f);
  const meta = readMeta(f);
  if (!meta) return;
  const { save } = f.el;
  busy = true;
  save.disabled = true;
  const saveText = save.textContent;
  save.textContent = "Saving…";
  f.d.classList.add("busy");
  const vault = f.team?.vault_name ?? f.storeIn?.vault()?.name;
  try {
    const rec = await store(f, meta);
    busy = false;
    f.d.close();
    select(rec.id);
    changed();
    await refresh();
    if (f.rotated) announceRotated(rec.id, rec.label, f.rotated);
    else toast(savedMessage(f.mode.kind, rec.label, vault));
    document.dispatchEvent(new CustomEvent("latchkey:focus-row"));
  } catch (e) {
    await saveFailed(f, toErrorPayload(e));
  } finally {
    busy = false;
    save.disabled = false;
    save.textContent = saveText;
    f.d.classList.remove("busy");
  }
}

/** Send the form to Rust (this computer or the team vault); the stored record. */
async function store(f: Form, meta: MetaUpdate): Promise<TokenRecord> {
  const { mode, team } = f;
  const platform = f.el.platformSel.value as Platform;
  // A team row goes into the list at once; local ones arrive with the next view.
  const keep = (row: TokenRow) => (row.team && putRow(row), row.record);
  if (mode.kind === "add") {
    const vault = f.storeIn?.vault();
    const input = { platform, secret: secrets!.read(), ...meta };
    const rec = keep(await api.addToken(input, vault ? vault.id : null));
    lastPlatform = platform;
    return rec;
  }
  const target = targetFor(mode.id, team?.vault_id);
  const version = team ? f.expectedVersion : null;
  if (mode.kind === "edit") return keep(await api.updateToken(target, meta, version));
  if (mode.rotate) {
    f.rotated = await api.rotateWithSecret(target, secrets!.read());
    return f.rotated.record;
  }
  const rec = keep(await api.replaceSecret(target, secrets!.read(), version));
  if (state.revealed?.id === rec.id) state.revealed = null;
  return rec;
}

async function saveFailed(f: Form, err: ErrorPayload): Promise<void> {
  if (err.kind === "team_conflict" && f.team && f.record && f.mode.kind !== "add") {
    await showConflict(f, err.message, f.mode);
    return;
  }
  showError(f, errorText(err), focusForError(f, err));
  // The keychain banner (with Retry) follows what the keychain just answered.
  if (err.kind.startsWith("keychain_")) void refresh();
  if (err.kind === "not_found") void refresh();
}

/** Someone else saved a newer version: show what they changed; reload theirs, or apply
 *  ours over it (the next save names their version). */
async function showConflict(f: Form, message: string, m: { kind: "edit" | "replace"; id: string }): Promise<void> {
  await refreshTeam();
  const theirs = findToken(m.id);
  const { conflict } = f.el;
  conflict.hidden = false;
  conflict.replaceChildren(
    conflictBox({
      message,
      base: f.record!,
      theirs: theirs?.team ? theirs.record : null,
      onReload: () => {
        busy = false;
        // Reopen once the dialog has closed (closing wipes its content).
        if (theirs) f.d.addEventListener("close", () => open(m), { once: true });
        f.d.close();
      },
      onApply: () => {
        if (theirs?.team) f.expectedVersion = theirs.team.version;
        conflict.hidden = true;
        conflict.replaceChildren();
        f.d.querySelector("form")?.requestSubmit();
      },
    }),
  );
}

// --- layout ---------------------------------------------------------------------------

function expiryField(f: Form): HTMLElement {
  const { date, time, clearExp, expNote } = f.el;
  return h(
    "div",
    { class: "field" },
    h("label", { class: "field-label", for: date.id || (date.id = "f-date") }, "Expires", h("span", { class: "optional" }, " optional")),
    h("div", { class: "expiry-row" }, date, time, clearExp),
    expNote,
  );
}

function formBody(f: Form): Child[] {
  const e = f.el;
  if (f.mode.kind === "replace" && f.mode.rotate) {
    const name = f.record ? platformName(f.record.platform) : "the platform";
    const site = f.record?.server_url ?? (f.record ? platformInfo(f.record.platform)?.default_server : undefined);
    return [
      h(
        "p",
        { class: "dialog-text" },
        `Make a new token on ${name}'s website and paste it here. Latchkey checks it with ${name}, puts it in place, and keeps the old secret apart until ${name} refuses it; then it is removed.`,
      ),
      // Where the user makes it: this token's own server (the field's note names the page).
      site ? h("p", { class: "field-note", testid: "form-rotate-where" }, `Make it on ${name} at `, h("span", { class: "mono" }, site), ", signed in as the owner of this token.") : null,
      e.secretSlot,
    ];
  }
  if (f.mode.kind === "replace") {
    return [
      h("p", { class: "dialog-text" }, "Paste the new secret for this token. The old secret is not kept; Latchkey records when it was rotated."),
      e.secretSlot,
      h("p", { class: "field-note" }, "If the new secret expires at a different time, update the expiry with Edit afterwards."),
    ];
  }
  const metaFields = [h("div", { class: "grid-2" }, field("Platform", e.platformSel), field("Label", e.label)), e.serverMain];
  const rest = [
    expiryField(f),
    h("div", { class: "grid-2" }, field("Owner", e.owner, { optional: true }), field("Workspace", e.workspace, { optional: true })),
    field("Tags", e.tags, { optional: true, note: "Separate with commas." }),
    field("Notes", e.notes, { optional: true }),
    // Only CVAT drops unused tokens, and a self-hosted server may set its own period.
    f.mode.kind === "edit" && f.record?.platform === "cvat"
      ? field("Server's inactivity period (days)", e.stalePeriod, { optional: true, note: "A self-hosted CVAT server's CVAT_ACCESS_TOKEN_STALE_PERIOD, in days. Empty: CVAT's default." })
      : null,
    // Team tokens are not rotated from Latchkey yet.
    f.mode.kind === "edit" && f.record && !f.team
      ? field("Rotate before expiry", e.rotateBefore, {
          note: rotateBeforeNote(platformName(f.record.platform), !!platformInfo(f.record.platform)?.rotates_by_api, !!f.record.expires_at),
        })
      : null,
    f.validate?.root,
  ];
  if (f.mode.kind === "edit") return [...metaFields, ...rest, e.advanced];
  const pre = f.pre
    ? h("p", { class: "form-help", testid: "form-prefill-note" }, icon("info", 13), h("span", null, `Pre-filled from “${f.pre.replaces}”, which was revoked. Paste the new token's secret.`))
    : null;
  return [pre, f.storeIn?.root, ...metaFields, e.secretSlot, ...rest, e.advanced];
}

function formLayout(f: Form, title: string): HTMLElement {
  const e = f.el;
  const teamNote = f.team
    ? h("p", { class: "form-help team-note", testid: "form-team-note" }, icon("users", 13), h("span", null, `In the team vault “${f.team.vault_name}”: a save is seen by every member.`))
    : null;
  return h(
    "form",
    { class: "dialog-inner token-form", novalidate: true, onsubmit: (ev: Event) => void submit(f, ev) },
    h(
      "header",
      { class: "dialog-header" },
      h("h2", { class: "dialog-title" }, title),
      h("button", { class: "icon-btn", type: "button", "aria-label": "Close", title: "Close (Esc)", onclick: () => f.d.close() }, icon("x", 16)),
    ),
    h("div", { class: "dialog-body" }, teamNote, formBody(f)),
    h("footer", { class: "dialog-footer" }, e.conflict, e.error, h("div", { class: "dialog-actions" }, e.cancel, e.save)),
  );
}
