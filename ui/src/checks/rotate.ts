// Rotating a token through its platform's API: the new key is made, stored and checked, then
// the old one is revoked with it (Rust: core's tokens/rotate.rs). A rotation that stopped half
// way (network, a revoke that takes effect late) is resumed by the same button.

import { refresh, reportError } from "../tokens/actions";
import { api, targetOf } from "../api";
import type { Rotated } from "../bindings/Rotated";
import type { TokenRecord } from "../bindings/TokenRecord";
import { confirmDialog } from "../shell/dialogs";
import { toast } from "../alerts/banners";
import { openRotateForm } from "../tokens/form";
import { rotateWithPassword } from "./rotatepassword";
import { afterRender, changed, findToken, platformInfo, platformName, select, state } from "../shell/state";

/** Whether Rotate is offered: every unrevoked local token; a team token where the platform's
 * API makes keys (its rotation is kept in the team vault: no guided or password rotation). */
export function canRotate(r: TokenRecord, team: boolean): boolean {
  return !r.revoked && (!team || !!platformInfo(r.platform)?.rotates_by_api);
}

/** Rotate through the API (or resume a rotation): otherwise the guided form asks for the new secret. */
export function rotatesByApi(r: TokenRecord): boolean {
  return rotationUnderWay(r) || !!platformInfo(r.platform)?.rotates_by_api || rotatesWithPassword(r);
}

/** CVAT: its API makes and deletes tokens only with the account's password, asked for once. */
export function rotatesWithPassword(r: TokenRecord): boolean {
  return !!platformInfo(r.platform)?.rotates_with_password;
}

/** Say how a rotation ended: done, or what is left (with the website where there is one). */
export function announceRotated(id: string, label: string, done: Rotated): void {
  const t = findToken(id);
  const name = t ? platformName(t.record.platform) : "the platform";
  if (done.finished) {
    toast(`Rotated “${label}”: the new key is stored and valid. ${done.note}.`, "info");
  } else {
    const page = done.settings_url;
    toast(done.note, "warning", page ? { label: `Open ${name}`, run: () => void api.openRevokePage(id).catch(reportError) } : undefined);
  }
}

export function rotationUnderWay(r: TokenRecord): boolean {
  return r.pending?.step === "rotating";
}

/** Undo is possible until the new key is in use (Rust refuses it after the swap). */
export function undoable(r: TokenRecord): boolean {
  return r.pending?.step === "rotating" && r.pending.stage !== "swapped";
}

/** Once at start-up: rotations that stopped half way (the app was killed, the machine went
 *  down) are named in a message that leads to the offer in their detail pane. */
export function announceStoppedRotations(): void {
  const stopped = (state.view?.tokens ?? []).filter((t) => rotationUnderWay(t.record) && !state.rotating.has(t.record.id));
  if (!stopped.length) return;
  const names = stopped.map((t) => `“${t.record.label}”`).join(", ");
  // Undo is offered only before the swap; after it, finishing is the way on.
  const undo = stopped.some((t) => undoable(t.record));
  const message =
    stopped.length === 1
      ? `The rotation of ${names} stopped halfway. Nothing is lost: both keys are in your keychain. ${undo ? "Finish it or undo it" : "Finish it"} from its details.`
      : `The rotations of ${names} stopped halfway. Nothing is lost: both keys are in your keychain. ${undo ? "Finish or undo each" : "Finish each"} from its details.`;
  const first = stopped[0]!.record.id;
  toast(message, "warning", {
    label: stopped.length === 1 ? "Show" : "Show the first",
    run: () => {
      select(first);
      changed();
      afterRender(() => document.querySelector<HTMLElement>('[data-testid="rotation-finish"]')?.focus());
    },
  });
}

/** Undo a rotation that has not swapped: the platform deletes the new key, the old one stays. */
export async function undoRotation(id: string): Promise<void> {
  const t = findToken(id);
  if (!t || state.rotating.has(id)) return;
  const r = t.record;
  const name = platformName(r.platform);
  const ok = await confirmDialog({
    title: "Undo rotation?",
    message: [`The new key is deleted${r.pending?.step === "rotating" && r.pending.new_key ? ` on ${name} and` : ""} from your keychain; “${r.label}” keeps using the old one.`],
    okLabel: "Undo rotation",
  });
  if (!ok) return;
  await whileRotating(id, async () => {
    await api.undoRotation(targetOf(t));
    await refresh();
    toast(`Rotation of “${r.label}” undone: the old key stays in use.`, "info");
  });
}

export async function rotateToken(id: string): Promise<void> {
  const t = findToken(id);
  if (!t || state.rotating.has(id)) return;
  const r = t.record;
  const name = platformName(r.platform);
  const resuming = rotationUnderWay(r);
  // A guided rotation under way (no key id from the platform) needs no password to finish.
  const guidedUnderWay = resuming && r.pending?.step === "rotating" && !r.pending.new_key;
  if (rotatesWithPassword(r) && !guidedUnderWay) {
    const target = targetOf(t);
    const done = await rotateWithPassword({
      target,
      label: r.label,
      platform: name,
      owner: r.identity.owner ?? undefined,
      resuming,
      guided: () => openRotateForm(id),
    });
    if (!done) {
      await refresh().catch(() => {});
      return;
    }
    forgetOldSecret(id);
    await refresh();
    announceRotated(id, r.label, done);
    return;
  }
  if (!resuming) {
    const ok = await confirmDialog({
      title: "Rotate token?",
      message: [
        `${name} makes a new key with the same name and rights as “${r.label}”. Latchkey stores it in your keychain and checks it, and only then revokes the old key with it.`,
        "Programs still using the old key stop working once it is revoked; `latchkey run` and copies from Latchkey get the new one.",
      ],
      okLabel: "Rotate",
      okIcon: "rotate",
    });
    if (!ok) return;
  }
  await whileRotating(id, async () => {
    const done = await api.rotateToken(targetOf(t));
    forgetOldSecret(id);
    await refresh();
    announceRotated(id, r.label, done);
  });
}

/** Runs `work` with the token marked as rotating (its row says so; another Rotate or Undo
 * click does nothing meanwhile); if it fails, the list is read again and the error shown. */
async function whileRotating(id: string, work: () => Promise<void>): Promise<void> {
  state.rotating.add(id);
  changed();
  try {
    await work();
  } catch (e) {
    await refresh().catch(() => {});
    reportError(e);
  } finally {
    state.rotating.delete(id);
    changed();
  }
}

/** After a rotation the old secret is gone: no "copied" mark or revealed value stays for it. */
function forgetOldSecret(id: string): void {
  state.copied.delete(id);
  if (state.revealed?.id === id) state.revealed = null;
}
