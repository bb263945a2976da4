// api.ts (generated, owned elsewhere) imports its alert type from here; the module lives in alerts/.
export type { InAppAlert } from "./alerts/alertmodel";
