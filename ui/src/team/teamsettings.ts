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
import { teamVaultInputError, problemWord, type TeamField, type TeamVaultView } from "./teammodel";

const inputAttrs = { class: "input", type: "text", autocomplete: "off", spellcheck: "false" };

/** The section's nodes; `root` re-renders itself after each change. */
export function teamSection(): HTMLElement[] {
  const list = h("div", { class: "team-vaults", testid: "team-vaults" });
  const formSlot = h("div", { class: "team-add-slot" });
  const addBtn = h(
    "button",
    { class: "btn btn-small", type: "button", testid: "team-add-open", onclick: () => openForm() },
    icon("plus", 14),
    "Add team vault",
  );

  function renderList(): void {
    const vaults = state.team?.vaults ?? [];
    if (vaults.length === 0) {
      replace(
        list,
        h(
          "p",
          { class: "field-note team-empty", testid: "team-empty" },
          "Share tokens with your team through an OpenBao or HashiCorp Vault server (KV v2). Each member connects with their own Vault token.",
        ),
      );
      return;
    }
    replace(list, vaults.map(vaultRow));
  }

  function vaultRow(v: TeamVaultView): HTMLElement {
    const c = v.config;
    const ok = v.state === "ok";
    const stateText = ok ? `${v.token_count} token${v.token_count === 1 ? "" : "s"}` : problemWord(v.error.kind);
    return h(
      "div",
      { class: `team-vault${ok ? "" : " is-down"}`, testid: "team-vault", "data-id": c.id, "data-state": v.state },
      h("span", { class: "team-vault-icon" }, icon("users", 16)),
      h(
        "div",
        { class: "team-vault-text" },
        h("div", { class: "team-vault-name", testid: "team-vault-name" }, c.name),
        h("div", { class: "mono small muted team-vault-where", title: `${c.address} · ${c.mount}/${c.prefix}` }, `${c.address} · ${c.mount}/${c.prefix}`),
        ok ? null : h("div", { class: "small team-vault-error", testid: "team-vault-error" }, v.error.message),
      ),
      h("span", { class: `pill ${ok ? "team-ok" : "team-down"}`, testid: "team-vault-state" }, h("span", { class: "dot", "aria-hidden": "true" }), stateText),
      h(
        "button",
        {
          class: "btn btn-small btn-danger-quiet",
          type: "button",
          testid: "team-remove",
          "aria-label": `Remove the team vault ${c.name}`,
          title: "Disconnect this vault from Latchkey (nothing on the server is deleted)",
          onclick: () => void remove(v),
        },
        icon("trash", 13),
        "Remove",
      ),
    );
  }

  async function remove(v: TeamVaultView): Promise<void> {
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
    renderList();
  }

  function openForm(): void {
    addBtn.hidden = true;
    const name = h("input", { ...inputAttrs, id: "t-name", testid: "team-name", placeholder: "e.g. Vision team" });
    const address = h("input", { ...inputAttrs, type: "url", id: "t-address", testid: "team-address", placeholder: "https://vault.example.com:8200" });
    const mount = h("input", { ...inputAttrs, id: "t-mount", testid: "team-mount", value: "secret" });
    const prefix = h("input", { ...inputAttrs, id: "t-prefix", testid: "team-prefix", value: "latchkey" });
    const token = h("input", { ...inputAttrs, type: "password", id: "t-token", testid: "team-token", placeholder: "hvs.… or s.…" });
    const fields: Record<TeamField, HTMLInputElement> = { name, address, mount, prefix, token };
    const error = h("div", { class: "form-error", testid: "team-error", role: "alert", hidden: true });
    const connect = h("button", { class: "btn btn-primary btn-small", type: "button", testid: "team-connect" }, icon("check", 14), "Connect");
    const cancel = h("button", { class: "btn btn-small", type: "button", testid: "team-cancel" }, "Cancel");
    let busy = false;

    const field = (label: string, el: HTMLInputElement, note?: string) =>
      h("div", { class: "field" }, h("label", { class: "field-label", for: el.id }, label), el, note ? h("div", { class: "field-note" }, note) : null);

    function close(): void {
      token.value = "";
      formSlot.replaceChildren();
      addBtn.hidden = false;
      addBtn.focus();
    }

    function showError(message: string, at: HTMLInputElement | null): void {
      error.hidden = false;
      replace(error, icon("alert", 14), h("span", null, message));
      error.scrollIntoView({ block: "nearest" });
      if (at) {
        at.classList.add("invalid");
        at.focus();
      }
    }

    function fieldFor(message: string): HTMLInputElement | null {
      const m = message.toLowerCase();
      if (m.includes("name")) return name;
      if (m.includes("mount")) return mount;
      if (m.includes("prefix")) return prefix;
      if (m.includes("token")) return token;
      if (m.includes("address") || m.includes("http")) return address;
      return null;
    }

    async function submit(): Promise<void> {
      if (busy) return;
      error.hidden = true;
      for (const el of Object.values(fields)) el.classList.remove("invalid");
      const input = { name: name.value, address: address.value, mount: mount.value, prefix: prefix.value, token: token.value };
      const names = (state.team?.vaults ?? []).map((v) => v.config.name);
      const bad = teamVaultInputError(input, names);
      if (bad) return showError(bad.message, fields[bad.field]);
      busy = true;
      connect.disabled = true;
      replace(connect, h("span", { class: "spinner", "aria-hidden": "true" }), "Connecting…");
      try {
        const saved = await api.addTeamVault({
          name: input.name.trim(),
          address: input.address.trim(),
          mount: input.mount.trim() || undefined,
          prefix: input.prefix.trim() || undefined,
          token: input.token.trim(),
        });
        input.token = "";
        close();
        toast(`Connected the team vault “${saved.name}”.`);
        await refreshTeam();
        renderList();
      } catch (e) {
        const err = toErrorPayload(e);
        // The kinds that name the vault's answer say nothing about a field.
        const at = err.kind === "invalid_input" ? fieldFor(err.message) : err.kind === "team_auth" ? token : null;
        showError(err.message, at);
      } finally {
        busy = false;
        connect.disabled = false;
        replace(connect, icon("check", 14), "Connect");
      }
    }

    connect.addEventListener("click", () => void submit());
    cancel.addEventListener("click", close);
    const box = h(
      "div",
      { class: "team-add", testid: "team-add" },
      h("div", { class: "grid-2" }, field("Name", name), field("Address", address)),
      h("div", { class: "grid-2" }, field("Mount", mount, "KV version 2 secrets engine."), field("Path prefix", prefix, "Entries live under <mount>/<prefix>/.")),
      field("Vault token", token, "Kept in your system keychain, never in Latchkey's files."),
      error,
      h("div", { class: "dialog-actions" }, cancel, connect),
    );
    box.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.target as HTMLElement).tagName === "INPUT") {
        ev.preventDefault();
        void submit();
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        close();
      }
    });
    box.addEventListener("input", (ev) => {
      (ev.target as HTMLElement).classList.remove("invalid");
    });
    replace(formSlot, box);
    name.focus();
  }

  renderList();
  return [
    h("h3", { class: "settings-heading team-heading" }, h("span", null, "Team vaults"), addBtn),
    list,
    formSlot,
  ];
}
