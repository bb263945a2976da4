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
        "update_settings",
        "validate_token",
        "validate_all",
        "revoke_token",
        "confirm_revoked",
        "open_revoke_page",
        "snooze_token",
        "take_in_app_alerts",
        "bench_mark",
        "start_leak_scan",
        "cancel_leak_scan",
        "get_leak_report",
        "set_leak_settings",
        "allow_leak_finding",
        "import_found_token",
    ])))
    .expect("tauri build step failed");
}
