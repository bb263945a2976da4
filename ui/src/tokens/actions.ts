// What the buttons and shortcuts do: each calls Rust, updates the state, reports errors.

import { api, errorText, targetFor, targetOf, toErrorPayload, type ErrorPayload } from "../api";
import { confirmDialog } from "../shell/dialogs";
import { toast } from "../alerts/banners";
import { allTokens, changed, findToken, platformName, REVEAL_SECS, select, state, visibleTokens } from "../shell/state";

let seq = 0;
let teamSeq = 0;

/** Re-read the team vaults. Slow or failing ones never hold up the local list: this runs
 *  beside it, and a vault that cannot be read comes back as that vault's error. */
export async function refreshTeam(): Promise<void> {
  const mine = ++teamSeq;
  try {
    const team = await api.getTeamView();
    if (mine !== teamSeq) return;
    state.team = team;
  } catch (e) {
    if (mine !== teamSeq) return;
    console.warn("team vaults could not be read:", toErrorPayload(e).message);
  }
  forgetMissing();
  changed();
}

/** Drop selection, clipboard marks and a revealed secret of rows that are gone. */
function forgetMissing(): void {
  if (!state.view) return;
  const ids = new Set(allTokens().map((t) => t.record.id));
  if (state.selectedId && !ids.has(state.selectedId)) select(null);
  for (const id of state.copied.keys()) if (!ids.has(id)) state.copied.delete(id);
  if (state.revealed && !ids.has(state.revealed.id)) state.revealed = null;
}

/** Re-read the whole view from Rust. Responses older than a newer request are ignored. */
export async function refresh(): Promise<void> {
  const team = refreshTeam();
  await refreshLocal();
  await team;
}

async function refreshLocal(): Promise<void> {
  const mine = ++seq;
  try {
    const view = await api.getView();
    if (mine !== seq) return;
    state.view = view;
    state.loadError = null;
    if (state.team) forgetMissing();
    // Rust forgets dismissed notices; forget our record of them once they are gone.
    for (const m of state.dismissed) if (!view.notices.some((n) => n.message === m)) state.dismissed.delete(m);
  } catch (e) {
    if (mine !== seq) return;
    const err = toErrorPayload(e);
    if (state.view) toast(err.message, "error");
    else state.loadError = err.message;
  }
  changed();
}

/** Show a command's error; a missing token means the list is out of date, a keychain error
 * that the keychain banner (with Retry) should show. */
export function reportError(e: unknown): ErrorPayload {
  const err = toErrorPayload(e);
  toast(errorText(err), "error");
  if (err.kind === "not_found" || err.kind.startsWith("keychain_")) void refresh();
  return err;
}

/** A revoked token's secret was removed from the keychain: say so instead of asking. */
function secretGone(id: string): boolean {
  const t = findToken(id);
  if (!t?.record.revoked) return false;
  const where = t.team ? `the team vault “${t.team.vault_name}”` : "the keychain";
  toast(`“${t.record.label}” is revoked; its secret was removed from ${where}.`, "warning");
  return true;
}

export async function copySecret(id: string): Promise<void> {
  if (secretGone(id)) return;
  const t = findToken(id);
  if (!t) return;
  try {
    const receipt = await api.copySecret(targetOf(t));
    state.copied.set(id, Date.now() + receipt.clear_after_secs * 1000);
    changed();
    // Copying counts as a use: last_used_at changed.
    void refresh();
  } catch (e) {
    reportError(e);
  }
}

export async function toggleReveal(id: string): Promise<void> {
  if (state.revealed?.id === id) {
    state.revealed = null;
    changed();
    return;
  }
  if (secretGone(id)) return;
  const t = findToken(id);
  if (!t) return;
  try {
    const secret = await api.revealSecret(targetOf(t));
    // The user may have moved on while the keychain answered.
    if (state.selectedId !== id) return;
    state.revealed = { id, secret, hideAtMs: Date.now() + REVEAL_SECS * 1000 };
    changed();
  } catch (e) {
    reportError(e);
  }
}

export async function deleteToken(id: string): Promise<void> {
  const t = findToken(id);
  if (!t) return;
  const label = t.record.label;
  const team = t.team;
  const ok = await confirmDialog({
    title: team ? "Delete team token?" : "Delete token?",
    message: team
      ? [
          `“${label}” (${platformName(t.record.platform)}) will be deleted from the team vault “${team.vault_name}”, with its secret and history, for every member.`,
          "This does not revoke the token on the platform. This cannot be undone.",
        ]
      : [
          `“${label}” (${platformName(t.record.platform)}) will be removed from Latchkey, and its secret is removed from the system keychain too.`,
          "This does not revoke the token on the platform. This cannot be undone.",
        ],
    okLabel: "Delete",
    danger: true,
  });
  if (!ok) return;
  // Select the neighbour so keyboard users keep their place.
  const rows = visibleTokens();
  const i = rows.findIndex((r) => r.record.id === id);
  const next = rows[i + 1] ?? rows[i - 1];
  try {
    await api.deleteToken(targetFor(id, team?.vault_id));
    state.copied.delete(id);
    if (state.revealed?.id === id) state.revealed = null;
    select(next ? next.record.id : null);
    toast(`Deleted “${label}”.`);
  } catch (e) {
    reportError(e);
  }
  await refresh();
}
