// Test fixtures: a token record and view with every required field (used by *.test.ts only).

import type { TokenRecord } from "../bindings/TokenRecord";
import type { TokenView } from "../bindings/TokenView";

export function testRecord(label: string, extra: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: label,
    platform: "cvat",
    kind: "token",
    label,
    public: {},
    hint: "abcd",
    created_at: "2026-01-01T00:00:00Z",
    identity: { scopes: [] },
    ...extra,
  };
}

export const TEST_STATUS: TokenView["status"] = { health: { state: "no_expiry_set", age_secs: 0 }, rotation_due: false, checked: "unknown", unused_source: "local" };

export function testToken(label: string, extra: Partial<TokenRecord> = {}, status: Partial<TokenView["status"]> = {}): TokenView {
  return { record: testRecord(label, extra), status: { ...TEST_STATUS, ...status } };
}
