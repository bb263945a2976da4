// What the detail pane shows for a token, without the DOM: its warnings, which rows its
// details list has, and the words of its actions. No clock.

import type { ListToken } from "../team/teammodel";

export type DetailWarning =
  | { kind: "stale"; platformSaid: boolean }
  | { kind: "rotation"; text: string }
  | { kind: "expired"; text: string }
  | { kind: "revoked"; why: string; where: string };

/** The callouts under the actions, in order. `rotateDays`: the settings' rotation period. */
export function detailWarnings(t: ListToken, rotateDays: number | undefined, hasView: boolean): DetailWarning[] {
  const r = t.record;
  const revoked = !!r.revoked;
  const out: DetailWarning[] = [];
  if (t.status.stale_for_secs != null && hasView && !revoked) out.push({ kind: "stale", platformSaid: t.status.unused_source !== "local" });
  if (t.status.rotation_due && !revoked) {
    const text = `Rotation due: this secret has no expiry and is older than ${rotateDays ?? "the rotation period in"} days. Create a new one on the platform, then use Replace secret.`;
    out.push({ kind: "rotation", text });
  }
  if (t.status.health.state === "expired") {
    out.push({ kind: "expired", text: "This token has expired. Create a new one on the platform and use Replace secret to store it here." });
  } else if (r.revoked) {
    const why = r.revoked.reason.trim();
    out.push({ kind: "revoked", why: why && why !== "Revoked" ? `: ${why}` : ".", where: t.team ? "the team vault" : "the keychain" });
  }
  return out;
}

export type MetaRow =
  | "team"
  | "platform"
  | "credential"
  | "server"
  | "owner"
  | "workspace"
  | "hint"
  | "public"
  | "publicKey"
  | "expires"
  | "alerts"
  | "created"
  | "lastUsed"
  | "platformCreated"
  | "platformLastUsed"
  | "dropAt"
  | "rotated"
  | "tags";

/** The rows of the details list. The owner and workspace move to the validate section when
 *  it lists the identity (`identityInSection`). */
export function metaRows(t: ListToken, identityInSection: boolean, hasPublicPart: boolean): MetaRow[] {
  const r = t.record;
  const rows: (MetaRow | false)[] = [
    !!t.team && "team",
    "platform",
    "credential",
    "server",
    !!r.identity.owner && !identityInSection && "owner",
    !!r.identity.workspace && !identityInSection && "workspace",
    "hint",
    hasPublicPart && "public",
    !!r.public.key_id && r.kind === "ssh_key" && "publicKey",
    "expires",
    "alerts",
    "created",
    "lastUsed",
    // What the platform itself reported, apart from Latchkey's own use above.
    !!r.platform_created_at && "platformCreated",
    !!r.platform_last_used_at && "platformLastUsed",
    !!t.status.drop_at && !r.revoked && "dropAt",
    "rotated",
    !!r.tags?.length && "tags",
  ];
  return rows.filter((x): x is MetaRow => x !== false);
}

export interface ActionWords {
  copyTitle: string;
  revealLabel: "Hide" | "Reveal";
  revealTitle: string;
  deleteTitle: string;
}

/** The titles of the toolbar's buttons (a revoked token's secret is gone). */
export function actionWords(t: ListToken, revealed: boolean): ActionWords {
  const gone = t.team ? "The secret was removed from the team vault when the token was revoked" : "The secret was removed from the keychain when the token was revoked";
  const revoked = !!t.record.revoked;
  return {
    copyTitle: revoked ? gone : "Copy the secret to the clipboard (C)",
    revealLabel: revealed ? "Hide" : "Reveal",
    revealTitle: revoked ? gone : revealed ? "Hide the secret (R)" : "Show the secret for 30 s (R)",
    deleteTitle: t.team ? "Delete this token from the team vault, for every member (Delete)" : "Delete this token and its keychain entry (Delete)",
  };
}
