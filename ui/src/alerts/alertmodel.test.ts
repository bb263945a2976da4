import { describe, expect, it } from "vitest";
import { addAlerts, isInAppAlert, MAX_ALERTS, nextSnoozeEnd, snoozedUntilMs, visibleAlerts, type InAppAlert, type ShownAlert } from "./alertmodel";

const NOW = Date.parse("2026-06-01T12:00:00Z");

describe("snoozes", () => {
  it("is snoozed only until the instant given", () => {
    expect(snoozedUntilMs({}, NOW)).toBeNull();
    expect(snoozedUntilMs({ snoozed_until: "2026-06-02T12:00:00Z" }, NOW)).toBe(NOW + 86400e3);
    expect(snoozedUntilMs({ snoozed_until: "2026-06-01T12:00:00Z" }, NOW)).toBeNull();
    expect(snoozedUntilMs({ snoozed_until: "2026-05-01T00:00:00Z" }, NOW)).toBeNull();
    expect(snoozedUntilMs({ snoozed_until: "not a date" }, NOW)).toBeNull();
  });
  it("wakes at the soonest snooze still running", () => {
    const rs = [{}, { snoozed_until: "2026-06-08T12:00:00Z" }, { snoozed_until: "2026-06-02T12:00:00Z" }, { snoozed_until: "2026-05-01T00:00:00Z" }];
    expect(nextSnoozeEnd(rs, NOW)).toBe(NOW + 86400e3);
    expect(nextSnoozeEnd([{}], NOW)).toBe(Infinity);
  });
});

const alert = (title: string, token?: string): InAppAlert => ({ notification: { title, body: `${title} body`, token }, why: "No notification service" });

describe("the in-app alert stack", () => {
  let k = 0;
  const key = () => ++k;
  const titles = (s: ShownAlert[]) => s.map((a) => a.notification.title);

  it("puts the newest first", () => {
    const s = addAlerts(addAlerts([], [alert("a"), alert("b")], key, NOW), [alert("c")], key, NOW + 1);
    expect(titles(s)).toEqual(["c", "b", "a"]);
    expect(new Set(s.map((a) => a.key)).size).toBe(3);
  });
  it("shows an alert that arrives twice once, on top", () => {
    const s = addAlerts(addAlerts([], [alert("a", "t1"), alert("b")], key, NOW), [alert("a", "t1")], key, NOW);
    expect(titles(s)).toEqual(["a", "b"]);
    expect(titles(addAlerts(s, [alert("a", "t2")], key, NOW))).toEqual(["a", "a", "b"]);
  });
  it("ignores payloads that are not alerts", () => {
    expect(isInAppAlert({ why: "x" })).toBe(false);
    expect(isInAppAlert(null)).toBe(false);
    expect(isInAppAlert(alert("a"))).toBe(true);
    expect(addAlerts([], [{ nonsense: true } as unknown as InAppAlert], key, NOW)).toEqual([]);
  });
  it("keeps at most MAX_ALERTS", () => {
    const many = Array.from({ length: MAX_ALERTS + 5 }, (_, i) => alert(`n${i}`));
    const s = addAlerts([], many, key, NOW);
    expect(s.length).toBe(MAX_ALERTS);
    expect(s[0].notification.title).toBe(`n${MAX_ALERTS + 4}`);
  });
  it("collapses all but the three newest into a count unless expanded", () => {
    const s = addAlerts([], ["a", "b", "c", "d", "e"].map((t) => alert(t)), key, NOW);
    expect(titles(visibleAlerts(s, false).shown)).toEqual(["e", "d", "c"]);
    expect(visibleAlerts(s, false).more).toBe(2);
    expect(visibleAlerts(s, true)).toEqual({ shown: s, more: 0 });
    expect(visibleAlerts(s.slice(0, 3), false).more).toBe(0);
  });
});
