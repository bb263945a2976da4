import { describe, expect, it } from "vitest";
import { validateFieldFor, validateSettings } from "./validatefields";

const typed = { url: " /api/me ", header: " ", prefix: "Bearer ", method: "GET", status: "" };

describe("validate fields", () => {
  it("reads what was typed", () => {
    expect(validateSettings({ ...typed, url: "" })).toBe(undefined);
    expect(validateSettings(typed)).toEqual({ url: "/api/me", header: "Authorization", prefix: "Bearer ", method: "GET", expect_status: 200 });
    expect(validateSettings({ ...typed, status: "2x" })).toEqual({ error: "Enter the expected status as a number, such as 200." });
    expect(validateSettings({ ...typed, status: "600" })).toHaveProperty("error");
  });
  it("points an error at its field", () => {
    expect(validateFieldFor("check_url")).toBe("url");
    expect(validateFieldFor("check_header")).toBe("header");
    expect(validateFieldFor("check_prefix")).toBe("prefix");
    expect(validateFieldFor("check_method")).toBe("method");
    expect(validateFieldFor("check_status")).toBe("status");
    expect(validateFieldFor("label")).toBe(null);
    expect(validateFieldFor(undefined)).toBe(null);
  });
});
