// Pure time formatting for the list and the detail pane. No DOM, no clock: callers pass
// `nowMs`, so every function here is deterministic and unit-tested.
//
// Each formatter also says when its text next changes (`nextChangeMs`, absolute ms), so
// one timer for the whole window can sleep until the earliest change of any visible text.

export interface Formatted {
  text: string;
  /** Absolute instant (ms since epoch) at which `text` changes next; Infinity if never. */
  nextChangeMs: number;
}

const S = 1000;
const MIN = 60;
const HOUR = 3600;
const DAY = 86400;
/** From this many days on, a remaining time is shown in whole days only. */
const DAYS_ONLY = 100;
/**
 * "expires in 6 d 4 h", "expires in 5 h 3 m", "expires in 42 m", "expires in 42 s" (seconds
 * only in the last minute, and only while somebody is looking: `watched`),
 * "expires in under 1 m" (the last minute of a window nobody is looking at),
 * "expired just now" (exactly at expiry and for the first minute), "expired 2 d ago".
 *
 * Every change of the text costs WebKit a frame, and a frame of a software-rendered window
 * (VMs, remote desktops, Xvfb) costs 0.1–0.3 s of CPU whatever the size of the change
 * (bench/RESULTS.md): a text that changes every second keeps a core 15–30 % busy. So the text
 * changes once a minute, except in a token's last minute while the window has the focus.
 *
 * The remaining time is rounded up to whole seconds, so the last second before expiry
 * reads "expires in 1 s" and the instant of expiry reads "expired just now".
 */
export function formatCountdown(expiresAtMs: number, nowMs: number, watched = true): Formatted {
  const remaining = expiresAtMs - nowMs;
  if (remaining > 0) {
    const secs = Math.ceil(remaining / S);
    let text: string;
    let step: number; // the text depends on floor(secs / step) only
    if (secs < MIN && !watched) {
      // Nothing changes until expiry.
      return { text: "expires in under 1 m", nextChangeMs: expiresAtMs };
    } else if (secs < MIN) {
      text = `${secs} s`;
      step = 1;
    } else if (secs < HOUR) {
      text = `${Math.floor(secs / MIN)} m`;
      step = MIN;
    } else if (secs < DAY) {
      text = `${Math.floor(secs / HOUR)} h ${Math.floor((secs % HOUR) / MIN)} m`;
      step = MIN;
    } else if (secs < DAYS_ONLY * DAY) {
      text = `${Math.floor(secs / DAY)} d ${Math.floor((secs % DAY) / HOUR)} h`;
      step = HOUR;
    } else {
      text = `${Math.floor(secs / DAY)} d`;
      step = DAY;
    }
    // The text changes when the rounded-up seconds drop below the current step multiple,
    // i.e. once `remaining <= (k*step - 1) s`.
    const nextSecs = Math.floor(secs / step) * step - 1;
    return { text: `expires in ${text}`, nextChangeMs: expiresAtMs - nextSecs * S };
  }
  const since = formatAgo(nowMs - expiresAtMs);
  return {
    text: since.text === "just now" ? "expired just now" : `expired ${since.text} ago`,
    nextChangeMs: expiresAtMs + since.nextInMs,
  };
}

/**
 * An elapsed time, coarsely: "just now" (under a minute), "12 m", "5 h", "95 d".
 * `nextInMs` is the elapsed time (not an instant) at which the text changes.
 */
export function formatAgo(elapsedMs: number): { text: string; nextInMs: number } {
  const secs = Math.max(0, Math.floor(elapsedMs / S));
  if (secs < MIN) return { text: "just now", nextInMs: MIN * S };
  const [unit, name] = secs < HOUR ? [MIN, "m"] : secs < DAY ? [HOUR, "h"] : [DAY, "d"];
  const n = Math.floor(secs / unit);
  return { text: `${n} ${name}`, nextInMs: (n + 1) * unit * S };
}

/** "unused for 95 d" from the instant the token was last used (or stored). */
export function formatUnused(sinceMs: number, nowMs: number): Formatted {
  const a = formatAgo(nowMs - sinceMs);
  const text = a.text === "just now" ? "unused for under a minute" : `unused for ${a.text}`;
  return { text, nextChangeMs: sinceMs + a.nextInMs };
}

/** "Copied · clears in 28 s"; `null` once the clipboard has been cleared. */
export function formatClipboard(clearAtMs: number, nowMs: number): Formatted | null {
  const left = clearAtMs - nowMs;
  if (left <= 0) return null;
  const secs = Math.ceil(left / S);
  return { text: `Copied · clears in ${secs} s`, nextChangeMs: clearAtMs - (secs - 1) * S };
}

/** Seconds left, rounded up (for "hides in N s"), with the instant it next changes. */
export function secondsLeft(atMs: number, nowMs: number): { secs: number; nextChangeMs: number } {
  const secs = Math.max(0, Math.ceil((atMs - nowMs) / S));
  return { secs, nextChangeMs: secs > 0 ? atMs - (secs - 1) * S : Infinity };
}

/** "3 d ago" / "in 5 h" for static timestamps in the detail pane. */
export function relative(atMs: number, nowMs: number): string {
  if (atMs > nowMs) {
    const a = formatAgo(atMs - nowMs);
    return a.text === "just now" ? "in under a minute" : `in ${a.text}`;
  }
  const a = formatAgo(nowMs - atMs);
  return a.text === "just now" ? "just now" : `${a.text} ago`;
}
