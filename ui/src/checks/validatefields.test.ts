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
    expect(validateFieldFor("The check URL must be https", "")).toBe("url");
    expect(validateFieldFor("ftp://x is not allowed", "ftp://x")).toBe("url");
    expect(validateFieldFor("Bad header name", "")).toBe("header");
    expect(validateFieldFor("The expected status must be 200..399", "")).toBe("status");
    expect(validateFieldFor("The label is empty", "/api/me")).toBe(null);
  });
});
