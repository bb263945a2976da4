// Inline SVG icons built with DOM APIs (no innerHTML, no external files, CSP-safe).

import type { Platform } from "../bindings/Platform";

const NS = "http://www.w3.org/2000/svg";

const PATHS = {
  lock: ["M6 11h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-8a1 1 0 0 1 1-1z", "M8 11V7a4 4 0 0 1 8 0v4", "M12 15v2"],
  search: ["M4 11a7 7 0 1 0 14 0a7 7 0 1 0-14 0", "M20 20l-4-4"],
  copy: [
    "M10 9h9a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1h-9a1 1 0 0 1-1-1V10a1 1 0 0 1 1-1z",
    "M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1",
  ],
  eye: ["M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z", "M9 12a3 3 0 1 0 6 0a3 3 0 1 0-6 0"],
  eyeOff: ["M2 12s3.5-7 10-7c2 0 3.8.7 5.2 1.6M22 12s-3.5 7-10 7c-2 0-3.8-.7-5.2-1.6", "M9.9 14.1a3 3 0 0 1 4.2-4.2", "M3 3l18 18"],
  edit: ["M4 20h4L19 9l-4-4L4 16v4z", "M13.5 6.5l4 4"],
  rotate: ["M20 11a8 8 0 0 0-14.9-3.5", "M4 4v4h4", "M4 13a8 8 0 0 0 14.9 3.5", "M20 20v-4h-4"],
  trash: ["M4 7h16", "M10 11v6", "M14 11v6", "M6 7l1 13h10l1-13", "M9 7V4h6v3"],
  plus: ["M12 5v14", "M5 12h14"],
  x: ["M6 6l12 12", "M18 6L6 18"],
  check: ["M5 12l5 5L20 7"],
  alert: ["M12 3L2 20h20L12 3z", "M12 10v4", "M12 17v.01"],
  info: ["M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0", "M12 11v6", "M12 7.5v.01"],
  keyboard: ["M3 6h18v12H3z", "M7 10h.01M11 10h.01M15 10h.01M17 14h.01M7 14h7"],
  clock: ["M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0", "M12 7v5l3 2"],
  key: ["M3 15a4 4 0 1 0 8 0a4 4 0 1 0-8 0", "M10 12l9-9", "M16 6l3 3", "M14 8l2 2"],
  file: ["M14 3H6v18h12V7l-4-4z", "M14 3v4h4"],
  link: ["M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1", "M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"],
  server: ["M4 4h16v6H4z", "M4 14h16v6H4z", "M8 7h.01M8 17h.01"],
  users: ["M5 8a3 3 0 1 0 6 0a3 3 0 1 0-6 0", "M2 20c0-3.3 2.7-6 6-6s6 2.7 6 6", "M14 5.3a3 3 0 1 1 2 5.5", "M17 14c2.8.5 5 2.9 5 6"],
  shieldCheck: ["M12 3l8 3v6c0 4.6-3.4 8-8 9-4.6-1-8-4.4-8-9V6l8-3z", "M9 12l2 2 4-4"],
  checks: ["M2 12.5l4.5 4.5L15 8.5", "M11.5 16l1 1L21 8.5"],
  ban: ["M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0", "M5.6 5.6l12.8 12.8"],
  bell: ["M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9", "M13.7 21a2 2 0 0 1-3.4 0"],
  bellOff: [
    "M13.7 21a2 2 0 0 1-3.4 0",
    "M18.6 13A17.9 17.9 0 0 1 18 8",
    "M6.3 6.3A5.9 5.9 0 0 0 6 8c0 7-3 9-3 9h14",
    "M18 8a6 6 0 0 0-9.3-5",
    "M3 3l18 18",
  ],
  external: ["M14 4h6v6", "M20 4l-9 9", "M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"],
  gear: [
    "M9 12a3 3 0 1 0 6 0a3 3 0 1 0-6 0",
    "M19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-1.82-.33 1.65 1.65 0 0 0-1 1.51V21a2 2 0 1 1-4 0v-.09A1.65 1.65 0 0 0 9 19.4a1.65 1.65 0 0 0-1.82.33l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06a1.65 1.65 0 0 0 .33-1.82 1.65 1.65 0 0 0-1.51-1H3a2 2 0 1 1 0-4h.09A1.65 1.65 0 0 0 4.6 9a1.65 1.65 0 0 0-.33-1.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06a1.65 1.65 0 0 0 1.82.33H9a1.65 1.65 0 0 0 1-1.51V3a2 2 0 1 1 4 0v.09a1.65 1.65 0 0 0 1 1.51 1.65 1.65 0 0 0 1.82-.33l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06a1.65 1.65 0 0 0-.33 1.82V9a1.65 1.65 0 0 0 1.51 1H21a2 2 0 1 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1z",
  ],
} as const;

export type IconName = keyof typeof PATHS;

/** An SVG element with these attributes. */
function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** Built once per kind and size, then cloned: a list of 200 rows draws ~600 icons at start-up,
 *  and one cloneNode replaces a dozen or more createElementNS/setAttribute calls per icon. */
const made = new Map<string, SVGSVGElement>();
function cached(key: string, build: () => SVGSVGElement): SVGSVGElement {
  let svg = made.get(key);
  if (!svg) made.set(key, (svg = build()));
  return svg.cloneNode(true) as SVGSVGElement;
}

export function icon(name: IconName, size = 16): SVGSVGElement {
  return cached(`i:${name}:${size}`, () => buildIcon(name, size));
}

function buildIcon(name: IconName, size: number): SVGSVGElement {
  const svg = svgElement("svg", {
    viewBox: "0 0 24 24",
    width: String(size),
    height: String(size),
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "2",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    focusable: "false",
    class: `icon icon-${name}`,
  });
  for (const d of PATHS[name]) svg.appendChild(svgElement("path", { d }));
  return svg;
}

/** Badge colours and initials: plain shapes, no logos. */
const BADGES: Record<Platform, { bg: string; text: string }> = {
  supervisely: { bg: "#6d5ae6", text: "SV" },
  cvat: { bg: "#1f7ae0", text: "CV" },
  roboflow: { bg: "#a23fc9", text: "RF" },
  encord: { bg: "#0e8f83", text: "EN" },
  env0: { bg: "#2b8a3e", text: "e0" },
  other: { bg: "#66707c", text: "API" },
};

/** A coloured rounded square with the platform's initials. */
export function platformBadge(platform: Platform, size = 28): SVGSVGElement {
  return cached(`b:${platform}:${size}`, () => buildBadge(platform, size));
}

function buildBadge(platform: Platform, size: number): SVGSVGElement {
  const b = BADGES[platform] ?? BADGES.other;
  const svg = svgElement("svg", { viewBox: "0 0 32 32", width: String(size), height: String(size), "aria-hidden": "true", class: "badge" });
  const rect = svgElement("rect", { x: "0", y: "0", width: "32", height: "32", rx: "7", fill: b.bg });
  const text = svgElement("text", {
    x: "16",
    y: "16.5",
    "text-anchor": "middle",
    "dominant-baseline": "central",
    fill: "#ffffff",
    "font-size": b.text.length > 2 ? "10.5" : "13",
    "font-weight": "700",
    "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, Cantarell, sans-serif",
    "letter-spacing": "0.3",
  });
  text.textContent = b.text;
  svg.append(rect, text);
  return svg;
}
