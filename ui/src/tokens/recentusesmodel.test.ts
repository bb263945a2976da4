import { describe, expect, it } from "vitest";
import type { AccessEntry } from "../bindings/AccessEntry";
import { brokenWords, useWords } from "./recentusesmodel";

const entry = (over: Partial<AccessEntry>): AccessEntry => ({
  v: 1,
  seq: 1,
  time: "2026-12-05T10:00:00Z",
  token: "t1",
  label: "ci",
  platform: "cvat",
  action: "copy",
  where: "app",
  prev: "0".repeat(64),
  hash: "1".repeat(64),
  ...over,
});

describe("recent uses", () => {
  it("a copy in the app", () => {
    expect(useWords(entry({}))).toEqual({ what: "Copied", where: "in the app", more: "" });
  });
  it("a run from the command line shows its masked command and parent", () => {
    const w = useWords(entry({ action: "run", where: "cli", parent: "bash", command: ["python", "train.py", "<latchkey:cvat/ci>"] }));
    expect(w).toEqual({ what: "Given to a command by latchkey run", where: "command line (bash)", more: "python train.py <latchkey:cvat/ci>" });
  });
  it("an outcome when there is no command", () => {
    expect(useWords(entry({ action: "validate", where: "cli", detail: "valid" }))).toEqual({ what: "Validated", where: "command line", more: "valid" });
  });
  it("a broken log says so", () => {
    expect(brokenWords("access.log line 3: edited")).toContain("access.log line 3: edited");
  });
});
