import { describe, expect, it } from "vitest";
import { matchesSearch } from "../tokens/query";
import { TEST_STATUS, testRecord } from "../tokens/testtokens";
import { mergeTokens, problemWord, teamErrorField, teamVaultInputError, theirChanges, vaultStateText, type TeamTokenView, type TeamVaultView } from "./teammodel";

const rec = testRecord;
const status = TEST_STATUS;

function teamRow(label: string): TeamTokenView {
  return { record: rec(label), status, team: { vault_id: "v1", vault_name: "Vision", version: 3, updated_at: "2026-11-01T00:00:00Z" } };
}

describe("mergeTokens", () => {
  it("lists local rows, then team rows", () => {
    const all = mergeTokens([{ record: rec("a"), status }], [teamRow("b")]);
    expect(all.map((t) => [t.record.id, t.team?.vault_name])).toEqual([
      ["a", undefined],
      ["b", "Vision"],
    ]);
  });
  it("never lets a team row hide a local row with the same id", () => {
    const all = mergeTokens([{ record: rec("a"), status }], [teamRow("a")]);
    expect(all).toHaveLength(1);
    expect(all[0].team).toBeUndefined();
  });
  it("is the local list when no team vault answered", () => {
    const local = [{ record: rec("a"), status }];
    expect(mergeTokens(local, undefined)).toBe(local);
  });
  it("team rows are found by the word team and by the vault's name", () => {
    const t = teamRow("deploy key");
    expect(matchesSearch(t, "team", "CVAT")).toBe(true);
    expect(matchesSearch(t, "vision deploy", "CVAT")).toBe(true);
    expect(matchesSearch({ record: rec("deploy key"), status }, "team", "CVAT")).toBe(false);
  });
});

describe("problemWord", () => {
  it("names each way a vault can fail", () => {
    expect(problemWord("team_unreachable")).toBe("Unreachable");
    expect(problemWord("team_sealed")).toBe("Sealed");
    expect(problemWord("team_denied")).toBe("Access denied");
    expect(problemWord("team_auth")).toBe("Token rejected");
    expect(problemWord("internal")).toBe("Not available");
  });
});

describe("teamVaultInputError", () => {
  const ok = { name: "Vision", address: "https://vault.example.com:8200", mount: "secret", prefix: "latchkey", token: "s.FAKE" };
  it("accepts a complete form", () => {
    expect(teamVaultInputError(ok, [])).toBeNull();
    expect(teamVaultInputError({ ...ok, address: "http://127.0.0.1:8200", mount: "", prefix: "" }, [])).toBeNull();
  });
  it("points at the field that is wrong", () => {
    expect(teamVaultInputError({ ...ok, name: " " }, [])?.field).toBe("name");
    expect(teamVaultInputError(ok, ["vision"])?.field).toBe("name");
    expect(teamVaultInputError({ ...ok, address: "vault.example.com" }, [])?.field).toBe("address");
    expect(teamVaultInputError({ ...ok, address: "ftp://vault.example.com" }, [])?.field).toBe("address");
    expect(teamVaultInputError({ ...ok, mount: "/secret" }, [])?.field).toBe("mount");
    expect(teamVaultInputError({ ...ok, prefix: "a b" }, [])?.field).toBe("prefix");
    expect(teamVaultInputError({ ...ok, token: "" }, [])?.field).toBe("token");
  });
  it("allows plain http only to this computer", () => {
    const bad = teamVaultInputError({ ...ok, address: "http://vault.example.com:8200" }, []);
    expect(bad?.field).toBe("address");
    expect(bad?.message).toContain("https://");
  });
});

describe("theirChanges", () => {
  it("lists each field they changed, with the value before and now", () => {
    const base = rec("CI", { notes: "old", tags: ["a"] });
    const theirs = rec("CI", { notes: "theirs", tags: ["a", "b"], identity: { scopes: [], owner: "bob" } });
    expect(theirChanges(base, theirs)).toEqual([
      { field: "Owner", before: "—", theirs: "bob" },
      { field: "Tags", before: "a", theirs: "a, b" },
      { field: "Notes", before: "old", theirs: "theirs" },
    ]);
  });
  it("says when they replaced the secret or revoked the token", () => {
    const base = rec("CI");
    const theirs = rec("CI", { hint: "wxyz", revoked: { at: "2026-11-01T00:00:00Z", reason: "leaked" } });
    expect(theirChanges(base, theirs).map((c) => c.field)).toEqual(["Secret", "Revoked"]);
  });
  it("is empty when nothing they changed is shown", () => {
    expect(theirChanges(rec("CI"), rec("CI"))).toEqual([]);
  });
});

describe("team form errors and vault states", () => {
  it("points an error at its field", () => {
    expect(teamErrorField({ kind: "team_auth" })).toBe("token");
    expect(teamErrorField({ kind: "invalid_input", field: "team_mount" })).toBe("mount");
    expect(teamErrorField({ kind: "invalid_input", field: "team_address" })).toBe("address");
    expect(teamErrorField({ kind: "invalid_input", field: "team_name" })).toBe("name");
    expect(teamErrorField({ kind: "invalid_input" })).toBe(null);
    expect(teamErrorField({ kind: "team_unreachable", field: "team_name" })).toBe(null);
  });
  it("says how many tokens, or what is wrong", () => {
    const config = { id: "v", name: "Vision", address: "https://x", mount: "secret", prefix: "latchkey" } as TeamVaultView["config"];
    expect(vaultStateText({ config, problems: [], token_count: 1, state: "ok" })).toBe("1 token");
    expect(vaultStateText({ config, problems: [], token_count: 3, state: "ok" })).toBe("3 tokens");
    const down: TeamVaultView = { config, problems: [], token_count: 0, state: "error", error: { kind: "team_sealed", message: "sealed" } };
    expect(vaultStateText(down)).toBe(problemWord("team_sealed"));
  });
});
