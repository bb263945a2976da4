// Team vaults in the main window: the "team" badge of a row, and a banner for each team
// vault that cannot be read (unreachable, sealed, access denied) while local tokens work.

import { refreshTeam } from "../tokens/actions";
import { h } from "../shell/dom";
import { icon } from "../shell/icons";
import { banner } from "../alerts/banners";
import { state } from "../shell/state";
import { problemAdvice, problemWord } from "./teammodel";

/** "team · Vision": which team vault a row lives in. */
export function teamBadge(vaultName: string, testid: string): HTMLElement {
  return h(
    "span",
    { class: "chip chip-team", testid, title: `Shared through the team vault “${vaultName}”` },
    icon("users", 12),
    h("span", { class: "chip-text" }, "team"),
    h("span", { class: "team-name" }, vaultName),
  );
}

let retrying = false;

async function retry(btn: HTMLButtonElement): Promise<void> {
  if (retrying) return;
  retrying = true;
  btn.disabled = true;
  try {
    await refreshTeam();
  } finally {
    retrying = false;
    btn.disabled = false;
  }
}

export function teamBanners(): Node[] {
  const out: Node[] = [];
  for (const v of state.team?.vaults ?? []) {
    if (v.state === "error") {
      const again = h(
        "button",
        { class: "btn btn-small", type: "button", testid: "team-retry", title: "Ask the team vault again", onclick: () => void retry(again) },
        icon("rotate", 14),
        "Retry",
      );
      out.push(
        banner(
          v.error.kind === "team_unreachable" ? "warning" : "error",
          "users",
          { testid: "team-banner", "data-vault": v.config.id, "data-kind": v.error.kind },
          h(
            "span",
            { class: "banner-text" },
            h("strong", null, `Team vault “${v.config.name}”: ${problemWord(v.error.kind)}. `),
            v.error.message,
            // The message may already say so (core's unreachable one does).
            /local tokens/i.test(v.error.message) ? null : h("span", { class: "muted" }, ` ${problemAdvice(v.error.kind)}`),
          ),
          again,
        ),
      );
    } else if (v.problems.length) {
      const first = v.problems[0];
      const more = v.problems.length > 1 ? ` (and ${v.problems.length - 1} more)` : "";
      out.push(
        banner(
          "warning",
          "users",
          { testid: "team-banner", "data-vault": v.config.id, "data-kind": first.error.kind },
          h(
            "span",
            { class: "banner-text" },
            h("strong", null, `Team vault “${v.config.name}”: ${v.problems.length === 1 ? "one entry" : `${v.problems.length} entries`} could not be read. `),
            first.error.message,
            more,
          ),
        ),
      );
    }
  }
  return out;
}
