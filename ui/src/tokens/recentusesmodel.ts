// Pure words for the detail pane's "Recent uses" (from the access log; no secret in it).

import type { AccessEntry } from "../bindings/AccessEntry";

const ACTION_WORDS: Record<AccessEntry["action"], string> = {
  copy: "Copied",
  reveal: "Revealed",
  get: "Read by latchkey get",
  run: "Given to a command by latchkey run",
  validate: "Validated",
  rotate: "Rotated",
  revoke: "Revoked",
  add: "Added",
  delete: "Deleted",
};

/** One use as the pane shows it: what, where, and the command or outcome (may be empty). */
export function useWords(e: AccessEntry): { what: string; where: string; more: string } {
  const where = e.where === "app" ? "in the app" : e.parent ? `command line (${e.parent})` : "command line";
  const more = e.command ? e.command.join(" ") : (e.detail ?? "");
  return { what: ACTION_WORDS[e.action] ?? e.action, where, more };
}

/** The warning above the list when the log does not verify. */
export function brokenWords(broken: string): string {
  return `The access log was changed after it was written (${broken}). Only the uses that verify are shown.`;
}
