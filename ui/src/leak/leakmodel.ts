// Leak watch, the pure parts: scan places from the form, progress, how a finding reads.
// No DOM and no IPC here, so vitest covers it.

import type { Finding } from "../bindings/Finding";
import type { LeakPlaces } from "../bindings/LeakPlaces";
import type { LeakReport } from "../bindings/LeakReport";
import type { NeedleForm } from "../bindings/NeedleForm";
import type { ScanProgress } from "../bindings/ScanProgress";

/** Project folders from the text area: one per line, trimmed, no blanks or repeats. */
export function foldersFromText(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const f = line.trim();
    if (f && !out.includes(f)) out.push(f);
  }
  return out;
}

export function placesFrom(homeDefaults: boolean, foldersText: string, includeIgnored: boolean, old: LeakPlaces): LeakPlaces {
  return { ...old, home_defaults: homeDefaults, folders: foldersFromText(foldersText), include_ignored: includeIgnored };
}

/** 0–100 by bytes (files while the sizes are unknown); null while the totals are unknown
 * (files are scanned as the walk finds them, so the totals are known only at the end). */
export function progressPercent(p: ScanProgress): number | null {
  if (p.bytes_total > 0) return Math.min(100, Math.floor((p.bytes_scanned / p.bytes_total) * 100));
  if (p.files_total > 0) return Math.min(100, Math.floor((p.files_scanned / p.files_total) * 100));
  return null;
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function progressText(p: ScanProgress): string {
  if (p.files_total === 0) {
    return p.files_scanned === 0 ? "Listing files…" : `${p.files_scanned} files, ${bytesText(p.bytes_scanned)} scanned…`;
  }
  return `${p.files_scanned} of ${p.files_total} files, ${bytesText(p.bytes_scanned)} of ${bytesText(p.bytes_total)}`;
}

const FORMS: Record<NeedleForm, string> = {
  as_is: "as it is",
  url_encoded: "URL-encoded",
  base64_basic: "as HTTP Basic auth (base64 of key id and secret)",
  pem_lines: "as SSH key lines",
};

/** "CVAT token “CI” (as it is)", "Unknown Roboflow token", "Revoked token “old” still here". */
export function findingTitle(f: Finding, platformName: (id: string) => string): string {
  const k = f.kind;
  switch (k.type) {
    case "stored":
      return `${platformName(k.platform)} token “${k.label}” (${FORMS[k.form]})`;
    case "revoked":
      return `Revoked ${platformName(k.platform)} token “${k.label}” still here`;
    case "unknown":
      return `Unknown ${platformName(k.platform)} token, not in Latchkey`;
  }
}

/** "/home/u/.bash_history:3:31" (line and column, 1-based; several lines for a key). */
export function findingPlace(f: Finding): string {
  const lines = f.lines && f.lines > 1 ? `–${f.line + f.lines - 1}` : "";
  return `${f.path}:${f.line}${lines}:${f.column}`;
}

/** Why a stored token's finding gets no "Replace with a reference" (null: it does). The same
 *  reasons as core's `leak::reference_unavailable`, which the command checks again. */
export function referenceUnavailable(f: Finding): string | null {
  if (f.kind.type !== "stored") return null;
  switch (f.kind.form) {
    case "as_is":
      return null;
    case "url_encoded":
      return "No reference here: the secret is URL-encoded (part of a URL), and a reference stands for the plain secret.";
    case "base64_basic":
      return "No reference here: this is env0's key id and secret in base64 (HTTP Basic auth), and a reference stands for the secret alone.";
    case "pem_lines":
      return "No reference here: a reference cannot stand for an SSH key file.";
  }
}

/** The toast after a reference was written. */
export function referenceWrittenText(path: string, line: number, reference: string): string {
  const file = path.split(/[\\/]/).pop() || path;
  return `Line ${line} of ${file} now holds ${reference} instead of the secret. The token stays stored; latchkey run and latchkey inject put the secret back when they need it.`;
}

/** The label an imported token gets: "Roboflow token from .bashrc". */
export function importLabel(f: Finding, platformName: (id: string) => string): string {
  const file = f.path.split(/[\\/]/).pop() || f.path;
  const platform = f.kind.type === "stored" || f.kind.type === "revoked" || f.kind.type === "unknown" ? f.kind.platform : "other";
  return `${platformName(platform)} token from ${file}`.slice(0, 80);
}

/** One line under the Scan button about the last report. */
export function reportSummary(r: LeakReport): string {
  const suspected = r.findings.filter((f) => !f.allowed).length;
  const allowed = r.findings.length - suspected;
  const head = r.complete ? "Last scan" : "Last scan (cancelled: partial)";
  const found =
    r.findings.length === 0
      ? "nothing found"
      : `${suspected} suspected leak${suspected === 1 ? "" : "s"}${allowed ? `, ${allowed} allowed` : ""}`;
  return `${head}: ${found} in ${r.files_scanned} file${r.files_scanned === 1 ? "" : "s"} (${bytesText(r.bytes_scanned)}).`;
}

/** The schedule choices of the leak panel ("" is off: scans only on demand). */
export const SCHEDULE_CHOICES: { hours: number | null; label: string }[] = [
  { hours: null, label: "Off (only when I click Scan)" },
  { hours: 6, label: "Every 6 hours" },
  { hours: 24, label: "Every day" },
  { hours: 168, label: "Every week" },
];

/** The choices, with a stored interval that is none of them (set elsewhere) kept as its own. */
export function scheduleChoices(current: number | null | undefined): { hours: number | null; label: string }[] {
  if (current == null || SCHEDULE_CHOICES.some((c) => c.hours === current)) return SCHEDULE_CHOICES;
  return [...SCHEDULE_CHOICES, { hours: current, label: `Every ${current} hours` }];
}

/** When the next scheduled scan runs, as the scheduler plans it (the last finished scan plus
 *  the interval; none yet, or overdue: soon). `null` when scans run only on demand. */
export function nextScanText(hours: number | null | undefined, r: LeakReport | null, now: Date, fmt: (d: Date) => string = (d) => d.toLocaleString()): string | null {
  if (!hours) return null;
  if (!r) return "Next scan: soon (no scan yet).";
  const due = new Date(new Date(r.finished_at).getTime() + hours * 3600_000);
  if (due.getTime() <= now.getTime()) return "Next scan: soon.";
  return `Next scan: ${fmt(due)}. It runs in the background and notifies only about new findings.`;
}
