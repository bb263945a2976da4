// One timer for the whole window. Every live text (countdowns, "clears in N s", "hides in
// N s") registers a source that updates its text for `now` and returns the instant its
// text next changes. The timer sleeps until the earliest of those instants, not a fixed
// interval, and stops while the window is hidden.

export type TickSource = (nowMs: number) => number;

const sources: TickSource[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
/** Sleep at most this long, so a suspended laptop catches up soon after waking. */
const MAX_SLEEP_MS = 5 * 60 * 1000;

export function addTickSource(s: TickSource): void {
  sources.push(s);
}

/** Update every live text now and sleep until the next change. Safe to call any time. */
export function tick(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (document.hidden) return;
  const now = Date.now();
  let next = Infinity;
  for (const s of sources) next = Math.min(next, s(now));
  if (next === Infinity) return;
  const delay = Math.min(Math.max(next - now, 0), MAX_SLEEP_MS);
  timer = setTimeout(tick, delay);
}

export function startTicker(): void {
  document.addEventListener("visibilitychange", tick);
  tick();
}
