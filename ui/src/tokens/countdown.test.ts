import { describe, expect, it } from "vitest";
import { formatAgo, formatClipboard, formatCountdown, formatUnused, relative, secondsLeft } from "./countdown";

const T = Date.parse("2026-06-15T12:00:00Z");
const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

/** Asserts the text, and that it really changes at nextChangeMs and not one ms before. */
function check(exp: number, now: number, text: string) {
  const f = formatCountdown(exp, now);
  expect(f.text).toBe(text);
  expect(f.nextChangeMs).toBeGreaterThan(now);
  expect(formatCountdown(exp, f.nextChangeMs - 1).text).toBe(text);
  expect(formatCountdown(exp, f.nextChangeMs).text).not.toBe(text);
  return f;
}

describe("formatCountdown", () => {
  it("reads 'expired just now' exactly at expiry", () => {
    const f = check(T, T, "expired just now");
    expect(f.nextChangeMs).toBe(T + m);
    expect(formatCountdown(T, T + m).text).toBe("expired 1 m ago");
  });

  it("reads 1 s in the last second", () => {
    const f = check(T, T - s, "expires in 1 s");
    expect(f.nextChangeMs).toBe(T);
    expect(formatCountdown(T, T - 1).text).toBe("expires in 1 s");
    expect(formatCountdown(T, T - s - 1).text).toBe("expires in 2 s");
  });

  it("switches from seconds to minutes at 60 s", () => {
    check(T, T - 59 * s, "expires in 59 s");
    const f = check(T, T - 60 * s, "expires in 1 m");
    expect(f.nextChangeMs).toBe(T - 59 * s);
  });

  it("shows whole minutes from 1 m to the hour, changing once a minute", () => {
    check(T, T - (4 * m + 10 * s), "expires in 4 m");
    const f = check(T, T - (9 * m + 59 * s), "expires in 9 m");
    expect(f.nextChangeMs).toBe(T - 9 * m + s);
    expect(formatCountdown(T, f.nextChangeMs).text).toBe("expires in 8 m");
    const g = check(T, T - (42 * m + 30 * s), "expires in 42 m");
    expect(g.nextChangeMs).toBe(T - 42 * m + s);
    check(T, T - (59 * m + 59 * s), "expires in 59 m");
  });

  it("switches to hours and minutes at one hour", () => {
    const f = check(T, T - h, "expires in 1 h 0 m");
    expect(f.nextChangeMs).toBe(T - h + s);
    check(T, T - (5 * h + 3 * m + 30 * s), "expires in 5 h 3 m");
  });

  it("switches from 23 h 59 m to 1 d 0 h at one day", () => {
    const f = check(T, T - (23 * h + 59 * m + 59 * s), "expires in 23 h 59 m");
    expect(f.nextChangeMs).toBe(T - (23 * h + 59 * m) + s);
    const g = check(T, T - d, "expires in 1 d 0 h");
    expect(g.nextChangeMs).toBe(T - d + s);
    expect(formatCountdown(T, T - d + s).text).toBe("expires in 23 h 59 m");
    check(T, T - (6 * d + 4 * h + 20 * m), "expires in 6 d 4 h");
  });

  it("shows only days from 100 days on", () => {
    check(T, T - (99 * d + 23 * h + 30 * m), "expires in 99 d 23 h");
    const f = check(T, T - 100 * d, "expires in 100 d");
    expect(f.nextChangeMs).toBe(T - 100 * d + s);
    check(T, T - (400 * d + 5 * h), "expires in 400 d");
  });

  it("counts past expiry in minutes, hours and days", () => {
    check(T, T + 59 * s, "expired just now");
    check(T, T + 5 * m + 30 * s, "expired 5 m ago");
    check(T, T + 3 * h, "expired 3 h ago");
    const f = check(T, T + 2 * d + 5 * h, "expired 2 d ago");
    expect(f.nextChangeMs).toBe(T + 3 * d);
    check(T, T + 150 * d, "expired 150 d ago");
  });

  it("counts the leap day as a real day", () => {
    const exp = Date.parse("2028-03-01T00:00:00Z");
    check(exp, Date.parse("2028-02-28T00:00:00Z"), "expires in 2 d 0 h");
    check(exp, Date.parse("2028-02-29T12:00:00Z"), "expires in 12 h 0 m");
    check(exp, Date.parse("2028-02-01T00:00:00Z"), "expires in 29 d 0 h");
    // Not a leap year: one day less over the same calendar span.
    check(Date.parse("2027-03-01T00:00:00Z"), Date.parse("2027-02-01T00:00:00Z"), "expires in 28 d 0 h");
  });

  it("never asks to wake up in the past, over a long walk", () => {
    let now = T - 3 * d - 1234;
    let steps = 0;
    while (now < T + 2 * h) {
      const f = formatCountdown(T, now);
      expect(f.nextChangeMs).toBeGreaterThan(now);
      now = f.nextChangeMs;
      steps++;
    }
    // One step per distinct text: 3 d 0 h..1 d 0 h (49), 23 h 59 m..1 h 0 m (1380),
    // 59 m..1 m (59), 59 s..1 s (59), then "just now", 1..59 m ago and 1 h ago (61).
    expect(steps).toBe(49 + 1380 + 59 + 59 + 61);
  });

  it("does not count seconds in a window nobody is looking at", () => {
    const f = formatCountdown(T, T - 42 * s, false);
    expect(f).toEqual({ text: "expires in under 1 m", nextChangeMs: T });
    expect(formatCountdown(T, T, false).text).toBe("expired just now");
    // Minutes read the same whether or not the window is watched.
    expect(formatCountdown(T, T - 5 * m, false)).toEqual(formatCountdown(T, T - 5 * m, true));
  });
});

describe("other formatters", () => {
  it("formatAgo", () => {
    expect(formatAgo(0)).toEqual({ text: "just now", nextInMs: m });
    expect(formatAgo(95 * d + 3 * h)).toEqual({ text: "95 d", nextInMs: 96 * d });
    expect(formatAgo(-5)).toEqual({ text: "just now", nextInMs: m });
  });

  it("formatUnused", () => {
    expect(formatUnused(T - 95 * d, T)).toEqual({ text: "unused for 95 d", nextChangeMs: T + d });
  });

  it("formatClipboard counts down then disappears", () => {
    const clearAt = T + 30 * s;
    expect(formatClipboard(clearAt, T)).toEqual({ text: "Copied · clears in 30 s", nextChangeMs: T + s });
    expect(formatClipboard(clearAt, T + 29.5 * s)?.text).toBe("Copied · clears in 1 s");
    expect(formatClipboard(clearAt, clearAt)).toBeNull();
  });

  it("secondsLeft", () => {
    expect(secondsLeft(T + 30 * s, T)).toEqual({ secs: 30, nextChangeMs: T + s });
    expect(secondsLeft(T, T)).toEqual({ secs: 0, nextChangeMs: Infinity });
  });

  it("relative", () => {
    expect(relative(T - 3 * d, T)).toBe("3 d ago");
    expect(relative(T + 5 * h, T)).toBe("in 5 h");
    expect(relative(T, T)).toBe("just now");
  });
});
