// The one typed wrapper over Tauri's invoke/listen. Every command error arrives as
// ErrorPayload {kind, message}; anything else is turned into one. Each command is handled in
// src-tauri/src/commands/<module>.rs, the module named beside it in commands/list.rs.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { CheckProgress } from "./bindings/CheckProgress";
import type { Command } from "./bindings/Command";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { MetaUpdate } from "./bindings/MetaUpdate";
import type { NewToken } from "./bindings/NewToken";
import type { RecentUses } from "./bindings/RecentUses";
import type { OpenRequest } from "./bindings/OpenRequest";
import type { PlatformInfo } from "./bindings/PlatformInfo";
import type { RevokeOutcome } from "./bindings/RevokeOutcome";
import type { Rotated } from "./bindings/Rotated";
import type { SecretInput } from "./bindings/SecretInput";
import type { Settings } from "./bindings/Settings";
import type { TokenRecord } from "./bindings/TokenRecord";
import type { VaultView } from "./bindings/VaultView";

import type { CheckSummary } from "./bindings/CheckSummary";
import type { LeakReport } from "./bindings/LeakReport";
import type { LeakSettings } from "./bindings/LeakSettings";
import type { ReferencePreview } from "./bindings/ReferencePreview";
import type { ReferenceWritten } from "./bindings/ReferenceWritten";
import type { ScanProgress } from "./bindings/ScanProgress";
import type { CopyReceipt } from "./bindings/CopyReceipt";
import type { InAppAlert } from "./bindings/InAppAlert";
import type { NewTeamVault } from "./bindings/NewTeamVault";
import type { TeamVaultConfig } from "./bindings/TeamVaultConfig";
import type { TeamView } from "./bindings/TeamView";
import type { TokenRow } from "./bindings/TokenRow";
import type { TokenTarget } from "./bindings/TokenTarget";

export type { CheckSummary, ErrorPayload, TokenRow, TokenTarget };

export function isErrorPayload(e: unknown): e is ErrorPayload {
  return typeof e === "object" && e !== null && typeof (e as ErrorPayload).message === "string" && "kind" in e;
}

/** Whatever was thrown, as {kind, message} with a message a person can read. */
export function toErrorPayload(e: unknown): ErrorPayload {
  if (isErrorPayload(e)) return e;
  if (typeof e === "string" && e.trim()) return { kind: "internal", message: e };
  if (e instanceof Error && e.message) return { kind: "internal", message: e.message };
  return { kind: "internal", message: "Something went wrong inside Latchkey. Nothing was changed; please try again." };
}

/** The one place that invokes a command; `Command` (from src-tauri/src/commands/list.rs)
 *  makes a misspelt or unregistered name a type error. */
async function call<T>(cmd: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toErrorPayload(e);
  }
}

/** What the window says for an error: core's words, plus the window's own advice. */
export function errorText(err: ErrorPayload): string {
  return err.kind === "not_found" ? `${err.message} The list has been refreshed.` : err.message;
}

/** Token `id` of this computer's vault, or of team vault `vaultId`. */
export function targetFor(id: string, vaultId?: string | null): TokenTarget {
  return vaultId ? { store: "team", vault_id: vaultId, id } : { store: "local", id };
}

/** The target of a row: a local token, or a team vault's (its row carries `team`). */
export function targetOf(row: { record: { id: string }; team?: { vault_id: string } | null }): TokenTarget {
  return targetFor(row.record.id, row.team?.vault_id);
}

/** What Rust hands the page with the window (window.rs `boot_script`): the list and the
 *  platform catalogue, as getView and listPlatforms answer them, so the first render needs
 *  no call. Taken once; null when Rust left it out (the vault was busy) or it was taken. */
export function takeBoot(): { view: VaultView; platforms: PlatformInfo[] } | null {
  const w = window as unknown as { __LATCHKEY_BOOT__?: { view: VaultView; platforms: PlatformInfo[] } };
  const boot = w.__LATCHKEY_BOOT__ ?? null;
  delete w.__LATCHKEY_BOOT__;
  return boot;
}

