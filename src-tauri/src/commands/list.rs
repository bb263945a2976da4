// The one list of the commands the window may call, by the module of `commands/` that
// handles each: `tokens: get_view` is `commands/tokens.rs`, fn `get_view`.
//
// build.rs reads this file to declare each command's permission, to write
// capabilities/main.json (every command granted to the main window, nothing else) and
// ui/src/bindings/Command.ts (the names `ui/src/api.ts` may call); commands/mod.rs registers
// the same list with Tauri. A name without its handler does not compile, nor does a
// misspelt name in api.ts.
commands! {
    tokens: get_view, list_platforms, add_token, update_token, replace_secret, delete_token, copy_secret,
        reveal_secret, retry_keychain, snooze_token, get_recent_uses;
    platform: validate_token, validate_all, revoke_token, confirm_revoked, open_revoke_page, rotate_token,
        rotate_with_secret, rotate_with_password, undo_rotation;
    leak: start_leak_scan, cancel_leak_scan, get_leak_report, set_leak_settings, allow_leak_finding,
        leak_reference_preview, replace_leak_with_reference,
        import_found_token;
    team: add_team_vault, remove_team_vault, get_team_view;
    settings: update_settings;
    alerts: take_in_app_alerts, dismiss_notices;
    bench: bench_mark;
    window: take_open_request;
}
