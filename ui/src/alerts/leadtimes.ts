// Alert lead times: how long before a token's expiry a desktop alert fires (0 = at expiry).
// Pure: parsing what a person types ("2h, 30m"), formatting it back, and mapping the
// settings' lead_times_secs to the dialog's checkboxes and "Other…" field. No DOM here.

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;
const WEEK = 7 * DAY;

/** Rust's limits (update_settings): at most 10 lead times, each 0..366 days. */
export const MAX_LEAD_TIMES = 10;
export const MAX_LEAD_SECS = 366 * DAY;

export interface StandardLead {
  secs: number;
  /** The checkbox's data-testid. */
  testid: string;
  /** The checkbox's words. */
  label: string;
}

/** The checkboxes of the settings dialog, furthest first (Rust's default is all of them). */
export const STANDARD_LEADS: readonly StandardLead[] = [
  { secs: 14 * DAY, testid: "settings-lead-14d", label: "14 days" },
  { secs: 3 * DAY, testid: "settings-lead-3d", label: "3 days" },
  { secs: DAY, testid: "settings-lead-1d", label: "1 day" },
  { secs: HOUR, testid: "settings-lead-1h", label: "1 hour" },
  { secs: 0, testid: "settings-lead-0", label: "At expiry" },
];

const STANDARD_SECS = new Set(STANDARD_LEADS.map((l) => l.secs));

export function isStandardLead(secs: number): boolean {
  return STANDARD_SECS.has(secs);
}

/** Unit words a person may type, to seconds. */
const UNITS: Record<string, number> = {
  w: WEEK, wk: WEEK, wks: WEEK, week: WEEK, weeks: WEEK,
  d: DAY, day: DAY, days: DAY,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR,
  m: MIN, min: MIN, mins: MIN, minute: MIN, minutes: MIN,
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const PART_RE = /(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)/y;

/**
 * One duration: "2h", "1h 30m", "1d12h", "90 minutes", "1.5h", "0". Units: w, d, h, m, s
 * (and their words). A bare number is refused (is "30" minutes or seconds?), except 0.
 */
export function parseDuration(input: string): Parsed<number> {
  const text = input.trim().toLowerCase();
  if (!text) return { ok: false, error: "Enter a time such as 2h or 30m." };
  if (/^0+(?:\.0*)?$/.test(text)) return { ok: true, value: 0 };
  if (/^\d+(?:\.\d+)?$/.test(text)) return { ok: false, error: `Add a unit to “${input.trim()}”: d, h, m or s (for example ${text}m).` };
  if (text.startsWith("-")) return { ok: false, error: `“${input.trim()}” is negative; alerts can only come before the expiry.` };
  let total = 0;
  let pos = 0;
  const seen = new Set<number>();
  while (pos < text.length) {
    PART_RE.lastIndex = pos;
    const m = PART_RE.exec(text);
    if (!m) return { ok: false, error: `“${input.trim()}” is not a time. Use numbers with d, h, m or s, such as 2h or 1d 12h.` };
    const unit = UNITS[m[2]];
    if (unit === undefined) return { ok: false, error: `“${m[2]}” in “${input.trim()}” is not a unit. Use d (days), h (hours), m (minutes) or s (seconds).` };
    if (seen.has(unit)) return { ok: false, error: `“${input.trim()}” gives the same unit twice.` };
    seen.add(unit);
    total += Number(m[1]) * unit;
    pos = PART_RE.lastIndex;
    while (text[pos] === " ") pos++;
  }
  const secs = Math.round(total);
  if (Math.abs(total - secs) > 1e-6) return { ok: false, error: `“${input.trim()}” is not a whole number of seconds.` };
  if (secs > MAX_LEAD_SECS) return { ok: false, error: `“${input.trim()}” is too far ahead: alerts can come at most 366 days before expiry.` };
  return { ok: true, value: secs };
}

/**
 * The "Other…" field: durations separated by commas or semicolons ("2h, 30m, 10s").
 * Empty is fine (no extra times). Duplicates collapse; the result is furthest first.
 */
export function parseLeadTimes(input: string): Parsed<number[]> {
  const items = input
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const out = new Set<number>();
  for (const item of items) {
    const p = parseDuration(item);
    if (!p.ok) return p;
    out.add(p.value);
  }
  return { ok: true, value: sortLeads([...out]) };
}

/** Furthest first, no duplicates. */
export function sortLeads(secs: number[]): number[] {
  return [...new Set(secs)].sort((a, b) => b - a);
}

/** Compact, and parseable again: "2h", "1h 30m", "14d", "1d 2h 3m 4s", "0". */
export function formatDuration(secs: number): string {
  if (secs <= 0) return "0";
  const parts: string[] = [];
  let left = Math.round(secs);
  for (const [unit, name] of [[DAY, "d"], [HOUR, "h"], [MIN, "m"], [1, "s"]] as const) {
    const n = Math.floor(left / unit);
    if (n > 0) parts.push(`${n}${name}`);
    left -= n * unit;
  }
  return parts.join(" ");
}

/** What the "Other…" field shows for these lead times: "2h, 30m, 10s" (furthest first). */
export function formatLeadTimes(secs: number[]): string {
  return sortLeads(secs).map(formatDuration).join(", ");
}

/** In words, for people: "2 hours", "1 day 12 hours", "30 seconds", "at expiry". */
export function describeLead(secs: number): string {
  if (secs <= 0) return "at expiry";
  const parts: string[] = [];
  let left = Math.round(secs);
  for (const [unit, name] of [[DAY, "day"], [HOUR, "hour"], [MIN, "minute"], [1, "second"]] as const) {
    const n = Math.floor(left / unit);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? "" : "s"}`);
    left -= n * unit;
  }
  return parts.join(" ");
}

/** "2 hours, 30 minutes and 10 seconds before expiry" / "… and at expiry". */
export function describeLeads(secs: number[]): string {
  const sorted = sortLeads(secs);
  if (sorted.length === 0) return "no expiry alerts";
  const before = sorted.filter((s) => s > 0).map(describeLead);
  const parts = before.length ? [`${joinWords(before)} before expiry`] : [];
  if (sorted.includes(0)) parts.push("at expiry");
  return joinWords(parts);
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** The settings' lead times split into the checkboxes ticked and the rest ("Other…"). */
export function splitLeadTimes(leads: number[]): { standard: Set<number>; custom: number[] } {
  const standard = new Set<number>();
  const custom: number[] = [];
  for (const s of sortLeads(leads)) (isStandardLead(s) ? standard.add(s) : custom.push(s));
  return { standard, custom };
}

/**
 * What the dialog sends: the ticked checkboxes plus the "Other…" field, furthest first.
 * Refuses what Rust would refuse (more than 10 times), with words for the dialog.
 */
export function joinLeadTimes(ticked: Iterable<number>, customText: string): Parsed<number[]> {
  const custom = parseLeadTimes(customText);
  if (!custom.ok) return custom;
  const all = sortLeads([...ticked, ...custom.value]);
  if (all.length > MAX_LEAD_TIMES) {
    return { ok: false, error: `Choose at most ${MAX_LEAD_TIMES} alert times (there are ${all.length}).` };
  }
  return { ok: true, value: all };
}

/** The note under the lead times: what will happen, or what is wrong with what was typed. */
export function leadSummary(all: Parsed<number[]>): { text: string; error: boolean } {
  if (!all.ok) return { text: all.error, error: true };
  return { text: all.value.length ? `Alerts ${describeLeads(all.value)}.` : "No alerts before expiry. Tick a time or type one.", error: false };
}