export const api = {
  getView: () => call<VaultView>("get_view"),
  listPlatforms: () => call<PlatformInfo[]>("list_platforms"),
  /** Local tokens and team vaults' tokens take the same commands; a `TokenTarget` says which. */
  addToken: (token: NewToken, teamVaultId: string | null = null) => call<TokenRow>("add_token", { token, store: teamVaultId }),
  /** `expectedVersion`: a team token's version the user edited; a newer one answers kind "team_conflict". */
  updateToken: (target: TokenTarget, update: MetaUpdate, expectedVersion: number | null = null) =>
    call<TokenRow>("update_token", { target, update, expectedVersion }),
  replaceSecret: (target: TokenTarget, secret: SecretInput, expectedVersion: number | null = null) =>
    call<TokenRow>("replace_secret", { target, secret, expectedVersion }),
  deleteToken: (target: TokenTarget) => call<null>("delete_token", { target }),
  copySecret: (target: TokenTarget) => call<CopyReceipt>("copy_secret", { target }),
  revealSecret: (target: TokenTarget) => call<string>("reveal_secret", { target }),
  /** The token's last uses from the access log (newest first), and what is wrong with the log. */
  getRecentUses: (id: string) => call<RecentUses>("get_recent_uses", { id }),
  retryKeychain: () => call<VaultView>("retry_keychain"),
  dismissNotices: () => call<null>("dismiss_notices"),
  updateSettings: (settings: Settings) => call<Settings>("update_settings", { settings }),
  /** Ask the platform; a network failure comes back as last_validation "cannot_check". */
  validateToken: (target: TokenTarget) => call<TokenRow>("validate_token", { target }),
  /** Progress arrives as `validate-progress` events (onValidateProgress). */
  validateAll: () => call<CheckSummary>("validate_all"),
  revokeToken: (target: TokenTarget) => call<RevokeOutcome>("revoke_token", { target }),
  /** `unchecked`: "mark revoked anyway", without asking the platform first. */
  confirmRevoked: (target: TokenTarget, reason: string, unchecked = false) =>
    call<TokenRow>("confirm_revoked", { target, reason, unchecked }),
  openRevokePage: (id: string) => call<null>("open_revoke_page", { id }),
  /** Rotate through the platform's API, or resume a rotation that stopped. */
  rotateToken: (target: TokenTarget) => call<Rotated>("rotate_token", { target }),
  /** A guided rotation: the new secret the user made on the platform's website. */
  rotateWithSecret: (target: TokenTarget, secret: SecretInput) => call<Rotated>("rotate_with_secret", { target, secret }),
  /** CVAT: the account password, used by Rust for this rotation only and zeroised there. */
  rotateWithPassword: (target: TokenTarget, password: string) => call<Rotated>("rotate_with_password", { target, password }),
  /** Drop a rotation whose new key is not in use yet. */
  undoRotation: (target: TokenTarget) => call<TokenRow>("undo_rotation", { target }),
  /** One event per finished token while "validate all" runs (also the one at start-up). */
  onValidateProgress: (fn: (p: CheckProgress) => void) => listen<CheckProgress>("validate-progress", (ev) => fn(ev.payload)),
  /** Silence a token's alerts for `hours` (1..8784); `null` turns them back on. */
  snoozeToken: (id: string, hours: number | null) => call<TokenRecord>("snooze_token", { id, hours }),
  /** Alerts the desktop could not show since the window last asked (Rust forgets them). */
  takeInAppAlerts: () => call<InAppAlert[]>("take_in_app_alerts"),
  /** The same, live: one alert the desktop could not show just now. */
  onInAppAlert: (fn: (a: unknown) => void) => listen<unknown>("in-app-alert", (ev) => fn(ev.payload)),
  /** What the window was opened for (a clicked notification's token, the tray's "Revoke …"), once. */
  takeOpenRequest: () => call<OpenRequest | null>("take_open_request"),
  /** Rust was asked to show something while the window is open: take it with takeOpenRequest. */
  onOpenRequest: (fn: () => void) => listen("open-request", () => fn()),
  /** make bench: the UI reached a point worth timing ("first-paint"); a no-op outside benchmarks. */
  benchMark: (what: string) => call<null>("bench_mark", { what }),
  /** Leak watch: a scan runs in Rust; progress and the report arrive as events. */
  startLeakScan: () => call<null>("start_leak_scan"),
  cancelLeakScan: () => call<null>("cancel_leak_scan"),
  getLeakReport: () => call<LeakReport | null>("get_leak_report"),
  setLeakSettings: (leak: LeakSettings) => call<Settings>("set_leak_settings", { leak }),
  /** Stop alerting for finding `index` of the last report (this token in this file, or any). */
  allowLeakFinding: (index: number, anyToken: boolean) => call<LeakReport | null>("allow_leak_finding", { index, anyToken }),
  /** Store the unknown token of finding `index`; Rust reads it from the file. */
  importFoundToken: (index: number, label: string) => call<TokenRecord>("import_found_token", { index, label }),
  /** "Replace with a reference": the reference and finding `index`'s line as it will be (masked). */
  leakReferencePreview: (index: number) => call<ReferencePreview>("leak_reference_preview", { index }),
  /** Write the reference in place of finding `index`'s secret; Rust reads the secret to check the file. */
  replaceLeakWithReference: (index: number) => call<ReferenceWritten>("replace_leak_with_reference", { index }),
  onLeakProgress: (fn: (p: ScanProgress) => void) => listen<ScanProgress>("leak-progress", (ev) => fn(ev.payload)),
  onLeakDone: (fn: (r: LeakReport) => void) => listen<LeakReport>("leak-done", (ev) => fn(ev.payload)),
  /** Called when the vault changed outside this window's own commands. */
  onVaultChanged: (fn: () => void) => listen("vault-changed", () => fn()),
  /** Team vaults (OpenBao / Vault KV v2). Rust checks the vault answers before storing it. */
  addTeamVault: (vault: NewTeamVault) => call<TeamVaultConfig>("add_team_vault", { vault }),
  removeTeamVault: (vaultId: string) => call<null>("remove_team_vault", { vaultId }),
  /** Every team vault listed; one failing is reported in its entry, never as a throw. */
  getTeamView: () => call<TeamView>("get_team_view"),
};
