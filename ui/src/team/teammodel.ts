// Team vaults, the pure part: the words for a vault that cannot be read, the form's checks, and what someone else
// changed when an edit meets a newer version.

import type { Field } from "../bindings/Field";
import type { TeamRef } from "../bindings/TeamRef";
import type { TeamTokenView } from "../bindings/TeamTokenView";
import type { TeamVaultView } from "../bindings/TeamVaultView";
import type { TeamView } from "../bindings/TeamView";
import type { TokenRecord } from "../bindings/TokenRecord";
import type { TokenView } from "../bindings/TokenView";

// The shapes get_team_view returns come from Rust (ts-rs, core's tokens module).
export type { TeamRef, TeamTokenView, TeamVaultView, TeamView };

/** A row of the list: a local token, or a team token (with `team`). */
export type ListToken = TokenView & { team?: TeamRef };

/** Local rows first as given, then team rows; a team row never hides a local one. */
export function mergeTokens(local: TokenView[], team: TeamTokenView[] | undefined): ListToken[] {
  if (!team?.length) return local;
  const ids = new Set(local.map((t) => t.record.id));
  return [...local, ...team.filter((t) => !ids.has(t.record.id))];
}

/** The short reason shown beside a vault's name, by error kind. */
export function problemWord(kind: string): string {
  switch (kind) {
    case "team_unreachable":
      return "Unreachable";
    case "team_sealed":
      return "Sealed";
    case "team_denied":
      return "Access denied";
    case "team_auth":
      return "Token rejected";
    default:
      return "Not available";
  }
}

/** What the user can do about it. */
export function problemAdvice(kind: string): string {
  switch (kind) {
    case "team_unreachable":
      return "Latchkey will try again when the list is refreshed. Your local tokens keep working.";
    case "team_sealed":
      return "Ask a Vault operator to unseal it. Your local tokens keep working.";
    case "team_denied":
      return "Ask a Vault operator to extend your token's policy. Your local tokens keep working.";
    case "team_auth":
      return "The Vault token is invalid or has expired: remove the vault and connect it again with a new token.";
    default:
      return "Your local tokens keep working.";
  }
}

export interface TeamVaultInput {
  name: string;
  address: string;
  mount: string;
  prefix: string;
  token: string;
}

export type TeamField = keyof TeamVaultInput;

/** Checks the form can make before asking Rust (which checks again, and asks the vault). */
export function teamVaultInputError(v: TeamVaultInput, existingNames: string[]): { field: TeamField; message: string } | null {
  const name = v.name.trim();
  if (!name) return { field: "name", message: "Give the team vault a name, e.g. “Vision team”." };
  if (name.length > 60) return { field: "name", message: "Keep the name to 60 characters or fewer." };
  if (existingNames.some((n) => n.toLowerCase() === name.toLowerCase())) {
    return { field: "name", message: `A team vault named “${name}” is already connected. Choose another name.` };
  }
  const address = v.address.trim();
  if (!address) return { field: "address", message: "Enter the vault's address, e.g. https://vault.example.com:8200." };
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { field: "address", message: "Enter the address as a URL, e.g. https://vault.example.com:8200." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { field: "address", message: "The address must start with https:// (http:// only for this computer)." };
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !loopback) {
    return { field: "address", message: "Use https:// for a vault on another machine; http:// is allowed only for 127.0.0.1." };
  }
  const path = /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/;
  if (v.mount.trim() && !path.test(v.mount.trim())) return { field: "mount", message: "The mount is a path like “secret” or “kv/team”." };
  if (v.prefix.trim() && !path.test(v.prefix.trim())) return { field: "prefix", message: "The path prefix is a path like “latchkey” or “teams/vision”." };
  if (!v.token.trim()) return { field: "token", message: "Paste a Vault token that may read and write under this path." };
  return null;
}

const TEAM_FIELDS: Partial<Record<Field, TeamField>> = {
  team_name: "name",
  team_address: "address",
  team_mount: "mount",
  team_prefix: "prefix",
  team_token: "token",
};

/** The input an error from Rust is about: invalid_input names its field, team_auth is the
 *  token's; the kinds that name the vault's answer say nothing about a field. */
export function teamErrorField(err: { kind: string; field?: Field }): TeamField | null {
  if (err.kind === "team_auth") return "token";
  if (err.kind !== "invalid_input") return null;
  return (err.field && TEAM_FIELDS[err.field]) ?? null;
}

/** "3 tokens", or the word for what went wrong with the vault. */
export function vaultStateText(v: TeamVaultView): string {
  if (v.state !== "ok") return problemWord(v.error.kind);
  return `${v.token_count} token${v.token_count === 1 ? "" : "s"}`;
}

export interface Change {
  field: string;
  before: string;
  theirs: string;
}

function fmt(v: string | string[] | undefined | null): string {
  if (Array.isArray(v)) return v.length ? v.join(", ") : "—";
  return v && v.trim() ? v : "—";
}

/** The fields `theirs` has that differ from `base` (what the user started editing from). */
export function theirChanges(base: TokenRecord, theirs: TokenRecord, when: (iso: string) => string = (s) => s): Change[] {
  const out: Change[] = [];
  const cmp = (field: string, a: string | string[] | undefined, b: string | string[] | undefined) => {
    const fa = fmt(a);
    const fb = fmt(b);
    if (fa !== fb) out.push({ field, before: fa, theirs: fb });
  };
  cmp("Label", base.label, theirs.label);
  cmp("Server", base.server_url, theirs.server_url);
  cmp("Expires", base.expires_at ? when(base.expires_at) : undefined, theirs.expires_at ? when(theirs.expires_at) : undefined);
  cmp("Owner", base.identity.owner, theirs.identity.owner);
  cmp("Workspace", base.identity.workspace, theirs.identity.workspace);
  cmp("Tags", base.tags ?? [], theirs.tags ?? []);
  cmp("Notes", base.notes, theirs.notes);
  if (base.hint !== theirs.hint || (base.rotated_at?.length ?? 0) !== (theirs.rotated_at?.length ?? 0)) {
    out.push({ field: "Secret", before: "as it was", theirs: "replaced" });
  }
  if (!base.revoked && theirs.revoked) out.push({ field: "Revoked", before: "no", theirs: `yes${theirs.revoked.reason ? `: ${theirs.revoked.reason}` : ""}` });
  return out;
}
