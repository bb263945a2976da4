import { afterEach, describe, expect, it } from "vitest";
import { DateInputError, localExpiryToUtc, toRfc3339, utcToLocalInputs } from "./dates";

// The tests run in Node (no @types/node here): just the part of `process` they use.
declare const process: { env: Record<string, string | undefined> };

// Node re-reads process.env.TZ whenever it is assigned, so each test picks its zone.
const original = process.env.TZ;
afterEach(() => {
  process.env.TZ = original;
});
function inZone(tz: string) {
  process.env.TZ = tz;
}

describe("localExpiryToUtc", () => {
  it("is undefined when both inputs are empty", () => {
    inZone("Europe/Berlin");
    expect(localExpiryToUtc("", "")).toBeUndefined();
    expect(localExpiryToUtc("  ", "")).toBeUndefined();
  });

  it("treats a date alone as the end of that local day", () => {
    inZone("UTC");
    expect(localExpiryToUtc("2026-12-31", "")).toBe("2026-12-31T23:59:59Z");
    inZone("Europe/Berlin"); // UTC+1 in winter
    expect(localExpiryToUtc("2026-12-31", "")).toBe("2026-12-31T22:59:59Z");
    inZone("America/New_York"); // UTC-5 in winter
    expect(localExpiryToUtc("2026-12-31", "")).toBe("2027-01-01T04:59:59Z");
    inZone("Asia/Kolkata"); // UTC+5:30
    expect(localExpiryToUtc("2026-12-31", "")).toBe("2026-12-31T18:29:59Z");
    inZone("Pacific/Kiritimati"); // UTC+14
    expect(localExpiryToUtc("2026-12-31", "")).toBe("2026-12-31T09:59:59Z");
  });

  it("uses the given local time", () => {
    inZone("Europe/Berlin"); // UTC+2 in summer
    expect(localExpiryToUtc("2026-07-01", "09:30")).toBe("2026-07-01T07:30:00Z");
    expect(localExpiryToUtc("2026-07-01", "09:30:15")).toBe("2026-07-01T07:30:15Z");
    inZone("Australia/Adelaide"); // UTC+10:30 in January (DST)
    expect(localExpiryToUtc("2026-01-15", "00:00")).toBe("2026-01-14T13:30:00Z");
    inZone("America/Los_Angeles");
    expect(localExpiryToUtc("2026-03-08", "12:00")).toBe("2026-03-08T19:00:00Z"); // PDT, UTC-7
    expect(localExpiryToUtc("2026-03-07", "12:00")).toBe("2026-03-07T20:00:00Z"); // PST, UTC-8
  });

  it("handles the leap day", () => {
    inZone("America/New_York");
    expect(localExpiryToUtc("2028-02-29", "")).toBe("2028-03-01T04:59:59Z");
    inZone("UTC");
    expect(() => localExpiryToUtc("2027-02-29", "")).toThrow(DateInputError);
  });

  it("moves a time skipped by daylight saving forward", () => {
    inZone("Europe/Berlin"); // 2026-03-29 02:00 -> 03:00
    expect(localExpiryToUtc("2026-03-29", "02:30")).toBe("2026-03-29T01:30:00Z");
  });

  it("explains bad input and names the field", () => {
    inZone("UTC");
    const cases: [string, string, "date" | "time"][] = [
      ["", "10:00", "date"],
      ["31.12.2026", "", "date"],
      ["2026-13-01", "", "date"],
      ["2026-04-31", "", "date"],
      ["2026-04-30", "25:00", "time"],
      ["2026-04-30", "noon", "time"],
    ];
    for (const [d, t, field] of cases) {
      try {
        localExpiryToUtc(d, t);
        expect.unreachable(`${d} ${t}`);
      } catch (e) {
        expect(e).toBeInstanceOf(DateInputError);
        expect((e as DateInputError).field).toBe(field);
        expect((e as Error).message.length).toBeGreaterThan(10);
      }
    }
  });
});

describe("utcToLocalInputs", () => {
  it("round-trips with localExpiryToUtc in several zones", () => {
    for (const tz of ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]) {
      inZone(tz);
      for (const [d, t] of [
        ["2026-12-31", ""],
        ["2026-07-01", "09:30"],
        ["2028-02-29", "18:05:07"],
      ]) {
        const iso = localExpiryToUtc(d, t)!;
        expect(utcToLocalInputs(iso), `${tz} ${d} ${t}`).toEqual({ date: d, time: t });
      }
    }
  });

  it("is empty for no expiry", () => {
    expect(utcToLocalInputs(undefined)).toEqual({ date: "", time: "" });
  });

  it("shows a UTC instant on the local calendar", () => {
    inZone("Asia/Tokyo");
    expect(utcToLocalInputs("2026-12-31T20:00:00Z")).toEqual({ date: "2027-01-01", time: "05:00" });
  });
});

describe("toRfc3339", () => {
  it("drops milliseconds and pads", () => {
    expect(toRfc3339(new Date(Date.UTC(999, 0, 2, 3, 4, 5, 678)))).toBe("0999-01-02T03:04:05Z");
  });
});
