// Settings → "Team vaults": the connected vaults with their state, removing one (after a
// confirmation), and the "Add team vault" form. The settings dialog is a <form> of its own,
// so this part uses plain buttons and handles Enter itself. Rust checks the vault answers
// before it stores anything; the Vault token goes to the OS keychain and is wiped here.

import { refreshTeam } from "../tokens/actions";
import { api, toErrorPayload } from "../api";
import { confirmDialog } from "../shell/dialogs";
import { h, replace } from "../shell/dom";
import { icon } from "../shell/icons";
import { toast } from "../alerts/banners";
import { state } from "../shell/state";
import { teamErrorField, teamVaultInputError, vaultStateText, type TeamField, type TeamVaultView } from "./teammodel";

const inputAttrs = { class: "input", type: "text", autocomplete: "off", spellcheck: "false" };

/** The section's parts: the vault list re-renders itself after each change. */
interface Section {
  list: HTMLElement;
  formSlot: HTMLElement;
  addBtn: HTMLButtonElement;
}

/** The section's nodes. */
export function teamSection(): HTMLElement[] {
  const s: Section = {
    list: h("div", { class: "team-vaults", testid: "team-vaults" }),
    formSlot: h("div", { class: "team-add-slot" }),
    addBtn: h("button", { class: "btn btn-small", type: "button", testid: "team-add-open", onclick: () => openForm(s) }, icon("plus", 14), "Add team vault"),
  };
  renderVaults(s);
  return [h("h3", { class: "settings-heading team-heading" }, h("span", null, "Team vaults"), s.addBtn), s.list, s.formSlot];
}

function renderVaults(s: Section): void {
  const vaults = state.team?.vaults ?? [];
  if (vaults.length > 0) return replace(s.list, vaults.map((v) => vaultRow(s, v)));
  replace(
    s.list,
    h(
      "p",
      { class: "field-note team-empty", testid: "team-empty" },
      "Share tokens with your team through an OpenBao or HashiCorp Vault server (KV v2). Each member connects with their own Vault token.",
    ),
  );
}

function vaultRow(s: Section, v: TeamVaultView): HTMLElement {
  const c = v.config;
  const ok = v.state === "ok";
  const where = `${c.address} · ${c.mount}/${c.prefix}`;
  const remove = h(
    "button",
    {
      class: "btn btn-small btn-danger-quiet",
      type: "button",
      testid: "team-remove",
      "aria-label": `Remove the team vault ${c.name}`,
      title: "Disconnect this vault from Latchkey (nothing on the server is deleted)",
      onclick: () => void removeVault(s, v),
    },
    icon("trash", 13),
    "Remove",
  );
  return h(
    "div",
    { class: `team-vault${ok ? "" : " is-down"}`, testid: "team-vault", "data-id": c.id, "data-state": v.state },
    h("span", { class: "team-vault-icon" }, icon("users", 16)),
    h(
      "div",
      { class: "team-vault-text" },
      h("div", { class: "team-vault-name", testid: "team-vault-name" }, c.name),
      h("div", { class: "mono small muted team-vault-where", title: where }, where),
      v.state === "ok" ? null : h("div", { class: "small team-vault-error", testid: "team-vault-error" }, v.error.message),
    ),
    h("span", { class: `pill ${ok ? "team-ok" : "team-down"}`, testid: "team-vault-state" }, h("span", { class: "dot", "aria-hidden": "true" }), vaultStateText(v)),
    remove,
  );
}

async function removeVault(s: Section, v: TeamVaultView): Promise<void> {
  const ok = await confirmDialog({
    title: "Remove team vault?",
    message: [
      `Latchkey disconnects from “${v.config.name}” (${v.config.address}) and removes its Vault token from your keychain.`,
      "The team's tokens stay on the server for every other member; you can connect again later.",
    ],
    okLabel: "Remove",
    danger: true,
  });
  if (!ok) return;
  try {
    await api.removeTeamVault(v.config.id);
    toast(`Removed the team vault “${v.config.name}”.`);
  } catch (e) {
    toast(toErrorPayload(e).message, "error");
  }
  await refreshTeam();
  renderVaults(s);
}

/** The open "Add team vault" form. */
interface VaultForm {
  s: Section;
  fields: Record<TeamField, HTMLInputElement>;
  error: HTMLElement;
  connect: HTMLButtonElement;
  busy: boolean;
}

