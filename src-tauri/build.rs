fn main() {
    // Every command the UI may call. Each gets an `allow-<name>` permission, and only the
    // ones granted in capabilities/ are reachable from the webview.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "get_view",
        "list_platforms",
        "add_token",
        "update_token",
        "replace_secret",
        "delete_token",
        "copy_secret",
        "reveal_secret",
        "retry_keychain",
        "dismiss_notices",
    ])))
    .expect("tauri build step failed");
}
