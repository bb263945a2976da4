// One timer for the whole window. Every live text (countdowns, "clears in N s", "hides in
// N s") registers a source that updates its text for `now` and returns the instant its
// text next changes. The timer sleeps until the earliest of those instants, not a fixed
// interval, and stops while the window is hidden.
//
// It wakes at most once a second: twenty tokens in their last ten minutes, stored a few
// hundred milliseconds apart, change their seconds at twenty different instants, and each
// wake costs WebKit a frame (under software rendering ~0.1 s of CPU). One wake updates every
// text that changed since the last, so a text is at most a second late.

export type TickSource = (nowMs: number) => number;

const sources: TickSource[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
/** Sleep at most this long, so a suspended laptop catches up soon after waking. */
const MAX_SLEEP_MS = 5 * 60 * 1000;
/** The shortest time between two wakes of the timer. */
export const MIN_SLEEP_MS = 1000;
let lastWake = -Infinity;

export function addTickSource(s: TickSource): void {
  sources.push(s);
}

/** Update every live text now and sleep until the next change. Safe to call any time. */
export function tick(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (document.hidden) return;
  const now = Date.now();
  lastWake = now;
  let next = Infinity;
  for (const s of sources) next = Math.min(next, s(now));
  if (next === Infinity) return;
  timer = setTimeout(tick, sleepFor(next, now, lastWake));
}

/** How long to sleep, at `now`, for a text changing at `next` when the timer last woke at
 *  `last`: until the change, but not sooner than MIN_SLEEP_MS after the last wake. */
export function sleepFor(next: number, now: number, last: number): number {
  const earliest = last + MIN_SLEEP_MS;
  return Math.min(Math.max(next, earliest, now) - now, MAX_SLEEP_MS);
}

/** Whether somebody is looking: the window has the keyboard focus. Countdowns show seconds
 *  only then (see formatCountdown). */
export function watched(): boolean {
  return document.hasFocus();
}

export function startTicker(): void {
  document.addEventListener("visibilitychange", tick);
  window.addEventListener("focus", tick);
  window.addEventListener("blur", tick);
  tick();
}