function openForm(s: Section): void {
  s.addBtn.hidden = true;
  const input = (field: TeamField, attrs: Record<string, string>) => h("input", { ...inputAttrs, id: `t-${field}`, testid: `team-${field}`, ...attrs });
  const f: VaultForm = {
    s,
    fields: {
      name: input("name", { placeholder: "e.g. Vision team" }),
      address: input("address", { type: "url", placeholder: "https://vault.example.com:8200" }),
      mount: input("mount", { value: "secret" }),
      prefix: input("prefix", { value: "latchkey" }),
      token: input("token", { type: "password", placeholder: "hvs.… or s.…" }),
    },
    error: h("div", { class: "form-error", testid: "team-error", role: "alert", hidden: true }),
    connect: h("button", { class: "btn btn-primary btn-small", type: "button", testid: "team-connect", onclick: () => void submit(f) }, icon("check", 14), "Connect"),
    busy: false,
  };
  replace(s.formSlot, formBox(f));
  f.fields.name.focus();
}

function formBox(f: VaultForm): HTMLElement {
  const { name, address, mount, prefix, token } = f.fields;
  const field = (label: string, el: HTMLInputElement, note?: string) =>
    h("div", { class: "field" }, h("label", { class: "field-label", for: el.id }, label), el, note ? h("div", { class: "field-note" }, note) : null);
  const cancel = h("button", { class: "btn btn-small", type: "button", testid: "team-cancel", onclick: () => closeForm(f) }, "Cancel");
  const box = h(
    "div",
    { class: "team-add", testid: "team-add" },
    h("div", { class: "grid-2" }, field("Name", name), field("Address", address)),
    h("div", { class: "grid-2" }, field("Mount", mount, "KV version 2 secrets engine."), field("Path prefix", prefix, "Entries live under <mount>/<prefix>/.")),
    field("Vault token", token, "Kept in your system keychain, never in Latchkey's files."),
    f.error,
    h("div", { class: "dialog-actions" }, cancel, f.connect),
  );
  box.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.target as HTMLElement).tagName === "INPUT") {
      ev.preventDefault();
      void submit(f);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      closeForm(f);
    }
  });
  box.addEventListener("input", (ev) => (ev.target as HTMLElement).classList.remove("invalid"));
  return box;
}

function closeForm(f: VaultForm): void {
  f.fields.token.value = "";
  f.s.formSlot.replaceChildren();
  f.s.addBtn.hidden = false;
  f.s.addBtn.focus();
}

function showError(f: VaultForm, message: string, at: HTMLInputElement | null): void {
  f.error.hidden = false;
  replace(f.error, icon("alert", 14), h("span", null, message));
  f.error.scrollIntoView({ block: "nearest" });
  if (at) {
    at.classList.add("invalid");
    at.focus();
  }
}

async function submit(f: VaultForm): Promise<void> {
  if (f.busy) return;
  f.error.hidden = true;
  for (const el of Object.values(f.fields)) el.classList.remove("invalid");
  const { name, address, mount, prefix, token } = f.fields;
  const input = { name: name.value, address: address.value, mount: mount.value, prefix: prefix.value, token: token.value };
  const bad = teamVaultInputError(
    input,
    (state.team?.vaults ?? []).map((v) => v.config.name),
  );
  if (bad) return showError(f, bad.message, f.fields[bad.field]);
  f.busy = true;
  f.connect.disabled = true;
  replace(f.connect, h("span", { class: "spinner", "aria-hidden": "true" }), "Connecting…");
  try {
    const saved = await api.addTeamVault({
      name: input.name.trim(),
      address: input.address.trim(),
      mount: input.mount.trim() || undefined,
      prefix: input.prefix.trim() || undefined,
      token: input.token.trim(),
    });
    input.token = "";
    closeForm(f);
    toast(`Connected the team vault “${saved.name}”.`);
    await refreshTeam();
    renderVaults(f.s);
  } catch (e) {
    const err = toErrorPayload(e);
    const at = teamErrorField(err);
    showError(f, err.message, at ? f.fields[at] : null);
  } finally {
    f.busy = false;
    f.connect.disabled = false;
    replace(f.connect, icon("check", 14), "Connect");
  }
}
