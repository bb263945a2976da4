import { describe, expect, it } from "vitest";
import { MIN_SLEEP_MS, sleepFor } from "./ticker";

describe("sleepFor", () => {
  const now = 1_000_000;
  it("sleeps until the next change when it is more than a second after the last wake", () => {
    expect(sleepFor(now + 60_000, now, now)).toBe(60_000);
  });
  it("wakes at most once a second however close together the changes are", () => {
    // Twenty countdowns a few hundred ms apart: the next change is 50 ms away.
    expect(sleepFor(now + 50, now, now)).toBe(MIN_SLEEP_MS);
    // A change already due right after a wake waits for the rest of the second.
    expect(sleepFor(now - 10, now + 400, now)).toBe(MIN_SLEEP_MS - 400);
  });
  it("wakes at once for a change already due when the last wake was long ago", () => {
    expect(sleepFor(now - 10, now, now - 5_000)).toBe(0);
  });
  it("never sleeps longer than five minutes", () => {
    expect(sleepFor(now + 3_600_000, now, now)).toBe(5 * 60 * 1000);
  });
});
