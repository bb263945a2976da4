import { describe, expect, it } from "vitest";
import { keyAction, type KeyPress } from "./keymodel";

const key = (k: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key: k, ctrl: false, shift: false, alt: false, ...mods });

describe("keyAction", () => {
  it("Ctrl shortcuts work everywhere", () => {
    expect(keyAction(key("f", { ctrl: true }), "field", false)).toBe("focusSearch");
    expect(keyAction(key("n", { ctrl: true }), "search", false)).toBe("add");
    expect(keyAction(key("C", { ctrl: true, shift: true }), "other", true)).toBe("copy");
    expect(keyAction(key("C", { ctrl: true, shift: true }), "other", false)).toBe(null);
    expect(keyAction(key("x", { ctrl: true }), "other", true)).toBe(null);
    expect(keyAction(key("f", { alt: true }), "other", true)).toBe(null);
  });
  it("the search field keeps its keys but Escape, ArrowDown and Enter", () => {
    expect(keyAction(key("Escape"), "search", true)).toBe("searchEscape");
    expect(keyAction(key("ArrowDown"), "search", true)).toBe("searchToList");
    expect(keyAction(key("Enter"), "search", false)).toBe("searchToList");
    expect(keyAction(key("c"), "search", true)).toBe(null);
    expect(keyAction(key("c"), "field", true)).toBe(null);
  });
  it("letters outside fields", () => {
    expect(keyAction(key("V", { shift: true }), "other", false)).toBe("validateAll");
    expect(keyAction(key("j"), "other", false)).toBe("down");
    expect(keyAction(key("Home"), "other", false)).toBe("first");
    expect(keyAction(key("?"), "button", false)).toBe("help");
    expect(keyAction(key("c"), "other", false)).toBe(null);
    expect(keyAction(key("C"), "other", true)).toBe("copy");
    expect(keyAction(key("z"), "other", true)).toBe("snooze");
    expect(keyAction(key("Delete"), "other", true)).toBe("delete");
  });
  it("Enter opens the detail, except on a button", () => {
    expect(keyAction(key("Enter"), "other", true)).toBe("openDetail");
    expect(keyAction(key("Enter"), "button", true)).toBe(null);
  });
});
