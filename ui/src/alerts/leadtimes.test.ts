import { describe, expect, it } from "vitest";
import {
  describeLead,
  describeLeads,
  formatDuration,
  formatLeadTimes,
  joinLeadTimes,
  leadSummary,
  parseDuration,
  parseLeadTimes,
  splitLeadTimes,
  STANDARD_LEADS,
} from "./leadtimes";

const DAY = 86400;
const ok = <T>(value: T) => ({ ok: true, value });
const err = (p: { ok: boolean; error?: string }) => (p.ok ? null : p.error);

describe("parseDuration", () => {
  it("reads d, h, m, s and w", () => {
    expect(parseDuration("2h")).toEqual(ok(7200));
    expect(parseDuration("30m")).toEqual(ok(1800));
    expect(parseDuration("10s")).toEqual(ok(10));
    expect(parseDuration("3d")).toEqual(ok(3 * DAY));
    expect(parseDuration("2w")).toEqual(ok(14 * DAY));
  });
  it("reads unit words, spaces, capitals and combinations", () => {
    expect(parseDuration(" 90 Minutes ")).toEqual(ok(5400));
    expect(parseDuration("1 day")).toEqual(ok(DAY));
    expect(parseDuration("1h 30m")).toEqual(ok(5400));
    expect(parseDuration("1d12h")).toEqual(ok(1.5 * DAY));
    expect(parseDuration("2 hrs 5 secs")).toEqual(ok(7205));
  });
  it("reads fractions that make whole seconds", () => {
    expect(parseDuration("1.5h")).toEqual(ok(5400));
    expect(parseDuration(".5m")).toEqual(ok(30));
    expect(err(parseDuration("0.5s"))).toMatch(/whole number of seconds/);
  });
  it("takes a bare zero as at expiry, and refuses other bare numbers", () => {
    expect(parseDuration("0")).toEqual(ok(0));
    expect(parseDuration("0s")).toEqual(ok(0));
    expect(err(parseDuration("30"))).toMatch(/Add a unit to “30”/);
  });
  it("refuses nonsense with a message that names it", () => {
    expect(err(parseDuration(""))).toMatch(/Enter a time/);
    expect(err(parseDuration("soon"))).toMatch(/“soon” is not a time/);
    expect(err(parseDuration("2x"))).toMatch(/“x” in “2x” is not a unit/);
    expect(err(parseDuration("3 months"))).toMatch(/not a unit/);
    expect(err(parseDuration("-2h"))).toMatch(/negative/);
    expect(err(parseDuration("2h 1h"))).toMatch(/same unit twice/);
    expect(err(parseDuration("h2"))).toMatch(/not a time/);
    expect(err(parseDuration("2h!"))).toMatch(/not a time/);
  });
  it("refuses more than 366 days, as Rust does", () => {
    expect(parseDuration("366d")).toEqual(ok(366 * DAY));
    expect(err(parseDuration("367d"))).toMatch(/at most 366 days/);
    expect(err(parseDuration("53w"))).toMatch(/at most 366 days/);
  });
});

describe("parseLeadTimes", () => {
  it("reads a list, furthest first, without duplicates", () => {
    expect(parseLeadTimes("2h, 30m, 10s")).toEqual(ok([7200, 1800, 10]));
    expect(parseLeadTimes("10s; 2h,,30m, 120m")).toEqual(ok([7200, 1800, 10]));
  });
  it("is empty for an empty field", () => {
    expect(parseLeadTimes("")).toEqual(ok([]));
    expect(parseLeadTimes("  ,  ")).toEqual(ok([]));
  });
  it("fails on the first bad item", () => {
    expect(err(parseLeadTimes("2h, banana, 3m"))).toMatch(/“banana”/);
  });
});

describe("formatting", () => {
  it("formats compactly, and parses back to the same seconds", () => {
    for (const [secs, text] of [
      [0, "0"],
      [10, "10s"],
      [1800, "30m"],
      [5400, "1h 30m"],
      [DAY, "1d"],
      [14 * DAY, "14d"],
      [DAY + 2 * 3600 + 3 * 60 + 4, "1d 2h 3m 4s"],
    ] as const) {
      expect(formatDuration(secs)).toBe(text);
      expect(parseDuration(text)).toEqual(ok(secs));
    }
  });
  it("shows a list back furthest first", () => {
    expect(formatLeadTimes([10, 7200, 1800, 7200])).toBe("2h, 30m, 10s");
    expect(formatLeadTimes([])).toBe("");
  });
  it("describes lead times in words", () => {
    expect(describeLead(0)).toBe("at expiry");
    expect(describeLead(3600)).toBe("1 hour");
    expect(describeLead(DAY + 7200)).toBe("1 day 2 hours");
    expect(describeLeads([0, 3600, 14 * DAY])).toBe("14 days and 1 hour before expiry and at expiry");
    expect(describeLeads([10, 1800, 7200])).toBe("2 hours, 30 minutes and 10 seconds before expiry");
    expect(describeLeads([0])).toBe("at expiry");
    expect(describeLeads([])).toBe("no expiry alerts");
  });
});

describe("mapping to the dialog", () => {
  it("has the five standard checkboxes, Rust's default", () => {
    expect(STANDARD_LEADS.map((l) => l.secs)).toEqual([1209600, 259200, 86400, 3600, 0]);
    expect(STANDARD_LEADS.map((l) => l.testid)).toEqual(["settings-lead-14d", "settings-lead-3d", "settings-lead-1d", "settings-lead-1h", "settings-lead-0"]);
  });
  it("splits lead times into ticked checkboxes and the Other… field", () => {
    const { standard, custom } = splitLeadTimes([0, 10, 86400, 7200, 1209600]);
    expect([...standard].sort((a, b) => a - b)).toEqual([0, 86400, 1209600]);
    expect(custom).toEqual([7200, 10]);
    expect(formatLeadTimes(custom)).toBe("2h, 10s");
  });
  it("joins checkboxes and the field, furthest first, merging duplicates", () => {
    expect(joinLeadTimes([3600, 0], "2h, 1h, 10s")).toEqual(ok([7200, 3600, 10, 0]));
    expect(joinLeadTimes([], "")).toEqual(ok([]));
  });
  it("round-trips the default and custom settings", () => {
    for (const leads of [[1209600, 259200, 86400, 3600, 0], [10, 0], [7200, 1800, 10], []]) {
      const { standard, custom } = splitLeadTimes(leads);
      expect(joinLeadTimes(standard, formatLeadTimes(custom))).toEqual(ok([...leads].sort((a, b) => b - a)));
    }
  });
  it("refuses more than ten times, and passes on the field's error", () => {
    const five = STANDARD_LEADS.map((l) => l.secs);
    expect(joinLeadTimes(five, "1m, 2m, 3m, 4m, 5m").ok).toBe(true);
    expect(err(joinLeadTimes(five, "1m, 2m, 3m, 4m, 5m, 6m"))).toBe("Choose at most 10 alert times (there are 11).");
    expect(err(joinLeadTimes(five, "2q"))).toMatch(/not a unit/);
  });
});

describe("leadSummary", () => {
  it("says what will happen, or what is wrong", () => {
    expect(leadSummary({ ok: true, value: [] })).toEqual({ text: "No alerts before expiry. Tick a time or type one.", error: false });
    expect(leadSummary({ ok: true, value: [86400] })).toEqual({ text: `Alerts ${describeLeads([86400])}.`, error: false });
    expect(leadSummary({ ok: false, error: "bad" })).toEqual({ text: "bad", error: true });
  });
});
