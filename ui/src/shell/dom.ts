// A tiny DOM builder. Text always goes in through textContent / text nodes, never HTML.

export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = { [key: string]: AttrValue | ((ev: any) => void) };

/**
 * h("button", { class: "btn", testid: "add-button", onclick: fn }, "Add token")
 * - `testid` becomes data-testid; `class` may hold several names.
 * - on* keys with functions become event listeners.
 * - `value`, `checked`, `disabled`, `hidden` are set as properties.
 * - false/null/undefined attributes are left out; true becomes an empty attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

const PROPS = new Set(["value", "checked", "disabled", "hidden", "selected", "open"]);

export function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") {
      el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    } else if (PROPS.has(k)) {
      (el as unknown as Record<string, unknown>)[k] = v ?? (k === "value" ? "" : false);
    } else if (v === false || v === null || v === undefined) {
      continue;
    } else {
      el.setAttribute(k === "testid" ? "data-testid" : k, v === true ? "" : String(v));
    }
  }
}

/** Set `attrs` on an element that already exists: false/null/undefined remove an attribute,
 *  and only values that differ are written. */
export function patchAttrs(el: Element, attrs: Record<string, AttrValue>): void {
  for (const [k, v] of Object.entries(attrs)) {
    const name = k === "testid" ? "data-testid" : k;
    if (v === false || v === null || v === undefined) {
      if (el.hasAttribute(name)) el.removeAttribute(name);
      continue;
    }
    const text = v === true ? "" : String(v);
    if (el.getAttribute(name) !== text) el.setAttribute(name, text);
  }
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Replace all children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** The first descendant with this data-testid. */
export function byTestId<T extends Element = HTMLElement>(root: ParentNode, id: string): T | null {
  return root.querySelector<T & Element>(`[data-testid="${id}"]`);
}

/**
 * Run `render` (which rebuilds the children of `root`) and give focus back to the element
 * with the same data-testid if focus was inside `root` before.
 */
export function keepFocus(root: Element, render: () => void): void {
  const active = document.activeElement;
  const testid = active && root.contains(active) ? active.getAttribute("data-testid") : null;
  render();
  if (testid) byTestId(root, testid)?.focus({ preventScroll: true });
}
