import { invoke } from "@tauri-apps/api/core";
import type { VaultView } from "./bindings/VaultView";

const app = document.getElementById("app")!;
invoke<VaultView>("get_view").then((v) => {
  app.textContent = `${v.tokens.length} tokens`;
});
