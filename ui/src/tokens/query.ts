// Sorting and searching the token list. Pure functions over the view from Rust.

import type { TokenView } from "../bindings/TokenView";

export type SortKey = "expiry" | "label" | "platform" | "recent";

export const SORT_OPTIONS: { key: SortKey; label: string }[] = [
  { key: "expiry", label: "Expiry" },
  { key: "label", label: "Label" },
  { key: "platform", label: "Platform" },
  { key: "recent", label: "Recently used" },
];

export function isSortKey(s: string): s is SortKey {
  return SORT_OPTIONS.some((o) => o.key === s);
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

function time(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** Ascending by `a`, with `undefined` after every defined value. */
function compareOptional(a: number | undefined, b: number | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

export function sortTokens<T extends TokenView>(
  tokens: readonly T[],
  key: SortKey,
  platformName: (id: string) => string,
): T[] {
  const byLabel = (a: TokenView, b: TokenView) =>
    collator.compare(a.record.label, b.record.label) || a.record.id.localeCompare(b.record.id);
  const cmp: (a: TokenView, b: TokenView) => number = {
    // Soonest expiry first: expired ones (earliest expires_at) lead, no expiry trails.
    expiry: (a: TokenView, b: TokenView) =>
      compareOptional(time(a.record.expires_at), time(b.record.expires_at)) || byLabel(a, b),
    label: byLabel,
    platform: (a: TokenView, b: TokenView) =>
      collator.compare(platformName(a.record.platform), platformName(b.record.platform)) || byLabel(a, b),
    // Most recent use first; never used last.
    recent: (a: TokenView, b: TokenView) => {
      const ta = time(a.record.last_used_at);
      const tb = time(b.record.last_used_at);
      return compareOptional(ta === undefined ? undefined : -ta, tb === undefined ? undefined : -tb) || byLabel(a, b);
    },
  }[key];
  // Revoked tokens are history: after every live one, whatever the sort.
  const revoked = (t: TokenView) => (t.record.revoked ? 1 : 0);
  return [...tokens].sort((a, b) => revoked(a) - revoked(b) || cmp(a, b));
}

/**
 * `tokens` in the order of `ids` (a list shown earlier), so rows stay where they were while
 * their contents change; tokens not in `ids` follow, in their own order.
 */
export function applyOrder<T extends TokenView>(tokens: readonly T[], ids: readonly string[]): T[] {
  const pos = new Map(ids.map((id, i) => [id, i]));
  const at = (t: T, i: number) => pos.get(t.record.id) ?? ids.length + i;
  return tokens
    .map((t, i) => ({ t, k: at(t, i) }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.t);
}

/** Everything the search box looks at, lower-cased. */
export function searchText(t: TokenView & { team?: { vault_name: string } }, platformName: string): string {
  const r = t.record;
  return [
    t.team ? "team" : undefined,
    t.team?.vault_name,
    r.label,
    platformName,
    r.platform,
    ...(r.tags ?? []),
    r.identity.owner,
    r.identity.workspace,
    r.notes,
    r.server_url,
    r.hint,
    r.public.key_id,
    r.public.ssh_fingerprint,
    r.public.resource_id,
  ]
    .filter((s): s is string => !!s)
    .join("\n")
    .toLowerCase();
}

/** Every whitespace-separated word of the query must occur somewhere (case-insensitive). */
export function matchesSearch(t: TokenView, query: string, platformName: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = searchText(t, platformName);
  return words.every((w) => hay.includes(w));
}
