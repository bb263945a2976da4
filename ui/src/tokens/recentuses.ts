// The detail pane's "Recent uses": the token's last uses from the access log, newest first.
// Asked for on every render of the pane (so a copy shows at once), drawn from the last
// answer meanwhile, so the section does not flicker.

import { api, errorText, toErrorPayload } from "../api";
import type { RecentUses } from "../bindings/RecentUses";
import { localString } from "../shell/dates";
import { h, replace } from "../shell/dom";
import { brokenWords, useWords } from "./recentusesmodel";

const last = new Map<string, RecentUses>();

const muted = (text: string) => h("span", { class: "muted" }, text);

/** The section for token `id`, filled in when the log answers. */
export function recentUsesSection(id: string): HTMLElement {
  const body = h("div", { class: "recent-uses-body" });
  fill(body, last.get(id));
  api
    .getRecentUses(id)
    .then((uses) => {
      last.set(id, uses);
      fill(body, uses);
    })
    .catch((e) => replace(body, muted(`The access log could not be read: ${errorText(toErrorPayload(e))}`)));
  return h("section", { class: "recent-uses", testid: "detail-recent-uses" }, h("h3", null, "Recent uses"), body);
}

function fill(body: HTMLElement, uses: RecentUses | undefined): void {
  if (!uses) {
    replace(body, muted("Reading the access log…"));
    return;
  }
  const broken = uses.broken
    ? h("div", { class: "callout callout-warn", testid: "detail-recent-uses-broken" }, h("span", null, brokenWords(uses.broken)))
    : null;
  const items = uses.uses.map((e) => {
    const w = useWords(e);
    return h(
      "li",
      { testid: "detail-recent-use", "data-action": e.action, "data-where": e.where },
      h("span", null, `${w.what} · ${w.where}`),
      muted(` · ${localString(e.time)}`),
      w.more ? h("div", { class: "muted mono small wrap" }, w.more) : null,
    );
  });
  replace(body, broken, items.length ? h("ul", { class: "plain-list" }, items) : muted("Not used yet (since the access log began)."));
}
