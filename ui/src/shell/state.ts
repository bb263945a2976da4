// The window's state and a single "something changed" signal. Views re-render from it.
// No secret lives here except the one the user explicitly revealed (and only until hidden).

import type { ShownAlert } from "../alerts/alertmodel";
import type { PlatformInfo } from "../bindings/PlatformInfo";
import type { TokenRow } from "../bindings/TokenRow";
import type { VaultView } from "../bindings/VaultView";
import { applyOrder, isSortKey, matchesSearch, sortTokens, type SortKey } from "../tokens/query";
import { mergeTokens, type ListToken, type TeamTokenView, type TeamView } from "../team/teammodel";

export const REVEAL_SECS = 30;

export interface Revealed {
  id: string;
  secret: string;
  hideAtMs: number;
}

/** A "validate all" run, from the first progress event (or the click) to its end. */
export interface ValidateRun {
  done: number;
  total: number;
  /** Ours (the button or Shift+V) or Rust's at start-up (validate_on_start). */
  ours: boolean;
  /** Tokens not answered yet (a spinner in their row). */
  pending: Set<string>;
  finished: boolean;
}

export const state = {
  view: null as VaultView | null,
  /** The team vaults and their tokens (get_team_view); null until first read. */
  team: null as TeamView | null,
  /** get_view failed before anything could be shown. */
  loadError: null as string | null,
  platforms: [] as PlatformInfo[],
  selectedId: null as string | null,
  search: "",
  sort: (readSort() ?? "expiry") as SortKey,
  /** Token id -> instant the clipboard will be cleared (for "Copied · clears in N s"). */
  copied: new Map<string, number>(),
  revealed: null as Revealed | null,
  /** Notices the user closed (by message) until Rust forgets them. */
  dismissed: new Set<string>(),
  /** Tokens being checked one by one (the Validate button's busy state). */
  validating: new Set<string>(),
  /** Tokens whose revoke is in progress (the Revoke button's busy state). */
  revoking: new Set<string>(),
  /** Tokens whose rotation is running (the Rotate button shows it). */
  rotating: new Set<string>(),
  validateRun: null as ValidateRun | null,
  /** The list order kept while "validate all" updates rows, so rows do not jump. */
  frozenOrder: null as string[] | null,
  /** Tokens whose snooze (or resume) is being saved. */
  snoozing: new Set<string>(),
  /** Alerts the desktop could not show, newest first, until dismissed. */
  alertStack: [] as ShownAlert[],
  /** "and N more" was opened: every in-app alert shows in full. */
  alertsExpanded: false,
};

function readSort(): SortKey | null {
  try {
    const s = localStorage.getItem("latchkey.sort");
    return s && isSortKey(s) ? s : null;
  } catch {
    return null;
  }
}

export function saveSort(): void {
  try {
    localStorage.setItem("latchkey.sort", state.sort);
  } catch {
    /* storage may be unavailable; the default is fine */
  }
}

const listeners: (() => void)[] = [];
let afterQueue: (() => void)[] = [];
let queued = false;

export function onChange(fn: () => void): void {
  listeners.push(fn);
}

/** Ask for one re-render on the next microtask (several changes coalesce). */
export function changed(): void {
  if (queued) return;
  queued = true;
  queueMicrotask(() => {
    if (queued) renderNow();
  });
}

/** Render now, synchronously (start-up: the list is drawn before any call to Rust is sent). */
export function renderNow(): void {
  queued = false;
  for (const fn of listeners) fn();
  const after = afterQueue;
  afterQueue = [];
  for (const fn of after) fn();
}

/** Run `fn` after the next render (or now-ish if nothing is pending). */
export function afterRender(fn: () => void): void {
  afterQueue.push(fn);
  if (!queued) changed();
}

export function platformInfo(id: string): PlatformInfo | undefined {
  return state.platforms.find((p) => p.id === id);
}

export function platformName(id: string): string {
  return platformInfo(id)?.name ?? FALLBACK_NAMES[id] ?? id;
}

const FALLBACK_NAMES: Record<string, string> = {
  supervisely: "Supervisely",
  cvat: "CVAT",
  roboflow: "Roboflow",
  encord: "Encord",
  env0: "env0",
  other: "Other",
};

/** The rows the list shows: searched and sorted. */
/** Every row: local tokens, then those of the team vaults that answered. */
export function allTokens(): ListToken[] {
  return mergeTokens(state.view?.tokens ?? [], state.team?.tokens);
}

export function visibleTokens(): ListToken[] {
  const all = allTokens();
  const q = state.search.trim();
  const shown = q ? all.filter((t) => matchesSearch(t, q, platformName(t.record.platform))) : all;
  const sorted = sortTokens(shown, state.sort, platformName);
  return state.frozenOrder ? applyOrder(sorted, state.frozenOrder) : sorted;
}

export function findToken(id: string | null): ListToken | undefined {
  if (!id) return undefined;
  return allTokens().find((t) => t.record.id === id);
}

export function selectedToken(): ListToken | undefined {
  return findToken(state.selectedId);
}

/** Select a token (or none); forgets a revealed secret of another token. */
export function select(id: string | null): void {
  if (state.selectedId === id) return;
  state.selectedId = id;
  if (state.revealed && state.revealed.id !== id) state.revealed = null;
  changed();
}

export function hideSecret(): void {
  if (!state.revealed) return;
  state.revealed = null;
  changed();
}

/** Put a team token Rust just stored into the view (its row shows it at once). */
/** A row Rust just stored: a team row replaces its entry, a local one patches the view. */
export function putRow(row: TokenRow): void {
  if (row.team) return putTeamToken({ ...row, team: row.team });
  const t = state.view?.tokens.find((x) => x.record.id === row.record.id);
  if (!t) return;
  t.record = row.record;
  t.status = row.status;
  changed();
}

export function putTeamToken(t: TeamTokenView): void {
  if (!state.team) return;
  const i = state.team.tokens.findIndex((x) => x.record.id === t.record.id);
  if (i >= 0) state.team.tokens[i] = t;
  else state.team.tokens.push(t);
  changed();
}
