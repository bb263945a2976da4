import { describe, expect, it } from "vitest";
import type { Finding } from "../bindings/Finding";
import type { LeakReport } from "../bindings/LeakReport";
import { bytesText, findingPlace, findingTitle, foldersFromText, importLabel, nextScanText, placesFrom, progressPercent, progressText, referenceUnavailable, referenceWrittenText, reportSummary, scheduleChoices } from "./leakmodel";

const name = (id: string) => ({ cvat: "CVAT", roboflow: "Roboflow", env0: "env0" })[id] ?? id;

function finding(over: Partial<Finding> = {}): Finding {
  return {
    kind: { type: "stored", token_id: "1", platform: "cvat", label: "CI", form: "as_is" },
    path: "/home/u/.bash_history",
    line: 3,
    column: 31,
    excerpt: "curl -H 'Authorization: Token ••••ab12'",
    allowed: false,
    ...over,
  };
}

describe("places", () => {
  it("takes one folder per line, trimmed, without blanks or repeats", () => {
    expect(foldersFromText(" ~/src/a \n\n~/src/b\r\n~/src/a\n  ")).toEqual(["~/src/a", "~/src/b"]);
  });
  it("keeps what the form does not show", () => {
    const old = { home_defaults: true, folders: [], include_ignored: false, schedule_hours: 24 };
    expect(placesFrom(false, "~/p", true, old)).toEqual({ home_defaults: false, folders: ["~/p"], include_ignored: true, schedule_hours: 24 });
  });
});

describe("progress", () => {
  it("counts bytes, then files, and says when it is still listing", () => {
    expect(progressPercent({ files_scanned: 1, files_total: 4, bytes_scanned: 50, bytes_total: 200, current_path: "" })).toBe(25);
    expect(progressPercent({ files_scanned: 1, files_total: 4, bytes_scanned: 0, bytes_total: 0, current_path: "" })).toBe(25);
    expect(progressPercent({ files_scanned: 0, files_total: 0, bytes_scanned: 0, bytes_total: 0, current_path: "" })).toBeNull();
    expect(progressText({ files_scanned: 0, files_total: 0, bytes_scanned: 0, bytes_total: 0, current_path: "" })).toBe("Listing files…");
    expect(progressText({ files_scanned: 3, files_total: 0, bytes_scanned: 2048, bytes_total: 0, current_path: "" })).toBe(
      "3 files, 2 KB scanned…",
    );
    expect(progressText({ files_scanned: 2, files_total: 9, bytes_scanned: 2048, bytes_total: 3 * 1024 ** 2, current_path: "" })).toBe(
      "2 of 9 files, 2 KB of 3.0 MB",
    );
  });
  it("formats sizes", () => {
    expect(bytesText(12)).toBe("12 B");
    expect(bytesText(5 * 1024 ** 3)).toBe("5.00 GB");
  });
});

describe("findings", () => {
  it("says what was found where", () => {
    expect(findingTitle(finding(), name)).toBe("CVAT token “CI” (as it is)");
    expect(findingTitle(finding({ kind: { type: "unknown", platform: "roboflow", reason: "r" } }), name)).toBe(
      "Unknown Roboflow token, not in Latchkey",
    );
    expect(findingTitle(finding({ kind: { type: "revoked", token_id: "2", platform: "env0", label: "old" } }), name)).toBe(
      "Revoked env0 token “old” still here",
    );
    expect(findingPlace(finding())).toBe("/home/u/.bash_history:3:31");
    expect(findingPlace(finding({ line: 4, column: 1, lines: 3 }))).toBe("/home/u/.bash_history:4–6:1");
  });
  it("names an imported token after its platform and file", () => {
    expect(importLabel(finding({ kind: { type: "unknown", platform: "roboflow", reason: "r" }, path: "/h/.bashrc" }), name)).toBe(
      "Roboflow token from .bashrc",
    );
  });
  it("summarises a report", () => {
    const r: LeakReport = {
      started_at: "2026-11-26T00:00:00Z",
      finished_at: "2026-11-26T00:00:01Z",
      complete: true,
      files_scanned: 12,
      bytes_scanned: 2048,
      binary_skipped: 0,
      tokens_searched: 3,
      findings: [finding(), finding({ allowed: true })],
      issues: [],
      issues_dropped: 0,
    };
    expect(reportSummary(r)).toBe("Last scan: 1 suspected leak, 1 allowed in 12 files (2 KB).");
    expect(reportSummary({ ...r, complete: false, findings: [] })).toBe("Last scan (cancelled: partial): nothing found in 12 files (2 KB).");
  });
});

describe("schedule", () => {
  const r = (finished: string): LeakReport => ({
    started_at: finished,
    finished_at: finished,
    complete: true,
    files_scanned: 1,
    bytes_scanned: 1,
    binary_skipped: 0,
    tokens_searched: 1,
    findings: [],
    issues: [],
    issues_dropped: 0,
  });
  const iso = (d: Date) => d.toISOString();
  it("offers off, 6 h, daily, weekly, and keeps an interval set elsewhere", () => {
    expect(scheduleChoices(null).map((c) => c.hours)).toEqual([null, 6, 24, 168]);
    expect(scheduleChoices(24).map((c) => c.hours)).toEqual([null, 6, 24, 168]);
    expect(scheduleChoices(12).map((c) => c.label)).toContain("Every 12 hours");
  });
  it("says when the next scan runs", () => {
    const now = new Date("2026-11-26T10:00:00Z");
    expect(nextScanText(null, r("2026-11-26T09:00:00Z"), now)).toBeNull();
    expect(nextScanText(6, null, now)).toBe("Next scan: soon (no scan yet).");
    expect(nextScanText(6, r("2026-11-26T09:00:00Z"), now, iso)).toContain("Next scan: 2026-11-26T15:00:00.000Z.");
    expect(nextScanText(6, r("2026-11-26T01:00:00Z"), now)).toBe("Next scan: soon.");
  });
});

describe("replace with a reference", () => {
  it("is offered for the plain secret of a stored token only, with the reason otherwise", () => {
    expect(referenceUnavailable(finding())).toBeNull();
    const form = (f: "url_encoded" | "base64_basic" | "pem_lines") => finding({ kind: { type: "stored", token_id: "1", platform: "env0", label: "k", form: f } });
    expect(referenceUnavailable(form("url_encoded"))).toContain("URL-encoded");
    expect(referenceUnavailable(form("base64_basic"))).toContain("HTTP Basic");
    expect(referenceUnavailable(form("pem_lines"))).toContain("SSH key");
  });
  it("says what was written and that run and inject resolve it", () => {
    const t = referenceWrittenText("/home/u/.env", 2, "latchkey://roboflow/E2E%20ref");
    expect(t).toBe("Line 2 of .env now holds latchkey://roboflow/E2E%20ref instead of the secret. The token stays stored; latchkey run and latchkey inject put the secret back when they need it.");
  });
});
