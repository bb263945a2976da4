// api.ts (generated, owned elsewhere) imports its team types from here; the module lives in team/.
export type { TeamTokenView, TeamView } from "./team/teammodel";
